//! Open mode and token mode: who gets in, and what a refused caller is told.

use camlytics_gateway::callers::CallerArgs;
use sha2::{Digest, Sha256};

use super::{bearer, pairs, token_config};
use crate::helpers::{spawn_app, spawn_app_with, TestConfig};

#[actix_web::test]
async fn open_mode_serves_callers_without_a_token() {
    let app = spawn_app().await;
    let answer = app.get("/locations").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.headers.contains_key("ratelimit-policy"));
}

#[actix_web::test]
async fn a_missing_token_is_a_401_with_a_bearer_challenge_and_costs_no_upstream_call() {
    let app = spawn_app_with(token_config("reports:rep-tok-1", 100.0, 100)).await;
    let answer = app.get("/locations").await;
    assert_eq!(answer.status, 401, "{}", answer.body);
    let challenge = answer.headers.get("www-authenticate").unwrap();
    assert!(
        challenge.to_str().unwrap().starts_with("Bearer"),
        "{challenge:?}"
    );
    assert_eq!(answer.json()["code"], 401);
    assert!(answer.json()["result"].is_null());
    assert_eq!(app.cloud.requests(), 0);
}

#[actix_web::test]
async fn a_wrong_token_is_a_401_that_does_not_echo_the_token() {
    let app = spawn_app_with(token_config("reports:rep-tok-1", 100.0, 100)).await;
    let url = format!("{}/locations", app.api);
    for sent in ["rep-tok-2", "rep-tok-", "rep-tok-1x"] {
        let answer = app.get_url(&url, &pairs(&bearer(sent))).await;
        assert_eq!(answer.status, 401, "{sent}: {}", answer.body);
        assert!(answer.headers.contains_key("www-authenticate"));
        assert!(!answer.body.contains(sent), "{}", answer.body);
    }
    let basic = app
        .get_url(&url, &[("authorization", "Basic cmVwLXRvay0x")])
        .await;
    assert_eq!(basic.status, 401);
    assert_eq!(app.cloud.requests(), 0);
}

#[actix_web::test]
async fn plain_and_hashed_tokens_are_both_accepted() {
    let hashed = hex::encode(Sha256::digest(b"dash-tok-2"));
    let app = spawn_app_with(token_config(
        &format!("reports:rep-tok-1,dashboard:sha256:{hashed}"),
        100.0,
        100,
    ))
    .await;
    let url = format!("{}/locations", app.api);
    for token in ["rep-tok-1", "dash-tok-2"] {
        let answer = app.get_url(&url, &pairs(&bearer(token))).await;
        assert_eq!(answer.status, 200, "{token}: {}", answer.body);
    }
    let lower = app
        .get_url(&url, &[("authorization", "bearer rep-tok-1")])
        .await;
    assert_eq!(lower.status, 200, "the scheme is case-insensitive");
    let digest_as_token = app.get_url(&url, &pairs(&bearer(&hashed))).await;
    assert_eq!(digest_as_token.status, 401, "the digest is not a token");
}

#[actix_web::test]
async fn health_metrics_and_docs_stay_reachable_without_a_token() {
    let app = spawn_app_with(token_config("reports:rep-tok-1", 100.0, 100)).await;
    for path in [
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
        "/swagger-ui/",
    ] {
        let answer = app.get_url(&format!("{}{path}", app.origin()), &[]).await;
        assert_ne!(answer.status, 401, "{path} asked for a token");
        assert!(
            !answer.headers.contains_key("ratelimit"),
            "{path} is rate limited"
        );
    }
    let unknown = app
        .get_url(&format!("{}/metricsx", app.origin()), &[])
        .await;
    assert_eq!(unknown.status, 401, "only the exact open paths are open");
}

#[actix_web::test]
async fn a_tokens_file_with_comments_and_own_paces_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens");
    let hashed = hex::encode(Sha256::digest(b"ops-tok-9"));
    std::fs::write(
        &path,
        format!("# callers of the gateway\n\nreports:rep-tok-1:rps=0.5:burst=1\nops:sha256:{hashed}:admin\n"),
    )
    .unwrap();
    let args = CallerArgs {
        tokens: None,
        tokens_file: Some(path),
        caller_rps: Some(100.0),
        caller_burst: Some(100),
        trust_forwarded: false,
        cors_origins: Vec::new(),
        max_query_bytes: 2048,
        max_header_bytes: 8192,
        client_timeout: std::time::Duration::from_secs(5),
        keep_alive: std::time::Duration::from_secs(5),
    };
    let app = spawn_app_with(TestConfig {
        callers: args.validate().unwrap(),
        ..TestConfig::default()
    })
    .await;
    let url = format!("{}/locations", app.api);
    let token = bearer("rep-tok-1");
    let reports = pairs(&token);
    assert_eq!(app.get_url(&url, &reports).await.status, 200);
    let limited = app.get_url(&url, &reports).await;
    assert_eq!(
        limited.status, 429,
        "reports has its own pace of one per 2 s"
    );
    assert_eq!(limited.headers.get("retry-after").unwrap(), "2");
    let ops = app.get_url(&url, &pairs(&bearer("ops-tok-9"))).await;
    assert_eq!(ops.status, 200, "{}", ops.body);
}
