//! Rollup deltas: what a transaction's writes did to each (minute, dimensions), folded into hours and days
//! and applied to the three rollup tables in key order, so two writers never wait on each other's rows in
//! opposite orders.

use std::collections::BTreeMap;

use deadpool_postgres::Transaction;
use tokio_postgres::Row;

use super::plan::Level;
use crate::mirror::event::StoredEvent;

/// A rollup row's key at one level: the unit number, then the dimensions, in the primary key's order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    unit: i64,
    location_id: i64,
    channel_id: String,
    trigger_id: String,
    event_type: String,
    origin: String,
}

/// The minute of `event_time_us` in SQL, rounded down for instants before 1970 too.
pub(super) const MINUTE_OF_EVENT: &str =
    "((event_time_us - ((event_time_us % 60000000) + 60000000) % 60000000) / 60000000)";

/// Count changes per minute and dimensions, built up as events are written or removed.
#[derive(Debug, Default)]
pub(super) struct Deltas(BTreeMap<Key, i64>);

impl Deltas {
    /// Counts `event` `delta` times (1 when written, -1 when it goes or is replaced).
    pub(super) fn add(&mut self, event: &StoredEvent, delta: i64) {
        let key = Key {
            unit: Level::Minute.unit_of(event.event_time_micros),
            location_id: event.location_id,
            channel_id: event.channel_id.clone(),
            trigger_id: event.trigger_id.clone(),
            event_type: event.event_type.clone(),
            origin: event.origin.clone(),
        };
        *self.0.entry(key).or_default() += delta;
    }

    /// Counts a row of `location_id, channel_id, trigger_id, event_type, origin, minute, n` (from `start`
    /// on), as removals return them, `-n` times; returns `n`.
    pub(super) fn remove_row(&mut self, row: &Row, start: usize) -> i64 {
        let n: i64 = row.get(start + 6);
        let key = Key {
            location_id: row.get(start),
            channel_id: row.get(start + 1),
            trigger_id: row.get(start + 2),
            event_type: row.get(start + 3),
            origin: row.get(start + 4),
            unit: row.get(start + 5),
        };
        *self.0.entry(key).or_default() -= n;
        n
    }

    /// Adds the deltas to the minute, hour and day tables, and drops the rows they bring to zero.
    pub(super) async fn apply(&self, tx: &Transaction<'_>) -> Result<(), tokio_postgres::Error> {
        for level in [Level::Minute, Level::Hour, Level::Day] {
            let minutes_per_unit = level.micros() / Level::Minute.micros();
            let mut folded: BTreeMap<Key, i64> = BTreeMap::new();
            for (key, delta) in &self.0 {
                let key = Key {
                    unit: key.unit.div_euclid(minutes_per_unit),
                    ..key.clone()
                };
                *folded.entry(key).or_default() += delta;
            }
            folded.retain(|_, delta| *delta != 0);
            if !folded.is_empty() {
                apply_level(tx, level, &folded).await?;
            }
        }
        Ok(())
    }
}

async fn apply_level(
    tx: &Transaction<'_>,
    level: Level,
    deltas: &BTreeMap<Key, i64>,
) -> Result<(), tokio_postgres::Error> {
    let units: Vec<i64> = deltas.keys().map(|k| k.unit).collect();
    let locations: Vec<i64> = deltas.keys().map(|k| k.location_id).collect();
    let channels: Vec<&str> = deltas.keys().map(|k| k.channel_id.as_str()).collect();
    let triggers: Vec<&str> = deltas.keys().map(|k| k.trigger_id.as_str()).collect();
    let types: Vec<&str> = deltas.keys().map(|k| k.event_type.as_str()).collect();
    let origins: Vec<&str> = deltas.keys().map(|k| k.origin.as_str()).collect();
    let counts: Vec<i64> = deltas.values().copied().collect();
    let table = level.table();
    // The rows arrive in key order (unnest keeps the arrays' order), so concurrent writers lock rollup rows
    // in one order.
    let upsert = tx
        .prepare_cached(&format!(
            "INSERT INTO {table} AS r (unit, location_id, channel_id, trigger_id, event_type, origin, count)
             SELECT * FROM unnest($1::int8[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[],
                                  $7::int8[])
             ON CONFLICT (unit, location_id, channel_id, trigger_id, event_type, origin)
             DO UPDATE SET count = r.count + excluded.count"
        ))
        .await?;
    tx.execute(
        &upsert,
        &[
            &units, &locations, &channels, &triggers, &types, &origins, &counts,
        ],
    )
    .await?;
    if counts.iter().any(|&c| c < 0) {
        let drop_zeros = tx
            .prepare_cached(&format!(
                "DELETE FROM {table} WHERE unit = ANY($1::int8[]) AND count <= 0"
            ))
            .await?;
        tx.execute(&drop_zeros, &[&units]).await?;
    }
    Ok(())
}
