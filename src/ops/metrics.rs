//! Prometheus metrics: one recorder per process, rendered by `GET /metrics`.

use std::sync::OnceLock;
use std::time::Duration;

use actix_web::{get, HttpResponse};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Latency buckets in seconds, from a cache hit to a slow upstream call.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process's Prometheus recorder once (tests start many gateways in one process) and
/// drains histograms every few seconds so they cannot grow without bound between scrapes.
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
                .ok()?;
            let handle = builder.install_recorder().ok()?;
            describe();
            let upkeep = handle.clone();
            std::thread::Builder::new()
                .name("metrics-upkeep".into())
                .spawn(move || loop {
                    std::thread::sleep(Duration::from_secs(5));
                    upkeep.run_upkeep();
                })
                .ok()?;
            Some(handle)
        })
        .as_ref()
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        "gateway_requests_total",
        "Requests answered, by route pattern and status."
    );
    describe_histogram!(
        "gateway_request_duration_seconds",
        Unit::Seconds,
        "Time to answer a request, by route pattern."
    );
    describe_counter!(
        "gateway_caller_rejections_total",
        "Requests refused to callers, by caller and reason (unauthorized, rate_limited)."
    );
    describe_counter!(
        "gateway_cache_lookups_total",
        "Cache lookups by class and outcome (hit, miss, stale)."
    );
    describe_counter!(
        "gateway_cache_coalesced_waits_total",
        "Callers who shared another caller's upstream call, by class."
    );
    describe_counter!(
        "gateway_stale_answers_total",
        "Expired copies served while the cloud failed, by class."
    );
    describe_counter!(
        "gateway_upstream_calls_total",
        "Calls sent to the cloud, by endpoint and outcome."
    );
    describe_histogram!(
        "gateway_upstream_latency_seconds",
        Unit::Seconds,
        "Time the cloud took to answer, by endpoint."
    );
    describe_histogram!(
        "gateway_lane_wait_seconds",
        Unit::Seconds,
        "Time calls waited for their turn in the upstream lane, by class (caller, background)."
    );
    describe_gauge!(
        "gateway_lane_queue_depth",
        "Calls waiting for the upstream lane, by caller."
    );
    describe_gauge!("gateway_nonce_current", "The last nonce handed out.");
    describe_histogram!(
        "gateway_group_lease_wait_seconds",
        Unit::Seconds,
        "Time calls waited for the group lane's lease (several gateways on one key)."
    );
    describe_histogram!(
        "gateway_group_lease_hold_seconds",
        Unit::Seconds,
        "Time this gateway held the group lane's lease: take the nonce, sign, send, read the answer."
    );
    describe_counter!(
        "gateway_group_lane_refusals_total",
        "Calls the group lane refused without a lease, by reason (coordination: Redis unreachable)."
    );
    describe_counter!(
        "gateway_group_redis_errors_total",
        "Calls to the group's Redis that failed or timed out, by operation."
    );
    describe_histogram!(
        "gateway_group_redis_seconds",
        Unit::Seconds,
        "Time each call to the group's Redis took, by operation."
    );
    describe_gauge!(
        "gateway_group_pace_calls_per_second",
        "The group's pace: call starts a second for the whole group of gateways on the key."
    );
    describe_counter!(
        "gateway_readiness_failures_total",
        "Readiness checks answered 503 because the group's Redis could not be reached (reason=coordination)."
    );
    describe_counter!(
        "gateway_mirror_answers_total",
        "Cloud routes answered from the mirror (a window it holds completely), by route."
    );
    describe_counter!(
        "gateway_mirror_passes_total",
        "Cloud route queries the mirror left to cache and lane, by route and reason (uncovered, store_fault, no_list)."
    );
    describe_counter!(
        "gateway_mirror_upstream_calls_total",
        "Calls the mirror sent to the cloud, by purpose (sync, tail, verify, repair, dimensions)."
    );
    describe_counter!(
        "gateway_webhook_batches_total",
        "Webhook deliveries taken (answered 200), by webhook token name."
    );
    describe_counter!(
        "gateway_webhook_events_total",
        "Webhook events by webhook token name and outcome (stored, duplicate, quarantined)."
    );
    describe_histogram!(
        "gateway_webhook_intake_seconds",
        Unit::Seconds,
        "Time from a webhook body read to its events committed, by webhook token name."
    );
    describe_gauge!(
        "gateway_nonce_remaining",
        "Nonces left before 2^31-1, the cloud's int32 limit."
    );
}

/// Prometheus text exposition of every metric.
#[utoipa::path(
    operation_id = "metrics",
    tag = "Operations",
    responses(
        (status = 200, description = "Every metric in Prometheus text format.", content_type = "text/plain", body = String),
        (status = 503, description = "Another metrics recorder owns this process.", content_type = "text/plain", body = String),
    ),
    security(())
)]
#[get("/metrics")]
pub async fn metrics_text() -> HttpResponse {
    match install() {
        Some(handle) => HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .body(handle.render()),
        None => HttpResponse::ServiceUnavailable()
            .content_type("text/plain; charset=utf-8")
            .body("# another metrics recorder owns this process\n"),
    }
}
