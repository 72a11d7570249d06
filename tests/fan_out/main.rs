//! One stalled subscriber of `GET /v1/events/stream` beside two that read: the two keep their lag under
//! 100 ms, and the stalled one is cut off with where to resume.
//!
//! Its own test binary because it measures time: cargo runs test binaries one after another, so no other
//! test shares the machine's cores while the lag is measured.

#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;
#[allow(dead_code)]
#[path = "../api/live/sse.rs"]
mod sse;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;

use crate::sse::{
    client, distinct_objects, event, live_app, object_of, post_batch, subscribe, Frame,
};

const WAIT: Duration = Duration::from_secs(60);

#[actix_web::test]
async fn one_stalled_subscriber_does_not_delay_the_others_and_is_cut_off_with_where_to_resume() {
    let app = live_app(10).await;
    let origin = app.origin();
    // Enough to fill the stalled one's socket buffers (up to 4 MiB) and the feed's ring (4096 events).
    let count = 30_000;
    let stalled = StalledSubscriber::open(&app.origin()).await;
    let (subscribed, mut ready) = tokio::sync::mpsc::unbounded_channel();
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (origin, subscribed) = (origin.clone(), subscribed.clone());
            std::thread::spawn(move || {
                actix_web::rt::System::new().block_on(async move {
                    let mut subscriber = subscribe(&origin, "", &[]).await.unwrap();
                    subscribed.send(()).unwrap();
                    let mut arrivals = Vec::new();
                    while arrivals.len() < count {
                        let frames = subscriber.events(1, WAIT).await;
                        let at = Instant::now();
                        assert!(!frames.is_empty(), "a reader stopped getting events");
                        arrivals.extend(frames.iter().map(|f| (object_of(&f.data), at)));
                    }
                    arrivals
                })
            })
        })
        .collect();
    // Both readers subscribed (their answers' heads came) before the first event.
    for _ in 0..2 {
        ready.recv().await.unwrap();
    }
    let client = client();
    let mut posted = HashMap::new();
    for (b, batch) in (0..count).collect::<Vec<_>>().chunks(100).enumerate() {
        let events: Vec<String> = batch.iter().map(|&n| event(n, 3)).collect();
        posted.insert(b, Instant::now());
        assert_eq!(post_batch(&client, &origin, &events).await, StatusCode::OK);
    }
    // From the POST's start, so it includes the durable commit: the lag from the intake's receipt is less.
    let mut lags: Vec<Duration> = readers
        .into_iter()
        .flat_map(|reader| reader.join().unwrap())
        .map(|(object, at)| at.saturating_duration_since(posted[&(object / 100)]))
        .collect();
    lags.sort();
    let at = |q: usize| lags[(lags.len() - 1) * q / 100];
    let (p50, p99, max) = (at(50), at(99), at(100));
    println!("the readers' lag beside a stalled subscriber: p50 {p50:?}, p99 {p99:?}, max {max:?}");
    // A stalled subscriber that held the others up would stop them for good (seconds, then the test's
    // timeout), not add a few milliseconds.
    assert!(
        p99 < Duration::from_millis(100),
        "the readers' lag: p50 {p50:?}, p99 {p99:?}, max {max:?}"
    );

    let (frames, cut_off) = stalled.read_to_cut_off().await;
    let resume_from = cut_off["resume_from"].as_u64().unwrap();
    assert!(frames.len() < count, "it was cut off before the end");
    assert_eq!(frames.last().map_or(0, |f| f.id.unwrap()), resume_from);
    let mut resumed = subscribe(&origin, "", &[("Last-Event-ID", &resume_from.to_string())])
        .await
        .unwrap();
    let rest = resumed.events(count - frames.len(), WAIT).await;
    let mut objects = distinct_objects(&frames);
    objects.extend(distinct_objects(&rest));
    assert_eq!(
        objects.len(),
        count,
        "with the resumed part, every event once"
    );
    let metrics = app.get_url(&format!("{origin}/metrics"), &[]).await.body;
    // Both readers got every event, the stalled one some, the resumed one the rest; one was cut off.
    let sent = metric(&metrics, "gateway_stream_events_sent_total");
    assert!(sent >= 3.0 * count as f64, "events sent: {sent}");
    assert!(metric(&metrics, "gateway_stream_cutoffs_total") >= 1.0);
    assert!(metric(&metrics, "gateway_stream_lag_seconds_count") >= 2.0 * count as f64);
    assert!(metrics.contains("gateway_stream_subscribers"), "{metrics}");
}

/// The sum of a metric's values over its label sets, as `/metrics` shows them (0 when it is absent).
fn metric(metrics: &str, name: &str) -> f64 {
    metrics
        .lines()
        .filter(|line| {
            line.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with(' ') || rest.starts_with('{'))
        })
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// A subscriber that reads nothing until told to, with a small receive buffer.
struct StalledSubscriber {
    stream: tokio::net::TcpStream,
    /// What it read before it stalled: the answer's head and `retry:`.
    head: Vec<u8>,
}

impl StalledSubscriber {
    async fn open(origin: &str) -> Self {
        let address = origin.trim_start_matches("http://").parse().unwrap();
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let mut stream = socket.connect(address).await.unwrap();
        let request =
            "GET /v1/events/stream HTTP/1.1\r\nHost: gateway\r\nAccept: text/event-stream\r\n\r\n";
        tokio::io::AsyncWriteExt::write_all(&mut stream, request.as_bytes())
            .await
            .unwrap();
        // Its head must be answered before it stalls: the subscription starts then. The head and the
        // `retry:` that follows are a few hundred bytes, far from filling anything.
        let mut head = Vec::new();
        let mut buffer = [0u8; 1024];
        while !String::from_utf8_lossy(&head).contains("retry: 3000") {
            let n = tokio::io::AsyncReadExt::read(&mut stream, &mut buffer)
                .await
                .unwrap();
            assert!(n > 0, "the stream closed before its head");
            head.extend_from_slice(&buffer[..n]);
        }
        Self { stream, head }
    }

    /// Reads everything now, up to the cut-off: the events before it, and its data.
    async fn read_to_cut_off(mut self) -> (Vec<Frame>, serde_json::Value) {
        let mut raw = std::mem::take(&mut self.head);
        let mut buffer = [0u8; 65536];
        let deadline = Instant::now() + WAIT;
        while !String::from_utf8_lossy(&raw).contains("event: cut-off") && Instant::now() < deadline
        {
            let read = tokio::time::timeout(
                Duration::from_secs(5),
                tokio::io::AsyncReadExt::read(&mut self.stream, &mut buffer),
            )
            .await;
            match read {
                Ok(Ok(n)) if n > 0 => raw.extend_from_slice(&buffer[..n]),
                _ => break,
            }
        }
        // Enough to hold the rest of the cut-off's chunk.
        let _ = tokio::time::timeout(
            Duration::from_millis(200),
            tokio::io::AsyncReadExt::read(&mut self.stream, &mut buffer),
        )
        .await
        .map(|r| r.map(|n| raw.extend_from_slice(&buffer[..n])));
        let mut text = dechunk(&raw);
        let frames = crate::sse::parse_frames(&mut text);
        let cut_off = frames
            .iter()
            .find(|f| f.event.as_deref() == Some("cut-off"))
            .unwrap_or_else(|| panic!("no cut-off among {} frames", frames.len()));
        let data = serde_json::from_str(&cut_off.data).unwrap();
        let events = frames.into_iter().filter(|f| f.id.is_some()).collect();
        (events, data)
    }
}

/// The body of a chunked HTTP/1.1 answer (its head skipped).
fn dechunk(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let (_, mut rest) = text.split_once("\r\n\r\n").expect("an answer head");
    let mut body = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || after.len() < size {
            body.push_str(&after[..after.len().min(size)]);
            break;
        }
        body.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    body
}
