//! The cache's second level: an answer one gateway fetched serves another gateway's miss without a call.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::web::Bytes;
use camlytics_gateway::cache::policy::{plan, Plan};
use camlytics_gateway::cache::second_level::{SecondLevel, SharedAnswer};
use camlytics_gateway::cache::settings::CacheSettings;
use camlytics_gateway::cache::status::Served;
use camlytics_gateway::cache::ResponseCache;
use camlytics_gateway::error::GatewayError;
use camlytics_gateway::upstream::{Fetch, UpstreamAnswer, UpstreamRequest};

/// A second level in this process's memory, standing in for a store several gateways share.
#[derive(Default)]
struct SharedMemory {
    answers: Mutex<HashMap<String, SharedAnswer>>,
}

#[async_trait::async_trait]
impl SecondLevel for SharedMemory {
    async fn get(&self, key: &str) -> Option<SharedAnswer> {
        self.answers.lock().unwrap().get(key).cloned()
    }

    async fn put(&self, key: &str, answer: &SharedAnswer, _stale_for: Duration) {
        self.answers
            .lock()
            .unwrap()
            .insert(key.to_string(), answer.clone());
    }

    async fn purge(&self, prefix: &str) {
        self.answers
            .lock()
            .unwrap()
            .retain(|key, _| !key.starts_with(prefix));
    }
}

/// Counts calls; answers a fixed totals body.
#[derive(Clone, Default)]
pub(crate) struct CountingCloud {
    pub(crate) calls: Arc<AtomicUsize>,
}

#[async_trait::async_trait(?Send)]
impl Fetch for CountingCloud {
    async fn fetch(&self, _: &UpstreamRequest) -> Result<UpstreamAnswer, GatewayError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(UpstreamAnswer {
            body: Bytes::from_static(br#"{"code":0,"msg":"success","result":[]}"#),
            date: None,
        })
    }
}

pub(crate) fn settings() -> CacheSettings {
    CacheSettings {
        warm_dimensions: false,
        ..CacheSettings::default()
    }
}

/// Two gateways' caches over one shared second level, a counting cloud, and a totals plan.
fn two_gateways(
    params: &[(&'static str, &str)],
) -> (Arc<ResponseCache>, Arc<ResponseCache>, CountingCloud, Plan) {
    let shared = Arc::new(SharedMemory::default());
    let params: Vec<(&'static str, String)> =
        params.iter().map(|(n, v)| (*n, v.to_string())).collect();
    let now = chrono::Utc::now();
    let plan = plan("/totals/types", &params, &settings(), || now).unwrap();
    (
        ResponseCache::with_second_level(settings(), shared.clone()),
        ResponseCache::with_second_level(settings(), shared),
        CountingCloud::default(),
        plan,
    )
}

#[actix_web::test]
async fn a_miss_another_gateway_already_filled_costs_no_upstream_call() {
    let (gateway_a, gateway_b, cloud, plan) = two_gateways(&[("location_id", "101")]);

    let first = gateway_a
        .get(&plan, false, &cloud, || "a".into())
        .await
        .unwrap();
    let second = gateway_b
        .get(&plan, false, &cloud, || "b".into())
        .await
        .unwrap();

    assert_eq!(cloud.calls.load(Ordering::SeqCst), 1);
    assert_eq!(first.entry.body.bytes(), second.entry.body.bytes());
    assert!(matches!(second.served, Served::Shared { .. }));
}

#[actix_web::test]
async fn a_callers_revalidation_goes_to_the_cloud_past_the_second_level() {
    let (gateway_a, gateway_b, cloud, plan) = two_gateways(&[]);

    gateway_a
        .get(&plan, false, &cloud, || "a".into())
        .await
        .unwrap();
    gateway_b
        .get(&plan, true, &cloud, || "b".into())
        .await
        .unwrap();

    assert_eq!(cloud.calls.load(Ordering::SeqCst), 2);
}

#[actix_web::test]
async fn a_purge_reaches_the_second_level() {
    let (gateway_a, gateway_b, cloud, plan) = two_gateways(&[]);

    gateway_a
        .get(&plan, false, &cloud, || "a".into())
        .await
        .unwrap();
    gateway_a.purge("/totals").await;
    gateway_b
        .get(&plan, false, &cloud, || "b".into())
        .await
        .unwrap();

    assert_eq!(cloud.calls.load(Ordering::SeqCst), 2);
}
