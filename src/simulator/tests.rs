//! End to end: a real simulator on a loopback port, called over HTTP like the gateway calls the cloud.

use std::net::TcpListener;
use std::time::Duration;

use serde_json::Value;

use super::auth::sign;
use super::{Fault, Simulator, SimulatorHandle, SimulatorSettings};

struct TestCloud {
    origin: String,
    handle: SimulatorHandle,
    settings: SimulatorSettings,
}

impl TestCloud {
    fn spawn(settings: SimulatorSettings) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let simulator = Simulator::start(settings.clone(), listener).expect("start the simulator");
        let origin = format!("http://127.0.0.1:{}", simulator.port());
        assert_eq!(simulator.base_url(), format!("{origin}/service/api/v1"));
        let handle = simulator.handle();
        actix_web::rt::spawn(simulator.run_until_stopped());
        Self {
            origin,
            handle,
            settings,
        }
    }

    fn unlimited() -> Self {
        Self::spawn(SimulatorSettings {
            requests_per_second: 0.0,
            ..SimulatorSettings::default()
        })
    }

    /// GETs `target` signed with the right secret.
    async fn get(&self, target: &str) -> (u16, Value) {
        let signature = sign(&self.settings.secret, target);
        self.get_with(target, &self.settings.key, &signature).await
    }

    async fn get_with(&self, target: &str, key: &str, signature: &str) -> (u16, Value) {
        let (status, body, _) = self.send(target, key, signature).await;
        (status, body)
    }

    /// GETs `target` signed with the right secret; also returns the `Retry-After` header.
    async fn get_retry_after(&self, target: &str) -> (u16, Value, Option<String>) {
        let signature = sign(&self.settings.secret, target);
        self.send(target, &self.settings.key, &signature).await
    }

    async fn send(&self, target: &str, key: &str, signature: &str) -> (u16, Value, Option<String>) {
        let mut response = awc::Client::default()
            .get(format!("{}{target}", self.origin))
            .insert_header(("X-Key", key))
            .insert_header(("X-Sign", signature))
            .send()
            .await
            .expect("the simulator answers");
        let body = response.body().limit(4 << 20).await.expect("a body");
        let json = serde_json::from_slice(&body)
            .unwrap_or(Value::String(String::from_utf8_lossy(&body).into()));
        let retry_after = response
            .headers()
            .get("Retry-After")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        (response.status().as_u16(), json, retry_after)
    }
}

#[actix_web::test]
async fn signed_requests_get_data_and_every_kind_of_bad_request_is_refused_with_its_code() {
    let cloud = TestCloud::unlimited();

    let (status, body) = cloud.get("/service/api/v1/locations?nonce=1").await;
    assert_eq!(status, 200);
    assert_eq!(body["code"], 0);
    assert_eq!(body["msg"], "success");
    assert_eq!(body["result"].as_array().map(Vec::len), Some(3));

    let (status, body) = cloud.get("/service/api/v1/locations?nonce=1").await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(4)));
    assert!(body["result"].is_null());
    assert!(body["msg"]
        .as_str()
        .unwrap_or("")
        .contains("last accepted: 1"));

    let wrong_sign = sign(&cloud.settings.secret, "/service/api/v1/locations?nonce=3");
    let (status, body) = cloud
        .get_with("/service/api/v1/locations?nonce=2", "demo-key", &wrong_sign)
        .await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(2)));

    let target = "/service/api/v1/locations?nonce=4";
    let (status, body) = cloud
        .get_with(target, "other-key", &sign(&cloud.settings.secret, target))
        .await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(1)));

    let (status, body) = cloud
        .get("/service/api/v1/channels?nonce=5&colour=red")
        .await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(8)));
    assert!(body["msg"].as_str().unwrap_or("").contains("colour"));

    let handle = &cloud.handle;
    assert_eq!(handle.requests(), 5);
    assert_eq!(handle.accepted(), 1);
    assert_eq!(handle.nonce_rejections(), 1);
    assert_eq!(handle.signature_rejections(), 1);
    assert_eq!(handle.key_rejections(), 1);
    assert_eq!(handle.accepted_nonces(), vec![1, 5]);
    assert_eq!(handle.requests_per_path("/service/api/v1/locations"), 4);
    assert_eq!(
        handle.received_targets()[4],
        "/service/api/v1/channels?nonce=5&colour=red"
    );
}

#[actix_web::test]
async fn the_signature_covers_the_encoded_target_exactly_as_sent() {
    let cloud = TestCloud::unlimited();
    let encoded = "/service/api/v1/events?location_id=101&nonce=7&since=2025-12-31T06%3A12%3A00.000%2B01%3A00&limit=5";
    let (status, body) = cloud.get(encoded).await;
    assert_eq!(status, 200, "{body}");
    let events = body["result"].as_array().cloned().unwrap_or_default();
    assert_eq!(events.len(), 5);
    assert!(events.iter().all(|e| e["location_id"] == 101));
    assert!(events
        .iter()
        .all(|e| e["event_time"].as_str() >= Some("2025-12-31T05:12:00.000+00:00")));

    // Same query, signed over its decoded form: a different byte string, so refused.
    let decoded = "/service/api/v1/events?location_id=101&nonce=8&since=2025-12-31T06:12:00.000+01:00&limit=5";
    let signature = sign(&cloud.settings.secret, decoded);
    let (status, body) = cloud
        .get_with(&decoded.replace('+', "%2B"), "demo-key", &signature)
        .await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(2)));
}

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
async fn another_client_moving_the_nonce_makes_ours_stale() {
    let cloud = TestCloud::unlimited();
    cloud.handle.set_last_nonce(1_700_000_000);
    let (status, body) = cloud
        .get("/service/api/v1/locations?nonce=1699999999")
        .await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(4)));
    assert_eq!(
        cloud
            .get("/service/api/v1/locations?nonce=1700000001")
            .await
            .0,
        200
    );
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
async fn unknown_paths_and_other_methods_are_refused_but_counted() {
    let cloud = TestCloud::unlimited();
    let (status, body) = cloud.get("/service/api/v1/cameras?nonce=1").await;
    assert_eq!((status, body["code"].as_i64()), (404, Some(9)));
    let status = awc::Client::default()
        .post(format!("{}/service/api/v1/locations?nonce=2", cloud.origin))
        .send()
        .await
        .expect("the simulator answers")
        .status();
    assert_eq!(status.as_u16(), 405);
    assert_eq!(cloud.handle.requests(), 2);
    assert_eq!(cloud.handle.last_nonce(), 0);
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

#[actix_web::test]
async fn totals_and_filters_answer_in_the_reference_shapes() {
    let cloud = TestCloud::unlimited();
    let (_, channels) = cloud
        .get("/service/api/v1/channels?nonce=1&location_id=103")
        .await;
    let channels = channels["result"].as_array().cloned().unwrap_or_default();
    assert!((2..=4).contains(&channels.len()));
    let channel = channels[0]["id"].as_str().unwrap_or_default().to_owned();

    let target =
        format!("/service/api/v1/totals/types?nonce=2&channel_id={channel}&location_id=101");
    let (status, types) = cloud.get(&target).await;
    assert_eq!(status, 200, "{types}");
    let rows = types["result"].as_array().cloned().unwrap_or_default();
    assert!(!rows.is_empty());
    assert!(rows
        .iter()
        .all(|r| r["channel_id"] == channel.as_str() && r["count"].as_u64() > Some(0)));

    let target =
        format!("/service/api/v1/totals/triggers?nonce=3&channel_id={channel}&origin=Vehicle");
    let (_, triggers) = cloud.get(&target).await;
    let rows = triggers["result"].as_array().cloned().unwrap_or_default();
    assert!(rows
        .iter()
        .all(|r| r["trigger_name"].is_string() && r["location_id"] == 103));

    let (status, body) = cloud
        .get("/service/api/v1/totals/types?nonce=4&trigger_id=x")
        .await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(8)));
}
