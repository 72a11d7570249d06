//! The group nonce against a real Redis: two gateways (two state directories) on one counter, and Redis
//! restarted empty.

use std::collections::HashSet;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use camlytics_gateway::group::keys::GroupKeys;
use camlytics_gateway::group::nonce::{Gathering, GroupNonceAllocator};
use camlytics_gateway::upstream::nonce::{Clock, FileNonceAllocator, NonceAllocator};
use futures_util::future::join_all;
use tempfile::TempDir;

use super::redis_server::TestRedis;

const START: i64 = 1_700_000_000;

/// A clock that stands still, so that only the counter (not the time) can keep nonces apart.
fn still_clock() -> Clock {
    let at = Arc::new(AtomicI64::new(START));
    Arc::new(move || at.load(Ordering::SeqCst))
}

fn quick() -> Gathering {
    Gathering {
        gather: Duration::from_millis(300),
        publish_every: Duration::from_millis(50),
    }
}

/// One gateway of the group: its own state directory, its own local allocator.
fn gateway(redis: &TestRedis, id: &str) -> (Arc<GroupNonceAllocator>, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let local = FileNonceAllocator::open(dir.path(), "test-key", still_clock()).unwrap();
    let allocator = GroupNonceAllocator::new(
        redis.connect(Duration::from_millis(500)),
        GroupKeys::new("test", "test-key"),
        Arc::new(local),
        id,
        still_clock(),
        quick(),
    );
    (Arc::new(allocator), dir)
}

#[actix_web::test]
async fn two_gateways_under_concurrency_never_hand_out_one_nonce_twice() {
    let redis = TestRedis::start();
    let (a, _a_dir) = gateway(&redis, "a");
    let (b, _b_dir) = gateway(&redis, "b");

    let calls = (0..500).flat_map(|_| [a.clone(), b.clone()]);
    let nonces: Vec<i64> = join_all(calls.map(|gateway| async move { gateway.next().await }))
        .await
        .into_iter()
        .map(|nonce| nonce.unwrap())
        .collect();

    let distinct: HashSet<i64> = nonces.iter().copied().collect();
    assert_eq!(distinct.len(), 1000);
    assert!(nonces.iter().all(|&nonce| nonce >= START));
}

#[actix_web::test]
async fn nonces_taken_in_turn_by_two_gateways_strictly_increase() {
    let redis = TestRedis::start();
    let (a, _a_dir) = gateway(&redis, "a");
    let (b, _b_dir) = gateway(&redis, "b");

    let mut nonces = Vec::new();
    for _ in 0..20 {
        nonces.push(a.next().await.unwrap());
        nonces.push(b.next().await.unwrap());
    }

    assert!(
        nonces.windows(2).all(|pair| pair[0] < pair[1]),
        "{nonces:?}"
    );
}

#[actix_web::test]
async fn after_redis_restarts_empty_the_next_nonce_is_above_every_one_handed_out() {
    let mut redis = TestRedis::start();
    let (a, _a_dir) = gateway(&redis, "a");
    let (b, _b_dir) = gateway(&redis, "b");
    let _heartbeats = [a.spawn_mark_publisher(), b.spawn_mark_publisher()];
    a.next().await.unwrap();
    // B takes the most, so A's own mark alone would re-seed too low.
    let mut highest = 0;
    for _ in 0..200 {
        highest = b.next().await.unwrap();
    }

    redis.restart_empty();
    let next = a.next().await.unwrap();

    assert!(next > highest, "{next} after {highest}");
}

#[actix_web::test]
async fn a_new_group_starts_above_a_members_durable_mark() {
    let redis = TestRedis::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("nonce-test-key.hwm"), "1800000000\n").unwrap();
    let local = FileNonceAllocator::open(dir.path(), "test-key", still_clock()).unwrap();
    let allocator = GroupNonceAllocator::new(
        redis.connect(Duration::from_millis(500)),
        GroupKeys::new("test", "test-key"),
        Arc::new(local),
        "a",
        still_clock(),
        quick(),
    );

    let nonce = allocator.next().await.unwrap();

    assert!(nonce > 1_800_000_000, "{nonce}");
}

#[actix_web::test]
async fn a_nonce_asked_while_redis_is_down_is_a_clean_error_not_a_hang() {
    let mut redis = TestRedis::start();
    let (a, _a_dir) = gateway(&redis, "a");
    a.next().await.unwrap();
    redis.stop();

    let started = Instant::now();
    let answer = a.next().await;

    assert!(answer.unwrap_err().to_string().contains("unavailable"));
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[actix_web::test]
async fn a_raised_floor_reaches_the_other_gateways() {
    let redis = TestRedis::start();
    let (a, _a_dir) = gateway(&redis, "a");
    let (b, _b_dir) = gateway(&redis, "b");
    a.next().await.unwrap();

    a.raise_floor(1_900_000_000).await.unwrap();
    let nonce = b.next().await.unwrap();

    assert_eq!(nonce, 1_900_000_001);
}
