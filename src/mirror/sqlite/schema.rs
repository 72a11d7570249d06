//! The SQLite file's tables, and the settings that make an acknowledged commit durable.

use rusqlite::Connection;

/// Schema version written to `user_version`; a file from a newer gateway is refused rather than misread.
const SCHEMA_VERSION: i64 = 1;

/// Events keyed by the cloud's id with their own bytes; per-minute rollups; the one sync cursor.
/// Missing trigger and origin are '' (not NULL) so that the rollups' primary key is a real key.
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
CREATE TABLE IF NOT EXISTS rollup_minutes (
    minute      INTEGER NOT NULL,
    location_id INTEGER NOT NULL,
    channel_id  TEXT NOT NULL,
    trigger_id  TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    origin      TEXT NOT NULL,
    count       INTEGER NOT NULL,
    PRIMARY KEY (minute, location_id, channel_id, trigger_id, event_type, origin)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sync_cursor (
    only     INTEGER PRIMARY KEY CHECK (only = 1),
    since_us INTEGER NOT NULL,
    after_id INTEGER
);
";

/// Sets WAL and `synchronous=FULL` (a commit returns only once it is on disk, so an acknowledged page
/// survives `kill -9` and power loss), then creates the tables.
pub(super) fn prepare(conn: &Connection) -> Result<(), String> {
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(|e| format!("setting WAL: {e}"))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(format!("the file refused WAL (journal mode {mode})"));
    }
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(|e| format!("setting synchronous=FULL: {e}"))?;
    // A reader such as `mirror status` may hold the file briefly; wait for it rather than fail a page.
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(|e| format!("setting the busy timeout: {e}"))?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(|e| format!("reading the schema version: {e}"))?;
    if version > SCHEMA_VERSION {
        return Err(format!(
            "schema version {version} is newer than this gateway's {SCHEMA_VERSION}"
        ));
    }
    conn.execute_batch(SCHEMA)
        .map_err(|e| format!("creating the tables: {e}"))?;
    conn.pragma_update(None, "user_version", SCHEMA_VERSION)
        .map_err(|e| format!("writing the schema version: {e}"))
}
