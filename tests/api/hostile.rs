//! A hostile cloud: absurd `Retry-After`s, lying nonce messages, broken, huge, slow and endless bodies.
//! Whatever it does, the gateway stays up, answers 502, 503 or 504 (never 500, never an empty reply),
//! and serves normally once the cloud behaves.

use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use camlytics_gateway::startup::Application;
use tempfile::TempDir;

use crate::helpers::{assert_strictly_increasing, gateway_settings, TestConfig};
use crate::hostile_cloud::{Behaviour, HostileCloud};
use crate::process::GatewayProcess;

/// An uncached route: every request goes to the cloud.
const EVENTS: &str = "/events?location_id=101&limit=5";
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(2);

/// A gateway in front of a hostile cloud.
struct Gateway {
    origin: String,
    state_dir: TempDir,
    handle: ServerHandle,
    client: awc::Client,
}

/// What the gateway answered, read whole.
struct Reply {
    status: u16,
    retry_after: Option<u64>,
    body: String,
}

impl Gateway {
    fn start(cloud: &HostileCloud) -> Self {
        let config = TestConfig {
            max_wait: Duration::from_secs(3),
            upstream_timeout: UPSTREAM_TIMEOUT,
            ..TestConfig::default()
        };
        let state_dir = tempfile::tempdir().unwrap();
        let app = Application::build(gateway_settings(&config, &cloud.url, &state_dir)).unwrap();
        let origin = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        actix_web::rt::spawn(app.run_until_stopped());
        Self {
            origin,
            state_dir,
            handle,
            client: awc::Client::builder()
                .timeout(Duration::from_secs(30))
                .finish(),
        }
    }

    /// GETs a path of the gateway; an empty or broken reply fails the test with what happened.
    async fn get(&self, path: &str) -> Reply {
        let url = format!("{}{path}", self.origin);
        let mut response = self
            .client
            .get(&url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("no reply to {url} (a worker died?): {e}"));
        let body = response.body().await.unwrap();
        Reply {
            status: response.status().as_u16(),
            retry_after: response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok()),
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    async fn api(&self, path_and_query: &str) -> Reply {
        self.get(&format!(
            "{}{path_and_query}",
            camlytics_gateway::api::BASE_PATH
        ))
        .await
    }

    /// The gateway is alive and its answers are whole envelopes with the status as `code`.
    async fn assert_alive(&self, reply: &Reply) {
        let json: serde_json::Value = serde_json::from_str(&reply.body)
            .unwrap_or_else(|e| panic!("not an envelope ({e}): {}", reply.body));
        assert_eq!(json["code"], reply.status, "{}", reply.body);
        assert_eq!(self.get("/healthz").await.status, 200);
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

fn throttled(status: u16, retry_after: &str) -> Behaviour {
    Behaviour::Status {
        status,
        headers: vec![format!("Retry-After: {retry_after}")],
        body: r#"{"code":5,"msg":"too many requests","result":null}"#.into(),
    }
}

#[actix_web::test]
async fn absurd_retry_after_values_are_a_503_within_the_hour_and_never_kill_a_worker() {
    for (status, value) in [
        (429, "18446744073709551615"),
        (429, "99999999999"),
        (503, "Fri, 31 Dec 9999 23:59:59 GMT"),
        (429, "-1"),
    ] {
        // Arrange
        let cloud = HostileCloud::start(throttled(status, value));
        let gateway = Gateway::start(&cloud);

        // Act
        let reply = gateway.api(EVENTS).await;

        // Assert
        assert_eq!(reply.status, 503, "Retry-After {value}: {}", reply.body);
        let retry_after = reply.retry_after.expect("a Retry-After");
        assert!(
            retry_after <= 3600,
            "Retry-After {value} became {retry_after}"
        );
        gateway.assert_alive(&reply).await;
        // A second caller meets the same pause, without a panic either.
        assert_eq!(gateway.api(EVENTS).await.status, 503, "{value}");
    }
}

#[actix_web::test]
async fn an_unreadable_retry_after_pauses_a_second_and_then_the_gateway_serves_again() {
    let cloud = HostileCloud::start(throttled(429, "-1"));
    let gateway = Gateway::start(&cloud);
    assert_eq!(gateway.api(EVENTS).await.status, 503);

    cloud.behave(Behaviour::Normal);
    actix_web::rt::time::sleep(Duration::from_millis(1100)).await;

    let reply = gateway.api(EVENTS).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[actix_web::test]
async fn nonce_rejections_with_stray_or_absurd_numbers_never_burn_the_keys_nonces() {
    // Arrange
    let cloud = HostileCloud::start(Behaviour::Normal);
    let gateway = Gateway::start(&cloud);
    let messages = [
        "Nonce must be more than the previous one. Trace 1796031351000123",
        "Nonce must be more than the previous one. Request 2000000000",
        "Nonce must be more than the previous one",
        "nonce rejected, ref 99999999999999999999999999",
    ];
    for msg in messages {
        cloud.behave(Behaviour::Status {
            status: 401,
            headers: Vec::new(),
            body: format!(r#"{{"code":4,"msg":"{msg}","result":null}}"#),
        });

        // Act
        let reply = gateway.api(EVENTS).await;

        // Assert: the retries ran, then the key is said to be shared; nothing more.
        assert_eq!(reply.status, 502, "{msg}: {}", reply.body);
        assert!(reply.body.contains("seems to be shared"), "{}", reply.body);
        gateway.assert_alive(&reply).await;
    }
    cloud.behave(Behaviour::Normal);
    let reply = gateway.api(EVENTS).await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    // Every rejection was retried (three sends each), with nonces still near the clock, on disk too.
    let nonces = cloud.nonces();
    assert_eq!(nonces.len(), messages.len() * 3 + 1);
    assert_strictly_increasing(&nonces);
    let near = chrono::Utc::now().timestamp() + 3600;
    let last = *nonces.last().unwrap();
    assert!(last < near, "the nonce moved to {last}");
    let mark =
        std::fs::read_to_string(gateway.state_dir.path().join("nonce-test-key.hwm")).unwrap();
    let mark: i64 = mark.trim().parse().unwrap();
    assert!(mark < near, "the mark on disk moved to {mark}");
}

/// Asserts that a cloud behaving so is answered with one of `allowed`, within the upstream timeout
/// and a margin, and that the gateway serves normally once the cloud behaves.
async fn assert_survived(behaviour: Behaviour, allowed: &[u16]) {
    let cloud = HostileCloud::start(behaviour.clone());
    let gateway = Gateway::start(&cloud);
    let asked = Instant::now();

    let reply = gateway.api(EVENTS).await;

    assert!(
        allowed.contains(&reply.status),
        "{behaviour:?}: {} {}",
        reply.status,
        reply.body
    );
    assert!(
        asked.elapsed() < UPSTREAM_TIMEOUT + Duration::from_secs(3),
        "{behaviour:?} took {:?}",
        asked.elapsed()
    );
    gateway.assert_alive(&reply).await;
    cloud.behave(Behaviour::Normal);
    let reply = gateway.api(EVENTS).await;
    assert_eq!(reply.status, 200, "after {behaviour:?}: {}", reply.body);
}

#[actix_web::test]
async fn a_200_that_is_not_json_is_a_502() {
    assert_survived(Behaviour::NotJson, &[502]).await;
}

#[actix_web::test]
async fn a_body_shorter_than_its_content_length_is_a_502() {
    assert_survived(Behaviour::Truncated, &[502]).await;
}

#[actix_web::test]
async fn a_50_mb_body_is_cut_off_at_the_limit_with_a_502() {
    assert_survived(Behaviour::Huge(50 * 1024 * 1024), &[502]).await;
}

#[actix_web::test]
async fn headers_sent_slowly_are_a_504_at_the_upstream_timeout() {
    assert_survived(Behaviour::SlowHeaders(Duration::from_millis(200)), &[504]).await;
}

#[actix_web::test]
async fn a_connection_reset_mid_body_is_a_502() {
    assert_survived(Behaviour::ResetMidBody, &[502]).await;
}

#[actix_web::test]
async fn an_endless_chunked_body_ends_in_a_502_or_504_within_the_timeout() {
    assert_survived(Behaviour::EndlessChunked, &[502, 504]).await;
}

#[actix_web::test]
async fn memory_stays_bounded_through_50_mb_and_endless_bodies() {
    let cloud = HostileCloud::start(Behaviour::Huge(50 * 1024 * 1024));
    let gateway = GatewayProcess::start_fresh(&cloud.url, &[("GATEWAY_UPSTREAM_TIMEOUT", "2s")]);
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish();
    let url = format!("{}{EVENTS}", gateway.api);

    for behaviour in [Behaviour::Huge(50 * 1024 * 1024), Behaviour::EndlessChunked] {
        cloud.behave(behaviour.clone());
        for _ in 0..3 {
            let status = client.get(&url).send().await.expect("an answer").status();
            assert!(
                [502, 504].contains(&status.as_u16()),
                "{behaviour:?}: {status}"
            );
        }
    }

    let peak = gateway.peak_memory_bytes();
    assert!(
        peak < 100 * 1024 * 1024,
        "the gateway's resident memory peaked at {} MiB",
        peak / (1024 * 1024)
    );
}
