//! Three gateway processes on one key share what they fetch, what is purged and what callers may ask: the
//! second cache level, the purge announcements and the group's quotas, through one real Redis.

use std::time::{Duration, Instant};

use futures_util::future::join_all;

use super::members::{client, get, start_cloud, until_ok, Member};
use super::redis_server::TestRedis;

const TOTALS: &str = "/totals/types?location_id=101";
const TOTALS_PATH: &str = "/service/api/v1/totals/types";

/// Three members of one group, each warmed up (the group's counter seeded) with a call of its own.
async fn three_members(redis: &TestRedis, cloud_url: &str, env: &[(&str, &str)]) -> Vec<Member> {
    let members: Vec<Member> = (0..3)
        .map(|_| Member::start(cloud_url, &redis.url(), env))
        .collect();
    let client = client();
    for member in &members {
        let url = format!("{}/locations", member.api());
        until_ok(&client, &url, &[], Duration::from_secs(20)).await;
    }
    members
}

#[actix_web::test]
async fn an_answer_fetched_through_one_gateway_costs_the_others_no_upstream_call() {
    let redis = TestRedis::start();
    let (cloud, cloud_url) = start_cloud(0.0, Duration::ZERO);
    let env = [("GATEWAY_UPSTREAM_RPS", "50")];
    let members = three_members(&redis, &cloud_url, &env).await;
    let client = client();

    let first = get(&client, &format!("{}{TOTALS}", members[0].api()), &[]).await;
    let others = join_all(members[1..].iter().map(|m| {
        let (client, url) = (&client, format!("{}{TOTALS}", m.api()));
        async move { get(client, &url, &[]).await }
    }))
    .await;

    assert_eq!(first.status, 200, "{}", first.body);
    for reply in &others {
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body, first.body);
        let status = reply.cache_status.as_deref().unwrap_or_default();
        assert!(
            status.starts_with("camlytics-gateway-group; hit"),
            "the group's level answered: {status}"
        );
    }
    assert_eq!(cloud.requests_per_path(TOTALS_PATH), 1);
}

#[actix_web::test]
async fn fifty_concurrent_identical_misses_over_three_gateways_make_one_upstream_call() {
    let redis = TestRedis::start();
    let (cloud, cloud_url) = start_cloud(0.0, Duration::from_millis(300));
    let env = [("GATEWAY_UPSTREAM_RPS", "50")];
    let members = three_members(&redis, &cloud_url, &env).await;
    let client = client();

    let replies = join_all((0..50).map(|n| {
        let url = format!("{}{TOTALS}", members[n % 3].api());
        let client = &client;
        async move { get(client, &url, &[]).await }
    }))
    .await;

    for reply in &replies {
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    assert_eq!(cloud.requests_per_path(TOTALS_PATH), 1);
}

#[actix_web::test]
async fn a_purge_on_one_gateway_empties_every_gateways_cache() {
    let redis = TestRedis::start();
    let (cloud, cloud_url) = start_cloud(0.0, Duration::ZERO);
    let env = [("GATEWAY_UPSTREAM_RPS", "50")];
    let members = three_members(&redis, &cloud_url, &env).await;
    let client = client();
    for member in &members {
        get(&client, &format!("{}{TOTALS}", member.api()), &[]).await;
    }
    assert_eq!(cloud.requests_per_path(TOTALS_PATH), 1);

    let origin = members[0].api().trim_end_matches("/service/api/v1");
    let purged = client
        .delete(format!("{origin}/admin/cache"))
        .send()
        .await
        .expect("the purge answers");
    assert_eq!(purged.status(), 200);
    // The announcement reaches the others through Redis's pub/sub.
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    let again = get(&client, &format!("{}{TOTALS}", members[2].api()), &[]).await;

    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(
        cloud.requests_per_path(TOTALS_PATH),
        2,
        "the purge reached the third gateway's first level and the shared level"
    );
}

#[actix_web::test]
async fn a_token_limited_to_five_a_second_gets_about_five_a_second_over_three_gateways() {
    let redis = TestRedis::start();
    let (_cloud, cloud_url) = start_cloud(0.0, Duration::ZERO);
    let env = [
        ("GATEWAY_UPSTREAM_RPS", "50"),
        ("GATEWAY_TOKENS", "app:tok-app:rps=5:burst=5"),
    ];
    let members: Vec<Member> = (0..3)
        .map(|_| Member::start(&cloud_url, &redis.url(), &env))
        .collect();
    let client = client();
    let auth = [("authorization", "Bearer tok-app")];
    // Warm every member's cache so that what is counted is the quota, not the lane.
    for member in &members {
        until_ok(
            &client,
            &format!("{}/locations", member.api()),
            &auth,
            Duration::from_secs(20),
        )
        .await;
    }
    actix_web::rt::time::sleep(Duration::from_secs(2)).await;

    // Four seconds of asking as fast as the three gateways answer, in turn.
    let started = Instant::now();
    let mut admitted = 0u32;
    let mut asked = 0u32;
    while started.elapsed() < Duration::from_secs(4) {
        let member = &members[(asked % 3) as usize];
        let reply = get(&client, &format!("{}/locations", member.api()), &auth).await;
        asked += 1;
        if reply.status == 200 {
            admitted += 1;
        }
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }

    // Alone, one gateway admits burst + 4 s x 5 = 25; three on their own would admit 75. The group's sync bound
    // (README) allows a few more than one gateway's share.
    assert!(asked > 100, "asked often enough: {asked}");
    assert!(
        (15..=40).contains(&admitted),
        "the group held the token to about 5 a second: {admitted} of {asked} admitted in 4 s"
    );
}
