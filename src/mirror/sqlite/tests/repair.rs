//! Repairs and retention: a window made to hold exactly the given events, and old events dropped, with every
//! rollup level equal to a recount afterwards.

use super::super::rollups::{DAY, HOUR, MINUTE};
use super::recount::assert_rollups_match_the_events;
use super::*;

const T0: i64 = 1_767_225_600_000_000; // 2026-01-01T00:00:00Z

fn at(id: i64, location_id: i64, time_us: i64, version: &str) -> StoredEvent {
    let channel = format!("c{location_id}");
    StoredEvent {
        location_id,
        raw: format!(r#"{{"id":{id},"location_id":{location_id},"t":{time_us},"v":"{version}"}}"#)
            .into(),
        ..super::event(id, time_us, &channel, "RegionJoin")
    }
}

fn ids(raws: Vec<Box<str>>) -> Vec<i64> {
    raws.iter()
        .map(|r| {
            serde_json::from_str::<serde_json::Value>(r).unwrap()["id"]
                .as_i64()
                .unwrap()
        })
        .collect()
}

async fn held_ids(store: &SqliteStore, filter: EventFilter) -> Vec<i64> {
    let query = EventQuery {
        filter,
        order: Order::Asc,
        starting_after: None,
        limit: usize::MAX,
    };
    ids(store.events(&query).await.unwrap())
}

fn window(from_micros: i64, to_micros: i64) -> Span {
    Span {
        from_micros,
        to_micros,
    }
}

#[tokio::test]
async fn a_replaced_window_gains_the_missing_takes_the_changed_and_loses_the_absent_only_in_its_location(
) {
    let (_dir, store) = super::store().await;
    let span = window(T0 + HOUR, T0 + 2 * HOUR - 1);
    let before = [
        at(1, 101, T0 + HOUR - 1, "a"),               // before the window
        at(2, 101, T0 + HOUR, "a"),                   // kept as it is
        at(3, 101, T0 + HOUR + 30 * MINUTE, "a"),     // changed
        at(4, 101, T0 + HOUR + 31 * MINUTE + 7, "a"), // gone from the cloud
        at(5, 102, T0 + HOUR + 5 * MINUTE, "a"),      // another location
        at(6, 101, T0 + 2 * HOUR, "a"),               // after the window
        at(7, 101, T0 + 5 * DAY, "a"),                // moves into the window
    ];
    store.insert_page(&before, super::cursor(T0)).await.unwrap();
    let cloud = [
        at(2, 101, T0 + HOUR, "a"),
        at(3, 101, T0 + HOUR + 45 * MINUTE + 3, "b"),
        at(7, 101, T0 + 2 * HOUR - 1, "b"),
        at(8, 101, T0 + HOUR + 59 * MINUTE, "a"),
    ];

    let repaired = store.replace_window(Some(101), span, &cloud).await.unwrap();

    assert_eq!(
        repaired,
        Repaired {
            written: 3,
            removed: 1
        }
    );
    let in_window = EventFilter {
        scope: Scope::Location(101),
        since_micros: Some(span.from_micros),
        until_micros: Some(span.to_micros),
        ..EventFilter::default()
    };
    assert_eq!(held_ids(&store, in_window.clone()).await, vec![2, 3, 8, 7]);
    assert_eq!(
        held_ids(&store, EventFilter::default()).await,
        vec![1, 2, 5, 3, 8, 7, 6]
    );
    assert_eq!(store.count(&in_window).await.unwrap(), 4);
    assert_eq!(store.stats().await.unwrap().events, 7);
    assert_rollups_match_the_events(&store);
}

#[tokio::test]
async fn a_window_of_every_location_made_empty_removes_them_all_and_the_same_window_again_changes_nothing(
) {
    let (_dir, store) = super::store().await;
    let page: Vec<StoredEvent> = (0..50)
        .map(|n| at(n, 101 + n % 3, T0 + n * 7 * MINUTE + n, "a"))
        .collect();
    store.insert_page(&page, super::cursor(T0)).await.unwrap();
    let span = window(T0 + HOUR + 1, T0 + 4 * HOUR);
    let inside = page
        .iter()
        .filter(|e| (span.from_micros..=span.to_micros).contains(&e.event_time_micros))
        .count() as u64;

    let emptied = store.replace_window(None, span, &[]).await.unwrap();
    let again = store.replace_window(None, span, &[]).await.unwrap();

    assert_eq!(
        emptied,
        Repaired {
            written: 0,
            removed: inside
        }
    );
    assert_eq!(again, Repaired::default());
    assert_eq!(
        store.count(&EventFilter::default()).await.unwrap(),
        50 - inside
    );
    assert_rollups_match_the_events(&store);
}

#[tokio::test]
async fn an_event_outside_the_window_or_its_location_is_refused_and_nothing_changes() {
    let (_dir, store) = super::store().await;
    store
        .insert_page(&[at(1, 101, T0, "a")], super::cursor(T0))
        .await
        .unwrap();
    let span = window(T0, T0 + HOUR);

    let late = store
        .replace_window(Some(101), span, &[at(2, 101, T0 + 2 * HOUR, "a")])
        .await;
    let elsewhere = store
        .replace_window(Some(101), span, &[at(3, 102, T0, "a")])
        .await;

    assert!(late.unwrap_err().0.contains("event 2"));
    assert!(elsewhere.unwrap_err().0.contains("event 3"));
    assert_eq!(held_ids(&store, EventFilter::default()).await, vec![1]);
}

#[tokio::test]
async fn dropping_before_an_instant_inside_a_minute_keeps_the_rest_of_that_minute_hour_and_day() {
    let (_dir, store) = super::store().await;
    let page: Vec<StoredEvent> = (0..400)
        .map(|n| {
            at(
                n,
                101 + n % 2,
                T0 + (n * 648_007_919 + n * n * 7_919) % (3 * DAY),
                "a",
            )
        })
        .collect();
    store.insert_page(&page, super::cursor(T0)).await.unwrap();
    let cut = T0 + DAY + 5 * HOUR + 17 * MINUTE + 12_345;
    let older = page.iter().filter(|e| e.event_time_micros < cut).count() as u64;

    let dropped = store.drop_before(cut).await.unwrap();

    assert_eq!(dropped, older);
    let stats = store.stats().await.unwrap();
    assert_eq!(stats.events, 400 - older);
    assert!(stats.oldest_micros.is_some_and(|t| t >= cut));
    let day = EventFilter {
        since_micros: Some(T0 + DAY),
        until_micros: Some(T0 + 2 * DAY - 1),
        ..EventFilter::default()
    };
    let left_that_day = page
        .iter()
        .filter(|e| (cut..T0 + 2 * DAY).contains(&e.event_time_micros))
        .count() as u64;
    assert_eq!(store.count(&day).await.unwrap(), left_that_day);
    assert_rollups_match_the_events(&store);
}

#[tokio::test]
async fn dropping_before_a_day_edge_and_then_before_everything_leaves_the_rollups_empty() {
    let (_dir, store) = super::store().await;
    let page: Vec<StoredEvent> = (0..100).map(|n| at(n, 101, T0 + n * HOUR, "a")).collect();
    store.insert_page(&page, super::cursor(T0)).await.unwrap();

    let first = store.drop_before(T0 + 2 * DAY).await.unwrap();
    assert_rollups_match_the_events(&store);
    let rest = store.drop_before(T0 + 100 * DAY).await.unwrap();

    assert_eq!((first, rest), (48, 52));
    assert_eq!(store.count(&EventFilter::default()).await.unwrap(), 0);
    assert_rollups_match_the_events(&store);
}
