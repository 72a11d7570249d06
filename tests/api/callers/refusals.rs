//! Refusals cannot flood the log: the real binary logs the first of each caller and reason in full, then
//! one summary per interval, and never the presented token.

use std::time::{Duration, Instant};

use futures_util::StreamExt;

use super::bearer;
use crate::helpers::spawn_app;
use crate::process::GatewayProcess;

/// The interval (10 s), one look of the upkeep (2 s), and room for a busy machine.
const SUMMARISED_WITHIN: Duration = Duration::from_secs(20);

#[actix_web::test]
async fn a_thousand_refused_requests_make_a_handful_of_log_lines() {
    let app = spawn_app().await;
    let gateway = GatewayProcess::start_fresh(
        &app.cloud_url,
        &[
            ("GATEWAY_TOKENS", "alice:tok-alice"),
            ("GATEWAY_CALLER_RPS", "0.01"),
            ("GATEWAY_CALLER_BURST", "1"),
            // Access lines are one per request by design; this is about the gate's own lines.
            ("RUST_LOG", "info,camlytics_gateway::access=warn"),
        ],
    );
    let url = format!("{}/locations", gateway.api);
    let (alice, guess) = (bearer("tok-alice"), bearer("tok-guessed-zz9"));

    let statuses: Vec<u16> = futures_util::stream::iter(0..1001u32)
        .map(|n| {
            let token = if n.is_multiple_of(2) { &alice } else { &guess };
            let headers = [(token[0].0, token[0].1.as_str())];
            let url = url.clone();
            let app = &app;
            async move { app.get_url(&url, &headers).await.status.as_u16() }
        })
        .buffer_unordered(50)
        .collect()
        .await;
    let deadline = Instant::now() + SUMMARISED_WITHIN;
    while gateway.output().matches("more requests").count() < 2 && Instant::now() < deadline {
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }

    let refused = statuses.iter().filter(|&&s| s == 401 || s == 429).count();
    assert_eq!(refused, 1000, "all but alice's first: {statuses:?}");
    let logs = gateway.output();
    let refusal_lines: Vec<&str> = logs
        .lines()
        .filter(|line| line.contains("refused") || line.contains("rate limited"))
        .collect();
    assert!(
        refusal_lines.len() <= 6,
        "a first line and a summary per reason (two on a machine slow enough to split the flood): \
         {refusal_lines:#?}"
    );
    assert_eq!(summarised(&logs, "alice over the quota"), 499, "{logs}");
    assert_eq!(
        summarised(&logs, "127.0.0.1 without a token"),
        499,
        "{logs}"
    );
    assert!(
        !logs.contains("tok-guessed-zz9") && !logs.contains("tok-alice"),
        "{logs}"
    );
}

/// The refusals counted in the summaries of `who` (e.g. "alice over the quota").
fn summarised(logs: &str, who: &str) -> u64 {
    logs.lines()
        .filter_map(|line| line.split("refused ").nth(1))
        .filter_map(|rest| rest.split_once(" more requests of "))
        .filter(|(_, after)| after.starts_with(who))
        .filter_map(|(count, _)| count.parse::<u64>().ok())
        .sum()
}
