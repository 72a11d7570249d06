//! Events written and removed inside the caller's transaction, with every rollup level and the event counter
//! kept equal to them; a sync page and its cursor.

use rusqlite::{params, Connection, OptionalExtension};

use super::dims::{self, Dims, Fresh, Key};
use super::rollups::{self, Deltas};
use crate::mirror::event::StoredEvent;
use crate::mirror::store::{Inserted, SyncCursor};

/// What writing one event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// The id was not held.
    New,
    /// The id was held with other bytes; the newer copy replaced it.
    Replaced,
    /// The id was held with the same bytes; nothing written.
    Unchanged,
}

/// Writes events inside one open transaction, summing their rollup changes until [`Writer::finish`].
pub(super) struct Writer<'a> {
    tx: &'a Connection,
    dims: &'a Dims,
    fresh: Fresh,
    deltas: Deltas,
    held: i64,
}

impl<'a> Writer<'a> {
    /// A writer on `tx` (a connection inside a transaction the caller commits) knowing `dims`.
    pub fn new(tx: &'a Connection, dims: &'a Dims) -> Self {
        Self {
            tx,
            dims,
            fresh: Fresh::default(),
            deltas: Deltas::default(),
            held: 0,
        }
    }

    /// The bytes and the time of the held copy of `id`, with its combination's id.
    fn held(&mut self, id: i64) -> rusqlite::Result<Option<(String, i64, Key)>> {
        self.tx
            .prepare_cached(
                "SELECT raw, event_time_us, location_id, channel_id, trigger_id, event_type, origin
                 FROM events WHERE id = ?1",
            )?
            .query_row([id], |row| {
                Ok((row.get(0)?, row.get(1)?, Key::read(row, 2)?))
            })
            .optional()
    }

    fn count(&mut self, key: &Key, time_us: i64, delta: i64) -> rusqlite::Result<()> {
        let dim = dims::intern(self.tx, self.dims, &mut self.fresh, key)?;
        self.deltas.add(dim, time_us, delta);
        Ok(())
    }

    /// Holds `event` (keyed by id): a new id is added, one held with other bytes is replaced and its old
    /// place in the rollups given back, one held with the same bytes is left alone.
    pub fn put(&mut self, event: &StoredEvent) -> rusqlite::Result<Outcome> {
        let outcome = match self.held(event.id)? {
            Some((raw, _, _)) if *raw == *event.raw => return Ok(Outcome::Unchanged),
            Some((_, time, key)) => {
                self.count(&key, time, -1)?;
                Outcome::Replaced
            }
            None => {
                self.held += 1;
                Outcome::New
            }
        };
        self.tx
            .prepare_cached(
                "INSERT OR REPLACE INTO events
                 (id, location_id, channel_id, trigger_id, event_type, origin, event_time_us, raw)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                event.id,
                event.location_id,
                event.channel_id,
                event.trigger_id,
                event.event_type,
                event.origin,
                event.event_time_micros,
                &*event.raw,
            ])?;
        self.count(&Key::of(event), event.event_time_micros, 1)?;
        Ok(outcome)
    }

    /// Removes the held event `id`, whose combination is `key` and time `time_us`.
    pub fn remove(&mut self, id: i64, key: &Key, time_us: i64) -> rusqlite::Result<()> {
        self.tx
            .prepare_cached("DELETE FROM events WHERE id = ?1")?
            .execute([id])?;
        self.held -= 1;
        self.count(key, time_us, -1)
    }

    /// Writes the summed rollup changes and the counter; returns the combinations to publish once the
    /// transaction commits.
    pub fn finish(self) -> rusqlite::Result<Fresh> {
        self.deltas.apply(self.tx)?;
        rollups::adjust_held(self.tx, self.held)?;
        Ok(self.fresh)
    }
}

/// Writes `events` and `cursor` inside `tx`; the caller commits, then publishes the returned combinations.
pub(super) fn insert_page(
    tx: &Connection,
    dims: &Dims,
    events: &[StoredEvent],
    cursor: SyncCursor,
) -> rusqlite::Result<(Inserted, Fresh)> {
    let mut writer = Writer::new(tx, dims);
    let mut inserted = Inserted::default();
    for event in events {
        match writer.put(event)? {
            Outcome::New => inserted.new += 1,
            Outcome::Replaced => inserted.replaced += 1,
            Outcome::Unchanged => inserted.unchanged += 1,
        }
    }
    let fresh = writer.finish()?;
    tx.prepare_cached(
        "INSERT INTO sync_cursor (only, since_us, after_id) VALUES (1, ?1, ?2)
         ON CONFLICT (only) DO UPDATE SET since_us = excluded.since_us, after_id = excluded.after_id",
    )?
    .execute(params![cursor.since_micros, cursor.after_id])?;
    Ok((inserted, fresh))
}
