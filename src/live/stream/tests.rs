//! The subscription over an in-memory log: resume without gap or repeat, retention, cut-off, stalls, the cap.
//! `#[actix_web::test]`, not `#[tokio::test]`: each subscription runs in a task of actix's runtime.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;

use super::filter::StreamAsk;
use super::{pump, EventStreams, Refused};
use crate::live::event::{LiveEvent, Logged};
use crate::live::feed::LiveFeed;
use crate::live::log::{Appended, IntakeLog, Quarantined, Rejected};
use crate::mirror::store::StoreError;

/// A log in memory: every event new, seqs from `base + 1`, the first `dropped` fallen out of retention.
#[derive(Default)]
struct MemoryLog {
    held: Mutex<Vec<Logged>>,
    dropped: u64,
    base: u64,
}

#[async_trait::async_trait]
impl IntakeLog for MemoryLog {
    async fn append(&self, events: Vec<LiveEvent>) -> Result<Vec<Appended>, StoreError> {
        let mut held = self.held.lock().unwrap();
        Ok(events
            .into_iter()
            .map(|event| {
                let logged = Logged {
                    seq: self.base + held.len() as u64 + 1,
                    received_micros: chrono::Utc::now().timestamp_micros(),
                    event,
                };
                held.push(logged.clone());
                Appended::New(logged)
            })
            .collect())
    }
    async fn after(&self, seq: u64, limit: usize) -> Result<Vec<Logged>, StoreError> {
        let held = self.held.lock().unwrap();
        Ok(held
            .iter()
            .filter(|l| l.seq > seq.max(self.base + self.dropped))
            .take(limit)
            .cloned()
            .collect())
    }
    async fn events_since(&self, _: i64) -> Result<Vec<Logged>, StoreError> {
        Ok(Vec::new())
    }
    async fn first_seq(&self) -> Result<Option<u64>, StoreError> {
        let held = self.held.lock().unwrap().len() as u64;
        Ok((held > self.dropped).then_some(self.base + self.dropped + 1))
    }
    async fn last_seq(&self) -> Result<u64, StoreError> {
        Ok(self.base + self.held.lock().unwrap().len() as u64)
    }
    async fn quarantine(&self, _: Vec<Rejected>) -> Result<(), StoreError> {
        Ok(())
    }
    async fn rejected(&self, _: usize, _: Option<i64>) -> Result<Vec<Quarantined>, StoreError> {
        Ok(Vec::new())
    }
    async fn prune(&self, _: i64) -> Result<u64, StoreError> {
        Ok(0)
    }
}

fn event(n: usize, location_id: i64) -> LiveEvent {
    let raw = format!(
        r#"{{"id":null,"location_id":{location_id},"channel_id":"c","trigger_id":"t","event_type":"RegionJoin","origin":"Pedestrian","object_id":{n},"event_time":"2026-01-01 00:00:00.000"}}"#
    );
    let raw: Box<serde_json::value::RawValue> = serde_json::from_str(&raw).unwrap();
    LiveEvent::from_raw(&raw).unwrap()
}

/// Appends `count` events and publishes them, as the intake does.
async fn receive(log: &MemoryLog, feed: &LiveFeed, from: usize, count: usize, location_id: i64) {
    let events = (from..from + count)
        .map(|n| event(n, location_id))
        .collect();
    for appended in log.append(events).await.unwrap() {
        if let Appended::New(logged) = appended {
            feed.publish(Arc::new(logged));
        }
    }
}

/// The ids and named events in a body read so far.
fn read(body: &[u8]) -> (Vec<u64>, Vec<String>) {
    let text = std::str::from_utf8(body).unwrap();
    let ids = text
        .lines()
        .filter_map(|l| l.strip_prefix("id: "))
        .map(|id| id.parse().unwrap())
        .collect();
    let named = text
        .lines()
        .filter_map(|l| l.strip_prefix("event: "))
        .map(String::from)
        .collect();
    (ids, named)
}

async fn collect(
    stream: impl futures_util::Stream<Item = Result<actix_web::web::Bytes, std::convert::Infallible>>,
    wanted: usize,
) -> Vec<u8> {
    let mut stream = std::pin::pin!(stream);
    let mut body = Vec::new();
    while read(&body).0.len() < wanted {
        match tokio::time::timeout(Duration::from_secs(5), stream.next()).await {
            Ok(Some(Ok(chunk))) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    body
}

fn ask(query: &str, last: Option<&str>) -> StreamAsk {
    StreamAsk::parse(query, last).unwrap()
}

/// Waits up to 5 s for every place under the cap to be given back (a subscription's task frees its place
/// when it ends, not when its body is dropped); whether they were.
async fn places_freed(streams: &EventStreams) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while streams.cap().open() > 0 {
        if tokio::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    true
}

#[actix_web::test]
async fn a_resumed_subscriber_gets_what_it_missed_then_live_events_once_each() {
    let log = Arc::new(MemoryLog::default());
    let feed = LiveFeed::new(64);
    receive(&log, &feed, 0, 2500, 1).await;
    let streams = EventStreams::new(log.clone(), feed.clone(), 10);
    let stream = streams.subscribe(ask("", Some("1000"))).await.unwrap();
    receive(&log, &feed, 2500, 50, 1).await;
    let body = collect(stream, 1550).await;
    let (ids, _) = read(&body);
    assert_eq!(ids, (1001..=2550).collect::<Vec<u64>>());
    assert!(body.starts_with(b"retry: 3000\n\n"));
}

#[actix_web::test]
async fn a_subscriber_without_a_resume_point_gets_only_new_events_that_match() {
    let log = Arc::new(MemoryLog::default());
    let feed = LiveFeed::new(64);
    receive(&log, &feed, 0, 10, 1).await;
    let streams = EventStreams::new(log.clone(), feed.clone(), 10);
    let stream = streams.subscribe(ask("location_id=2", None)).await.unwrap();
    receive(&log, &feed, 10, 5, 1).await;
    receive(&log, &feed, 15, 5, 2).await;
    let (ids, _) = read(&collect(stream, 5).await);
    assert_eq!(ids, vec![16, 17, 18, 19, 20]);
}

#[actix_web::test]
async fn a_resume_point_out_of_retention_is_told_then_continues_from_the_oldest() {
    let log = Arc::new(MemoryLog {
        dropped: 100,
        ..MemoryLog::default()
    });
    let feed = LiveFeed::new(64);
    receive(&log, &feed, 0, 150, 1).await;
    let streams = EventStreams::new(log.clone(), feed, 10);
    let stream = streams
        .subscribe(ask("last_event_id=20", None))
        .await
        .unwrap();
    let body = collect(stream, 50).await;
    let (ids, named) = read(&body);
    assert_eq!(named, vec!["reset"]);
    assert_eq!(ids, (101..=150).collect::<Vec<u64>>());
}

#[actix_web::test]
async fn a_resume_point_in_a_log_emptied_by_retention_is_told_then_gets_new_events() {
    let log = Arc::new(MemoryLog {
        dropped: 40,
        ..MemoryLog::default()
    });
    let feed = LiveFeed::new(64);
    receive(&log, &feed, 0, 40, 1).await;
    let streams = EventStreams::new(log.clone(), feed.clone(), 10);
    let stream = streams.subscribe(ask("", Some("20"))).await.unwrap();
    receive(&log, &feed, 40, 2, 1).await;
    let (ids, named) = read(&collect(stream, 2).await);
    assert_eq!(named, vec!["reset"]);
    assert_eq!(ids, vec![41, 42]);
}

#[actix_web::test]
async fn a_resume_point_this_gateway_never_sent_is_told_and_hides_no_new_event() {
    let log = Arc::new(MemoryLog::default());
    let feed = LiveFeed::new(64);
    receive(&log, &feed, 0, 10, 1).await;
    let streams = EventStreams::new(log.clone(), feed.clone(), 10);
    let stream = streams.subscribe(ask("", Some("500"))).await.unwrap();
    receive(&log, &feed, 10, 3, 1).await;
    let (ids, named) = read(&collect(stream, 3).await);
    assert_eq!(named, vec!["reset"]);
    assert_eq!(ids, vec![11, 12, 13]);
}

#[actix_web::test]
async fn a_resume_point_from_a_log_of_another_tag_is_told_as_not_this_gateways_whatever_its_number()
{
    use crate::live::log::SEQ_BITS;
    let log = Arc::new(MemoryLog {
        base: 5 << SEQ_BITS,
        ..MemoryLog::default()
    });
    let feed = LiveFeed::new(64);
    receive(&log, &feed, 0, 10, 1).await;
    let streams = EventStreams::new(log.clone(), feed.clone(), 10);
    // Below this log's first id (a lower tag) and inside its range of counts (a higher tag's low end).
    let below = streams.subscribe(ask("", Some("3"))).await.unwrap();
    let other = ((4u64 << SEQ_BITS) + 8).to_string();
    let beside = streams.subscribe(ask("", Some(&other))).await.unwrap();
    receive(&log, &feed, 10, 1, 1).await;
    for stream in [collect(below, 1).await, collect(beside, 1).await] {
        let (ids, named) = read(&stream);
        assert_eq!(named, vec!["reset"]);
        assert_eq!(ids, vec![(5 << SEQ_BITS) + 11]);
        let text = String::from_utf8(stream).unwrap();
        assert!(
            text.contains("is not an id this gateway's stream has sent"),
            "{text}"
        );
    }
}

#[actix_web::test]
async fn a_subscriber_that_falls_behind_the_ring_is_cut_off_with_where_to_resume() {
    let log = Arc::new(MemoryLog::default());
    let feed = LiveFeed::new(16);
    let streams = EventStreams::new(log.clone(), feed.clone(), 10);
    let stream = streams.subscribe(ask("", None)).await.unwrap();
    let mut stream = std::pin::pin!(stream);
    assert_eq!(
        &stream.next().await.unwrap().unwrap()[..],
        b"retry: 3000\n\n"
    );
    receive(&log, &feed, 0, 3, 1).await;
    let (ids, _) = read(&stream.next().await.unwrap().unwrap());
    assert_eq!(ids, vec![1, 2, 3]);
    receive(&log, &feed, 3, 100, 1).await;
    let last = stream.next().await.unwrap().unwrap();
    let text = std::str::from_utf8(&last).unwrap();
    assert!(text.starts_with("event: cut-off\n"), "{text}");
    assert!(text.contains("\"resume_from\":3"), "{text}");
    assert!(stream.next().await.is_none());
    assert_eq!(streams.cap().open(), 0, "its place is given back");
}

#[actix_web::test]
async fn subscribers_past_the_cap_are_refused_and_a_closed_one_frees_its_place() {
    let log = Arc::new(MemoryLog::default());
    let streams = EventStreams::new(log, LiveFeed::new(16), 1);
    let first = streams.subscribe(ask("", None)).await.unwrap();
    assert!(matches!(
        streams.subscribe(ask("", None)).await,
        Err(Refused::Full { max: 1 })
    ));
    drop(first);
    assert!(
        places_freed(&streams).await,
        "the closed one's place is given back"
    );
    assert!(streams.subscribe(ask("", None)).await.is_ok());
}

#[actix_web::test]
async fn a_subscriber_that_reads_nothing_is_ended_and_frees_its_place() {
    let log = Arc::new(MemoryLog::default());
    // A ring far larger than what is published: only the stall can end this subscriber, not lag.
    let feed = LiveFeed::new(1024);
    let streams = EventStreams::new(log.clone(), feed.clone(), 1)
        .with_stall_limit(Duration::from_millis(100));
    let stream = streams.subscribe(ask("", None)).await.unwrap();
    let published = pump::CHUNKS * 2;
    for n in 0..published {
        receive(&log, &feed, n, 1, 1).await;
        // Lets the subscription's task take each event as a chunk of its own, so that they fill the channel.
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert_eq!(streams.cap().open(), 1, "held while the stall limit runs");
    assert!(
        places_freed(&streams).await,
        "a subscriber that reads nothing keeps its place past the stall limit"
    );
    assert!(
        streams.subscribe(ask("", None)).await.is_ok(),
        "a new subscriber is admitted"
    );
    // Read at last, the body gives what was handed over before the stall, in order, then ends.
    let mut stream = std::pin::pin!(stream);
    let mut body = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_secs(5), stream.next()).await {
            Ok(Some(Ok(chunk))) => body.extend_from_slice(&chunk),
            Ok(None) => break,
            Ok(Some(Err(infallible))) => match infallible {},
            Err(_) => panic!("the body of an ended subscription did not end"),
        }
    }
    assert!(body.starts_with(b"retry: 3000\n\n"));
    let (ids, _) = read(&body);
    assert!(!ids.is_empty() && ids.len() < published, "{ids:?}");
    assert_eq!(ids, (1..=ids.len() as u64).collect::<Vec<u64>>());
}
