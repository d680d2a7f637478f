//! Peering connections: the create checks, the state changes, Describe, and
//! the expiry of overdue requests.

use sqlx::{AssertSqlSafe, QueryBuilder, Sqlite, SqliteConnection};

use super::{
    Actor, Store, Tx,
    events::{self, Change},
    model::Model,
    records::{Peering, Vpc},
    states,
    vpcs::vpc_not_found,
    writer::{DeferredEvent, DeferredPeering},
};
use crate::domain::{
    ApiError, ApiResult, ErrorCode,
    cidr::CidrBlock,
    error::Cause,
    ids::VpcRef,
    link::{LinkOptions, Tag},
    peering::{
        Action, LivePeer, PeeringState, Role, VpcBlocks, check_overlap_rules, check_quota,
        transition,
    },
    quota::QuotaName,
    region::Region,
    time::{PENDING_LIFETIME_SECS, Timestamp},
};

/// A live peering of one VPC, with the row ids the writer needs.
pub(super) struct LiveRow {
    pub peering_row_id: i64,
    pub other_row_id: i64,
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
    let rows: Vec<(i64, String, i64, String, String, String)> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT p.id, p.peering_connection_id, o.id, o.un_vpc_id, o.cidr_block, o.assistant_cidr_blocks
         FROM peerings p JOIN vpcs o ON o.id = CASE WHEN p.vpc = ?1 THEN p.peer_vpc ELSE p.vpc END
         WHERE (p.vpc = ?1 OR p.peer_vpc = ?1) AND {} AND p.id IS NOT ?3
         ORDER BY p.id",
        states::live("p.", "?2")
    )))
    .bind(vpc_row_id)
    .bind(now)
    .bind(except)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(peering_row_id, peering_id, other_row_id, un_vpc_id, cidr, assistants)| {
                let blocks = std::iter::once(cidr.as_str())
                    .chain(assistants.split(',').filter(|b| !b.is_empty()))
                    .filter_map(CidrBlock::parse_stored)
                    .collect();
                LiveRow {
                    peering_row_id,
                    other_row_id,
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
    sqlx::raw_sql(AssertSqlSafe(expire_overdue_sql(tx.now)))
        .execute(&mut tx.conn)
        .await?;
    Ok(())
}

/// The statements that expire overdue requests at `now`. `now` is our own
/// integer, so it sits in the text, and the writer can send these along with
/// the BEGIN of every batch in one round trip.
pub(super) fn expire_overdue_sql(now: Timestamp) -> String {
    let overdue = states::overdue("", &now.to_string());
    format!(
        "INSERT INTO events (time, actor, request_id, resource_type, resource_id, kind, old_state, new_state)
             SELECT expire_time, 'system', '', 'peering', peering_connection_id, 'expired', '{pending}', '{expired}'
             FROM peerings WHERE {overdue};
         UPDATE peerings SET state = {expired_n} WHERE {overdue}",
        pending = PeeringState::Pending.as_str(),
        expired = PeeringState::Expired.as_str(),
        expired_n = PeeringState::Expired.as_i64(),
    )
}

/// A validated CreateVpcPeeringConnection request.
#[derive(Debug, Clone)]
pub struct NewPeering {
    pub vpc: VpcRef,
    pub peer_vpc: VpcRef,
    pub peer_uin: String,
    /// The peer VPC's region; `None` for the call's own region.
    pub peer_region: Option<Region>,
    pub name: String,
    pub link: LinkOptions,
}

/// Checks, on the rule state, the rules for a live peering between VPC rows
/// `a` and `b`. Create and enable make a peering live (`becoming_live`: no
/// other live peering between the two, the live-peering quota); accept re-checks
/// the overlaps of one that is live already. `active`: the ACTIVE quota too.
/// `except` leaves the peering being changed out. `named` is how the caller
/// named the two ends, for messages; by default their unique ids.
#[allow(clippy::too_many_arguments)]
fn check_rules(
    model: &Model,
    a: i64,
    b: i64,
    named: Option<(&str, &str)>,
    now: Timestamp,
    except: Option<i64>,
    becoming_live: bool,
    active: bool,
) -> ApiResult<()> {
    let (Some(va), Some(vb)) = (model.vpc(a), model.vpc(b)) else {
        return Err(ApiError::internal_because(format!(
            "a peering names vpc row {a} or {b}, which the rule state does not know"
        )));
    };
    let (name_a, name_b) = named.unwrap_or((&va.vpc.un_vpc_id, &vb.vpc.un_vpc_id));
    if a == b {
        // By row: the caller may have named one VPC by both its ids.
        return Err(ApiError::new(
            ErrorCode::PeeringConnectionVpcConflict,
            format!("vpc {name_a} cannot peer with itself"),
        ));
    }
    let links_a = model.live(a, now, except);
    let links_b = if a == b {
        Vec::new()
    } else {
        model.live(b, now, except)
    };
    if becoming_live && let Some(dup) = links_a.iter().find(|l| l.other == b) {
        return Err(ApiError::new(
            ErrorCode::VpcPeerAlreadyExist,
            format!(
                "{name_a} and {name_b} are already peered by {}",
                dup.peering_id
            ),
        ));
    }
    let named_blocks = |row: i64, name: &str| VpcBlocks {
        un_vpc_id: name.to_owned(),
        ..model.blocks(row)
    };
    check_overlap_rules(
        &named_blocks(a, name_a),
        &named_blocks(b, name_b),
        &model.live_peers(&links_a),
        &model.live_peers(&links_b),
    )?;
    for (end, links, id) in [(va, &links_a, name_a), (vb, &links_b, name_b)] {
        let (uin, region) = (&end.vpc.uin, &end.vpc.region);
        if becoming_live {
            let limit = model.limit(uin, region, QuotaName::MaxVpcPeers);
            check_quota(
                ErrorCode::PeeringConnectionLimitExceeded,
                QuotaName::MaxVpcPeers.as_str(),
                id,
                links.len() as i64,
                limit,
            )
            .map_err(|err| err.because(Cause::LivePeeringQuota))?;
        }
        if active {
            let used = links.iter().filter(|l| l.active).count() as i64;
            let limit = model.limit(uin, region, QuotaName::MaxAvailableVpcPeers);
            check_quota(
                ErrorCode::PeeringConnectionLimitExceeded,
                QuotaName::MaxAvailableVpcPeers.as_str(),
                id,
                used,
                limit,
            )
            .map_err(|err| err.because(Cause::ActivePeeringQuota))?;
        }
    }
    Ok(())
}

/// A peering as the API shows it, from its facts and the rule state.
#[allow(clippy::too_many_arguments)]
fn peering_view(
    model: &Model,
    id: String,
    name: String,
    vpc: &Vpc,
    peer: &Vpc,
    state: PeeringState,
    create_time: Timestamp,
    expire_time: Option<Timestamp>,
    link: LinkOptions,
) -> Peering {
    Peering {
        peering_connection_id: id,
        peering_connection_name: name,
        vpc_id: vpc.vpc_id.clone(),
        un_vpc_id: vpc.un_vpc_id.clone(),
        peer_vpc_id: peer.vpc_id.clone(),
        un_peer_vpc_id: peer.un_vpc_id.clone(),
        uin: vpc.uin.clone(),
        peer_uin: peer.uin.clone(),
        app_id: model.app_id(&vpc.uin),
        peer_app_id: model.app_id(&peer.uin),
        region: vpc.region.clone(),
        peer_region: peer.region.clone(),
        state,
        create_time,
        expire_time,
        link,
    }
}

pub async fn create_peering(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    new: NewPeering,
) -> ApiResult<Peering> {
    let now = tx.now;
    let model = tx.model().await?;
    let vpc = match model.find(new.vpc.as_str(), region.name) {
        Some(found) if found.vpc.uin == actor.uin => found.vpc.clone(),
        _ => return Err(vpc_not_found(new.vpc.as_str(), region)),
    };
    let peer_region = new.peer_region.unwrap_or(region);
    let peer = match model.find(new.peer_vpc.as_str(), peer_region.name) {
        Some(found) if found.vpc.uin == new.peer_uin => found.vpc.clone(),
        _ => return Err(vpc_not_found(new.peer_vpc.as_str(), peer_region)),
    };
    let same_account = vpc.uin == peer.uin;
    check_rules(
        model,
        vpc.id,
        peer.id,
        Some((new.vpc.as_str(), new.peer_vpc.as_str())),
        now,
        None,
        true,
        same_account,
    )?;
    let (state, expire_time) = if same_account {
        (PeeringState::Active, None)
    } else {
        (PeeringState::Pending, Some(now + PENDING_LIFETIME_SECS))
    };
    // The rows go out in bulk with the batch (see `Tx::deferred`).
    let (row, peering_id) = loop {
        let id = tx.ids.peering_id();
        if let Some(row) = tx.model().await?.claim_peering(&id) {
            break (row, id);
        }
    };
    let deferred = tx.deferred();
    deferred.peerings.push(DeferredPeering {
        row,
        id: peering_id.clone(),
        name: new.name.clone(),
        vpc: vpc.id,
        peer_vpc: peer.id,
        uin: vpc.uin.clone(),
        peer_uin: peer.uin.clone(),
        region: region.name,
        state: state.as_i64(),
        create_time: now,
        expire_time,
        link: new.link.clone(),
    });
    deferred.events.push(DeferredEvent {
        time: now,
        actor: actor.uin.clone(),
        request_id: actor.request_id.clone(),
        resource_type: "peering",
        resource_id: peering_id.clone(),
        kind: "created",
        new_state: state.as_str(),
    });
    let model = tx.model().await?;
    model.add_links(
        row,
        &peering_id,
        vpc.id,
        peer.id,
        state == PeeringState::Active,
        expire_time,
    );
    Ok(peering_view(
        model,
        peering_id,
        new.name,
        &vpc,
        &peer,
        state,
        now,
        expire_time,
        new.link,
    ))
}

/// A state change or rename of an existing peering.
#[derive(Debug, Clone)]
pub struct PeeringChange {
    pub peering_id: String,
    pub action: Action,
    /// For `Action::Modify`: the new name, bandwidth cap and billing mode;
    /// `None` keeps what there is.
    pub name: Option<String>,
    pub bandwidth: Option<i64>,
    pub charge_type: Option<String>,
}

impl PeeringChange {
    /// A state change that sets nothing else.
    pub fn new(peering_id: String, action: Action) -> Self {
        PeeringChange {
            peering_id,
            action,
            name: None,
            bandwidth: None,
            charge_type: None,
        }
    }
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
    create_time: i64,
    expire_time: Option<i64>,
    peering_connection_name: String,
    #[sqlx(flatten)]
    link: LinkColumns,
}

/// The link options as stored: tags as JSON text.
#[derive(sqlx::FromRow)]
struct LinkColumns {
    bandwidth: i64,
    charge_type: String,
    link_type: String,
    qos_level: String,
    tags: String,
}

impl LinkColumns {
    fn into_options(self) -> LinkOptions {
        LinkOptions {
            bandwidth: self.bandwidth,
            charge_type: self.charge_type,
            link_type: self.link_type,
            qos_level: self.qos_level,
            tags: tags_from_json(&self.tags),
        }
    }
}

/// Tags as stored. vpcsim writes this text itself; text it cannot read
/// (a hand-edited database) reads as no tags rather than failing the call.
pub(super) fn tags_from_json(text: &str) -> Vec<Tag> {
    serde_json::from_str(text).unwrap_or_else(|err| {
        tracing::warn!(error = %err, "stored peering tags are not a JSON tag list; reading none");
        Vec::new()
    })
}

fn tags_to_json(tags: &[Tag]) -> String {
    // Most peerings have none; seeding writes 100,000 of them.
    if tags.is_empty() {
        return "[]".into();
    }
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".into())
}

/// Binds a peering's link options as the columns `bandwidth, charge_type,
/// link_type, qos_level, tags`, in that order.
pub(super) fn bind_link(
    row: &mut sqlx::query_builder::Separated<'_, Sqlite, &'static str>,
    link: &LinkOptions,
) {
    row.push_bind(link.bandwidth)
        .push_bind(link.charge_type.clone())
        .push_bind(link.link_type.clone())
        .push_bind(link.qos_level.clone())
        .push_bind(tags_to_json(&link.tags));
}

pub async fn change_peering(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    change: PeeringChange,
) -> ApiResult<Peering> {
    // Either party, from either end's region.
    let row: Option<PeeringRow> = sqlx::query_as(
        "SELECT p.id, p.vpc, p.peer_vpc, p.uin, p.peer_uin, p.state, p.create_time, p.expire_time,
                p.peering_connection_name, p.bandwidth, p.charge_type, p.link_type, p.qos_level, p.tags
         FROM peerings p JOIN vpcs pv ON pv.id = p.peer_vpc
         WHERE p.peering_connection_id = ?1 AND (p.region = ?2 OR pv.region = ?2)
           AND (p.uin = ?3 OR p.peer_uin = ?3)",
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
        ApiError::internal_because(format!(
            "stored peering {} has an unknown state {}",
            change.peering_id, row.state
        ))
    })?;
    let now = tx.now;
    let state = stored.effective(row.expire_time, now);
    let role = Role {
        requester: row.uin == actor.uin,
        accepter: row.peer_uin == actor.uin,
    };
    let next = transition(&change.peering_id, change.action, role, state)?;
    let model = tx.model().await?;
    let expire_time = match change.action {
        Action::Accept => {
            check_rules(
                model,
                row.vpc,
                row.peer_vpc,
                None,
                now,
                Some(row.id),
                false,
                true,
            )?;
            None
        }
        Action::Enable => {
            check_rules(
                model,
                row.vpc,
                row.peer_vpc,
                None,
                now,
                Some(row.id),
                true,
                false,
            )?;
            Some(now + PENDING_LIFETIME_SECS)
        }
        Action::Reject | Action::Delete => None,
        Action::Modify => row.expire_time,
    };
    let change_sets_link = change.bandwidth.is_some() || change.charge_type.is_some();
    let name = change.name.unwrap_or(row.peering_connection_name);
    let mut link = row.link.into_options();
    if let Some(bandwidth) = change.bandwidth {
        link.bandwidth = bandwidth;
    }
    if let Some(charge_type) = change.charge_type {
        link.charge_type = charge_type;
    }
    sqlx::query(
        "UPDATE peerings SET state = ?, expire_time = ?, peering_connection_name = ?, bandwidth = ?, charge_type = ?
         WHERE id = ?",
    )
    .bind(next.as_i64())
    .bind(expire_time)
    .bind(&name)
    .bind(link.bandwidth)
    .bind(&link.charge_type)
    .bind(row.id)
    .execute(&mut tx.conn)
    .await?;
    let kind = match change.action {
        Action::Accept => "accepted",
        Action::Reject => "rejected",
        Action::Delete => "deleted",
        Action::Modify if change_sets_link => "modified",
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
    let model = tx.model().await?;
    match next {
        PeeringState::Active | PeeringState::Pending => model.add_links(
            row.id,
            &change.peering_id,
            row.vpc,
            row.peer_vpc,
            next == PeeringState::Active,
            expire_time,
        ),
        _ => model.remove_links(row.id, row.vpc, row.peer_vpc),
    }
    let (Some(vpc), Some(peer)) = (model.vpc(row.vpc), model.vpc(row.peer_vpc)) else {
        return Err(ApiError::internal_because(format!(
            "peering {} names a vpc the rule state does not know",
            change.peering_id
        )));
    };
    let (vpc, peer) = (vpc.vpc.clone(), peer.vpc.clone());
    // Expiry is judged on read: a renamed PENDING request may read EXPIRED.
    let shown = next.effective(expire_time, now);
    Ok(peering_view(
        model,
        change.peering_id,
        name,
        &vpc,
        &peer,
        shown,
        row.create_time,
        expire_time,
        link,
    ))
}

pub(super) fn peering_not_found(id: &str, region: Region) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidPeeringConnectionNotFound,
        format!("{id} does not exist in {}", region.name),
    )
}

const PEERING_SELECT: &str = "SELECT p.peering_connection_id, p.peering_connection_name,
        v.vpc_id, v.un_vpc_id, pv.vpc_id AS peer_vpc_id, pv.un_vpc_id AS un_peer_vpc_id,
        p.uin, p.peer_uin, a.app_id, pa.app_id AS peer_app_id,
        p.region, pv.region AS peer_region, p.state, p.create_time, p.expire_time,
        p.bandwidth, p.charge_type, p.link_type, p.qos_level, p.tags
    FROM peerings p
    JOIN vpcs v ON v.id = p.vpc
    JOIN vpcs pv ON pv.id = p.peer_vpc
    JOIN accounts a ON a.uin = p.uin
    JOIN accounts pa ON pa.uin = p.peer_uin";

/// A row of `PEERING_SELECT`.
#[derive(sqlx::FromRow)]
struct PeeringColumns {
    peering_connection_id: String,
    peering_connection_name: String,
    vpc_id: String,
    un_vpc_id: String,
    peer_vpc_id: String,
    un_peer_vpc_id: String,
    uin: String,
    peer_uin: String,
    app_id: i64,
    peer_app_id: i64,
    region: String,
    peer_region: String,
    state: i64,
    create_time: Timestamp,
    expire_time: Option<Timestamp>,
    #[sqlx(flatten)]
    link: LinkColumns,
}

/// A Describe row: the peering and how many match in all.
#[derive(sqlx::FromRow)]
struct CountedPeering {
    #[sqlx(flatten)]
    peering: PeeringColumns,
    total: i64,
}

fn peering_from(row: PeeringColumns, now: Timestamp) -> Peering {
    let state = PeeringState::from_i64(row.state)
        .unwrap_or(PeeringState::Deleted)
        .effective(row.expire_time, now);
    Peering {
        peering_connection_id: row.peering_connection_id,
        peering_connection_name: row.peering_connection_name,
        vpc_id: row.vpc_id,
        un_vpc_id: row.un_vpc_id,
        peer_vpc_id: row.peer_vpc_id,
        un_peer_vpc_id: row.un_peer_vpc_id,
        uin: row.uin,
        peer_uin: row.peer_uin,
        app_id: row.app_id,
        peer_app_id: row.peer_app_id,
        region: row.region,
        peer_region: row.peer_region,
        state,
        create_time: row.create_time,
        expire_time: row.expire_time,
        link: row.link.into_options(),
    }
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
            // Either end's region: a cross-region peering shows in both.
            q.push(" WHERE (p.region = ")
                .push_bind(region.name)
                .push(" OR pv.region = ")
                .push_bind(region.name)
                .push(")");
            q.push(" AND (p.uin = ").push_bind(caller.to_owned());
            q.push(" OR p.peer_uin = ")
                .push_bind(caller.to_owned())
                .push(")");
            // A VPC filter matches either end, whichever region it is in
            // (ids are unique across regions); a VPC that does not exist (or
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
                // `now` is our own integer, written into the text.
                q.push(format!(
                    " AND {} = ",
                    states::effective("p.", &now.to_string())
                ))
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
                let mut count = QueryBuilder::new(
                    "SELECT COUNT(*) FROM peerings p JOIN vpcs pv ON pv.id = p.peer_vpc",
                );
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
        // With a client token the answer is remembered in SQL, directly;
        // without, the create touches no SQL and its rows go out in bulk.
        match actor.idempotency() {
            Some(key) => {
                self.write_as(Some(key), move |tx| {
                    Box::pin(async move { create_peering(tx, &actor, region, new).await })
                })
                .await
            }
            None => {
                self.write_deferred(move |tx| {
                    Box::pin(async move { create_peering(tx, &actor, region, new).await })
                })
                .await
            }
        }
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
