//! Notes, stats, and files of other versions.

use super::super::rollups::MINUTE;
use super::super::schema::VERSION_1;
use super::recount::assert_rollups_match_the_events;
use super::*;

const T0: i64 = 1_767_225_600_000_000; // 2026-01-01T00:00:00Z

#[tokio::test]
async fn a_note_set_is_read_back_replaced_and_still_there_after_reopening() {
    let (dir, store) = super::store().await;
    assert_eq!(store.note("coverage").await.unwrap(), None);
    store.set_note("coverage", "first").await.unwrap();
    store
        .set_note("coverage", r#"{"span":null}"#)
        .await
        .unwrap();
    store.set_note("verified", "2026-01-01").await.unwrap();
    drop(store);

    let reopened = SqliteStore::open_in(dir.path()).await.unwrap();

    let coverage = reopened.note("coverage").await.unwrap();
    assert_eq!(coverage.as_deref(), Some(r#"{"span":null}"#));
    let verified = reopened.note("verified").await.unwrap();
    assert_eq!(verified.as_deref(), Some("2026-01-01"));
}

#[tokio::test]
async fn stats_give_the_events_held_their_ends_and_a_size_that_grows_with_them() {
    let (_dir, store) = super::store().await;
    let empty = store.stats().await.unwrap();
    let page: Vec<StoredEvent> = (0..2_000)
        .map(|n| super::event(n, T0 + n * MINUTE / 3, "a", "RegionJoin"))
        .collect();

    store.insert_page(&page, super::cursor(T0)).await.unwrap();
    store
        .insert_page(&page[..10], super::cursor(T0))
        .await
        .unwrap();

    let stats = store.stats().await.unwrap();
    assert_eq!(empty.events, 0);
    assert_eq!((empty.oldest_micros, empty.newest_micros), (None, None));
    assert_eq!(stats.events, 2_000);
    assert_eq!(stats.oldest_micros, Some(T0));
    assert_eq!(stats.newest_micros, Some(T0 + 1_999 * MINUTE / 3));
    let (before, after) = (empty.bytes_on_disk.unwrap(), stats.bytes_on_disk.unwrap());
    assert!(after > before + 100_000, "{before} then {after} bytes");
}

#[tokio::test]
async fn a_version_1_file_is_upgraded_in_place_with_its_rollups_rebuilt_from_its_events() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    {
        let old = rusqlite::Connection::open(&path).unwrap();
        old.execute_batch(VERSION_1).unwrap();
        for n in 0..300_i64 {
            let e = super::event(
                n,
                T0 + n * 7 * MINUTE + n,
                if n % 2 == 0 { "a" } else { "b" },
                "Loitering",
            );
            old.execute(
                "INSERT INTO events VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                rusqlite::params![
                    e.id,
                    e.location_id,
                    e.channel_id,
                    e.trigger_id,
                    e.event_type,
                    e.origin,
                    e.event_time_micros,
                    &*e.raw
                ],
            )
            .unwrap();
        }
        old.execute("INSERT INTO sync_cursor VALUES (1, ?1, NULL)", [T0])
            .unwrap();
    }

    let store = SqliteStore::open_in(dir.path()).await.unwrap();

    assert_rollups_match_the_events(&store);
    assert_eq!(store.stats().await.unwrap().events, 300);
    let channel_a = EventFilter {
        scope: Scope::Channel("a".into()),
        ..EventFilter::default()
    };
    assert_eq!(store.count(&channel_a).await.unwrap(), 150);
    assert_eq!(store.cursor().await.unwrap(), Some(super::cursor(T0)));
    let version: i64 = store
        .held
        .lock()
        .unwrap()
        .conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(version, 2);
}

#[tokio::test]
async fn a_file_of_a_newer_gateway_is_refused_saying_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA user_version = 3")
        .unwrap();

    let refused = SqliteStore::open_in(dir.path()).await.err().unwrap();

    assert!(
        refused.0.contains("newer than this gateway's 2"),
        "{refused}"
    );
}

#[tokio::test]
async fn a_corrupt_rollup_is_an_error_not_a_wrong_count() {
    let (_dir, store) = super::store().await;
    store
        .insert_page(&[super::event(1, T0, "a", "RegionJoin")], super::cursor(T0))
        .await
        .unwrap();
    store
        .held
        .lock()
        .unwrap()
        .conn
        .execute("UPDATE rollup_days SET counts = x'ff'", [])
        .unwrap();

    let counted = store.count(&EventFilter::default()).await;

    assert!(counted.unwrap_err().0.contains("packed counts"));
}
