//! The SQLite store on a temporary file: keys, rollups, order and the cursor; grouped counts, repairs,
//! retention, stats and notes in the modules below.

mod counts;
mod meta;
mod recount;
mod repair;

use super::*;
use crate::mirror::event::Scope;
use crate::mirror::store::Order;

const MINUTE: i64 = 60_000_000;
const T0: i64 = 1_767_225_600_000_000; // 2026-01-01T00:00:00Z

fn event(id: i64, time_us: i64, channel: &str, event_type: &str) -> StoredEvent {
    let raw = format!(
        r#"{{"id":{id},"location_id":101,"channel_id":"{channel}","event_type":"{event_type}","t":{time_us}}}"#
    );
    StoredEvent {
        id,
        location_id: 101,
        channel_id: channel.into(),
        trigger_id: format!("{channel}-line"),
        event_type: event_type.into(),
        origin: "Pedestrian".into(),
        event_time_micros: time_us,
        raw: raw.into(),
    }
}

fn cursor(since_micros: i64) -> SyncCursor {
    SyncCursor {
        since_micros,
        after_id: None,
    }
}

async fn store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_in(dir.path()).await.unwrap();
    (dir, store)
}

fn all(order: Order, starting_after: Option<i64>, limit: usize) -> EventQuery {
    EventQuery {
        filter: EventFilter::default(),
        order,
        starting_after,
        limit,
    }
}

#[tokio::test]
async fn an_id_sent_again_with_other_bytes_is_held_once_and_counted_once_in_its_new_minute() {
    let (_dir, store) = store().await;
    store
        .insert_page(&[event(1, T0, "a", "RegionJoin")], cursor(T0))
        .await
        .unwrap();
    let moved = event(1, T0 + 5 * MINUTE, "b", "RegionLeave");

    let inserted = store
        .insert_page(std::slice::from_ref(&moved), cursor(T0))
        .await
        .unwrap();

    assert_eq!(inserted.replaced, 1);
    let held = store.events(&all(Order::Asc, None, 10)).await.unwrap();
    assert_eq!(held, vec![moved.raw.clone()]);
    let whole = EventFilter::default();
    assert_eq!(store.count(&whole).await.unwrap(), 1);
    let old_minute = EventFilter {
        since_micros: Some(T0),
        until_micros: Some(T0 + MINUTE - 1),
        ..EventFilter::default()
    };
    assert_eq!(store.count(&old_minute).await.unwrap(), 0);
    let new_channel = EventFilter {
        scope: Scope::Channel("b".into()),
        ..EventFilter::default()
    };
    assert_eq!(store.count(&new_channel).await.unwrap(), 1);
}

#[tokio::test]
async fn the_same_bytes_again_write_nothing() {
    let (_dir, store) = store().await;
    let page = [
        event(1, T0, "a", "RegionJoin"),
        event(2, T0, "a", "RegionJoin"),
    ];
    store.insert_page(&page, cursor(T0)).await.unwrap();

    let again = store.insert_page(&page, cursor(T0)).await.unwrap();

    assert_eq!(
        again,
        Inserted {
            new: 0,
            replaced: 0,
            unchanged: 2
        }
    );
    assert_eq!(store.count(&EventFilter::default()).await.unwrap(), 2);
}

#[tokio::test]
async fn counts_from_the_rollups_equal_counts_of_the_events_for_unaligned_windows() {
    let (_dir, store) = store().await;
    // 600 events over five hours at uneven instants, on two channels and two types.
    let events: Vec<StoredEvent> = (0..600)
        .map(|n| {
            let time = T0 + (n * n * 7_919 + n * 1_000_003) % (300 * MINUTE);
            let channel = if n % 3 == 0 { "a" } else { "b" };
            let kind = if n % 2 == 0 {
                "RegionJoin"
            } else {
                "Loitering"
            };
            event(n, time, channel, kind)
        })
        .collect();
    store.insert_page(&events, cursor(T0)).await.unwrap();
    let windows = [
        (None, None),
        (Some(T0 + 1), None),
        (None, Some(T0 + 17 * MINUTE + 3)),
        (Some(T0 + 90 * MINUTE + 12_345), Some(T0 + 250 * MINUTE - 1)),
        (Some(T0 + 60 * MINUTE), Some(T0 + 120 * MINUTE)),
        (
            Some(T0 + 30 * MINUTE + 5),
            Some(T0 + 30 * MINUTE + 50_000_000),
        ),
    ];

    for (since, until) in windows {
        for scope in [Scope::All, Scope::Channel("a".into())] {
            let filter = EventFilter {
                scope: scope.clone(),
                event_type: Some("Loitering".into()),
                since_micros: since,
                until_micros: until,
                ..EventFilter::default()
            };
            let expected = events
                .iter()
                .filter(|e| scope == Scope::All || e.channel_id == "a")
                .filter(|e| e.event_type == "Loitering")
                .filter(|e| since.is_none_or(|s| e.event_time_micros >= s))
                .filter(|e| until.is_none_or(|u| e.event_time_micros <= u))
                .count() as u64;

            let counted = store.count(&filter).await.unwrap();

            assert_eq!(counted, expected, "{since:?}..{until:?} in {scope:?}");
        }
    }
}

#[tokio::test]
async fn pages_follow_event_time_then_id_even_when_ids_do_not_follow_time() {
    let (_dir, store) = store().await;
    // Id 9 happened first and ids 3 and 4 share an instant: the list is 9, 3, 4, 1, 2.
    let page = [
        event(1, T0 + 3 * MINUTE, "a", "RegionJoin"),
        event(2, T0 + 4 * MINUTE, "a", "RegionJoin"),
        event(3, T0 + MINUTE, "a", "RegionJoin"),
        event(4, T0 + MINUTE, "a", "RegionJoin"),
        event(9, T0, "a", "RegionJoin"),
    ];
    store.insert_page(&page, cursor(T0)).await.unwrap();
    let ids = |raws: Vec<Box<str>>| -> Vec<i64> {
        raws.iter()
            .map(|r| {
                serde_json::from_str::<serde_json::Value>(r).unwrap()["id"]
                    .as_i64()
                    .unwrap()
            })
            .collect()
    };

    let first = ids(store.events(&all(Order::Asc, None, 2)).await.unwrap());
    let next = ids(store.events(&all(Order::Asc, Some(3), 10)).await.unwrap());
    let back = ids(store.events(&all(Order::Desc, Some(1), 10)).await.unwrap());

    assert_eq!(first, vec![9, 3]);
    assert_eq!(next, vec![4, 1, 2]);
    assert_eq!(back, vec![4, 3, 9]);
}

#[tokio::test]
async fn a_committed_page_and_its_cursor_are_there_after_reopening_the_file() {
    let (dir, store) = store().await;
    let committed = SyncCursor {
        since_micros: T0 + MINUTE,
        after_id: Some(2),
    };
    store
        .insert_page(&[event(2, T0 + MINUTE, "a", "RegionJoin")], committed)
        .await
        .unwrap();
    drop(store);

    let reopened = SqliteStore::open_in(dir.path()).await.unwrap();

    assert_eq!(reopened.cursor().await.unwrap(), Some(committed));
    assert_eq!(reopened.count(&EventFilter::default()).await.unwrap(), 1);
}

#[tokio::test]
async fn a_new_file_has_no_cursor() {
    let (_dir, store) = store().await;
    assert_eq!(store.cursor().await.unwrap(), None);
}

#[tokio::test]
async fn a_combination_another_store_on_the_file_added_between_two_of_this_ones_is_counted() {
    let (dir, first) = store().await;
    let second = SqliteStore::open_in(dir.path()).await.unwrap();
    let put = |store: &SqliteStore, id: i64, channel: &'static str| {
        let store = store.clone();
        async move {
            store
                .insert_page(
                    &[event(id, T0 + id * MINUTE, channel, "RegionJoin")],
                    cursor(T0),
                )
                .await
                .unwrap();
        }
    };
    // Ids 1 and 3 are this store's own; id 2, between them, only the other store has seen.
    put(&first, 1, "a").await;
    put(&second, 2, "b").await;
    put(&first, 3, "c").await;

    assert_eq!(first.count(&EventFilter::default()).await.unwrap(), 3);
    let on_b = EventFilter {
        scope: Scope::Channel("b".into()),
        ..EventFilter::default()
    };
    assert_eq!(first.count(&on_b).await.unwrap(), 1);
}
