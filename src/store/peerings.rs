//! Peering connections: create, the state changes, Describe, and the expiry
//! of overdue requests. Rules are checked on the model (`domain::rules`);
//! this module owns the peering rows and their SQL.

use sqlx::{AssertSqlSafe, QueryBuilder, Sqlite, SqliteConnection};

use super::{
    Actor, Store, Tx,
    events::{self, Change},
    lookup::{peering_not_found, vpc_not_found},
    model::{Model, NewPeeringRow, PeeringIx, StoredLink},
    records::Peering,
    states,
    writer::{BoxFuture, BulkRow},
};
use crate::domain::{
    ApiResult,
    ids::VpcRef,
    link::LinkOptions,
    peering::{Action, PeeringState, Role, transition},
    region::Region,
    rules::{Joining, check_live_peering, new_peering_state},
    time::{PENDING_LIFETIME_SECS, Timestamp},
};

/// Makes every PENDING request whose time ran out EXPIRED in the rows, with
/// an event each. The model needs no such step: it judges expiry on read.
/// `now` is our own integer, so it sits in the text, and the writer sends
/// these along with the BEGIN of every batch in one round trip.
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

/// Makes overdue requests EXPIRED at `tx.now`, in the rows and the model,
/// after the clock moved inside a batch.
pub(super) async fn expire_overdue(tx: &mut Tx) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(AssertSqlSafe(expire_overdue_sql(tx.now)))
        .execute(&mut tx.conn)
        .await?;
    let now = tx.now;
    tx.model().await?.expire_overdue(now);
    Ok(())
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

pub async fn create_peering_in(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    new: NewPeering,
) -> ApiResult<Peering> {
    let now = tx.now;
    let model = tx.model().await?;
    let vpc = model
        .find_vpc(new.vpc.as_str(), region.name)
        .filter(|&vpc| model.owner_of(vpc) == actor.uin)
        .ok_or_else(|| vpc_not_found(new.vpc.as_str(), region))?;
    let peer_region = new.peer_region.unwrap_or(region);
    let peer = model
        .find_vpc(new.peer_vpc.as_str(), peer_region.name)
        .filter(|&peer| model.owner_of(peer) == new.peer_uin)
        .ok_or_else(|| vpc_not_found(new.peer_vpc.as_str(), peer_region))?;
    let same_account = model.owner_of(vpc) == model.owner_of(peer);
    check_live_peering(
        &model.view(now),
        vpc,
        peer,
        Some((new.vpc.as_str(), new.peer_vpc.as_str())),
        Joining {
            becoming_live: true,
            becoming_active: same_account,
            except: None,
        },
    )?;
    let (state, expire_time) = new_peering_state(same_account, now);
    let peering_id = loop {
        let id = tx.ids.peering_id();
        if tx.model().await?.peering_by_id(&id).is_none() {
            break id;
        }
    };
    let model = tx.model().await?;
    let row = model.next_peering_row();
    let ix = model.insert_peering(NewPeeringRow {
        row,
        id: &peering_id,
        name: &new.name,
        vpc,
        peer,
        state,
        create_time: now,
        expire_time,
        link: StoredLink::new(&new.link),
        tags: new.link.tags.clone(),
    });
    let shown = model.peering_record(ix, now);
    let insert = PeeringWrite::insert(model, ix, &shown);
    tx.rows::<PeeringWrite>().push(insert);
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
    );
    Ok(shown)
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

/// The peering `id` if `caller` is a party to it and either end is in
/// `region`; any other reads as not found.
fn visible_peering(model: &Model, caller: &str, id: &str, region: Region) -> ApiResult<PeeringIx> {
    model
        .peering_by_id(id)
        .filter(|&ix| {
            let p = model.peering(ix);
            let party = model.owner_of(p.vpc) == caller || model.owner_of(p.peer) == caller;
            let here =
                model.region_of(p.vpc) == region.name || model.region_of(p.peer) == region.name;
            party && here
        })
        .ok_or_else(|| peering_not_found(id, region))
}

pub async fn change_peering_in(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    change: PeeringChange,
) -> ApiResult<Peering> {
    let now = tx.now;
    let model = tx.model().await?;
    let ix = visible_peering(model, &actor.uin, &change.peering_id, region)?;
    let p = model.peering(ix);
    let (vpc, peer) = (p.vpc, p.peer);
    let state = p.effective_state(now);
    let role = Role {
        requester: model.owner_of(vpc) == actor.uin,
        accepter: model.owner_of(peer) == actor.uin,
    };
    let next = transition(&change.peering_id, change.action, role, state)?;
    let joining = |becoming_live, becoming_active| Joining {
        becoming_live,
        becoming_active,
        except: Some(&change.peering_id),
    };
    let expire_time = match change.action {
        Action::Accept => {
            check_live_peering(&model.view(now), vpc, peer, None, joining(false, true))?;
            None
        }
        Action::Enable => {
            check_live_peering(&model.view(now), vpc, peer, None, joining(true, false))?;
            Some(now + PENDING_LIFETIME_SECS)
        }
        Action::Reject | Action::Delete => None,
        Action::Modify => p.expire_time(),
    };
    let name = change
        .name
        .as_deref()
        .unwrap_or(model.text(p.name))
        .to_owned();
    let mut link = model.peering_link(ix);
    if let Some(bandwidth) = change.bandwidth {
        link.bandwidth = bandwidth;
    }
    if let Some(charge_type) = &change.charge_type {
        link.charge_type = charge_type.clone();
    }
    model.update_peering(ix, next, expire_time, &name, StoredLink::new(&link));
    // Expiry is judged on read: a renamed PENDING request may read EXPIRED.
    let shown = model.peering_record(ix, now);
    let update = PeeringWrite::Update {
        row: model.peering(ix).row,
        state: next,
        expire_time,
        name,
        bandwidth: link.bandwidth,
        charge_type: link.charge_type,
    };
    tx.rows::<PeeringWrite>().push(update);
    if change.action == Action::Delete {
        // The cloud takes the routes through a deleted peering away with it.
        super::routes::remove_routes_via(tx, actor, &change.peering_id).await?;
    }
    let sets_link = change.bandwidth.is_some() || change.charge_type.is_some();
    let kind = match change.action {
        Action::Accept => "accepted",
        Action::Reject => "rejected",
        Action::Delete => "deleted",
        Action::Modify if sets_link => "modified",
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
    );
    Ok(shown)
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
        .push_bind(super::records::tags_to_json(&link.tags));
}

/// A peering row to write with the batch.
enum PeeringWrite {
    Insert {
        row: i64,
        vpc_row: i64,
        peer_vpc_row: i64,
        peering: Box<Peering>,
        state: PeeringState,
    },
    Update {
        row: i64,
        state: PeeringState,
        expire_time: Option<Timestamp>,
        name: String,
        bandwidth: i64,
        charge_type: String,
    },
}

impl PeeringWrite {
    /// The new row of peering `ix`, shown as `shown`.
    fn insert(model: &Model, ix: PeeringIx, shown: &Peering) -> Self {
        let p = model.peering(ix);
        PeeringWrite::Insert {
            row: p.row,
            vpc_row: model.vpc(p.vpc).row,
            peer_vpc_row: model.vpc(p.peer).row,
            peering: Box::new(shown.clone()),
            state: p.state,
        }
    }
}

impl BulkRow for PeeringWrite {
    /// New rows first, then changes.
    fn write_all(
        rows: Vec<Self>,
        conn: &mut SqliteConnection,
    ) -> BoxFuture<'_, Result<(), sqlx::Error>> {
        Box::pin(async move {
            let (inserts, updates): (Vec<_>, Vec<_>) = rows
                .into_iter()
                .partition(|w| matches!(w, PeeringWrite::Insert { .. }));
            write_inserts(conn, &inserts).await?;
            write_updates(conn, updates).await
        })
    }
}

/// One multi-row INSERT per chunk.
async fn write_inserts(
    conn: &mut SqliteConnection,
    inserts: &[PeeringWrite],
) -> Result<(), sqlx::Error> {
    // 16 values a row, well under SQLite's limit of bound parameters.
    for chunk in inserts.chunks(1000) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO peerings (id, peering_connection_id, peering_connection_name, vpc, peer_vpc, uin, peer_uin,
                                   region, state, create_time, expire_time,
                                   bandwidth, charge_type, link_type, qos_level, tags) ",
        );
        q.push_values(chunk, |mut values, write| {
            let PeeringWrite::Insert {
                row,
                vpc_row,
                peer_vpc_row,
                peering: p,
                state,
            } = write
            else {
                return;
            };
            values
                .push_bind(*row)
                .push_bind(p.peering_connection_id.clone())
                .push_bind(p.peering_connection_name.clone())
                .push_bind(*vpc_row)
                .push_bind(*peer_vpc_row)
                .push_bind(p.uin.clone())
                .push_bind(p.peer_uin.clone())
                .push_bind(p.region.clone())
                .push_bind(state.as_i64())
                .push_bind(p.create_time)
                .push_bind(p.expire_time);
            bind_link(&mut values, &p.link);
        });
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// One UPDATE ... FROM (VALUES ...) per chunk, each row once with its last
/// values.
async fn write_updates(
    conn: &mut SqliteConnection,
    updates: Vec<PeeringWrite>,
) -> Result<(), sqlx::Error> {
    let mut last = std::collections::HashMap::new();
    for write in updates {
        if let PeeringWrite::Update { row, .. } = &write {
            last.insert(*row, write);
        }
    }
    let updates: Vec<_> = last.into_values().collect();
    for chunk in updates.chunks(1000) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "WITH v (id, state, expire_time, name, bandwidth, charge_type) AS (",
        );
        q.push_values(chunk, |mut values, write| {
            if let PeeringWrite::Update {
                row,
                state,
                expire_time,
                name,
                bandwidth,
                charge_type,
            } = write
            {
                values
                    .push_bind(*row)
                    .push_bind(state.as_i64())
                    .push_bind(*expire_time)
                    .push_bind(name.clone())
                    .push_bind(*bandwidth)
                    .push_bind(charge_type.clone());
            }
        });
        q.push(
            ") UPDATE peerings SET state = v.state, expire_time = v.expire_time,
                 peering_connection_name = v.name, bandwidth = v.bandwidth, charge_type = v.charge_type
             FROM v WHERE peerings.id = v.id",
        );
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

impl Store {
    /// The caller's peerings in the region that match, one page of them, and
    /// how many match in all.
    pub async fn describe_peerings(
        &self,
        caller: &str,
        region: Region,
        filter: super::PeeringFilter,
    ) -> ApiResult<(i64, Vec<Peering>)> {
        let now = self.clock.now();
        self.with_model(|model| model.describe_peerings(caller, region.name, &filter, now))
            .await
    }

    pub async fn create_peering(
        &self,
        actor: Actor,
        region: Region,
        new: NewPeering,
    ) -> ApiResult<Peering> {
        self.write_on_model(actor, move |tx, actor| {
            Box::pin(async move { create_peering_in(tx, &actor, region, new).await })
        })
        .await
    }

    pub async fn change_peering(
        &self,
        actor: Actor,
        region: Region,
        change: PeeringChange,
    ) -> ApiResult<Peering> {
        self.write_on_model(actor, move |tx, actor| {
            Box::pin(async move { change_peering_in(tx, &actor, region, change).await })
        })
        .await
    }

    /// Runs a peering write, which changes the model and leaves its rows
    /// to the batch. With a client token the answer is remembered in SQL,
    /// so the job writes SQL itself; without, it touches no SQL and needs
    /// no savepoint.
    async fn write_on_model<F>(&self, actor: Actor, op: F) -> ApiResult<Peering>
    where
        F: for<'c> FnOnce(&'c mut Tx, Actor) -> BoxFuture<'c, ApiResult<Peering>> + Send + 'static,
    {
        match actor.idempotency() {
            Some(key) => self.write_as(Some(key), move |tx| op(tx, actor)).await,
            None => self.write_deferred(move |tx| op(tx, actor)).await,
        }
    }
}
