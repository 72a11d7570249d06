//! Counts and pages read back: totals from the rollups where whole minutes, hours and days allow (one
//! statement, one round trip), and pages in the reference's order (`event_time`, then id).

use deadpool_postgres::Client;

use super::filter::{dimensions, Params};
use super::plan::{plan, Level, Source, SLOTS};
use crate::mirror::event::EventFilter;
use crate::mirror::store::{EventQuery, Order, StoreStats};

/// Events matching `filter`: each slot of the window's plan counted from its own table, summed in one query.
pub(super) async fn count(
    client: &Client,
    filter: &EventFilter,
) -> Result<u64, tokio_postgres::Error> {
    let mut params = Params::default();
    let dims = dimensions(filter, &mut params);
    let plan = plan(filter.since_micros, filter.until_micros, &Level::ALL);
    let parts: Vec<String> = SLOTS
        .iter()
        .zip(plan.ranges)
        .map(|(source, (from, to))| {
            let (from, to) = (params.bind(from), params.bind(to));
            match source {
                Source::Events => format!(
                    "(SELECT count(*) FROM mirror_events WHERE {dims}event_time_us BETWEEN {from} AND {to})"
                ),
                Source::Rollup(level) => format!(
                    "(SELECT COALESCE(sum(count), 0) FROM {} WHERE {dims}unit BETWEEN {from} AND {to})",
                    level.table()
                ),
            }
        })
        .collect();
    let sql = format!("SELECT ({})::int8", parts.join(" + "));
    let statement = client.prepare_cached(&sql).await?;
    let total: i64 = client.query_one(&statement, &params.values()).await?.get(0);
    Ok(u64::try_from(total).unwrap_or(0))
}

/// One page of raw events for `query`.
pub(super) async fn events(
    client: &Client,
    query: &EventQuery,
) -> Result<Vec<Box<str>>, tokio_postgres::Error> {
    let filter = &query.filter;
    let mut params = Params::default();
    let mut conditions = dimensions(filter, &mut params);
    if let Some(since) = filter.since_micros {
        conditions.push_str(&format!("event_time_us >= {} AND ", params.bind(since)));
    }
    if let Some(until) = filter.until_micros {
        conditions.push_str(&format!("event_time_us <= {} AND ", params.bind(until)));
    }
    let (direction, beyond) = match query.order {
        Order::Asc => ("ASC", ">"),
        Order::Desc => ("DESC", "<"),
    };
    if let Some(cursor) = query.starting_after {
        // The reference's cursor is a place in the list. An id held gives that place exactly; an id not held
        // falls back to comparing ids, which is the list's order when ids follow time.
        let place = client
            .prepare_cached("SELECT event_time_us FROM mirror_events WHERE id = $1")
            .await?;
        let condition = match client.query_opt(&place, &[&cursor]).await? {
            Some(row) => format!(
                "(event_time_us, id) {beyond} ({}, {}) AND ",
                params.bind(row.get::<_, i64>(0)),
                params.bind(cursor)
            ),
            None => format!("id {beyond} {} AND ", params.bind(cursor)),
        };
        conditions.push_str(&condition);
    }
    let limit = params.bind(i64::try_from(query.limit).unwrap_or(i64::MAX));
    let sql = format!(
        "SELECT raw FROM mirror_events WHERE {conditions}TRUE
         ORDER BY event_time_us {direction}, id {direction} LIMIT {limit}"
    );
    let statement = client.prepare_cached(&sql).await?;
    let rows = client.query(&statement, &params.values()).await?;
    Ok(rows
        .iter()
        .map(|row| row.get::<_, String>(0).into_boxed_str())
        .collect())
}

/// Events held (from the day rollups, kept equal to the events), oldest and newest, and the tables' size.
pub(super) async fn stats(client: &Client) -> Result<StoreStats, tokio_postgres::Error> {
    let statement = client
        .prepare_cached(
            "SELECT (SELECT COALESCE(sum(count), 0)::int8 FROM mirror_rollup_day),
                    (SELECT min(event_time_us) FROM mirror_events),
                    (SELECT max(event_time_us) FROM mirror_events),
                    (SELECT sum(pg_total_relation_size(to_regclass(t)))::int8 FROM unnest(ARRAY[
                        'mirror_events', 'mirror_rollup_minute', 'mirror_rollup_hour', 'mirror_rollup_day',
                        'mirror_sync_cursor', 'mirror_notes', 'mirror_schema']) AS t)",
        )
        .await?;
    let row = client.query_one(&statement, &[]).await?;
    Ok(StoreStats {
        events: u64::try_from(row.get::<_, i64>(0)).unwrap_or(0),
        oldest_micros: row.get(1),
        newest_micros: row.get(2),
        bytes_on_disk: row
            .get::<_, Option<i64>>(3)
            .and_then(|b| u64::try_from(b).ok()),
    })
}
