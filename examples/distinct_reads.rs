//! The second-level client for bench/group.sh: reads each request target of a list exactly once, a few at a
//! time, and reports the reads' throughput and latency.
//!
//! wrk repeats targets, and a repeat is a first-level hit; a second-level hit is by definition a target this
//! gateway has not answered yet, so each target is asked once and the run ends when the list is done.
//!
//! Usage: `distinct_reads <base URL> <file of targets, one a line> [concurrent connections]` (default 32).
//! Prints `key=value` lines: reads, failures, seconds, per_second, p50_ms, p99_ms.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    failures: usize,
}

#[actix_web::main]
async fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .ok_or("usage: distinct_reads <base URL> <targets file> [connections]")?;
    let file = args.next().ok_or("the file of targets is missing")?;
    let connections = args
        .next()
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(32);
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{file}: {e}"))?;
    let targets: VecDeque<String> = text
        .lines()
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect();
    let count = targets.len();
    let queue = Arc::new(Mutex::new(targets));
    let tally = Arc::new(Mutex::new(Tally::default()));

    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (base, queue, tally) = (base.clone(), queue.clone(), tally.clone());
        tasks.push(actix_web::rt::spawn(async move {
            // One client per task: each keeps its own keep-alive connection, as one wrk connection does.
            let client = awc::Client::builder()
                .timeout(Duration::from_secs(30))
                .finish();
            loop {
                let next = queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
                let Some(target) = next else { break };
                let asked = Instant::now();
                let ok = match client.get(format!("{base}{target}")).send().await {
                    Ok(mut response) => {
                        response.body().limit(8 << 20).await.is_ok()
                            && response.status().is_success()
                    }
                    Err(_) => false,
                };
                let took = asked.elapsed();
                let mut tally = tally.lock().unwrap_or_else(|e| e.into_inner());
                tally.latencies.push(took);
                tally.failures += usize::from(!ok);
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let elapsed = started.elapsed();

    let mut tally = tally.lock().unwrap_or_else(|e| e.into_inner());
    tally.latencies.sort();
    let percentile = |p: f64| {
        let index = ((count as f64 * p).ceil() as usize).clamp(1, count.max(1)) - 1;
        tally.latencies.get(index).copied().unwrap_or_default()
    };
    println!("reads={count}");
    println!("failures={}", tally.failures);
    println!("seconds={:.3}", elapsed.as_secs_f64());
    println!(
        "per_second={:.0}",
        count as f64 / elapsed.as_secs_f64().max(1e-9)
    );
    println!("p50_ms={:.3}", percentile(0.50).as_secs_f64() * 1000.0);
    println!("p99_ms={:.3}", percentile(0.99).as_secs_f64() * 1000.0);
    Ok(())
}
