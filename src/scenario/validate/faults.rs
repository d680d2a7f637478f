//! The faults section: each rule checked as AddFault checks it; a rule that
//! names a caller needs the account, and a fixed id must be free.

use std::collections::HashSet;

use super::{ExistingState, Planner, accounts::NewUins, creation_time};
use crate::domain::faults::{FaultKind, FaultRequest, FaultRule};

impl<S: ExistingState> Planner<'_, S> {
    /// Fault rules: each checked as AddFault checks it; a rule that names a
    /// caller needs the account, and a fixed id must be free.
    pub(super) fn faults(&mut self, uins: &NewUins) {
        // The ids the file takes; the existing ones are asked for.
        let mut ids = HashSet::new();
        for (i, spec) in self.scenario.faults.iter().enumerate() {
            let at = |field: &str| format!("faults[{i}].{field}");
            let Some(kind) = FaultKind::parse(&spec.kind) else {
                self.check.error(
                    at("kind"),
                    format!(
                        "kind {:?} is not one of {}",
                        spec.kind,
                        FaultKind::ALL.map(FaultKind::as_str).join(", ")
                    ),
                );
                continue;
            };
            let request = FaultRequest {
                fault_id: spec.fault_id.as_deref().unwrap_or(""),
                action: &spec.action,
                uin: spec.uin.as_deref().unwrap_or(""),
                region: spec.region.as_deref().unwrap_or(""),
                kind: Some(kind),
                error_code: spec.error_code.as_deref().unwrap_or(""),
                message: spec.message.as_deref().unwrap_or(""),
                delay_ms: spec.delay_ms.unwrap_or(0),
                times: spec.times,
                probability: spec.probability,
                seed: spec.seed.unwrap_or(0),
            };
            let checked = match request.check_kept() {
                Ok(checked) => checked,
                Err(err) => {
                    // Every error of a rule names its field.
                    let field = err.field.unwrap_or("action");
                    self.check.error(at(field), err.message);
                    continue;
                }
            };
            if let Some(uin) = &checked.uin
                && !self.account_defined(uins, uin)
            {
                self.check
                    .error(at("uin"), format!("account {uin} is not defined"));
                continue;
            }
            let fault_id = match &checked.fault_id {
                Some(id) => id.clone(),
                None => loop {
                    let id = self.ids.fault_id();
                    if !ids.contains(&id) && !self.existing.fault_id_in_use(&id) {
                        break id;
                    }
                },
            };
            if self.existing.fault_id_in_use(&fault_id) || !ids.insert(fault_id.clone()) {
                self.check.error(
                    at("fault_id"),
                    format!("fault rule {fault_id} already exists"),
                );
                continue;
            }
            let create_time = creation_time(
                &spec.create_time,
                self.now,
                at("create_time"),
                &mut self.check,
            );
            self.plan.faults.push(FaultRule {
                fault_id,
                spec: checked,
                matched: spec.matched.unwrap_or(0),
                fired: spec.fired.unwrap_or(0),
                create_time,
            });
        }
    }
}
