//! Counts per bucket and group: rows read at the coarsest rollup level whose unit divides every edge (so no
//! row straddles two buckets), the window's ragged ends at finer levels and from the events, then bucketed
//! and summed here.

use std::collections::BTreeMap;

use deadpool_postgres::Client;

use super::filter::{dimensions, Params};
use super::plan::{plan, Level, Source, SLOTS};
use crate::mirror::store::{CountQuery, Dimension, GroupCount};

/// The column a dimension is read from, as text.
fn column(dimension: Dimension) -> &'static str {
    match dimension {
        Dimension::Trigger => "trigger_id",
        Dimension::Type => "event_type",
        Dimension::Origin => "origin",
        Dimension::Channel => "channel_id",
        Dimension::Location => "location_id::text",
    }
}

/// Non-zero counts per (bucket, group) for `query`, ordered by bucket, then group.
pub(super) async fn grouped_counts(
    client: &Client,
    query: &CountQuery,
) -> Result<Vec<GroupCount>, tokio_postgres::Error> {
    let edges = &query.edges;
    let (Some(&first), Some(&last)) = (edges.first(), edges.last()) else {
        return Ok(Vec::new());
    };
    let filter = &query.filter;
    let since = filter.since_micros.map_or(first, |s| s.max(first));
    let until = match filter.until_micros {
        Some(u) => u.min(last - 1),
        None => last - 1,
    };
    if edges.len() < 2 || since > until {
        return Ok(Vec::new());
    }
    let levels: Vec<Level> = Level::ALL
        .into_iter()
        .filter(|level| edges.iter().all(|e| e.rem_euclid(level.micros()) == 0))
        .collect();
    let plan = plan(Some(since), Some(until), &levels);
    let groups: Vec<&str> = query.group_by.iter().map(|&d| column(d)).collect();
    let group_list: String = groups.iter().map(|c| format!(", {c}")).collect();
    let mut params = Params::default();
    let dims = dimensions(filter, &mut params);
    let parts: Vec<String> = SLOTS
        .iter()
        .zip(plan.ranges)
        .filter(|(_, (from, to))| from <= to)
        .map(|(source, (from, to))| {
            let (from, to) = (params.bind(from), params.bind(to));
            match source {
                Source::Events => format!(
                    "SELECT event_time_us{group_list}, count(*)::int8 FROM mirror_events
                     WHERE {dims}event_time_us BETWEEN {from} AND {to} GROUP BY event_time_us{group_list}"
                ),
                Source::Rollup(level) => format!(
                    "SELECT unit * {}{group_list}, sum(count)::int8 FROM {}
                     WHERE {dims}unit BETWEEN {from} AND {to} GROUP BY unit{group_list}",
                    level.micros(),
                    level.table()
                ),
            }
        })
        .collect();
    let statement = client.prepare_cached(&parts.join(" UNION ALL ")).await?;
    let rows = client.query(&statement, &params.values()).await?;
    let mut counts: BTreeMap<(usize, Vec<String>), u64> = BTreeMap::new();
    for row in &rows {
        let time: i64 = row.get(0);
        // Rows start inside [first, last): each lies in the last bucket starting at or before it.
        let bucket = edges.partition_point(|&e| e <= time).saturating_sub(1);
        let group: Vec<String> = (1..=groups.len()).map(|n| row.get(n)).collect();
        let n: i64 = row.get(groups.len() + 1);
        *counts.entry((bucket, group)).or_default() += u64::try_from(n).unwrap_or(0);
    }
    Ok(counts
        .into_iter()
        .filter(|(_, count)| *count > 0)
        .map(|((bucket, group), count)| GroupCount {
            bucket,
            group,
            count,
        })
        .collect())
}
