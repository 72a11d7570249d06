//! Waiting callers of the whole group take turns by caller name: one app flooding one gateway does not starve
//! another app's single request on another gateway.

use std::time::{Duration, Instant};

use super::members::{client, get, start_cloud, until_ok, Member};
use super::redis_server::TestRedis;

/// 5 calls a second: one interval is 200 ms.
const INTERVAL: Duration = Duration::from_millis(200);
const FLOOD: u32 = 40;

#[actix_web::test]
async fn a_single_request_on_a_quiet_gateway_waits_about_two_intervals_behind_a_flood() {
    let redis = TestRedis::start();
    let (cloud, cloud_url) = start_cloud(0.0, Duration::ZERO);
    let env = [
        ("GATEWAY_UPSTREAM_RPS", "5"),
        ("GATEWAY_MAX_WAIT", "60s"),
        ("GATEWAY_TOKENS", "flood:tok-flood,quiet:tok-quiet"),
        ("GATEWAY_CALLER_RPS", "10000"),
        ("GATEWAY_CALLER_BURST", "10000"),
    ];
    let (flooded, quiet) = (
        Member::start(&cloud_url, &redis.url(), &env),
        Member::start(&cloud_url, &redis.url(), &env),
    );
    let client = client();
    // A new group seeds its nonce counter first (a few seconds); that wait is not what is measured here.
    for gateway in [&flooded, &quiet] {
        let url = format!("{}/events?limit=999", gateway.api());
        let quiet_token = [("authorization", "Bearer tok-quiet")];
        until_ok(&client, &url, &quiet_token, Duration::from_secs(20)).await;
    }
    let before = cloud.requests();
    let flood: Vec<_> = (1..=FLOOD)
        .map(|n| {
            let (client, url) = (
                client.clone(),
                format!("{}/events?limit={n}", flooded.api()),
            );
            actix_web::rt::spawn(async move {
                get(&client, &url, &[("authorization", "Bearer tok-flood")]).await
            })
        })
        .collect();
    // Let the flood queue up and start going out.
    actix_web::rt::time::sleep(INTERVAL * 3).await;
    let sent = cloud.requests() - before;
    assert!(
        sent > 0 && sent < u64::from(FLOOD) / 2,
        "the flood is going out: {sent}"
    );

    let asked = Instant::now();
    let single = get(
        &client,
        &format!("{}/events?limit=500", quiet.api()),
        &[("authorization", "Bearer tok-quiet")],
    )
    .await;
    let waited = asked.elapsed();

    assert_eq!(single.status, 200, "{}", single.body);
    // Two intervals, and one more for polling and two processes on a busy machine; the flood alone would
    // take FLOOD intervals (8 s).
    assert!(waited < INTERVAL * 3, "the quiet caller waited {waited:?}");
    for call in flood {
        assert_eq!(
            call.await.map(|reply| reply.status.as_u16()).unwrap_or(0),
            200
        );
    }
}
