//! Reading the intake log: events after a seq, events since an instant, the quarantine.

use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension, Row};

use crate::live::event::{LiveEvent, Logged};
use crate::live::log::Quarantined;

const COLUMNS: &str =
    "seq, received_us, event_time_us, cloud_id, location_id, channel_id, trigger_id, \
                       event_type, origin, object_id, raw, identity";

fn logged(row: &Row<'_>) -> rusqlite::Result<Logged> {
    let raw: String = row.get(10)?;
    Ok(Logged {
        seq: row.get::<_, i64>(0)? as u64,
        received_micros: row.get(1)?,
        event: LiveEvent {
            event_time_micros: row.get(2)?,
            id: row.get(3)?,
            location_id: row.get(4)?,
            channel_id: row.get(5)?,
            trigger_id: row.get(6)?,
            event_type: row.get(7)?,
            origin: row.get(8)?,
            object_id: row.get(9)?,
            raw: Arc::from(raw),
            identity: row.get(11)?,
        },
    })
}

/// Up to `limit` events after `seq`, oldest first.
pub(super) fn after(conn: &Connection, seq: u64, limit: usize) -> rusqlite::Result<Vec<Logged>> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2"
    ))?;
    let rows = statement.query_map(
        [
            seq.min(i64::MAX as u64) as i64,
            limit.min(i64::MAX as usize) as i64,
        ],
        logged,
    )?;
    rows.collect()
}

/// Events at or after `from` (event time), oldest event time first.
pub(super) fn since(conn: &Connection, from: i64) -> rusqlite::Result<Vec<Logged>> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM events WHERE event_time_us >= ?1 ORDER BY event_time_us, seq"
    ))?;
    let rows = statement.query_map([from], logged)?;
    rows.collect()
}

/// The smallest seq held.
pub(super) fn first_seq(conn: &Connection) -> rusqlite::Result<Option<u64>> {
    conn.query_row("SELECT MIN(seq) FROM events", [], |row| {
        row.get::<_, Option<i64>>(0)
    })
    .map(|seq| seq.map(|s| s as u64))
}

/// The largest seq ever given: AUTOINCREMENT's own record, which outlives pruned rows.
pub(super) fn last_seq(conn: &Connection) -> rusqlite::Result<u64> {
    let seq: Option<i64> = conn
        .query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = 'events'",
            [],
            |row| row.get(0),
        )
        .optional()?;
    Ok(seq.unwrap_or(0).max(0) as u64)
}

/// Up to `limit` quarantined events, newest first, below `starting_after` when given.
pub(super) fn rejected(
    conn: &Connection,
    limit: usize,
    starting_after: Option<i64>,
) -> rusqlite::Result<Vec<Quarantined>> {
    let mut statement = conn.prepare_cached(
        "SELECT id, received_us, webhook, reason, raw FROM rejected WHERE id < ?1 \
         ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = statement.query_map(
        [
            starting_after.unwrap_or(i64::MAX),
            limit.min(i64::MAX as usize) as i64,
        ],
        |row| {
            let micros: i64 = row.get(1)?;
            Ok(Quarantined {
                id: row.get(0)?,
                received_at: chrono::DateTime::from_timestamp_micros(micros)
                    .unwrap_or_default()
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                webhook: row.get(2)?,
                reason: row.get(3)?,
                raw: row.get(4)?,
            })
        },
    )?;
    rows.collect()
}
