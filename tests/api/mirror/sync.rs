//! A sync against the simulator holds exactly its events; a stopped sync resumes on the same file.

use std::time::Duration;

use camlytics_gateway::mirror::event::{read_page, EventFilter};
use camlytics_gateway::mirror::sqlite::SqliteStore;
use camlytics_gateway::mirror::store::EventStore;
use camlytics_gateway::mirror::sync::{sync_until_caught_up, SyncError};

use super::fetch::GatewayFetch;
use super::{cloud_events, held_events, rollup_total, start};
use crate::helpers::spawn_app;

#[actix_web::test]
async fn a_full_sync_holds_exactly_the_clouds_events_byte_for_byte() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_in(dir.path()).await.unwrap();

    let report = sync_until_caught_up(&GatewayFetch::new(&app.api), &store, start())
        .await
        .unwrap();

    let expected = cloud_events(&app).await;
    assert_eq!(expected.len(), 30_000);
    assert_eq!(report.new, 30_000);
    assert_eq!(rollup_total(&store).await, 30_000);
    let held = held_events(&store).await;
    assert_eq!(held.len(), expected.len());
    if let Some(n) = (0..held.len()).find(|&n| held[n] != expected[n]) {
        panic!(
            "event {n} differs:\n held {}\n cloud {}",
            held[n], expected[n]
        );
    }
}

#[actix_web::test]
async fn a_sync_stopped_after_some_pages_resumes_on_the_same_file_losing_and_doubling_nothing() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_in(dir.path()).await.unwrap();
    let stopping = GatewayFetch::limited(&app.api, 7, Duration::ZERO);
    let stopped = sync_until_caught_up(&stopping, &store, start()).await;
    assert!(
        matches!(stopped, Err(SyncError::Upstream(_))),
        "{stopped:?}"
    );
    let part = rollup_total(&store).await;
    assert!(
        (6_000..=7_000).contains(&part),
        "{part} events after 7 pages"
    );
    drop(store);

    let reopened = SqliteStore::open_in(dir.path()).await.unwrap();
    let resumed = sync_until_caught_up(&GatewayFetch::new(&app.api), &reopened, start())
        .await
        .unwrap();

    assert_eq!(resumed.new, 30_000 - part);
    assert_eq!(rollup_total(&reopened).await, 30_000);
    assert_eq!(held_events(&reopened).await, cloud_events(&app).await);
}

#[actix_web::test]
async fn an_id_delivered_again_with_other_bytes_keeps_one_row_and_is_counted_once() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_in(dir.path()).await.unwrap();
    sync_until_caught_up(&GatewayFetch::new(&app.api), &store, start())
        .await
        .unwrap();
    let cursor = store.cursor().await.unwrap().unwrap();
    let original = cloud_events(&app).await.swap_remove(123);
    let mut event: serde_json::Value = serde_json::from_str(&original).unwrap();
    let old_type = event["event_type"].as_str().unwrap().to_owned();
    let new_type = if old_type == "Sabotage" {
        "CrowdOn"
    } else {
        "Sabotage"
    };
    event["event_type"] = new_type.into();
    let changed = event.to_string();
    let page = read_page(format!(r#"{{"code":0,"result":[{changed}]}}"#).as_bytes()).unwrap();
    let (old_before, new_before) = (
        of_type(&store, &old_type).await,
        of_type(&store, new_type).await,
    );

    let inserted = store.insert_page(&page, cursor).await.unwrap();

    assert_eq!(inserted.replaced, 1);
    assert_eq!(rollup_total(&store).await, 30_000);
    assert_eq!(of_type(&store, &old_type).await, old_before - 1);
    assert_eq!(of_type(&store, new_type).await, new_before + 1);
    let held = held_events(&store).await;
    assert_eq!(held.len(), 30_000);
    assert_eq!(held.iter().filter(|e| **e == changed).count(), 1);
    assert!(!held.contains(&original));
}

/// Events of one type held, from the rollups.
async fn of_type(store: &SqliteStore, event_type: &str) -> u64 {
    let filter = EventFilter {
        event_type: Some(event_type.to_owned()),
        ..EventFilter::default()
    };
    store.count(&filter).await.unwrap()
}
