//! The mirror's budget: idle, it uses its share of the upstream rate; with callers keeping the lane busy, their
//! waits are no longer with the mirror on than off.

use std::time::{Duration, Instant};

use super::running::mirror_on;
use crate::helpers::{spawn_app_with, TestConfig};
use crate::process::GatewayProcess;

const EVENTS_PATH: &str = "/service/api/v1/events";

#[actix_web::test]
async fn idle_the_mirror_uses_its_share_of_the_upstream_rate() {
    let app = spawn_app_with(TestConfig {
        upstream_rps: 4.0,
        ..mirror_on()
    })
    .await;
    let count = || app.cloud.requests_per_path(EVENTS_PATH);
    let deadline = Instant::now() + Duration::from_secs(30);
    while count() < 3 {
        assert!(Instant::now() < deadline, "the mirror never started");
        actix_web::rt::time::sleep(Duration::from_millis(5)).await;
    }
    let (first, began) = (count(), Instant::now());

    actix_web::rt::time::sleep(Duration::from_secs(6)).await;
    let rate = (count() - first) as f64 / began.elapsed().as_secs_f64();

    // Share 0.5 of 4 calls a second (slow enough to hold on a busy machine); the 30 pages of the data set
    // last fifteen seconds at that pace.
    assert!((1.6..=2.4).contains(&rate), "{rate} calls a second");
}

/// The mean and the median of the callers' lane waits, from a gateway's Prometheus text.
fn caller_waits(metrics: &str) -> (f64, f64) {
    let value = |line: &str| -> f64 { line.rsplit(' ').next().unwrap().parse().unwrap() };
    let caller = |name: &str| {
        metrics
            .lines()
            .filter(|l| l.starts_with(name) && l.contains("class=\"caller\""))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let sum = value(&caller("gateway_lane_wait_seconds_sum")[0]);
    let count = value(&caller("gateway_lane_wait_seconds_count")[0]);
    let buckets: Vec<(f64, f64)> = caller("gateway_lane_wait_seconds_bucket")
        .iter()
        .filter_map(|l| {
            let le = l.split("le=\"").nth(1)?.split('"').next()?;
            Some((le.parse().unwrap_or(f64::INFINITY), value(l)))
        })
        .collect();
    let median = buckets
        .iter()
        .find(|(_, n)| *n >= count / 2.0)
        .map_or(f64::INFINITY, |(le, _)| *le);
    (sum / count, median)
}

/// Runs 50 callers against a gateway process for `for_how_long`; answers its callers' (mean, median) wait
/// and the mirror's state then.
async fn busy_lane_waits(
    cloud_url: &str,
    mirror: &str,
    for_how_long: Duration,
) -> ((f64, f64), String) {
    let gateway = GatewayProcess::start_fresh(
        cloud_url,
        &[
            ("GATEWAY_UPSTREAM_RPS", "40"),
            ("GATEWAY_MAX_WAIT", "30s"),
            ("GATEWAY_MIRROR", mirror),
            ("GATEWAY_MIRROR_SINCE", "2025-01-01"),
            ("RUST_LOG", "info"),
        ],
    );
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(60))
        .finish();
    let until = Instant::now() + for_how_long;
    let callers = (0..50).map(|n| {
        let (client, api) = (client.clone(), gateway.api.clone());
        async move {
            while Instant::now() < until {
                // An unsettled window: never cached, always a turn in the lane.
                let url = format!(
                    "{api}/events?limit=1&since=2026-11-01T00:00:00Z&location_id={}",
                    101 + n % 3
                );
                let _ = client.get(&url).send().await;
            }
        }
    });
    futures_util::future::join_all(callers).await;
    let origin = gateway.api.trim_end_matches("/service/api/v1").to_owned();
    let mut response = client
        .get(format!("{origin}/metrics"))
        .send()
        .await
        .unwrap();
    let text = String::from_utf8(response.body().limit(8 << 20).await.unwrap().to_vec()).unwrap();
    let mut status = client
        .get(format!("{origin}/v1/mirror"))
        .send()
        .await
        .unwrap();
    let status: serde_json::Value = status.json().await.unwrap();
    gateway.kill();
    (caller_waits(&text), status["result"]["state"].to_string())
}

#[actix_web::test]
async fn callers_keeping_the_lane_busy_wait_no_longer_with_the_mirror_on() {
    let app = spawn_app_with(TestConfig::default()).await;

    let (off, state_off) = busy_lane_waits(&app.cloud_url, "off", Duration::from_secs(5)).await;
    let (on, state_on) = busy_lane_waits(&app.cloud_url, "on", Duration::from_secs(5)).await;

    assert_eq!(state_off, "\"off\"");
    assert_eq!(
        state_on, "\"syncing\"",
        "the mirror had work to do all along"
    );
    // 50 callers at 40 calls a second wait about 1.25 s each; the mirror must not add to it.
    assert!(
        on.0 <= off.0 * 1.15 + 0.05,
        "mean wait: on {on:?}, off {off:?}"
    );
    assert!(on.1 <= off.1, "median bucket: on {on:?}, off {off:?}");
    assert!(off.0 > 0.2, "the lane was not busy: {off:?}");
}
