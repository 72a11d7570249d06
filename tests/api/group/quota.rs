//! Callers' quotas for the whole group, counted through a real Redis.

use std::sync::Arc;
use std::time::{Duration, Instant};

use camlytics_gateway::callers::limiter::CallerLimiter;
use camlytics_gateway::callers::quota::CallerQuotas;
use camlytics_gateway::callers::settings::CallerQuota;
use camlytics_gateway::callers::CallerName;
use camlytics_gateway::group::keys::GroupKeys;
use camlytics_gateway::group::quota::GroupQuota;

use super::redis_server::TestRedis;

/// A token's own quota: 5 requests a second, burst 5.
const FIVE_A_SECOND: CallerQuota = CallerQuota { rps: 5.0, burst: 5 };

/// One gateway's quotas over `redis`, the token "reports" limited to 5 a second.
fn gateway(redis: &TestRedis) -> Arc<GroupQuota> {
    let paces = CallerLimiter::new(
        CallerQuota {
            rps: 100.0,
            burst: 100,
        },
        [("reports".into(), FIVE_A_SECOND)],
    );
    GroupQuota::start(
        paces,
        redis.connect(Duration::from_millis(500)),
        GroupKeys::new("test", "quota-key"),
    )
}

/// Checks the caller through each of `gateways` in turn, every few milliseconds for `how_long`; counts what
/// was allowed.
async fn hammer(gateways: &[Arc<GroupQuota>], caller: &CallerName, how_long: Duration) -> usize {
    let until = Instant::now() + how_long;
    let mut allowed = 0;
    while Instant::now() < until {
        for gateway in gateways {
            if gateway.check(caller).retry_after.is_none() {
                allowed += 1;
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    allowed
}

#[actix_web::test]
async fn a_token_limited_to_five_a_second_gets_about_five_a_second_over_three_gateways() {
    let redis = TestRedis::start();
    let gateways: Vec<_> = (0..3).map(|_| gateway(&redis)).collect();
    let caller = CallerName::from("reports");

    let allowed = hammer(&gateways, &caller, Duration::from_secs(4)).await;

    // One limiter: the burst and 5 a second, 25. The documented bound adds (N − 1) × (burst + rps × 0.05 s + 1)
    // = 12.5 at most; three separate limiters would allow 75.
    assert!((20..=37).contains(&allowed), "{allowed} allowed in 4 s");
}

#[actix_web::test]
async fn after_the_first_second_the_group_holds_the_rate() {
    let redis = TestRedis::start();
    let gateways: Vec<_> = (0..3).map(|_| gateway(&redis)).collect();
    let caller = CallerName::from("reports");
    hammer(&gateways, &caller, Duration::from_secs(2)).await;

    let allowed = hammer(&gateways, &caller, Duration::from_secs(3)).await;

    // 15 at the quota's rate; a per-gateway count would give 45.
    assert!((10..=21).contains(&allowed), "{allowed} allowed in 3 s");
}

#[actix_web::test]
async fn other_callers_keep_their_own_count() {
    let redis = TestRedis::start();
    let gateways: Vec<_> = (0..3).map(|_| gateway(&redis)).collect();
    hammer(
        &gateways,
        &CallerName::from("reports"),
        Duration::from_millis(500),
    )
    .await;

    let other = gateways[0].check(&CallerName::from("dashboard"));

    assert_eq!(other.retry_after, None);
    assert_eq!(other.pace.quota.burst, 100);
}

#[actix_web::test]
async fn with_redis_down_each_gateway_still_holds_the_quota_by_itself() {
    let mut redis = TestRedis::start();
    let gateway = gateway(&redis);
    redis.stop();
    let caller = CallerName::from("reports");

    let allowed = hammer(&[gateway], &caller, Duration::from_millis(1_000)).await;

    // The burst and about 5 more in the second: open to this gateway's count, not unlimited.
    assert!((9..=11).contains(&allowed), "{allowed} allowed in 1 s");
}
