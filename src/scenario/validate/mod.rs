//! Checks a scenario against the rules of the API, on top of the state that
//! already exists (an [`ExistingState`]: the store's model, or nothing),
//! and plans the rows to write. Pure: the store writes the plan.
//!
//! The file's sections are checked in its order, each in its own module:
//! `accounts` (and quotas), `vpcs`, `peerings`, `faults`; this one holds
//! the plan, the clock and what the sections share.

mod accounts;
mod existing;
mod faults;
mod network;
mod peerings;
mod vpcs;

pub use existing::{EmptyState, ExistingState};

use super::Scenario;
use crate::domain::{
    faults::FaultRule,
    ids::IdGenerator,
    link::{LinkOptions, Tag},
    peering::PeeringState,
    quota::QuotaName,
    region::Region,
    time::{NewestRecord, Timestamp, check_clock_target, format_time, parse_time},
};

/// The rows a valid scenario adds.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The clock reading to set, if the scenario fixes it.
    pub clock: Option<Timestamp>,
    pub id_seed: Option<u64>,
    pub accounts: Vec<PlannedAccount>,
    pub quotas: Vec<(String, Region, QuotaName, i64)>,
    pub vpcs: Vec<PlannedVpc>,
    pub peerings: Vec<PlannedPeering>,
    /// Route tables, each live VPC's default one among them, in row order.
    pub route_tables: Vec<PlannedTable>,
    pub subnets: Vec<PlannedSubnet>,
    pub routes: Vec<PlannedRoute>,
    /// Of `route_tables`, how many the file lists (the rest are the
    /// default tables of VPCs that list none).
    pub listed_route_tables: usize,
    /// Legacy VPC numbers to continue from, per region name.
    pub legacy_next: Vec<(&'static str, i64)>,
    pub faults: Vec<FaultRule>,
}

#[derive(Debug, Clone)]
pub struct PlannedAccount {
    pub uin: String,
    pub name: String,
    pub app_id: i64,
    pub secret_id: String,
    pub secret_key: String,
    pub create_time: Timestamp,
}

#[derive(Debug, Clone)]
pub struct PlannedVpc {
    pub row_id: i64,
    pub vpc_id: String,
    pub un_vpc_id: String,
    pub uin: String,
    pub region: Region,
    pub vpc_name: String,
    pub cidr_block: String,
    pub assistant_cidr_blocks: String,
    pub create_time: Timestamp,
    pub deleted: bool,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone)]
pub struct PlannedTable {
    pub row_id: i64,
    pub route_table_id: String,
    pub vpc_row: i64,
    pub name: String,
    pub main: bool,
    pub tags: Vec<Tag>,
    pub create_time: Timestamp,
}

#[derive(Debug, Clone)]
pub struct PlannedSubnet {
    pub subnet_id: String,
    pub vpc_row: i64,
    pub name: String,
    /// Canonical, as the API stores it.
    pub cidr_block: String,
    pub zone: String,
    pub table_row: i64,
    pub tags: Vec<Tag>,
    pub create_time: Timestamp,
}

#[derive(Debug, Clone)]
pub struct PlannedRoute {
    /// Its row, which is its `RouteId`.
    pub route_id: i64,
    pub route_item_id: String,
    pub table_row: i64,
    /// Canonical, as the API stores it.
    pub destination: String,
    pub gateway_type: &'static str,
    pub gateway_id: String,
    pub description: String,
    pub enabled: bool,
    pub create_time: Timestamp,
}

#[derive(Debug, Clone)]
pub struct PlannedPeering {
    pub peering_connection_id: String,
    pub peering_connection_name: String,
    pub vpc_row: i64,
    pub peer_vpc_row: i64,
    pub uin: String,
    pub peer_uin: String,
    pub region: Region,
    pub state: PeeringState,
    pub create_time: Timestamp,
    pub expire_time: Option<Timestamp>,
    pub link: LinkOptions,
}

/// An error at a path of the document.
pub type PathError = (String, String);

/// Stop collecting after this many errors: the first ones matter most.
const MAX_ERRORS: usize = 50;
struct Checker {
    errors: Vec<PathError>,
}

impl Checker {
    fn error(&mut self, path: String, message: impl Into<String>) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push((path, message.into()));
        }
    }

    fn full(&self) -> bool {
        self.errors.len() >= MAX_ERRORS
    }
}

fn time_field(
    value: &Option<String>,
    default: Timestamp,
    path: String,
    check: &mut Checker,
) -> Timestamp {
    match value {
        None => default,
        Some(text) => parse_time(text).unwrap_or_else(|| {
            check.error(
                path,
                format!("{text:?} is not a time such as 2026-01-06 20:56:07"),
            );
            default
        }),
    }
}

/// A creation time: given, or `now`; never after `now`, since nothing in the
/// state may lie in the clock's future.
fn creation_time(
    value: &Option<String>,
    now: Timestamp,
    path: String,
    check: &mut Checker,
) -> Timestamp {
    creation_time_or(value, now, now, path, check)
}

/// A creation time: given, or `default` (which is not after `now`); never
/// after `now`.
fn creation_time_or(
    value: &Option<String>,
    default: Timestamp,
    now: Timestamp,
    path: String,
    check: &mut Checker,
) -> Timestamp {
    let time = time_field(value, default, path.clone(), check);
    if time > now {
        check.error(
            path,
            format!(
                "{} is after the clock ({}): nothing may be created in the future",
                format_time(time),
                format_time(now)
            ),
        );
    }
    time
}
/// Validates `scenario` on top of `existing` at clock reading `now` (before
/// the scenario's own clock applies), and plans its rows. `newest` is the
/// newest time the existing state records: a scenario's clock may not be
/// earlier (see `check_clock_target`).
pub fn plan<S: ExistingState>(
    existing: &S,
    newest: Option<&NewestRecord>,
    scenario: &Scenario,
    default_region: Region,
    now: Timestamp,
    ids: &mut IdGenerator,
) -> Result<Plan, Vec<PathError>> {
    if let Some(seed) = scenario.id_seed {
        *ids = IdGenerator::new(Some(seed));
    }
    let mut planner = Planner {
        existing,
        newest,
        scenario,
        default_region,
        now,
        ids,
        check: Checker { errors: Vec::new() },
        plan: Plan {
            id_seed: scenario.id_seed,
            ..Default::default()
        },
    };
    // The sections in the file's order: each may name only what the ones
    // before it defined, so errors come in the order a reader meets them.
    planner.set_clock();
    let uins = planner.accounts();
    let limits = planner.quotas(&uins);
    let mut vpcs = planner.vpcs(&uins, &limits);
    let peerings = planner.peerings(&mut vpcs, &limits);
    planner.network(&vpcs, &peerings, &limits);
    planner.faults(&uins);
    if planner.check.errors.is_empty() {
        Ok(planner.plan)
    } else {
        Err(planner.check.errors)
    }
}

/// What `plan` carries from one section of the scenario to the next.
struct Planner<'a, S: ExistingState> {
    existing: &'a S,
    newest: Option<&'a NewestRecord>,
    scenario: &'a Scenario,
    default_region: Region,
    /// The clock reading times are checked against: the scenario's own
    /// once `set_clock` has read it.
    now: Timestamp,
    ids: &'a mut IdGenerator,
    check: Checker,
    plan: Plan,
}

impl<S: ExistingState> Planner<'_, S> {
    /// The scenario's clock, if it fixes one; it may not go back before
    /// what the database already records.
    fn set_clock(&mut self) {
        let Some(text) = &self.scenario.clock else {
            return;
        };
        let Some(time) = parse_time(text) else {
            self.check.error(
                "clock".into(),
                format!("{text:?} is not a time such as 2026-01-06 20:56:07"),
            );
            return;
        };
        if let Err(err) = check_clock_target(time, self.newest) {
            let message = match self.newest {
                Some(newest) if time < newest.time => format!(
                    "{text} is before {}, when {} in the database; seed with --replace \
                     (LoadScenario replace), or give a later clock",
                    format_time(newest.time),
                    newest.what
                ),
                _ => err.message,
            };
            self.check.error("clock".into(), message);
        }
        self.plan.clock = Some(time);
        self.now = time;
    }

    /// A creation time checked against the clock (see `creation_time`).
    fn created_at(&mut self, value: &Option<String>, path: String) -> Timestamp {
        creation_time(value, self.now, path, &mut self.check)
    }

    /// The region a spec names, or the default one.
    fn region(&mut self, text: &Option<String>, path: String) -> Option<Region> {
        match text {
            None => Some(self.default_region),
            Some(t) => Region::parse(t)
                .map_err(|e| self.check.error(path, e.message))
                .ok(),
        }
    }
}
