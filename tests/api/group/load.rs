//! Three gateway processes on one key and one Redis share the cloud's pace: every call answered, no nonce
//! rejected, no 429, never two calls in flight.
//!
//! The figures are 300 requests at 5 a second on both sides (a minute); this runs the 300 at 15 a second
//! against a cloud allowing 20 (about 20 s) to keep the suite short. The group paces each start an interval after
//! the previous call's send, but the cloud times arrivals, and a busy machine delays sends and deliveries by
//! milliseconds; the simulator refuses an arrival earlier than 90% of its interval, so 15 against 20 leaves the
//! same few tens of milliseconds of slack as the 5-on-5 has, in a third of the time.

use std::time::Duration;

use futures_util::future::join_all;

use super::members::{client, get, start_cloud, Member};
use super::redis_server::TestRedis;
use crate::helpers::assert_strictly_increasing;

/// The group's pace, with the slack the 5-on-5 has (see above).
const RPS: &str = "15";
const CLOUD_RPS: f64 = 20.0;

#[actix_web::test]
async fn three_gateways_on_one_key_answer_every_call_at_the_groups_pace() {
    let redis = TestRedis::start();
    let (cloud, cloud_url) = start_cloud(CLOUD_RPS, Duration::ZERO);
    let env = [("GATEWAY_UPSTREAM_RPS", RPS), ("GATEWAY_MAX_WAIT", "60s")];
    let gateways: Vec<Member> = (0..3)
        .map(|_| Member::start(&cloud_url, &redis.url(), &env))
        .collect();
    let client = client();

    // Uneven: 180 through the first gateway, 90 through the second, 30 through the third; all distinct.
    let replies = join_all((1..=300).map(|n| {
        let gateway = match n {
            1..=180 => &gateways[0],
            181..=270 => &gateways[1],
            _ => &gateways[2],
        };
        let url = format!("{}/events?limit={n}", gateway.api());
        let client = &client;
        async move { get(client, &url, &[]).await }
    }))
    .await;

    let failed: Vec<String> = replies
        .iter()
        .filter(|reply| reply.status != 200)
        .map(|reply| format!("{} {}", reply.status, reply.body))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(cloud.nonce_rejections(), 0);
    assert_eq!(cloud.throttled(), 0, "the group kept to the cloud's pace");
    assert_eq!(
        cloud.max_concurrent(),
        1,
        "one call in flight across the group"
    );
    assert_eq!(cloud.accepted(), 300);
    assert_strictly_increasing(&cloud.accepted_nonces());
}
