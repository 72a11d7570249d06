//! The group's misses coalesced in a real Redis: one upstream call for a key however many gateways miss it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use camlytics_gateway::cache::policy::{plan, Plan};
use camlytics_gateway::cache::second_level::{Claim, SecondLevel};
use camlytics_gateway::cache::ResponseCache;
use camlytics_gateway::error::GatewayError;
use camlytics_gateway::group::coalesce::Coalescing;
use camlytics_gateway::group::keys::GroupKeys;
use camlytics_gateway::group::second_level::RedisSecondLevel;
use camlytics_gateway::upstream::{Fetch, UpstreamAnswer, UpstreamRequest};
use futures_util::future::join_all;

use super::redis_server::TestRedis;
use crate::second_level::settings;

/// A cloud that takes its time, counts its calls, and answers or fails as told.
#[derive(Clone)]
struct SlowCloud {
    calls: Arc<AtomicUsize>,
    delay: Duration,
    fails: bool,
}

impl SlowCloud {
    fn new(delay: Duration, fails: bool) -> Self {
        Self {
            calls: Arc::new(AtomicUsize::new(0)),
            delay,
            fails,
        }
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait::async_trait(?Send)]
impl Fetch for SlowCloud {
    async fn fetch(&self, _: &UpstreamRequest) -> Result<UpstreamAnswer, GatewayError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        tokio::time::sleep(self.delay).await;
        if self.fails {
            return Err(GatewayError::BadGateway(format!(
                "the cloud answered 500 (call {call})"
            )));
        }
        Ok(UpstreamAnswer {
            body: Bytes::from_static(br#"{"code":0,"msg":"success","result":[]}"#),
            date: None,
        })
    }
}

fn level(redis: &TestRedis, timings: Coalescing) -> Arc<RedisSecondLevel> {
    Arc::new(
        RedisSecondLevel::new(
            redis.connect(Duration::from_millis(500)),
            GroupKeys::new("test", "coalesce-key"),
            1 << 20,
        )
        .with_coalescing(timings),
    )
}

fn quick() -> Coalescing {
    Coalescing {
        claim_for: Duration::from_millis(400),
        wait_at_most: Duration::from_secs(5),
        failures_for: Duration::from_secs(3),
    }
}

/// Three gateways' caches over one Redis.
fn three_gateways(redis: &TestRedis) -> Vec<Arc<ResponseCache>> {
    (0..3)
        .map(|_| ResponseCache::with_second_level(settings(), level(redis, quick())))
        .collect()
}

fn totals() -> Plan {
    let now = chrono::Utc::now();
    let params = vec![("location_id", "202".to_string())];
    plan("/totals/types", &params, &settings(), || now).unwrap()
}

/// `count` identical misses at once, spread over `gateways` in turn.
async fn ask_at_once(
    gateways: &[Arc<ResponseCache>],
    cloud: &SlowCloud,
    count: usize,
) -> Vec<Result<Vec<u8>, String>> {
    let plan = totals();
    let asks = (0..count).map(|i| {
        let (gateway, plan) = (gateways[i % gateways.len()].clone(), plan.clone());
        async move {
            gateway
                .get(&plan, false, cloud, || format!("caller-{i}"))
                .await
                .map(|found| found.entry.body.bytes().to_vec())
                .map_err(|e| e.to_string())
        }
    });
    join_all(asks).await
}

#[actix_web::test]
async fn fifty_concurrent_misses_over_three_gateways_make_one_upstream_call() {
    let redis = TestRedis::start();
    let gateways = three_gateways(&redis);
    let cloud = SlowCloud::new(Duration::from_millis(300), false);

    let answers = ask_at_once(&gateways, &cloud, 50).await;

    assert_eq!(cloud.calls(), 1);
    assert!(answers.iter().all(Result::is_ok), "{answers:?}");
}

#[actix_web::test]
async fn a_failed_fetch_is_shared_with_the_gateways_that_waited_for_it() {
    let redis = TestRedis::start();
    let gateways = three_gateways(&redis);
    let cloud = SlowCloud::new(Duration::from_millis(300), true);

    let answers = ask_at_once(&gateways, &cloud, 9).await;

    assert_eq!(cloud.calls(), 1);
    for answer in &answers {
        assert_eq!(
            answer.as_ref().err().map(String::as_str),
            Some("the cloud answered 500 (call 1)")
        );
    }
}

#[actix_web::test]
async fn a_failure_is_answered_for_a_few_seconds_without_a_new_call() {
    let redis = TestRedis::start();
    let gateways = three_gateways(&redis);
    let cloud = SlowCloud::new(Duration::from_millis(10), true);
    ask_at_once(&gateways[..1], &cloud, 1).await;

    let later = ask_at_once(&gateways[1..], &cloud, 2).await;

    assert_eq!(cloud.calls(), 1);
    assert!(later.iter().all(Result::is_err), "{later:?}");
}

#[actix_web::test]
async fn a_gateway_takes_over_the_fetch_of_a_leader_that_died() {
    let redis = TestRedis::start();
    // A gateway that claimed the key and was killed before it fetched: its claim is never given back.
    let dead = level(&redis, quick());
    assert!(matches!(dead.claim(&totals().key).await, Claim::Leader(_)));
    let gateways = three_gateways(&redis);
    let cloud = SlowCloud::new(Duration::from_millis(10), false);
    let started = Instant::now();

    let answers = ask_at_once(&gateways, &cloud, 6).await;

    assert!(answers.iter().all(Result::is_ok), "{answers:?}");
    assert_eq!(cloud.calls(), 1);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_secs(2),
        "{waited:?}"
    );
}

#[actix_web::test]
async fn a_gateway_waits_no_longer_than_its_bound_for_another_fetch() {
    let redis = TestRedis::start();
    let long_claim = Coalescing {
        claim_for: Duration::from_secs(30),
        wait_at_most: Duration::from_millis(300),
        ..quick()
    };
    let dead = level(&redis, long_claim);
    assert!(matches!(dead.claim(&totals().key).await, Claim::Leader(_)));
    let gateway = ResponseCache::with_second_level(settings(), level(&redis, long_claim));
    let cloud = SlowCloud::new(Duration::from_millis(10), false);

    let answer = gateway.get(&totals(), false, &cloud, || "a".into()).await;

    match answer {
        Err(error @ GatewayError::Unavailable { .. }) => {
            assert!(error.to_string().contains("another gateway of the group"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(cloud.calls(), 0);
}
