//! Checks a scenario against the rules of the API, on top of the state that
//! already exists, and plans the rows to write. Pure: the store loads the
//! existing state and writes the plan.

use std::collections::{HashMap, HashSet};

use super::{PeeringSpec, Scenario, StateSpec};
use crate::domain::{
    ApiError,
    cidr::{CidrBlock, first_overlap, first_overlap_within},
    ids::{IdGenerator, VpcRef, legacy_vpc_id, parse_peering_id, parse_uin},
    link::{
        CHARGE_TYPES, LINK_TYPES, LinkOptions, QOS_LEVELS, check_bandwidth, check_tags, one_of,
    },
    names::validate_name,
    peering::PeeringState,
    quota::{QuotaName, validate_limit},
    region::Region,
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

/// A peering's link options from its spec, each checked where it is
/// written; `None` after reporting a bad one.
fn link_options(
    spec: &PeeringSpec,
    at: &dyn Fn(&str) -> String,
    check: &mut Checker,
) -> Option<LinkOptions> {
    let defaults = LinkOptions::default();
    let errors_before = check.errors.len();
    let mut take = |result: Result<String, ApiError>, field: &str| {
        result.unwrap_or_else(|err| {
            check.error(at(field), err.message);
            String::new()
        })
    };
    let option =
        |value: &Option<String>, allowed: &[&'static str], field: &str, default: String| {
            value
                .as_deref()
                .map_or(Ok(default), |v| one_of(v, allowed, field))
        };
    let link = LinkOptions {
        bandwidth: spec.bandwidth.unwrap_or(defaults.bandwidth),
        charge_type: take(
            option(
                &spec.charge_type,
                &CHARGE_TYPES,
                "charge_type",
                defaults.charge_type,
            ),
            "charge_type",
        ),
        link_type: take(
            option(&spec.link_type, &LINK_TYPES, "type", defaults.link_type),
            "type",
        ),
        qos_level: take(
            option(
                &spec.qos_level,
                &QOS_LEVELS,
                "qos_level",
                defaults.qos_level,
            ),
            "qos_level",
        ),
        tags: spec.tags.clone(),
    };
    if let Err(err) = check_bandwidth(link.bandwidth, "bandwidth") {
        check.error(at("bandwidth"), err.message);
    }
    if let Err(err) = check_tags(&link.tags, "tags") {
        check.error(at("tags"), err.message);
    }
    (check.errors.len() == errors_before).then_some(link)
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
    let mut check = Checker { errors: Vec::new() };
    let mut plan = Plan {
        id_seed: scenario.id_seed,
        ..Default::default()
    };
    if let Some(seed) = scenario.id_seed {
        *ids = IdGenerator::new(Some(seed));
    }
    let now = match &scenario.clock {
        None => now,
        Some(text) => match parse_time(text) {
            Some(t) => {
                if let Err(err) = check_clock_target(t, world.newest.as_ref()) {
                    let message = match &world.newest {
                        Some(newest) if t < newest.time => format!(
                            "{text} is before {}, when {} in the database; seed with --replace \
                             (LoadScenario replace), or give a later clock",
                            format_time(newest.time),
                            newest.what
                        ),
                        _ => err.message,
                    };
                    check.error("clock".into(), message);
                }
                plan.clock = Some(t);
                t
            }
            None => {
                check.error(
                    "clock".into(),
                    format!("{text:?} is not a time such as 2026-01-06 20:56:07"),
                );
                now
            }
        },
    };
    let region_of = |text: &Option<String>, path: String, check: &mut Checker| match text {
        None => Some(default_region),
        Some(t) => Region::parse(t)
            .map_err(|e| check.error(path, e.message))
            .ok(),
    };

    // Accounts.
    let mut uins: HashSet<String> = world.accounts.iter().map(|a| a.uin.clone()).collect();
    let mut secret_ids: HashSet<String> =
        world.accounts.iter().map(|a| a.secret_id.clone()).collect();
    let mut app_ids: HashSet<i64> = world.accounts.iter().map(|a| a.app_id).collect();
    let mut next_app_id = app_ids
        .iter()
        .copied()
        .max()
        .map_or(1_250_000_001, |m| m.max(1_250_000_000) + 1);
    for (i, spec) in scenario.accounts.iter().enumerate() {
        let at = |field: &str| format!("accounts[{i}].{field}");
        if let Err(e) = parse_uin(&spec.uin, "uin") {
            check.error(at("uin"), e.message);
        } else if !uins.insert(spec.uin.clone()) {
            check.error(at("uin"), format!("account {} already exists", spec.uin));
        }
        if let Err(e) = validate_name(
            &spec.name,
            "name",
            crate::domain::ErrorCode::InvalidParameterValue,
        ) {
            check.error(at("name"), e.message);
        }
        let app_id = match spec.app_id {
            Some(id) if id <= 0 => {
                check.error(at("app_id"), format!("app_id {id} must be positive"));
                id
            }
            Some(id) => {
                if !app_ids.insert(id) {
                    check.error(at("app_id"), format!("app_id {id} is already in use"));
                }
                id
            }
            None => {
                while app_ids.contains(&next_app_id) {
                    next_app_id += 1;
                }
                app_ids.insert(next_app_id);
                next_app_id
            }
        };
        let secret_id = spec.secret_id.clone().unwrap_or_else(|| ids.secret_id());
        if secret_id.is_empty()
            || secret_id.len() > 128
            || !secret_id.bytes().all(|b| b.is_ascii_graphic())
        {
            check.error(
                at("secret_id"),
                "secret_id must be 1 to 128 printable ASCII characters without spaces",
            );
        } else if !secret_ids.insert(secret_id.clone()) {
            check.error(
                at("secret_id"),
                "secret_id is already in use by another account",
            );
        }
        let secret_key = spec.secret_key.clone().unwrap_or_else(|| ids.secret_key());
        let create_time = creation_time(&spec.create_time, now, at("create_time"), &mut check);
        plan.accounts.push(PlannedAccount {
            uin: spec.uin.clone(),
            name: spec.name.clone(),
            app_id,
            secret_id,
            secret_key,
            create_time,
        });
    }

    // Quotas.
    let mut quotas: HashMap<(String, &'static str, QuotaName), i64> = world
        .quotas
        .iter()
        .map(|(uin, region, q, limit)| ((uin.clone(), region.name, *q), *limit))
        .collect();
    for (i, spec) in scenario.quotas.iter().enumerate() {
        let at = |field: &str| format!("quotas[{i}].{field}");
        if !uins.contains(&spec.uin) {
            check.error(at("uin"), format!("account {} is not defined", spec.uin));
        }
        let region = region_of(&spec.region, at("region"), &mut check);
        let quota = QuotaName::parse(&spec.quota_name, "quota_name")
            .map_err(|e| check.error(at("quota_name"), e.message))
            .ok();
        if let Err(e) = validate_limit(spec.limit, "limit") {
            check.error(at("limit"), e.message);
        }
        if let (Some(region), Some(quota)) = (region, quota) {
            quotas.insert((spec.uin.clone(), region.name, quota), spec.limit);
            plan.quotas
                .push((spec.uin.clone(), region, quota, spec.limit));
        }
    }
    let limit = |uin: &str, region: Region, quota: QuotaName| {
        quotas
            .get(&(uin.to_owned(), region.name, quota))
            .copied()
            .unwrap_or(quota.default_limit())
    };

    // VPCs.
    let mut nodes: Vec<Node> = Vec::with_capacity(world.vpcs.len() + scenario.vpcs.len());
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut vpc_count: HashMap<(String, &'static str), i64> = HashMap::new();
    for vpc in &world.vpcs {
        by_id.insert(vpc.vpc_id.clone(), nodes.len());
        by_id.insert(vpc.un_vpc_id.clone(), nodes.len());
        if !vpc.deleted {
            *vpc_count
                .entry((vpc.uin.clone(), vpc.region.name))
                .or_default() += 1;
        }
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
    // Ids the scenario fixes, so that generated ones never take them.
    let fixed_vpc_ids: HashSet<&str> = scenario
        .vpcs
        .iter()
        .filter_map(|v| v.vpc_id.as_deref())
        .collect();
    let fixed_un_ids: HashSet<&str> = scenario
        .vpcs
        .iter()
        .filter_map(|v| v.un_vpc_id.as_deref())
        .collect();
    let fixed_peering_ids: HashSet<&str> = scenario
        .peerings
        .iter()
        .filter_map(|p| p.peering_connection_id.as_deref())
        .collect();
    let mut next_row = world.vpcs.iter().map(|v| v.row_id).max().unwrap_or(0) + 1;
    // Ids of the database that the file tried to define again (reported
    // once, at the VPC), and the file's own local names for its VPCs.
    // Values are (node index, index in the file's `vpcs`).
    let mut clashed: HashSet<String> = HashSet::new();
    let mut by_ref: HashMap<String, (usize, usize)> = HashMap::new();
    let mut by_name: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
    let mut legacy_next: HashMap<&'static str, i64> = world.legacy_next.clone();
    let mut legacy_touched: HashSet<&'static str> = HashSet::new();
    for (i, spec) in scenario.vpcs.iter().enumerate() {
        if check.full() {
            break;
        }
        let at = |field: &str| format!("vpcs[{i}].{field}");
        if !uins.contains(&spec.uin) {
            check.error(at("uin"), format!("account {} is not defined", spec.uin));
        }
        let Some(region) = region_of(&spec.region, at("region"), &mut check) else {
            continue;
        };
        if let Err(e) = validate_name(
            &spec.vpc_name,
            "vpc_name",
            crate::domain::ErrorCode::InvalidParameterValue,
        ) {
            check.error(at("vpc_name"), e.message);
        }
        let mut blocks = Vec::new();
        match CidrBlock::parse(&spec.cidr_block, "cidr_block") {
            Ok(b) => blocks.push(b),
            Err(e) => check.error(at("cidr_block"), e.message),
        }
        for (j, text) in spec.assistant_cidr_blocks.iter().enumerate() {
            match CidrBlock::parse(text, "assistant_cidr_blocks") {
                Ok(b) => blocks.push(b),
                Err(e) => check.error(format!("vpcs[{i}].assistant_cidr_blocks[{j}]"), e.message),
            }
        }
        if let Some((a, b)) = first_overlap_within(&blocks) {
            check.error(
                at("assistant_cidr_blocks"),
                format!("{a} overlaps {b} of the same vpc"),
            );
        }
        let assistants = spec.assistant_cidr_blocks.len() as i64;
        let max_assistants = limit(&spec.uin, region, QuotaName::MaxAssistantCidrs);
        if assistants > max_assistants {
            check.error(
                at("assistant_cidr_blocks"),
                format!("{assistants} assistant cidr blocks; quota vpc-max-assistant_cidrs allows {max_assistants}"),
            );
        }
        if !spec.deleted {
            let count = vpc_count
                .entry((spec.uin.clone(), region.name))
                .or_default();
            *count += 1;
            let max = limit(&spec.uin, region, QuotaName::MaxVpcs);
            if *count > max {
                check.error(at("uin"), format!("account {} would have {count} vpcs in {}; quota appid-max-vpcs allows {max}", spec.uin, region.name));
            }
        }
        let vpc_id = match &spec.vpc_id {
            Some(id) => {
                match VpcRef::parse(id, "vpc_id") {
                    Ok(VpcRef::Legacy(_)) if !id.starts_with(&format!("{}_vpc_", region.short)) => {
                        check.error(
                            at("vpc_id"),
                            format!("legacy id {id} does not belong to region {}", region.name),
                        )
                    }
                    Ok(VpcRef::Legacy(_)) => {
                        if let Some(n) = id.rsplit('_').next().and_then(|n| n.parse::<i64>().ok()) {
                            let next = legacy_next.entry(region.name).or_insert(1);
                            *next = (*next).max(n.saturating_add(1));
                            legacy_touched.insert(region.name);
                        }
                    }
                    Ok(VpcRef::Unique(_)) => check.error(
                        at("vpc_id"),
                        format!(
                            "{id} is a unique id; vpc_id takes the legacy form, such as gz_vpc_1"
                        ),
                    ),
                    Err(e) => check.error(at("vpc_id"), e.message),
                }
                id.clone()
            }
            None => loop {
                let next = legacy_next.entry(region.name).or_insert(1);
                let id = legacy_vpc_id(region, *next);
                *next += 1;
                legacy_touched.insert(region.name);
                if !by_id.contains_key(&id) && !fixed_vpc_ids.contains(id.as_str()) {
                    break id;
                }
            },
        };
        let un_vpc_id = match &spec.un_vpc_id {
            Some(id) => {
                if !matches!(VpcRef::parse(id, "un_vpc_id"), Ok(VpcRef::Unique(_))) {
                    check.error(
                        at("un_vpc_id"),
                        format!("{id:?} is not a unique vpc id such as vpc-8e0ypm3z"),
                    );
                }
                id.clone()
            }
            None => loop {
                let id = ids.un_vpc_id();
                if !by_id.contains_key(&id) && !fixed_un_ids.contains(id.as_str()) {
                    break id;
                }
            },
        };
        for (field, id) in [("vpc_id", &vpc_id), ("un_vpc_id", &un_vpc_id)] {
            match by_id.get(id) {
                // This VPC's own other id: one of the two has the wrong
                // form, which is reported above.
                Some(&n) if n == nodes.len() => {}
                // Peerings that name a clashing id are checked against
                // neither VPC: the clash is the one error to report.
                Some(&n) if n < world.vpcs.len() => {
                    check.error(at(field), format!("vpc {id} is already in the database"));
                    clashed.insert(id.clone());
                }
                Some(&n) => check.error(
                    at(field),
                    format!("vpc {id} is defined twice: {} has it too", nodes[n].label),
                ),
                None => {
                    by_id.insert(id.clone(), nodes.len());
                }
            }
        }
        if let Some(reference) = &spec.reference {
            if let Some(message) = reference_problem(reference) {
                check.error(at("ref"), message);
            } else if let Some(&(_, j)) = by_ref.get(reference) {
                check.error(
                    at("ref"),
                    format!("ref {reference} is defined twice: vpcs[{j}] has it too"),
                );
            } else {
                by_ref.insert(reference.clone(), (nodes.len(), i));
            }
        }
        by_name
            .entry(spec.vpc_name.clone())
            .or_default()
            .push((nodes.len(), i));
        let label = spec
            .reference
            .clone()
            .or_else(|| spec.un_vpc_id.clone())
            .or_else(|| spec.vpc_id.clone())
            .unwrap_or_else(|| format!("vpcs[{i}] ({})", spec.vpc_name));
        let create_time = creation_time(&spec.create_time, now, at("create_time"), &mut check);
        plan.vpcs.push(PlannedVpc {
            row_id: next_row,
            vpc_id,
            un_vpc_id: un_vpc_id.clone(),
            uin: spec.uin.clone(),
            region,
            vpc_name: spec.vpc_name.clone(),
            cidr_block: spec.cidr_block.clone(),
            assistant_cidr_blocks: spec.assistant_cidr_blocks.join(","),
            create_time,
            deleted: spec.deleted,
        });
        nodes.push(Node {
            row_id: next_row,
            label,
            uin: spec.uin.clone(),
            region,
            blocks,
            deleted: spec.deleted,
            live: Vec::new(),
        });
        next_row += 1;
    }
    let mut touched: Vec<_> = legacy_touched.into_iter().collect();
    touched.sort_unstable();
    plan.legacy_next = touched.into_iter().map(|r| (r, legacy_next[r])).collect();

    // Peerings, in order, each against the ones before it.
    let mut peering_ids = world.peering_ids.clone();
    for (i, spec) in scenario.peerings.iter().enumerate() {
        if check.full() {
            break;
        }
        let at = |field: &str| format!("peerings[{i}].{field}");
        let errors_before = check.errors.len();
        if let Err(e) = validate_name(
            &spec.peering_connection_name,
            "peering_connection_name",
            crate::domain::ErrorCode::InvalidPeeringConnectionName,
        ) {
            check.error(at("peering_connection_name"), e.message);
        }
        let peering_id = match &spec.peering_connection_id {
            Some(id) => {
                if let Err(e) = parse_peering_id(id, "peering_connection_id") {
                    check.error(at("peering_connection_id"), e.message);
                } else if !peering_ids.insert(id.clone()) {
                    check.error(
                        at("peering_connection_id"),
                        format!("peering {id} is defined twice"),
                    );
                }
                id.clone()
            }
            None => loop {
                let id = ids.peering_id();
                if !peering_ids.contains(&id) && !fixed_peering_ids.contains(id.as_str()) {
                    peering_ids.insert(id.clone());
                    break id;
                }
            },
        };
        // An id first, then a ref, then a name that only one VPC of the
        // file has.
        let find = |field: &str, text: &str, check: &mut Checker| {
            if clashed.contains(text) {
                return None;
            }
            if let Some(&n) = by_id.get(text) {
                return Some(n);
            }
            if let Some(&(n, _)) = by_ref.get(text) {
                return Some(n);
            }
            match by_name.get(text).map(Vec::as_slice) {
                Some([(n, _)]) => Some(*n),
                Some(many) => {
                    let holders: Vec<String> =
                        many.iter().map(|(_, j)| format!("vpcs[{j}]")).collect();
                    check.error(
                        at(field),
                        format!(
                            "{text} names {}: give one of them a ref, or use its id",
                            holders.join(" and ")
                        ),
                    );
                    None
                }
                None => {
                    check.error(
                        at(field),
                        format!(
                            "{text} is not defined: no vpc in the file or the database has it as its id, ref or name"
                        ),
                    );
                    None
                }
            }
        };
        let a = find("vpc_id", &spec.vpc, &mut check);
        let b = find("peer_vpc_id", &spec.peer_vpc, &mut check);
        let create_time = creation_time(&spec.create_time, now, at("create_time"), &mut check);
        let expire_default = create_time + PENDING_LIFETIME_SECS;
        let expire_time = time_field(
            &spec.expire_time,
            expire_default,
            at("expire_time"),
            &mut check,
        );
        let link = link_options(spec, &at, &mut check);
        let (Some(a), Some(b), Some(link)) = (a, b, link) else {
            continue;
        };
        let (na, nb) = (&nodes[a], &nodes[b]);
        let same_account = na.uin == nb.uin;
        let state = match spec.state {
            StateSpec::Pending => PeeringState::Pending,
            StateSpec::Active => PeeringState::Active,
            StateSpec::Expired => PeeringState::Expired,
            StateSpec::Rejected => PeeringState::Rejected,
            StateSpec::Deleted => PeeringState::Deleted,
        };
        if same_account
            && matches!(
                state,
                PeeringState::Pending | PeeringState::Expired | PeeringState::Rejected
            )
        {
            check.error(
                at("state"),
                format!(
                    "{} between vpcs of one account cannot be: such peerings are ACTIVE at once",
                    state.as_str()
                ),
            );
            continue;
        }
        let pending_like = matches!(state, PeeringState::Pending | PeeringState::Expired);
        let expire_time = pending_like.then_some(expire_time);
        if state == PeeringState::Expired && expire_time.is_some_and(|t| t > now) {
            check.error(
                at("expire_time"),
                "an EXPIRED peering needs an expire_time that has passed on the clock",
            );
        }
        let live = state.effective(expire_time, now).is_live();
        if live
            && let Some(message) = live_conflict(
                &nodes,
                (a, &spec.vpc),
                (b, &spec.peer_vpc),
                state == PeeringState::Active,
                &limit,
            )
        {
            // The peering as a whole breaks the rule, not one of its fields.
            check.error(format!("peerings[{i}]"), message);
            continue;
        }
        if check.errors.len() > errors_before {
            continue;
        }
        if live {
            let active = state == PeeringState::Active;
            nodes[a].live.push((peering_id.clone(), b, active));
            nodes[b].live.push((peering_id.clone(), a, active));
        }
        plan.peerings.push(PlannedPeering {
            peering_connection_id: peering_id,
            peering_connection_name: spec.peering_connection_name.clone(),
            vpc_row: nodes[a].row_id,
            peer_vpc_row: nodes[b].row_id,
            uin: nodes[a].uin.clone(),
            peer_uin: nodes[b].uin.clone(),
            region: nodes[a].region,
            state,
            create_time,
            expire_time,
            link,
        });
    }
    if check.errors.is_empty() {
        Ok(plan)
    } else {
        Err(check.errors)
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

/// Why a live peering between nodes `a` and `b` would break a rule, if it
/// would. Each end comes with the text the peering named it by, so messages
/// speak of the VPCs as the file does.
fn live_conflict(
    nodes: &[Node],
    (a, a_name): (usize, &str),
    (b, b_name): (usize, &str),
    active: bool,
    limit: &impl Fn(&str, Region, QuotaName) -> i64,
) -> Option<String> {
    let (na, nb) = (&nodes[a], &nodes[b]);
    if na.deleted || nb.deleted {
        return Some("a live peering cannot join a deleted vpc".into());
    }
    if a == b {
        return Some(format!("vpc {a_name} cannot peer with itself"));
    }
    if let Some((id, _, _)) = na.live.iter().find(|(_, other, _)| *other == b) {
        return Some(format!("{a_name} and {b_name} are already peered by {id}"));
    }
    if let Some((x, y)) = first_overlap(&na.blocks, &nb.blocks) {
        return Some(format!("{x} of {a_name} overlaps {y} of {b_name}"));
    }
    for ((newcomer, newcomer_name), (host, host_name)) in
        [((b, b_name), (a, a_name)), ((a, a_name), (b, b_name))]
    {
        for (id, other, _) in &nodes[host].live {
            // Never compare a VPC with itself.
            if *other == newcomer {
                continue;
            }
            if let Some((x, y)) = first_overlap(&nodes[newcomer].blocks, &nodes[*other].blocks) {
                return Some(format!(
                    "{x} of {newcomer_name} overlaps {y} of {}, already peered with {host_name} by {id}",
                    nodes[*other].label
                ));
            }
        }
    }
    for (end, name) in [(na, a_name), (nb, b_name)] {
        let max = limit(&end.uin, end.region, QuotaName::MaxVpcPeers);
        if end.live.len() as i64 >= max {
            return Some(format!(
                "vpc {name} has {} of {max} live peerings allowed by quota vpc-max-vpcpeers",
                end.live.len()
            ));
        }
        let active_now = end.live.iter().filter(|(_, _, act)| *act).count() as i64;
        let max_active = limit(&end.uin, end.region, QuotaName::MaxAvailableVpcPeers);
        if active && active_now >= max_active {
            return Some(format!(
                "vpc {name} has {active_now} of {max_active} active peerings allowed by quota vpc-max-available-vpcpeers"
            ));
        }
    }
    None
}
