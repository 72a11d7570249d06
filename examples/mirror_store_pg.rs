//! The PostgreSQL event store with a million events: insert rate, a 30-day total, a 30-day hourly series
//! grouped by trigger, and bytes on disk per event. For bench/ (figures from one run on this machine).
//!
//! Usage: `mirror_store_pg [admin URL] [events]` (defaults: postgres://postgres@127.0.0.1:5432/postgres,
//! 1000000). Makes a database `mirror_bench_<pid>` there and drops it at the end (kept, to look at, with
//! `MIRROR_BENCH_KEEP=1`).
//! Prints `key=value` lines.

use std::time::{Duration, Instant};

use camlytics_gateway::mirror::event::{EventFilter, Scope, StoredEvent};
use camlytics_gateway::mirror::postgres::{PgUrl, PostgresStore};
use camlytics_gateway::mirror::store::{CountQuery, Dimension, EventStore, SyncCursor};

const HOUR: i64 = 3_600_000_000;
const DAY: i64 = 24 * HOUR;
/// 2026-01-01T00:00:00Z: the month starts here.
const START: i64 = 1_767_225_600_000_000;
const TYPES: [&str; 7] = [
    "TripwireCrossed",
    "Tailgating",
    "RegionJoin",
    "RegionLeave",
    "MotionInRegionOn",
    "Loitering",
    "CrowdOn",
];
const ORIGINS: [&str; 3] = ["Pedestrian", "Vehicle", "Unknown"];
const ROUNDS: usize = 200;

/// SplitMix64, so every run holds the same events.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n
    }
}

/// The simulator's shape: 3 locations, 3 channels each, 3 triggers a channel, a line or a zone; events spread
/// evenly over 30 days, in time order as the sync writes them.
fn month_of_events(n: usize) -> Vec<StoredEvent> {
    let mut rng = Rng(7);
    let mut times: Vec<i64> = (0..n)
        .map(|_| START + rng.below(30 * DAY as u64) as i64)
        .collect();
    times.sort_unstable();
    times
        .into_iter()
        .enumerate()
        .map(|(k, time)| {
            let location = 101 + rng.below(3) as i64;
            let channel = format!("channel-{location}-{}", rng.below(3));
            let trigger_n = rng.below(3);
            let trigger = format!("{channel}-trigger-{trigger_n}");
            let event_type = if trigger_n == 0 {
                TYPES[rng.below(2) as usize]
            } else {
                TYPES[2 + rng.below(5) as usize]
            };
            let origin = ORIGINS[rng.below(3) as usize];
            let id = 1_000_000 + k as i64;
            let raw = format!(
                r#"{{"id":{id},"location_id":{location},"channel_id":"{channel}","trigger_id":"{trigger}","event_type":"{event_type}","origin":"{origin}","object_id":{},"event_time":"{time}","snapshot_id":-{},"record_id":{}}}"#,
                rng.below(100_000),
                rng.below(1 << 31),
                rng.below(1 << 31)
            );
            StoredEvent {
                id,
                location_id: location,
                channel_id: channel,
                trigger_id: trigger,
                event_type: event_type.into(),
                origin: origin.into(),
                event_time_micros: time,
                raw: raw.into(),
            }
        })
        .collect()
}

fn p50(mut times: Vec<Duration>) -> f64 {
    times.sort_unstable();
    times[times.len() / 2].as_secs_f64() * 1000.0
}

async fn admin(url: &str, sql: &str) -> Result<(), String> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .map_err(|e| format!("connecting to PostgreSQL: {e}"))?;
    let connection = tokio::spawn(connection);
    client
        .batch_execute(sql)
        .await
        .map_err(|e| format!("{sql}: {e}"))?;
    drop(client);
    let _ = connection.await;
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let admin_url = args
        .next()
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let n: usize = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let database = format!("mirror_bench_{}", std::process::id());
    admin(&admin_url, &format!("CREATE DATABASE {database}")).await?;
    let outcome = run(&admin_url, &database, n).await;
    if std::env::var_os("MIRROR_BENCH_KEEP").is_some_and(|v| v == "1") {
        println!("kept_database={database}");
    } else {
        admin(
            &admin_url,
            &format!("DROP DATABASE {database} WITH (FORCE)"),
        )
        .await?;
    }
    outcome
}

async fn run(admin_url: &str, database: &str, n: usize) -> Result<(), String> {
    let url = PgUrl::parse(admin_url)?.with_database(database);
    let store = PostgresStore::connect(&url)
        .await
        .map_err(|e| e.to_string())?;
    let events = month_of_events(n);

    let started = Instant::now();
    for page in events.chunks(1000) {
        let cursor = SyncCursor {
            since_micros: page[page.len() - 1].event_time_micros,
            after_id: None,
        };
        store
            .insert_page(page, cursor)
            .await
            .map_err(|e| e.to_string())?;
    }
    let inserting = started.elapsed().as_secs_f64();
    println!("events={n}");
    println!("insert_events_per_second={:.0}", n as f64 / inserting);
    // What autovacuum would do by the time anyone asks: visibility map and statistics up to date.
    admin(&url_text(admin_url, database), "VACUUM ANALYZE").await?;
    let stats = store.stats().await.map_err(|e| e.to_string())?;
    let bytes = stats.bytes_on_disk.unwrap_or(0);
    println!("bytes_on_disk={bytes}");
    println!("bytes_per_event={:.0}", bytes as f64 / n as f64);

    // A 30-day total with ragged ends, as /totals would ask, for a location and for everything.
    let total_filter = |scope| EventFilter {
        scope,
        since_micros: Some(START + 7 * 60_000_000 + 13_000_000),
        until_micros: Some(START + 30 * DAY - 3 * 60_000_000 - 1),
        ..EventFilter::default()
    };
    let mut totals = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS {
        let scope = if round % 2 == 0 {
            Scope::All
        } else {
            Scope::Location(102)
        };
        let t = Instant::now();
        store
            .count(&total_filter(scope))
            .await
            .map_err(|e| e.to_string())?;
        totals.push(t.elapsed());
    }
    println!("totals_30d_p50_ms={:.3}", p50(totals));

    let series = |edges: Vec<i64>| CountQuery {
        filter: EventFilter::default(),
        edges,
        group_by: vec![Dimension::Trigger],
    };
    let hourly: Vec<i64> = (0..=720).map(|h| START + h * HOUR).collect();
    let offset: Vec<i64> = hourly
        .iter()
        .map(|e| e - 5 * HOUR - 30 * 60_000_000)
        .collect();
    for (name, edges) in [
        ("series_30d_hourly_by_trigger", hourly),
        ("series_30d_hourly_by_trigger_at_0530", offset),
    ] {
        let query = series(edges);
        let mut times = Vec::with_capacity(ROUNDS / 4);
        for _ in 0..ROUNDS / 4 {
            let t = Instant::now();
            store
                .grouped_counts(&query)
                .await
                .map_err(|e| e.to_string())?;
            times.push(t.elapsed());
        }
        println!("{name}_p50_ms={:.3}", p50(times));
    }
    Ok(())
}

/// The bench database's URL as text, for the admin connection.
fn url_text(admin_url: &str, database: &str) -> String {
    match admin_url.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{database}"),
        None => admin_url.to_string(),
    }
}
