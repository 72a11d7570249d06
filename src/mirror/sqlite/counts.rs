//! Counts per bucket and group, read from the coarsest rollups each part of the window allows (see
//! `plan.rs`) in one read transaction, summed in Rust: each rollup row's unit goes to its bucket by a binary
//! search over the edges, each packed pair to its group through a table built once from the combinations.

use std::collections::HashMap;

use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};

use super::dims::{Dims, Key};
use super::packed;
use super::plan::{plan, Source};
use super::read::Conditions;
use super::rollups::{self, Level, DAY};
use crate::mirror::event::EventFilter;
use crate::mirror::store::{CountQuery, Dimension, GroupCount};
use crate::mirror::tally::{answer, rank, Tally};

/// A combination the filter leaves out.
const LEFT_OUT: u32 = u32::MAX;
/// An id inside the known range that this connection has not read (only a damaged table leaves one after
/// the reload below).
const UNKNOWN: u32 = u32::MAX - 1;

/// Whether `edges` can be counted over: at least two, ascending.
pub(super) fn check_edges(edges: &[i64]) -> Result<(), String> {
    if edges.len() < 2 {
        return Err(format!(
            "{} bucket edges; at least two are needed",
            edges.len()
        ));
    }
    if edges.windows(2).any(|pair| pair[0] > pair[1]) {
        return Err("bucket edges must ascend".into());
    }
    Ok(())
}

/// Events matching `filter` (inclusive window), from the rollups where whole units allow.
pub(super) fn count(
    conn: &mut Connection,
    dims: &mut Dims,
    filter: &EventFilter,
) -> rusqlite::Result<u64> {
    let query = CountQuery {
        filter: filter.clone(),
        edges: vec![i64::MIN, i64::MAX],
        group_by: Vec::new(),
    };
    let counts = grouped_counts(conn, dims, &query)?;
    Ok(counts.iter().map(|c| c.count).sum())
}

/// The non-zero (bucket, group) counts of `query` (edges already checked), by bucket, then group.
pub(super) fn grouped_counts(
    conn: &mut Connection,
    dims: &mut Dims,
    query: &CountQuery,
) -> rusqlite::Result<Vec<GroupCount>> {
    // One snapshot for every piece, so a page committed meanwhile (by another process) is seen whole or not.
    let tx = conn.transaction()?;
    // Another process sharing the file may have added combinations, and not only above the newest id this
    // connection knows: ids interleave. Combinations are never deleted, so equal numbers mean equal sets.
    let held: i64 = tx.query_row("SELECT COUNT(*) FROM dimensions", [], |row| row.get(0))?;
    if usize::try_from(held).is_ok_and(|held| held != dims.len()) {
        *dims = Dims::load(&tx)?;
    }
    let Some((lo, hi)) = window(&tx, query)? else {
        return Ok(Vec::new());
    };
    let mut groups = Groups::new(dims, &query.filter, &query.group_by);
    let mut tally = Tally::default();
    // Room for every (bucket, group) up to a bound: growing by doubling copies and faults in pages again.
    let cells = (query.edges.len() - 1).saturating_mul(groups.values.len().max(1));
    tally.reserve(cells.min(1 << 16));
    for piece in plan(&query.edges, lo, hi) {
        match piece.source {
            Source::Rollup(level) => {
                let unit = level.micros();
                let by_dim = &groups.by_dim;
                let mut unknown = false;
                rollups::each_unit(
                    &tx,
                    level,
                    piece.from / unit,
                    piece.to / unit,
                    |n, bytes| {
                        tally.enter(bucket_of(&query.edges, n * unit));
                        // The hot loop of a series: one lookup and one add per packed pair.
                        packed::each(bytes, |dim, count| match by_dim.get(dim as usize) {
                            Some(&LEFT_OUT) => {}
                            Some(&UNKNOWN) | None => unknown = true,
                            Some(&group) => tally.add(group, count),
                        })
                    },
                )?;
                if unknown {
                    return Err(packed::corrupt());
                }
            }
            Source::Events => {
                each_event(&tx, &query.filter, piece.from, piece.to, |time, key| {
                    let group = groups.of_key(&key);
                    if group != LEFT_OUT {
                        tally.enter(bucket_of(&query.edges, time));
                        tally.add(group, 1);
                    }
                })?;
            }
        }
        tally.flush();
    }
    Ok(groups.sorted(tally.into_totals()))
}

/// The instants counted, `lo..hi`: the buckets' span cut to the filter's window and to the UTC days that
/// hold events (which keeps the arithmetic far from `i64`'s ends); `None` when nothing can be counted.
fn window(conn: &Connection, query: &CountQuery) -> rusqlite::Result<Option<(i64, i64)>> {
    // Two subqueries: SQLite answers each from the time index's ends, but not both in one.
    let (oldest, newest): (Option<i64>, Option<i64>) = conn
        .prepare_cached(
            "SELECT (SELECT MIN(event_time_us) FROM events), (SELECT MAX(event_time_us) FROM events)",
        )?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    let (Some(oldest), Some(newest)) = (oldest, newest) else {
        return Ok(None);
    };
    let filter = &query.filter;
    let edges = &query.edges;
    let lo = edges[0]
        .max(filter.since_micros.unwrap_or(i64::MIN))
        .max(Level::Day.unit_of(oldest) * DAY);
    let hi = edges[edges.len() - 1]
        .min(
            filter
                .until_micros
                .map_or(i64::MAX, |u| u.saturating_add(1)),
        )
        .min((Level::Day.unit_of(newest) + 1) * DAY);
    Ok((lo < hi).then_some((lo, hi)))
}

/// The bucket holding the instant `micros` (at or after the first edge).
fn bucket_of(edges: &[i64], micros: i64) -> usize {
    edges
        .partition_point(|&edge| edge <= micros)
        .saturating_sub(1)
}

/// Calls `each` with the time and combination of every event matching `filter` in `from..to`.
fn each_event(
    conn: &Connection,
    filter: &EventFilter,
    from: i64,
    to: i64,
    mut each: impl FnMut(i64, Key),
) -> rusqlite::Result<()> {
    let mut c = Conditions::dimensions(filter);
    c.push("event_time_us >= ?", [Value::Integer(from)]);
    c.push("event_time_us < ?", [Value::Integer(to)]);
    let sql = format!(
        "SELECT event_time_us, location_id, channel_id, trigger_id, event_type, origin FROM events{}",
        c.where_clause()
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let mut rows = statement.query(params_from_iter(c.values))?;
    while let Some(row) = rows.next()? {
        each(row.get(0)?, Key::read(row, 1)?);
    }
    Ok(())
}

/// The groups counted: each combination's group (or `LEFT_OUT`), by id, and the groups' values. The groups of
/// the known combinations are numbered in the order of their values, so sums come out in the answer's order.
struct Groups<'a> {
    by_dim: Vec<u32>,
    ids: HashMap<Vec<String>, u32>,
    values: Vec<Vec<String>>,
    /// Groups below this number are numbered in value order; any later ones (met only in events) are not.
    ranked: usize,
    filter: &'a EventFilter,
    group_by: &'a [Dimension],
}

impl<'a> Groups<'a> {
    fn new(dims: &Dims, filter: &'a EventFilter, group_by: &'a [Dimension]) -> Self {
        let mut groups = Self {
            by_dim: vec![UNKNOWN; dims.end()],
            ids: HashMap::new(),
            values: Vec::new(),
            ranked: 0,
            filter,
            group_by,
        };
        for (dim, key) in dims.iter() {
            groups.by_dim[dim as usize] = groups.of_key(key);
        }
        let rank = rank(&groups.values);
        let mut values = vec![Vec::new(); rank.len()];
        for (group, &place) in std::mem::take(&mut groups.values).into_iter().zip(&rank) {
            values[place] = group;
        }
        groups.values = values;
        for id in groups.ids.values_mut().chain(groups.by_dim.iter_mut()) {
            if *id != LEFT_OUT && *id != UNKNOWN {
                *id = rank[*id as usize] as u32;
            }
        }
        groups.ranked = groups.values.len();
        groups
    }

    /// The group of `key`, or `LEFT_OUT` when the filter leaves it out.
    fn of_key(&mut self, key: &Key) -> u32 {
        if !key.matches(self.filter) {
            return LEFT_OUT;
        }
        let values = key.group(self.group_by);
        if let Some(&id) = self.ids.get(&values) {
            return id;
        }
        let id = u32::try_from(self.values.len()).unwrap_or(UNKNOWN - 1);
        self.ids.insert(values.clone(), id);
        self.values.push(values);
        id
    }

    /// `totals` as the trait's answer: by bucket, then group values, one entry per (bucket, group).
    fn sorted(self, mut totals: Vec<(usize, u32, u64)>) -> Vec<GroupCount> {
        if self.ranked == self.values.len() {
            // Already in order when one piece was read (the usual series); else a few sorted runs.
            let key = |&(bucket, group, _): &(usize, u32, u64)| (bucket, group);
            if !totals.is_sorted_by_key(key) {
                totals.sort_by_key(key);
            }
        } else {
            let rank = rank(&self.values);
            totals.sort_by_key(|&(bucket, group, _)| (bucket, rank[group as usize]));
        }
        answer(totals, &self.values)
    }
}
