//! The accounts and quotas sections: uins, SecretIds and app ids must be
//! free; a quota names a defined account and a limit the API would take.

use std::collections::{HashMap, HashSet};

use super::{Checker, ExistingAccount, PlannedAccount, Planner};
use crate::domain::{
    ids::parse_uin,
    names::validate_name,
    quota::{QuotaName, validate_limit},
    region::Region,
};

/// Quota limits in force, by (uin, region name, quota).
pub(super) struct Limits(HashMap<(String, &'static str, QuotaName), i64>);

impl Limits {
    /// A limit nobody set has its default.
    pub(super) fn of(&self, uin: &str, region: Region, quota: QuotaName) -> i64 {
        self.0
            .get(&(uin.to_owned(), region.name, quota))
            .copied()
            .unwrap_or(quota.default_limit())
    }
}

/// The app ids in use, and where to look for a free one.
struct AppIds {
    used: HashSet<i64>,
    next: i64,
}

impl AppIds {
    fn of(accounts: &[ExistingAccount]) -> Self {
        let used: HashSet<i64> = accounts.iter().map(|a| a.app_id).collect();
        let next = used
            .iter()
            .copied()
            .max()
            .map_or(1_250_000_001, |m| m.max(1_250_000_000) + 1);
        AppIds { used, next }
    }

    /// The app id an account gives, checked, or the next free one.
    fn take(&mut self, given: Option<i64>, path: String, check: &mut Checker) -> i64 {
        match given {
            Some(id) if id <= 0 => {
                check.error(path, format!("app_id {id} must be positive"));
                id
            }
            Some(id) => {
                if !self.used.insert(id) {
                    check.error(path, format!("app_id {id} is already in use"));
                }
                id
            }
            None => {
                while self.used.contains(&self.next) {
                    self.next += 1;
                }
                self.used.insert(self.next);
                self.next
            }
        }
    }
}
impl Planner<'_> {
    /// Checks and plans the accounts; returns every uin, existing or new,
    /// for the sections that name an owner.
    pub(super) fn accounts(&mut self) -> HashSet<String> {
        let existing = &self.world.accounts;
        let mut uins: HashSet<String> = existing.iter().map(|a| a.uin.clone()).collect();
        let mut secret_ids: HashSet<String> =
            existing.iter().map(|a| a.secret_id.clone()).collect();
        let mut app_ids = AppIds::of(existing);
        for (i, spec) in self.scenario.accounts.iter().enumerate() {
            let at = |field: &str| format!("accounts[{i}].{field}");
            if let Err(e) = parse_uin(&spec.uin, "uin") {
                self.check.error(at("uin"), e.message);
            } else if !uins.insert(spec.uin.clone()) {
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
        uins
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
        } else if !in_use.insert(secret_id.clone()) {
            self.check
                .error(path, "secret_id is already in use by another account");
        }
        secret_id
    }

    /// Checks and plans the quotas; returns the limits in force after them.
    pub(super) fn quotas(&mut self, uins: &HashSet<String>) -> Limits {
        let mut limits = Limits(
            self.world
                .quotas
                .iter()
                .map(|(uin, region, q, limit)| ((uin.clone(), region.name, *q), *limit))
                .collect(),
        );
        for (i, spec) in self.scenario.quotas.iter().enumerate() {
            let at = |field: &str| format!("quotas[{i}].{field}");
            if !uins.contains(&spec.uin) {
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
                    .0
                    .insert((spec.uin.clone(), region.name, quota), spec.limit);
                self.plan
                    .quotas
                    .push((spec.uin.clone(), region, quota, spec.limit));
            }
        }
        limits
    }
}
