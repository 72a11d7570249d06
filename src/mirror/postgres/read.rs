//! Pages read back in the reference's order (`event_time`, then id), and the store's size.

use deadpool_postgres::Client;

use super::filter::{dimensions, Params};
use super::packed;
use crate::mirror::store::{EventQuery, Order, StoreStats};

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

/// Events held (summed from the day rollups, kept equal to the events), oldest and newest, and the tables'
/// size on disk.
pub(super) async fn stats(client: &Client) -> Result<StoreStats, tokio_postgres::Error> {
    let days = client
        .prepare_cached("SELECT counts FROM mirror_rollups WHERE level = 2")
        .await?;
    let mut events: u64 = 0;
    for row in client.query(&days, &[]).await? {
        // A row that does not decode adds nothing here; counts report it where it matters.
        let _ = packed::for_each(row.get(0), |_, n| events = events.saturating_add(n));
    }
    let statement = client
        .prepare_cached(
            "SELECT (SELECT min(event_time_us) FROM mirror_events),
                    (SELECT max(event_time_us) FROM mirror_events),
                    (SELECT sum(pg_total_relation_size(to_regclass(t)))::int8 FROM unnest(ARRAY[
                        'mirror_events', 'mirror_dims', 'mirror_rollups', 'mirror_sync_cursor',
                        'mirror_notes', 'mirror_schema']) AS t)",
        )
        .await?;
    let row = client.query_one(&statement, &[]).await?;
    Ok(StoreStats {
        events,
        oldest_micros: row.get(0),
        newest_micros: row.get(1),
        bytes_on_disk: row
            .get::<_, Option<i64>>(2)
            .and_then(|b| u64::try_from(b).ok()),
    })
}
