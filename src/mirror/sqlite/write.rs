//! One page and its cursor in one transaction, with the rollups kept equal to the events.

use rusqlite::{params, params_from_iter, OptionalExtension, ToSql, Transaction};

use crate::mirror::event::StoredEvent;
use crate::mirror::store::{Inserted, SyncCursor};

/// Microseconds in a rollup's minute.
pub(super) const MINUTE_MICROS: i64 = 60_000_000;

/// The rollup dimensions of one event, as held.
struct Dimensions {
    location_id: i64,
    channel_id: String,
    trigger_id: String,
    event_type: String,
    origin: String,
    event_time_us: i64,
}

impl Dimensions {
    fn of(event: &StoredEvent) -> Self {
        Self {
            location_id: event.location_id,
            channel_id: event.channel_id.clone(),
            trigger_id: event.trigger_id.clone(),
            event_type: event.event_type.clone(),
            origin: event.origin.clone(),
            event_time_us: event.event_time_micros,
        }
    }
}

/// Writes `events` and `cursor` inside `tx`; the caller commits.
pub(super) fn insert_page(
    tx: &Transaction,
    events: &[StoredEvent],
    cursor: SyncCursor,
) -> rusqlite::Result<Inserted> {
    let mut inserted = Inserted::default();
    for event in events {
        let held: Option<(String, Dimensions)> = tx
            .prepare_cached(
                "SELECT raw, location_id, channel_id, trigger_id, event_type, origin, event_time_us
                 FROM events WHERE id = ?1",
            )?
            .query_row([event.id], |row| {
                Ok((
                    row.get(0)?,
                    Dimensions {
                        location_id: row.get(1)?,
                        channel_id: row.get(2)?,
                        trigger_id: row.get(3)?,
                        event_type: row.get(4)?,
                        origin: row.get(5)?,
                        event_time_us: row.get(6)?,
                    },
                ))
            })
            .optional()?;
        match held {
            Some((raw, _)) if *raw == *event.raw => inserted.unchanged += 1,
            Some((_, old)) => {
                // The cloud sent this id again with other bytes: the newer copy wins, and the old one's
                // minute gives its count back so the rollups never count one id twice.
                bump(tx, &old, -1)?;
                write_event(tx, event)?;
                bump(tx, &Dimensions::of(event), 1)?;
                inserted.replaced += 1;
            }
            None => {
                write_event(tx, event)?;
                bump(tx, &Dimensions::of(event), 1)?;
                inserted.new += 1;
            }
        }
    }
    tx.prepare_cached(
        "INSERT INTO sync_cursor (only, since_us, after_id) VALUES (1, ?1, ?2)
         ON CONFLICT (only) DO UPDATE SET since_us = excluded.since_us, after_id = excluded.after_id",
    )?
    .execute(params![cursor.since_micros, cursor.after_id])?;
    Ok(inserted)
}

fn write_event(tx: &Transaction, event: &StoredEvent) -> rusqlite::Result<()> {
    tx.prepare_cached(
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
    Ok(())
}

/// Adds `delta` to the count of this event's minute and dimensions, dropping rows that reach zero.
fn bump(tx: &Transaction, d: &Dimensions, delta: i64) -> rusqlite::Result<()> {
    let minute = d.event_time_us.div_euclid(MINUTE_MICROS);
    let key: [&dyn ToSql; 6] = [
        &minute,
        &d.location_id,
        &d.channel_id,
        &d.trigger_id,
        &d.event_type,
        &d.origin,
    ];
    tx.prepare_cached(
        "INSERT INTO rollup_minutes
         (minute, location_id, channel_id, trigger_id, event_type, origin, count)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT DO UPDATE SET count = count + excluded.count",
    )?
    .execute(params_from_iter(
        key.iter().chain([&delta as &dyn ToSql].iter()),
    ))?;
    if delta < 0 {
        tx.prepare_cached(
            "DELETE FROM rollup_minutes WHERE minute = ?1 AND location_id = ?2 AND channel_id = ?3
             AND trigger_id = ?4 AND event_type = ?5 AND origin = ?6 AND count <= 0",
        )?
        .execute(params_from_iter(key))?;
    }
    Ok(())
}
