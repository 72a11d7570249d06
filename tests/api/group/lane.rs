//! The group lane in process against a real Redis: one turn for the group, no nonce without it, callers
//! before background work, a caller who gives up leaves, and a Redis that cannot be reached refuses.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use camlytics_gateway::group::keys::GroupKeys;
use camlytics_gateway::group::lane::{GroupLane, LaneTiming};
use camlytics_gateway::group::lane_turn::{FenceCell, FencedNonces};
use camlytics_gateway::group::nonce::{Gathering, GroupNonceAllocator};
use camlytics_gateway::upstream::lane_trait::UpstreamLane;
use camlytics_gateway::upstream::nonce::{
    system_clock, FileNonceAllocator, NonceAllocator, NonceError,
};
use tempfile::TempDir;
use tokio::time::Instant;

use super::redis_server::TestRedis;

const TIMING: LaneTiming = LaneTiming {
    interval: Duration::from_millis(10),
    lease_ttl: Duration::from_secs(5),
};

/// One gateway's lane and fenced nonces, on a seeded group.
struct Gateway {
    lane: Arc<GroupLane>,
    nonces: FencedNonces,
    _state: TempDir,
}

async fn gateway(redis: &TestRedis, id: &str) -> Gateway {
    let state = tempfile::tempdir().unwrap();
    let keys = GroupKeys::new("test", "test-key");
    let local = FileNonceAllocator::open(state.path(), "test-key", system_clock()).unwrap();
    let group = Arc::new(GroupNonceAllocator::new(
        redis.connect(Duration::from_millis(500)),
        keys.clone(),
        Arc::new(local),
        id,
        system_clock(),
        Gathering {
            gather: Duration::from_millis(50),
            publish_every: Duration::from_millis(20),
        },
    ));
    group.ensure_seeded().await.unwrap();
    let fence = FenceCell::default();
    let lane = GroupLane::new(
        redis.connect(Duration::from_millis(500)),
        &keys,
        group.clone(),
        fence.clone(),
        id,
        TIMING,
    );
    Gateway {
        lane: Arc::new(lane),
        nonces: FencedNonces::new(group, fence),
        _state: state,
    }
}

fn soon(ms: u64) -> Instant {
    Instant::now() + Duration::from_millis(ms)
}

#[actix_web::test]
async fn a_second_gateway_gets_no_turn_while_the_first_holds_it() {
    let redis = TestRedis::start();
    let (a, b) = (gateway(&redis, "a").await, gateway(&redis, "b").await);
    let held = a.lane.enter("app", soon(1000)).await.unwrap();

    let refused = b.lane.enter("app", soon(300)).await;
    drop(held);
    let next = b.lane.enter("app", soon(2000)).await;

    let refusal = refused
        .err()
        .expect("no turn while another gateway holds it");
    assert_eq!(refusal.reason, None, "a full lane, not a fault");
    assert!(next.is_ok(), "the turn passes once released");
}

#[actix_web::test]
async fn a_nonce_is_handed_out_only_under_a_turn_this_gateway_holds() {
    let redis = TestRedis::start();
    let a = gateway(&redis, "a").await;

    let without = a.nonces.next().await;
    let turn = a.lane.enter("app", soon(1000)).await.unwrap();
    let within = a.nonces.next().await;
    drop(turn);
    let after = a.nonces.next().await;

    assert!(
        matches!(without, Err(NonceError::Unavailable(_))),
        "{without:?}"
    );
    assert!(within.is_ok(), "{within:?}");
    assert!(
        matches!(after, Err(NonceError::Unavailable(_))),
        "{after:?}"
    );
}

#[actix_web::test]
async fn waiting_callers_go_before_background_work() {
    let redis = TestRedis::start();
    let (a, b) = (gateway(&redis, "a").await, gateway(&redis, "b").await);
    let held = a.lane.enter("app", soon(1000)).await.unwrap();
    let order = Arc::new(Mutex::new(Vec::new()));
    let background = actix_web::rt::spawn({
        let (lane, order) = (b.lane.clone(), order.clone());
        async move {
            let turn = lane.enter_background(soon(5000)).await;
            order.lock().unwrap().push("background");
            drop(turn);
        }
    });
    actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    let caller = actix_web::rt::spawn({
        let (lane, order) = (a.lane.clone(), order.clone());
        async move {
            let turn = lane.enter("late-caller", soon(5000)).await;
            order.lock().unwrap().push("caller");
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
            drop(turn);
        }
    });
    actix_web::rt::time::sleep(Duration::from_millis(100)).await;

    drop(held);
    caller.await.unwrap();
    background.await.unwrap();

    assert_eq!(*order.lock().unwrap(), ["caller", "background"]);
}

#[actix_web::test]
async fn a_caller_who_gives_up_leaves_the_waiting_room() {
    let redis = TestRedis::start();
    let (a, b) = (gateway(&redis, "a").await, gateway(&redis, "b").await);
    let _held = a.lane.enter("app", soon(1000)).await.unwrap();

    let _ = b.lane.enter("impatient", soon(200)).await;
    actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    let waiting: u64 = redis
        .connect(Duration::from_millis(500))
        .query(
            "zcard",
            redis::cmd("ZCARD").arg(format!(
                "{}:lane:queue",
                GroupKeys::new("test", "test-key").base()
            )),
        )
        .await
        .unwrap();

    assert_eq!(waiting, 0, "the ticket left with its caller");
}

#[actix_web::test]
async fn with_redis_unreachable_the_lane_refuses_at_once_and_says_why() {
    let mut redis = TestRedis::start();
    let a = gateway(&redis, "a").await;
    redis.stop();

    let started = Instant::now();
    let refused = a.lane.enter("app", soon(10_000)).await;

    let refusal = refused.err().expect("no turn without Redis");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "refused within the Redis bound"
    );
    assert!(refusal.retry_after >= Duration::from_secs(1));
    let reason = refusal.reason.expect("a reason for the caller");
    assert!(reason.contains("coordination is unavailable"), "{reason}");
    assert!(a.lane.coordination().await.is_err(), "readiness sees it");
}
