//! `POST /webhooks/camlytics/{token}` and `GET /v1/webhooks/rejected` against a gateway in this process.

use std::collections::BTreeSet;

use super::{batch, logged, post, shuffle, webhook_config, webhook_event, WEBHOOK_TOKEN};
use crate::callers::{bearer, pairs, token_config};
use crate::helpers::{spawn_app, spawn_app_with};

#[actix_web::test]
async fn ten_thousand_events_with_duplicates_in_shuffled_batches_are_stored_exactly_once() {
    let app = spawn_app_with(webhook_config()).await;
    let origin = app.origin();
    // Every event once, 5% of them twice, in shuffled order, cut into batches of 100.
    let mut deliveries: Vec<u64> = (0..10_000).collect();
    deliveries.extend((0..10_000).step_by(20));
    shuffle(&mut deliveries, 0x9e37_79b9_7f4a_7c15);
    let batches: Vec<Vec<u64>> = deliveries.chunks(100).map(<[u64]>::to_vec).collect();
    assert_eq!(batches.len(), 105);
    // Four deliveries at a time, as the cloud's retries overlap its new batches.
    let (mut stored, mut duplicates) = (0, 0);
    for group in batches.chunks(4) {
        let posts = group
            .iter()
            .map(|ns| post(&origin, WEBHOOK_TOKEN, batch(ns)));
        for (status, answer) in futures_util::future::join_all(posts).await {
            assert_eq!(status, 200, "{answer}");
            assert_eq!(answer["result"]["received"], 100);
            stored += answer["result"]["stored"].as_u64().unwrap();
            duplicates += answer["result"]["duplicates"].as_u64().unwrap();
        }
    }
    assert_eq!((stored, duplicates), (10_000, 500));
    let held = logged(app.state_dir.path());
    assert_eq!(held.len(), 10_000);
    let objects: BTreeSet<i64> = held.iter().map(|(_, object)| *object).collect();
    assert_eq!(objects, (0..10_000).collect());
    // Numbered without a gap: a duplicate spends no sequence number.
    assert!(super::numbered_without_a_gap(&held));
}

#[actix_web::test]
async fn an_invalid_event_is_quarantined_while_the_rest_of_its_batch_is_kept() {
    let app = spawn_app_with(webhook_config()).await;
    let bad_type = webhook_event(2).replace("TripwireCrossed", "Teleported");
    let body = format!("[{},{bad_type},42,{}]", webhook_event(1), webhook_event(3));
    let (status, answer) = post(&app.origin(), WEBHOOK_TOKEN, body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["code"], 0);
    assert_eq!(answer["msg"], "success");
    let result = &answer["result"];
    assert_eq!(
        (
            &result["received"],
            &result["stored"],
            &result["quarantined"]
        ),
        (&4.into(), &2.into(), &2.into())
    );
    let held: Vec<i64> = logged(app.state_dir.path())
        .iter()
        .map(|(_, o)| *o)
        .collect();
    assert_eq!(held, vec![1, 3]);
    let rejected = app
        .get_url(&format!("{}/v1/webhooks/rejected", app.origin()), &[])
        .await;
    assert_eq!(rejected.status, 200, "{}", rejected.body);
    let entries = rejected.result();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["raw"], "42");
    assert!(entries[1]["reason"]
        .as_str()
        .unwrap()
        .contains("event_type"));
    assert_eq!(entries[1]["webhook"], "portal");
    // A single object is a batch of one.
    let (status, answer) = post(&app.origin(), WEBHOOK_TOKEN, webhook_event(4)).await;
    assert_eq!((status, &answer["result"]["stored"]), (200, &1.into()));
}

#[actix_web::test]
async fn malformed_json_gets_400_and_keeps_nothing() {
    let app = spawn_app_with(webhook_config()).await;
    for body in ["[{\"event_type\":", "not json", "42", ""] {
        let (status, answer) = post(&app.origin(), WEBHOOK_TOKEN, body.into()).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(answer["msg"].as_str().unwrap().contains("JSON"), "{answer}");
    }
    assert!(logged(app.state_dir.path()).is_empty());
}

#[actix_web::test]
async fn a_body_over_the_webhook_limit_gets_413_and_one_under_it_passes_the_64_kib_gate() {
    let mut config = webhook_config();
    config.live.webhook_max_bytes = 128 << 10;
    let app = spawn_app_with(config).await;
    // About 100 KiB: over the gate's 64 KiB for other routes, under this intake's limit.
    let under: Vec<u64> = (0..400).collect();
    let body = batch(&under);
    assert!(body.len() > 64 << 10 && body.len() < 128 << 10);
    let (status, answer) = post(&app.origin(), WEBHOOK_TOKEN, body).await;
    assert_eq!((status, &answer["result"]["stored"]), (200, &400.into()));
    let over: Vec<u64> = (1_000..1_800).collect();
    let (status, answer) = post(&app.origin(), WEBHOOK_TOKEN, batch(&over)).await;
    assert_eq!(status, 413, "{answer}");
    assert!(answer["msg"]
        .as_str()
        .unwrap()
        .contains("GATEWAY_WEBHOOK_MAX_BYTES"));
    assert_eq!(logged(app.state_dir.path()).len(), 400);
}

#[actix_web::test]
async fn a_wrong_token_gets_404_without_echoing_it() {
    let app = spawn_app_with(webhook_config()).await;
    let (status, answer) = post(&app.origin(), "guessed-token-77", batch(&[1])).await;
    assert_eq!(status, 404, "{answer}");
    assert!(!answer.to_string().contains("guessed-token-77"), "{answer}");
    let (status, _) = post(&app.origin(), "", batch(&[1])).await;
    assert_eq!(status, 404);
    // Whatever its size: a 413 would tell the guess that the route exists.
    let big: Vec<u64> = (0..20_000).collect();
    let (status, _) = post(&app.origin(), "guessed-token-77", batch(&big)).await;
    assert_eq!(status, 404);
    // Another method is told the route takes POST, without the token echoed.
    let url = format!("{}/webhooks/camlytics/guessed-token-77", app.origin());
    let answer = app.get_url(&url, &[]).await;
    assert_eq!(answer.status, 405, "{}", answer.body);
    assert_eq!(answer.headers.get("allow").unwrap(), "POST");
    assert!(!answer.body.contains("guessed-token-77"), "{}", answer.body);
    assert!(logged(app.state_dir.path()).is_empty());
}

#[actix_web::test]
async fn without_webhook_tokens_the_intake_route_does_not_exist() {
    let app = spawn_app().await;
    let (status, answer) = post(&app.origin(), WEBHOOK_TOKEN, batch(&[1])).await;
    assert_eq!(status, 404, "{answer}");
    assert!(!answer.to_string().contains(WEBHOOK_TOKEN), "{answer}");
}

#[actix_web::test]
async fn the_quarantine_is_for_admins_only() {
    let mut config = token_config("app:app-tok,ops:ops-tok:admin", 1000.0, 1000);
    config.live = webhook_config().live;
    let app = spawn_app_with(config).await;
    let body = format!("[{}]", webhook_event(1).replace("Pedestrian", "Dragon"));
    let (status, answer) = post(&app.origin(), WEBHOOK_TOKEN, body).await;
    assert_eq!((status, &answer["result"]["quarantined"]), (200, &1.into()));
    let url = format!("{}/v1/webhooks/rejected?limit=10", app.origin());
    assert_eq!(app.get_url(&url, &[]).await.status, 401);
    let app_caller = bearer("app-tok");
    assert_eq!(app.get_url(&url, &pairs(&app_caller)).await.status, 403);
    let admin = bearer("ops-tok");
    let answer = app.get_url(&url, &pairs(&admin)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.result()[0]["reason"]
        .as_str()
        .unwrap()
        .contains("origin"));
    let bad = format!("{}/v1/webhooks/rejected?limit=0", app.origin());
    let refused = app.get_url(&bad, &pairs(&admin)).await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("limit"), "{}", refused.body);
}
