//! The event stream's fan-out benchmark for bench/stream.sh: one gateway process, N Server-Sent Events
//! subscribers (plain TCP, on two client threads), and webhook batches POSTed at a steady rate. Reports the
//! intake-to-subscriber lag (from the POST's start to the event's arrival at each subscriber, so it includes
//! the durable commit), p50 and p99, events delivered against expected, and the gateway's peak RSS.
//!
//! Usage: `stream_fanout <gateway binary> [subscribers] [events a second] [seconds]` (defaults 5000, 100, 20).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TOKEN: &str = "bench-webhook-token";
const BATCH: usize = 10;
/// Subscribers whose request was not answered 200.
static REFUSED: AtomicU64 = AtomicU64::new(0);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let binary = args.get(1).expect("the gateway binary").clone();
    let subscribers: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(5000);
    let rate: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(100);
    let seconds: u64 = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(20);
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let state = tempfile::tempdir().unwrap();
    let mut gateway = start(&binary, port, state.path(), subscribers);
    let address = format!("127.0.0.1:{port}");

    let batches = (rate as u64 * seconds) as usize / BATCH;
    let base = Instant::now();
    let sent: Arc<Vec<AtomicU64>> = Arc::new((0..batches).map(|_| AtomicU64::new(0)).collect());
    let connected = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..2)
        .map(|t| {
            let (address, sent, connected) = (address.clone(), sent.clone(), connected.clone());
            let share = subscribers / 2 + usize::from(t == 0) * (subscribers % 2);
            std::thread::spawn(move || {
                subscribe(&address, share, batches * BATCH, base, sent, connected)
            })
        })
        .collect();
    while connected.load(Ordering::Relaxed) < subscribers as u64 {
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!("{subscribers} subscribers connected; sending {rate} events a second for {seconds}s");
    let period = Duration::from_secs_f64(BATCH as f64 / rate as f64);
    let start = Instant::now();
    for b in 0..batches {
        let due = start + period * b as u32;
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
        sent[b].store(base.elapsed().as_micros() as u64, Ordering::Relaxed);
        post(&address, b);
    }
    let mut lags: Vec<u32> = Vec::new();
    let mut delivered = 0usize;
    for thread in threads {
        let (got, lag) = thread.join().unwrap();
        delivered += got;
        lags.extend(lag);
    }
    lags.sort_unstable();
    let at = |q: f64| {
        lags.get(((lags.len() as f64 - 1.0) * q) as usize)
            .copied()
            .unwrap_or(0) as f64
            / 1000.0
    };
    let (rss, peak) = memory(&gateway);
    let _ = gateway.kill();
    let _ = gateway.wait();
    println!("subscribers={subscribers}");
    println!("events={}", batches * BATCH);
    println!("delivered={delivered}");
    println!("refused={}", REFUSED.load(Ordering::Relaxed));
    println!("expected={}", batches * BATCH * subscribers);
    println!("lag_p50_ms={:.1}", at(0.5));
    println!("lag_p99_ms={:.1}", at(0.99));
    println!("lag_max_ms={:.1}", at(1.0));
    println!("rss_mib={:.0}", rss as f64 / 1024.0);
    println!("peak_rss_mib={:.0}", peak as f64 / 1024.0);
}

fn start(binary: &str, port: u16, state: &std::path::Path, subscribers: usize) -> Child {
    let child = Command::new(binary)
        .arg("serve")
        .env("GATEWAY_LISTEN", format!("127.0.0.1:{port}"))
        .env("CAMLYTICS_API_KEY", "bench-key")
        .env("CAMLYTICS_API_SECRET", "bench-secret")
        .env("CAMLYTICS_BASE_URL", "http://127.0.0.1:9")
        .env("GATEWAY_STATE_DIR", state)
        .env("GATEWAY_MIRROR", "off")
        .env("GATEWAY_WARM_DIMENSIONS", "false")
        .env("GATEWAY_WEBHOOK_TOKENS", format!("bench:{TOKEN}"))
        .env(
            "GATEWAY_STREAM_MAX_SUBSCRIBERS",
            (subscribers + 10).to_string(),
        )
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("the gateway starts");
    for _ in 0..200 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return child;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut child = child;
    let _ = child.kill();
    let _ = child.wait();
    panic!("the gateway did not listen");
}

/// VmRSS and VmHWM of the gateway, in KiB.
fn memory(child: &Child) -> (u64, u64) {
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// One webhook batch: events `b * BATCH ..`, each its own object.
fn post(address: &str, b: usize) {
    let events: Vec<String> = (b * BATCH..(b + 1) * BATCH)
        .map(|n| format!(r#"{{"id":null,"location_id":101,"channel_id":"c","trigger_id":"t","event_type":"TripwireCrossed","origin":"Pedestrian","object_id":{n},"event_time":"2026-11-30 10:00:00.000","snapshot_id":null,"record_id":null}}"#))
        .collect();
    let body = format!("[{}]", events.join(","));
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "POST /webhooks/camlytics/{TOKEN} HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// `count` subscribers on this thread, each reading until it has `expected` events; the events read and the
/// lag of each in microseconds.
fn subscribe(
    address: &str,
    count: usize,
    expected: usize,
    base: Instant,
    sent: Arc<Vec<AtomicU64>>,
    connected: Arc<AtomicU64>,
) -> (usize, Vec<u32>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let local = tokio::task::LocalSet::new();
        // Each subscriber connects and sends its request at once: a connection left without a request head
        // is closed by the server's request timeout (5 s), which a burst of thousands of connects outlasts.
        let handles: Vec<_> = (0..count)
            .map(|_| {
                local.spawn_local(read(
                    address.to_owned(),
                    expected,
                    base,
                    sent.clone(),
                    connected.clone(),
                ))
            })
            .collect();
        local
            .run_until(async move {
                let mut delivered = 0;
                let mut lags = Vec::new();
                for handle in handles {
                    let (got, lag) = handle.await.unwrap();
                    delivered += got;
                    lags.extend(lag);
                }
                (delivered, lags)
            })
            .await
    })
}

async fn read(
    address: String,
    expected: usize,
    base: Instant,
    sent: Arc<Vec<AtomicU64>>,
    connected: Arc<AtomicU64>,
) -> (usize, Vec<u32>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(b"GET /v1/events/stream HTTP/1.1\r\nHost: gateway\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = vec![0u8; 64 << 10];
    let mut carry = Vec::new();
    let mut lags = Vec::with_capacity(expected);
    let needle = b"\"object_id\":";
    // Subscribed once the answer's head (and `retry:`) has come.
    let mut subscribed = false;
    while lags.len() < expected {
        let n = match tokio::time::timeout(Duration::from_secs(30), stream.read(&mut buffer)).await
        {
            Ok(Ok(n)) if n > 0 => n,
            _ => break,
        };
        let now = base.elapsed().as_micros() as u64;
        if !subscribed {
            subscribed = true;
            connected.fetch_add(1, Ordering::Relaxed);
            if !buffer.starts_with(b"HTTP/1.1 200") {
                if REFUSED.fetch_add(1, Ordering::Relaxed) == 0 {
                    let head = String::from_utf8_lossy(&buffer[..n.min(200)]).into_owned();
                    eprintln!("a subscriber was refused: {head}");
                }
                return (0, Vec::new());
            }
        }
        carry.extend_from_slice(&buffer[..n]);
        let mut consumed = 0;
        let mut at = 0;
        while let Some(found) = carry[at..].windows(needle.len()).position(|w| w == needle) {
            let start = at + found + needle.len();
            let digits = carry[start..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if start + digits >= carry.len() {
                break;
            }
            let object: usize = std::str::from_utf8(&carry[start..start + digits])
                .unwrap()
                .parse()
                .unwrap();
            let from = sent[object / BATCH].load(Ordering::Relaxed);
            lags.push(now.saturating_sub(from) as u32);
            at = start + digits;
            consumed = at;
        }
        carry.drain(..consumed);
    }
    (lags.len(), lags)
}
