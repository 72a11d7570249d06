//! `GET /v1/events/stream`: every webhook event once, resumable, filtered, capped, never held up by a slow
//! subscriber, and its browser token never logged.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;

use super::sse::{
    client, distinct_objects, event, live_app, post_batch, subscribe, Frame, WEBHOOK_TOKEN,
};
use crate::process::GatewayProcess;

const WAIT: Duration = Duration::from_secs(60);

/// `count` distinct events with `duplicates` of them again, shuffled, in batches of `batch`.
fn shuffled_batches(count: usize, duplicates: usize, batch: usize) -> Vec<Vec<String>> {
    let mut all: Vec<String> = (0..count).map(|n| event(n, 3)).collect();
    // A fixed-seed shuffle: a failure can be replayed.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..duplicates {
        let again = all[next() as usize % count].clone();
        all.push(again);
    }
    super::shuffle(&mut all, next());
    all.chunks(batch).map(<[String]>::to_vec).collect()
}

async fn post_all(origin: &str, batches: &[Vec<String>]) {
    let client = client();
    for batch in batches {
        assert_eq!(post_batch(&client, origin, batch).await, StatusCode::OK);
    }
}

#[actix_web::test]
async fn a_subscriber_sees_each_of_10000_webhook_events_once_though_duplicated_and_shuffled() {
    let app = live_app(10).await;
    let origin = app.origin();
    let mut subscriber = subscribe(&origin, "", &[]).await.unwrap();
    assert_eq!(
        subscriber.headers.get("content-type").unwrap(),
        "text/event-stream"
    );
    assert_eq!(subscriber.headers.get("cache-control").unwrap(), "no-cache");
    assert_eq!(subscriber.headers.get("x-accel-buffering").unwrap(), "no");
    post_all(&origin, &shuffled_batches(10_000, 500, 100)).await;
    let frames = subscriber.events(10_000, WAIT).await;
    assert_eq!(frames.len(), 10_000);
    assert_eq!(distinct_objects(&frames), (0..10_000).collect());
    let more = subscriber.events(1, Duration::from_millis(300)).await;
    assert!(more.is_empty(), "nothing after: {more:?}");
}

#[actix_web::test]
async fn a_subscriber_that_resumes_with_last_event_id_gets_exactly_the_missed_events() {
    let app = live_app(10).await;
    let origin = app.origin();
    let mut everything = subscribe(&origin, "", &[]).await.unwrap();
    let mut leaving = subscribe(&origin, "", &[]).await.unwrap();
    post_all(&origin, &shuffled_batches(1000, 0, 100)).await;
    let seen = leaving.events(400, WAIT).await;
    let last = seen.last().unwrap().id.unwrap();
    drop(leaving);
    let later: Vec<Vec<String>> = (1000..2000)
        .map(|n| event(n, 3))
        .collect::<Vec<_>>()
        .chunks(100)
        .map(<[String]>::to_vec)
        .collect();
    post_all(&origin, &later).await;
    let all = everything.events(2000, WAIT).await;
    let missed: Vec<&Frame> = all.iter().filter(|f| f.id.unwrap() > last).collect();
    for resumed in [
        subscribe(&origin, "", &[("Last-Event-ID", &last.to_string())]).await,
        subscribe(&origin, &format!("?last_event_id={last}"), &[]).await,
        // A browser reconnecting keeps its URL and sends the newer id in the header, which wins.
        subscribe(
            &origin,
            "?last_event_id=1",
            &[("Last-Event-ID", &last.to_string())],
        )
        .await,
    ] {
        let mut resumed = resumed.unwrap();
        let frames = resumed
            .events(missed.len() + 1, Duration::from_secs(5))
            .await;
        assert_eq!(frames.len(), missed.len(), "exactly the missed ones");
        assert!(frames.iter().zip(&missed).all(|(a, b)| a == *b));
    }
}

#[actix_web::test]
async fn filters_pass_only_matching_events_and_a_bad_filter_is_a_400_naming_it() {
    let app = live_app(10).await;
    let origin = app.origin();
    let mut at_101 = subscribe(&origin, "?location_id=101&trigger_id=trig-1", &[])
        .await
        .unwrap();
    post_all(&origin, &shuffled_batches(300, 0, 100)).await;
    let frames = at_101.events(300, Duration::from_secs(3)).await;
    let expected: HashSet<usize> = (0..300).filter(|n| n % 3 == 1).collect();
    assert_eq!(distinct_objects(&frames), expected);
    for (query, name) in [
        ("?event_type=Teleported", "event_type"),
        ("?location_id=abc", "location_id"),
        ("?origin=Cat", "origin"),
        ("?since=2026-01-01T00:00:00Z", "since"),
        ("?last_event_id=-4", "last_event_id"),
    ] {
        let (status, _, body) = subscribe(&origin, query, &[]).await.err().unwrap();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(body.contains(name), "{query}: {body}");
    }
}

#[actix_web::test]
async fn past_the_subscriber_cap_a_subscriber_gets_503_with_retry_after_until_one_leaves() {
    let app = live_app(2).await;
    let origin = app.origin();
    let first = subscribe(&origin, "", &[]).await.unwrap();
    let _second = subscribe(&origin, "", &[]).await.unwrap();
    let (status, headers, body) = subscribe(&origin, "", &[]).await.err().unwrap();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(headers.contains_key("retry-after"));
    assert!(body.contains("GATEWAY_STREAM_MAX_SUBSCRIBERS"), "{body}");
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match subscribe(&origin, "", &[]).await {
            Ok(_) => break,
            Err(_) if Instant::now() < deadline => {
                actix_web::rt::time::sleep(Duration::from_millis(100)).await
            }
            Err((status, _, body)) => panic!("the place was not given back: {status} {body}"),
        }
    }
}

#[test]
fn the_access_token_is_accepted_on_the_stream_and_appears_in_no_log_line() {
    let token = "caller-t0k3n-Zx81-do-not-log";
    let system = actix_web::rt::System::new();
    let cloud = system.block_on(crate::helpers::spawn_app());
    let tokens = format!("app:{token}");
    let hooks = format!("portal:{WEBHOOK_TOKEN}");
    let gateway = GatewayProcess::start_fresh(
        &cloud.cloud_url,
        &[
            ("GATEWAY_TOKENS", tokens.as_str()),
            ("GATEWAY_WEBHOOK_TOKENS", hooks.as_str()),
            ("RUST_LOG", "debug"),
        ],
    );
    let origin = gateway.origin();
    system.block_on(async {
        let query = format!("?access_token={token}&location_id=101");
        let mut subscriber = subscribe(&origin, &query, &[]).await.unwrap();
        let bearer = format!("Bearer {token}");
        assert!(subscribe(&origin, "", &[("Authorization", &bearer)])
            .await
            .is_ok());
        let (status, _, _) = subscribe(&origin, "", &[]).await.err().unwrap();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _, _) = subscribe(&origin, "?access_token=wrong", &[])
            .await
            .err()
            .unwrap();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        // Only the stream routes take it.
        let other = client()
            .get(format!("{origin}/v1/series?access_token={token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), StatusCode::UNAUTHORIZED);
        post_all(&origin, &[vec![event(1, 3)]]).await;
        assert_eq!(subscriber.events(1, Duration::from_secs(5)).await.len(), 1);
    });
    let output = gateway.kill();
    assert!(output.contains("access_token=[REDACTED]"), "{output}");
    assert!(!output.contains(token), "the token was logged:\n{output}");
}
