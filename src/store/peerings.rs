//! Peering connections: the create checks, the state changes, Describe, and
//! the expiry of overdue requests.

use std::collections::HashMap;

use sqlx::{AssertSqlSafe, QueryBuilder, Sqlite, SqliteConnection};

use super::{
    Actor, Store, Tx,
    events::{self, Change},
    records::{Peering, Vpc},
    vpcs::{vpc_by_row_id, vpc_not_found},
};
use crate::domain::{
    ApiError, ApiResult, ErrorCode,
    cidr::CidrBlock,
    ids::VpcRef,
    peering::{
        Action, LivePeer, PeeringState, Role, VpcBlocks, check_overlap_rules, check_quota,
        transition,
    },
    quota::QuotaName,
    region::Region,
    time::{PENDING_LIFETIME_SECS, Timestamp},
};

/// SQL for "this peering is live at ?now", given the peerings alias `p`.
const LIVE_AT_NOW: &str = "(p.state = 2 OR (p.state = 1 AND p.expire_time > ?2))";

/// A live peering of one VPC, with the row ids the writer needs.
pub(super) struct LiveRow {
    pub peering_row_id: i64,
    pub other_row_id: i64,
    pub state: PeeringState,
    pub peer: LivePeer,
}

/// The live peerings of a VPC (at either end), each with the VPC at its other
/// end, leaving out `except` (a peering row id).
pub(super) async fn live_peers(
    conn: &mut SqliteConnection,
    vpc_row_id: i64,
    now: Timestamp,
    except: Option<i64>,
) -> Result<Vec<LiveRow>, sqlx::Error> {
    let rows: Vec<(i64, String, i64, i64, String, String, String)> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT p.id, p.peering_connection_id, p.state, o.id, o.un_vpc_id, o.cidr_block, o.assistant_cidr_blocks
         FROM peerings p JOIN vpcs o ON o.id = CASE WHEN p.vpc = ?1 THEN p.peer_vpc ELSE p.vpc END
         WHERE (p.vpc = ?1 OR p.peer_vpc = ?1) AND {LIVE_AT_NOW} AND p.id IS NOT ?3
         ORDER BY p.id"
    )))
    .bind(vpc_row_id)
    .bind(now)
    .bind(except)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(peering_row_id, peering_id, state, other_row_id, un_vpc_id, cidr, assistants)| {
                let blocks = std::iter::once(cidr.as_str())
                    .chain(assistants.split(',').filter(|b| !b.is_empty()))
                    .filter_map(|b| CidrBlock::parse(b, "cidr_block").ok())
                    .collect();
                LiveRow {
                    peering_row_id,
                    other_row_id,
                    state: PeeringState::from_i64(state).unwrap_or(PeeringState::Active),
                    peer: LivePeer {
                        peering_id,
                        other: VpcBlocks { un_vpc_id, blocks },
                    },
                }
            },
        )
        .collect())
}

/// Marks every PENDING request whose time ran out as EXPIRED, with an event
/// each. Runs at the start of every write batch.
pub(super) async fn expire_overdue(tx: &mut Tx) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO events (time, actor, request_id, resource_type, resource_id, kind, old_state, new_state)
         SELECT expire_time, 'system', '', 'peering', peering_connection_id, 'expired', 'PENDING', 'EXPIRED'
         FROM peerings WHERE state = 1 AND expire_time <= ?",
    )
    .bind(tx.now)
    .execute(&mut tx.conn)
    .await?;
    sqlx::query("UPDATE peerings SET state = 3 WHERE state = 1 AND expire_time <= ?")
        .bind(tx.now)
        .execute(&mut tx.conn)
        .await?;
    Ok(())
}

/// A validated CreateVpcPeeringConnection request.
#[derive(Debug, Clone)]
pub struct NewPeering {
    pub vpc: VpcRef,
    pub peer_vpc: VpcRef,
    pub peer_uin: String,
    pub name: String,
}

fn blocks_of(vpc: &Vpc) -> VpcBlocks {
    VpcBlocks {
        un_vpc_id: vpc.un_vpc_id.clone(),
        blocks: vpc.all_blocks(),
    }
}

fn peers_of(rows: &[LiveRow]) -> Vec<LivePeer> {
    rows.iter().map(|r| r.peer.clone()).collect()
}

fn active_count(rows: &[LiveRow]) -> i64 {
    rows.iter()
        .filter(|r| r.state == PeeringState::Active)
        .count() as i64
}

/// Quota limits of a few accounts in one region, read in one statement.
struct Limits(HashMap<(String, String), i64>);

impl Limits {
    async fn of(
        conn: &mut SqliteConnection,
        uins: [&str; 2],
        region: &str,
    ) -> Result<Limits, sqlx::Error> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT uin, quota_name, quota_limit FROM quotas WHERE region = ? AND uin IN (?, ?)",
        )
        .bind(region)
        .bind(uins[0])
        .bind(uins[1])
        .fetch_all(conn)
        .await?;
        Ok(Limits(
            rows.into_iter()
                .map(|(uin, quota, limit)| ((uin, quota), limit))
                .collect(),
        ))
    }

    fn get(&self, uin: &str, quota: QuotaName) -> i64 {
        self.0
            .get(&(uin.to_owned(), quota.as_str().to_owned()))
            .copied()
            .unwrap_or(quota.default_limit())
    }
}

/// The live peerings of two VPCs, each seen from its VPC, in one statement.
async fn live_peers_of_both(
    conn: &mut SqliteConnection,
    a: i64,
    b: i64,
    now: Timestamp,
    except: Option<i64>,
) -> Result<(Vec<LiveRow>, Vec<LiveRow>), sqlx::Error> {
    type Row = (
        i64,
        String,
        i64,
        i64,
        String,
        String,
        String,
        i64,
        String,
        String,
        String,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT p.id, p.peering_connection_id, p.state,
                p.vpc, v.un_vpc_id, v.cidr_block, v.assistant_cidr_blocks,
                p.peer_vpc, pv.un_vpc_id, pv.cidr_block, pv.assistant_cidr_blocks
         FROM peerings p JOIN vpcs v ON v.id = p.vpc JOIN vpcs pv ON pv.id = p.peer_vpc
         WHERE (p.vpc IN (?1, ?2) OR p.peer_vpc IN (?1, ?2))
           AND (p.state = 2 OR (p.state = 1 AND p.expire_time > ?3)) AND p.id IS NOT ?4
         ORDER BY p.id",
    )
    .bind(a)
    .bind(b)
    .bind(now)
    .bind(except)
    .fetch_all(conn)
    .await?;
    let (mut of_a, mut of_b) = (Vec::new(), Vec::new());
    for (
        id,
        peering_id,
        state,
        vpc,
        vpc_un,
        vpc_cidr,
        vpc_assist,
        peer,
        peer_un,
        peer_cidr,
        peer_assist,
    ) in rows
    {
        let state = PeeringState::from_i64(state).unwrap_or(PeeringState::Active);
        let seen_from = |other: i64, un: &str, cidr: &str, assist: &str| LiveRow {
            peering_row_id: id,
            other_row_id: other,
            state,
            peer: LivePeer {
                peering_id: peering_id.clone(),
                other: VpcBlocks {
                    un_vpc_id: un.to_owned(),
                    blocks: parse_blocks(cidr, assist),
                },
            },
        };
        for (host, list) in [(a, &mut of_a), (b, &mut of_b)] {
            if vpc == host {
                list.push(seen_from(peer, &peer_un, &peer_cidr, &peer_assist));
            } else if peer == host {
                list.push(seen_from(vpc, &vpc_un, &vpc_cidr, &vpc_assist));
            }
        }
    }
    // A VPC asked about twice (a self-peering, refused later) is one VPC.
    if a == b {
        of_b.clear();
    }
    Ok((of_a, of_b))
}

fn parse_blocks(cidr: &str, assistants: &str) -> Vec<CidrBlock> {
    std::iter::once(cidr)
        .chain(assistants.split(',').filter(|b| !b.is_empty()))
        .filter_map(|b| CidrBlock::parse(b, "cidr_block").ok())
        .collect()
}

/// The rules a peering between `vpc` and `peer` must pass to become live:
/// no other live peering between them, the overlap rules, and the live-peering
/// quota of each end. `except` leaves the peering being re-checked out.
/// Returns the live peerings of both ends and the quota limits, for further
/// checks.
async fn check_live_rules(
    tx: &mut Tx,
    vpc: &Vpc,
    peer: &Vpc,
    except: Option<i64>,
) -> ApiResult<(Vec<LiveRow>, Vec<LiveRow>, Limits)> {
    let (vpc_rows, peer_rows) =
        live_peers_of_both(&mut tx.conn, vpc.id, peer.id, tx.now, except).await?;
    if let Some(dup) = vpc_rows.iter().find(|r| r.other_row_id == peer.id) {
        return Err(ApiError::new(
            ErrorCode::VpcPeerAlreadyExist,
            format!(
                "{} and {} are already peered by {}",
                vpc.un_vpc_id, peer.un_vpc_id, dup.peer.peering_id
            ),
        ));
    }
    check_overlap_rules(
        &blocks_of(vpc),
        &blocks_of(peer),
        &peers_of(&vpc_rows),
        &peers_of(&peer_rows),
    )?;
    let limits = Limits::of(&mut tx.conn, [&vpc.uin, &peer.uin], &vpc.region).await?;
    for (end, rows) in [(vpc, &vpc_rows), (peer, &peer_rows)] {
        check_quota(
            ErrorCode::PeeringConnectionLimitExceeded,
            QuotaName::MaxVpcPeers.as_str(),
            &end.un_vpc_id,
            rows.len() as i64,
            limits.get(&end.uin, QuotaName::MaxVpcPeers),
        )?;
    }
    Ok((vpc_rows, peer_rows, limits))
}

/// The ACTIVE-peering quota of both ends, for a peering about to become ACTIVE.
fn check_active_quota(limits: &Limits, ends: [(&Vpc, &[LiveRow]); 2]) -> ApiResult<()> {
    for (end, rows) in ends {
        check_quota(
            ErrorCode::PeeringConnectionLimitExceeded,
            QuotaName::MaxAvailableVpcPeers.as_str(),
            &end.un_vpc_id,
            active_count(rows),
            limits.get(&end.uin, QuotaName::MaxAvailableVpcPeers),
        )?;
    }
    Ok(())
}

pub async fn create_peering(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    new: NewPeering,
) -> ApiResult<Peering> {
    let (vpc, peer) = find_pair(&mut tx.conn, &new.vpc, &new.peer_vpc, region).await?;
    let vpc = match vpc {
        Some((found, app_id)) if found.uin == actor.uin => (found, app_id),
        _ => return Err(vpc_not_found(new.vpc.as_str(), region)),
    };
    let peer = match peer {
        Some((found, app_id)) if found.uin == new.peer_uin => (found, app_id),
        _ => return Err(vpc_not_found(new.peer_vpc.as_str(), region)),
    };
    let ((vpc, app_id), (peer, peer_app_id)) = (vpc, peer);
    let (vpc_rows, peer_rows, limits) = check_live_rules(tx, &vpc, &peer, None).await?;
    let (state, expire_time) = if vpc.uin == peer.uin {
        check_active_quota(&limits, [(&vpc, &vpc_rows), (&peer, &peer_rows)])?;
        (PeeringState::Active, None)
    } else {
        (PeeringState::Pending, Some(tx.now + PENDING_LIFETIME_SECS))
    };
    // A fresh id that collides with an existing one (as likely as 1 in 36^8)
    // inserts nothing and draws again.
    let peering_id = loop {
        let id = tx.ids.peering_id();
        let inserted: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO peerings (peering_connection_id, peering_connection_name, vpc, peer_vpc, uin, peer_uin,
                                   region, state, create_time, expire_time)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (peering_connection_id) DO NOTHING RETURNING id",
        )
        .bind(&id)
        .bind(&new.name)
        .bind(vpc.id)
        .bind(peer.id)
        .bind(&vpc.uin)
        .bind(&peer.uin)
        .bind(region.name)
        .bind(state.as_i64())
        .bind(tx.now)
        .bind(expire_time)
        .fetch_optional(&mut tx.conn)
        .await?;
        if inserted.is_some() {
            break id;
        }
    };
    events::record(
        tx,
        actor,
        Change {
            resource_type: "peering",
            resource_id: &peering_id,
            kind: "created",
            old_state: None,
            new_state: Some(state.as_str()),
        },
    )
    .await?;
    Ok(Peering {
        peering_connection_id: peering_id,
        peering_connection_name: new.name,
        vpc_id: vpc.vpc_id,
        un_vpc_id: vpc.un_vpc_id,
        peer_vpc_id: peer.vpc_id,
        un_peer_vpc_id: peer.un_vpc_id,
        uin: vpc.uin,
        peer_uin: peer.uin,
        app_id,
        peer_app_id,
        region: region.name.to_owned(),
        state,
        create_time: tx.now,
        expire_time,
    })
}

/// Both VPCs of a create, with their owners' app ids, in one statement;
/// `None` for one that is not a live VPC of the region.
async fn find_pair(
    conn: &mut SqliteConnection,
    a: &VpcRef,
    b: &VpcRef,
    region: Region,
) -> Result<(Option<(Vpc, i64)>, Option<(Vpc, i64)>), sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Found {
        #[sqlx(flatten)]
        vpc: Vpc,
        app_id: i64,
    }
    let rows: Vec<Found> = sqlx::query_as(
        "SELECT v.id, v.vpc_id, v.un_vpc_id, v.uin, v.region, v.vpc_name, v.cidr_block, v.assistant_cidr_blocks,
                v.create_time, a.app_id
         FROM vpcs v JOIN accounts a ON a.uin = v.uin
         WHERE v.region = ?1 AND v.deleted = 0 AND (v.vpc_id IN (?2, ?3) OR v.un_vpc_id IN (?2, ?3))",
    )
    .bind(region.name)
    .bind(a.as_str())
    .bind(b.as_str())
    .fetch_all(conn)
    .await?;
    let pick = |r: &VpcRef| {
        rows.iter()
            .find(|f| match r {
                VpcRef::Legacy(id) => f.vpc.vpc_id == *id,
                VpcRef::Unique(id) => f.vpc.un_vpc_id == *id,
            })
            .map(|f| (f.vpc.clone(), f.app_id))
    };
    Ok((pick(a), pick(b)))
}

/// A state change or rename of an existing peering.
#[derive(Debug, Clone)]
pub struct PeeringChange {
    pub peering_id: String,
    pub action: Action,
    /// The new name, for `Action::Modify`.
    pub name: Option<String>,
}

/// The stored facts about a peering that its state changes need.
#[derive(sqlx::FromRow)]
struct PeeringRow {
    id: i64,
    vpc: i64,
    peer_vpc: i64,
    uin: String,
    peer_uin: String,
    state: i64,
    expire_time: Option<i64>,
    peering_connection_name: String,
}

pub async fn change_peering(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    change: PeeringChange,
) -> ApiResult<Peering> {
    let row: Option<PeeringRow> = sqlx::query_as(
        "SELECT id, vpc, peer_vpc, uin, peer_uin, state, expire_time, peering_connection_name FROM peerings
         WHERE peering_connection_id = ?1 AND region = ?2 AND (uin = ?3 OR peer_uin = ?3)",
    )
    .bind(&change.peering_id)
    .bind(region.name)
    .bind(&actor.uin)
    .fetch_optional(&mut tx.conn)
    .await?;
    let Some(row) = row else {
        return Err(peering_not_found(&change.peering_id, region));
    };
    let stored = PeeringState::from_i64(row.state).ok_or_else(|| {
        tracing::error!(peering = %change.peering_id, state = row.state, "stored peering has an unknown state");
        ApiError::internal()
    })?;
    let state = stored.effective(row.expire_time, tx.now);
    let role = Role {
        requester: row.uin == actor.uin,
        accepter: row.peer_uin == actor.uin,
    };
    let next = transition(&change.peering_id, change.action, role, state)?;
    let mut expire_time = row.expire_time;
    match change.action {
        Action::Accept => {
            let vpc = vpc_by_row_id(&mut tx.conn, row.vpc).await?;
            let peer = vpc_by_row_id(&mut tx.conn, row.peer_vpc).await?;
            let (vpc_rows, peer_rows) =
                check_live_rules_for_accept(tx, &vpc, &peer, row.id).await?;
            let limits = Limits::of(&mut tx.conn, [&vpc.uin, &peer.uin], &vpc.region).await?;
            check_active_quota(&limits, [(&vpc, &vpc_rows), (&peer, &peer_rows)])?;
            expire_time = None;
        }
        Action::Enable => {
            let vpc = vpc_by_row_id(&mut tx.conn, row.vpc).await?;
            let peer = vpc_by_row_id(&mut tx.conn, row.peer_vpc).await?;
            check_live_rules(tx, &vpc, &peer, Some(row.id)).await?;
            expire_time = Some(tx.now + PENDING_LIFETIME_SECS);
        }
        Action::Reject | Action::Delete => expire_time = None,
        Action::Modify => {}
    }
    let name = change.name.unwrap_or(row.peering_connection_name);
    sqlx::query(
        "UPDATE peerings SET state = ?, expire_time = ?, peering_connection_name = ? WHERE id = ?",
    )
    .bind(next.as_i64())
    .bind(expire_time)
    .bind(&name)
    .bind(row.id)
    .execute(&mut tx.conn)
    .await?;
    let kind = match change.action {
        Action::Accept => "accepted",
        Action::Reject => "rejected",
        Action::Delete => "deleted",
        Action::Modify => "renamed",
        Action::Enable => "enabled",
    };
    events::record(
        tx,
        actor,
        Change {
            resource_type: "peering",
            resource_id: &change.peering_id,
            kind,
            old_state: Some(state.as_str()),
            new_state: Some(next.as_str()),
        },
    )
    .await?;
    fetch_peering(&mut tx.conn, &change.peering_id, tx.now).await
}

/// Accept re-checks the overlap rules with the peering itself left out; it is
/// already live, so quota `vpc-max-vpcpeers` already counts it.
async fn check_live_rules_for_accept(
    tx: &mut Tx,
    vpc: &Vpc,
    peer: &Vpc,
    peering_row_id: i64,
) -> ApiResult<(Vec<LiveRow>, Vec<LiveRow>)> {
    let (vpc_rows, peer_rows) =
        live_peers_of_both(&mut tx.conn, vpc.id, peer.id, tx.now, Some(peering_row_id)).await?;
    check_overlap_rules(
        &blocks_of(vpc),
        &blocks_of(peer),
        &peers_of(&vpc_rows),
        &peers_of(&peer_rows),
    )?;
    Ok((vpc_rows, peer_rows))
}

fn peering_not_found(id: &str, region: Region) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidPeeringConnectionNotFound,
        format!("{id} does not exist in {}", region.name),
    )
}

const PEERING_SELECT: &str = "SELECT p.peering_connection_id, p.peering_connection_name,
        v.vpc_id, v.un_vpc_id, pv.vpc_id, pv.un_vpc_id, p.uin, p.peer_uin, a.app_id, pa.app_id,
        p.region, p.state, p.create_time, p.expire_time
    FROM peerings p
    JOIN vpcs v ON v.id = p.vpc
    JOIN vpcs pv ON pv.id = p.peer_vpc
    JOIN accounts a ON a.uin = p.uin
    JOIN accounts pa ON pa.uin = p.peer_uin";

/// A Describe row: the peering (columns 0 to 13, read by position) and how
/// many match in all (column 14).
#[derive(sqlx::FromRow)]
struct CountedPeering {
    #[sqlx(flatten)]
    peering: PeeringTuple,
    total: i64,
}

type PeeringTuple = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    String,
    i64,
    i64,
    Option<i64>,
);

fn peering_from(row: PeeringTuple, now: Timestamp) -> Peering {
    let (
        id,
        name,
        vpc_id,
        un_vpc_id,
        peer_vpc_id,
        un_peer_vpc_id,
        uin,
        peer_uin,
        app_id,
        peer_app_id,
        region,
        state,
        create_time,
        expire_time,
    ) = row;
    let state = PeeringState::from_i64(state)
        .unwrap_or(PeeringState::Deleted)
        .effective(expire_time, now);
    Peering {
        peering_connection_id: id,
        peering_connection_name: name,
        vpc_id,
        un_vpc_id,
        peer_vpc_id,
        un_peer_vpc_id,
        uin,
        peer_uin,
        app_id,
        peer_app_id,
        region,
        state,
        create_time,
        expire_time,
    }
}

async fn fetch_peering(
    conn: &mut SqliteConnection,
    id: &str,
    now: Timestamp,
) -> ApiResult<Peering> {
    let row: PeeringTuple = sqlx::query_as(AssertSqlSafe(format!(
        "{PEERING_SELECT} WHERE p.peering_connection_id = ?"
    )))
    .bind(id)
    .fetch_one(conn)
    .await?;
    Ok(peering_from(row, now))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PeeringOrder {
    #[default]
    CreateTime,
    Name,
}

/// DescribeVpcPeeringConnections filters and page, validated.
#[derive(Debug, Clone, Default)]
pub struct PeeringFilter {
    pub vpc: Option<VpcRef>,
    pub peering_id: Option<String>,
    pub name: Option<String>,
    pub state: Option<PeeringState>,
    pub offset: i64,
    pub limit: i64,
    pub order: PeeringOrder,
    pub ascending: bool,
}

impl Store {
    /// The caller's peerings in the region that match, one page of them, and
    /// how many match in all.
    pub async fn describe_peerings(
        &self,
        caller: &str,
        region: Region,
        filter: PeeringFilter,
    ) -> ApiResult<(i64, Vec<Peering>)> {
        let now = self.clock.now();
        let mut conn = self.read().await?;
        let conditions = |q: &mut QueryBuilder<Sqlite>| {
            q.push(" WHERE p.region = ").push_bind(region.name);
            q.push(" AND (p.uin = ").push_bind(caller.to_owned());
            q.push(" OR p.peer_uin = ")
                .push_bind(caller.to_owned())
                .push(")");
            // A VPC filter matches either end; a VPC that does not exist (or
            // is deleted) makes the subquery NULL, which matches nothing.
            if let Some(vpc) = &filter.vpc {
                let column = match vpc {
                    VpcRef::Legacy(_) => "vpc_id",
                    VpcRef::Unique(_) => "un_vpc_id",
                };
                for (i, end) in ["p.vpc", "p.peer_vpc"].into_iter().enumerate() {
                    q.push(if i == 0 { " AND (" } else { " OR " });
                    q.push(format!("{end} = (SELECT id FROM vpcs WHERE {column} = "))
                        .push_bind(vpc.as_str().to_owned())
                        .push(" AND region = ")
                        .push_bind(region.name)
                        .push(" AND deleted = 0)");
                }
                q.push(")");
            }
            if let Some(id) = &filter.peering_id {
                q.push(" AND p.peering_connection_id = ")
                    .push_bind(id.clone());
            }
            if let Some(name) = &filter.name {
                q.push(" AND p.peering_connection_name = ")
                    .push_bind(name.clone());
            }
            if let Some(state) = filter.state {
                q.push(" AND (CASE WHEN p.state = 1 AND p.expire_time <= ")
                    .push_bind(now)
                    .push(" THEN 3 ELSE p.state END) = ")
                    .push_bind(state.as_i64());
            }
        };
        // One statement for the page and the total (a window over every
        // match); only a page past the end needs a separate count.
        let mut page = QueryBuilder::new(PEERING_SELECT.replacen(
            " FROM peerings p",
            ", COUNT(*) OVER () AS total FROM peerings p",
            1,
        ));
        conditions(&mut page);
        let column = match filter.order {
            PeeringOrder::CreateTime => "p.create_time",
            PeeringOrder::Name => "p.peering_connection_name",
        };
        let direction = if filter.ascending { "ASC" } else { "DESC" };
        // Ties break by id so that pages never overlap or skip.
        page.push(format!(
            " ORDER BY {column} {direction}, p.peering_connection_id {direction}"
        ));
        page.push(" LIMIT ")
            .push_bind(filter.limit)
            .push(" OFFSET ")
            .push_bind(filter.offset);
        let rows: Vec<CountedPeering> = page.build_query_as().fetch_all(&mut *conn).await?;
        let total = match rows.first() {
            Some(first) => first.total,
            None if filter.offset == 0 => 0,
            None => {
                let mut count = QueryBuilder::new("SELECT COUNT(*) FROM peerings p");
                conditions(&mut count);
                let (total,): (i64,) = count.build_query_as().fetch_one(&mut *conn).await?;
                total
            }
        };
        Ok((
            total,
            rows.into_iter()
                .map(|r| peering_from(r.peering, now))
                .collect(),
        ))
    }

    pub async fn create_peering(
        &self,
        actor: Actor,
        region: Region,
        new: NewPeering,
    ) -> ApiResult<Peering> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move { create_peering(tx, &actor, region, new).await })
        })
        .await
    }

    pub async fn change_peering(
        &self,
        actor: Actor,
        region: Region,
        change: PeeringChange,
    ) -> ApiResult<Peering> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move { change_peering(tx, &actor, region, change).await })
        })
        .await
    }
}
