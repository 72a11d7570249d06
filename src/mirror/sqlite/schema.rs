//! The SQLite file's tables, the settings that make an acknowledged commit durable, and the upgrade of a
//! file written by an older gateway.

use rusqlite::{Connection, TransactionBehavior};

use super::durable::{make_durable, schema_version};
use super::rollups;

/// Schema version written to `user_version`; a file from a newer gateway is refused rather than misread.
/// 1: events and per-minute rollups with dimension columns. 2: interned dimensions, packed rollups per
/// minute, quarter hour, hour and day, the event counter and notes.
const SCHEMA_VERSION: i64 = 2;

/// Events keyed by the cloud's id with their own bytes; the dimension combinations seen, each under a small
/// id; per UTC minute, quarter hour, hour and day one row of packed `(dimension id, count)` pairs (see `packed.rs` for why
/// not a row per dimension); the number of events held; the one sync cursor; the mirror's notes.
/// Missing trigger and origin are '' (not NULL) so that a combination is a real key.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    id            INTEGER PRIMARY KEY,
    location_id   INTEGER NOT NULL,
    channel_id    TEXT NOT NULL,
    trigger_id    TEXT NOT NULL,
    event_type    TEXT NOT NULL,
    origin        TEXT NOT NULL,
    event_time_us INTEGER NOT NULL,
    raw           TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_time ON events (event_time_us, id);
CREATE INDEX IF NOT EXISTS events_by_location ON events (location_id, event_time_us, id);
CREATE INDEX IF NOT EXISTS events_by_channel ON events (channel_id, event_time_us, id);
CREATE INDEX IF NOT EXISTS events_by_trigger ON events (trigger_id, event_time_us, id);
CREATE TABLE IF NOT EXISTS dimensions (
    dim         INTEGER PRIMARY KEY,
    location_id INTEGER NOT NULL,
    channel_id  TEXT NOT NULL,
    trigger_id  TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    origin      TEXT NOT NULL,
    UNIQUE (location_id, channel_id, trigger_id, event_type, origin)
);
CREATE TABLE IF NOT EXISTS rollup_minutes (unit INTEGER PRIMARY KEY, counts BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS rollup_quarters (unit INTEGER PRIMARY KEY, counts BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS rollup_hours (unit INTEGER PRIMARY KEY, counts BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS rollup_days (unit INTEGER PRIMARY KEY, counts BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS held (
    only   INTEGER PRIMARY KEY CHECK (only = 1),
    events INTEGER NOT NULL
);
INSERT OR IGNORE INTO held (only, events) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS sync_cursor (
    only     INTEGER PRIMARY KEY CHECK (only = 1),
    since_us INTEGER NOT NULL,
    after_id INTEGER
);
CREATE TABLE IF NOT EXISTS notes (name TEXT PRIMARY KEY, value TEXT NOT NULL);
";

/// Sets WAL and `synchronous=FULL` (a commit returns only once it is on disk, so an acknowledged page
/// survives `kill -9` and power loss), then creates the tables, or upgrades a version 1 file in place.
pub(super) fn prepare(conn: &mut Connection) -> Result<(), String> {
    make_durable(conn)?;
    // The rollups a month of series reads are a few MiB; SQLite's default 2 MiB cache would read them again
    // from the file on every query once event pages have passed through.
    conn.pragma_update(None, "cache_size", -32_768)
        .map_err(|e| format!("setting the cache size: {e}"))?;
    if schema_version(conn, SCHEMA_VERSION)? == SCHEMA_VERSION {
        return Ok(());
    }
    // Read again under the write lock, so that two processes opening one old file upgrade it once.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| format!("locking the file: {e}"))?;
    let version = schema_version(&tx, SCHEMA_VERSION)?;
    if version == SCHEMA_VERSION {
        return Ok(()); // upgraded meanwhile; the dropped transaction wrote nothing
    }
    // Version 1 (or a version 1 start cut short before it wrote its version) has events and minute rollups
    // with a row per dimension: the packed levels are rebuilt from the events.
    let has_events: bool = tx
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events')",
            [],
            |row| row.get(0),
        )
        .map_err(|e| format!("reading the tables: {e}"))?;
    if has_events {
        tx.execute_batch("DROP TABLE IF EXISTS rollup_minutes")
            .map_err(|e| format!("upgrading from version {version}: {e}"))?;
    }
    tx.execute_batch(SCHEMA)
        .map_err(|e| format!("creating the tables: {e}"))?;
    if has_events {
        rollups::rebuild(&tx).map_err(|e| format!("upgrading from version {version}: {e}"))?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)
        .map_err(|e| format!("writing the schema version: {e}"))?;
    tx.commit()
        .map_err(|e| format!("committing the tables: {e}"))
}

/// The tables of a version 1 file, for the upgrade test.
#[cfg(test)]
pub(super) const VERSION_1: &str = "
CREATE TABLE events (
    id INTEGER PRIMARY KEY, location_id INTEGER NOT NULL, channel_id TEXT NOT NULL,
    trigger_id TEXT NOT NULL, event_type TEXT NOT NULL, origin TEXT NOT NULL,
    event_time_us INTEGER NOT NULL, raw TEXT NOT NULL
);
CREATE INDEX events_by_time ON events (event_time_us, id);
CREATE TABLE rollup_minutes (
    minute INTEGER NOT NULL, location_id INTEGER NOT NULL, channel_id TEXT NOT NULL,
    trigger_id TEXT NOT NULL, event_type TEXT NOT NULL, origin TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (minute, location_id, channel_id, trigger_id, event_type, origin)
) WITHOUT ROWID;
CREATE TABLE sync_cursor (only INTEGER PRIMARY KEY CHECK (only = 1), since_us INTEGER NOT NULL, after_id INTEGER);
PRAGMA user_version = 1;
";
