//! Pages read back: the reference's filters as SQL, and pages in the reference's order (`event_time`, then id).

use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, OptionalExtension};

use crate::mirror::event::{EventFilter, Scope};
use crate::mirror::store::{EventQuery, Order};

/// A WHERE clause and its parameters, built up one condition at a time.
#[derive(Default)]
pub(super) struct Conditions {
    sql: Vec<String>,
    /// The parameters, in the order of the clause's `?`s.
    pub values: Vec<Value>,
}

impl Conditions {
    /// Adds one condition and its parameters.
    pub fn push(&mut self, sql: &str, values: impl IntoIterator<Item = Value>) {
        self.sql.push(sql.to_owned());
        self.values.extend(values);
    }

    /// Scope, type and origin: the columns the events and the dimension combinations have.
    pub fn dimensions(filter: &EventFilter) -> Self {
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

    /// ` WHERE ...`, or nothing when there is no condition.
    pub fn where_clause(&self) -> String {
        if self.sql.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.sql.join(" AND "))
        }
    }
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
