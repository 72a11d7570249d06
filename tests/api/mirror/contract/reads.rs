//! Reading: counts over windows cut anywhere, pages in the reference's order with its filters and cursor,
//! grouped counts against a brute-force recount, and the store's size.

use std::sync::Arc;

use camlytics_gateway::mirror::event::{EventFilter, Scope};
use camlytics_gateway::mirror::store::{
    CountQuery, Dimension, EventQuery, EventStore, Order, SyncCursor,
};

use super::data::{self, event, events, Model, Rng, DAY, HOUR, MINUTE, T0};

const DAYS: i64 = 3;

/// Three days of events, held and modelled.
async fn filled(store: &dyn EventStore, seed: u64, n: usize) -> Model {
    let page = events(&mut Rng::new(seed), 1, n, DAYS);
    let cursor = SyncCursor {
        since_micros: T0,
        after_id: None,
    };
    for chunk in page.chunks(1000) {
        store.insert_page(chunk, cursor).await.unwrap();
    }
    let mut model = Model::default();
    model.put(&page);
    model
}

fn ids(raws: &[String]) -> Vec<i64> {
    raws.iter()
        .map(|r| {
            serde_json::from_str::<serde_json::Value>(r).unwrap()["id"]
                .as_i64()
                .unwrap()
        })
        .collect()
}

async fn page(store: &dyn EventStore, query: &EventQuery) -> Vec<String> {
    store
        .events(query)
        .await
        .unwrap()
        .into_iter()
        .map(String::from)
        .collect()
}

pub async fn counts_equal_a_recount_for_windows_cut_anywhere(store: Arc<dyn EventStore>) {
    let model = filled(&*store, 11, 3_000).await;
    let mut rng = Rng::new(12);
    let mut windows = vec![
        (Some(T0), Some(T0 + DAY - 1)),
        (Some(T0 + DAY), Some(T0 + DAY)),
        (
            Some(T0 + HOUR + 1),
            Some(T0 + 2 * DAY + 3 * HOUR + 59 * MINUTE + 59_999_999),
        ),
        (Some(T0 + 90 * MINUTE + 12_345), None),
        (None, Some(T0 + 17 * MINUTE + 3)),
        (
            Some(T0 + 30 * MINUTE + 5),
            Some(T0 + 30 * MINUTE + 50_000_000),
        ),
        (Some(T0 + DAY), Some(T0 + DAY - 1)),
        (None, None),
    ];
    for _ in 0..60 {
        let f = data::filter(&mut rng, DAYS);
        windows.push((f.since_micros, f.until_micros));
    }

    for (n, (since, until)) in windows.into_iter().enumerate() {
        let mut filter = data::filter(&mut rng, DAYS);
        if n < 8 {
            filter.scope = Scope::All;
            filter.event_type = None;
            filter.origin = None;
        }
        filter.since_micros = since;
        filter.until_micros = until;

        let counted = store.count(&filter).await.unwrap();

        assert_eq!(counted, model.count(&filter), "{filter:?}");
    }
}

pub async fn pages_follow_event_time_then_id_in_both_orders_even_when_ids_do_not_follow_time(
    store: Arc<dyn EventStore>,
) {
    // Id 9 happened first and ids 3 and 4 share an instant: the list is 9, 3, 4, 1, 2.
    let at = |id, time| event(id, 101, "ch-101-0", "", "RegionJoin", "", time, 0);
    let held = [
        at(1, T0 + 3 * MINUTE),
        at(2, T0 + 4 * MINUTE),
        at(3, T0 + MINUTE),
        at(4, T0 + MINUTE),
        at(9, T0),
    ];
    let cursor = SyncCursor {
        since_micros: T0,
        after_id: None,
    };
    store.insert_page(&held, cursor).await.unwrap();
    let query = |order, starting_after, limit| EventQuery {
        filter: EventFilter::default(),
        order,
        starting_after,
        limit,
    };

    let first = ids(&page(&*store, &query(Order::Asc, None, 2)).await);
    let next = ids(&page(&*store, &query(Order::Asc, Some(3), 10)).await);
    let back = ids(&page(&*store, &query(Order::Desc, Some(1), 10)).await);
    let newest = ids(&page(&*store, &query(Order::Desc, None, 1)).await);
    // An id not held: its place is taken from the ids themselves.
    let unknown = ids(&page(&*store, &query(Order::Asc, Some(5), 10)).await);
    let unknown_back = ids(&page(&*store, &query(Order::Desc, Some(8), 10)).await);

    assert_eq!(first, vec![9, 3]);
    assert_eq!(next, vec![4, 1, 2]);
    assert_eq!(back, vec![4, 3, 9]);
    assert_eq!(newest, vec![2]);
    assert_eq!(unknown, vec![9]);
    assert_eq!(unknown_back, vec![2, 1, 4, 3]);
}

pub async fn pages_apply_every_filter_and_inclusive_window_ends(store: Arc<dyn EventStore>) {
    let held = [
        event(
            1,
            101,
            "ch-101-0",
            "ch-101-0-t1",
            "RegionJoin",
            "Pedestrian",
            T0,
            0,
        ),
        event(
            2,
            101,
            "ch-101-0",
            "ch-101-0-t2",
            "Loitering",
            "Vehicle",
            T0 + MINUTE,
            0,
        ),
        event(3, 101, "ch-101-1", "", "RegionJoin", "", T0 + 2 * MINUTE, 0),
        event(
            4,
            102,
            "ch-102-0",
            "ch-102-0-t1",
            "RegionJoin",
            "Pedestrian",
            T0 + 3 * MINUTE,
            0,
        ),
    ];
    let cursor = SyncCursor {
        since_micros: T0,
        after_id: None,
    };
    store.insert_page(&held, cursor).await.unwrap();
    let with = |filter: EventFilter| EventQuery {
        filter,
        order: Order::Asc,
        starting_after: None,
        limit: 100,
    };
    let cases = [
        // The reference's precedence: a trigger beats a channel, which beats a location.
        (
            Scope::by_precedence(
                Some(102),
                Some("ch-101-1".into()),
                Some("ch-101-0-t2".into()),
            ),
            None,
            None,
            None,
            None,
            vec![2],
        ),
        (
            Scope::by_precedence(Some(102), Some("ch-101-1".into()), None),
            None,
            None,
            None,
            None,
            vec![3],
        ),
        (
            Scope::by_precedence(Some(101), None, None),
            Some("RegionJoin"),
            None,
            None,
            None,
            vec![1, 3],
        ),
        (Scope::All, None, Some("Pedestrian"), None, None, vec![1, 4]),
        (
            Scope::All,
            None,
            None,
            Some(T0 + MINUTE),
            Some(T0 + 2 * MINUTE),
            vec![2, 3],
        ),
        (
            Scope::All,
            None,
            None,
            Some(T0 + MINUTE + 1),
            Some(T0 + 3 * MINUTE - 1),
            vec![3],
        ),
        (
            Scope::Trigger("no-such-trigger".into()),
            None,
            None,
            None,
            None,
            vec![],
        ),
    ];

    for (scope, event_type, origin, since, until, expected) in cases {
        let filter = EventFilter {
            scope,
            event_type: event_type.map(String::from),
            origin: origin.map(String::from),
            since_micros: since,
            until_micros: until,
        };

        let held = ids(&page(&*store, &with(filter.clone())).await);

        assert_eq!(held, expected, "{filter:?}");
        assert_eq!(
            store.count(&filter).await.unwrap(),
            expected.len() as u64,
            "{filter:?}"
        );
    }
}

pub async fn pages_match_the_reference_for_random_filters_orders_and_cursors(
    store: Arc<dyn EventStore>,
) {
    let model = filled(&*store, 21, 2_000).await;
    let mut rng = Rng::new(22);
    for _ in 0..80 {
        let filter = data::filter(&mut rng, DAYS);
        let order = if rng.chance(2) {
            Order::Asc
        } else {
            Order::Desc
        };
        let limit = [1, 7, 100, 1000][rng.below(4) as usize];
        let mut query = EventQuery {
            filter,
            order,
            starting_after: None,
            limit,
        };
        // Paged through to the end, as a client would, each page equal to the reference's.
        for _ in 0..5 {
            let expected = model.page(&query);

            let got = page(&*store, &query).await;

            assert_eq!(ids(&got), ids(&expected), "{query:?}");
            assert_eq!(got, expected);
            match ids(&got).last() {
                Some(&last) if got.len() == limit => query.starting_after = Some(last),
                _ => break,
            }
        }
    }
}

/// Edges `step` apart from `start`, `n` buckets.
fn edges(start: i64, step: i64, n: i64) -> Vec<i64> {
    (0..=n).map(|k| start + k * step).collect()
}

fn group_by(rng: &mut Rng) -> Vec<Dimension> {
    let mut all = vec![
        Dimension::Trigger,
        Dimension::Type,
        Dimension::Origin,
        Dimension::Channel,
        Dimension::Location,
    ];
    let mut chosen = Vec::new();
    for _ in 0..rng.below(4) {
        chosen.push(all.remove(rng.below(all.len() as u64) as usize));
    }
    chosen
}

pub async fn grouped_counts_equal_a_brute_force_recount(store: Arc<dyn EventStore>) {
    let model = filled(&*store, 31, 3_000).await;
    let mut rng = Rng::new(32);
    let ist = -(5 * HOUR + 30 * MINUTE); // local midnight at +05:30, in UTC
    for n in 0..60 {
        let edges = match n % 8 {
            0 => edges(T0, HOUR, 72),
            1 => edges(T0 - DAY, DAY, 5),
            2 => edges(T0 + ist, HOUR, 72),
            3 => edges(T0 + ist, DAY, 4),
            4 => edges(T0 + 5 * MINUTE, 15 * MINUTE, 200),
            5 => edges(T0 + 7, 7 * HOUR + 13, 11),
            6 => vec![T0 + 17 * MINUTE + 3, T0 + 2 * DAY + 5 * HOUR + 11],
            _ => {
                let mut e: Vec<i64> = (0..6)
                    .map(|_| T0 - HOUR + rng.below((DAYS * DAY) as u64) as i64)
                    .collect();
                e.sort_unstable();
                e.dedup();
                e
            }
        };
        let mut filter = data::filter(&mut rng, DAYS);
        if n < 8 {
            filter.since_micros = None;
            filter.until_micros = None;
        }
        let query = CountQuery {
            filter,
            edges,
            group_by: group_by(&mut rng),
        };

        let counted = store.grouped_counts(&query).await.unwrap();

        assert_eq!(
            counted,
            model.grouped(&query),
            "{:?} by {:?}, {} edges from {}",
            query.filter,
            query.group_by,
            query.edges.len(),
            query.edges[0]
        );
    }
}

pub async fn grouped_counts_with_a_half_hour_offset_read_whole_minutes_right(
    store: Arc<dyn EventStore>,
) {
    // Events either side of 18:30 UTC (local midnight at +05:30) and of the UTC hours around it: hour
    // rollups would put the 18:00-18:59 events in one bucket; the edges fall on the half hour.
    let local_midnight = T0 + 18 * HOUR + 30 * MINUTE;
    let times = [
        local_midnight - 1,
        local_midnight,
        local_midnight + 29 * MINUTE,
        local_midnight + 30 * MINUTE,
        local_midnight - 30 * MINUTE - 1,
    ];
    let held: Vec<_> = times
        .iter()
        .enumerate()
        .map(|(n, &t)| event(n as i64 + 1, 101, "ch-101-0", "", "RegionJoin", "", t, 0))
        .collect();
    let cursor = SyncCursor {
        since_micros: T0,
        after_id: None,
    };
    store.insert_page(&held, cursor).await.unwrap();
    let query = CountQuery {
        filter: EventFilter::default(),
        edges: edges(local_midnight - 2 * HOUR, HOUR, 4),
        group_by: vec![],
    };

    let counted = store.grouped_counts(&query).await.unwrap();

    let per_bucket: Vec<(usize, u64)> = counted.iter().map(|g| (g.bucket, g.count)).collect();
    assert_eq!(per_bucket, vec![(1, 2), (2, 3)]);
    assert!(counted.iter().all(|g| g.group.is_empty()));
}

pub async fn stats_tell_events_oldest_newest_and_size(store: Arc<dyn EventStore>) {
    let model = filled(&*store, 41, 1_000).await;

    let stats = store.stats().await.unwrap();

    assert_eq!(stats.events, model.0.len() as u64);
    assert_eq!(
        stats.oldest_micros,
        model.0.values().map(|e| e.event_time_micros).min()
    );
    assert_eq!(
        stats.newest_micros,
        model.0.values().map(|e| e.event_time_micros).max()
    );
    assert!(
        stats.bytes_on_disk.is_some_and(|b| b > 100_000),
        "{:?}",
        stats.bytes_on_disk
    );
}
