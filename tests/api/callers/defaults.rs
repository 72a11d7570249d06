//! The callers' defaults as shipped (not the test helper's huge quota): open mode does not limit callers,
//! token mode's quota lets a dashboard through and still stops a flood.

use camlytics_gateway::callers::tokens::Tokens;
use camlytics_gateway::callers::CallersSettings;
use futures_util::future::join_all;

use super::{bearer, pairs};
use crate::helpers::{spawn_app_with, TestApp, TestConfig};
use crate::process::run_binary_beside;

/// The test helper's settings, but the callers' settings `serve` runs with when none is given.
fn shipped(callers: CallersSettings) -> TestConfig {
    TestConfig {
        callers,
        ..TestConfig::default()
    }
}

/// Sends every `(url, headers)` at once and returns the statuses.
async fn statuses_of(app: &TestApp, requests: &[(String, Vec<(&str, &str)>)]) -> Vec<u16> {
    let sent = requests
        .iter()
        .map(|(url, headers)| app.get_url(url, headers));
    join_all(sent)
        .await
        .iter()
        .map(|answer| answer.status.as_u16())
        .collect()
}

#[actix_web::test]
async fn by_default_100_concurrent_distinct_calls_from_one_app_all_answer_200() {
    let app = spawn_app_with(shipped(CallersSettings::open())).await;
    let requests: Vec<_> = (1..=100)
        .map(|limit| (format!("{}/events?limit={limit}", app.api), vec![]))
        .collect();

    let statuses = statuses_of(&app, &requests).await;

    assert!(statuses.iter().all(|&s| s == 200), "{statuses:?}");
    assert_eq!(app.cloud.requests(), 100, "every call went upstream");
}

#[actix_web::test]
async fn by_default_500_concurrent_cache_hits_all_answer_200_without_rate_limit_fields() {
    let app = spawn_app_with(shipped(CallersSettings::open())).await;
    let url = format!("{}/locations", app.api);
    assert_eq!(app.get("/locations").await.status, 200);
    let requests = vec![(url.clone(), vec![]); 500];

    let statuses = statuses_of(&app, &requests).await;
    let hit = app.get_url(&url, &[]).await;

    assert!(statuses.iter().all(|&s| s == 200), "{statuses:?}");
    assert!(
        hit.headers.get("ratelimit").is_none() && hit.headers.get("ratelimit-policy").is_none(),
        "no quota applies, so none is announced: {:?}",
        hit.headers
    );
}

#[actix_web::test]
async fn token_modes_default_quota_lets_a_page_of_tiles_through_and_refuses_a_flood() {
    let mut tokens = Tokens::default();
    tokens.add_list("dash:tok-dash", ',', "test").unwrap();
    let app = spawn_app_with(shipped(CallersSettings {
        tokens: Some(tokens),
        ..CallersSettings::open()
    }))
    .await;
    let token = bearer("tok-dash");
    let dash = pairs(&token);
    let url = format!("{}/locations", app.api);
    let first = app.get_url(&url, &dash).await;
    // Far more than the burst plus what a slow test machine's seconds refill.
    let flood = vec![(url, dash.clone()); 1000];

    let statuses = statuses_of(&app, &flood).await;

    let policy = first.headers.get("ratelimit-policy").unwrap();
    assert_eq!(policy, "\"caller\";q=200;w=2", "100 a second, burst 200");
    let ok = statuses.iter().filter(|&&s| s == 200).count();
    let refused = statuses.iter().filter(|&&s| s == 429).count();
    assert!(ok >= 199, "a page's worth gets through: {ok} of 1000");
    assert!(refused >= 100, "a flood is refused: {refused} of 1000");
    assert_eq!(ok + refused, 1000, "{statuses:?}");
}

#[actix_web::test]
async fn the_help_says_when_a_caller_quota_applies() {
    let (code, help) = run_binary_beside(&["serve", "--help"], &[]).await;
    assert_eq!(code, 0, "{help}");
    let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("100 in token mode"), "{help}");
    assert!(flat.contains("no per-caller quota in open mode"), "{help}");
}
