//! A gateway killed (`kill -9`) while it holds the group's lease blocks the group for one lease period at most,
//! and comes back into the group when restarted.

use std::time::{Duration, Instant};

use super::members::{client, get, start_cloud, Member};
use super::redis_server::TestRedis;
use crate::helpers::assert_strictly_increasing;

const LATENCY: Duration = Duration::from_secs(2);
/// `GATEWAY_UPSTREAM_TIMEOUT` 3 s plus the lease's 2 s margin.
const LEASE: Duration = Duration::from_secs(5);

#[actix_web::test]
async fn a_lease_holder_killed_mid_call_blocks_the_group_for_one_lease_at_most() {
    let redis = TestRedis::start();
    let (cloud, cloud_url) = start_cloud(0.0, LATENCY);
    let env = [
        ("GATEWAY_UPSTREAM_RPS", "10"),
        ("GATEWAY_UPSTREAM_TIMEOUT", "3s"),
        ("GATEWAY_MAX_WAIT", "30s"),
    ];
    let mut holder = Member::start(&cloud_url, &redis.url(), &env);
    let other = Member::start(&cloud_url, &redis.url(), &env);
    let client = client();
    let in_flight = actix_web::rt::spawn({
        let (client, url) = (client.clone(), format!("{}/events?limit=1", holder.api()));
        async move { get(&client, &url, &[]).await }
    });
    let until = Instant::now() + Duration::from_secs(10);
    while cloud.requests() == 0 && Instant::now() < until {
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(cloud.requests(), 1, "the holder's call reached the cloud");

    holder.kill();
    let killed_at = Instant::now();
    let after = get(&client, &format!("{}/events?limit=2", other.api()), &[]).await;
    let waited = killed_at.elapsed();

    assert_eq!(after.status, 200, "{}", after.body);
    assert!(
        waited < LEASE + LATENCY + Duration::from_secs(2),
        "the group went on {waited:?} after the kill"
    );
    assert_eq!(
        cloud.max_concurrent(),
        1,
        "no call started while the killed holder's lease stood"
    );
    let _ = in_flight.await;
    holder.restart();
    let rejoined = get(&client, &format!("{}/events?limit=3", holder.api()), &[]).await;
    assert_eq!(rejoined.status, 200, "{}", rejoined.body);
    assert_eq!(cloud.nonce_rejections(), 0);
    assert_strictly_increasing(&cloud.accepted_nonces());
}
