//! A gateway that takes webhooks, events to send it, and Server-Sent Events subscribers that read what it
//! streams, over real HTTP on loopback.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use actix_web::http::header::HeaderMap;
use actix_web::http::StatusCode;
use camlytics_gateway::live::settings::{LiveSettings, WebhookTokens};
use futures_util::StreamExt;

use crate::helpers::{spawn_app_with, TestApp, TestConfig};

/// The webhook token the tests' portal configuration uses; distinctive, so a leak is easy to find.
pub const WEBHOOK_TOKEN: &str = "whk-Zq9-never-log-me";

/// Live settings with one webhook configuration and a cap of `max_subscribers`.
pub fn live_settings(max_subscribers: u32) -> LiveSettings {
    LiveSettings {
        webhook_tokens: Some(WebhookTokens::parse(&format!("portal:{WEBHOOK_TOKEN}")).unwrap()),
        stream_max_subscribers: max_subscribers,
        ..LiveSettings::default()
    }
}

/// A gateway with the webhook intake on.
pub async fn live_app(max_subscribers: u32) -> TestApp {
    spawn_app_with(TestConfig {
        live: live_settings(max_subscribers),
        ..TestConfig::default()
    })
    .await
}

/// Event `n`: its own object, so its own identity; at location 100 + n % `locations`.
pub fn event(n: usize, locations: usize) -> String {
    let millis = n % 1000;
    let seconds = (n / 1000) % 60;
    let minutes = n / 60_000;
    format!(
        r#"{{"record_id":null,"event_type":"TripwireCrossed","snapshot_id":null,"trigger_id":"trig-{t}","origin":"Pedestrian","id":null,"channel_id":"chan-{t}","object_id":{n},"location_id":{l},"event_time":"2026-11-30 10:{minutes:02}:{seconds:02}.{millis:03}"}}"#,
        t = n % 3,
        l = 100 + n % locations.max(1),
    )
}

/// The `object_id` of an event's JSON (each test event's own number).
pub fn object_of(data: &str) -> usize {
    let value: serde_json::Value = serde_json::from_str(data).unwrap();
    value["object_id"].as_u64().unwrap() as usize
}

/// POSTs `events` as one webhook batch; the status.
pub async fn post_batch(client: &awc::Client, origin: &str, events: &[String]) -> StatusCode {
    let body = format!("[{}]", events.join(","));
    let url = format!("{origin}/webhooks/camlytics/{WEBHOOK_TOKEN}");
    let response = client
        .post(url)
        .insert_header(("content-type", "application/json"))
        .send_body(body)
        .await
        .unwrap();
    response.status()
}

/// A client without the response timeout (it would end a stream).
pub fn client() -> awc::Client {
    awc::Client::builder().disable_timeout().finish()
}

/// One frame of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub id: Option<u64>,
    pub event: Option<String>,
    pub data: String,
    pub comment: bool,
}

/// The body of an awc answer as it streams.
type Body = actix_web::dev::Decompress<actix_web::dev::Payload>;

/// A subscriber reading a stream.
pub struct Subscriber {
    response: awc::ClientResponse<Body>,
    buffer: String,
    pub headers: HeaderMap,
}

/// Opens `/v1/events/stream{query}` with `headers`; the refusal's status, headers and body if it is one.
pub async fn subscribe(
    origin: &str,
    query: &str,
    headers: &[(&str, &str)],
) -> Result<Subscriber, (StatusCode, HeaderMap, String)> {
    let mut request = client().get(format!("{origin}/v1/events/stream{query}"));
    for (name, value) in headers {
        request = request.insert_header((*name, *value));
    }
    let mut response = request.send().await.unwrap();
    if response.status() != StatusCode::OK {
        let body = response.body().await.unwrap_or_default();
        return Err((
            response.status(),
            response.headers().clone(),
            String::from_utf8_lossy(&body).into_owned(),
        ));
    }
    Ok(Subscriber {
        headers: response.headers().clone(),
        response,
        buffer: String::new(),
    })
}

/// Reads the frames in `text`, keeping an unfinished one.
pub fn parse_frames(buffer: &mut String) -> Vec<Frame> {
    let mut frames = Vec::new();
    while let Some(end) = buffer.find("\n\n") {
        let block: String = buffer.drain(..end + 2).collect();
        let mut frame = Frame {
            id: None,
            event: None,
            data: String::new(),
            comment: false,
        };
        for line in block.lines() {
            if let Some(id) = line.strip_prefix("id: ") {
                frame.id = Some(id.parse().unwrap());
            } else if let Some(event) = line.strip_prefix("event: ") {
                frame.event = Some(event.to_string());
            } else if let Some(data) = line.strip_prefix("data: ") {
                frame.data = data.to_string();
            } else if line.starts_with(':') {
                frame.comment = true;
            }
        }
        frames.push(frame);
    }
    frames
}

impl Subscriber {
    /// Frames until `enough` says so or `within` passes: events and named events, not comments or `retry:`.
    pub async fn read_until(
        &mut self,
        within: Duration,
        mut enough: impl FnMut(&[Frame]) -> bool,
    ) -> Vec<Frame> {
        let deadline = Instant::now() + within;
        let mut frames = Vec::new();
        while !enough(&frames) {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.response.next()).await {
                Ok(Some(Ok(chunk))) => {
                    self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
                    frames.extend(
                        parse_frames(&mut self.buffer)
                            .into_iter()
                            .filter(|f| !f.comment && (f.id.is_some() || f.event.is_some())),
                    );
                }
                _ => break,
            }
        }
        frames
    }

    /// Exactly `count` events, or fewer if they do not come within `within`.
    pub async fn events(&mut self, count: usize, within: Duration) -> Vec<Frame> {
        self.read_until(within, |frames| frames.len() >= count)
            .await
    }
}

/// The ids of `frames`, which must all be events.
pub fn ids(frames: &[Frame]) -> Vec<u64> {
    frames.iter().map(|f| f.id.expect("an event")).collect()
}

/// Asserts the frames are events with increasing ids, each of a distinct object, and returns the objects.
pub fn distinct_objects(frames: &[Frame]) -> HashSet<usize> {
    let ids = ids(frames);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase");
    let objects: HashSet<usize> = frames.iter().map(|f| object_of(&f.data)).collect();
    assert_eq!(objects.len(), frames.len(), "no event twice");
    objects
}
