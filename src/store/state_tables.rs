//! The tables that hold the simulator's state, and emptying them.

use super::{Tx, clock::set_clock_offset};

/// The tables that hold the simulator's state (not its history: events and
/// snapshots stay), children before parents: delete in this order, insert
/// in the reverse one, for foreign keys.
pub(super) const STATE_TABLES: [&str; 10] = [
    "faults",
    "routes",
    "subnets",
    "route_tables",
    "peerings",
    "vpcs",
    "quotas",
    "accounts",
    "legacy_vpc_numbers",
    "settings",
];

/// Deletes every state row; the model, dropped, is read again before
/// readers see it.
pub(super) async fn delete_state_rows(tx: &mut Tx) -> Result<(), sqlx::Error> {
    tx.drop_model();
    for table in STATE_TABLES {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
            .execute(&mut tx.conn)
            .await?;
    }
    Ok(())
}

/// Empties every state table and puts the clock back to real time.
pub(super) async fn clear_state(tx: &mut Tx) -> Result<(), sqlx::Error> {
    delete_state_rows(tx).await?;
    set_clock_offset(tx, 0).await
}
