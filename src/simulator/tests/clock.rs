//! The moving mode over HTTP: a clock the test drives, late events, and the lazy start.

use std::net::TcpListener;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::TestCloud;
use crate::simulator::{MovingSettings, SimClock, Simulator, SimulatorSettings};

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn moving(now: &str, late_share: f64) -> TestCloud {
    TestCloud::spawn(SimulatorSettings {
        requests_per_second: 0.0,
        clock: SimClock::Moving(MovingSettings {
            events_per_day: 5_000,
            late_share,
            ..MovingSettings::manual(at(now), Duration::from_secs(2 * 86_400))
        }),
        ..SimulatorSettings::default()
    })
}

fn encoded(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[actix_web::test]
async fn a_thirty_day_history_starts_at_once_and_nothing_is_made_until_asked() {
    let started = std::time::Instant::now();
    let cloud = TestCloud::spawn(SimulatorSettings {
        requests_per_second: 0.0,
        clock: SimClock::wall(Duration::from_secs(30 * 86_400)),
        ..SimulatorSettings::default()
    });
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(cloud.handle.hours_held(), 0);
    let (status, body) = cloud
        .get("/service/api/v1/events?nonce=1&order=desc&limit=3")
        .await;
    assert_eq!(status, 200, "{body}");
    let newest = body["result"][0]["event_time"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let now = cloud.handle.now().unwrap();
    assert!(newest <= now.format("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string());
    assert!(cloud.handle.hours_held() < 48);
}

#[actix_web::test]
async fn a_late_event_is_invisible_over_http_until_the_clock_passes_its_arrival() {
    let cloud = moving("2026-03-03T00:00:00Z", 0.05);
    let late = cloud
        .handle
        .late_events(at("2026-03-02T12:00:00Z"), at("2026-03-02T23:00:00Z"));
    let event = late
        .iter()
        .find(|e| e.arrival > at("2026-03-03T00:30:00Z"))
        .expect("an event arriving after midnight");
    let target = |nonce: u32| {
        format!(
            "/service/api/v1/events?nonce={nonce}&since={}&until={}",
            encoded(event.event_time),
            encoded(event.event_time)
        )
    };
    let ids = |body: serde_json::Value| -> Vec<i64> {
        body["result"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e["id"].as_i64()).collect())
            .unwrap_or_default()
    };
    let (_, before) = cloud.get(&target(1)).await;
    assert!(!ids(before).contains(&i64::from(event.id)));

    let wait = (event.arrival - cloud.handle.now().unwrap())
        .to_std()
        .unwrap();
    cloud.handle.advance(wait);
    assert_eq!(cloud.handle.now(), Some(event.arrival));
    let (_, after) = cloud.get(&target(2)).await;
    assert!(ids(after.clone()).contains(&i64::from(event.id)), "{after}");
}

#[actix_web::test]
async fn every_endpoint_answers_from_the_moving_data_and_totals_agree_with_the_events() {
    let cloud = moving("2026-03-03T00:00:00Z", 0.015);
    let (_, locations) = cloud.get("/service/api/v1/locations?nonce=1").await;
    assert_eq!(locations["result"].as_array().map(Vec::len), Some(3));
    let (_, triggers) = cloud
        .get("/service/api/v1/triggers?nonce=2&location_id=102")
        .await;
    let names: Vec<&str> = triggers["result"]
        .as_array()
        .map(|a| a.iter().filter_map(|t| t["name"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        names.contains(&"Enter") && names.contains(&"Exit"),
        "{names:?}"
    );

    let window = "location_id=102&since=2026-03-02T14:00:00Z&until=2026-03-02T14:59:59.999Z";
    let (_, events) = cloud
        .get(&format!(
            "/service/api/v1/events?nonce=3&limit=1000&{window}"
        ))
        .await;
    let listed = events["result"].as_array().map(Vec::len).unwrap_or(0) as u64;
    assert!(listed > 0 && listed < 1000);
    for (nonce, path) in [(4, "totals/triggers"), (5, "totals/types")] {
        let (status, totals) = cloud
            .get(&format!("/service/api/v1/{path}?nonce={nonce}&{window}"))
            .await;
        assert_eq!(status, 200, "{totals}");
        let counted: u64 = totals["result"]
            .as_array()
            .map(|rows| rows.iter().filter_map(|r| r["count"].as_u64()).sum())
            .unwrap_or(0);
        assert_eq!(counted, listed, "{path}");
    }
}

#[actix_web::test]
async fn moving_settings_out_of_range_refuse_to_start_naming_the_field() {
    let settings = SimulatorSettings {
        clock: SimClock::Moving(MovingSettings {
            events_per_day: 60_000,
            ..MovingSettings::manual(at("2026-03-03T00:00:00Z"), Duration::from_secs(86_400))
        }),
        ..SimulatorSettings::default()
    };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let refused = Simulator::start(settings, listener).err().expect("refused");
    assert_eq!(refused.kind(), std::io::ErrorKind::InvalidInput);
    assert!(refused.to_string().contains("events_per_day"), "{refused}");
}
