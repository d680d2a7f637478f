//! The event log: every state change, written in the transaction that makes it.

use super::{Actor, Tx};
use crate::domain::events::{KINDS, RESOURCE_TYPES};

pub(super) struct Change<'a> {
    pub resource_type: &'static str,
    pub resource_id: &'a str,
    pub kind: &'static str,
    pub old_state: Option<&'a str>,
    pub new_state: Option<&'a str>,
}

pub(super) async fn record(
    tx: &mut Tx,
    actor: &Actor,
    change: Change<'_>,
) -> Result<(), sqlx::Error> {
    // DescribeEvents and WatchEvents refuse filters outside these lists.
    debug_assert!(
        RESOURCE_TYPES.contains(&change.resource_type) && KINDS.contains(&change.kind),
        "event {}/{} is missing from domain::events",
        change.resource_type,
        change.kind
    );
    sqlx::query(
        "INSERT INTO events (time, actor, request_id, resource_type, resource_id, kind, old_state, new_state)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(tx.now)
    .bind(&actor.uin)
    .bind(&actor.request_id)
    .bind(change.resource_type)
    .bind(change.resource_id)
    .bind(change.kind)
    .bind(change.old_state)
    .bind(change.new_state)
    .execute(&mut tx.conn)
    .await?;
    Ok(())
}
