//! Nonces only ever go up: under concurrency, across restarts, and after a crash.

use std::time::Instant;

use crate::helpers::{assert_strictly_increasing, spawn_app, KEY};
use crate::process::GatewayProcess;

#[actix_web::test]
async fn two_hundred_concurrent_distinct_calls_all_succeed_without_a_nonce_rejection() {
    let app = spawn_app().await;
    let started = Instant::now();
    let calls = (1..=200).map(|limit| {
        let app = &app;
        async move { app.get(&format!("/events?limit={limit}")).await }
    });
    let answers = futures_util::future::join_all(calls).await;
    let elapsed = started.elapsed();
    for answer in &answers {
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    assert_eq!(app.cloud.nonce_rejections(), 0);
    let nonces = app.cloud.accepted_nonces();
    assert_eq!(nonces.len(), 200);
    assert_strictly_increasing(&nonces);
    eprintln!("200 concurrent distinct calls at 1000 upstream calls/s took {elapsed:?}");
}

#[actix_web::test]
async fn a_restarted_gateway_continues_above_the_last_nonce() {
    let mut app = spawn_app().await;
    for _ in 0..3 {
        assert_eq!(app.get("/events?limit=1").await.status, 200);
    }
    app.restart_gateway().await;
    for _ in 0..3 {
        assert_eq!(app.get("/events?limit=1").await.status, 200);
    }
    assert_eq!(app.cloud.nonce_rejections(), 0);
    let nonces = app.cloud.accepted_nonces();
    assert_eq!(nonces.len(), 6);
    assert_strictly_increasing(&nonces);
}

#[actix_web::test]
async fn a_gateway_killed_with_sigkill_restarts_above_every_nonce_it_used() {
    let app = spawn_app().await;
    let state = tempfile::tempdir().unwrap();
    for round in 0..3 {
        let gateway = GatewayProcess::start(&app.cloud_url, state.path(), &[]);
        for _ in 0..5 {
            let answer = app
                .get_url(&format!("{}/events?limit=1", gateway.api), &[])
                .await;
            assert_eq!(answer.status, 200, "round {round}: {}", answer.body);
        }
        gateway.kill();
    }
    assert_eq!(app.cloud.nonce_rejections(), 0);
    let nonces = app.cloud.accepted_nonces();
    assert_eq!(nonces.len(), 15);
    assert_strictly_increasing(&nonces);
}

#[actix_web::test]
async fn a_nonce_used_by_another_client_moves_the_gateway_above_it() {
    let app = spawn_app().await;
    assert_eq!(app.get("/events?limit=1").await.status, 200);
    // Another client with the same key jumps far ahead.
    let elsewhere = app.cloud.last_nonce() + 10_000;
    app.cloud.set_last_nonce(elsewhere);
    let answer = app.get("/events?limit=1").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(app.cloud.last_nonce() > elsewhere);
    assert_eq!(app.cloud.nonce_rejections(), 1);
}

#[actix_web::test]
async fn a_key_that_another_client_keeps_using_is_reported_as_shared_with_a_502() {
    let app = spawn_app().await;
    app.cloud
        .set_fault(camlytics_gateway::simulator::Fault::SharedKey);
    let answer = app.get("/events?limit=1").await;
    assert_eq!(answer.status, 502, "{}", answer.body);
    assert!(answer.json()["msg"]
        .as_str()
        .unwrap()
        .contains("seems to be shared"));
    // The first try and two fresh nonces, then the gateway gives up.
    assert_eq!(app.cloud.requests(), 3);
}

#[actix_web::test]
async fn nonces_past_the_int32_limit_are_refused_before_sending() {
    let app = spawn_app().await;
    std::fs::write(
        app.state_dir.path().join(format!("nonce-{KEY}.hwm")),
        format!("{}\n", i32::MAX - 2),
    )
    .unwrap();
    let mut app = app;
    app.restart_gateway().await;
    assert_eq!(app.get("/events?limit=1").await.status, 200);
    assert_eq!(app.get("/events?limit=1").await.status, 200);
    let refused = app.get("/events?limit=1").await;
    assert_eq!(refused.status, 503, "{}", refused.body);
    assert!(refused.json()["msg"].as_str().unwrap().contains("2^31-1"));
    assert_eq!(
        app.cloud.requests(),
        2,
        "the refused call never left the gateway"
    );
    assert_eq!(app.cloud.last_nonce(), i64::from(i32::MAX));
}

#[actix_web::test]
async fn a_nonce_within_a_year_of_the_limit_is_warned_about_in_the_log() {
    let app = spawn_app().await;
    let state = tempfile::tempdir().unwrap();
    std::fs::write(
        state.path().join(format!("nonce-{KEY}.hwm")),
        format!("{}\n", i32::MAX - 1_000_000),
    )
    .unwrap();
    let gateway = GatewayProcess::start(&app.cloud_url, state.path(), &[]);
    let answer = app
        .get_url(&format!("{}/events?limit=1", gateway.api), &[])
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let logs = gateway.kill();
    assert!(logs.contains("below the cloud's limit of 2^31-1"), "{logs}");
}
