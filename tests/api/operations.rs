//! Operations: liveness, readiness in both states, metrics that move, graceful shutdown, JSON access log,
//! and the container's healthcheck command.

use std::time::Duration;

use camlytics_gateway::secret::Secret;
use camlytics_gateway::simulator::Fault;

use crate::helpers::{spawn_app, spawn_app_with, TestConfig, SECRET};
use crate::process::{run_binary_beside, GatewayProcess};

#[actix_web::test]
async fn healthz_answers_while_the_process_serves() {
    let app = spawn_app().await;
    let answer = app.get_url(&format!("{}/healthz", app.origin()), &[]).await;
    assert_eq!(answer.status, 200);
    assert_eq!(app.cloud.requests(), 0, "liveness never calls the cloud");
}

#[actix_web::test]
async fn readiness_probes_the_cloud_once_and_then_reuses_what_it_learnt() {
    let app = spawn_app().await;
    let url = format!("{}/readyz", app.origin());
    let ready = app.get_url(&url, &[]).await;
    assert_eq!(ready.status, 200, "{}", ready.body);
    assert!(ready.json()["result"]["cloud_accepted_signature_at"].is_string());
    for _ in 0..5 {
        assert_eq!(app.get_url(&url, &[]).await.status, 200);
    }
    assert_eq!(
        app.cloud.requests(),
        1,
        "one probe, then the recent success counts"
    );
}

#[actix_web::test]
async fn readiness_is_503_with_the_reason_when_the_cloud_refuses_our_signature() {
    let mut config = TestConfig::default();
    config.simulator.secret = Secret::new("another-secret");
    let app = spawn_app_with(config).await;
    let url = format!("{}/readyz", app.origin());
    let answer = app.get_url(&url, &[]).await;
    assert_eq!(answer.status, 503, "{}", answer.body);
    let msg = answer.json()["msg"].as_str().unwrap().to_string();
    assert!(
        msg.starts_with("not ready: the cloud did not accept a signed probe"),
        "{msg}"
    );
    assert!(msg.contains("credentials"), "{msg}");
    // Pollers reuse the failed probe instead of spending the upstream budget.
    assert_eq!(app.get_url(&url, &[]).await.status, 503);
    assert_eq!(app.cloud.requests(), 1);
}

#[actix_web::test]
async fn readiness_is_503_when_the_state_dir_is_not_writable() {
    let app = spawn_app().await;
    std::fs::remove_dir_all(app.state_dir.path()).unwrap();
    let answer = app.get_url(&format!("{}/readyz", app.origin()), &[]).await;
    assert_eq!(answer.status, 503);
    assert!(answer.json()["msg"]
        .as_str()
        .unwrap()
        .contains("GATEWAY_STATE_DIR is not writable"));
}

/// The value of one sample line of the Prometheus text, 0 when absent.
fn sample(metrics: &str, line_start: &str) -> f64 {
    metrics
        .lines()
        .find(|line| line.starts_with(line_start))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
        .unwrap_or(0.0)
}

#[actix_web::test]
async fn metrics_counters_move_when_requests_are_made() {
    let app = spawn_app().await;
    let url = format!("{}/metrics", app.origin());
    let requests =
        "gateway_requests_total{route=\"/service/api/v1/totals/triggers\",status=\"200\"}";
    let hits = "gateway_cache_lookups_total{class=\"totals\",outcome=\"hit\"}";
    let calls = "gateway_upstream_calls_total{endpoint=\"/totals/triggers\",outcome=\"ok\"}";
    let before = app.get_url(&url, &[]).await.body;
    for _ in 0..3 {
        assert_eq!(
            app.get("/totals/triggers?location_id=103").await.status,
            200
        );
    }
    let after = app.get_url(&url, &[]).await;
    assert_eq!(after.status, 200);
    let after = after.body;
    // Other tests share the process's recorder, so counters only ever move by at least this test's share.
    assert!(
        sample(&after, requests) >= sample(&before, requests) + 3.0,
        "{after}"
    );
    assert!(sample(&after, hits) >= sample(&before, hits) + 2.0);
    assert!(sample(&after, calls) >= sample(&before, calls) + 1.0);
    for family in [
        "gateway_upstream_latency_seconds_bucket",
        "gateway_lane_wait_seconds_bucket",
        "gateway_request_duration_seconds_bucket",
        "gateway_nonce_current",
        "gateway_nonce_remaining",
    ] {
        assert!(after.contains(family), "{family} is missing");
    }
    assert!(!after.contains(SECRET));
}

#[actix_web::test]
async fn a_graceful_stop_finishes_the_request_in_flight() {
    let app = spawn_app().await;
    app.cloud.set_fault(Fault::Slow(Duration::from_millis(800)));
    let in_flight = app.get("/events?limit=3");
    let stop = async {
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
        app.stop_gracefully().await;
    };
    let (answer, ()) = futures_util::join!(in_flight, stop);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.result().len(), 3);
}

/// Starts the binary, sends it `signal` during a slow request, and returns the answer, exit code and logs.
async fn signal_during_a_request(
    signal: &'static str,
) -> (crate::helpers::Answer, Option<i32>, String) {
    let app = spawn_app().await;
    let gateway = GatewayProcess::start_fresh(&app.cloud_url, &[]);
    app.cloud
        .set_fault(Fault::Slow(Duration::from_millis(1000)));
    let url = format!("{}/events?limit=2", gateway.api);
    let in_flight = app.get_url(&url, &[]);
    let stop = async {
        actix_web::rt::time::sleep(Duration::from_millis(300)).await;
        actix_web::rt::task::spawn_blocking(move || gateway.signal_and_wait(signal))
            .await
            .unwrap()
    };
    let (answer, (code, logs)) = futures_util::join!(in_flight, stop);
    (answer, code, logs)
}

#[actix_web::test]
async fn sigterm_lets_the_binary_answer_its_in_flight_request_and_exit_cleanly() {
    let (answer, code, logs) = signal_during_a_request("TERM").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(code, Some(0), "{logs}");
    assert!(logs.contains("SIGTERM received"), "{logs}");
}

#[actix_web::test]
async fn sigint_too_lets_the_binary_answer_its_in_flight_request_and_exit_cleanly() {
    let (answer, code, logs) = signal_during_a_request("INT").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(code, Some(0), "{logs}");
    assert!(
        logs.contains("SIGINT received; starting graceful shutdown"),
        "{logs}"
    );
}

#[actix_web::test]
async fn the_access_log_can_be_json_lines_with_caller_route_status_and_cache() {
    let app = spawn_app().await;
    let gateway = GatewayProcess::start_fresh(
        &app.cloud_url,
        &[("GATEWAY_LOG_FORMAT", "json"), ("RUST_LOG", "info")],
    );
    app.get_url(&format!("{}/locations?location_id=101", gateway.api), &[])
        .await;
    let logs = gateway.kill();
    let access: serde_json::Value = logs
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|line| line["target"] == "camlytics_gateway::access")
        .unwrap_or_else(|| panic!("no JSON access line in {logs}"));
    assert_eq!(access["caller"], "127.0.0.1");
    assert_eq!(access["route"], "/service/api/v1/locations");
    assert_eq!(access["status"], 200);
    assert!(access["cache"]
        .as_str()
        .unwrap()
        .starts_with("camlytics-gateway; fwd=miss"));
    assert!(access["ms"].is_number());
    assert!(
        logs.lines().all(|line| line.starts_with('{')),
        "every line is JSON: {logs}"
    );
}

#[actix_web::test]
async fn the_healthcheck_command_passes_on_a_live_gateway_and_fails_otherwise() {
    let app = spawn_app().await;
    let port = app.origin().rsplit(':').next().unwrap().to_string();
    let live = format!("0.0.0.0:{port}");
    let (code, text) =
        run_binary_beside(&["healthcheck"], &[("GATEWAY_LISTEN", live.as_str())]).await;
    assert_eq!(code, 0, "{text}");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = closed.local_addr().unwrap().to_string();
    drop(closed);
    let (code, _) = run_binary_beside(&["healthcheck"], &[("GATEWAY_LISTEN", dead.as_str())]).await;
    assert_ne!(code, 0);
}

#[actix_web::test]
async fn a_thousand_readiness_polls_write_the_state_dir_only_every_few_seconds() {
    let app = spawn_app().await;
    let url = format!("{}/readyz", app.origin());
    // The first poll probes the cloud, which may reserve nonces on disk; count from after it.
    assert_eq!(app.get_url(&url, &[]).await.status, 200);
    let modified = || {
        std::fs::metadata(app.state_dir.path())
            .and_then(|m| m.modified())
            .unwrap()
    };
    let started = std::time::Instant::now();
    let mut seen = modified();
    let mut changes = 0;

    for _ in 0..1000 {
        assert_eq!(app.get_url(&url, &[]).await.status, 200);
        let now = modified();
        if now != seen {
            changes += 1;
            seen = now;
        }
    }

    // One write (a create and a remove) per 5 s at most; each changes the directory's mtime.
    let allowed = 1 + started.elapsed().as_secs() / 5;
    assert!(changes <= 2 * allowed, "{changes} directory changes");
}
