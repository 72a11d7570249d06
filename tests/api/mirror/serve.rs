//! The mirror as `serve` runs it: on, it fills its store and reports it; off, it syncs nothing; a store
//! fault is a 503 on `/v1/mirror` while the gateway keeps serving.

use std::time::Duration;

use camlytics_gateway::mirror::sqlite::FILE_NAME;

use super::running::{caught_up_with_all, mirror_on, mirror_status, wait_for};
use crate::helpers::{spawn_app, spawn_app_with};

#[actix_web::test]
async fn a_gateway_with_the_mirror_on_fills_its_store_and_reports_coverage_and_events_held() {
    let app = spawn_app_with(mirror_on()).await;

    let report = wait_for(&app, Duration::from_secs(60), caught_up_with_all).await;

    assert_eq!(report["store"]["kind"], "sqlite");
    let location = report["store"]["location"].as_str().unwrap();
    assert!(location.ends_with(FILE_NAME), "{location}");
    assert_eq!(report["coverage"]["range"]["from"], "2025-01-01T00:00:00Z");
    assert!(report["coverage"]["range"]["to"].is_string());
    assert!(report["newest_event"]
        .as_str()
        .unwrap()
        .starts_with("2025-12-31"));
    assert!(report["lag_seconds"].as_i64().unwrap() > 0);
    assert!(report["calls"]["last_hour"].as_u64().unwrap() >= 30);
    assert_eq!(report["calls"]["share"], 0.5);
    assert!(app.cloud.requests_per_path("/service/api/v1/events") >= 30);
}

#[actix_web::test]
async fn with_the_mirror_off_nothing_is_synced_and_the_status_says_off() {
    let app = spawn_app().await;
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;

    let answer = mirror_status(&app).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["result"]["state"], "off");
    assert_eq!(app.cloud.requests_per_path("/service/api/v1/events"), 0);
    assert!(!app.state_dir.path().join(FILE_NAME).exists());
}

#[actix_web::test]
async fn a_fault_in_the_store_answers_503_with_retry_after_and_the_gateway_keeps_serving() {
    let app = spawn_app_with(mirror_on()).await;
    wait_for(&app, Duration::from_secs(60), caught_up_with_all).await;
    let file = app.state_dir.path().join(FILE_NAME);
    let side = rusqlite::Connection::open(&file).unwrap();
    side.busy_timeout(Duration::from_secs(5)).unwrap();

    side.execute_batch("ALTER TABLE events RENAME TO events_hidden")
        .unwrap();
    let faulty = mirror_status(&app).await;
    let served = app.get("/locations").await;
    side.execute_batch("ALTER TABLE events_hidden RENAME TO events")
        .unwrap();
    let healed = mirror_status(&app).await;

    assert_eq!(faulty.status, 503, "{}", faulty.body);
    assert!(faulty.headers.contains_key("retry-after"));
    assert!(faulty.json()["msg"].as_str().unwrap().contains("store"));
    assert_eq!(served.status, 200);
    assert_eq!(healed.status, 200, "{}", healed.body);
}
