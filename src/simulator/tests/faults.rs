//! The simulator's own rate limit, injected faults and latency.

use std::time::Duration;

use serde_json::Value;

use super::TestCloud;
use crate::simulator::{Fault, SimulatorSettings};

#[actix_web::test]
async fn requests_faster_than_the_limit_are_throttled_with_retry_after() {
    let cloud = TestCloud::spawn(SimulatorSettings::default());
    assert_eq!(cloud.get("/service/api/v1/triggers?nonce=1").await.0, 200);
    let (status, body, retry_after) = cloud
        .get_retry_after("/service/api/v1/triggers?nonce=2")
        .await;
    assert_eq!((status, body["code"].as_i64()), (429, Some(5)));
    assert_eq!(retry_after.as_deref(), Some("1"));
    assert_eq!(cloud.handle.throttled(), 1);
    // The throttled request still consumed its nonce, as a real server would.
    assert_eq!(cloud.handle.last_nonce(), 2);

    cloud.handle.set_requests_per_second(0.0);
    assert_eq!(cloud.get("/service/api/v1/triggers?nonce=3").await.0, 200);
}

#[actix_web::test]
async fn injected_faults_change_the_answers_until_cleared() {
    let cloud = TestCloud::unlimited();
    let handle = &cloud.handle;

    handle.set_fault(Fault::Down);
    let (status, body, retry_after) = cloud
        .get_retry_after("/service/api/v1/locations?nonce=1")
        .await;
    assert_eq!((status, body["code"].as_i64()), (503, Some(6)));
    assert_eq!(retry_after.as_deref(), Some("1"));

    handle.set_fault(Fault::BadAnswer);
    let (status, body) = cloud.get("/service/api/v1/locations?nonce=2").await;
    assert_eq!(
        (status, body),
        (200, Value::String("<html>oops</html>".into()))
    );

    handle.set_fault(Fault::Throttle {
        retry_after_secs: 9,
    });
    assert_eq!(cloud.get("/service/api/v1/locations?nonce=3").await.0, 429);

    handle.set_fault(Fault::ErrorRate(0.5));
    let mut failures = 0;
    for nonce in 5..25 {
        let (status, _) = cloud
            .get(&format!("/service/api/v1/locations?nonce={nonce}"))
            .await;
        failures += u32::from(status == 500);
    }
    assert!((3..=17).contains(&failures), "{failures} of 20 failed");

    handle.set_fault(Fault::None);
    handle.reset_counters();
    assert_eq!(cloud.get("/service/api/v1/locations?nonce=30").await.0, 200);
    assert_eq!((handle.requests(), handle.accepted()), (1, 1));
}

#[actix_web::test]
async fn slow_answers_take_at_least_the_injected_delay() {
    let cloud = TestCloud::unlimited();
    cloud
        .handle
        .set_fault(Fault::Slow(Duration::from_millis(300)));
    let started = std::time::Instant::now();
    assert_eq!(
        cloud.get("/service/api/v1/totals/types?nonce=1").await.0,
        200
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[actix_web::test]
async fn the_configured_latency_delays_every_answer_even_refusals() {
    let cloud = TestCloud::spawn(SimulatorSettings {
        latency: Duration::from_millis(200),
        ..SimulatorSettings::default()
    });
    let started = std::time::Instant::now();
    let (status, _) = cloud
        .get_with("/service/api/v1/locations?nonce=1", "wrong", "")
        .await;
    assert_eq!(status, 401);
    assert!(started.elapsed() >= Duration::from_millis(200));
}
