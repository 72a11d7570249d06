//! Nonces only ever go up: under concurrency, across restarts, and after a crash.

use std::time::Instant;

use crate::helpers::{assert_strictly_increasing, spawn_app, KEY, SECRET};
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
        assert_eq!(app.get("/locations").await.status, 200);
    }
    app.restart_gateway().await;
    for _ in 0..3 {
        assert_eq!(app.get("/locations").await.status, 200);
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
        let gateway = GatewayProcess::start(&app.cloud_url, KEY, SECRET, state.path(), &[]);
        for _ in 0..5 {
            let answer = app
                .get_url(&format!("{}/locations", gateway.api), &[])
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
    assert_eq!(app.get("/locations").await.status, 200);
    // Another client with the same key jumps far ahead.
    let elsewhere = app.cloud.last_nonce() + 10_000;
    app.cloud.set_last_nonce(elsewhere);
    let answer = app.get("/locations").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(app.cloud.last_nonce() > elsewhere);
    assert_eq!(app.cloud.nonce_rejections(), 1);
}
