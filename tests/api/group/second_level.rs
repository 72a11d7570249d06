//! The group's second cache level in a real Redis, under two gateways' caches.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use actix_web::web::Bytes;
use camlytics_gateway::cache::policy::{plan, Plan};
use camlytics_gateway::cache::second_level::{SecondLevel, SharedAnswer};
use camlytics_gateway::cache::status::Served;
use camlytics_gateway::cache::ResponseCache;
use camlytics_gateway::group::keys::GroupKeys;
use camlytics_gateway::group::second_level::{subscribe_purges, RedisSecondLevel};
use futures_util::StreamExt;

use super::redis_server::TestRedis;
use crate::second_level::{settings, CountingCloud};

fn shared(redis: &TestRedis, largest_answer: u64) -> Arc<RedisSecondLevel> {
    Arc::new(RedisSecondLevel::new(
        redis.connect(Duration::from_millis(500)),
        GroupKeys::new("test", "test-key"),
        largest_answer,
    ))
}

/// Two gateways' caches over one Redis, sharing answers up to `largest_answer` bytes.
fn two_gateways(redis: &TestRedis, largest_answer: u64) -> [Arc<ResponseCache>; 2] {
    [(); 2].map(|_| ResponseCache::with_second_level(settings(), shared(redis, largest_answer)))
}

/// Asks `gateway` for the totals, as a caller would.
async fn ask(gateway: &Arc<ResponseCache>, cloud: &CountingCloud) {
    gateway
        .get(&totals(), false, cloud, || "caller".into())
        .await
        .unwrap();
}

fn fetched_now() -> SharedAnswer {
    SharedAnswer {
        body: Bytes::from_static(b"[]"),
        fetched_at: SystemTime::now(),
        fresh_for: Duration::from_secs(60),
    }
}

fn totals() -> Plan {
    let now = chrono::Utc::now();
    let params = vec![("location_id", "101".to_string())];
    plan("/totals/types", &params, &settings(), || now).unwrap()
}

#[actix_web::test]
async fn a_totals_answer_fetched_through_one_gateway_costs_another_no_upstream_call() {
    let redis = TestRedis::start();
    let [gateway_a, gateway_b] = two_gateways(&redis, 1 << 20);
    let cloud = CountingCloud::default();

    let first = gateway_a.get(&totals(), false, &cloud, || "a".into()).await;
    let second = gateway_b.get(&totals(), false, &cloud, || "b".into()).await;

    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!(cloud.calls.load(Ordering::SeqCst), 1);
    assert_eq!(first.entry.body.bytes(), second.entry.body.bytes());
    assert!(matches!(second.served, Served::Shared { .. }));
}

#[actix_web::test]
async fn a_purge_through_one_gateway_drops_the_answer_for_the_other() {
    let redis = TestRedis::start();
    let [gateway_a, gateway_b] = two_gateways(&redis, 1 << 20);
    let cloud = CountingCloud::default();
    ask(&gateway_a, &cloud).await;

    gateway_a.purge("/totals").await;
    ask(&gateway_b, &cloud).await;

    assert_eq!(cloud.calls.load(Ordering::SeqCst), 2);
}

#[actix_web::test]
async fn a_purge_is_announced_to_the_groups_subscribers() {
    let redis = TestRedis::start();
    let connection = redis.connect(Duration::from_millis(500));
    let purges = subscribe_purges(&connection, &GroupKeys::new("test", "test-key"))
        .await
        .unwrap();
    let mut purges = Box::pin(purges);

    shared(&redis, 1 << 20).purge("/totals").await;
    let announced = tokio::time::timeout(Duration::from_secs(2), purges.next()).await;

    assert_eq!(announced.unwrap().as_deref(), Some("/totals"));
}

#[actix_web::test]
async fn a_purge_keeps_answers_outside_its_prefix() {
    let redis = TestRedis::start();
    let level = shared(&redis, 1 << 20);
    let answer = fetched_now();
    level.put("/totals/types", &answer, Duration::ZERO).await;
    level.put("/locations", &answer, Duration::ZERO).await;

    level.purge("/totals").await;

    assert_eq!(level.get("/totals/types").await, None);
    assert_eq!(
        level.get("/locations").await.map(|kept| kept.body),
        Some(answer.body)
    );
}

#[actix_web::test]
async fn an_answer_larger_than_a_sixty_fourth_of_the_bound_is_not_shared() {
    let redis = TestRedis::start();
    let [gateway_a, gateway_b] = two_gateways(&redis, 8);
    let cloud = CountingCloud::default();

    ask(&gateway_a, &cloud).await;
    ask(&gateway_b, &cloud).await;

    assert_eq!(cloud.calls.load(Ordering::SeqCst), 2);
}

#[actix_web::test]
async fn redis_keeps_an_answer_for_its_freshness_and_stale_window_only() {
    let redis = TestRedis::start();
    let level = shared(&redis, 1 << 20);
    let connection = redis.connect(Duration::from_millis(500));
    let answer = fetched_now();

    level
        .put("/totals/types", &answer, Duration::from_secs(3600))
        .await;
    let key = GroupKeys::new("test", "test-key").answer("/totals/types");
    let ttl_ms: i64 = connection
        .query("test", redis::cmd("PTTL").arg(key))
        .await
        .unwrap();

    assert!((3_655_000..=3_660_000).contains(&ttl_ms), "{ttl_ms}");
}

#[actix_web::test]
async fn with_redis_down_the_cache_still_answers_from_the_cloud() {
    let mut redis = TestRedis::start();
    let gateway = ResponseCache::with_second_level(settings(), shared(&redis, 1 << 20));
    let cloud = CountingCloud::default();
    redis.stop();

    let answer = gateway.get(&totals(), false, &cloud, || "a".into()).await;

    assert!(answer.is_ok());
    assert_eq!(cloud.calls.load(Ordering::SeqCst), 1);
}
