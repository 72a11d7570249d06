//! The rollup levels (UTC minutes, quarter hours, hours and days), kept equal to the events by every write: changes are
//! summed per level, unit and dimension in memory, then each touched unit's row is read, merged and written
//! once, in the writer's transaction.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::dims::{self, Dims, Fresh, Key};
use super::packed;

/// Microseconds in a minute.
pub(super) const MINUTE: i64 = 60_000_000;
/// Microseconds in a quarter hour: every time zone's offset is a whole number of them, so an hourly series in
/// a zone such as +05:30 or +05:45 reads quarter hours rather than minutes.
pub(super) const QUARTER: i64 = 15 * MINUTE;
/// Microseconds in an hour.
pub(super) const HOUR: i64 = 60 * MINUTE;
/// Microseconds in a UTC day.
pub(super) const DAY: i64 = 24 * HOUR;

/// One rollup level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Level {
    Day,
    Hour,
    Quarter,
    Minute,
}

impl Level {
    /// Every level, coarsest first.
    pub const ALL: [Level; 4] = [Level::Day, Level::Hour, Level::Quarter, Level::Minute];

    /// The unit's length in microseconds.
    pub fn micros(self) -> i64 {
        match self {
            Level::Day => DAY,
            Level::Hour => HOUR,
            Level::Quarter => QUARTER,
            Level::Minute => MINUTE,
        }
    }

    /// The unit holding the instant `micros` (units count from the Unix epoch).
    pub fn unit_of(self, micros: i64) -> i64 {
        micros.div_euclid(self.micros())
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The table holding this level.
    pub fn table(self) -> &'static str {
        match self {
            Level::Day => "rollup_days",
            Level::Hour => "rollup_hours",
            Level::Quarter => "rollup_quarters",
            Level::Minute => "rollup_minutes",
        }
    }
}

/// Changes to the rollups one transaction makes, summed before any row is touched.
#[derive(Debug, Default)]
pub(super) struct Deltas {
    levels: [HashMap<(i64, u32), i64>; Level::ALL.len()],
}

impl Deltas {
    /// One event of `dim` at `time_us` added (`+1`) or taken away (`-1`), at every level.
    pub fn add(&mut self, dim: u32, time_us: i64, delta: i64) {
        for level in Level::ALL {
            self.add_at(level, level.unit_of(time_us), dim, delta);
        }
    }

    /// A change at one level only.
    pub fn add_at(&mut self, level: Level, unit: i64, dim: u32, delta: i64) {
        *self.levels[level.index()].entry((unit, dim)).or_default() += delta;
    }

    /// Writes the changes: each touched unit's row read, merged and written (or deleted when empty) once.
    pub fn apply(self, tx: &Connection) -> rusqlite::Result<()> {
        for (level, changes) in Level::ALL.into_iter().zip(self.levels) {
            let mut by_unit: BTreeMap<i64, Vec<(u32, i64)>> = BTreeMap::new();
            for ((unit, dim), delta) in changes {
                if delta != 0 {
                    by_unit.entry(unit).or_default().push((dim, delta));
                }
            }
            let table = level.table();
            for (unit, mut deltas) in by_unit {
                deltas.sort_unstable();
                let held: Option<Vec<u8>> = tx
                    .prepare_cached(&format!("SELECT counts FROM {table} WHERE unit = ?1"))?
                    .query_row([unit], |row| row.get(0))
                    .optional()?;
                let held = match held {
                    Some(bytes) => packed::decode(&bytes)?,
                    None => Vec::new(),
                };
                let merged = packed::merge(&held, &deltas);
                if merged.is_empty() {
                    tx.prepare_cached(&format!("DELETE FROM {table} WHERE unit = ?1"))?
                        .execute([unit])?;
                } else {
                    tx.prepare_cached(&format!(
                        "INSERT OR REPLACE INTO {table} (unit, counts) VALUES (?1, ?2)"
                    ))?
                    .execute(params![unit, packed::encode(&merged)])?;
                }
            }
        }
        Ok(())
    }
}

/// Deletes every unit of `level` before `unit`.
pub(super) fn delete_before(tx: &Connection, level: Level, unit: i64) -> rusqlite::Result<()> {
    tx.prepare_cached(&format!("DELETE FROM {} WHERE unit < ?1", level.table()))?
        .execute([unit])?;
    Ok(())
}

/// Calls `each` with every row of `level` whose unit is in `from..to`, in unit order, and its packed counts.
pub(super) fn each_unit(
    conn: &Connection,
    level: Level,
    from: i64,
    to: i64,
    mut each: impl FnMut(i64, &[u8]) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT unit, counts FROM {} WHERE unit >= ?1 AND unit < ?2 ORDER BY unit",
        level.table()
    ))?;
    let mut rows = statement.query([from, to])?;
    while let Some(row) = rows.next()? {
        let unit: i64 = row.get(0)?;
        let bytes = row.get_ref(1)?.as_blob()?;
        each(unit, bytes)?;
    }
    Ok(())
}

/// Adds `delta` to the number of events held.
pub(super) fn adjust_held(tx: &Connection, delta: i64) -> rusqlite::Result<()> {
    if delta != 0 {
        tx.prepare_cached("UPDATE held SET events = events + ?1 WHERE only = 1")?
            .execute([delta])?;
    }
    Ok(())
}

/// Rebuilds every level and the event counter from the events (the upgrade from version 1), a UTC day at a
/// time so that memory stays bounded whatever the file holds.
pub(super) fn rebuild(tx: &Transaction) -> rusqlite::Result<()> {
    for level in Level::ALL {
        tx.execute_batch(&format!("DELETE FROM {}", level.table()))?;
    }
    let dims = Dims::load(tx)?;
    let mut fresh = Fresh::default();
    let mut deltas = Deltas::default();
    let mut day = None;
    let mut statement = tx.prepare(
        "SELECT event_time_us, location_id, channel_id, trigger_id, event_type, origin
         FROM events ORDER BY event_time_us",
    )?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let time: i64 = row.get(0)?;
        let key = Key::read(row, 1)?;
        if day.is_some_and(|d| d != Level::Day.unit_of(time)) {
            std::mem::take(&mut deltas).apply(tx)?;
        }
        day = Some(Level::Day.unit_of(time));
        deltas.add(dims::intern(tx, &dims, &mut fresh, &key)?, time, 1);
    }
    deltas.apply(tx)?;
    tx.execute_batch("UPDATE held SET events = (SELECT COUNT(*) FROM events) WHERE only = 1")
}
