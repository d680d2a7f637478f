//! The accounts and quotas sections: uins, SecretIds and app ids must be
//! free; a quota names a defined account and a limit the API would take.

use std::collections::{HashMap, HashSet};

use super::{Checker, ExistingState, PlannedAccount, Planner};
use crate::domain::{
    ids::parse_uin,
    names::validate_name,
    quota::{QuotaName, validate_limit},
    region::Region,
};

/// The uins the file defines: with the existing ones, the accounts that
/// later sections may name.
pub(super) struct NewUins(HashSet<String>);

/// Quota limits in force: the file's, over the existing state's.
pub(super) struct Limits<'a, S> {
    existing: &'a S,
    /// Set by the file, by (uin, region name, quota).
    set: HashMap<(String, &'static str, QuotaName), i64>,
}

impl<S: ExistingState> Limits<'_, S> {
    /// A limit nobody set has its default.
    pub(super) fn of(&self, uin: &str, region: Region, quota: QuotaName) -> i64 {
        self.set
            .get(&(uin.to_owned(), region.name, quota))
            .copied()
            .unwrap_or_else(|| self.existing.quota_limit(uin, region, quota))
    }
}

/// The app ids the file takes, and where to look for a free one.
struct AppIds<'a, S> {
    existing: &'a S,
    taken: HashSet<i64>,
    next: i64,
}

impl<'a, S: ExistingState> AppIds<'a, S> {
    fn new(existing: &'a S) -> Self {
        let next = existing
            .max_app_id()
            .map_or(1_250_000_001, |m| m.max(1_250_000_000) + 1);
        AppIds {
            existing,
            taken: HashSet::new(),
            next,
        }
    }

    fn in_use(&self, id: i64) -> bool {
        self.taken.contains(&id) || self.existing.app_id_in_use(id)
    }

    /// The app id an account gives, checked, or the next free one.
    fn take(&mut self, given: Option<i64>, path: String, check: &mut Checker) -> i64 {
        match given {
            Some(id) if id <= 0 => {
                check.error(path, format!("app_id {id} must be positive"));
                id
            }
            Some(id) => {
                if self.in_use(id) {
                    check.error(path, format!("app_id {id} is already in use"));
                }
                self.taken.insert(id);
                id
            }
            None => {
                while self.in_use(self.next) {
                    self.next += 1;
                }
                self.taken.insert(self.next);
                self.next
            }
        }
    }
}

impl<'a, S: ExistingState> Planner<'a, S> {
    /// Whether an account with `uin` exists or the file defines one.
    pub(super) fn account_defined(&self, new: &NewUins, uin: &str) -> bool {
        new.0.contains(uin) || self.existing.has_account(uin)
    }

    /// Checks and plans the accounts; returns the new uins, for the
    /// sections that name an owner.
    pub(super) fn accounts(&mut self) -> NewUins {
        let mut uins = HashSet::new();
        let mut secret_ids = HashSet::new();
        let mut app_ids = AppIds::new(self.existing);
        for (i, spec) in self.scenario.accounts.iter().enumerate() {
            let at = |field: &str| format!("accounts[{i}].{field}");
            if let Err(e) = parse_uin(&spec.uin, "uin") {
                self.check.error(at("uin"), e.message);
            } else if self.existing.has_account(&spec.uin) || !uins.insert(spec.uin.clone()) {
                self.check
                    .error(at("uin"), format!("account {} already exists", spec.uin));
            }
            if let Err(e) = validate_name(
                &spec.name,
                "name",
                crate::domain::ErrorCode::InvalidParameterValue,
            ) {
                self.check.error(at("name"), e.message);
            }
            let app_id = app_ids.take(spec.app_id, at("app_id"), &mut self.check);
            let secret_id = self.secret_id(&spec.secret_id, &mut secret_ids, at("secret_id"));
            let secret_key = spec
                .secret_key
                .clone()
                .unwrap_or_else(|| self.ids.secret_key());
            let create_time = self.created_at(&spec.create_time, at("create_time"));
            self.plan.accounts.push(PlannedAccount {
                uin: spec.uin.clone(),
                name: spec.name.clone(),
                app_id,
                secret_id,
                secret_key,
                create_time,
            });
        }
        NewUins(uins)
    }

    /// The SecretId an account gives, checked, or a generated one.
    fn secret_id(
        &mut self,
        given: &Option<String>,
        in_use: &mut HashSet<String>,
        path: String,
    ) -> String {
        let secret_id = given.clone().unwrap_or_else(|| self.ids.secret_id());
        if secret_id.is_empty()
            || secret_id.len() > 128
            || !secret_id.bytes().all(|b| b.is_ascii_graphic())
        {
            self.check.error(
                path,
                "secret_id must be 1 to 128 printable ASCII characters without spaces",
            );
        } else if self.existing.secret_id_in_use(&secret_id) || !in_use.insert(secret_id.clone()) {
            self.check
                .error(path, "secret_id is already in use by another account");
        }
        secret_id
    }

    /// Checks and plans the quotas; returns the limits in force after them.
    pub(super) fn quotas(&mut self, uins: &NewUins) -> Limits<'a, S> {
        let mut limits = Limits {
            existing: self.existing,
            set: HashMap::new(),
        };
        for (i, spec) in self.scenario.quotas.iter().enumerate() {
            let at = |field: &str| format!("quotas[{i}].{field}");
            if !self.account_defined(uins, &spec.uin) {
                self.check
                    .error(at("uin"), format!("account {} is not defined", spec.uin));
            }
            let region = self.region(&spec.region, at("region"));
            let quota = QuotaName::parse(&spec.quota_name, "quota_name")
                .map_err(|e| self.check.error(at("quota_name"), e.message))
                .ok();
            if let Err(e) = validate_limit(spec.limit, "limit") {
                self.check.error(at("limit"), e.message);
            }
            if let (Some(region), Some(quota)) = (region, quota) {
                limits
                    .set
                    .insert((spec.uin.clone(), region.name, quota), spec.limit);
                self.plan
                    .quotas
                    .push((spec.uin.clone(), region, quota, spec.limit));
            }
        }
        limits
    }
}
