//! End to end: a real simulator on a loopback port, called over HTTP like the gateway calls the cloud.

mod checks;
mod clock;
mod faults;

use std::net::TcpListener;

use serde_json::Value;

use super::auth::sign;
use super::{Simulator, SimulatorHandle, SimulatorSettings};

/// A simulator running on a loopback port, and a signed HTTP client for it.
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
