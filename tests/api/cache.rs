//! One upstream call serves many callers: caching, coalescing, refresh-ahead and stale answers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::web::Bytes;
use camlytics_gateway::cache::policy::plan;
use camlytics_gateway::cache::settings::CacheSettings;
use camlytics_gateway::cache::ResponseCache;
use camlytics_gateway::error::GatewayError;
use camlytics_gateway::simulator::Fault;
use camlytics_gateway::upstream::{Fetch, UpstreamAnswer, UpstreamRequest};

use crate::helpers::{spawn_app, spawn_app_with, Answer, TestApp, TestConfig};

const CHANNELS: &str = "/service/api/v1/channels";
const TOTALS_TYPES: &str = "/service/api/v1/totals/types";

fn cache_status(answer: &Answer) -> String {
    answer
        .headers
        .get("cache-status")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

async fn app_with_cache(cache: CacheSettings) -> TestApp {
    spawn_app_with(TestConfig {
        cache: CacheSettings {
            warm_dimensions: false,
            ..cache
        },
        ..TestConfig::default()
    })
    .await
}

#[actix_web::test]
async fn dimension_lists_are_fetched_at_start_so_the_first_callers_find_them_cached() {
    let app = app_with_cache(CacheSettings::default()).await;
    let mut config = app.config.clone();
    config.cache.warm_dimensions = true;
    let app = spawn_app_with(config).await;
    for _ in 0..50 {
        if app.cloud.accepted() == 3 {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    for path in ["/locations", "/channels?location_id=101", "/triggers"] {
        assert!(cache_status(&app.get(path).await).contains("hit"), "{path}");
    }
    assert_eq!(app.cloud.accepted(), 3);
}

#[actix_web::test]
async fn dimension_lists_are_fetched_once_per_ttl_whatever_the_filter() {
    let app = app_with_cache(CacheSettings {
        dimensions_ttl: Duration::from_secs(2),
        ..CacheSettings::default()
    })
    .await;
    let all = app.get("/channels").await;
    assert_eq!(
        cache_status(&all),
        "camlytics-gateway; fwd=miss; fwd-status=200; stored; ttl=2"
    );
    let channels = all.result();
    let some_channel = channels[0]["id"].as_str().unwrap();
    for query in [
        "/channels".to_string(),
        "/channels?location_id=101".to_string(),
        "/channels?location_id=102".to_string(),
        format!("/channels?channel_id={some_channel}"),
        format!("/channels?location_id=103&channel_id={some_channel}"),
        "/channels?location_id=999".to_string(),
    ] {
        let answer = app.get(&query).await;
        assert_eq!(answer.status, 200, "{query}");
        assert!(
            cache_status(&answer).starts_with("camlytics-gateway; hit"),
            "{query}"
        );
        assert!(answer.result().len() <= channels.len());
    }
    // The filters answer as the cloud would: precedence and all.
    let by_location = app.get("/channels?location_id=101").await.result();
    assert!(!by_location.is_empty());
    assert!(by_location.iter().all(|c| c["location_id"] == 101));
    let chosen = app
        .get(&format!(
            "/channels?location_id=103&channel_id={some_channel}"
        ))
        .await
        .result();
    assert_eq!(chosen.len(), 1);
    assert!(app
        .get("/channels?location_id=999")
        .await
        .result()
        .is_empty());
    assert_eq!(app.cloud.requests_per_path(CHANNELS), 1);

    actix_web::rt::time::sleep(Duration::from_millis(2100)).await;
    let answer = app.get("/channels?location_id=102").await;
    assert!(
        cache_status(&answer).contains("fwd=stale; fwd-status=200"),
        "{}",
        cache_status(&answer)
    );
    assert_eq!(app.cloud.requests_per_path(CHANNELS), 2);
}

#[actix_web::test]
async fn a_list_in_use_is_refreshed_ahead_so_callers_never_wait_on_the_cloud() {
    let app = app_with_cache(CacheSettings {
        dimensions_ttl: Duration::from_secs(1),
        ..CacheSettings::default()
    })
    .await;
    app.get("/triggers").await;
    actix_web::rt::time::sleep(Duration::from_millis(850)).await;
    // Past 80% of its TTL: served from the cache, and refreshed behind the scenes.
    assert!(cache_status(&app.get("/triggers?location_id=101").await).contains("hit"));
    actix_web::rt::time::sleep(Duration::from_millis(400)).await;
    let later = app.get("/triggers").await;
    assert!(
        cache_status(&later).contains("hit"),
        "{}",
        cache_status(&later)
    );
    assert_eq!(app.cloud.requests_per_path("/service/api/v1/triggers"), 2);
}

#[actix_web::test]
async fn the_same_totals_query_from_50_concurrent_callers_makes_one_upstream_call() {
    let app = spawn_app().await;
    let calls =
        (0..50).map(|_| app.get("/totals/types?location_id=101&since=2025-12-20T00:00:00Z"));
    let answers = futures_util::future::join_all(calls).await;
    let first = &answers[0].body;
    for answer in &answers {
        assert_eq!(answer.status, 200);
        assert_eq!(&answer.body, first);
    }
    assert_eq!(app.cloud.requests_per_path(TOTALS_TYPES), 1);
    let collapsed = answers
        .iter()
        .filter(|a| cache_status(a).contains("collapsed"))
        .count();
    assert!(collapsed >= 1, "some callers shared another's call");
}

#[actix_web::test]
async fn callers_waiting_on_a_load_that_fails_all_get_its_answer_without_calling_again() {
    let mut config = TestConfig::default();
    config.simulator.latency = Duration::from_millis(300);
    let app = spawn_app_with(config).await;
    app.cloud.set_fault(Fault::ServerError);
    let calls = (0..21).map(|_| app.get("/totals/types?location_id=103"));
    let answers = futures_util::future::join_all(calls).await;
    assert!(
        answers.iter().all(|a| a.status == 502),
        "every waiter got the same failure"
    );
    assert!(answers.iter().all(|a| a.body == answers[0].body));
    assert_eq!(
        app.cloud.requests_per_path(TOTALS_TYPES),
        1,
        "nobody retried on their own"
    );
}

#[actix_web::test]
async fn equivalent_totals_queries_share_one_cached_answer() {
    let app = spawn_app().await;
    for query in [
        "/totals/triggers?location_id=101&since=2025-12-20T00:00:00Z",
        "/totals/triggers?since=2025-12-20T00:00:00%2B00:00&location_id=101",
        "/totals/triggers?since=2025-12-20T01:00:00.000%2B01:00&location_id=101&nonce=99",
    ] {
        assert_eq!(app.get(query).await.status, 200, "{query}");
    }
    assert_eq!(
        app.cloud
            .requests_per_path("/service/api/v1/totals/triggers"),
        1
    );
}

#[actix_web::test]
async fn a_settled_window_is_not_refetched_after_the_normal_ttl() {
    let app = app_with_cache(CacheSettings {
        totals_ttl: Duration::from_millis(300),
        ..CacheSettings::default()
    })
    .await;
    let settled = "/totals/types?since=2025-12-01T00:00:00Z&until=2025-12-15T00:00:00Z";
    let open = "/totals/types?since=2025-12-01T00:00:00Z";
    app.get(settled).await;
    app.get(open).await;
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let again = app.get(settled).await;
    assert!(
        cache_status(&again).contains("hit"),
        "{}",
        cache_status(&again)
    );
    assert!(cache_status(&app.get(open).await).contains("fwd=stale"));
    assert_eq!(app.cloud.requests_per_path(TOTALS_TYPES), 3);
    // Settled event pages are cached by the same rule; open ones are not.
    for _ in 0..2 {
        app.get("/events?until=2025-12-10T00:00:00Z&limit=5").await;
        let bypass = app.get("/events?limit=5").await;
        assert!(cache_status(&bypass).contains("fwd=bypass"));
    }
    assert_eq!(app.cloud.requests_per_path("/service/api/v1/events"), 3);
}

#[actix_web::test]
async fn a_cloud_outage_is_covered_by_stale_answers() {
    let app = spawn_app_with(TestConfig {
        max_wait: Duration::from_secs(1),
        cache: CacheSettings {
            totals_ttl: Duration::from_millis(200),
            ..CacheSettings::default()
        },
        ..TestConfig::default()
    })
    .await;
    let query = "/totals/triggers?location_id=102";
    let fresh = app.get(query).await;
    app.cloud.set_fault(Fault::ServerError);
    actix_web::rt::time::sleep(Duration::from_millis(1300)).await;
    let stale = app.get(query).await;
    assert_eq!(stale.status, 200, "{}", stale.body);
    assert_eq!(stale.body, fresh.body);
    let status = cache_status(&stale);
    assert!(
        status.contains("fwd=stale; fwd-status=502; ttl=-1; detail=stale-if-error"),
        "{status}"
    );
    assert_eq!(stale.headers.get("cache-control").unwrap(), "max-age=0");
    // Without a copy, the failure is answered as it is.
    assert_eq!(
        app.get("/totals/triggers?location_id=103").await.status,
        502
    );

    app.cloud.set_fault(Fault::Down);
    actix_web::rt::time::sleep(Duration::from_millis(1100)).await;
    let stale = app.get(query).await;
    assert_eq!(stale.status, 200);
    assert!(
        cache_status(&stale).contains("fwd-status=503"),
        "{}",
        cache_status(&stale)
    );
}

#[actix_web::test]
async fn a_throttled_class_rests_for_the_clouds_retry_after() {
    let app = spawn_app_with(TestConfig {
        max_wait: Duration::from_secs(1),
        ..TestConfig::default()
    })
    .await;
    app.cloud.set_fault(Fault::Throttle {
        retry_after_secs: 30,
    });
    let first = app.get("/totals/types?location_id=101").await;
    assert_eq!(first.status, 503);
    let calls = app.cloud.requests();
    let other = app.get("/totals/types?location_id=102").await;
    assert_eq!(other.status, 503, "{}", other.body);
    assert!(other.headers.get("retry-after").is_some());
    assert_eq!(
        app.cloud.requests(),
        calls,
        "the resting class made no call"
    );
}

#[actix_web::test]
async fn no_cache_forces_one_paced_refresh() {
    let app = spawn_app().await;
    app.get("/locations").await;
    let refreshed = app
        .get_url(
            &format!("{}/locations", app.api),
            &[("Cache-Control", "no-cache")],
        )
        .await;
    assert!(
        cache_status(&refreshed).contains("fwd=request"),
        "{}",
        cache_status(&refreshed)
    );
    assert_eq!(app.cloud.requests_per_path("/service/api/v1/locations"), 2);
}

#[actix_web::test]
async fn an_etag_revalidation_gets_a_304_without_a_body() {
    let app = spawn_app().await;
    let first = app.get("/locations").await;
    let etag = first
        .headers
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let again = app
        .get_url(
            &format!("{}/locations", app.api),
            &[("If-None-Match", etag.as_str())],
        )
        .await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert!(cache_status(&again).contains("hit"));
    assert!(again.headers.get("age").is_some());
}

#[actix_web::test]
async fn answers_are_compressed_when_the_caller_accepts_it() {
    let app = spawn_app().await;
    let url = format!("{}/events?until=2025-12-10T00:00:00Z&limit=200", app.api);
    let client = awc::Client::default();
    for (accept, expected) in [
        ("br", Some("br")),
        ("gzip", Some("gzip")),
        ("identity", None),
    ] {
        let response = client
            .get(&url)
            .no_decompress()
            .insert_header(("Accept-Encoding", accept))
            .send()
            .await
            .unwrap();
        let coding = response
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap().to_string());
        assert_eq!(coding.as_deref(), expected, "{accept}");
        assert_eq!(response.headers().get("vary").unwrap(), "Accept-Encoding");
    }
    assert_eq!(app.cloud.requests_per_path("/service/api/v1/events"), 1);
}

#[actix_web::test]
async fn an_admin_purge_drops_cached_answers() {
    let app = spawn_app().await;
    app.get("/locations").await;
    app.get("/totals/types").await;
    let client = awc::Client::default();
    let base = app.api.trim_end_matches("/service/api/v1");
    let mut purged = client
        .delete(format!("{base}/admin/cache?prefix=/service/api/v1/totals"))
        .send()
        .await
        .unwrap();
    assert_eq!(purged.status(), 200);
    let body: serde_json::Value = purged.json().await.unwrap();
    assert_eq!(body["result"]["purged"], 1);
    assert!(cache_status(&app.get("/locations").await).contains("hit"));
    assert!(cache_status(&app.get("/totals/types").await).contains("fwd=miss"));
    let everything = client
        .delete(format!("{base}/admin/cache"))
        .send()
        .await
        .unwrap();
    assert_eq!(everything.status(), 200);
    assert!(cache_status(&app.get("/locations").await).contains("fwd=miss"));
}

/// Answers every call with the same body, counting calls.
#[derive(Clone)]
struct CannedCloud {
    body: Bytes,
    calls: Arc<AtomicUsize>,
}

#[async_trait::async_trait(?Send)]
impl Fetch for CannedCloud {
    async fn fetch(&self, _: &UpstreamRequest) -> Result<UpstreamAnswer, GatewayError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        Ok(UpstreamAnswer {
            body: self.body.clone(),
            date: None,
        })
    }
}

#[actix_web::test]
async fn the_byte_bound_holds_under_a_flood_of_100000_distinct_keys() {
    let settings = CacheSettings {
        max_bytes: 4 << 20,
        warm_dimensions: false,
        ..CacheSettings::default()
    };
    let cache = ResponseCache::new(settings.clone());
    let cloud = CannedCloud {
        body: Bytes::from(format!(
            "{{\"code\":0,\"msg\":\"success\",\"result\":[{}]}}",
            "1,".repeat(500) + "1"
        )),
        calls: Arc::new(AtomicUsize::new(0)),
    };
    let now = chrono::Utc::now();
    for n in 0..100_000 {
        let params = vec![("location_id", n.to_string())];
        let plan = plan("/totals/types", &params, &settings, || now).unwrap();
        cache
            .get(&plan, false, &cloud, || "flood".into())
            .await
            .unwrap();
    }
    assert_eq!(cloud.calls.load(Ordering::Relaxed), 100_000);
    let held = cache.weighted_size().await;
    assert!(
        held <= settings.max_bytes,
        "the cache holds {held} bytes, over {}",
        settings.max_bytes
    );
    assert!(held > settings.max_bytes / 2, "and it is used: {held}");
}
