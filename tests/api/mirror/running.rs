//! Helpers for tests of the mirror as `serve` runs it: settings that turn it on, and waiting on `/v1/mirror`.

use std::time::{Duration, Instant};

use camlytics_gateway::mirror::settings::{MirrorSettings, Since};
use serde_json::Value;

use super::start;
use crate::helpers::{Answer, TestApp, TestConfig};

/// Test settings with the mirror on from before the simulator's first event, polling quickly.
pub fn mirror_on() -> TestConfig {
    TestConfig {
        mirror: MirrorSettings {
            since: Since::At(start()),
            poll_every: Duration::from_millis(200),
            tail_every: Duration::from_secs(3600),
            verify_every: Duration::from_secs(3600),
            ..MirrorSettings::default()
        },
        ..TestConfig::default()
    }
}

/// `GET /v1/mirror`.
pub async fn mirror_status(app: &TestApp) -> Answer {
    app.get_url(&format!("{}/v1/mirror", app.origin()), &[])
        .await
}

/// Polls `/v1/mirror` until `done` holds for its `result`, or panics after `within` with the last answer.
pub async fn wait_for(app: &TestApp, within: Duration, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let answer = mirror_status(app).await;
        if answer.status.is_success() {
            let result = answer.json()["result"].clone();
            if done(&result) {
                return result;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the mirror did not get there in {within:?}: {} {}",
            answer.status,
            answer.body
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Whether the report says caught up with every one of the simulator's events held.
pub fn caught_up_with_all(result: &Value) -> bool {
    result["state"] == "caught_up" && result["events_held"] == 30_000
}
