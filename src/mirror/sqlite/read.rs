//! Counts and pages read back: the reference's filters as SQL, totals from the rollups where whole minutes
//! allow, and pages in the reference's order (`event_time`, then id).

use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, OptionalExtension};

use super::write::MINUTE_MICROS;
use crate::mirror::event::{EventFilter, Scope};
use crate::mirror::store::{EventQuery, Order};

/// A WHERE clause and its parameters, built up one condition at a time.
#[derive(Default)]
struct Conditions {
    sql: Vec<String>,
    values: Vec<Value>,
}

impl Conditions {
    fn push(&mut self, sql: &str, values: impl IntoIterator<Item = Value>) {
        self.sql.push(sql.to_owned());
        self.values.extend(values);
    }

    /// Scope, type and origin: the columns both the events and the rollups have.
    fn dimensions(filter: &EventFilter) -> Self {
        let mut c = Self::default();
        match &filter.scope {
            Scope::All => {}
            Scope::Location(id) => c.push("location_id = ?", [Value::Integer(*id)]),
            Scope::Channel(id) => c.push("channel_id = ?", [Value::Text(id.clone())]),
            Scope::Trigger(id) => c.push("trigger_id = ?", [Value::Text(id.clone())]),
        }
        if let Some(t) = &filter.event_type {
            c.push("event_type = ?", [Value::Text(t.clone())]);
        }
        if let Some(o) = &filter.origin {
            c.push("origin = ?", [Value::Text(o.clone())]);
        }
        c
    }

    fn where_clause(&self) -> String {
        if self.sql.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.sql.join(" AND "))
        }
    }
}

/// A COUNT or SUM: never negative (rollup rows reaching zero are deleted), so a negative reads as zero.
fn read_count(row: &rusqlite::Row) -> rusqlite::Result<u64> {
    row.get::<_, i64>(0).map(|n| u64::try_from(n).unwrap_or(0))
}

/// Where a count is read: the events themselves, or the per-minute rollups.
#[derive(Clone, Copy)]
enum Source {
    /// Events between two instants (inclusive microseconds).
    Events,
    /// Whole minutes between two minute numbers (inclusive).
    Minutes,
}

/// Events matching `filter` with `from..=to` in the source's time column.
fn count_in(
    conn: &Connection,
    source: Source,
    filter: &EventFilter,
    from: Option<i64>,
    to: Option<i64>,
) -> rusqlite::Result<u64> {
    let (total, table, column) = match source {
        Source::Events => ("COUNT(*)", "events", "event_time_us"),
        Source::Minutes => ("COALESCE(SUM(count), 0)", "rollup_minutes", "minute"),
    };
    let mut c = Conditions::dimensions(filter);
    if let Some(from) = from {
        c.push(&format!("{column} >= ?"), [Value::Integer(from)]);
    }
    if let Some(to) = to {
        c.push(&format!("{column} <= ?"), [Value::Integer(to)]);
    }
    let sql = format!("SELECT {total} FROM {table}{}", c.where_clause());
    conn.prepare_cached(&sql)?
        .query_row(params_from_iter(c.values), read_count)
}

/// Events matching `filter`: whole minutes of the window from the rollups, the partial minutes at either
/// end from the events themselves, so a month's total reads a row per minute and dimension held, not every event.
pub(super) fn count(conn: &Connection, filter: &EventFilter) -> rusqlite::Result<u64> {
    let (since, until) = (filter.since_micros, filter.until_micros);
    // The first minute starting at or after `since`, and the last one ending at or before `until`.
    let first =
        since.map(|s| s.div_euclid(MINUTE_MICROS) + i64::from(s.rem_euclid(MINUTE_MICROS) != 0));
    let last = until.map(|u| u.saturating_add(1).div_euclid(MINUTE_MICROS) - 1);
    if let (Some(first), Some(last)) = (first, last) {
        if first > last {
            return count_in(conn, Source::Events, filter, since, until);
        }
    }
    let mut total = count_in(conn, Source::Minutes, filter, first, last)?;
    if let (Some(since), Some(first)) = (since, first) {
        let before_first = Some(first * MINUTE_MICROS - 1);
        total += count_in(conn, Source::Events, filter, Some(since), before_first)?;
    }
    if let (Some(until), Some(last)) = (until, last) {
        let after_last = Some((last + 1) * MINUTE_MICROS);
        total += count_in(conn, Source::Events, filter, after_last, Some(until))?;
    }
    Ok(total)
}

/// One page of raw events for `query`.
pub(super) fn events(conn: &Connection, query: &EventQuery) -> rusqlite::Result<Vec<Box<str>>> {
    let filter = &query.filter;
    let mut c = Conditions::dimensions(filter);
    if let Some(since) = filter.since_micros {
        c.push("event_time_us >= ?", [Value::Integer(since)]);
    }
    if let Some(until) = filter.until_micros {
        c.push("event_time_us <= ?", [Value::Integer(until)]);
    }
    let (direction, beyond) = match query.order {
        Order::Asc => ("ASC", ">"),
        Order::Desc => ("DESC", "<"),
    };
    if let Some(cursor) = query.starting_after {
        // The reference's cursor is a place in the list. An id held gives that place exactly; an id not held
        // falls back to comparing ids, which is the list's order when ids follow time (as they do in the
        // simulator).
        let place: Option<i64> = conn
            .prepare_cached("SELECT event_time_us FROM events WHERE id = ?1")?
            .query_row([cursor], |row| row.get(0))
            .optional()?;
        match place {
            Some(time) => c.push(
                &format!("(event_time_us, id) {beyond} (?, ?)"),
                [Value::Integer(time), Value::Integer(cursor)],
            ),
            None => c.push(&format!("id {beyond} ?"), [Value::Integer(cursor)]),
        }
    }
    let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
    let sql = format!(
        "SELECT raw FROM events{} ORDER BY event_time_us {direction}, id {direction} LIMIT {limit}",
        c.where_clause()
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map(params_from_iter(c.values), |row| {
        row.get::<_, String>(0).map(String::into_boxed_str)
    })?;
    rows.collect()
}
