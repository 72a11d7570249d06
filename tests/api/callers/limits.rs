//! Per-caller limits: 429 with honest Retry-After and the IETF fields, callers apart, memory bounded.

use std::time::Duration;

use camlytics_gateway::callers::limiter::{CallerLimiter, RETAIN_EVERY};
use camlytics_gateway::callers::settings::CallerQuota;
use camlytics_gateway::callers::{CallerName, CallersSettings};

use super::{bearer, pairs, token_config};
use crate::helpers::{spawn_app_with, Answer, TestConfig};

fn header(answer: &Answer, name: &str) -> String {
    let value = answer.headers.get(name);
    let value = value.unwrap_or_else(|| panic!("no {name}: {:?}", answer.headers));
    value.to_str().unwrap().to_string()
}

#[actix_web::test]
async fn over_the_quota_is_a_429_whose_retry_after_is_honest() {
    let app = spawn_app_with(token_config("alice:tok-a", 1.0, 2)).await;
    let (url, alice) = (format!("{}/events?limit=1", app.api), bearer("tok-a"));
    let first = app.get_url(&url, &pairs(&alice)).await;
    let second = app.get_url(&url, &pairs(&alice)).await;
    assert_eq!((first.status.as_u16(), second.status.as_u16()), (200, 200));
    assert_eq!(header(&first, "ratelimit-policy"), "\"caller\";q=2;w=2");
    assert!(header(&first, "ratelimit").starts_with("\"caller\";r=1;t="));
    assert!(header(&second, "ratelimit").starts_with("\"caller\";r=0;t="));

    let refused = app.get_url(&url, &pairs(&alice)).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(refused.json()["code"], 429);
    assert_eq!(header(&refused, "ratelimit-policy"), "\"caller\";q=2;w=2");
    assert!(header(&refused, "ratelimit").starts_with("\"caller\";r=0;t="));
    let retry_after: u64 = header(&refused, "retry-after").parse().unwrap();
    assert_eq!(retry_after, 1);
    assert_eq!(
        app.cloud.requests(),
        2,
        "a refused call costs no upstream call"
    );

    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    let after = app.get_url(&url, &pairs(&alice)).await;
    assert_eq!(after.status, 200, "{}", after.body);
}

#[actix_web::test]
async fn two_callers_are_limited_independently() {
    let app = spawn_app_with(token_config("alice:tok-a,bob:tok-b", 1.0, 1)).await;
    let url = format!("{}/locations", app.api);
    assert_eq!(
        app.get_url(&url, &pairs(&bearer("tok-a"))).await.status,
        200
    );
    assert_eq!(
        app.get_url(&url, &pairs(&bearer("tok-a"))).await.status,
        429
    );
    assert_eq!(
        app.get_url(&url, &pairs(&bearer("tok-b"))).await.status,
        200
    );
}

fn open_config(trust_forwarded: bool) -> TestConfig {
    TestConfig {
        callers: CallersSettings {
            quota: Some(CallerQuota { rps: 1.0, burst: 1 }),
            trust_forwarded,
            ..CallersSettings::open()
        },
        ..TestConfig::default()
    }
}

#[actix_web::test]
async fn open_mode_keys_by_forwarded_address_only_when_trusted() {
    let trusting = spawn_app_with(open_config(true)).await;
    let url = format!("{}/locations", trusting.api);
    // Only the last entry counts: the one our proxy added. The first is whatever the client claimed.
    let from = |ip: &'static str| [("x-forwarded-for", ip)];
    assert_eq!(
        trusting
            .get_url(&url, &from("6.6.6.6, 10.0.0.1"))
            .await
            .status,
        200
    );
    assert_eq!(
        trusting
            .get_url(&url, &from("7.7.7.7, 10.0.0.1"))
            .await
            .status,
        429
    );
    assert_eq!(trusting.get_url(&url, &from("10.0.0.2")).await.status, 200);

    let plain = spawn_app_with(open_config(false)).await;
    let url = format!("{}/locations", plain.api);
    assert_eq!(plain.get_url(&url, &from("10.0.0.3")).await.status, 200);
    let spoofed = plain.get_url(&url, &from("10.0.0.4")).await;
    assert_eq!(
        spoofed.status, 429,
        "an untrusted X-Forwarded-For is ignored"
    );
}

#[actix_web::test]
async fn the_limiter_stays_bounded_with_100000_distinct_client_addresses() {
    // 50 a second: an address that made one call is indistinguishable from a fresh one after 40 ms.
    let limiter = CallerLimiter::new(
        CallerQuota {
            rps: 50.0,
            burst: 5,
        },
        [],
    );
    for i in 0..100_000u32 {
        let address = CallerName::Address(std::net::Ipv4Addr::from(0x0a00_0000 + i).into());
        assert!(limiter.check(&address).retry_after.is_none());
    }
    assert!(
        limiter.len() < 100_000,
        "idle keys were dropped along the way"
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The periodic housekeeping runs on its own within RETAIN_EVERY checks.
    for _ in 0..RETAIN_EVERY {
        limiter.check(&CallerName::Address([10, 255, 255, 255].into()));
    }
    assert!(limiter.len() <= 1, "{} keys left", limiter.len());
}

#[actix_web::test]
async fn every_answer_carries_each_rate_limit_field_once() {
    let app = spawn_app_with(token_config("alice:tok-a", 1.0, 3)).await;
    let (url, alice) = (format!("{}/locations", app.api), bearer("tok-a"));
    let miss = app.get_url(&url, &pairs(&alice)).await;
    let hit = app.get_url(&url, &pairs(&alice)).await;
    let etag = header(&miss, "etag");
    let mut conditional = pairs(&alice);
    conditional.push(("if-none-match", etag.as_str()));
    let not_modified = app.get_url(&url, &conditional).await;
    let refused = app.get_url(&url, &pairs(&alice)).await;
    let statuses = [&miss, &hit, &not_modified, &refused].map(|a| a.status.as_u16());
    assert_eq!(statuses, [200, 200, 304, 429]);
    for answer in [&miss, &hit, &not_modified, &refused] {
        for name in ["ratelimit", "ratelimit-policy"] {
            assert_eq!(
                answer.headers.get_all(name).count(),
                1,
                "{name} on a {}: {:?}",
                answer.status,
                answer.headers
            );
        }
    }
}
