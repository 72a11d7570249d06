//! The webhook intake's client for bench/live_intake.sh: POSTs batches of events to a gateway's
//! `/webhooks/camlytics/<token>` and reports how many were stored durably and how long each
//! acknowledgement took.
//!
//! Two phases: a steady rate (open loop: a batch is sent on schedule whether or not the previous ones
//! were answered, as the cloud does), then as fast as `senders` concurrent senders go (closed loop).
//!
//! Usage: `live_intake <intake URL> [events a second, default 1000] [seconds a phase, default 20]
//! [batch, default 100] [senders, default 8]`. Prints `key=value` lines.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Every event distinct: its object id and millisecond come from one counter.
static NEXT: AtomicU64 = AtomicU64::new(0);

fn batch(size: usize) -> String {
    let first = NEXT.fetch_add(size as u64, Ordering::Relaxed);
    let events: Vec<String> = (first..first + size as u64)
        .map(|n| {
            let time = chrono::DateTime::from_timestamp_millis(1_764_000_000_000 + n as i64)
                .unwrap_or_default()
                .format("%Y-%m-%d %H:%M:%S%.3f");
            format!(
                r#"{{"record_id":1,"event_type":"TripwireCrossed","snapshot_id":2,"trigger_id":"trig-enter","origin":"Pedestrian","id":null,"channel_id":"chan-{}","object_id":{n},"location_id":101,"event_time":"{time}"}}"#,
                n % 16
            )
        })
        .collect();
    format!("[{}]", events.join(","))
}

#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    stored: u64,
    failures: u64,
}

async fn send(client: &awc::Client, url: &str, body: String, tally: &Mutex<Tally>) {
    let started = Instant::now();
    let answer = client
        .post(url)
        .insert_header(("content-type", "application/json"))
        .send_body(body)
        .await;
    let took = started.elapsed();
    let stored = match answer {
        Ok(mut answer) if answer.status().is_success() => answer
            .json::<serde_json::Value>()
            .await
            .ok()
            .and_then(|json| json["result"]["stored"].as_u64()),
        _ => None,
    };
    let mut tally = tally.lock().unwrap();
    match stored {
        Some(n) => {
            tally.stored += n;
            tally.latencies.push(took);
        }
        None => tally.failures += 1,
    }
}

fn report(phase: &str, tally: &Tally, seconds: f64) {
    let mut sorted = tally.latencies.clone();
    sorted.sort();
    let at = |q: f64| {
        sorted
            .get(((sorted.len() as f64 * q) as usize).min(sorted.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!("{phase}_batches={}", sorted.len());
    println!("{phase}_failures={}", tally.failures);
    println!("{phase}_events_stored={}", tally.stored);
    println!(
        "{phase}_events_per_second={:.0}",
        tally.stored as f64 / seconds
    );
    println!("{phase}_p50_ms={:.2}", at(0.50));
    println!("{phase}_p99_ms={:.2}", at(0.99));
    println!("{phase}_max_ms={:.2}", at(1.0));
}

#[actix_web::main]
async fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .ok_or("usage: live_intake <intake URL> [events/s] [seconds] [batch] [senders]")?;
    let mut number = |default: u64| {
        args.next()
            .and_then(|n| n.parse::<u64>().ok())
            .filter(|n| *n > 0)
            .unwrap_or(default)
    };
    let (rate, seconds, size, senders) = (number(1000), number(20), number(100), number(8));
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .connector(awc::Connector::new().limit(senders as usize * 4 + 64))
        .finish();

    // Steady: one batch every size/rate seconds, each sent without waiting for the others.
    let tally = Arc::new(Mutex::new(Tally::default()));
    let every = Duration::from_secs_f64(size as f64 / rate as f64);
    let started = Instant::now();
    let mut tasks = Vec::new();
    let mut next = started;
    while started.elapsed() < Duration::from_secs(seconds) {
        let (client, url, tally) = (client.clone(), url.clone(), tally.clone());
        tasks.push(actix_web::rt::spawn(async move {
            send(&client, &url, batch(size as usize), &tally).await
        }));
        next += every;
        actix_web::rt::time::sleep_until(next.into()).await;
    }
    for task in tasks {
        let _ = task.await;
    }
    report(
        "steady",
        &tally.lock().unwrap(),
        started.elapsed().as_secs_f64(),
    );

    // Flat out: `senders` loops, each sending its next batch when the last is answered.
    let tally = Arc::new(Mutex::new(Tally::default()));
    let started = Instant::now();
    let end = started + Duration::from_secs(seconds);
    let loops: Vec<_> = (0..senders)
        .map(|_| {
            let (client, url, tally) = (client.clone(), url.clone(), tally.clone());
            actix_web::rt::spawn(async move {
                while Instant::now() < end {
                    send(&client, &url, batch(size as usize), &tally).await;
                }
            })
        })
        .collect();
    for task in loops {
        let _ = task.await;
    }
    report(
        "flat_out",
        &tally.lock().unwrap(),
        started.elapsed().as_secs_f64(),
    );
    Ok(())
}
