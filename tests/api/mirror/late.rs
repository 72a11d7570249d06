//! Late events: the simulator's moving clock lets some events reach the cloud hours after their
//! `event_time`; the tail re-sync picks them up, and the store's counts for their window match the cloud's.

use std::time::{Duration, Instant};

use camlytics_gateway::mirror::event::EventFilter;
use camlytics_gateway::mirror::settings::{MirrorSettings, Since};
use camlytics_gateway::mirror::sqlite::SqliteStore;
use camlytics_gateway::mirror::store::{EventQuery, EventStore, Order};
use camlytics_gateway::simulator::{ClockStart, MovingSettings, SimClock};
use chrono::{SecondsFormat, Utc};

use super::running::{mirror_status, wait_for};
use crate::helpers::{spawn_app_with, TestConfig};

#[actix_web::test]
async fn a_late_event_is_picked_up_by_the_tail_re_sync_and_its_window_counts_match_the_cloud() {
    let now = Utc::now();
    let mut config = TestConfig {
        mirror: MirrorSettings {
            since: Since::At(now - chrono::Duration::hours(3)),
            poll_every: Duration::from_millis(200),
            tail_every: Duration::from_millis(300),
            verify_every: Duration::from_secs(3600),
            ..MirrorSettings::default()
        },
        ..TestConfig::default()
    };
    config.simulator.clock = SimClock::Moving(MovingSettings {
        start: ClockStart::Wall,
        events_per_day: 20_000,
        late_share: 0.3,
        ..MovingSettings::manual(now, Duration::from_secs(3 * 3600))
    });
    let app = spawn_app_with(config).await;
    wait_for(&app, Duration::from_secs(60), |r| r["state"] == "caught_up").await;
    // One that happened in the last hour (the unsettled tail) and reaches the cloud within the next half hour.
    let late = app
        .cloud
        .late_events(
            now - chrono::Duration::minutes(55),
            now - chrono::Duration::minutes(5),
        )
        .into_iter()
        .find(|e| {
            e.event_time >= now - chrono::Duration::minutes(45)
                && e.event_time <= now - chrono::Duration::minutes(5)
                && e.arrival > Utc::now()
                && e.arrival < now + chrono::Duration::minutes(30)
        })
        .expect("a late event arriving within the half hour");
    let store = SqliteStore::open_in(app.state_dir.path()).await.unwrap();
    let at = late.event_time.timestamp_micros();
    let held_at = |store: SqliteStore| async move {
        let query = EventQuery {
            filter: EventFilter {
                since_micros: Some(at),
                until_micros: Some(at),
                ..EventFilter::default()
            },
            order: Order::Asc,
            starting_after: None,
            limit: 1000,
        };
        store.events(&query).await.unwrap()
    };
    let needle = format!("\"id\":{},", late.id);
    assert!(!held_at(store.clone())
        .await
        .iter()
        .any(|e| e.contains(&needle)));

    app.cloud.advance(Duration::from_secs(30 * 60));
    let deadline = Instant::now() + Duration::from_secs(30);
    while !held_at(store.clone())
        .await
        .iter()
        .any(|e| e.contains(&needle))
    {
        assert!(
            Instant::now() < deadline,
            "the late event {late:?} was not picked up: {}",
            mirror_status(&app).await.body
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }

    // Around it, inside the tail: every late arrival there is the tail's to pick up (the next walk at the latest).
    let (from, to) = (
        late.event_time - chrono::Duration::minutes(10),
        late.event_time + chrono::Duration::minutes(10),
    );
    let filter = EventFilter {
        since_micros: Some(from.timestamp_micros()),
        until_micros: Some(to.timestamp_micros()),
        ..EventFilter::default()
    };
    let text = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Micros, true);
    let url = format!(
        "{}/totals/types?since={}&until={}",
        app.api,
        text(from),
        text(to)
    );
    loop {
        let totals = app.get_url(&url, &[("Cache-Control", "no-cache")]).await;
        let cloud: u64 = totals
            .result()
            .iter()
            .map(|t| t["count"].as_u64().unwrap())
            .sum();
        let held = store.count(&filter).await.unwrap();
        if held == cloud {
            break;
        }
        assert!(Instant::now() < deadline, "held {held}, the cloud {cloud}");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}
