//! Verification against the cloud's `/totals/types`: a day corrupted on purpose in the store is found,
//! re-fetched and made whole, and `/v1/mirror` reports the repair.

use std::time::Duration;

use camlytics_gateway::mirror::event::{read_page, EventFilter, Scope};
use camlytics_gateway::mirror::sqlite::SqliteStore;
use camlytics_gateway::mirror::store::{EventStore, Span};
use camlytics_gateway::mirror::sync::sync_until_caught_up;
use chrono::{DateTime, Utc};

use super::fetch::GatewayFetch;
use super::running::{mirror_on, wait_for};
use super::start;
use crate::helpers::spawn_app;

const DAY: &str = "2025-12-20";
const LOCATION: i64 = 101;

fn day_span() -> Span {
    let from = DateTime::parse_from_rfc3339(&format!("{DAY}T00:00:00Z"))
        .unwrap()
        .with_timezone(&Utc)
        .timestamp_micros();
    Span {
        from_micros: from,
        to_micros: from + 86_400_000_000 - 1,
    }
}

async fn held_that_day(store: &SqliteStore) -> u64 {
    let span = day_span();
    let filter = EventFilter {
        scope: Scope::Location(LOCATION),
        since_micros: Some(span.from_micros),
        until_micros: Some(span.to_micros),
        ..EventFilter::default()
    };
    store.count(&filter).await.unwrap()
}

#[actix_web::test]
async fn verification_finds_a_day_corrupted_in_the_store_and_repairs_it() {
    let mut app = spawn_app().await;
    let store = SqliteStore::open_in(app.state_dir.path()).await.unwrap();
    sync_until_caught_up(&GatewayFetch::new(&app.api), &store, start())
        .await
        .unwrap();
    let whole = held_that_day(&store).await;
    let span = day_span();
    let answer = app
        .get(&format!(
            "/events?location_id={LOCATION}&since={DAY}T00:00:00Z&until={DAY}T23:59:59.999999Z&limit=1000"
        ))
        .await;
    let mut events = read_page(answer.body.as_bytes()).unwrap();
    assert!(events.len() > 20, "a day with events to lose");
    events.truncate(events.len() - 10);
    store
        .replace_window(Some(LOCATION), span, &events)
        .await
        .unwrap();
    assert_eq!(held_that_day(&store).await, whole - 10);

    app.config = mirror_on();
    app.restart_gateway().await;
    let report = wait_for(&app, Duration::from_secs(120), |r| {
        r["verification"]["round"]["finished_at"].is_string()
    })
    .await;

    let repairs = report["verification"]["repairs"].as_array().unwrap();
    assert_eq!(repairs.len(), 1, "{report}");
    assert_eq!(repairs[0]["day"], DAY);
    assert_eq!(repairs[0]["location_id"], LOCATION);
    assert_eq!(repairs[0]["written"], 10);
    assert_eq!(repairs[0]["removed"], 0);
    assert_eq!(report["verification"]["round"]["mismatches"], 1);
    assert_eq!(held_that_day(&store).await, whole);
    let locations = report["coverage"]["locations"].as_array().unwrap();
    assert_eq!(locations.len(), 3, "{report}");
    assert!(locations
        .iter()
        .all(|l| l["gaps"].as_array().unwrap().is_empty()));
}
