//! The intake log's file: its tables, and the settings that make a commit durable before it returns.

use rusqlite::Connection;

use crate::live::log::{MAX_TAG, SEQ_BITS};
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
/// `kill -9` and power loss), then creates the tables; a new file's seqs start past a random tag.
pub(super) fn prepare(conn: &Connection) -> Result<(), String> {
    make_durable(conn)?;
    let version = schema_version(conn, SCHEMA_VERSION)?;
    conn.execute_batch(SCHEMA)
        .map_err(|e| format!("creating the tables: {e}"))?;
    if version == 0 {
        draw_tag(conn).map_err(|e| format!("drawing the log's tag: {e}"))?;
    }
    conn.pragma_update(None, "user_version", SCHEMA_VERSION)
        .map_err(|e| format!("writing the schema version: {e}"))
}

/// Makes AUTOINCREMENT count from a tag in 1..=MAX_TAG (SQLite's `random()`, seeded by the operating
/// system), unless it counts already: a file created before tags keeps tag 0, and a crash before the
/// version was written leaves the drawn tag in place.
fn draw_tag(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute(
        &format!(
            "INSERT INTO sqlite_sequence (name, seq)
             SELECT 'events', max(1, random() & {MAX_TAG}) << {SEQ_BITS}
             WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'events')"
        ),
        [],
    )?;
    Ok(())
}
