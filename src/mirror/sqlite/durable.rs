//! The connection settings every SQLite file of the gateway is opened with (the mirror's store, the live
//! intake log): WAL, `synchronous=FULL` so that a commit returns only once it is on disk (an acknowledged
//! page or batch survives `kill -9` and power loss), and a wait rather than a failure while another
//! connection holds the file briefly; and the check that a file's schema is not newer than this gateway's.

use rusqlite::Connection;

/// Sets WAL, `synchronous=FULL` and a 5 s busy timeout on `conn`; an error names the setting refused.
pub fn make_durable(conn: &Connection) -> Result<(), String> {
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(|e| format!("setting WAL: {e}"))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(format!("the file refused WAL (journal mode {mode})"));
    }
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(|e| format!("setting synchronous=FULL: {e}"))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(|e| format!("setting the busy timeout: {e}"))
}

/// The file's `user_version`; an error for one newer than `supported` (a later gateway's file).
pub fn schema_version(conn: &Connection, supported: i64) -> Result<i64, String> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(|e| format!("reading the schema version: {e}"))?;
    if version > supported {
        return Err(format!(
            "schema version {version} is newer than this gateway's {supported}; \
             use that gateway or move the file away"
        ));
    }
    Ok(version)
}
