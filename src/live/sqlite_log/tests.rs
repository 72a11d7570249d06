use serde_json::value::RawValue;

use super::*;

fn event(channel: &str, millis: i64) -> LiveEvent {
    let time = chrono::DateTime::from_timestamp_millis(millis)
        .unwrap()
        .format("%Y-%m-%d %H:%M:%S%.3f");
    let text = format!(
        r#"{{"id":null,"location_id":101,"channel_id":"{channel}","trigger_id":"t1","event_type":"TripwireCrossed","origin":"Pedestrian","object_id":7,"event_time":"{time}"}}"#
    );
    let raw: Box<RawValue> = serde_json::from_str(&text).unwrap();
    LiveEvent::from_raw(&raw).unwrap()
}

fn new_seqs(appended: &[Appended]) -> Vec<u64> {
    appended
        .iter()
        .filter_map(|a| match a {
            Appended::New(logged) => Some(logged.seq),
            Appended::Duplicate => None,
        })
        .collect()
}

#[tokio::test]
async fn an_identity_is_stored_once_however_often_it_is_appended() {
    let dir = tempfile::tempdir().unwrap();
    let log = SqliteLog::open_in(dir.path(), None).unwrap();
    let base = log.last_seq().await.unwrap();
    let first = log
        .append(vec![
            event("a", 1_000),
            event("a", 1_000),
            event("a", 2_000),
        ])
        .await
        .unwrap();
    assert_eq!(new_seqs(&first), vec![base + 1, base + 2]);
    assert_eq!(first[1], Appended::Duplicate);
    let again = log.append(vec![event("a", 2_000)]).await.unwrap();
    assert_eq!(again, vec![Appended::Duplicate]);
    let held = log.after(0, 10).await.unwrap();
    assert_eq!(held.len(), 2);
    assert_eq!(held[1].event, event("a", 2_000));
}

#[tokio::test]
async fn what_was_committed_is_there_after_reopening_and_seqs_are_never_reused() {
    let dir = tempfile::tempdir().unwrap();
    let base = {
        let log = SqliteLog::open_in(dir.path(), None).unwrap();
        let base = log.last_seq().await.unwrap();
        log.append(vec![event("a", 1_000), event("b", 1_000)])
            .await
            .unwrap();
        assert_eq!(log.prune(i64::MAX).await.unwrap(), 2);
        base
    };
    let log = SqliteLog::open_in(dir.path(), None).unwrap();
    assert_eq!(log.first_seq().await.unwrap(), None);
    assert_eq!(log.last_seq().await.unwrap(), base + 2);
    let appended = log.append(vec![event("c", 1_000)]).await.unwrap();
    assert_eq!(new_seqs(&appended), vec![base + 3]);
}

#[tokio::test]
async fn concurrent_appends_are_published_once_each_in_seq_order() {
    let dir = tempfile::tempdir().unwrap();
    let feed = LiveFeed::new(10_000);
    let mut subscriber = feed.subscribe();
    let log = SqliteLog::open_in(dir.path(), Some(feed)).unwrap();
    let base = log.last_seq().await.unwrap();
    let mut tasks = Vec::new();
    for batch in 0..20 {
        let log = log.clone();
        tasks.push(tokio::spawn(async move {
            let events = (0..50).map(|i| event("x", batch * 100 + i)).collect();
            log.append(events).await.unwrap()
        }));
    }
    for task in tasks {
        assert_eq!(new_seqs(&task.await.unwrap()).len(), 50);
    }
    let mut last = base;
    for _ in 0..1_000 {
        let logged = subscriber.try_recv().unwrap();
        assert!(logged.seq > last, "{} after {last}", logged.seq);
        last = logged.seq;
    }
    assert!(subscriber.try_recv().is_err());
    assert_eq!(log.last_seq().await.unwrap(), base + 1_000);
}

#[tokio::test]
async fn the_quarantine_reads_newest_first_and_pages_with_starting_after() {
    let dir = tempfile::tempdir().unwrap();
    let log = SqliteLog::open_in(dir.path(), None).unwrap();
    let rejected = (0..3)
        .map(|i| Rejected {
            webhook: "portal".into(),
            reason: format!("reason {i}"),
            raw: "{}".into(),
        })
        .collect();
    log.quarantine(rejected).await.unwrap();
    let page = log.rejected(2, None).await.unwrap();
    assert_eq!(page[0].reason, "reason 2");
    assert_eq!(page[1].reason, "reason 1");
    let rest = log.rejected(2, Some(page[1].id)).await.unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].reason, "reason 0");
}

#[tokio::test]
async fn events_since_reads_by_event_time() {
    let dir = tempfile::tempdir().unwrap();
    let log = SqliteLog::open_in(dir.path(), None).unwrap();
    log.append(vec![
        event("a", 5_000),
        event("a", 1_000),
        event("a", 3_000),
    ])
    .await
    .unwrap();
    let since = log.events_since(2_000_000).await.unwrap();
    let times: Vec<i64> = since.iter().map(|l| l.event.event_time_micros).collect();
    assert_eq!(times, vec![3_000_000, 5_000_000]);
}

/// Appends `count` events, each its own identity (channel `{prefix}{n}`), in batches of 1,000.
async fn append_many(log: &SqliteLog, prefix: &str, count: usize) {
    let names: Vec<String> = (0..count).map(|n| format!("{prefix}{n}")).collect();
    for batch in names.chunks(1_000) {
        let events = batch.iter().map(|name| event(name, 1_000)).collect();
        log.append(events).await.unwrap();
    }
}

/// A cutoff between what was appended before and what is appended after.
async fn cutoff_now() -> i64 {
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    let cutoff = chrono::Utc::now().timestamp_micros();
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    cutoff
}

#[tokio::test]
async fn a_prune_of_several_chunks_deletes_all_before_the_cutoff_and_lets_appends_commit_between_them(
) {
    let dir = tempfile::tempdir().unwrap();
    let log = SqliteLog::open_in(dir.path(), None).unwrap();
    let base = log.last_seq().await.unwrap();
    let expired = prune::CHUNK * 2 + 500;
    append_many(&log, "old", expired).await;
    let cutoff = cutoff_now().await;
    append_many(&log, "new", 10).await;
    // One chunk, as `prune` asks the writer for it: the oldest CHUNK go, in a transaction of their own.
    let first = log.submit(|reply| Job::Prune(cutoff, reply)).await.unwrap();
    assert_eq!(first.events, prune::CHUNK as u64);
    assert!(!first.finished);
    assert_eq!(
        log.first_seq().await.unwrap(),
        Some(base + prune::CHUNK as u64 + 1)
    );
    // The writer is free between chunks: an append commits before the prune is over.
    let between = log.append(vec![event("between", 1_000)]).await.unwrap();
    assert_eq!(new_seqs(&between), vec![base + expired as u64 + 11]);
    let rest = log.prune(cutoff).await.unwrap();
    assert_eq!(rest, (expired - prune::CHUNK) as u64);
    let held: Vec<u64> = log
        .after(0, 100)
        .await
        .unwrap()
        .iter()
        .map(|l| l.seq)
        .collect();
    assert_eq!(
        held,
        (base + expired as u64 + 1..=base + expired as u64 + 11).collect::<Vec<u64>>()
    );
    assert_eq!(log.prune(cutoff).await.unwrap(), 0, "nothing left to prune");
}

#[tokio::test]
async fn a_prune_stops_at_the_first_event_after_the_cutoff_so_a_clock_stepped_back_leaves_no_hole()
{
    let dir = tempfile::tempdir().unwrap();
    let log = SqliteLog::open_in(dir.path(), None).unwrap();
    let base = log.last_seq().await.unwrap();
    append_many(&log, "old", 3).await;
    let cutoff = cutoff_now().await;
    append_many(&log, "new", 3).await;
    // As if the clock had stepped back before seq 5 was received.
    let conn = Connection::open(log.path()).unwrap();
    conn.execute(
        "UPDATE events SET received_us = 0 WHERE seq = ?1",
        [base as i64 + 5],
    )
    .unwrap();
    assert_eq!(log.prune(cutoff).await.unwrap(), 3);
    let held: Vec<u64> = log
        .after(0, 10)
        .await
        .unwrap()
        .iter()
        .map(|l| l.seq)
        .collect();
    assert_eq!(held, vec![base + 4, base + 5, base + 6]);
}

#[tokio::test]
async fn a_new_log_counts_past_a_tag_drawn_at_random_and_keeps_it_when_reopened() {
    use crate::live::log::{is_of_log, MAX_TAG, SEQ_BITS};
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut tags = std::collections::HashSet::new();
    for dir in &dirs {
        let base = {
            let log = SqliteLog::open_in(dir.path(), None).unwrap();
            let base = log.last_seq().await.unwrap();
            let appended = log.append(vec![event("a", 1_000)]).await.unwrap();
            assert_eq!(new_seqs(&appended), vec![base + 1]);
            base
        };
        let tag = base >> SEQ_BITS;
        assert!((1..=MAX_TAG).contains(&tag), "tag {tag}");
        assert_eq!(
            base % (1 << SEQ_BITS),
            0,
            "counting starts at the tag's first id"
        );
        let reopened = SqliteLog::open_in(dir.path(), None).unwrap();
        let last = reopened.last_seq().await.unwrap();
        assert_eq!(
            last,
            base + 1,
            "the tag is drawn once, when the file is created"
        );
        assert!(is_of_log(base + 1, last));
        tags.insert(tag);
    }
    // Three draws from 131,071 tags: all equal once in 17 billion runs.
    assert!(tags.len() > 1, "three logs drew the same tag {tags:?}");
}
