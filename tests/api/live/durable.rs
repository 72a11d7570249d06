//! The intake in a real gateway process: acknowledged batches survive `kill -9`, and the webhook token
//! appears in no log line.

use std::collections::BTreeSet;

use super::{batch, logged, post, WEBHOOK_TOKEN};
use crate::helpers::spawn_app;
use crate::process::{run_binary, GatewayProcess};

fn webhook_env() -> [(&'static str, String); 1] {
    [("GATEWAY_WEBHOOK_TOKENS", format!("portal:{WEBHOOK_TOKEN}"))]
}

#[actix_web::test]
async fn every_acknowledged_event_is_there_after_kill_9_and_a_restart() {
    let cloud = spawn_app().await;
    let state = tempfile::tempdir().unwrap();
    let env = webhook_env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let gateway = GatewayProcess::start(&cloud.cloud_url, state.path(), &env);
    let at = gateway.origin();
    let mut acknowledged = BTreeSet::new();
    for b in 0..20u64 {
        let ns: Vec<u64> = (b * 100..(b + 1) * 100).collect();
        let (status, answer) = post(&at, WEBHOOK_TOKEN, batch(&ns)).await;
        assert_eq!(status, 200, "{answer}");
        acknowledged.extend(ns.iter().map(|n| *n as i64));
    }
    // Killed right after the last 200: no shutdown step runs.
    gateway.kill();
    let held: BTreeSet<i64> = logged(state.path()).iter().map(|(_, o)| *o).collect();
    assert!(
        held == acknowledged,
        "{} held of {} acknowledged",
        held.len(),
        acknowledged.len()
    );

    // After the restart, the cloud's retry of the last batch is a duplicate, and new events follow.
    let gateway = GatewayProcess::start(&cloud.cloud_url, state.path(), &env);
    let at = gateway.origin();
    let last: Vec<u64> = (1_900..2_000).collect();
    let (status, answer) = post(&at, WEBHOOK_TOKEN, batch(&last)).await;
    assert_eq!(
        (status, &answer["result"]["duplicates"]),
        (200, &100.into())
    );
    let (status, _) = post(&at, WEBHOOK_TOKEN, batch(&[5_000])).await;
    assert_eq!(status, 200);
    let held = logged(state.path());
    assert_eq!(held.len(), 2_001);
    assert!(super::numbered_without_a_gap(&held));
    gateway.kill();
}

#[actix_web::test]
async fn the_webhook_token_appears_in_no_log_line_nor_in_metrics() {
    let cloud = spawn_app().await;
    let env = webhook_env();
    let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.push(("GATEWAY_LOG_FORMAT", "json"));
    let gateway = GatewayProcess::start_fresh(&cloud.cloud_url, &env);
    let at = gateway.origin();
    assert_eq!(post(&at, WEBHOOK_TOKEN, batch(&[1, 2])).await.0, 200);
    assert_eq!(post(&at, WEBHOOK_TOKEN, "[{".into()).await.0, 400);
    let bad = batch(&[3]).replace("Pedestrian", "Ghost");
    assert_eq!(post(&at, WEBHOOK_TOKEN, bad).await.0, 200);
    let metrics = awc::Client::default()
        .get(format!("{at}/metrics"))
        .send()
        .await
        .unwrap()
        .body()
        .limit(1 << 22)
        .await
        .unwrap();
    let metrics = String::from_utf8_lossy(&metrics).into_owned();
    assert!(
        metrics.contains("gateway_webhook_events_total{webhook=\"portal\",outcome=\"stored\"} 2"),
        "{metrics}"
    );
    assert!(!metrics.contains(WEBHOOK_TOKEN));
    // The router matches the decoded path, so an encoded prefix reaches the intake: still not logged.
    let encoded = awc::Client::default()
        .post(format!("{at}/webhooks/c%61mlytics/{WEBHOOK_TOKEN}"))
        .insert_header(("content-type", "application/json"))
        .send_body(batch(&[4]))
        .await
        .unwrap();
    assert_eq!(encoded.status(), 200);
    let output = gateway.kill();
    assert!(
        output.contains("/webhooks/camlytics/[REDACTED]"),
        "{output}"
    );
    assert!(!output.contains(WEBHOOK_TOKEN), "{output}");
}

#[test]
fn help_and_a_refused_setting_never_show_a_webhook_token() {
    let set = format!("portal:{WEBHOOK_TOKEN}");
    let (_, help) = run_binary(&["serve", "--help"], &[("GATEWAY_WEBHOOK_TOKENS", &set)]);
    assert!(help.contains("GATEWAY_WEBHOOK_TOKENS"), "{help}");
    assert!(!help.contains(WEBHOOK_TOKEN), "{help}");
    let (code, refused) = run_binary(
        &["serve"],
        &[
            // A token without its name: refused, and not echoed.
            ("GATEWAY_WEBHOOK_TOKENS", WEBHOOK_TOKEN),
            ("CAMLYTICS_API_KEY", "k"),
            ("CAMLYTICS_API_SECRET", "s"),
        ],
    );
    assert_ne!(code, 0);
    assert!(refused.contains("GATEWAY_WEBHOOK_TOKENS"), "{refused}");
    assert!(!refused.contains(WEBHOOK_TOKEN), "{refused}");
}
