//! Checks a scenario against the rules of the API, on top of the state that
//! already exists, and plans the rows to write. Pure: the store loads the
//! existing state and writes the plan.

use std::collections::{HashMap, HashSet};

use super::{PeeringSpec, Scenario, StateSpec, VpcSpec};
use crate::domain::{
    cidr::CidrBlock,
    faults::{FaultKind, FaultRequest, FaultRule},
    ids::{IdGenerator, VpcRef, legacy_vpc_id, parse_peering_id, parse_uin},
    link::{GivenLinkOptions, LinkFieldNames, LinkOptions, LinkProblems},
    names::validate_name,
    peering::PeeringState,
    quota::{QuotaName, validate_limit},
    region::Region,
    rules::{
        Joining, LiveLink, StateView, check_assistant_count, check_live_peering, check_own_blocks,
        check_vpc_count, state_possible,
    },
    time::{
        NewestRecord, PENDING_LIFETIME_SECS, Timestamp, check_clock_target, format_time, parse_time,
    },
};

/// What already exists, as far as the rules need to know.
#[derive(Debug, Clone, Default)]
pub struct World {
    pub accounts: Vec<ExistingAccount>,
    pub quotas: Vec<(String, Region, QuotaName, i64)>,
    pub vpcs: Vec<ExistingVpc>,
    pub peering_ids: HashSet<String>,
    /// Live peerings: (requester VPC row, accepter VPC row, id, active).
    pub live: Vec<(i64, i64, String, bool)>,
    /// Next legacy VPC number per region name.
    pub legacy_next: HashMap<&'static str, i64>,
    /// The newest time the state records: a scenario's clock may not be
    /// earlier (see `check_clock_target`).
    pub newest: Option<NewestRecord>,
    /// Ids of the fault rules already there.
    pub fault_ids: HashSet<String>,
}

#[derive(Debug, Clone)]
pub struct ExistingAccount {
    pub uin: String,
    pub secret_id: String,
    pub app_id: i64,
}

#[derive(Debug, Clone)]
pub struct ExistingVpc {
    pub row_id: i64,
    pub vpc_id: String,
    pub un_vpc_id: String,
    pub uin: String,
    pub region: Region,
    pub blocks: Vec<CidrBlock>,
    pub deleted: bool,
}

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

/// A VPC as the peering rules see it, existing or new.
struct Node {
    row_id: i64,
    /// How messages name it: as the file does (its ref, or the id it fixes),
    /// or its id for one already in the database.
    label: String,
    uin: String,
    region: Region,
    blocks: Vec<CidrBlock>,
    deleted: bool,
    /// Live peerings: (peering id, other node index, active).
    live: Vec<(String, usize, bool)>,
}

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
    let time = time_field(value, now, path.clone(), check);
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

/// A peering's link options from its spec, each bad one reported where it
/// is written; `None` after reporting.
fn link_options(
    spec: &PeeringSpec,
    at: &dyn Fn(&str) -> String,
    check: &mut Checker,
) -> Option<LinkOptions> {
    const NAMES: LinkFieldNames = LinkFieldNames {
        bandwidth: "bandwidth",
        charge_type: "charge_type",
        link_type: "type",
        qos_level: "qos_level",
        tags: "tags",
    };
    let given = GivenLinkOptions {
        bandwidth: spec.bandwidth,
        charge_type: spec.charge_type.as_deref(),
        link_type: spec.link_type.as_deref(),
        qos_level: spec.qos_level.as_deref(),
        tags: spec.tags.clone(),
    };
    match LinkOptions::from_given(given, &NAMES) {
        Ok(link) => Some(link),
        Err(LinkProblems(problems)) => {
            for (field, err) in problems {
                check.error(at(field), err.message);
            }
            None
        }
    }
}

/// Validates `scenario` on top of `world` at clock reading `now` (before the
/// scenario's own clock applies), and plans its rows.
pub fn plan(
    world: &World,
    scenario: &Scenario,
    default_region: Region,
    now: Timestamp,
    ids: &mut IdGenerator,
) -> Result<Plan, Vec<PathError>> {
    if let Some(seed) = scenario.id_seed {
        *ids = IdGenerator::new(Some(seed));
    }
    let mut planner = Planner {
        world,
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
    planner.peerings(&mut vpcs, &limits);
    planner.faults(&uins);
    if planner.check.errors.is_empty() {
        Ok(planner.plan)
    } else {
        Err(planner.check.errors)
    }
}

/// What `plan` carries from one section of the scenario to the next.
struct Planner<'a> {
    world: &'a World,
    scenario: &'a Scenario,
    default_region: Region,
    /// The clock reading times are checked against: the scenario's own
    /// once `set_clock` has read it.
    now: Timestamp,
    ids: &'a mut IdGenerator,
    check: Checker,
    plan: Plan,
}

/// Quota limits in force, by (uin, region name, quota).
struct Limits(HashMap<(String, &'static str, QuotaName), i64>);

impl Limits {
    /// A limit nobody set has its default.
    fn of(&self, uin: &str, region: Region, quota: QuotaName) -> i64 {
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

/// Every VPC a peering may name, existing or new, and the names it may use.
struct Vpcs {
    nodes: Vec<Node>,
    /// Node index by legacy and by unique id.
    by_id: HashMap<String, usize>,
    /// Ids of the database that the file tried to define again (reported
    /// once, at the VPC).
    clashed: HashSet<String>,
    /// The file's own local names for its VPCs. Values are (node index,
    /// index in the file's `vpcs`).
    by_ref: HashMap<String, (usize, usize)>,
    by_name: HashMap<String, Vec<(usize, usize)>>,
}

impl Vpcs {
    /// The database's VPCs and their live peerings, with room for `more`.
    fn existing(world: &World, more: usize) -> Self {
        let mut nodes: Vec<Node> = Vec::with_capacity(world.vpcs.len() + more);
        let mut by_id: HashMap<String, usize> = HashMap::new();
        for vpc in &world.vpcs {
            by_id.insert(vpc.vpc_id.clone(), nodes.len());
            by_id.insert(vpc.un_vpc_id.clone(), nodes.len());
            nodes.push(Node {
                row_id: vpc.row_id,
                label: vpc.un_vpc_id.clone(),
                uin: vpc.uin.clone(),
                region: vpc.region,
                blocks: vpc.blocks.clone(),
                deleted: vpc.deleted,
                live: Vec::new(),
            });
        }
        let row_index: HashMap<i64, usize> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.row_id, i))
            .collect();
        for (vpc_row, peer_row, id, active) in &world.live {
            if let (Some(&a), Some(&b)) = (row_index.get(vpc_row), row_index.get(peer_row)) {
                nodes[a].live.push((id.clone(), b, *active));
                nodes[b].live.push((id.clone(), a, *active));
            }
        }
        Vpcs {
            nodes,
            by_id,
            clashed: HashSet::new(),
            by_ref: HashMap::new(),
            by_name: HashMap::new(),
        }
    }

    /// The node a peering names by `text`: an id first, then a ref, then a
    /// name that only one VPC of the file has.
    fn find(&self, text: &str, path: String, check: &mut Checker) -> Option<usize> {
        if self.clashed.contains(text) {
            return None;
        }
        if let Some(&n) = self.by_id.get(text) {
            return Some(n);
        }
        if let Some(&(n, _)) = self.by_ref.get(text) {
            return Some(n);
        }
        match self.by_name.get(text).map(Vec::as_slice) {
            Some([(n, _)]) => Some(*n),
            Some(many) => {
                let holders: Vec<String> = many.iter().map(|(_, j)| format!("vpcs[{j}]")).collect();
                check.error(
                    path,
                    format!(
                        "{text} names {}: give one of them a ref, or use its id",
                        holders.join(" and ")
                    ),
                );
                None
            }
            None => {
                check.error(
                    path,
                    format!(
                        "{text} is not defined: no vpc in the file or the database has it as its id, ref or name"
                    ),
                );
                None
            }
        }
    }
}

/// The peering ids in use, and the ones the file fixes, so that generated
/// ones never take them.
struct PeeringIds<'s> {
    taken: HashSet<String>,
    fixed: HashSet<&'s str>,
}

/// What the VPC section keeps between the file's VPCs, besides `Vpcs`.
struct VpcSection<'s> {
    /// VPCs that are not deleted, per (uin, region name), for the quota.
    counts: HashMap<(String, &'static str), i64>,
    /// Ids the scenario fixes, so that generated ones never take them.
    fixed_vpc_ids: HashSet<&'s str>,
    fixed_un_ids: HashSet<&'s str>,
    next_row: i64,
    legacy_next: HashMap<&'static str, i64>,
    /// Regions whose legacy numbers moved, for the plan to continue from.
    legacy_touched: HashSet<&'static str>,
}

impl<'s> VpcSection<'s> {
    fn new(world: &World, scenario: &'s Scenario) -> Self {
        let mut counts: HashMap<(String, &'static str), i64> = HashMap::new();
        for vpc in world.vpcs.iter().filter(|v| !v.deleted) {
            *counts
                .entry((vpc.uin.clone(), vpc.region.name))
                .or_default() += 1;
        }
        VpcSection {
            counts,
            fixed_vpc_ids: scenario
                .vpcs
                .iter()
                .filter_map(|v| v.vpc_id.as_deref())
                .collect(),
            fixed_un_ids: scenario
                .vpcs
                .iter()
                .filter_map(|v| v.un_vpc_id.as_deref())
                .collect(),
            next_row: world.vpcs.iter().map(|v| v.row_id).max().unwrap_or(0) + 1,
            legacy_next: world.legacy_next.clone(),
            legacy_touched: HashSet::new(),
        }
    }

    /// The legacy numbers to continue from, in region order (a region is
    /// touched only where its number was set).
    fn legacy_to_continue(&self) -> Vec<(&'static str, i64)> {
        let mut touched: Vec<_> = self.legacy_touched.iter().copied().collect();
        touched.sort_unstable();
        touched
            .into_iter()
            .map(|r| (r, self.legacy_next.get(r).copied().unwrap_or(1)))
            .collect()
    }
}

impl Planner<'_> {
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
        if let Err(err) = check_clock_target(time, self.world.newest.as_ref()) {
            let message = match &self.world.newest {
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

    /// Fault rules: each checked as AddFault checks it; a rule that names a
    /// caller needs the account, and a fixed id must be free.
    fn faults(&mut self, uins: &HashSet<String>) {
        let mut ids = self.world.fault_ids.clone();
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
                && !uins.contains(uin)
            {
                self.check
                    .error(at("uin"), format!("account {uin} is not defined"));
                continue;
            }
            let fault_id = match &checked.fault_id {
                Some(id) => id.clone(),
                None => loop {
                    let id = self.ids.fault_id();
                    if !ids.contains(&id) {
                        break id;
                    }
                },
            };
            if !ids.insert(fault_id.clone()) {
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

    /// Checks and plans the accounts; returns every uin, existing or new,
    /// for the sections that name an owner.
    fn accounts(&mut self) -> HashSet<String> {
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
    fn quotas(&mut self, uins: &HashSet<String>) -> Limits {
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

    /// Checks and plans the file's VPCs; returns them with the database's,
    /// for the peerings to name.
    fn vpcs(&mut self, uins: &HashSet<String>, limits: &Limits) -> Vpcs {
        let scenario = self.scenario;
        let mut vpcs = Vpcs::existing(self.world, scenario.vpcs.len());
        let mut section = VpcSection::new(self.world, scenario);
        for (i, spec) in scenario.vpcs.iter().enumerate() {
            if self.check.full() {
                break;
            }
            let at = |field: &str| format!("vpcs[{i}].{field}");
            if !uins.contains(&spec.uin) {
                self.check
                    .error(at("uin"), format!("account {} is not defined", spec.uin));
            }
            let Some(region) = self.region(&spec.region, at("region")) else {
                continue;
            };
            self.vpc(i, spec, region, limits, &mut vpcs, &mut section);
        }
        self.plan.legacy_next = section.legacy_to_continue();
        vpcs
    }

    /// Checks and plans the file's VPC `i`, in `region`.
    fn vpc(
        &mut self,
        i: usize,
        spec: &VpcSpec,
        region: Region,
        limits: &Limits,
        vpcs: &mut Vpcs,
        section: &mut VpcSection<'_>,
    ) {
        let at = |field: &str| format!("vpcs[{i}].{field}");
        if let Err(e) = validate_name(
            &spec.vpc_name,
            "vpc_name",
            crate::domain::ErrorCode::InvalidParameterValue,
        ) {
            self.check.error(at("vpc_name"), e.message);
        }
        let blocks = self.vpc_blocks(i, spec);
        self.vpc_quotas(i, spec, region, limits, &mut section.counts);
        let vpc_id = self.legacy_id(i, spec, region, vpcs, section);
        let un_vpc_id = self.unique_id(i, spec, vpcs, section);
        self.register_names(i, spec, [&vpc_id, &un_vpc_id], vpcs);
        let label = spec
            .reference
            .clone()
            .or_else(|| spec.un_vpc_id.clone())
            .or_else(|| spec.vpc_id.clone())
            .unwrap_or_else(|| format!("vpcs[{i}] ({})", spec.vpc_name));
        let create_time = self.created_at(&spec.create_time, at("create_time"));
        self.plan.vpcs.push(PlannedVpc {
            row_id: section.next_row,
            vpc_id,
            un_vpc_id,
            uin: spec.uin.clone(),
            region,
            vpc_name: spec.vpc_name.clone(),
            cidr_block: spec.cidr_block.clone(),
            assistant_cidr_blocks: spec.assistant_cidr_blocks.join(","),
            create_time,
            deleted: spec.deleted,
        });
        vpcs.nodes.push(Node {
            row_id: section.next_row,
            label,
            uin: spec.uin.clone(),
            region,
            blocks,
            deleted: spec.deleted,
            live: Vec::new(),
        });
        section.next_row += 1;
    }

    /// Lets peerings name the file's VPC `i` (the next node) by its ids, its
    /// ref and its name; an id or ref another VPC has is an error.
    fn register_names(&mut self, i: usize, spec: &VpcSpec, ids: [&String; 2], vpcs: &mut Vpcs) {
        let at = |field: &str| format!("vpcs[{i}].{field}");
        let node = vpcs.nodes.len();
        for (field, id) in ["vpc_id", "un_vpc_id"].into_iter().zip(ids) {
            match vpcs.by_id.get(id) {
                // This VPC's own other id: one of the two has the wrong
                // form, which is reported above.
                Some(&n) if n == node => {}
                // Peerings that name a clashing id are checked against
                // neither VPC: the clash is the one error to report.
                Some(&n) if n < self.world.vpcs.len() => {
                    self.check
                        .error(at(field), format!("vpc {id} is already in the database"));
                    vpcs.clashed.insert(id.clone());
                }
                Some(&n) => self.check.error(
                    at(field),
                    format!(
                        "vpc {id} is defined twice: {} has it too",
                        vpcs.nodes[n].label
                    ),
                ),
                None => {
                    vpcs.by_id.insert(id.clone(), node);
                }
            }
        }
        if let Some(reference) = &spec.reference {
            if let Some(message) = reference_problem(reference) {
                self.check.error(at("ref"), message);
            } else if let Some(&(_, j)) = vpcs.by_ref.get(reference) {
                self.check.error(
                    at("ref"),
                    format!("ref {reference} is defined twice: vpcs[{j}] has it too"),
                );
            } else {
                vpcs.by_ref.insert(reference.clone(), (node, i));
            }
        }
        vpcs.by_name
            .entry(spec.vpc_name.clone())
            .or_default()
            .push((node, i));
    }

    /// The blocks of the file's VPC `i` that parse, primary first; none of
    /// them may overlap another.
    fn vpc_blocks(&mut self, i: usize, spec: &VpcSpec) -> Vec<CidrBlock> {
        let mut blocks = Vec::new();
        match CidrBlock::parse(&spec.cidr_block, "cidr_block") {
            Ok(b) => blocks.push(b),
            Err(e) => self.check.error(format!("vpcs[{i}].cidr_block"), e.message),
        }
        for (j, text) in spec.assistant_cidr_blocks.iter().enumerate() {
            match CidrBlock::parse(text, "assistant_cidr_blocks") {
                Ok(b) => blocks.push(b),
                Err(e) => self
                    .check
                    .error(format!("vpcs[{i}].assistant_cidr_blocks[{j}]"), e.message),
            }
        }
        // The path points at the VPC: the message need not name it.
        if let Err(err) = check_own_blocks("the same vpc", &blocks) {
            self.check
                .error(format!("vpcs[{i}].assistant_cidr_blocks"), err.message);
        }
        blocks
    }

    /// The quotas the file's VPC `i` counts against: its own assistant
    /// blocks, and its owner's VPCs in the region (`counts`, which it joins
    /// unless deleted).
    fn vpc_quotas(
        &mut self,
        i: usize,
        spec: &VpcSpec,
        region: Region,
        limits: &Limits,
        counts: &mut HashMap<(String, &'static str), i64>,
    ) {
        let label = spec.reference.as_deref().unwrap_or(&spec.vpc_name);
        let max_assistants = limits.of(&spec.uin, region, QuotaName::MaxAssistantCidrs);
        let assistants = spec.assistant_cidr_blocks.len();
        if let Err(err) = check_assistant_count(label, assistants, max_assistants) {
            self.check
                .error(format!("vpcs[{i}].assistant_cidr_blocks"), err.message);
        }
        if !spec.deleted {
            let count = counts.entry((spec.uin.clone(), region.name)).or_default();
            let max = limits.of(&spec.uin, region, QuotaName::MaxVpcs);
            if let Err(err) = check_vpc_count(&spec.uin, region.name, *count, max) {
                self.check.error(format!("vpcs[{i}].uin"), err.message);
            }
            *count += 1;
        }
    }

    /// The legacy id the file's VPC `i` gives, checked, or the region's
    /// next free one; either moves the region's legacy numbers on.
    fn legacy_id(
        &mut self,
        i: usize,
        spec: &VpcSpec,
        region: Region,
        vpcs: &Vpcs,
        section: &mut VpcSection<'_>,
    ) -> String {
        let path = format!("vpcs[{i}].vpc_id");
        let Some(id) = &spec.vpc_id else {
            return loop {
                let next = section.legacy_next.entry(region.name).or_insert(1);
                let id = legacy_vpc_id(region, *next);
                *next += 1;
                section.legacy_touched.insert(region.name);
                if !vpcs.by_id.contains_key(&id) && !section.fixed_vpc_ids.contains(id.as_str()) {
                    break id;
                }
            };
        };
        match VpcRef::parse(id, "vpc_id") {
            Ok(VpcRef::Legacy(_)) if !id.starts_with(&format!("{}_vpc_", region.short)) => {
                self.check.error(
                    path,
                    format!("legacy id {id} does not belong to region {}", region.name),
                )
            }
            Ok(VpcRef::Legacy(_)) => {
                if let Some(n) = id.rsplit('_').next().and_then(|n| n.parse::<i64>().ok()) {
                    let next = section.legacy_next.entry(region.name).or_insert(1);
                    *next = (*next).max(n.saturating_add(1));
                    section.legacy_touched.insert(region.name);
                }
            }
            Ok(VpcRef::Unique(_)) => self.check.error(
                path,
                format!("{id} is a unique id; vpc_id takes the legacy form, such as gz_vpc_1"),
            ),
            Err(e) => self.check.error(path, e.message),
        }
        id.clone()
    }

    /// The unique id the file's VPC `i` gives, checked, or a generated one
    /// that no VPC has.
    fn unique_id(
        &mut self,
        i: usize,
        spec: &VpcSpec,
        vpcs: &Vpcs,
        section: &VpcSection<'_>,
    ) -> String {
        let Some(id) = &spec.un_vpc_id else {
            return loop {
                let id = self.ids.un_vpc_id();
                if !vpcs.by_id.contains_key(&id) && !section.fixed_un_ids.contains(id.as_str()) {
                    break id;
                }
            };
        };
        if !matches!(VpcRef::parse(id, "un_vpc_id"), Ok(VpcRef::Unique(_))) {
            self.check.error(
                format!("vpcs[{i}].un_vpc_id"),
                format!("{id:?} is not a unique vpc id such as vpc-8e0ypm3z"),
            );
        }
        id.clone()
    }

    /// Checks and plans the peerings, in order, each against the ones
    /// before it.
    fn peerings(&mut self, vpcs: &mut Vpcs, limits: &Limits) {
        let scenario = self.scenario;
        let mut peering_ids = PeeringIds {
            taken: self.world.peering_ids.clone(),
            fixed: scenario
                .peerings
                .iter()
                .filter_map(|p| p.peering_connection_id.as_deref())
                .collect(),
        };
        for (i, spec) in scenario.peerings.iter().enumerate() {
            if self.check.full() {
                break;
            }
            if let Some(planned) = self.peering(i, spec, &mut peering_ids, vpcs, limits) {
                self.plan.peerings.push(planned);
            }
        }
    }

    /// The id the file's peering `i` gives, checked, or a generated one that
    /// no peering has.
    fn peering_id(&mut self, i: usize, spec: &PeeringSpec, ids: &mut PeeringIds<'_>) -> String {
        let path = format!("peerings[{i}].peering_connection_id");
        match &spec.peering_connection_id {
            Some(id) => {
                if let Err(e) = parse_peering_id(id, "peering_connection_id") {
                    self.check.error(path, e.message);
                } else if !ids.taken.insert(id.clone()) {
                    self.check
                        .error(path, format!("peering {id} is defined twice"));
                }
                id.clone()
            }
            None => loop {
                let id = self.ids.peering_id();
                if !ids.taken.contains(&id) && !ids.fixed.contains(id.as_str()) {
                    ids.taken.insert(id.clone());
                    break id;
                }
            },
        }
    }

    /// When the file's peering `i` was created, and when it expires if it
    /// is or was pending (by default, a pending peering's lifetime later).
    fn peering_times(&mut self, i: usize, spec: &PeeringSpec) -> (Timestamp, Timestamp) {
        let create_time = self.created_at(&spec.create_time, format!("peerings[{i}].create_time"));
        let expire_default = create_time + PENDING_LIFETIME_SECS;
        let expire_time = time_field(
            &spec.expire_time,
            expire_default,
            format!("peerings[{i}].expire_time"),
            &mut self.check,
        );
        (create_time, expire_time)
    }

    /// The state the file's peering `i` is stored in, and its expire time,
    /// which only a pending or expired peering keeps; `None` for a state
    /// that one account's peerings never have, as they are ACTIVE at once.
    fn peering_state(
        &mut self,
        i: usize,
        spec: &PeeringSpec,
        same_account: bool,
        expire_time: Timestamp,
    ) -> Option<(PeeringState, Option<Timestamp>)> {
        let at = |field: &str| format!("peerings[{i}].{field}");
        let state = stored_state(spec.state);
        if !state_possible(same_account, state) {
            self.check.error(
                at("state"),
                format!(
                    "{} between vpcs of one account cannot be: such peerings are ACTIVE at once",
                    state.as_str()
                ),
            );
            return None;
        }
        let pending_like = matches!(state, PeeringState::Pending | PeeringState::Expired);
        let expire_time = pending_like.then_some(expire_time);
        if state == PeeringState::Expired && expire_time.is_some_and(|t| t > self.now) {
            self.check.error(
                at("expire_time"),
                "an EXPIRED peering needs an expire_time that has passed on the clock",
            );
        }
        Some((state, expire_time))
    }

    /// Checks the file's peering `i` and, if it breaks no rule on top of
    /// the ones before it, records it as live (if it is) and returns its row.
    fn peering(
        &mut self,
        i: usize,
        spec: &PeeringSpec,
        peering_ids: &mut PeeringIds<'_>,
        vpcs: &mut Vpcs,
        limits: &Limits,
    ) -> Option<PlannedPeering> {
        let at = |field: &str| format!("peerings[{i}].{field}");
        let errors_before = self.check.errors.len();
        if let Err(e) = validate_name(
            &spec.peering_connection_name,
            "peering_connection_name",
            crate::domain::ErrorCode::InvalidPeeringConnectionName,
        ) {
            self.check.error(at("peering_connection_name"), e.message);
        }
        let peering_id = self.peering_id(i, spec, peering_ids);
        let a = vpcs.find(&spec.vpc, at("vpc_id"), &mut self.check);
        let b = vpcs.find(&spec.peer_vpc, at("peer_vpc_id"), &mut self.check);
        let (create_time, expire_time) = self.peering_times(i, spec);
        let link = link_options(spec, &at, &mut self.check);
        let (Some(a), Some(b), Some(link)) = (a, b, link) else {
            return None;
        };
        let same_account = vpcs.nodes[a].uin == vpcs.nodes[b].uin;
        let (state, expire_time) = self.peering_state(i, spec, same_account, expire_time)?;
        let live = state.effective(expire_time, self.now).is_live();
        let active = state == PeeringState::Active;
        if live {
            let view = PlanView {
                nodes: &vpcs.nodes,
                limits,
            };
            let joining = Joining {
                becoming_live: true,
                becoming_active: active,
                except: None,
            };
            let names = Some((spec.vpc.as_str(), spec.peer_vpc.as_str()));
            if let Err(err) = check_live_peering(&view, a, b, names, joining) {
                // The peering as a whole breaks the rule, not one of its fields.
                self.check.error(format!("peerings[{i}]"), err.message);
                return None;
            }
        }
        if self.check.errors.len() > errors_before {
            return None;
        }
        if live {
            vpcs.nodes[a].live.push((peering_id.clone(), b, active));
            vpcs.nodes[b].live.push((peering_id.clone(), a, active));
        }
        let (na, nb) = (&vpcs.nodes[a], &vpcs.nodes[b]);
        Some(PlannedPeering {
            peering_connection_id: peering_id,
            peering_connection_name: spec.peering_connection_name.clone(),
            vpc_row: na.row_id,
            peer_vpc_row: nb.row_id,
            uin: na.uin.clone(),
            peer_uin: nb.uin.clone(),
            region: na.region,
            state,
            create_time,
            expire_time,
            link,
        })
    }
}

/// The state a file's peering is stored in.
fn stored_state(spec: StateSpec) -> PeeringState {
    match spec {
        StateSpec::Pending => PeeringState::Pending,
        StateSpec::Active => PeeringState::Active,
        StateSpec::Expired => PeeringState::Expired,
        StateSpec::Rejected => PeeringState::Rejected,
        StateSpec::Deleted => PeeringState::Deleted,
    }
}

/// Why a ref cannot name a VPC, if it cannot: it must be short, printable,
/// and not look like an id, or a peering could not tell which one it meant.
fn reference_problem(reference: &str) -> Option<String> {
    if reference.trim().is_empty() || reference.trim() != reference {
        return Some("a ref must not be blank or start or end with spaces".into());
    }
    if reference.chars().count() > 60 || reference.chars().any(char::is_control) {
        return Some("a ref is 1 to 60 printable characters".into());
    }
    VpcRef::parse(reference, "ref")
        .is_ok()
        .then(|| format!("ref {reference} looks like a vpc id; choose a name that does not"))
}

/// The planned state as the rules see it: the database's VPCs and the
/// file's, with the live peerings planned so far.
struct PlanView<'a> {
    nodes: &'a [Node],
    limits: &'a Limits,
}

impl StateView for PlanView<'_> {
    type Vpc = usize;

    fn label(&self, vpc: usize) -> &str {
        &self.nodes[vpc].label
    }

    fn blocks(&self, vpc: usize) -> &[CidrBlock] {
        &self.nodes[vpc].blocks
    }

    fn deleted(&self, vpc: usize) -> bool {
        self.nodes[vpc].deleted
    }

    fn limit(&self, vpc: usize, quota: QuotaName) -> i64 {
        let node = &self.nodes[vpc];
        self.limits.of(&node.uin, node.region, quota)
    }

    fn live_links(&self, vpc: usize) -> Vec<LiveLink<'_, usize>> {
        self.nodes[vpc]
            .live
            .iter()
            .map(|(id, other, active)| LiveLink {
                peering_id: id,
                other: *other,
                active: *active,
            })
            .collect()
    }
}
