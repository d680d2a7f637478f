//! The event log: every state change, written in the transaction that makes
//! it, with the batch's other rows.

use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::{
    Actor, Tx,
    writer::{BoxFuture, BulkRow},
};
use crate::domain::{
    events::{KINDS, RESOURCE_TYPES},
    time::Timestamp,
};

/// The id of the newest event, 0 for none.
pub(super) const NEWEST_ID: &str = "SELECT COALESCE(MAX(id), 0) FROM events";

pub(super) struct Change<'a> {
    pub resource_type: &'static str,
    pub resource_id: &'a str,
    pub kind: &'static str,
    pub old_state: Option<&'a str>,
    pub new_state: Option<&'a str>,
}

/// Records `change`, made by `actor` now; written with the batch.
pub(super) fn record(tx: &mut Tx, actor: &Actor, change: Change<'_>) {
    // DescribeEvents and WatchEvents refuse filters outside these lists.
    debug_assert!(
        RESOURCE_TYPES.contains(&change.resource_type) && KINDS.contains(&change.kind),
        "event {}/{} is missing from domain::events",
        change.resource_type,
        change.kind
    );
    let row = EventRow {
        time: tx.now,
        actor: actor.uin.clone(),
        request_id: actor.request_id.clone(),
        resource_type: change.resource_type,
        resource_id: change.resource_id.to_owned(),
        kind: change.kind,
        old_state: change.old_state.map(str::to_owned),
        new_state: change.new_state.map(str::to_owned),
    };
    tx.rows::<EventRow>().push(row);
}

struct EventRow {
    time: Timestamp,
    actor: String,
    request_id: String,
    resource_type: &'static str,
    resource_id: String,
    kind: &'static str,
    old_state: Option<String>,
    new_state: Option<String>,
}

impl BulkRow for EventRow {
    fn write_all(
        rows: Vec<Self>,
        conn: &mut SqliteConnection,
    ) -> BoxFuture<'_, Result<(), sqlx::Error>> {
        Box::pin(async move {
            // 8 values a row, well under SQLite's limit of bound parameters.
            for chunk in rows.chunks(1000) {
                let mut q = QueryBuilder::<Sqlite>::new(
                    "INSERT INTO events (time, actor, request_id, resource_type, resource_id, kind, old_state, new_state) ",
                );
                q.push_values(chunk, |mut row, e| {
                    row.push_bind(e.time)
                        .push_bind(e.actor.clone())
                        .push_bind(e.request_id.clone())
                        .push_bind(e.resource_type)
                        .push_bind(e.resource_id.clone())
                        .push_bind(e.kind)
                        .push_bind(e.old_state.clone())
                        .push_bind(e.new_state.clone());
                });
                q.build().execute(&mut *conn).await?;
            }
            Ok(())
        })
    }
}
