//! The mirror's SQLite store under the issue's bench load: 1,000,000 synthetic events over 30 days (3 locations,
//! 10 channels, 30 triggers, every event type and origin, a daily rhythm) written in pages of 1000 to a
//! temporary file, then the reads the answers make, each repeated and timed through the `EventStore` trait
//! (the blocking pool hop included).
//!
//! Usage: `cargo run --release --example mirror_store [events] [directory]` (default 1000000 events in a
//! temporary directory; a directory given keeps the file, and a file already holding the events is not filled
//! again). Prints a Markdown table of wall-clock p50/p99 and mean CPU time per measurement (the CPU column
//! stays meaningful on a shared machine, where wall time includes waiting for a core), then `key=value` lines.

use std::time::{Duration, Instant};

use camlytics_gateway::camlytics::model::{EVENT_TYPES, ORIGINS};
use camlytics_gateway::mirror::event::{EventFilter, Scope, StoredEvent};
use camlytics_gateway::mirror::sqlite::SqliteStore;
use camlytics_gateway::mirror::store::{CountQuery, Dimension, EventStore, GroupCount, SyncCursor};
use chrono::DateTime;

const MINUTE: i64 = 60_000_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
/// 2026-01-01T09:17:23.456Z: a "last 30 days" window starts where the clock was, not on a day's edge.
const START: i64 = 1_767_225_600_000_000 + 9 * HOUR + 17 * MINUTE + 23_456_000;

/// SplitMix64, seeded: the same file every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Trigger {
    location_id: i64,
    channel_id: String,
    id: String,
    line: bool,
}

fn cloud_id(rng: &mut Rng, serial: u64) -> String {
    format!(
        "{:08x}-{:05}-{:05}-{:05x}_{serial:08X}",
        rng.below(1 << 32),
        rng.below(100_000),
        rng.below(100_000),
        rng.below(1 << 20)
    )
}

/// 3 locations with 3, 3 and 4 channels, each channel with 3 triggers (an entry line, a zone, and one more).
fn triggers(rng: &mut Rng) -> Vec<Trigger> {
    let mut triggers = Vec::new();
    let mut serial = 0;
    for (location_id, channels) in [(101, 3), (102, 3), (103, 4)] {
        for _ in 0..channels {
            serial += 1;
            let channel_id = cloud_id(rng, serial);
            for n in 0..3 {
                serial += 1;
                let id = cloud_id(rng, serial);
                let line = n == 0 || (n == 2 && rng.below(2) == 0);
                triggers.push(Trigger {
                    location_id,
                    channel_id: channel_id.clone(),
                    id,
                    line,
                });
            }
        }
    }
    triggers
}

/// `count` instants over 30 days from `START`, busier by day than by night, ascending.
fn instants(rng: &mut Rng, count: usize) -> Vec<i64> {
    let mut times = Vec::with_capacity(count);
    while times.len() < count {
        let t = START + i64::try_from(rng.below(30 * DAY as u64)).unwrap_or(0);
        let hour = (t.rem_euclid(DAY) / HOUR) as u64;
        let weight = if (7..20).contains(&hour) { 10 } else { 1 };
        if rng.below(10) < weight {
            times.push(t);
        }
    }
    times.sort_unstable();
    times
}

fn event(rng: &mut Rng, id: i64, time: i64, triggers: &[Trigger]) -> StoredEvent {
    let trigger = &triggers[rng.below(triggers.len() as u64) as usize];
    let event_type = if rng.below(200) == 0 {
        "Sabotage"
    } else if trigger.line {
        EVENT_TYPES[usize::from(rng.below(10) == 0)]
    } else {
        EVENT_TYPES[2 + rng.below(5) as usize]
    };
    let origin = ORIGINS[[0, 0, 0, 0, 0, 0, 0, 1, 1, 2][rng.below(10) as usize]];
    let when = DateTime::from_timestamp_micros(time)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string())
        .unwrap_or_default();
    let raw = format!(
        r#"{{"id":{id},"location_id":{},"channel_id":"{}","trigger_id":"{}","event_type":"{event_type}","origin":"{origin}","object_id":{},"event_time":"{when}","snapshot_id":-{},"record_id":{}}}"#,
        trigger.location_id,
        trigger.channel_id,
        trigger.id,
        rng.below(100_000),
        rng.below(i32::MAX as u64),
        rng.below(i32::MAX as u64),
    );
    StoredEvent {
        id,
        location_id: trigger.location_id,
        channel_id: trigger.channel_id.clone(),
        trigger_id: trigger.id.clone(),
        event_type: event_type.into(),
        origin: origin.into(),
        event_time_micros: time,
        raw: raw.into(),
    }
}

/// p50 and p99 of `samples` (at least one), in milliseconds.
fn percentiles(samples: &mut [Duration]) -> (f64, f64) {
    samples.sort_unstable();
    let at =
        |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3;
    (at(0.5), at(0.99))
}

/// CPU time this process has used (every thread: the queries run on the blocking pool), from /proc.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime, fields 14 and 15 of the line, in clock ticks of 1/100 s.
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i)?.parse::<u64>().ok())
        .sum();
    ticks as f64 / 100.0
}

/// One measurement: wall-clock p50 and p99 and mean CPU time, in milliseconds.
struct Timing {
    p50: f64,
    p99: f64,
    cpu: f64,
}

/// Runs `query` `times` times; its timing, and what the last run answered.
async fn timed<T>(times: usize, mut query: impl AsyncFnMut() -> T) -> (Timing, T) {
    let mut samples = Vec::with_capacity(times);
    let mut last = None;
    let cpu_before = cpu_seconds();
    for _ in 0..times {
        let started = Instant::now();
        last = Some(query().await);
        samples.push(started.elapsed());
    }
    let cpu = (cpu_seconds() - cpu_before) * 1e3 / times as f64;
    let (p50, p99) = percentiles(&mut samples);
    (Timing { p50, p99, cpu }, last.expect("at least one run"))
}

fn series_edges(first: i64, step: i64, buckets: i64) -> Vec<i64> {
    (0..=buckets).map(|n| first + n * step).collect()
}

/// Fills `store` with `times.len()` events in pages of 1000: the pages' timing and events a second.
async fn fill(store: &SqliteStore, rng: &mut Rng, times: &[i64]) -> Result<(Timing, f64), String> {
    let triggers = triggers(rng);
    let mut page_times = Vec::new();
    let cpu_before = cpu_seconds();
    for (n, chunk) in times.chunks(1000).enumerate() {
        let first_id = 100_000_000 + (n * 1000) as i64;
        let page: Vec<StoredEvent> = (0..chunk.len())
            .map(|i| event(rng, first_id + i as i64, chunk[i], &triggers))
            .collect();
        let cursor = SyncCursor {
            since_micros: chunk[chunk.len() - 1],
            after_id: None,
        };
        let started = Instant::now();
        store
            .insert_page(&page, cursor)
            .await
            .map_err(|e| e.to_string())?;
        page_times.push(started.elapsed());
    }
    let cpu = (cpu_seconds() - cpu_before) * 1e3 / page_times.len().max(1) as f64;
    let busy: f64 = page_times.iter().map(Duration::as_secs_f64).sum();
    let per_second = times.len() as f64 / busy;
    if page_times.is_empty() {
        page_times.push(Duration::ZERO);
    }
    let (p50, p99) = percentiles(&mut page_times);
    Ok((Timing { p50, p99, cpu }, per_second))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), String> {
    let total: usize = match std::env::args().nth(1) {
        Some(n) => n.parse().map_err(|e| format!("events: {e}"))?,
        None => 1_000_000,
    };
    let temporary = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dir = std::env::args()
        .nth(2)
        .map_or_else(|| temporary.path().to_owned(), Into::into);
    let store = SqliteStore::open_in(&dir)
        .await
        .map_err(|e| e.to_string())?;
    let held = store.stats().await.map_err(|e| e.to_string())?.events;
    let mut rng = Rng(2026);
    let times = instants(&mut rng, total);
    let filling = Instant::now();
    let to_fill = if held >= total as u64 {
        &[][..]
    } else {
        &times[..]
    };
    let (insert, inserted_per_second) = fill(&store, &mut rng, to_fill).await?;
    let fill_seconds = filling.elapsed().as_secs_f64();
    let stats = store.stats().await.map_err(|e| e.to_string())?;
    let bytes_per_event = stats.bytes_on_disk.unwrap_or(0) as f64 / stats.events.max(1) as f64;

    // "The last 30 days" as a caller asks it: from the first event to 30 days on, ends inside minutes.
    let month = EventFilter {
        since_micros: Some(START),
        until_micros: Some(START + 30 * DAY - 1),
        ..EventFilter::default()
    };
    let totals_by_trigger = CountQuery {
        filter: month.clone(),
        edges: vec![START, START + 30 * DAY],
        group_by: vec![Dimension::Trigger],
    };
    let location_total = EventFilter {
        scope: Scope::Location(102),
        event_type: Some("TripwireCrossed".into()),
        ..month.clone()
    };
    let first_hour = (START / HOUR + 1) * HOUR;
    let hourly = CountQuery {
        filter: month.clone(),
        edges: series_edges(first_hour, HOUR, 30 * 24 - 1),
        group_by: vec![Dimension::Trigger],
    };
    let hourly_ungrouped = CountQuery {
        group_by: Vec::new(),
        ..hourly.clone()
    };
    // The same series in a +05:30 zone: no UTC hour lies inside a bucket, so it reads quarter hours.
    let hourly_half_zone = CountQuery {
        edges: series_edges(first_hour + 30 * MINUTE, HOUR, 30 * 24 - 1),
        ..hourly.clone()
    };

    let mut rows = Vec::new();
    let (t, answer) = timed(1000, async || {
        store.grouped_counts(&totals_by_trigger).await
    })
    .await;
    let n = answer.map_err(|e| e.to_string())?.len();
    rows.push((
        "30-day totals by trigger (grouped_counts)",
        t,
        format!("{n} triggers"),
    ));
    let (t, answer) = timed(1000, async || store.count(&location_total).await).await;
    let n = answer.map_err(|e| e.to_string())?;
    rows.push((
        "30-day total of one location and type (count)",
        t,
        format!("{n} events"),
    ));
    let (t, answer) = timed(200, async || store.grouped_counts(&hourly).await).await;
    let n = answer.map_err(|e| e.to_string())?.len();
    rows.push((
        "30-day hourly series by trigger, UTC",
        t,
        format!("{n} (hour, trigger)s"),
    ));
    let (t, answer) = timed(200, async || store.grouped_counts(&hourly_ungrouped).await).await;
    let n = answer.map_err(|e| e.to_string())?.len();
    rows.push((
        "30-day hourly series, no grouping, UTC",
        t,
        format!("{n} hours"),
    ));
    let (t, answer) = timed(20, async || store.grouped_counts(&hourly_half_zone).await).await;
    let n = answer.map_err(|e| e.to_string())?.len();
    rows.push((
        "30-day hourly series by trigger, +05:30",
        t,
        format!("{n} (hour, trigger)s"),
    ));
    // The floor under any series this size: building and dropping its answer, two allocations per
    // (bucket, group) as the trait's `GroupCount` asks, with no store at all.
    let answer = store
        .grouped_counts(&hourly)
        .await
        .map_err(|e| e.to_string())?;
    let (t, n) = timed(200, async || {
        let copy: Vec<GroupCount> = answer.iter().map(Clone::clone).collect();
        copy.len()
    })
    .await;
    rows.push((
        "reference: building its answer alone, no store",
        t,
        format!("{n} GroupCounts"),
    ));
    let (totals_p50, series_p50) = (rows[0].1.p50, rows[2].1.p50);
    let rate = format!("{inserted_per_second:.0} events/s");
    rows.push(("insert_page of 1000 events (fsync each)", insert, rate));

    println!(
        "{} events over 30 days; filled in {fill_seconds:.1} s\n",
        stats.events
    );
    println!("| measurement | p50 ms | p99 ms | CPU ms (mean) | answer |\n|---|---|---|---|---|");
    for (what, t, note) in &rows {
        println!(
            "| {what} | {:.2} | {:.2} | {:.2} | {note} |",
            t.p50, t.p99, t.cpu
        );
    }
    let bytes = stats.bytes_on_disk.unwrap_or(0);
    println!("\nbytes on disk: {bytes} ({bytes_per_event:.0} per event)\n");
    println!("events={}", stats.events);
    println!("totals_by_trigger_p50_ms={totals_p50:.3}");
    println!("hourly_series_by_trigger_p50_ms={series_p50:.3}");
    println!("insert_events_per_second={inserted_per_second:.0}");
    println!("bytes_per_event={bytes_per_event:.0}");
    Ok(())
}
