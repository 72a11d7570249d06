//! Writing events so that several gateways may write one database at once without counting an id twice.
//!
//! Each id is first inserted with `ON CONFLICT DO NOTHING RETURNING id`: the ids returned are new, written by
//! this transaction, and counted +1. A second transaction inserting the same id meanwhile waits for this one
//! and then inserts nothing. The ids not returned are held already: they are locked (`FOR UPDATE`, in id
//! order) and compared under the lock, which reads the newest committed row, and only those with other bytes
//! are rewritten, their old minute and dimensions counted -1 and the new +1. So the rollup deltas follow from
//! what this transaction itself changed, with the rows locked until commit. (Locking rows was chosen over
//! reading `xmax` after an upsert: PostgreSQL before 18 cannot return an updated row's old values, which the
//! -1 needs.) An id that vanished between the two steps (another writer's `replace_window` or
//! `drop_before`) is inserted again.

use std::collections::{HashMap, HashSet};

use deadpool_postgres::Transaction;
use tokio_postgres::types::ToSql;

use super::rollup::{Deltas, MINUTE_OF_EVENT};
use super::Failure;
use crate::mirror::event::StoredEvent;
use crate::mirror::store::{Inserted, Repaired, Span, StoreError, SyncCursor};

/// Rounds of insert-then-lock before an id that keeps vanishing is reported as a fault.
const ROUNDS: usize = 8;

/// The events' columns as arrays, for `unnest`.
struct Columns<'a> {
    ids: Vec<i64>,
    dims: Vec<i32>,
    locations: Vec<i64>,
    channels: Vec<&'a str>,
    triggers: Vec<&'a str>,
    types: Vec<&'a str>,
    origins: Vec<&'a str>,
    times: Vec<i64>,
    raws: Vec<&'a str>,
}

impl<'a> Columns<'a> {
    fn of(events: &[(&'a StoredEvent, u32)]) -> Self {
        let dims = events
            .iter()
            .map(|&(_, d)| i32::try_from(d).unwrap_or(0))
            .collect();
        let events: Vec<&StoredEvent> = events.iter().map(|&(e, _)| e).collect();
        Self {
            ids: events.iter().map(|e| e.id).collect(),
            dims,
            locations: events.iter().map(|e| e.location_id).collect(),
            channels: events.iter().map(|e| e.channel_id.as_str()).collect(),
            triggers: events.iter().map(|e| e.trigger_id.as_str()).collect(),
            types: events.iter().map(|e| e.event_type.as_str()).collect(),
            origins: events.iter().map(|e| e.origin.as_str()).collect(),
            times: events.iter().map(|e| e.event_time_micros).collect(),
            raws: events.iter().map(|e| &*e.raw).collect(),
        }
    }

    fn values(&self) -> [&(dyn ToSql + Sync); 9] {
        [
            &self.ids,
            &self.locations,
            &self.channels,
            &self.triggers,
            &self.types,
            &self.origins,
            &self.times,
            &self.raws,
            &self.dims,
        ]
    }
}

/// The nine columns, as `unnest` gives them.
const UNNEST: &str = "unnest($1::int8[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[],
                             $7::int8[], $8::text[], $9::int4[])
                      AS u(id, location_id, channel_id, trigger_id, event_type, origin, event_time_us, raw,
                           dims_id)";

/// Writes `events` (new, or replacing other bytes) inside `tx`, adding what changed to `deltas`; `dims` holds
/// each event's combination id, interned before the transaction.
pub(super) async fn upsert(
    tx: &Transaction<'_>,
    events: &[StoredEvent],
    dims: &[u32],
    deltas: &mut Deltas,
) -> Result<Inserted, Failure> {
    let mut inserted = Inserted::default();
    // One id twice in a page counts as it would one after the other: the later copy is the one kept.
    let mut latest: HashMap<i64, (&StoredEvent, u32)> = HashMap::with_capacity(events.len());
    for (event, &d) in events.iter().zip(dims) {
        if let Some((earlier, _)) = latest.insert(event.id, (event, d)) {
            if earlier.raw == event.raw {
                inserted.unchanged += 1;
            } else {
                inserted.replaced += 1;
            }
        }
    }
    let mut pending: Vec<(&StoredEvent, u32)> = latest.into_values().collect();
    pending.sort_unstable_by_key(|(e, _)| e.id);
    let insert = tx
        .prepare_cached(&format!(
            "INSERT INTO mirror_events
             (id, location_id, channel_id, trigger_id, event_type, origin, event_time_us, raw, dims_id)
             SELECT * FROM {UNNEST} ON CONFLICT (id) DO NOTHING RETURNING id"
        ))
        .await?;
    let lock = tx
        .prepare_cached(
            "SELECT e.id, e.raw = u.raw, e.event_time_us, e.dims_id
             FROM mirror_events e JOIN unnest($1::int8[], $2::text[]) AS u(id, raw) ON e.id = u.id
             ORDER BY e.id FOR UPDATE OF e",
        )
        .await?;
    for _ in 0..ROUNDS {
        if pending.is_empty() {
            return Ok(inserted);
        }
        let columns = Columns::of(&pending);
        let new: HashSet<i64> = tx
            .query(&insert, &columns.values())
            .await?
            .iter()
            .map(|row| row.get(0))
            .collect();
        let (written, held): (Vec<_>, Vec<_>) =
            pending.into_iter().partition(|(e, _)| new.contains(&e.id));
        for (event, d) in written {
            deltas.add(event.event_time_micros, d, 1);
            inserted.new += 1;
        }
        if held.is_empty() {
            return Ok(inserted);
        }
        let held_ids: Vec<i64> = held.iter().map(|(e, _)| e.id).collect();
        let held_raws: Vec<&str> = held.iter().map(|(e, _)| &*e.raw).collect();
        let rows = tx.query(&lock, &[&held_ids, &held_raws]).await?;
        let mut found = HashSet::with_capacity(rows.len());
        let mut changed = Vec::new();
        for row in &rows {
            let id: i64 = row.get(0);
            found.insert(id);
            if row.get::<_, bool>(1) {
                inserted.unchanged += 1;
                continue;
            }
            let old_dims: i32 = row.get(3);
            deltas.add(row.get(2), u32::try_from(old_dims).unwrap_or(0), -1);
            changed.push(id);
        }
        let changed: HashSet<i64> = changed.into_iter().collect();
        let rewrite: Vec<(&StoredEvent, u32)> = held
            .iter()
            .copied()
            .filter(|(e, _)| changed.contains(&e.id))
            .collect();
        if !rewrite.is_empty() {
            let update = tx
                .prepare_cached(&format!(
                    "UPDATE mirror_events AS e SET location_id = u.location_id, channel_id = u.channel_id,
                     trigger_id = u.trigger_id, event_type = u.event_type, origin = u.origin,
                     event_time_us = u.event_time_us, raw = u.raw, dims_id = u.dims_id
                     FROM {UNNEST} WHERE e.id = u.id"
                ))
                .await?;
            tx.execute(&update, &Columns::of(&rewrite).values()).await?;
            for (event, d) in rewrite {
                deltas.add(event.event_time_micros, d, 1);
                inserted.replaced += 1;
            }
        }
        pending = held
            .into_iter()
            .filter(|(e, _)| !found.contains(&e.id))
            .collect();
    }
    Err(Failure::Store(StoreError(
        "writing events: ids kept vanishing under concurrent removals".into(),
    )))
}

/// Sets the one sync cursor inside `tx`.
pub(super) async fn set_cursor(tx: &Transaction<'_>, cursor: SyncCursor) -> Result<(), Failure> {
    let statement = tx
        .prepare_cached(
            "INSERT INTO mirror_sync_cursor (singleton, since_us, after_id) VALUES (1, $1, $2)
             ON CONFLICT (singleton) DO UPDATE SET since_us = excluded.since_us, after_id = excluded.after_id",
        )
        .await?;
    tx.execute(&statement, &[&cursor.since_micros, &cursor.after_id])
        .await?;
    Ok(())
}

/// Makes the window hold exactly `events` inside `tx`: writes them, then removes what else it held there.
pub(super) async fn replace_window(
    tx: &Transaction<'_>,
    location_id: Option<i64>,
    span: Span,
    events: &[StoredEvent],
    dims: &[u32],
) -> Result<Repaired, Failure> {
    let mut deltas = Deltas::default();
    let inserted = upsert(tx, events, dims, &mut deltas).await?;
    let keep: Vec<i64> = events.iter().map(|e| e.id).collect();
    let removed = remove(
        tx,
        "event_time_us BETWEEN $1 AND $2 AND ($3::int8 IS NULL OR location_id = $3)
         AND NOT (id = ANY($4::int8[]))",
        &[&span.from_micros, &span.to_micros, &location_id, &keep],
        &mut deltas,
    )
    .await?;
    deltas.apply(tx).await?;
    Ok(Repaired {
        written: inserted.new + inserted.replaced,
        removed,
    })
}

/// Removes every event before `micros` inside `tx`, with its rollups; returns how many went.
pub(super) async fn drop_before(tx: &Transaction<'_>, micros: i64) -> Result<u64, Failure> {
    let mut deltas = Deltas::default();
    let removed = remove(tx, "event_time_us < $1", &[&micros], &mut deltas).await?;
    deltas.apply(tx).await?;
    Ok(removed)
}

/// Deletes the events matching `condition` and counts each one's minute -1 in `deltas`. The counts come
/// from the rows this statement itself deleted, so a row another writer removed first is not counted twice.
async fn remove(
    tx: &Transaction<'_>,
    condition: &str,
    params: &[&(dyn ToSql + Sync)],
    deltas: &mut Deltas,
) -> Result<u64, Failure> {
    let statement = tx
        .prepare_cached(&format!(
            "WITH gone AS (DELETE FROM mirror_events WHERE {condition} RETURNING dims_id, event_time_us)
             SELECT dims_id, {MINUTE_OF_EVENT}, count(*) FROM gone GROUP BY 1, 2"
        ))
        .await?;
    let mut removed = 0;
    for row in tx.query(&statement, params).await? {
        let (dims, minute, n): (i32, i64, i64) = (row.get(0), row.get(1), row.get(2));
        deltas.remove(minute, u32::try_from(dims).unwrap_or(0), n);
        removed += n;
    }
    Ok(u64::try_from(removed).unwrap_or(0))
}
