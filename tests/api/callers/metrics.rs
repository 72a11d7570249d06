//! Metrics stay bounded: no label takes its values from callers' input, so 5,000 client addresses add no
//! series to `/metrics`.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use futures_util::StreamExt;

use crate::helpers::{spawn_app, TestApp};
use crate::process::GatewayProcess;

/// Every series on `/metrics`: name and labels, without the value.
async fn series(app: &TestApp, gateway: &GatewayProcess) -> BTreeSet<String> {
    let origin = gateway
        .api
        .trim_end_matches(camlytics_gateway::api::BASE_PATH);
    let metrics = app.get_url(&format!("{origin}/metrics"), &[]).await.body;
    metrics
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            line.rsplit_once(' ')
                .map_or(line, |(series, _)| series)
                .to_string()
        })
        .collect()
}

/// Calls from client address number `n`: a cache hit, or for every tenth an upstream call through the
/// lane, and for every fifth a second call that its quota refuses.
async fn calls_from(app: &TestApp, gateway: &GatewayProcess, n: u32) -> Vec<u16> {
    let address = Ipv4Addr::from(0x0a00_0000 + n).to_string();
    let path = if n.is_multiple_of(10) {
        format!("/events?limit={}", n % 1000 + 1)
    } else {
        "/locations".to_string()
    };
    let url = format!("{}{path}", gateway.api);
    let headers = [("x-forwarded-for", address.as_str())];
    let mut statuses = vec![app.get_url(&url, &headers).await.status.as_u16()];
    if n.is_multiple_of(5) {
        statuses.push(app.get_url(&url, &headers).await.status.as_u16());
    }
    statuses
}

async fn calls_from_all(app: &TestApp, gateway: &GatewayProcess, addresses: std::ops::Range<u32>) {
    let statuses: Vec<Vec<u16>> = futures_util::stream::iter(addresses)
        .map(|n| calls_from(app, gateway, n))
        .buffer_unordered(50)
        .collect()
        .await;
    let all: BTreeSet<u16> = statuses.into_iter().flatten().collect();
    assert_eq!(
        all,
        BTreeSet::from([200, 429]),
        "hits, upstream calls and refusals"
    );
}

#[actix_web::test]
async fn five_thousand_client_addresses_add_no_series_to_the_metrics() {
    let app = spawn_app().await;
    let gateway = GatewayProcess::start_fresh(
        &app.cloud_url,
        &[
            ("GATEWAY_TRUST_FORWARDED", "true"),
            ("GATEWAY_CALLER_RPS", "0.01"),
            ("GATEWAY_CALLER_BURST", "1"),
            // Slow enough that concurrent upstream calls queue in the lane.
            ("GATEWAY_UPSTREAM_RPS", "200"),
            ("RUST_LOG", "info,camlytics_gateway::access=warn"),
        ],
    );
    calls_from_all(&app, &gateway, 0..100).await;
    // The first scrape adds the series of `/metrics` itself.
    series(&app, &gateway).await;
    let warmed_up = series(&app, &gateway).await;

    calls_from_all(&app, &gateway, 100..5100).await;
    let after = series(&app, &gateway).await;

    assert!(
        warmed_up.contains("gateway_lane_queue_depth{caller=\"open\"}"),
        "the lane's queue was measured: {warmed_up:#?}"
    );
    assert!(
        warmed_up
            .contains("gateway_caller_rejections_total{caller=\"open\",reason=\"rate_limited\"}"),
        "{warmed_up:#?}"
    );
    let added: Vec<_> = after.difference(&warmed_up).collect();
    assert!(
        added.is_empty(),
        "series added by new addresses: {added:#?}"
    );
    assert!(!after.iter().any(|s| s.contains("10.0.")), "{after:#?}");
}
