//! The simulator's clock as the database keeps it: its offset from real
//! time, and the floor it may not move back past.

use sqlx::AssertSqlSafe;

use super::Tx;
use crate::domain::time::{NewestRecord, Timestamp};

/// The clock offset the database holds (0 when it never moved).
pub(super) async fn stored_clock_offset(
    conn: &mut sqlx::SqliteConnection,
) -> Result<i64, sqlx::Error> {
    let offset: Option<(String,)> =
        sqlx::query_as("SELECT value FROM settings WHERE key = 'clock_offset'")
            .fetch_optional(conn)
            .await?;
    Ok(offset.and_then(|(v,)| v.parse().ok()).unwrap_or(0))
}

/// The newest time the state records, and what recorded it: the clock's
/// floor (see `check_clock_target`). Scans every row, which is fine for the
/// rare calls that move the clock.
pub(super) async fn newest_record(
    conn: &mut sqlx::SqliteConnection,
) -> Result<Option<NewestRecord>, sqlx::Error> {
    // Stored EXPIRED rows hold a time that has passed.
    let row: Option<(Timestamp, String)> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT time, what FROM (
             SELECT create_time AS time, 'account ' || uin || ' was created' AS what FROM accounts
             UNION ALL SELECT create_time, 'vpc ' || un_vpc_id || ' was created' FROM vpcs
             UNION ALL SELECT create_time, 'peering ' || peering_connection_id || ' was created'
                 FROM peerings
             UNION ALL SELECT expire_time, 'peering ' || peering_connection_id || ' expired'
                 FROM peerings WHERE {} AND expire_time IS NOT NULL
             UNION ALL SELECT create_time, 'route table ' || route_table_id || ' was created'
                 FROM route_tables
             UNION ALL SELECT create_time, 'subnet ' || subnet_id || ' was created' FROM subnets
             UNION ALL SELECT create_time, 'route ' || route_item_id || ' was created' FROM routes
         ) ORDER BY time DESC LIMIT 1",
        super::states::is("", crate::domain::peering::PeeringState::Expired)
    )))
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(time, what)| NewestRecord { time, what }))
}

/// Stores a new clock offset and moves the in-memory clock once committed.
pub(super) async fn set_clock_offset(tx: &mut Tx, offset: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ('clock_offset', ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(offset.to_string())
    .execute(&mut tx.conn)
    .await?;
    // Later work in this batch sees the new time too.
    tx.now = tx.now - tx.offset + offset;
    tx.offset = offset;
    let clock = tx.clock.clone();
    tx.after_commit(move || clock.set_offset(offset));
    Ok(())
}
