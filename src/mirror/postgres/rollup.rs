//! Rollup deltas: what a transaction's writes did to each (minute, combination), folded into hours and days
//! and merged into the packed rows. The rows are locked in (level, unit) order, after the events, so two
//! writers never wait on each other in opposite orders.

use std::collections::BTreeMap;

use deadpool_postgres::Transaction;

use super::packed;
use super::plan::Level;
use super::Failure;
use crate::mirror::store::StoreError;

/// The minute of `event_time_us` in SQL, rounded down for instants before 1970 too.
pub(super) const MINUTE_OF_EVENT: &str =
    "((event_time_us - ((event_time_us % 60000000) + 60000000) % 60000000) / 60000000)";

/// Count changes per (minute, combination id), built up as events are written or removed.
#[derive(Debug, Default)]
pub(super) struct Deltas(BTreeMap<(i64, u32), i64>);

impl Deltas {
    /// Counts an event of combination `dims` at `event_time_us` `delta` times (1 written, -1 gone).
    pub(super) fn add(&mut self, event_time_us: i64, dims: u32, delta: i64) {
        *self
            .0
            .entry((Level::Minute.unit_of(event_time_us), dims))
            .or_default() += delta;
    }

    /// Counts `n` events of combination `dims` in minute `minute` as gone.
    pub(super) fn remove(&mut self, minute: i64, dims: u32, n: i64) {
        *self.0.entry((minute, dims)).or_default() -= n;
    }

    /// Merges the deltas into the minute, hour and day rows, dropping rows left empty.
    pub(super) async fn apply(&self, tx: &Transaction<'_>) -> Result<(), Failure> {
        let mut rows: BTreeMap<(i16, i64), BTreeMap<u32, i64>> = BTreeMap::new();
        for (&(minute, dims), &delta) in self.0.iter().filter(|(_, &d)| d != 0) {
            for level in Level::ALL {
                let unit = minute.div_euclid(level.micros() / Level::Minute.micros());
                *rows
                    .entry((level.code(), unit))
                    .or_default()
                    .entry(dims)
                    .or_default() += delta;
            }
        }
        for pairs in rows.values_mut() {
            pairs.retain(|_, delta| *delta != 0);
        }
        rows.retain(|_, pairs| !pairs.is_empty());
        if rows.is_empty() {
            return Ok(());
        }
        let levels: Vec<i16> = rows.keys().map(|k| k.0).collect();
        let units: Vec<i64> = rows.keys().map(|k| k.1).collect();
        // Inserts the rows missing and locks every row (a no-op update), returning what each holds now; the
        // arrays are in key order, so are the locks.
        let lock = tx
            .prepare_cached(
                "INSERT INTO mirror_rollups AS r (level, unit, counts)
                 SELECT level, unit, '' FROM unnest($1::int2[], $2::int8[]) AS u(level, unit)
                 ON CONFLICT (level, unit) DO UPDATE SET counts = r.counts
                 RETURNING level, unit, counts",
            )
            .await?;
        let held = tx.query(&lock, &[&levels, &units]).await?;
        let (mut keep_levels, mut keep_units, mut keep_counts) =
            (Vec::new(), Vec::new(), Vec::new());
        let (mut empty_levels, mut empty_units) = (Vec::new(), Vec::new());
        for row in &held {
            let key: (i16, i64) = (row.get(0), row.get(1));
            let Some(deltas) = rows.get(&key) else {
                continue;
            };
            let merged = packed::merge(row.get(2), deltas).ok_or_else(|| {
                Failure::Store(StoreError("a rollup's packed counts do not decode".into()))
            })?;
            if merged.is_empty() {
                empty_levels.push(key.0);
                empty_units.push(key.1);
            } else {
                keep_levels.push(key.0);
                keep_units.push(key.1);
                keep_counts.push(packed::encode(&merged));
            }
        }
        let update = tx
            .prepare_cached(
                "UPDATE mirror_rollups AS r SET counts = u.counts
                 FROM unnest($1::int2[], $2::int8[], $3::bytea[]) AS u(level, unit, counts)
                 WHERE r.level = u.level AND r.unit = u.unit",
            )
            .await?;
        tx.execute(&update, &[&keep_levels, &keep_units, &keep_counts])
            .await?;
        if !empty_units.is_empty() {
            let delete = tx
                .prepare_cached(
                    "DELETE FROM mirror_rollups AS r USING unnest($1::int2[], $2::int8[]) AS u(level, unit)
                     WHERE r.level = u.level AND r.unit = u.unit",
                )
                .await?;
            tx.execute(&delete, &[&empty_levels, &empty_units]).await?;
        }
        Ok(())
    }
}
