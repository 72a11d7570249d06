//! The fast path: a repeated request target is answered from the entry it was last served, ahead of
//! routing and validation, but never past what the full path would allow.

use std::time::Duration;

use camlytics_gateway::cache::settings::CacheSettings;
use camlytics_gateway::callers::settings::CallerQuota;

use crate::helpers::{spawn_app_with, Answer, TestConfig};

const TOTALS: &str = "/totals/triggers?location_id=101&since=2025-12-20T00:00:00Z";
const TOTALS_UPSTREAM: &str = "/service/api/v1/totals/triggers";

fn header(answer: &Answer, name: &str) -> String {
    answer
        .headers
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

fn with_cache(cache: CacheSettings) -> TestConfig {
    TestConfig {
        cache: CacheSettings {
            warm_dimensions: false,
            ..cache
        },
        ..TestConfig::default()
    }
}

#[actix_web::test]
async fn a_repeated_request_gets_the_same_answer_and_fields_as_the_full_path() {
    let app = spawn_app_with(TestConfig::default()).await;
    let first = app.get(TOTALS).await;
    let full_path_hit = app.get(TOTALS).await;
    let fast_path_hit = app.get(TOTALS).await;
    assert!(header(&first, "cache-status").contains("fwd=miss"));
    assert_eq!(fast_path_hit.body, first.body);
    let names = |answer: &Answer| {
        let mut names: Vec<String> = answer.headers.keys().map(|n| n.to_string()).collect();
        names.sort();
        names
    };
    assert_eq!(names(&fast_path_hit), names(&full_path_hit));
    for answer in [&full_path_hit, &fast_path_hit] {
        assert!(header(answer, "cache-status").starts_with("camlytics-gateway; hit; ttl="));
        assert_eq!(header(answer, "etag"), header(&first, "etag"));
    }
    assert_eq!(app.cloud.requests_per_path(TOTALS_UPSTREAM), 1);
}

#[actix_web::test]
async fn repeated_requests_still_count_against_the_callers_quota() {
    let mut config = TestConfig::default();
    config.callers.quota = Some(CallerQuota { rps: 0.5, burst: 3 });
    let app = spawn_app_with(config).await;
    let statuses: Vec<u16> = futures_util::future::join_all((0..3).map(|_| app.get(TOTALS)))
        .await
        .iter()
        .map(|a| a.status.as_u16())
        .collect();
    assert_eq!(statuses, [200, 200, 200]);
    let refused = app.get(TOTALS).await;
    assert_eq!(refused.status, 429);
    assert!(header(&refused, "ratelimit").contains("r=0"));
}

#[actix_web::test]
async fn a_repeated_request_is_never_answered_past_its_freshness() {
    let app = spawn_app_with(with_cache(CacheSettings {
        totals_ttl: Duration::from_millis(400),
        ..CacheSettings::default()
    }))
    .await;
    app.get(TOTALS).await;
    app.get(TOTALS).await;
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let expired = app.get(TOTALS).await;
    assert!(
        header(&expired, "cache-status").contains("fwd=stale"),
        "{}",
        header(&expired, "cache-status")
    );
    assert_eq!(app.cloud.requests_per_path(TOTALS_UPSTREAM), 2);
}

#[actix_web::test]
async fn a_revalidation_reaches_callers_of_every_equivalent_query() {
    let app = spawn_app_with(TestConfig::default()).await;
    app.get(TOTALS).await;
    app.get(TOTALS).await;
    actix_web::rt::time::sleep(Duration::from_millis(1100)).await;
    let equivalent = "/totals/triggers?since=2025-12-20T00:00:00%2B00:00&location_id=101";
    let revalidated = app
        .get_url(
            &format!("{}{equivalent}", app.api),
            &[("Cache-Control", "no-cache")],
        )
        .await;
    assert!(header(&revalidated, "cache-status").contains("fwd=request"));
    let after = app.get(TOTALS).await;
    assert_eq!(
        header(&after, "age"),
        "0",
        "served from the new copy, not the one it replaced"
    );
    assert_eq!(app.cloud.requests_per_path(TOTALS_UPSTREAM), 2);
}

#[actix_web::test]
async fn a_list_asked_for_by_the_same_target_is_still_refreshed_ahead() {
    let app = spawn_app_with(with_cache(CacheSettings {
        dimensions_ttl: Duration::from_secs(1),
        ..CacheSettings::default()
    }))
    .await;
    app.get("/triggers?location_id=101").await;
    app.get("/triggers?location_id=101").await;
    actix_web::rt::time::sleep(Duration::from_millis(850)).await;
    assert!(header(&app.get("/triggers?location_id=101").await, "cache-status").contains("hit"));
    actix_web::rt::time::sleep(Duration::from_millis(400)).await;
    let later = app.get("/triggers?location_id=101").await;
    assert!(
        header(&later, "cache-status").contains("hit"),
        "refreshed behind the scenes, not on this caller's time: {}",
        header(&later, "cache-status")
    );
    assert_eq!(app.cloud.requests_per_path("/service/api/v1/triggers"), 2);
}

#[actix_web::test]
async fn a_repeated_request_still_needs_a_known_token() {
    use crate::callers::{bearer, pairs, token_config};
    let app = spawn_app_with(token_config("dash:dash-token-1", 1000.0, 1000)).await;
    let url = format!("{}{TOTALS}", app.api);
    let good = bearer("dash-token-1");
    for _ in 0..3 {
        assert_eq!(app.get_url(&url, &pairs(&good)).await.status, 200);
    }
    let wrong = bearer("not-a-token");
    let refused = app.get_url(&url, &pairs(&wrong)).await;
    assert_eq!(refused.status, 401);
    assert!(header(&refused, "www-authenticate").contains("invalid_token"));
    assert_eq!(app.get_url(&url, &[]).await.status, 401);
    assert_eq!(app.cloud.requests_per_path(TOTALS_UPSTREAM), 1);
}
