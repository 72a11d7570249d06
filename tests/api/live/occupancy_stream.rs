//! `/v1/occupancy/stream` pushes each change of a location's state; `/live` is open while the data behind it
//! wants a token, which the stream also takes as `access_token` (browsers' EventSource sends no headers).

use std::time::{Duration, Instant};

use camlytics_gateway::callers::tokens::Tokens;
use camlytics_gateway::callers::CallersSettings;
use camlytics_gateway::live::occupancy::rules::OccupancyRules;
use camlytics_gateway::live::occupancy::settings::OccupancySettings;
use futures_util::StreamExt;

use super::occupancy_app::{clear_of_midnight, spawn, spawn_with, webhook_event};
use crate::helpers::TestConfig;

const SECOND: i64 = 1_000_000;

fn by_ids() -> OccupancySettings {
    OccupancySettings {
        rules: OccupancyRules::parse("in=t-in;out=t-out").unwrap(),
        ..OccupancySettings::default()
    }
}

/// Reads the stream until its text so far contains `wanted` (within 10 s); the text.
async fn read_until<S, E>(stream: &mut S, text: &mut String, wanted: &str) -> bool
where
    S: futures_util::Stream<Item = Result<actix_web::web::Bytes, E>> + Unpin,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    while !text.contains(wanted) {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.next()).await {
            Ok(Some(Ok(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
            _ => return false,
        }
    }
    true
}

#[actix_web::test]
async fn the_occupancy_stream_sends_the_current_state_then_each_change() {
    clear_of_midnight().await;
    let app = spawn(by_ids(), None).await;
    let now = chrono::Utc::now().timestamp_micros();
    app.deliver(
        &[webhook_event(
            9,
            "t-in",
            "TripwireCrossed",
            1,
            now - 90 * SECOND,
        )],
        1,
    )
    .await;
    app.state_when(9, 1).await;

    let mut stream = app.open("/v1/occupancy/stream?location_id=9").await;
    assert_eq!(stream.status(), 200);
    assert_eq!(
        stream.headers().get("content-type").unwrap(),
        "text/event-stream"
    );
    assert_eq!(stream.headers().get("cache-control").unwrap(), "no-cache");
    let mut text = String::new();
    assert!(
        read_until(&mut stream, &mut text, r#""occupancy":1,"#).await,
        "{text}"
    );
    assert!(
        text.starts_with("retry: 3000\n\ndata: {\"location_id\":9,"),
        "{text}"
    );

    app.deliver(
        &[webhook_event(
            9,
            "t-in",
            "TripwireCrossed",
            2,
            now - 60 * SECOND,
        )],
        1,
    )
    .await;
    assert!(
        read_until(&mut stream, &mut text, r#""occupancy":2,"#).await,
        "{text}"
    );
    // Another location's change is not this subscriber's.
    app.deliver(
        &[webhook_event(
            10,
            "t-in",
            "TripwireCrossed",
            3,
            now - 30 * SECOND,
        )],
        1,
    )
    .await;
    app.state_when(10, 1).await;
    // Then one more of this location's: the stream has read past the other's change when this arrives.
    app.deliver(
        &[webhook_event(
            9,
            "t-in",
            "TripwireCrossed",
            4,
            now - 20 * SECOND,
        )],
        1,
    )
    .await;
    assert!(
        read_until(&mut stream, &mut text, r#""occupancy":3,"#).await,
        "{text}"
    );
    assert!(!text.contains(r#""location_id":10"#), "{text}");
    drop(stream);
    app.stop().await;
}

#[actix_web::test]
async fn the_page_is_open_and_its_data_wants_a_token_which_the_stream_takes_in_the_query() {
    let mut tokens = Tokens::default();
    tokens.add_list("dash:tok-dash", ',', "test").unwrap();
    let mut config = TestConfig {
        callers: CallersSettings {
            tokens: Some(tokens),
            ..CallersSettings::open()
        },
        ..TestConfig::default()
    };
    config.live.occupancy = by_ids();
    let app = spawn_with(config, None).await;

    let mut page = app.open("/live").await;
    assert_eq!(page.status(), 200);
    assert!(page
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("default-src 'self'"));
    let html = String::from_utf8(page.body().await.unwrap().to_vec()).unwrap();
    assert!(html.contains(r#"<script src="/live/live.js">"#), "{html}");
    let mut script = app.open("/live/live.js").await;
    assert_eq!(script.status(), 200);
    let script = String::from_utf8(script.body().await.unwrap().to_vec()).unwrap();
    assert!(
        script.contains("new EventSource(withToken(url))") && script.contains("sessionStorage")
    );

    let (status, _) = app.get("/v1/occupancy").await;
    assert_eq!(status, 401);
    assert_eq!(app.open("/v1/occupancy/stream").await.status(), 401);
    let stream = app.open("/v1/occupancy/stream?access_token=tok-dash").await;
    assert_eq!(stream.status(), 200);
    assert_eq!(
        stream.headers().get("content-type").unwrap(),
        "text/event-stream"
    );
    drop(stream);
    app.stop().await;
}
