//! `vpcsim check`: verifies every invariant of the rules over a database,
//! independently of the code that wrote it.

use std::collections::{HashMap, HashSet};

use sqlx::SqliteConnection;

use super::{Account, Vpc};
use crate::domain::{
    cidr::{CidrBlock, first_overlap, first_overlap_within},
    link::{CHARGE_TYPES, LINK_TYPES, QOS_LEVELS, Tag, check_bandwidth, check_tags, one_of},
    peering::PeeringState,
    quota::QuotaName,
    time::Timestamp,
};

/// One broken invariant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// A stable name for the kind of problem, such as `overlap`.
    pub kind: &'static str,
    pub message: String,
}

#[derive(Debug, sqlx::FromRow)]
struct PeeringRow {
    peering_connection_id: String,
    vpc: i64,
    peer_vpc: i64,
    uin: String,
    peer_uin: String,
    region: String,
    state: i64,
    create_time: i64,
    expire_time: Option<i64>,
    bandwidth: i64,
    charge_type: String,
    link_type: String,
    qos_level: String,
    tags: String,
}

#[derive(Debug, sqlx::FromRow)]
struct VpcRow {
    #[sqlx(flatten)]
    vpc: Vpc,
    deleted: bool,
}

/// How much the clock may lag a stored time before it counts as a violation:
/// rows are stamped with the clock of their batch.
const CLOCK_SLACK: i64 = 5;

/// What is wrong with a peering's link options, as API 3.0 would refuse it.
fn link_problems(p: &PeeringRow) -> Vec<String> {
    let mut problems = Vec::new();
    for (value, allowed, field) in [
        (&p.charge_type, &CHARGE_TYPES[..], "charge_type"),
        (&p.link_type, &LINK_TYPES[..], "link_type"),
        (&p.qos_level, &QOS_LEVELS[..], "qos_level"),
    ] {
        if let Err(err) = one_of(value, allowed, field) {
            problems.push(err.message);
        }
    }
    if let Err(err) = check_bandwidth(p.bandwidth, "bandwidth") {
        problems.push(err.message);
    }
    match serde_json::from_str::<Vec<Tag>>(&p.tags) {
        Ok(tags) => {
            if let Err(err) = check_tags(&tags, "tags") {
                problems.push(err.message);
            }
        }
        Err(_) => problems.push(format!(
            "tags {:?} are not a JSON list of {{key, value}}",
            p.tags
        )),
    }
    problems
}

/// Runs every check; an empty list means the database is consistent.
pub async fn check(
    conn: &mut SqliteConnection,
    now: Timestamp,
) -> Result<Vec<Violation>, sqlx::Error> {
    let mut found = Vec::new();
    let mut report = |kind: &'static str, message: String| found.push(Violation { kind, message });

    let integrity: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check")
        .fetch_all(&mut *conn)
        .await?;
    for (line,) in integrity.into_iter().filter(|(l,)| l != "ok") {
        report("integrity", line);
    }
    let foreign: Vec<(String, Option<i64>, String)> =
        sqlx::query_as("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check")
            .fetch_all(&mut *conn)
            .await?;
    for (table, rowid, parent) in foreign {
        report(
            "reference",
            format!(
                "{table} row {} names a missing {parent} row",
                rowid.unwrap_or(-1)
            ),
        );
    }

    let accounts: Vec<Account> = sqlx::query_as("SELECT * FROM accounts")
        .fetch_all(&mut *conn)
        .await?;
    let uins: HashSet<&str> = accounts.iter().map(|a| a.uin.as_str()).collect();
    let quota_rows: Vec<(String, String, String, i64)> =
        sqlx::query_as("SELECT uin, region, quota_name, quota_limit FROM quotas")
            .fetch_all(&mut *conn)
            .await?;
    let quotas: HashMap<(String, String, String), i64> = quota_rows
        .into_iter()
        .map(|(u, r, q, l)| ((u, r, q), l))
        .collect();
    let limit = |uin: &str, region: &str, quota: QuotaName| {
        quotas
            .get(&(uin.to_owned(), region.to_owned(), quota.as_str().to_owned()))
            .copied()
            .unwrap_or(quota.default_limit())
    };
    let vpcs: Vec<VpcRow> = sqlx::query_as(
        "SELECT id, vpc_id, un_vpc_id, uin, region, vpc_name, cidr_block, assistant_cidr_blocks, create_time, deleted FROM vpcs",
    )
    .fetch_all(&mut *conn)
    .await?;
    let peerings: Vec<PeeringRow> = sqlx::query_as(
        "SELECT peering_connection_id, vpc, peer_vpc, uin, peer_uin, region, state, create_time, expire_time,
                bandwidth, charge_type, link_type, qos_level, tags
         FROM peerings",
    )
    .fetch_all(&mut *conn)
    .await?;

    // VPCs: owners, blocks, counts.
    let mut blocks: HashMap<i64, Vec<CidrBlock>> = HashMap::new();
    let mut per_account: HashMap<(&str, &str), i64> = HashMap::new();
    for VpcRow { vpc, deleted } in &vpcs {
        if !uins.contains(vpc.uin.as_str()) {
            report(
                "reference",
                format!(
                    "vpc {} belongs to missing account {}",
                    vpc.un_vpc_id, vpc.uin
                ),
            );
        }
        let mut parsed = Vec::new();
        for text in std::iter::once(vpc.cidr_block.clone()).chain(vpc.assistant_blocks()) {
            if let Err(e) = CidrBlock::parse(&text, "cidr_block") {
                report("cidr", format!("vpc {}: {}", vpc.un_vpc_id, e.message));
            }
            // Against today's rules above; in every overlap check below
            // whatever network it is, so one bad block hides no overlap.
            if let Some(b) = CidrBlock::parse_stored(&text) {
                parsed.push(b);
            }
        }
        if let Some((a, b)) = first_overlap_within(&parsed) {
            report(
                "cidr",
                format!("vpc {}: its own blocks {a} and {b} overlap", vpc.un_vpc_id),
            );
        }
        let assistants = vpc.assistant_blocks().len() as i64;
        let max = limit(&vpc.uin, &vpc.region, QuotaName::MaxAssistantCidrs);
        if assistants > max {
            report(
                "quota",
                format!(
                    "vpc {} has {assistants} assistant blocks, quota {max}",
                    vpc.un_vpc_id
                ),
            );
        }
        if vpc.create_time > now + CLOCK_SLACK {
            report(
                "clock",
                format!("vpc {} was created after the clock's now", vpc.un_vpc_id),
            );
        }
        if !deleted {
            *per_account
                .entry((vpc.uin.as_str(), vpc.region.as_str()))
                .or_default() += 1;
        }
        blocks.insert(vpc.id, parsed);
    }
    for ((uin, region), count) in &per_account {
        let max = limit(uin, region, QuotaName::MaxVpcs);
        if *count > max {
            report(
                "quota",
                format!("account {uin} has {count} vpcs in {region}, quota {max}"),
            );
        }
    }
    let by_row: HashMap<i64, &VpcRow> = vpcs.iter().map(|v| (v.vpc.id, v)).collect();

    // Peerings: references, states, then the live rules.
    let mut live_of: HashMap<i64, Vec<(&str, i64, bool)>> = HashMap::new();
    let mut pairs: HashMap<(i64, i64), &str> = HashMap::new();
    for p in &peerings {
        let id = p.peering_connection_id.as_str();
        let (Some(a), Some(b)) = (by_row.get(&p.vpc), by_row.get(&p.peer_vpc)) else {
            report("reference", format!("peering {id} names a missing vpc"));
            continue;
        };
        if a.vpc.uin != p.uin || b.vpc.uin != p.peer_uin {
            report(
                "reference",
                format!("peering {id}: uin and peer_uin are not the owners of its vpcs"),
            );
        }
        // The peer's VPC may be in another region (a cross-region peering);
        // the peering's own region is its requester's.
        if a.vpc.region != p.region {
            report(
                "reference",
                format!(
                    "peering {id} is recorded in {} but its requester's vpc is in {}",
                    p.region, a.vpc.region
                ),
            );
        }
        for problem in link_problems(p) {
            report("link", format!("peering {id}: {problem}"));
        }
        let Some(stored) = PeeringState::from_i64(p.state) else {
            report(
                "state",
                format!("peering {id} has unknown state {}", p.state),
            );
            continue;
        };
        match stored {
            PeeringState::Pending if p.expire_time.is_none() => report(
                "state",
                format!("peering {id} is PENDING without an expire_time"),
            ),
            PeeringState::Expired if p.expire_time.is_none_or(|t| t > now) => report(
                "clock",
                format!("peering {id} is EXPIRED before its expire_time"),
            ),
            _ => {}
        }
        if p.create_time > now + CLOCK_SLACK {
            report(
                "clock",
                format!("peering {id} was created after the clock's now"),
            );
        }
        if p.uin == p.peer_uin
            && matches!(
                stored,
                PeeringState::Pending | PeeringState::Expired | PeeringState::Rejected
            )
        {
            report(
                "state",
                format!("peering {id} within one account is {}", stored.as_str()),
            );
        }
        let state = stored.effective(p.expire_time, now);
        if !state.is_live() {
            continue;
        }
        if a.deleted || b.deleted {
            report(
                "reference",
                format!("live peering {id} joins a deleted vpc"),
            );
        }
        if p.vpc == p.peer_vpc {
            report(
                "overlap",
                format!("peering {id} joins vpc {} with itself", a.vpc.un_vpc_id),
            );
            continue;
        }
        let key = (p.vpc.min(p.peer_vpc), p.vpc.max(p.peer_vpc));
        if let Some(other) = pairs.insert(key, id) {
            report(
                "duplicate",
                format!(
                    "peerings {other} and {id} are both live between {} and {}",
                    a.vpc.un_vpc_id, b.vpc.un_vpc_id
                ),
            );
        }
        if let Some((x, y)) = first_overlap(&blocks[&p.vpc], &blocks[&p.peer_vpc]) {
            report(
                "overlap",
                format!(
                    "live peering {id}: {x} of {} overlaps {y} of {}",
                    a.vpc.un_vpc_id, b.vpc.un_vpc_id
                ),
            );
        }
        let active = state == PeeringState::Active;
        live_of
            .entry(p.vpc)
            .or_default()
            .push((id, p.peer_vpc, active));
        live_of
            .entry(p.peer_vpc)
            .or_default()
            .push((id, p.vpc, active));
    }
    let mut hosts: Vec<_> = live_of.keys().copied().collect();
    hosts.sort_unstable();
    for host in hosts {
        let peers = &live_of[&host];
        let vpc = &by_row[&host].vpc;
        for (i, (id_a, a, _)) in peers.iter().enumerate() {
            for (id_b, b, _) in &peers[i + 1..] {
                if let Some((x, y)) = first_overlap(&blocks[a], &blocks[b]) {
                    report(
                        "peer-overlap",
                        format!(
                            "live peers of {} overlap: {x} (by {id_a}) and {y} (by {id_b})",
                            vpc.un_vpc_id
                        ),
                    );
                }
            }
        }
        let live = peers.len() as i64;
        let max = limit(&vpc.uin, &vpc.region, QuotaName::MaxVpcPeers);
        if live > max {
            report(
                "quota",
                format!(
                    "vpc {} has {live} live peerings, quota {max}",
                    vpc.un_vpc_id
                ),
            );
        }
        let active = peers.iter().filter(|(_, _, a)| *a).count() as i64;
        let max = limit(&vpc.uin, &vpc.region, QuotaName::MaxAvailableVpcPeers);
        if active > max {
            report(
                "quota",
                format!(
                    "vpc {} has {active} active peerings, quota {max}",
                    vpc.un_vpc_id
                ),
            );
        }
    }
    Ok(found)
}
