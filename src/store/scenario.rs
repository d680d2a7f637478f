//! Scenarios in and out of the database: load (merge or replace), reset,
//! and dump. Loading checks the whole scenario against the rules on top of
//! the existing state (the writer's model, or an empty state for a replacing
//! load; see `scenario::validate`), then writes every row in the writer's
//! transaction: all or nothing.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
};

use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::{
    Actor, Store, Tx,
    clock::{newest_record, set_clock_offset, stored_clock_offset},
    records::{split_blocks, tags_from_json, tags_to_json},
    state_tables::clear_state,
    writer::JobError,
};
use crate::{
    domain::{
        ApiError, ApiResult,
        faults::FaultRule,
        link::LinkOptions,
        peering::PeeringState,
        region::Region,
        time::{Timestamp, format_time},
    },
    scenario::{
        AccountSpec, FaultSpec, PeeringSpec, QuotaSpec, RouteSpec, RouteTableSpec, Scenario,
        ScenarioError, ScenarioErrors, StateSpec, SubnetSpec, VpcSpec,
        validate::{EmptyState, Plan, plan},
    },
};

/// Every VPC row, deleted ones included, oldest first.
const VPC_ROWS: &str =
    "SELECT id, vpc_id, un_vpc_id, uin, region, vpc_name, cidr_block, assistant_cidr_blocks,
    create_time, deleted, tags FROM vpcs ORDER BY id";

#[derive(sqlx::FromRow)]
struct VpcRow {
    #[sqlx(flatten)]
    vpc: crate::store::Vpc,
    deleted: bool,
    tags: String,
}

#[derive(sqlx::FromRow)]
struct TableRow {
    id: i64,
    route_table_id: String,
    vpc: i64,
    route_table_name: String,
    main: bool,
    tags: String,
    create_time: i64,
}

#[derive(sqlx::FromRow)]
struct SubnetRow {
    subnet_id: String,
    vpc: i64,
    subnet_name: String,
    cidr_block: String,
    zone: String,
    route_table: i64,
    tags: String,
    create_time: i64,
}

#[derive(sqlx::FromRow)]
struct RouteRow {
    id: i64,
    route_item_id: String,
    route_table: i64,
    destination: String,
    gateway_type: String,
    gateway_id: String,
    description: String,
    enabled: bool,
    create_time: i64,
}

#[derive(sqlx::FromRow)]
struct PeeringRow {
    id: String,
    name: String,
    vpc: i64,
    peer_vpc: i64,
    state: i64,
    create_time: i64,
    expire_time: Option<i64>,
    bandwidth: i64,
    charge_type: String,
    link_type: String,
    qos_level: String,
    tags: String,
}

/// How many rows a load wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadSummary {
    pub accounts: u64,
    pub quotas: u64,
    pub vpcs: u64,
    pub peerings: u64,
    pub faults: u64,
    pub subnets: u64,
    /// The route tables the scenario lists (each VPC that lists none gets
    /// its default one besides).
    pub route_tables: u64,
    pub routes: u64,
}

/// A scenario to load, with what the errors should call its file.
#[derive(Debug, Clone)]
pub struct ScenarioLoad {
    pub scenario: Arc<Scenario>,
    /// The scenario's text, to point errors at lines; empty if none.
    pub text: Arc<str>,
    pub source: String,
    pub default_region: Region,
    /// Empty the state first.
    pub replace: bool,
}

impl ScenarioLoad {
    fn errors(&self, errors: Vec<(String, String)>) -> ScenarioErrors {
        ScenarioErrors(
            errors
                .into_iter()
                .map(|(path, message)| {
                    let (position, path) = crate::scenario::locate_as_written(&self.text, &path);
                    ScenarioError {
                        source: self.source.clone(),
                        position,
                        path,
                        message,
                    }
                })
                .collect(),
        )
    }
}

/// Why a load failed: the scenario breaks rules, or the server failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    Invalid(ScenarioErrors),
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<sqlx::Error> for LoadError {
    fn from(err: sqlx::Error) -> Self {
        LoadError::Api(err.into())
    }
}

/// A scenario that breaks rules is rolled back like any refused write, and
/// is no fault.
impl JobError for LoadError {
    fn is_fault(&self) -> bool {
        match self {
            LoadError::Invalid(_) => false,
            LoadError::Api(err) => err.is_fault(),
        }
    }
}

/// How far a scenario load has got, in rows written, and its caller's way
/// to stop it: a stopped load fails at its next chunk of rows, and its
/// transaction, like any failed write's, leaves nothing behind.
#[derive(Debug, Default)]
pub struct LoadProgress {
    rows: AtomicU64,
    stopped: AtomicBool,
}

impl LoadProgress {
    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows.load(Ordering::Relaxed)
    }

    /// Asks the load to stop; it fails at its next step.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::Relaxed);
    }

    /// Whether `stop` was called.
    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
    }

    /// An error once the load was asked to stop.
    fn check(&self) -> Result<(), sqlx::Error> {
        if self.is_stopped() {
            Err(sqlx::Error::Io(std::io::Error::new(
                std::io::ErrorKind::Interrupted,
                "the scenario load was stopped",
            )))
        } else {
            Ok(())
        }
    }

    fn add(&self, rows: u64) -> Result<(), sqlx::Error> {
        self.rows.fetch_add(rows, Ordering::Relaxed);
        self.check()
    }
}

/// Validates and writes a scenario inside the writer's transaction.
pub(super) async fn load_scenario_in(
    tx: &mut Tx,
    actor: &Actor,
    load: &ScenarioLoad,
    progress: &LoadProgress,
) -> Result<LoadSummary, LoadError> {
    progress.check()?;
    let now = tx.now;
    let planned = if load.replace {
        // Planned on an empty state, as the one it will land on.
        clear_state(tx).await?;
        plan(
            &EmptyState,
            None,
            &load.scenario,
            load.default_region,
            now,
            &mut tx.ids,
        )
    } else {
        let newest = newest_record(&mut tx.conn).await?;
        let (model, ids) = tx.model_and_ids().await?;
        plan(
            &model.view(now),
            newest.as_ref(),
            &load.scenario,
            load.default_region,
            now,
            ids,
        )
    };
    let plan = planned.map_err(|e| LoadError::Invalid(load.errors(e)))?;
    // Rows arrive in bulk: the model is read afresh at the end of the batch.
    tx.drop_model();
    if let Some(clock) = plan.clock {
        let real_now = tx.now - tx.offset;
        set_clock_offset(tx, clock - real_now).await?;
    }
    progress.check()?;
    write_plan(tx, actor, &plan, progress).await?;
    Ok(LoadSummary {
        accounts: plan.accounts.len() as u64,
        quotas: plan.quotas.len() as u64,
        vpcs: plan.vpcs.len() as u64,
        peerings: plan.peerings.len() as u64,
        faults: plan.faults.len() as u64,
        subnets: plan.subnets.len() as u64,
        route_tables: plan.listed_route_tables as u64,
        routes: plan.routes.len() as u64,
    })
}

/// Rows per multi-row INSERT: few round trips, well under SQLite's limit of
/// bound parameters.
const CHUNK: usize = 500;

/// Inserts `rows` in chunks with one multi-row INSERT each.
async fn insert_chunked<T>(
    tx: &mut Tx,
    head: &'static str,
    rows: &[T],
    mut bind: impl FnMut(&mut sqlx::query_builder::Separated<'_, Sqlite, &'static str>, &T),
    progress: Option<&LoadProgress>,
) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(CHUNK) {
        let mut insert = QueryBuilder::<Sqlite>::new(head);
        insert.push_values(chunk, |mut row, item| bind(&mut row, item));
        insert.build().execute(&mut tx.conn).await?;
        if let Some(progress) = progress {
            progress.add(chunk.len() as u64)?;
        }
    }
    Ok(())
}

async fn write_plan(
    tx: &mut Tx,
    actor: &Actor,
    plan: &Plan,
    progress: &LoadProgress,
) -> Result<(), sqlx::Error> {
    // Every row gets a "seeded" event: quota events are bound row by row,
    // the others copied from the new rows by SQLite itself, past the rowids
    // that were there before.
    let (before_accounts, before_vpcs, before_peerings, before_tables, before_subnets): (
        i64,
        i64,
        i64,
        i64,
        i64,
    ) = sqlx::query_as(
        "SELECT (SELECT COALESCE(MAX(rowid), 0) FROM accounts), (SELECT COALESCE(MAX(id), 0) FROM vpcs),
                (SELECT COALESCE(MAX(id), 0) FROM peerings), (SELECT COALESCE(MAX(id), 0) FROM route_tables),
                (SELECT COALESCE(MAX(id), 0) FROM subnets)",
    )
    .fetch_one(&mut tx.conn)
    .await?;
    // Routes may be numbered below the newest row (ids the file fixes):
    // their events follow the ids the plan gives.
    let new_routes: Vec<i64> = plan.routes.iter().map(|r| r.route_id).collect();
    write_accounts(tx, plan, progress).await?;
    let quota_events = write_quotas(tx, plan, progress).await?;
    write_vpcs(tx, plan, progress).await?;
    write_peerings(tx, plan, progress).await?;
    write_network(tx, plan, progress).await?;
    for rule in &plan.faults {
        super::faults::insert_rule(&mut tx.conn, rule).await?;
    }
    let seeded = Seeded {
        now: tx.now,
        who: actor.uin.clone(),
        request_id: actor.request_id.clone(),
    };
    let mut bound_events = quota_events;
    bound_events.extend(plan.faults.iter().map(|rule| {
        (
            "fault",
            rule.fault_id.clone(),
            Some(rule.spec.kind.as_str().to_owned()),
        )
    }));
    seeded.write_bound(tx, &bound_events).await?;
    let peering_state = super::states::name("");
    for (resource_type, id_column, state, table, filter, after) in [
        ("account", "uin", "NULL", "accounts", "", before_accounts),
        ("vpc", "un_vpc_id", "cidr_block", "vpcs", "", before_vpcs),
        (
            "peering",
            "peering_connection_id",
            peering_state.as_str(),
            "peerings",
            "",
            before_peerings,
        ),
        // A VPC's default table is made with it, as CreateVpc makes it,
        // without an event of its own.
        (
            "route_table",
            "route_table_id",
            "NULL",
            "route_tables",
            "main = 0 AND ",
            before_tables,
        ),
        (
            "subnet",
            "subnet_id",
            "cidr_block",
            "subnets",
            "",
            before_subnets,
        ),
    ] {
        // Every name here is a constant of ours; the values are bound.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO events (time, actor, request_id, resource_type, resource_id, kind, old_state, new_state)
             SELECT ?, ?, ?, '{resource_type}', {id_column}, 'seeded', NULL, {state} FROM {table}
             WHERE {filter}rowid > ? ORDER BY rowid"
        )))
        .bind(seeded.now)
        .bind(&seeded.who)
        .bind(&seeded.request_id)
        .bind(after)
        .execute(&mut tx.conn)
        .await?;
    }
    if !new_routes.is_empty() {
        // As CreateRoutes says a route: where it goes, and through what.
        for chunk in new_routes.chunks(CHUNK) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO events (time, actor, request_id, resource_type, resource_id, kind, old_state, new_state)
                 SELECT ",
            );
            insert
                .push_bind(seeded.now)
                .push(", ")
                .push_bind(seeded.who.clone())
                .push(", ")
                .push_bind(seeded.request_id.clone())
                .push(
                    ", 'route', route_item_id, 'seeded', NULL, destination || ' via ' || gateway_type || ' ' || gateway_id
                     FROM routes WHERE id IN (",
                );
            let mut ids = insert.separated(", ");
            for id in chunk {
                ids.push_bind(*id);
            }
            insert.push(") ORDER BY id");
            insert.build().execute(&mut tx.conn).await?;
        }
    }
    Ok(())
}

/// Who seeded, and when: what every "seeded" event says.
struct Seeded {
    now: Timestamp,
    who: String,
    request_id: String,
}

/// A "seeded" event to bind: resource type, id, new state.
type SeededEvent = (&'static str, String, Option<String>);

impl Seeded {
    async fn write_bound(&self, tx: &mut Tx, events: &[SeededEvent]) -> Result<(), sqlx::Error> {
        insert_chunked(
            tx,
            "INSERT INTO events (time, actor, request_id, resource_type, resource_id, kind, old_state, new_state) ",
            events,
            |row, (resource_type, resource_id, state)| {
                row.push_bind(self.now)
                    .push_bind(self.who.clone())
                    .push_bind(self.request_id.clone())
                    .push_bind(*resource_type)
                    .push_bind(resource_id.clone())
                    .push_bind("seeded")
                    .push_bind(None::<String>)
                    .push_bind(state.clone());
            },
            None,
        )
        .await
    }
}

async fn write_accounts(
    tx: &mut Tx,
    plan: &Plan,
    progress: &LoadProgress,
) -> Result<(), sqlx::Error> {
    insert_chunked(
        tx,
        "INSERT INTO accounts (uin, name, app_id, secret_id, secret_key, create_time) ",
        &plan.accounts,
        |row, a| {
            row.push_bind(a.uin.clone())
                .push_bind(a.name.clone())
                .push_bind(a.app_id)
                .push_bind(a.secret_id.clone())
                .push_bind(a.secret_key.clone())
                .push_bind(a.create_time);
        },
        Some(progress),
    )
    .await
}

/// Sets the plan's quotas; returns their events.
async fn write_quotas(
    tx: &mut Tx,
    plan: &Plan,
    progress: &LoadProgress,
) -> Result<Vec<SeededEvent>, sqlx::Error> {
    let mut events = Vec::with_capacity(plan.quotas.len());
    for (uin, region, quota, limit) in &plan.quotas {
        sqlx::query(
            "INSERT INTO quotas (uin, region, quota_name, quota_limit) VALUES (?, ?, ?, ?)
             ON CONFLICT (uin, region, quota_name) DO UPDATE SET quota_limit = excluded.quota_limit",
        )
        .bind(uin)
        .bind(region.name)
        .bind(quota.as_str())
        .bind(limit)
        .execute(&mut tx.conn)
        .await?;
        events.push((
            "quota",
            format!("{uin}/{}/{}", region.name, quota.as_str()),
            Some(limit.to_string()),
        ));
        progress.add(1)?;
    }
    Ok(events)
}

/// Writes the plan's VPCs, and moves each region's legacy numbers on.
async fn write_vpcs(tx: &mut Tx, plan: &Plan, progress: &LoadProgress) -> Result<(), sqlx::Error> {
    insert_chunked(
        tx,
        "INSERT INTO vpcs (id, vpc_id, un_vpc_id, uin, region, vpc_name, cidr_block, assistant_cidr_blocks, create_time, deleted, tags) ",
        &plan.vpcs,
        |row, v| {
            row.push_bind(v.row_id)
                .push_bind(v.vpc_id.clone())
                .push_bind(v.un_vpc_id.clone())
                .push_bind(v.uin.clone())
                .push_bind(v.region.name)
                .push_bind(v.vpc_name.clone())
                .push_bind(v.cidr_block.clone())
                .push_bind(v.assistant_cidr_blocks.clone())
                .push_bind(v.create_time)
                .push_bind(v.deleted)
                .push_bind(tags_to_json(&v.tags));
        },
        Some(progress),
    )
    .await?;
    for (region, next) in &plan.legacy_next {
        sqlx::query(
            "INSERT INTO legacy_vpc_numbers (region, next) VALUES (?, ?)
             ON CONFLICT (region) DO UPDATE SET next = MAX(next, excluded.next)",
        )
        .bind(region)
        .bind(next)
        .execute(&mut tx.conn)
        .await?;
    }
    Ok(())
}

async fn write_peerings(
    tx: &mut Tx,
    plan: &Plan,
    progress: &LoadProgress,
) -> Result<(), sqlx::Error> {
    insert_chunked(
        tx,
        "INSERT INTO peerings (peering_connection_id, peering_connection_name, vpc, peer_vpc, uin, peer_uin,
                               region, state, create_time, expire_time,
                               bandwidth, charge_type, link_type, qos_level, tags) ",
        &plan.peerings,
        |row, p| {
            row.push_bind(p.peering_connection_id.clone())
                .push_bind(p.peering_connection_name.clone())
                .push_bind(p.vpc_row)
                .push_bind(p.peer_vpc_row)
                .push_bind(p.uin.clone())
                .push_bind(p.peer_uin.clone())
                .push_bind(p.region.name)
                .push_bind(p.state.as_i64())
                .push_bind(p.create_time)
                .push_bind(p.expire_time);
            super::peerings::bind_link(row, &p.link);
        },
        Some(progress),
    )
    .await
}

/// Writes the plan's route tables, then its subnets and routes, which
/// name them.
async fn write_network(
    tx: &mut Tx,
    plan: &Plan,
    progress: &LoadProgress,
) -> Result<(), sqlx::Error> {
    insert_chunked(
        tx,
        "INSERT INTO route_tables (id, route_table_id, vpc, route_table_name, main, tags, create_time) ",
        &plan.route_tables,
        |row, t| {
            row.push_bind(t.row_id)
                .push_bind(t.route_table_id.clone())
                .push_bind(t.vpc_row)
                .push_bind(t.name.clone())
                .push_bind(t.main)
                .push_bind(tags_to_json(&t.tags))
                .push_bind(t.create_time);
        },
        Some(progress),
    )
    .await?;
    insert_chunked(
        tx,
        "INSERT INTO subnets (subnet_id, vpc, subnet_name, cidr_block, zone, route_table, tags, create_time) ",
        &plan.subnets,
        |row, s| {
            row.push_bind(s.subnet_id.clone())
                .push_bind(s.vpc_row)
                .push_bind(s.name.clone())
                .push_bind(s.cidr_block.clone())
                .push_bind(s.zone.clone())
                .push_bind(s.table_row)
                .push_bind(tags_to_json(&s.tags))
                .push_bind(s.create_time);
        },
        Some(progress),
    )
    .await?;
    // Each route's row is its RouteId; SQLite's counter for the table
    // moves past the largest.
    insert_chunked(
        tx,
        "INSERT INTO routes (id, route_item_id, route_table, destination, gateway_type, gateway_id, description, enabled, create_time) ",
        &plan.routes,
        |row, r| {
            row.push_bind(r.route_id)
                .push_bind(r.route_item_id.clone())
                .push_bind(r.table_row)
                .push_bind(r.destination.clone())
                .push_bind(r.gateway_type)
                .push_bind(r.gateway_id.clone())
                .push_bind(r.description.clone())
                .push_bind(r.enabled)
                .push_bind(r.create_time);
        },
        Some(progress),
    )
    .await
}

impl Store {
    /// Loads a scenario in one transaction: all of it, or nothing.
    /// `progress` counts the rows written, for a progress bar, and can
    /// stop the load.
    pub async fn load_scenario(
        &self,
        actor: Actor,
        load: ScenarioLoad,
        progress: Arc<LoadProgress>,
    ) -> Result<LoadSummary, LoadError> {
        self.write_typed(move |tx| {
            Box::pin(async move { load_scenario_in(tx, &actor, &load, &progress).await })
        })
        .await
    }

    /// The whole state as a scenario: seeding it into an empty database gives
    /// the same answers to every Describe, ids included.
    pub async fn dump(&self) -> ApiResult<Scenario> {
        let mut conn = self.read().await?;
        // One read transaction, so the dump is one consistent state.
        sqlx::query("BEGIN").execute(&mut *conn).await?;
        let result = match stored_clock_offset(&mut conn).await {
            Ok(offset) => dump_in(&mut conn, self.clock.now_with_offset(offset)).await,
            Err(err) => Err(err.into()),
        };
        let _ = sqlx::query("COMMIT").execute(&mut *conn).await;
        result
    }
}

async fn dump_in(conn: &mut SqliteConnection, now: Timestamp) -> ApiResult<Scenario> {
    let accounts: Vec<crate::store::Account> =
        sqlx::query_as("SELECT * FROM accounts ORDER BY uin")
            .fetch_all(&mut *conn)
            .await?;
    let quotas: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT uin, region, quota_name, quota_limit FROM quotas ORDER BY uin, region, quota_name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let vpcs: Vec<VpcRow> = sqlx::query_as(VPC_ROWS).fetch_all(&mut *conn).await?;
    let ids: HashMap<i64, String> = vpcs
        .iter()
        .map(|v| (v.vpc.id, v.vpc.un_vpc_id.clone()))
        .collect();
    let peerings: Vec<PeeringRow> = sqlx::query_as(
        "SELECT peering_connection_id AS id, peering_connection_name AS name, vpc, peer_vpc, state, create_time, expire_time,
                bandwidth, charge_type, link_type, qos_level, tags
         FROM peerings ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let vpc_ref = |row: i64| ids.get(&row).cloned().unwrap_or_default();
    let faults = super::faults::load_rules(&mut *conn).await?;
    let mut network = DumpedNetwork::read(&mut *conn).await?;
    Ok(Scenario {
        clock: Some(format_time(now)),
        id_seed: None,
        accounts: accounts
            .into_iter()
            .map(|a| AccountSpec {
                uin: a.uin,
                name: a.name,
                app_id: Some(a.app_id),
                secret_id: Some(a.secret_id),
                secret_key: Some(a.secret_key),
                create_time: Some(format_time(a.create_time)),
            })
            .collect(),
        quotas: quotas
            .into_iter()
            .map(|(uin, region, quota_name, limit)| QuotaSpec {
                uin,
                region: Some(region),
                quota_name,
                limit,
            })
            .collect(),
        vpcs: vpcs
            .into_iter()
            .map(|VpcRow { vpc, deleted, tags }| {
                let (subnets, route_tables) = network.of(vpc.id);
                VpcSpec {
                    assistant_cidr_blocks: split_blocks(&vpc.assistant_cidr_blocks),
                    uin: vpc.uin,
                    region: Some(vpc.region),
                    vpc_name: vpc.vpc_name,
                    cidr_block: vpc.cidr_block,
                    vpc_id: Some(vpc.vpc_id),
                    un_vpc_id: Some(vpc.un_vpc_id),
                    reference: None,
                    create_time: Some(format_time(vpc.create_time)),
                    deleted,
                    tags: tags_from_json(&tags),
                    subnets,
                    route_tables,
                }
            })
            .collect(),
        peerings: peerings
            .into_iter()
            .map(
                |PeeringRow {
                     id,
                     name,
                     vpc,
                     peer_vpc,
                     state,
                     create_time,
                     expire_time,
                     bandwidth,
                     charge_type,
                     link_type,
                     qos_level,
                     tags,
                 }| {
                    // Options at their defaults are left out, as a file
                    // that never set them would have them.
                    let defaults = LinkOptions::default();
                    let set = |value: String, default: String| (value != default).then_some(value);
                    let state = PeeringState::from_i64(state)
                        .unwrap_or(PeeringState::Deleted)
                        .effective(expire_time, now);
                    let pending_like =
                        matches!(state, PeeringState::Pending | PeeringState::Expired);
                    PeeringSpec {
                        peering_connection_id: Some(id),
                        peering_connection_name: name,
                        vpc: vpc_ref(vpc),
                        peer_vpc: vpc_ref(peer_vpc),
                        state: match state {
                            PeeringState::Pending => StateSpec::Pending,
                            PeeringState::Active => StateSpec::Active,
                            PeeringState::Expired => StateSpec::Expired,
                            PeeringState::Rejected => StateSpec::Rejected,
                            PeeringState::Deleted => StateSpec::Deleted,
                        },
                        create_time: Some(format_time(create_time)),
                        expire_time: if pending_like {
                            expire_time.map(format_time)
                        } else {
                            None
                        },
                        bandwidth: (bandwidth != defaults.bandwidth).then_some(bandwidth),
                        charge_type: set(charge_type, defaults.charge_type),
                        link_type: set(link_type, defaults.link_type),
                        qos_level: set(qos_level, defaults.qos_level),
                        tags: tags_from_json(&tags),
                    }
                },
            )
            .collect(),
        faults: faults.into_iter().map(fault_spec).collect(),
    })
}

/// The route tables, subnets and routes of the dump, per VPC row.
struct DumpedNetwork {
    tables: HashMap<i64, Vec<RouteTableSpec>>,
    subnets: HashMap<i64, Vec<SubnetSpec>>,
}

impl DumpedNetwork {
    async fn read(conn: &mut SqliteConnection) -> ApiResult<DumpedNetwork> {
        let tables: Vec<TableRow> = sqlx::query_as(
            "SELECT id, route_table_id, vpc, route_table_name, main, tags, create_time
             FROM route_tables ORDER BY id",
        )
        .fetch_all(&mut *conn)
        .await?;
        let subnets: Vec<SubnetRow> = sqlx::query_as(
            "SELECT subnet_id, vpc, subnet_name, cidr_block, zone, route_table, tags, create_time
             FROM subnets ORDER BY id",
        )
        .fetch_all(&mut *conn)
        .await?;
        let routes: Vec<RouteRow> = sqlx::query_as(
            "SELECT id, route_item_id, route_table, destination, gateway_type, gateway_id,
                    description, enabled, create_time
             FROM routes ORDER BY id",
        )
        .fetch_all(&mut *conn)
        .await?;
        let vpc_times: HashMap<i64, i64> =
            sqlx::query_as::<_, (i64, i64)>("SELECT id, create_time FROM vpcs")
                .fetch_all(&mut *conn)
                .await?
                .into_iter()
                .collect();
        // Each table's routes, oldest first.
        let table_times: HashMap<i64, i64> = tables.iter().map(|t| (t.id, t.create_time)).collect();
        let mut routes_of: HashMap<i64, Vec<RouteSpec>> = HashMap::new();
        for r in routes {
            let inherited = table_times.get(&r.route_table).copied();
            routes_of.entry(r.route_table).or_default().push(RouteSpec {
                route_id: Some(r.id),
                route_item_id: Some(r.route_item_id),
                destination_cidr_block: r.destination,
                gateway_type: r.gateway_type,
                gateway_id: r.gateway_id,
                route_description: (!r.description.is_empty()).then_some(r.description),
                enabled: (!r.enabled).then_some(false),
                create_time: (inherited != Some(r.create_time)).then(|| format_time(r.create_time)),
            });
        }
        // A VPC's default table comes first, as a load plans it; the
        // subnets of the default table name none.
        let mut tables = tables;
        tables.sort_by_key(|t| (t.vpc, !t.main, t.id));
        let main_tables: HashSet<i64> = tables.iter().filter(|t| t.main).map(|t| t.id).collect();
        let table_ids: HashMap<i64, String> = tables
            .iter()
            .map(|t| (t.id, t.route_table_id.clone()))
            .collect();
        let mut dumped = DumpedNetwork {
            tables: HashMap::new(),
            subnets: HashMap::new(),
        };
        for t in tables {
            let inherited = vpc_times.get(&t.vpc).copied();
            dumped
                .tables
                .entry(t.vpc)
                .or_default()
                .push(RouteTableSpec {
                    route_table_id: Some(t.route_table_id),
                    route_table_name: Some(t.route_table_name),
                    main: t.main.then_some(true),
                    tags: tags_from_json(&t.tags),
                    routes: routes_of.remove(&t.id).unwrap_or_default(),
                    create_time: (inherited != Some(t.create_time))
                        .then(|| format_time(t.create_time)),
                });
        }
        for s in subnets {
            let inherited = vpc_times.get(&s.vpc).copied();
            dumped.subnets.entry(s.vpc).or_default().push(SubnetSpec {
                subnet_id: Some(s.subnet_id),
                subnet_name: s.subnet_name,
                cidr_block: s.cidr_block,
                zone: s.zone,
                route_table_id: (!main_tables.contains(&s.route_table))
                    .then(|| table_ids.get(&s.route_table).cloned().unwrap_or_default()),
                tags: tags_from_json(&s.tags),
                create_time: (inherited != Some(s.create_time)).then(|| format_time(s.create_time)),
            });
        }
        Ok(dumped)
    }

    /// The subnets and route tables of the VPC at `row`.
    fn of(&mut self, row: i64) -> (Vec<SubnetSpec>, Vec<RouteTableSpec>) {
        (
            self.subnets.remove(&row).unwrap_or_default(),
            self.tables.remove(&row).unwrap_or_default(),
        )
    }
}

/// A rule as a scenario file writes it.
fn fault_spec(rule: FaultRule) -> FaultSpec {
    let spec = rule.spec;
    FaultSpec {
        fault_id: Some(rule.fault_id),
        action: spec.action.to_owned(),
        uin: spec.uin,
        region: spec.region.map(|r| r.name.to_owned()),
        kind: spec.kind.as_str().to_owned(),
        error_code: spec.error.map(|c| c.as_str().to_owned()),
        message: spec.message,
        delay_ms: (!spec.delay.is_zero()).then_some(spec.delay.as_millis() as i64),
        times: spec.times.map(|n| n as i64),
        probability: spec.probability,
        seed: (spec.seed != 0).then_some(spec.seed as i64),
        matched: (rule.matched > 0).then_some(rule.matched),
        fired: (rule.fired > 0).then_some(rule.fired),
        create_time: Some(format_time(rule.create_time)),
    }
}
