//! What the store says about itself (events held, their span, bytes on disk) and the mirror's notes.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension};

use crate::mirror::store::StoreStats;

/// Events held from the counter the writes keep (not `COUNT(*)`, which reads every row), the ends from the
/// time index, and the file's pages plus its write-ahead log.
pub(super) fn stats(conn: &Connection, path: &Path) -> rusqlite::Result<StoreStats> {
    let (events, oldest, newest): (i64, Option<i64>, Option<i64>) = conn
        .prepare_cached(
            "SELECT (SELECT events FROM held WHERE only = 1),
                    (SELECT MIN(event_time_us) FROM events), (SELECT MAX(event_time_us) FROM events)",
        )?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
    let pages: i64 = conn.query_row("PRAGMA page_count", [], |row| row.get(0))?;
    let page_size: i64 = conn.query_row("PRAGMA page_size", [], |row| row.get(0))?;
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let wal_bytes = std::fs::metadata(&wal).map_or(0, |m| m.len());
    let file_bytes = u64::try_from(pages.saturating_mul(page_size)).unwrap_or(0);
    Ok(StoreStats {
        events: u64::try_from(events).unwrap_or(0),
        oldest_micros: oldest,
        newest_micros: newest,
        bytes_on_disk: Some(file_bytes + wal_bytes),
    })
}

/// The note `name`, if set.
pub(super) fn note(conn: &Connection, name: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT value FROM notes WHERE name = ?1")?
        .query_row([name], |row| row.get(0))
        .optional()
}

/// Sets the note `name`; durable once this returns (the connection commits with `synchronous=FULL`).
pub(super) fn set_note(conn: &Connection, name: &str, value: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO notes (name, value) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    )?
    .execute([name, value])?;
    Ok(())
}
