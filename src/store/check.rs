//! `vpcsim check`: verifies every invariant of the rules over a database,
//! independently of the code that wrote it.
//!
//! Deliberately independent of the rules code (`domain`'s rules, the store's
//! writers, the scenario loader): it reads the tables with its own SQL and
//! checks each rule over the whole state with its own code, so that it
//! catches the rules code's mistakes instead of repeating them. It shares
//! only the parsers of single values (blocks, link options, state numbers)
//! and the quota defaults.

mod network;

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
    let mut found = Findings::default();
    check_integrity(conn, &mut found).await?;
    let rows = Rows::read(conn).await?;
    let uins: HashSet<&str> = rows.accounts.iter().map(|a| a.uin.as_str()).collect();
    let vpcs = check_vpcs(&rows.vpcs, &uins, &rows.limits, now, &mut found);
    check_vpc_counts(&rows.vpcs, &rows.limits, &mut found);
    let live = check_peerings(&rows.peerings, &vpcs, now, &mut found);
    check_live_peers(&live, &rows.limits, &mut found);
    network::check_network(
        &rows.network,
        &vpcs,
        &rows.peerings,
        &rows.limits,
        now,
        &mut found,
    );
    Ok(found.0)
}

/// The violations found so far, in the order the checks meet them.
#[derive(Default)]
struct Findings(Vec<Violation>);

impl Findings {
    fn report(&mut self, kind: &'static str, message: String) {
        self.0.push(Violation { kind, message });
    }
}

/// SQLite's own checks: the file's integrity, and every foreign key.
async fn check_integrity(
    conn: &mut SqliteConnection,
    found: &mut Findings,
) -> Result<(), sqlx::Error> {
    let integrity: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check")
        .fetch_all(&mut *conn)
        .await?;
    for (line,) in integrity.into_iter().filter(|(l,)| l != "ok") {
        found.report("integrity", line);
    }
    let foreign: Vec<(String, Option<i64>, String)> =
        sqlx::query_as("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check")
            .fetch_all(&mut *conn)
            .await?;
    for (table, rowid, parent) in foreign {
        found.report(
            "reference",
            format!(
                "{table} row {} names a missing {parent} row",
                rowid.unwrap_or(-1)
            ),
        );
    }
    Ok(())
}

/// Every row the rules speak of, each table read whole by one query.
struct Rows {
    accounts: Vec<Account>,
    limits: Limits,
    vpcs: Vec<VpcRow>,
    peerings: Vec<PeeringRow>,
    network: network::NetworkRows,
}

impl Rows {
    async fn read(conn: &mut SqliteConnection) -> Result<Rows, sqlx::Error> {
        let accounts: Vec<Account> = sqlx::query_as("SELECT * FROM accounts")
            .fetch_all(&mut *conn)
            .await?;
        let quota_rows: Vec<(String, String, String, i64)> =
            sqlx::query_as("SELECT uin, region, quota_name, quota_limit FROM quotas")
                .fetch_all(&mut *conn)
                .await?;
        let limits = Limits(
            quota_rows
                .into_iter()
                .map(|(u, r, q, l)| ((u, r, q), l))
                .collect(),
        );
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
        Ok(Rows {
            accounts,
            limits,
            vpcs,
            peerings,
            network: network::NetworkRows::read(conn).await?,
        })
    }
}

/// Quota limits as stored, by (uin, region, quota name).
struct Limits(HashMap<(String, String, String), i64>);

impl Limits {
    /// A limit nobody set has its default.
    fn of(&self, uin: &str, region: &str, quota: QuotaName) -> i64 {
        self.0
            .get(&(uin.to_owned(), region.to_owned(), quota.as_str().to_owned()))
            .copied()
            .unwrap_or(quota.default_limit())
    }
}

/// A VPC row with its blocks as the overlap checks see them.
struct CheckedVpc<'r> {
    row: &'r VpcRow,
    blocks: Vec<CidrBlock>,
}

/// Each VPC on its own: its owner, its blocks, its assistant block quota,
/// its creation time. Returns every VPC by row id, for the peering checks.
fn check_vpcs<'r>(
    vpcs: &'r [VpcRow],
    uins: &HashSet<&str>,
    limits: &Limits,
    now: Timestamp,
    found: &mut Findings,
) -> HashMap<i64, CheckedVpc<'r>> {
    let mut checked = HashMap::new();
    for row in vpcs {
        let vpc = &row.vpc;
        if !uins.contains(vpc.uin.as_str()) {
            found.report(
                "reference",
                format!(
                    "vpc {} belongs to missing account {}",
                    vpc.un_vpc_id, vpc.uin
                ),
            );
        }
        let blocks = vpc_blocks(vpc, found);
        let assistants = vpc.assistant_blocks().len() as i64;
        let max = limits.of(&vpc.uin, &vpc.region, QuotaName::MaxAssistantCidrs);
        if assistants > max {
            found.report(
                "quota",
                format!(
                    "vpc {} has {assistants} assistant blocks, quota {max}",
                    vpc.un_vpc_id
                ),
            );
        }
        if vpc.create_time > now + CLOCK_SLACK {
            found.report(
                "clock",
                format!("vpc {} was created after the clock's now", vpc.un_vpc_id),
            );
        }
        checked.insert(vpc.id, CheckedVpc { row, blocks });
    }
    checked
}

/// A VPC's blocks, each checked against today's rules and its own others;
/// returns every one that is a network at all.
fn vpc_blocks(vpc: &Vpc, found: &mut Findings) -> Vec<CidrBlock> {
    let mut parsed = Vec::new();
    for text in std::iter::once(vpc.cidr_block.clone()).chain(vpc.assistant_blocks()) {
        if let Err(e) = CidrBlock::parse(&text, "cidr_block") {
            found.report("cidr", format!("vpc {}: {}", vpc.un_vpc_id, e.message));
        }
        // Against today's rules above; in every overlap check below
        // whatever network it is, so one bad block hides no overlap.
        if let Some(b) = CidrBlock::parse_stored(&text) {
            parsed.push(b);
        }
    }
    if let Some((a, b)) = first_overlap_within(&parsed) {
        found.report(
            "cidr",
            format!("vpc {}: its own blocks {a} and {b} overlap", vpc.un_vpc_id),
        );
    }
    parsed
}

/// Each account's VPCs that are not deleted, per region, against its quota.
fn check_vpc_counts(vpcs: &[VpcRow], limits: &Limits, found: &mut Findings) {
    let mut per_account: HashMap<(&str, &str), i64> = HashMap::new();
    for VpcRow { vpc, deleted } in vpcs {
        if !deleted {
            *per_account
                .entry((vpc.uin.as_str(), vpc.region.as_str()))
                .or_default() += 1;
        }
    }
    for ((uin, region), count) in &per_account {
        let max = limits.of(uin, region, QuotaName::MaxVpcs);
        if *count > max {
            found.report(
                "quota",
                format!("account {uin} has {count} vpcs in {region}, quota {max}"),
            );
        }
    }
}

/// One end of a live peering, as its other end sees it.
struct LivePeer<'v, 'r> {
    peering: &'r str,
    vpc: &'v CheckedVpc<'r>,
    active: bool,
}

/// The live peerings found so far: per VPC row id, the VPC and its live
/// peers; and which pairs of VPCs they join.
#[derive(Default)]
struct LivePeerings<'v, 'r> {
    of: HashMap<i64, (&'v CheckedVpc<'r>, Vec<LivePeer<'v, 'r>>)>,
    pairs: HashMap<(i64, i64), &'r str>,
}

/// Each peering on its own: references, link options, state and times;
/// then each live one against the live ones before it. Returns the live
/// peerings, for the checks across a VPC's peers.
fn check_peerings<'v, 'r>(
    peerings: &'r [PeeringRow],
    vpcs: &'v HashMap<i64, CheckedVpc<'r>>,
    now: Timestamp,
    found: &mut Findings,
) -> LivePeerings<'v, 'r> {
    let mut live = LivePeerings::default();
    for p in peerings {
        let id = p.peering_connection_id.as_str();
        let (Some(a), Some(b)) = (vpcs.get(&p.vpc), vpcs.get(&p.peer_vpc)) else {
            found.report("reference", format!("peering {id} names a missing vpc"));
            continue;
        };
        check_peering_owners(p, a.row, b.row, found);
        for problem in link_problems(p) {
            found.report("link", format!("peering {id}: {problem}"));
        }
        let Some(stored) = check_peering_state(p, now, found) else {
            continue;
        };
        let state = stored.effective(p.expire_time, now);
        if state.is_live() {
            check_live_peering(p, state == PeeringState::Active, (a, b), &mut live, found);
        }
    }
    live
}

/// A peering's uins and region against the VPCs it joins.
fn check_peering_owners(p: &PeeringRow, a: &VpcRow, b: &VpcRow, found: &mut Findings) {
    let id = &p.peering_connection_id;
    if a.vpc.uin != p.uin || b.vpc.uin != p.peer_uin {
        found.report(
            "reference",
            format!("peering {id}: uin and peer_uin are not the owners of its vpcs"),
        );
    }
    // The peer's VPC may be in another region (a cross-region peering);
    // the peering's own region is its requester's.
    if a.vpc.region != p.region {
        found.report(
            "reference",
            format!(
                "peering {id} is recorded in {} but its requester's vpc is in {}",
                p.region, a.vpc.region
            ),
        );
    }
}

/// A peering's stored state against its times and accounts; `None` for a
/// state no code writes, which the other checks cannot judge.
fn check_peering_state(
    p: &PeeringRow,
    now: Timestamp,
    found: &mut Findings,
) -> Option<PeeringState> {
    let id = &p.peering_connection_id;
    let Some(stored) = PeeringState::from_i64(p.state) else {
        found.report(
            "state",
            format!("peering {id} has unknown state {}", p.state),
        );
        return None;
    };
    match stored {
        PeeringState::Pending if p.expire_time.is_none() => found.report(
            "state",
            format!("peering {id} is PENDING without an expire_time"),
        ),
        PeeringState::Expired if p.expire_time.is_none_or(|t| t > now) => found.report(
            "clock",
            format!("peering {id} is EXPIRED before its expire_time"),
        ),
        _ => {}
    }
    if p.create_time > now + CLOCK_SLACK {
        found.report(
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
        found.report(
            "state",
            format!("peering {id} within one account is {}", stored.as_str()),
        );
    }
    Some(stored)
}

/// A live peering between `a` and `b`: both ends exist, differ, are not
/// already live-peered and do not overlap; then it joins `live`.
fn check_live_peering<'v, 'r>(
    p: &'r PeeringRow,
    active: bool,
    (a, b): (&'v CheckedVpc<'r>, &'v CheckedVpc<'r>),
    live: &mut LivePeerings<'v, 'r>,
    found: &mut Findings,
) {
    let id = p.peering_connection_id.as_str();
    let (a_id, b_id) = (&a.row.vpc.un_vpc_id, &b.row.vpc.un_vpc_id);
    if a.row.deleted || b.row.deleted {
        found.report(
            "reference",
            format!("live peering {id} joins a deleted vpc"),
        );
    }
    if p.vpc == p.peer_vpc {
        found.report(
            "overlap",
            format!("peering {id} joins vpc {a_id} with itself"),
        );
        return;
    }
    let key = (p.vpc.min(p.peer_vpc), p.vpc.max(p.peer_vpc));
    if let Some(other) = live.pairs.insert(key, id) {
        found.report(
            "duplicate",
            format!("peerings {other} and {id} are both live between {a_id} and {b_id}"),
        );
    }
    if let Some((x, y)) = first_overlap(&a.blocks, &b.blocks) {
        found.report(
            "overlap",
            format!("live peering {id}: {x} of {a_id} overlaps {y} of {b_id}"),
        );
    }
    for (host, (host_row, peer)) in [(a, (p.vpc, b)), (b, (p.peer_vpc, a))] {
        live.of
            .entry(host_row)
            .or_insert_with(|| (host, Vec::new()))
            .1
            .push(LivePeer {
                peering: id,
                vpc: peer,
                active,
            });
    }
}

/// Each VPC's live peers, in row order: no two of them overlap, and there
/// are no more of them, live or active, than its quotas allow.
fn check_live_peers(live: &LivePeerings<'_, '_>, limits: &Limits, found: &mut Findings) {
    let mut hosts: Vec<_> = live.of.keys().copied().collect();
    hosts.sort_unstable();
    for (host, peers) in hosts.iter().filter_map(|row| live.of.get(row)) {
        let vpc = &host.row.vpc;
        for (i, first) in peers.iter().enumerate() {
            for second in &peers[i + 1..] {
                if let Some((x, y)) = first_overlap(&first.vpc.blocks, &second.vpc.blocks) {
                    found.report(
                        "peer-overlap",
                        format!(
                            "live peers of {} overlap: {x} (by {}) and {y} (by {})",
                            vpc.un_vpc_id, first.peering, second.peering
                        ),
                    );
                }
            }
        }
        let live = peers.len() as i64;
        let max = limits.of(&vpc.uin, &vpc.region, QuotaName::MaxVpcPeers);
        if live > max {
            found.report(
                "quota",
                format!(
                    "vpc {} has {live} live peerings, quota {max}",
                    vpc.un_vpc_id
                ),
            );
        }
        let active = peers.iter().filter(|peer| peer.active).count() as i64;
        let max = limits.of(&vpc.uin, &vpc.region, QuotaName::MaxAvailableVpcPeers);
        if active > max {
            found.report(
                "quota",
                format!(
                    "vpc {} has {active} active peerings, quota {max}",
                    vpc.un_vpc_id
                ),
            );
        }
    }
}
