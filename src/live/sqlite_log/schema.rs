//! The intake log's file: its tables, and the settings that make a commit durable before it returns.

use rusqlite::Connection;

use crate::mirror::sqlite::durable::{make_durable, schema_version};

/// Schema version written to `user_version`; a file from a newer gateway is refused rather than misread.
const SCHEMA_VERSION: i64 = 1;

/// Events under a sequence number SQLite never gives twice (AUTOINCREMENT: not even after the newest rows
/// are pruned), each identity once; the quarantine beside them. Missing trigger and origin are ''.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    identity      TEXT NOT NULL UNIQUE,
    received_us   INTEGER NOT NULL,
    event_time_us INTEGER NOT NULL,
    cloud_id      INTEGER,
    location_id   INTEGER NOT NULL,
    channel_id    TEXT NOT NULL,
    trigger_id    TEXT NOT NULL,
    event_type    TEXT NOT NULL,
    origin        TEXT NOT NULL,
    object_id     INTEGER,
    raw           TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_time ON events (event_time_us, seq);
CREATE INDEX IF NOT EXISTS events_by_received ON events (received_us);
CREATE TABLE IF NOT EXISTS rejected (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    received_us INTEGER NOT NULL,
    webhook     TEXT NOT NULL,
    reason      TEXT NOT NULL,
    raw         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rejected_by_received ON rejected (received_us);
";

/// Sets WAL and `synchronous=FULL` (a commit returns once it is on disk, so an acknowledged batch survives
/// `kill -9` and power loss), then creates the tables.
pub(super) fn prepare(conn: &Connection) -> Result<(), String> {
    make_durable(conn)?;
    schema_version(conn, SCHEMA_VERSION)?;
    conn.execute_batch(SCHEMA)
        .map_err(|e| format!("creating the tables: {e}"))?;
    conn.pragma_update(None, "user_version", SCHEMA_VERSION)
        .map_err(|e| format!("writing the schema version: {e}"))
}
