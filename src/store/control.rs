//! Test-harness controls: the clock, reset, snapshots, and the event log.

use std::sync::Arc;

use sqlx::{AssertSqlSafe, QueryBuilder, Sqlite};

use super::{
    Actor, Store, Tx,
    clock::{newest_record, set_clock_offset, stored_clock_offset},
    events::{self, Change},
    peerings::expire_overdue,
    scenario::{LoadError, LoadSummary, ScenarioLoad},
    state_tables::{STATE_TABLES, clear_state, delete_state_rows},
};
use crate::domain::{
    ApiError, ApiResult, ErrorCode,
    time::{Timestamp, check_clock_target},
};

/// A saved snapshot.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct Snapshot {
    pub name: String,
    pub create_time: Timestamp,
    pub accounts: i64,
    pub vpcs: i64,
    pub peerings: i64,
}

/// One recorded state change.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Event {
    pub id: i64,
    pub time: Timestamp,
    pub actor: String,
    pub request_id: String,
    pub resource_type: String,
    pub resource_id: String,
    pub kind: String,
    pub old_state: Option<String>,
    pub new_state: Option<String>,
}

/// DescribeEvents and WatchEvents filters; `None` matches everything.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub kind: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// Only events with a larger id.
    pub after_id: Option<i64>,
}

impl EventFilter {
    fn push(&self, q: &mut QueryBuilder<Sqlite>) {
        q.push(" WHERE 1 = 1");
        if let Some(v) = &self.resource_type {
            q.push(" AND resource_type = ").push_bind(v.clone());
        }
        if let Some(v) = &self.resource_id {
            q.push(" AND resource_id = ").push_bind(v.clone());
        }
        if let Some(v) = &self.kind {
            q.push(" AND kind = ").push_bind(v.clone());
        }
        if let Some(v) = self.since {
            q.push(" AND time >= ").push_bind(v);
        }
        if let Some(v) = self.until {
            q.push(" AND time < ").push_bind(v);
        }
        if let Some(v) = self.after_id {
            q.push(" AND id > ").push_bind(v);
        }
    }
}

fn snapshot_not_found(name: &str) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidSnapshotNotFound,
        format!("snapshot {name:?} does not exist"),
    )
}

/// The table holding one state table's rows in snapshot `id`. Both parts are
/// ours (an integer and a constant), never a caller's text.
fn snapshot_table(id: i64, table: &str) -> String {
    format!("snapshot_{id}_{table}")
}

async fn snapshot_id(tx: &mut Tx, name: &str) -> Result<Option<i64>, sqlx::Error> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM snapshots WHERE name = ?")
        .bind(name)
        .fetch_optional(&mut tx.conn)
        .await?;
    Ok(row.map(|(id,)| id))
}

async fn drop_snapshot_tables(tx: &mut Tx, id: i64) -> Result<(), sqlx::Error> {
    for table in STATE_TABLES {
        sqlx::query(AssertSqlSafe(format!(
            "DROP TABLE IF EXISTS {}",
            snapshot_table(id, table)
        )))
        .execute(&mut tx.conn)
        .await?;
    }
    Ok(())
}

async fn save_snapshot_in(tx: &mut Tx, actor: &Actor, name: &str) -> ApiResult<Snapshot> {
    // Saving under an existing name replaces that snapshot.
    if let Some(old) = snapshot_id(tx, name).await? {
        drop_snapshot_tables(tx, old).await?;
        sqlx::query("DELETE FROM snapshots WHERE id = ?")
            .bind(old)
            .execute(&mut tx.conn)
            .await?;
    }
    let count = |table: &str| format!("(SELECT COUNT(*) FROM {table})");
    let (id,): (i64,) = sqlx::query_as(AssertSqlSafe(format!(
        "INSERT INTO snapshots (name, create_time, accounts, vpcs, peerings) VALUES (?, ?, {}, {}, {}) RETURNING id",
        count("accounts"),
        count("vpcs WHERE deleted = 0"),
        count("peerings")
    )))
    .bind(name)
    .bind(tx.now)
    .fetch_one(&mut tx.conn)
    .await?;
    for table in STATE_TABLES {
        sqlx::query(AssertSqlSafe(format!(
            "CREATE TABLE {} AS SELECT * FROM {table}",
            snapshot_table(id, table)
        )))
        .execute(&mut tx.conn)
        .await?;
    }
    events::record(
        tx,
        actor,
        Change {
            resource_type: "snapshot",
            resource_id: name,
            kind: "saved",
            old_state: None,
            new_state: None,
        },
    );
    Ok(sqlx::query_as(
        "SELECT name, create_time, accounts, vpcs, peerings FROM snapshots WHERE id = ?",
    )
    .bind(id)
    .fetch_one(&mut tx.conn)
    .await?)
}

/// State tables a snapshot may lack, saved before the migration that made
/// them: fault rules (0007), and subnets, route tables and routes (0008).
const MISSING_IN_OLD_SNAPSHOTS: [&str; 4] = ["faults", "route_tables", "subnets", "routes"];

/// Gives every live VPC without a default route table one, as migration
/// 0008 did for the VPCs it found: restoring a snapshot saved before it
/// brings back VPCs that had none. Ids come from the store's generator, so
/// `--id-seed` repeats them.
async fn add_default_tables(tx: &mut Tx) -> Result<(), sqlx::Error> {
    let lacking: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, create_time FROM vpcs v WHERE deleted = 0
         AND NOT EXISTS (SELECT 1 FROM route_tables t WHERE t.vpc = v.id AND t.main = 1)
         ORDER BY id",
    )
    .fetch_all(&mut tx.conn)
    .await?;
    if lacking.is_empty() {
        return Ok(());
    }
    let taken: std::collections::HashSet<String> =
        sqlx::query_as::<_, (String,)>("SELECT route_table_id FROM route_tables")
            .fetch_all(&mut tx.conn)
            .await?
            .into_iter()
            .map(|(id,)| id)
            .collect();
    let mut ids = std::collections::HashSet::with_capacity(lacking.len());
    let rows: Vec<(String, i64, i64)> = lacking
        .into_iter()
        .map(|(vpc, create_time)| {
            let id = loop {
                let id = tx.ids.route_table_id();
                if !taken.contains(&id) && !ids.contains(&id) {
                    break id;
                }
            };
            ids.insert(id.clone());
            (id, vpc, create_time)
        })
        .collect();
    for chunk in rows.chunks(500) {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO route_tables (route_table_id, vpc, route_table_name, main, create_time) ",
        );
        insert.push_values(chunk, |mut row, (id, vpc, create_time)| {
            row.push_bind(id.clone())
                .push_bind(*vpc)
                .push_bind(super::routes::DEFAULT_TABLE_NAME)
                .push_bind(true)
                .push_bind(*create_time);
        });
        insert.build().execute(&mut tx.conn).await?;
    }
    Ok(())
}

async fn restore_snapshot_in(tx: &mut Tx, actor: &Actor, name: &str) -> ApiResult<Snapshot> {
    let id = snapshot_id(tx, name)
        .await?
        .ok_or_else(|| snapshot_not_found(name))?;
    // Children first on delete, parents first on insert, for foreign keys.
    delete_state_rows(tx).await?;
    // Remembered answers describe a state that is no longer there.
    sqlx::query("DELETE FROM client_tokens")
        .execute(&mut tx.conn)
        .await?;
    let mut missing = Vec::new();
    for table in STATE_TABLES.iter().rev() {
        // By name, the snapshot's columns: a snapshot saved before a
        // migration added columns restores with their defaults.
        let saved = snapshot_table(id, table);
        let columns: Vec<(String,)> = sqlx::query_as("SELECT name FROM pragma_table_info(?)")
            .bind(&saved)
            .fetch_all(&mut tx.conn)
            .await?;
        if columns.is_empty() && MISSING_IN_OLD_SNAPSHOTS.contains(table) {
            // Saved before the migration that made the table: none then.
            missing.push(*table);
            continue;
        }
        let columns = columns
            .into_iter()
            .map(|(name,)| format!("\"{}\"", name.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(", ");
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {table} ({columns}) SELECT {columns} FROM {saved}"
        )))
        .execute(&mut tx.conn)
        .await?;
    }
    if missing.contains(&"route_tables") {
        add_default_tables(tx).await?;
    }
    let offset = stored_clock_offset(&mut tx.conn).await?;
    set_clock_offset(tx, offset).await?;
    events::record(
        tx,
        actor,
        Change {
            resource_type: "snapshot",
            resource_id: name,
            kind: "restored",
            old_state: None,
            new_state: None,
        },
    );
    Ok(sqlx::query_as(
        "SELECT name, create_time, accounts, vpcs, peerings FROM snapshots WHERE id = ?",
    )
    .bind(id)
    .fetch_one(&mut tx.conn)
    .await?)
}

async fn delete_snapshot_in(tx: &mut Tx, actor: &Actor, name: &str) -> ApiResult<()> {
    let id = snapshot_id(tx, name)
        .await?
        .ok_or_else(|| snapshot_not_found(name))?;
    drop_snapshot_tables(tx, id).await?;
    sqlx::query("DELETE FROM snapshots WHERE id = ?")
        .bind(id)
        .execute(&mut tx.conn)
        .await?;
    events::record(
        tx,
        actor,
        Change {
            resource_type: "snapshot",
            resource_id: name,
            kind: "deleted",
            old_state: None,
            new_state: None,
        },
    );
    Ok(())
}

/// Moves the clock to `target` and expires what is overdue then. `field` is
/// the request field that asked for it, for the error.
async fn move_clock_in(
    tx: &mut Tx,
    actor: &Actor,
    target: Timestamp,
    field: &'static str,
) -> ApiResult<Timestamp> {
    check_clock_target(target, newest_record(&mut tx.conn).await?.as_ref()).map_err(|err| {
        ApiError {
            field: Some(field),
            ..err
        }
    })?;
    // Stored states follow the clock only forward: the batch began by
    // expiring what was overdue before the move, so the model does too, or
    // a move back would show those as PENDING again.
    let before = tx.now;
    tx.model().await?.expire_overdue(before);
    let real_now = tx.now - tx.offset;
    set_clock_offset(tx, target - real_now).await?;
    expire_overdue(tx).await?;
    let (old, new) = (
        crate::domain::time::format_time(before),
        crate::domain::time::format_time(tx.now),
    );
    events::record(
        tx,
        actor,
        Change {
            resource_type: "clock",
            resource_id: "clock",
            kind: "moved",
            old_state: Some(&old),
            new_state: Some(&new),
        },
    );
    Ok(tx.now)
}

impl Store {
    pub async fn save_snapshot(&self, actor: Actor, name: String) -> ApiResult<Snapshot> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move { save_snapshot_in(tx, &actor, &name).await })
        })
        .await
    }

    pub async fn restore_snapshot(&self, actor: Actor, name: String) -> ApiResult<Snapshot> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move { restore_snapshot_in(tx, &actor, &name).await })
        })
        .await
    }

    pub async fn delete_snapshot(&self, actor: Actor, name: String) -> ApiResult<()> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move { delete_snapshot_in(tx, &actor, &name).await })
        })
        .await
    }

    pub async fn list_snapshots(&self) -> ApiResult<Vec<Snapshot>> {
        let mut conn = self.read().await?;
        Ok(sqlx::query_as(
            "SELECT name, create_time, accounts, vpcs, peerings FROM snapshots ORDER BY name",
        )
        .fetch_all(&mut *conn)
        .await?)
    }

    /// Empties the state (events included), then loads `scenario` if given.
    pub async fn reset(
        &self,
        actor: Actor,
        scenario: Option<ScenarioLoad>,
    ) -> Result<LoadSummary, LoadError> {
        let cleared = self
            .write(move |tx| {
                Box::pin(async move {
                    clear_state(tx).await?;
                    sqlx::query("DELETE FROM events")
                        .execute(&mut tx.conn)
                        .await?;
                    events::record(
                        tx,
                        &actor,
                        Change {
                            resource_type: "state",
                            resource_id: "state",
                            kind: "reset",
                            old_state: None,
                            new_state: None,
                        },
                    );
                    Ok(actor)
                })
            })
            .await?;
        match scenario {
            // A second job: a scenario that fails its rules leaves the state
            // empty, as asked, rather than half-reset.
            Some(load) => {
                self.load_scenario(
                    cleared,
                    ScenarioLoad {
                        replace: true,
                        ..load
                    },
                    Arc::default(),
                )
                .await
            }
            None => Ok(LoadSummary::default()),
        }
    }

    /// The simulator's clock: now, and its offset from real time in seconds.
    pub fn clock_reading(&self) -> (Timestamp, i64) {
        (self.clock.now(), self.clock.offset())
    }

    pub async fn advance_clock(&self, actor: Actor, seconds: i64) -> ApiResult<Timestamp> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move {
                move_clock_in(tx, &actor, tx.now.saturating_add(seconds), "seconds").await
            })
        })
        .await
    }

    pub async fn set_clock(&self, actor: Actor, time: Timestamp) -> ApiResult<Timestamp> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move { move_clock_in(tx, &actor, time, "time").await })
        })
        .await
    }

    pub async fn describe_events(
        &self,
        filter: &EventFilter,
        offset: i64,
        limit: i64,
    ) -> ApiResult<(i64, Vec<Event>)> {
        let mut conn = self.read().await?;
        let mut count = QueryBuilder::new("SELECT COUNT(*) FROM events");
        filter.push(&mut count);
        let (total,): (i64,) = count.build_query_as().fetch_one(&mut *conn).await?;
        let mut page = QueryBuilder::new("SELECT * FROM events");
        filter.push(&mut page);
        page.push(" ORDER BY id LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
        Ok((total, page.build_query_as().fetch_all(&mut *conn).await?))
    }

    /// The next `limit` events after `filter.after_id` that match it, oldest
    /// first, moving `filter.after_id` past them: what a stream that follows
    /// the log (WatchEvents, the console's) reads, without DescribeEvents'
    /// count of every match.
    pub async fn next_events(&self, filter: &mut EventFilter, limit: i64) -> ApiResult<Vec<Event>> {
        let mut conn = self.read().await?;
        let mut page = QueryBuilder::new("SELECT * FROM events");
        filter.push(&mut page);
        page.push(" ORDER BY id LIMIT ").push_bind(limit);
        let events: Vec<Event> = page.build_query_as().fetch_all(&mut *conn).await?;
        if let Some(last) = events.last() {
            filter.after_id = Some(last.id);
        }
        Ok(events)
    }

    /// The newest event id now, and a receiver that sees it move.
    pub fn subscribe_events(&self) -> tokio::sync::watch::Receiver<i64> {
        self.last_event.subscribe()
    }

    /// The newest event id now: every change writes one, and ids only grow.
    pub fn newest_event_id(&self) -> i64 {
        *self.last_event.borrow()
    }
}
