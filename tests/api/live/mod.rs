//! The live side: the webhook intake (exactly once, durable, bad input, the quarantine, no token in logs),
//! and occupancy and queue counts from the intake log and the mirror.

mod durable;
mod intake;
mod occupancy;
mod occupancy_app;
mod occupancy_stream;
mod relay;
mod simulated;
mod sse;
mod stream;

use std::path::Path;

use camlytics_gateway::live::settings::LiveSettings;

use crate::helpers::TestConfig;

pub use sse::WEBHOOK_TOKEN;

/// A test config whose intake takes `WEBHOOK_TOKEN` as the webhook `portal`.
pub fn webhook_config() -> TestConfig {
    TestConfig {
        live: sse::live_settings(LiveSettings::default().stream_max_subscribers),
        ..TestConfig::default()
    }
}

/// One event in the webhook form: `n` makes it distinct (its object and millisecond).
pub fn webhook_event(n: u64) -> String {
    let time = chrono::DateTime::from_timestamp_millis(1_764_000_000_000 + n as i64)
        .unwrap()
        .format("%Y-%m-%d %H:%M:%S%.3f");
    format!(
        r#"{{"record_id":1,"event_type":"TripwireCrossed","snapshot_id":2,"trigger_id":"trig-enter","origin":"Pedestrian","id":null,"channel_id":"chan-1","object_id":{n},"location_id":101,"event_time":"{time}"}}"#
    )
}

/// A JSON array of the events `ns`.
pub fn batch(ns: &[u64]) -> String {
    let events: Vec<String> = ns.iter().map(|n| webhook_event(*n)).collect();
    format!("[{}]", events.join(","))
}

/// POSTs `body` to the intake at `origin` with `token`; the status and the body.
pub async fn post(origin: &str, token: &str, body: String) -> (u16, serde_json::Value) {
    let mut answer = awc::Client::default()
        .post(format!("{origin}/webhooks/camlytics/{token}"))
        .insert_header(("content-type", "application/json"))
        .send_body(body)
        .await
        .expect("the intake answers");
    let bytes = answer.body().limit(1 << 20).await.unwrap();
    let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (answer.status().as_u16(), json)
}

/// The intake log's events in `state_dir`, as (seq, object_id), read beside the gateway.
pub fn logged(state_dir: &Path) -> Vec<(i64, i64)> {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
    let conn =
        rusqlite::Connection::open_with_flags(state_dir.join("live.sqlite3"), flags).unwrap();
    let mut statement = conn
        .prepare("SELECT seq, COALESCE(object_id, -1) FROM events ORDER BY seq")
        .unwrap();
    statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Whether `held` (as [`logged`] reads it) is numbered 1, 2, 3, ... past its log's tag: no gap, none reused.
pub fn numbered_without_a_gap(held: &[(i64, i64)]) -> bool {
    let Some(&(first, _)) = held.first() else {
        return true;
    };
    let base = first - 1;
    base % (1 << camlytics_gateway::live::log::SEQ_BITS) == 0
        && held.iter().zip(1..).all(|((seq, _), n)| *seq == base + n)
}

/// A small deterministic shuffle (xorshift), so a failure can be replayed.
pub fn shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        items.swap(i, (seed % (i as u64 + 1)) as usize);
    }
}
