//! When Redis fails, safety comes before availability: cached answers keep coming, calls that must reach the
//! cloud get 503 with Retry-After and never go without the lease, readiness says so, and service resumes when
//! Redis returns, with no nonce reused, even when it returns empty.

use std::time::Duration;

use futures_util::future::join_all;

use super::members::{client, get, start_cloud, until_ok, Member};
use super::redis_server::TestRedis;
use crate::helpers::assert_strictly_increasing;

/// Reconnecting, and the group's re-seed of its counter (a 3 s gathering), with room for a busy machine.
const RESUMES_WITHIN: Duration = Duration::from_secs(20);

#[actix_web::test]
async fn with_redis_down_hits_answer_misses_get_503_and_readiness_fails_until_it_returns() {
    let mut redis = TestRedis::start();
    let (cloud, cloud_url) = start_cloud(0.0, Duration::ZERO);
    let gateway = Member::start(&cloud_url, &redis.url(), &[("GATEWAY_UPSTREAM_RPS", "20")]);
    let client = client();
    let cached = format!("{}/locations", gateway.api());
    assert_eq!(get(&client, &cached, &[]).await.status, 200);
    let calls_before = cloud.requests();

    redis.stop();
    let hit = get(&client, &cached, &[]).await;
    let miss = get(&client, &format!("{}/events?limit=7", gateway.api()), &[]).await;
    let origin = gateway
        .api()
        .trim_end_matches("/service/api/v1")
        .to_string();
    let ready = get(&client, &format!("{origin}/readyz"), &[]).await;

    assert_eq!(hit.status, 200, "a first-level hit needs no Redis");
    assert_eq!(miss.status, 503, "{}", miss.body);
    assert!(miss.retry_after.is_some(), "a 503 says when to retry");
    assert!(miss.body.contains("coordination"), "{}", miss.body);
    assert_eq!(ready.status, 503, "{}", ready.body);
    assert!(ready.body.contains("coordination"), "{}", ready.body);
    assert_eq!(cloud.requests(), calls_before, "no call without the lease");
    let metrics = get(&client, &format!("{origin}/metrics"), &[]).await.body;
    assert!(
        metrics.contains("gateway_group_lane_refusals_total"),
        "{metrics}"
    );

    redis.restart_empty();
    until_ok(
        &client,
        &format!("{}/events?limit=8", gateway.api()),
        &[],
        RESUMES_WITHIN,
    )
    .await;
    assert_eq!(cloud.nonce_rejections(), 0);
}

#[actix_web::test]
async fn a_redis_restarted_empty_mid_run_lowers_no_nonce_and_the_group_resumes() {
    let mut redis = TestRedis::start();
    let (cloud, cloud_url) = start_cloud(0.0, Duration::ZERO);
    let env = [("GATEWAY_UPSTREAM_RPS", "50"), ("GATEWAY_MAX_WAIT", "30s")];
    let gateways: Vec<Member> = (0..3)
        .map(|_| Member::start(&cloud_url, &redis.url(), &env))
        .collect();
    let client = client();
    let batch = |from: u32| {
        join_all((from..from + 30).map(|n| {
            let url = format!("{}/events?limit={n}", gateways[n as usize % 3].api());
            let client = &client;
            async move { get(client, &url, &[]).await.status.as_u16() }
        }))
    };
    assert!(batch(1).await.iter().all(|&s| s == 200));

    redis.restart_empty();
    until_ok(
        &client,
        &format!("{}/events?limit=100", gateways[0].api()),
        &[],
        RESUMES_WITHIN,
    )
    .await;
    let after = batch(31).await;

    assert!(after.iter().all(|&s| s == 200), "{after:?}");
    assert_eq!(cloud.nonce_rejections(), 0, "no nonce reused or lowered");
    assert_eq!(cloud.max_concurrent(), 1);
    assert_strictly_increasing(&cloud.accepted_nonces());
}
