//! The group lane's lease against a real Redis: one holder at a time, expiry, and fencing of a stale holder.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use camlytics_gateway::group::connection::GroupError;
use camlytics_gateway::group::keys::GroupKeys;
use camlytics_gateway::group::lease::GroupLease;
use camlytics_gateway::group::nonce::{Gathering, GroupNonceAllocator};
use camlytics_gateway::upstream::nonce::{Clock, FileNonceAllocator};
use tempfile::TempDir;

use super::redis_server::TestRedis;

const LONG: Duration = Duration::from_secs(30);
const SHORT: Duration = Duration::from_millis(100);

fn lease(redis: &TestRedis, holder: &str) -> GroupLease {
    GroupLease::new(
        redis.connect(Duration::from_millis(500)),
        GroupKeys::new("test", "test-key"),
        holder,
    )
}

/// The group's nonce allocator on this gateway, its counter (which holds the fence) not yet seeded.
fn nonces(redis: &TestRedis) -> (GroupNonceAllocator, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let clock: Clock = Arc::new({
        let at = AtomicI64::new(1_700_000_000);
        move || at.load(Ordering::SeqCst)
    });
    let local = FileNonceAllocator::open(dir.path(), "test-key", clock.clone()).unwrap();
    let allocator = GroupNonceAllocator::new(
        redis.connect(Duration::from_millis(500)),
        GroupKeys::new("test", "test-key"),
        Arc::new(local),
        "a",
        clock,
        Gathering {
            gather: Duration::from_millis(50),
            publish_every: Duration::from_millis(20),
        },
    );
    (allocator, dir)
}

/// A Redis whose group counter is seeded, as the lane finds it once running.
async fn seeded_redis() -> TestRedis {
    let redis = TestRedis::start();
    let (allocator, _dir) = nonces(&redis);
    allocator.ensure_seeded().await.unwrap();
    redis
}

#[actix_web::test]
async fn a_second_holder_cannot_take_a_held_lease() {
    let redis = seeded_redis().await;
    let (a, b) = (lease(&redis, "a"), lease(&redis, "b"));

    let first = a.try_take(LONG).await.unwrap();
    let second = b.try_take(LONG).await.unwrap();

    assert!(first.is_some());
    assert_eq!(second, None);
}

#[actix_web::test]
async fn an_expired_lease_can_be_taken_with_a_higher_fence() {
    let redis = seeded_redis().await;
    let (a, b) = (lease(&redis, "a"), lease(&redis, "b"));
    let first = a.try_take(SHORT).await.unwrap().unwrap();

    tokio::time::sleep(SHORT * 2).await;
    let second = b.try_take(LONG).await.unwrap().unwrap();

    assert!(second.fence > first.fence);
}

#[actix_web::test]
async fn a_released_lease_can_be_taken_at_once() {
    let redis = seeded_redis().await;
    let (a, b) = (lease(&redis, "a"), lease(&redis, "b"));
    let held = a.try_take(LONG).await.unwrap().unwrap();

    let released = a.release(&held).await.unwrap();
    let taken = b.try_take(LONG).await.unwrap();

    assert!(released);
    assert!(taken.is_some());
}

#[actix_web::test]
async fn a_stale_holder_can_neither_release_nor_renew_the_new_holders_lease() {
    let redis = seeded_redis().await;
    let (a, b, c) = (lease(&redis, "a"), lease(&redis, "b"), lease(&redis, "c"));
    let stale = a.try_take(SHORT).await.unwrap().unwrap();
    tokio::time::sleep(SHORT * 2).await;
    let _current = b.try_take(LONG).await.unwrap().unwrap();

    let released = a.release(&stale).await.unwrap();
    let renewed = a.renew(&stale, LONG).await.unwrap();
    let third = c.try_take(LONG).await.unwrap();

    assert!(!released);
    assert!(!renewed);
    assert_eq!(third, None);
}

#[actix_web::test]
async fn a_stale_holders_fence_is_refused_by_the_nonce_script() {
    let redis = TestRedis::start();
    let (nonces, _dir) = nonces(&redis);
    nonces.ensure_seeded().await.unwrap();
    let (a, b) = (lease(&redis, "a"), lease(&redis, "b"));
    let stale = a.try_take(SHORT).await.unwrap().unwrap();
    let under_stale = nonces.next_fenced(stale.fence).await;
    tokio::time::sleep(SHORT * 2).await;
    let current = b.try_take(LONG).await.unwrap().unwrap();

    let refused = nonces.next_fenced(stale.fence).await;
    let allowed = nonces.next_fenced(current.fence).await;

    assert!(under_stale.is_ok());
    assert!(refused.unwrap_err().to_string().contains("lease expired"));
    assert!(allowed.is_ok());
}

#[actix_web::test]
async fn no_lease_is_taken_while_the_group_counter_is_lost() {
    let redis = TestRedis::start();

    let taken = lease(&redis, "a").try_take(LONG).await;

    assert_eq!(taken, Err(GroupError::Refused("GW_UNSEEDED".into())));
}

#[actix_web::test]
async fn a_fence_from_before_redis_restarted_empty_stays_refused() {
    let mut redis = TestRedis::start();
    let (nonces, _dir) = nonces(&redis);
    nonces.ensure_seeded().await.unwrap();
    let stale = lease(&redis, "a").try_take(LONG).await.unwrap().unwrap();

    redis.restart_empty();
    nonces.ensure_seeded().await.unwrap();
    let current = lease(&redis, "b").try_take(LONG).await.unwrap().unwrap();
    let refused = nonces.next_fenced(stale.fence).await;

    assert!(current.fence > stale.fence);
    assert!(refused.is_err());
}
