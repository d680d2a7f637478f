//! Peering connections: the create checks, the state changes, Describe, and
//! the expiry of overdue requests.

use sqlx::{AssertSqlSafe, QueryBuilder, Sqlite, SqliteConnection};

use super::{
    Actor, Store, Tx,
    accounts::quota_limit,
    events::{self, Change},
    records::{Peering, Vpc},
    vpcs::{find_vpc, owned_vpc, vpc_by_row_id, vpc_not_found},
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

/// The rules a peering between `vpc` and `peer` must pass to become live:
/// no other live peering between them, the overlap rules, and the live-peering
/// quota of each end. `except` leaves the peering being re-checked out.
/// Returns the live peerings of both ends for further checks.
async fn check_live_rules(
    tx: &mut Tx,
    vpc: &Vpc,
    peer: &Vpc,
    except: Option<i64>,
) -> ApiResult<(Vec<LiveRow>, Vec<LiveRow>)> {
    let vpc_rows = live_peers(&mut tx.conn, vpc.id, tx.now, except).await?;
    if let Some(dup) = vpc_rows.iter().find(|r| r.other_row_id == peer.id) {
        return Err(ApiError::new(
            ErrorCode::VpcPeerAlreadyExist,
            format!(
                "{} and {} are already peered by {}",
                vpc.un_vpc_id, peer.un_vpc_id, dup.peer.peering_id
            ),
        ));
    }
    let peer_rows = if vpc.id == peer.id {
        Vec::new()
    } else {
        live_peers(&mut tx.conn, peer.id, tx.now, except).await?
    };
    check_overlap_rules(
        &blocks_of(vpc),
        &blocks_of(peer),
        &peers_of(&vpc_rows),
        &peers_of(&peer_rows),
    )?;
    for (end, rows) in [(vpc, &vpc_rows), (peer, &peer_rows)] {
        let limit = quota_limit(
            &mut tx.conn,
            &end.uin,
            region_of(end)?,
            QuotaName::MaxVpcPeers,
        )
        .await?;
        check_quota(
            ErrorCode::PeeringConnectionLimitExceeded,
            QuotaName::MaxVpcPeers.as_str(),
            &end.un_vpc_id,
            rows.len() as i64,
            limit,
        )?;
    }
    Ok((vpc_rows, peer_rows))
}

/// The ACTIVE-peering quota of both ends, for a peering about to become ACTIVE.
async fn check_active_quota(tx: &mut Tx, ends: [(&Vpc, &[LiveRow]); 2]) -> ApiResult<()> {
    for (end, rows) in ends {
        let limit = quota_limit(
            &mut tx.conn,
            &end.uin,
            region_of(end)?,
            QuotaName::MaxAvailableVpcPeers,
        )
        .await?;
        check_quota(
            ErrorCode::PeeringConnectionLimitExceeded,
            QuotaName::MaxAvailableVpcPeers.as_str(),
            &end.un_vpc_id,
            active_count(rows),
            limit,
        )?;
    }
    Ok(())
}

fn region_of(vpc: &Vpc) -> ApiResult<Region> {
    Region::parse(&vpc.region).map_err(|_| {
        tracing::error!(vpc = %vpc.un_vpc_id, region = %vpc.region, "stored vpc has an unknown region");
        ApiError::internal()
    })
}

pub async fn create_peering(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    new: NewPeering,
) -> ApiResult<Peering> {
    let vpc = owned_vpc(&mut tx.conn, &actor.uin, &new.vpc, region).await?;
    let peer = match find_vpc(&mut tx.conn, &new.peer_vpc, region).await? {
        Some(found) if found.uin == new.peer_uin => found,
        _ => return Err(vpc_not_found(new.peer_vpc.as_str(), region)),
    };
    let (vpc_rows, peer_rows) = check_live_rules(tx, &vpc, &peer, None).await?;
    let same_account = vpc.uin == peer.uin;
    let (state, expire_time) = if same_account {
        check_active_quota(tx, [(&vpc, &vpc_rows), (&peer, &peer_rows)]).await?;
        (PeeringState::Active, None)
    } else {
        (PeeringState::Pending, Some(tx.now + PENDING_LIFETIME_SECS))
    };
    let peering_id = next_peering_id(tx).await?;
    sqlx::query(
        "INSERT INTO peerings (peering_connection_id, peering_connection_name, vpc, peer_vpc, uin, peer_uin,
                               region, state, create_time, expire_time)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&peering_id)
    .bind(&new.name)
    .bind(vpc.id)
    .bind(peer.id)
    .bind(&vpc.uin)
    .bind(&peer.uin)
    .bind(region.name)
    .bind(state.as_i64())
    .bind(tx.now)
    .bind(expire_time)
    .execute(&mut tx.conn)
    .await?;
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
    fetch_peering(&mut tx.conn, &peering_id, tx.now).await
}

async fn next_peering_id(tx: &mut Tx) -> Result<String, sqlx::Error> {
    loop {
        let id = tx.ids.peering_id();
        let taken: Option<(i64,)> =
            sqlx::query_as("SELECT 1 FROM peerings WHERE peering_connection_id = ?")
                .bind(&id)
                .fetch_optional(&mut tx.conn)
                .await?;
        if taken.is_none() {
            return Ok(id);
        }
    }
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
            check_active_quota(tx, [(&vpc, &vpc_rows), (&peer, &peer_rows)]).await?;
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
    let vpc_rows = live_peers(&mut tx.conn, vpc.id, tx.now, Some(peering_row_id)).await?;
    let peer_rows = live_peers(&mut tx.conn, peer.id, tx.now, Some(peering_row_id)).await?;
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
        // A VPC filter matches either end; one the caller cannot see simply
        // matches nothing of the caller's.
        let vpc_row = match &filter.vpc {
            Some(vpc) => match find_vpc(&mut conn, vpc, region).await? {
                Some(found) => Some(found.id),
                None => return Ok((0, Vec::new())),
            },
            None => None,
        };
        let conditions = |q: &mut QueryBuilder<Sqlite>| {
            q.push(" WHERE p.region = ").push_bind(region.name);
            q.push(" AND (p.uin = ").push_bind(caller.to_owned());
            q.push(" OR p.peer_uin = ")
                .push_bind(caller.to_owned())
                .push(")");
            if let Some(row) = vpc_row {
                q.push(" AND (p.vpc = ")
                    .push_bind(row)
                    .push(" OR p.peer_vpc = ")
                    .push_bind(row)
                    .push(")");
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
        let mut count = QueryBuilder::new("SELECT COUNT(*) FROM peerings p");
        conditions(&mut count);
        let (total,): (i64,) = count.build_query_as().fetch_one(&mut *conn).await?;
        let mut page = QueryBuilder::new(PEERING_SELECT);
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
        let rows: Vec<PeeringTuple> = page.build_query_as().fetch_all(&mut *conn).await?;
        Ok((
            total,
            rows.into_iter().map(|r| peering_from(r, now)).collect(),
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
