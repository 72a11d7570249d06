//! Retention, a chunk at a time. Each chunk is a job of its own, committed in a transaction of its own, so
//! appends queued meanwhile commit between chunks instead of waiting behind one delete of millions of rows.
//! Rows go by position, oldest first, up to the first one received at or after the cutoff: were they chosen
//! by their receipt time, a clock stepped back could leave a later row older than an earlier one, and
//! deleting it would leave a hole in the seqs the stream resumes from.

use rusqlite::Connection;

/// Rows deleted from each table in one chunk (one transaction): short enough that an append waiting
/// behind it is not held long.
pub(super) const CHUNK: usize = 5_000;

/// What one chunk did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Pruned {
    /// Events deleted.
    pub events: u64,
    /// Whether nothing before the cutoff is left (else another chunk is due).
    pub finished: bool,
}

/// Deletes one chunk of what was received before `before` (micros), from the events and the quarantine.
pub(super) fn chunk(tx: &Connection, before: i64) -> rusqlite::Result<Pruned> {
    let (events, events_left) = oldest(tx, "events", "seq", before)?;
    let (_, rejected_left) = oldest(tx, "rejected", "id", before)?;
    Ok(Pruned {
        events,
        finished: !events_left && !rejected_left,
    })
}

/// Deletes up to [`CHUNK`] of `table`'s oldest rows (by `key`) received before `before`, stopping at the
/// first received at or after it; how many went, and whether more may be due.
fn oldest(tx: &Connection, table: &str, key: &str, before: i64) -> rusqlite::Result<(u64, bool)> {
    // Walks the table's own order from its start, so it reads only the rows it is about to delete (and one
    // more), where finding the boundary through the received_us index would scan every row kept.
    let mut oldest = tx.prepare_cached(&format!(
        "SELECT {key}, received_us FROM {table} ORDER BY {key} LIMIT ?1"
    ))?;
    let mut rows = oldest.query([CHUNK as i64 + 1])?;
    let (mut expired, mut last, mut more) = (0, None, false);
    while let Some(row) = rows.next()? {
        if row.get::<_, i64>(1)? >= before {
            break;
        }
        if expired == CHUNK {
            more = true;
            break;
        }
        expired += 1;
        last = Some(row.get::<_, i64>(0)?);
    }
    drop(rows);
    let Some(last) = last else {
        return Ok((0, false));
    };
    // Nothing older than the first row read is left, so this is exactly the rows counted.
    let deleted = tx.execute(&format!("DELETE FROM {table} WHERE {key} <= ?1"), [last])?;
    Ok((deleted as u64, more))
}
