//! Counts per bucket and group, read from the coarsest rollups each part of the window allows (see
//! `plan.rs`) in one read transaction, summed in Rust: each rollup row's unit goes to its bucket by a binary
//! search over the edges, each packed pair to its group through a table built once from the combinations.

use std::collections::HashMap;

use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};

use super::dims::{Dims, Key};
use super::plan::{plan, Source};
use super::read::Conditions;
use super::rollups::{self, Level, DAY};
use crate::mirror::event::EventFilter;
use crate::mirror::store::{CountQuery, Dimension, GroupCount};

/// A combination the filter leaves out.
const LEFT_OUT: u32 = u32::MAX;

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
    let newest_dim: Option<i64> =
        tx.query_row("SELECT MAX(dim) FROM dimensions", [], |row| row.get(0))?;
    if newest_dim.is_some_and(|d| usize::try_from(d).is_ok_and(|d| d >= dims.end())) {
        *dims = Dims::load(&tx)?; // another process added combinations
    }
    let Some((lo, hi)) = window(&tx, query)? else {
        return Ok(Vec::new());
    };
    let mut groups = Groups::new(dims, &query.filter, &query.group_by);
    let mut tally = Tally::default();
    for piece in plan(&query.edges, lo, hi) {
        match piece.source {
            Source::Rollup(level) => {
                let unit = level.micros();
                rollups::each_unit(
                    &tx,
                    level,
                    piece.from / unit,
                    piece.to / unit,
                    |n, pairs| {
                        let bucket = bucket_of(&query.edges, n * unit);
                        for pair in pairs {
                            let (dim, count) = pair?;
                            let group = groups.of_dim(dim)?;
                            if group != LEFT_OUT {
                                tally.add(bucket, group, count);
                            }
                        }
                        Ok(())
                    },
                )?;
            }
            Source::Events => {
                each_event(&tx, &query.filter, piece.from, piece.to, |time, key| {
                    let group = groups.of_key(&key);
                    tally.add(bucket_of(&query.edges, time), group, 1);
                })?;
            }
        }
        tally.flush();
    }
    Ok(groups.sorted(tally.totals))
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

/// The groups counted: each combination's group (or `LEFT_OUT`), by id, and the groups' values.
struct Groups<'a> {
    by_dim: Vec<u32>,
    ids: HashMap<Vec<String>, u32>,
    values: Vec<Vec<String>>,
    filter: &'a EventFilter,
    group_by: &'a [Dimension],
}

impl<'a> Groups<'a> {
    fn new(dims: &Dims, filter: &'a EventFilter, group_by: &'a [Dimension]) -> Self {
        let mut groups = Self {
            by_dim: vec![LEFT_OUT; dims.end()],
            ids: HashMap::new(),
            values: Vec::new(),
            filter,
            group_by,
        };
        for (dim, key) in dims.iter() {
            groups.by_dim[dim as usize] = groups.of_key(key);
        }
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
        let id = u32::try_from(self.values.len()).unwrap_or(LEFT_OUT - 1);
        self.ids.insert(values.clone(), id);
        self.values.push(values);
        id
    }

    /// The group of the combination `dim`; an error for an id the file does not hold.
    fn of_dim(&self, dim: u32) -> rusqlite::Result<u32> {
        self.by_dim
            .get(dim as usize)
            .copied()
            .ok_or_else(super::packed::corrupt)
    }

    /// `totals` as the trait's answer: by bucket, then group values.
    fn sorted(self, totals: HashMap<(usize, u32), u64>) -> Vec<GroupCount> {
        let mut order: Vec<u32> = (0..self.values.len() as u32).collect();
        order.sort_unstable_by(|a, b| self.values[*a as usize].cmp(&self.values[*b as usize]));
        let mut rank = vec![0; order.len()];
        for (place, group) in order.into_iter().enumerate() {
            rank[group as usize] = place;
        }
        let mut counts: Vec<((usize, u32), u64)> =
            totals.into_iter().filter(|(_, n)| *n > 0).collect();
        counts.sort_unstable_by_key(|((bucket, group), _)| (*bucket, rank[*group as usize]));
        counts
            .into_iter()
            .map(|((bucket, group), count)| GroupCount {
                bucket,
                group: self.values[group as usize].clone(),
                count,
            })
            .collect()
    }
}

/// Sums per (bucket, group): rows arrive in time order, so one bucket's groups add into a dense array that is
/// emptied into the totals when the bucket changes.
#[derive(Default)]
struct Tally {
    bucket: usize,
    dense: Vec<u64>,
    touched: Vec<u32>,
    totals: HashMap<(usize, u32), u64>,
}

impl Tally {
    fn add(&mut self, bucket: usize, group: u32, count: u64) {
        if bucket != self.bucket {
            self.flush();
            self.bucket = bucket;
        }
        let at = group as usize;
        if self.dense.len() <= at {
            self.dense.resize(at + 1, 0);
        }
        if self.dense[at] == 0 {
            self.touched.push(group);
        }
        self.dense[at] += count;
    }

    fn flush(&mut self) {
        for group in self.touched.drain(..) {
            let count = std::mem::take(&mut self.dense[group as usize]);
            *self.totals.entry((self.bucket, group)).or_default() += count;
        }
    }
}
