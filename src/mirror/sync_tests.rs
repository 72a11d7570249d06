//! The sync against a stand-in cloud whose ids do not follow time, under both readings of `starting_after`.

use std::cell::Cell;

use actix_web::web::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};

use super::*;
use crate::mirror::event::EventFilter;
use crate::mirror::sqlite::SqliteStore;
use crate::upstream::UpstreamAnswer;

const T0: i64 = 1_767_225_600_000_000; // 2026-01-01T00:00:00Z

/// How a stand-in cloud reads `starting_after`.
#[derive(Clone, Copy)]
enum Reading {
    /// A place in the list (the reference's words).
    Place,
    /// `id > cursor` (the simulator's).
    GreaterId,
}

/// A cloud holding `(id, time)` sorted by time then id, answering `/events` pages.
struct StandIn {
    events: Vec<(i64, i64)>,
    reading: Reading,
    calls: Cell<u32>,
}

impl StandIn {
    fn new(mut events: Vec<(i64, i64)>, reading: Reading) -> Self {
        events.sort_by_key(|&(id, time)| (time, id));
        Self {
            events,
            reading,
            calls: Cell::new(0),
        }
    }
}

fn param<'a>(request: &'a UpstreamRequest, name: &str) -> Option<&'a str> {
    request
        .params
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.as_str())
}

#[async_trait::async_trait(?Send)]
impl Fetch for StandIn {
    async fn fetch(&self, request: &UpstreamRequest) -> Result<UpstreamAnswer, GatewayError> {
        self.calls.set(self.calls.get() + 1);
        assert!(request.background, "the mirror must queue behind callers");
        assert_eq!(param(request, "order"), Some("asc"));
        let since = param(request, "since")
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map_or(i64::MIN, |t| t.timestamp_micros());
        let after: Option<i64> = param(request, "starting_after").and_then(|s| s.parse().ok());
        let limit: usize = param(request, "limit")
            .and_then(|s| s.parse().ok())
            .unwrap_or(100);
        let listed = self.events.iter().filter(|&&(_, time)| time >= since);
        let place = after.and_then(|a| self.events.iter().position(|&(id, _)| id == a));
        let page: Vec<String> = listed
            .enumerate()
            .filter(|&(_, &(id, time))| match (self.reading, after) {
                (_, None) => true,
                (Reading::GreaterId, Some(a)) => id > a,
                (Reading::Place, Some(_)) => {
                    let index = self.events.iter().position(|&e| e == (id, time));
                    index > place
                }
            })
            .take(limit)
            .map(|(_, &(id, time))| {
                let at = DateTime::<Utc>::from_timestamp_micros(time)
                    .unwrap()
                    .to_rfc3339_opts(SecondsFormat::Millis, false);
                format!(
                    r#"{{"id":{id},"location_id":1,"channel_id":"c","event_type":"RegionJoin","event_time":"{at}"}}"#
                )
            })
            .collect();
        let body = format!(
            r#"{{"code":0,"msg":"success","result":[{}]}}"#,
            page.join(",")
        );
        Ok(UpstreamAnswer {
            body: Bytes::from(body),
            date: None,
        })
    }
}

async fn synced(cloud: &StandIn) -> (tempfile::TempDir, SqliteStore, SyncReport) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_in(dir.path()).await.unwrap();
    let start = DateTime::<Utc>::from_timestamp_micros(T0).unwrap();
    let report = sync_until_caught_up(cloud, &store, start).await.unwrap();
    (dir, store, report)
}

/// 2500 events; every tenth arrived late, so has a high id and an early time (and each page of 1000 ends
/// on one, where an id cursor would skip the rest).
fn late_numbered() -> Vec<(i64, i64)> {
    (0..2500)
        .map(|n| {
            let id = if n % 10 == 9 { 1_000_000 + n } else { n };
            (id, T0 + (n * 1_000) * 1_000)
        })
        .collect()
}

#[tokio::test]
async fn ids_that_do_not_follow_time_lose_nothing_under_either_reading_of_starting_after() {
    for reading in [Reading::Place, Reading::GreaterId] {
        let cloud = StandIn::new(late_numbered(), reading);

        let (_dir, store, report) = synced(&cloud).await;

        assert_eq!(store.count(&EventFilter::default()).await.unwrap(), 2500);
        assert_eq!(report.new, 2500);
        assert_eq!(report.pages, 3);
    }
}

#[tokio::test]
async fn more_than_a_page_at_one_instant_moves_on_with_starting_after() {
    let events: Vec<(i64, i64)> = (0..2300)
        .map(|n| (n, T0 + if n < 1500 { 0 } else { n * 1_000 }))
        .collect();
    let cloud = StandIn::new(events, Reading::Place);

    let (_dir, store, _) = synced(&cloud).await;

    assert_eq!(store.count(&EventFilter::default()).await.unwrap(), 2300);
}

#[tokio::test]
async fn a_second_run_on_a_caught_up_store_asks_one_page_and_adds_nothing() {
    let cloud = StandIn::new(late_numbered(), Reading::GreaterId);
    let (_dir, store, _) = synced(&cloud).await;
    let calls_before = cloud.calls.get();

    let again = sync_until_caught_up(&cloud, &store, Utc::now())
        .await
        .unwrap();

    assert_eq!(cloud.calls.get() - calls_before, 1);
    assert_eq!(again.new, 0);
    assert_eq!(store.count(&EventFilter::default()).await.unwrap(), 2500);
}

#[test]
fn the_cursor_moves_to_the_newest_time_and_keeps_an_id_only_for_a_page_at_one_instant() {
    let at = |id: i64, time: i64| StoredEvent {
        id,
        location_id: 1,
        channel_id: "c".into(),
        trigger_id: String::new(),
        event_type: "RegionJoin".into(),
        origin: String::new(),
        event_time_micros: time,
        raw: "{}".into(),
    };
    let start = SyncCursor {
        since_micros: 10,
        after_id: Some(4),
    };

    let moved = next_cursor(start, &[at(5, 10), at(6, 20)]);
    let stayed = next_cursor(start, &[at(5, 10), at(6, 10)]);

    assert_eq!(
        moved,
        SyncCursor {
            since_micros: 20,
            after_id: None
        }
    );
    assert_eq!(
        stayed,
        SyncCursor {
            since_micros: 10,
            after_id: Some(6)
        }
    );
}
