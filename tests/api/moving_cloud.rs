//! The gateway in front of a simulated cloud whose events move with a clock the test drives: late events
//! appear once they arrive, paging by place in the list holds over them, and the documented examples find
//! data in it as they do in the fixed data set.

use std::time::Duration;

use camlytics_gateway::simulator::{MovingSettings, SimClock, SimulatorSettings};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::helpers::{spawn_app_with, TestApp, TestConfig};

/// A test configuration whose cloud moves: "now" stands at `now` until `app.cloud.advance(..)`, with
/// `history` of events before it, `events_per_day` and `late_share` as given, seed 7.
pub fn moving_config(
    now: DateTime<Utc>,
    history: Duration,
    events_per_day: u32,
    late_share: f64,
) -> TestConfig {
    let config = TestConfig::default();
    TestConfig {
        simulator: SimulatorSettings {
            clock: SimClock::Moving(MovingSettings {
                events_per_day,
                late_share,
                ..MovingSettings::manual(now, history)
            }),
            ..config.simulator.clone()
        },
        ..config
    }
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn millis(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn ids(events: &[Value]) -> Vec<i64> {
    events.iter().filter_map(|e| e["id"].as_i64()).collect()
}

/// Every event of `query` through the gateway, paged along `starting_after` by `limit`.
async fn walk(app: &TestApp, query: &str, limit: usize) -> Vec<Value> {
    let mut all: Vec<Value> = Vec::new();
    loop {
        let cursor = all
            .last()
            .map(|e| format!("&starting_after={}", e["id"]))
            .unwrap_or_default();
        let page = app
            .get(&format!("/events?{query}&limit={limit}{cursor}"))
            .await
            .result();
        let short = page.len() < limit;
        all.extend(page);
        if short {
            return all;
        }
    }
}

#[actix_web::test]
async fn a_late_event_reaches_callers_only_once_the_clouds_clock_passes_its_arrival() {
    let app = spawn_app_with(moving_config(
        at("2026-03-03T00:00:00Z"),
        Duration::from_secs(2 * 86_400),
        5_000,
        0.05,
    ))
    .await;
    let late = app
        .cloud
        .late_events(at("2026-03-02T18:00:00Z"), at("2026-03-02T23:00:00Z"));
    let event = late
        .iter()
        .find(|e| e.arrival > at("2026-03-03T00:10:00Z"))
        .expect("an event arriving after midnight");
    let window = format!(
        "/events?since={}&until={}&limit=1000",
        millis(event.event_time),
        millis(event.event_time)
    );
    // The window is long settled by the gateway's clock: a caller's no-cache asks the cloud again.
    let fresh = [("Cache-Control", "no-cache")];
    let url = format!("{}{window}", app.api);
    let before = app.get_url(&url, &fresh).await.result();
    assert!(!ids(&before).contains(&i64::from(event.id)));

    let now = app.cloud.now().expect("a moving clock");
    app.cloud.advance((event.arrival - now).to_std().unwrap());
    let after = app.get_url(&url, &fresh).await.result();
    assert!(ids(&after).contains(&i64::from(event.id)));
    assert_eq!(after.len(), before.len() + 1);
}

#[actix_web::test]
async fn paging_through_the_gateway_over_late_events_visits_every_event_once_in_both_orders() {
    let app = spawn_app_with(moving_config(
        at("2026-03-03T00:00:00Z"),
        Duration::from_secs(2 * 86_400),
        5_000,
        0.1,
    ))
    .await;
    let window = "location_id=101&since=2026-03-02T08:00:00Z&until=2026-03-02T16:00:00Z";
    let forward = walk(&app, &format!("{window}&order=asc"), 250).await;
    let mut backward = walk(&app, &format!("{window}&order=desc"), 250).await;
    backward.reverse();
    assert_eq!(forward, backward);
    let mut unique = ids(&forward);
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), forward.len());
    let totals = app.get(&format!("/totals/types?{window}")).await.result();
    let counted: u64 = totals.iter().filter_map(|t| t["count"].as_u64()).sum();
    assert_eq!(counted, forward.len() as u64);
    let out_of_id_order = ids(&forward).windows(2).filter(|w| w[0] > w[1]).count();
    assert!(out_of_id_order > 0, "the window holds late events");
}

#[actix_web::test]
async fn the_documented_examples_find_data_in_the_moving_cloud_as_the_demo_serves_it() {
    let app = spawn_app_with(moving_config(
        Utc::now(),
        Duration::from_secs(30 * 86_400),
        5_000,
        0.015,
    ))
    .await;
    let document: Value =
        serde_json::from_str(include_str!("../../openapi.json")).expect("the committed document");
    let base = camlytics_gateway::camlytics::BASE_PATH;
    let paths = document["paths"].as_object().expect("paths");
    let mut tried = 0;
    for (path, item) in paths.iter().filter(|(p, _)| p.starts_with(base)) {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for parameter in item["get"]["parameters"].as_array().into_iter().flatten() {
            let value = match &parameter["example"] {
                Value::Null => continue,
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            query.append_pair(parameter["name"].as_str().unwrap_or_default(), &value);
        }
        let query = query.finish();
        let route = path.trim_start_matches(base);
        let answer = app.get(&format!("{route}?{query}")).await;
        assert!(!answer.result().is_empty(), "{route}?{query} found nothing");
        tried += 1;
    }
    assert_eq!(tried, 6);
}
