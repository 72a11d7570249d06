//! The economy benchmark for bench/run.sh and bench/group.sh: 50 simulated dashboards poll dimensions and totals
//! every few seconds for a minute through one gateway, or spread over a group of gateways on one Redis, with the
//! simulated cloud at 1 request per second.
//! Reports callers' requests served per upstream call, callers' latency, and the cloud's 429s.
//!
//! Usage: `dashboards [dashboards] [seconds] [poll seconds] [gateways] [Redis URL]` (defaults 50, 60, 3, 1).
//! More than one gateway needs the Redis URL: the gateways then form one group on the key, under a key prefix of
//! this run's own, and dashboard n calls gateway n mod gateways.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use camlytics_gateway::secret::Secret;
use camlytics_gateway::settings::ServeArgs;
use camlytics_gateway::simulator::{Simulator, SimulatorSettings};
use camlytics_gateway::startup::{Application, Backends};
use clap::Parser;

/// The gateway's own command line, so every setting keeps its default.
#[derive(Parser)]
struct GatewayFlags {
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    failures: usize,
}

#[actix_web::main]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |n: usize, default: u64| {
        args.get(n)
            .and_then(|a| a.parse::<u64>().ok())
            .filter(|n| *n > 0)
            .unwrap_or(default)
    };
    let (dashboards, seconds, poll) = (number(0, 50), number(1, 60), number(2, 3));
    let gateways = number(3, 1);
    let redis_url = args.get(4).cloned();
    if gateways > 1 && redis_url.is_none() {
        return Err("more than one gateway on one key needs a Redis URL".into());
    }

    let cloud = SimulatorSettings {
        requests_per_second: 1.0,
        ..SimulatorSettings::default()
    };
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let simulator = Simulator::start(cloud.clone(), listener).map_err(|e| e.to_string())?;
    let sim = simulator.handle();
    let cloud_url = simulator.base_url();
    actix_web::rt::spawn(simulator.run_until_stopped());

    let state = std::env::temp_dir().join(format!("camlytics-bench-{}", std::process::id()));
    let secret = Secret::new(cloud.secret.expose());
    // Each dashboard is an app with a token of its own, as in a shared deployment.
    let tokens: Vec<String> = (0..dashboards)
        .map(|n| format!("dashboard{n}:token-{n}"))
        .collect();
    let mut apis = Vec::new();
    for gateway in 0..gateways {
        let mut flags = vec![
            "dashboards".to_string(),
            "--listen=127.0.0.1:0".to_string(),
            format!("--api-key={}", cloud.key),
            format!("--api-secret={}", secret.expose()),
            format!("--base-url={cloud_url}"),
            // Each gateway keeps its own nonce mark, as each must in a group.
            format!("--state-dir={}", state.join(gateway.to_string()).display()),
            "--upstream-rps=1".to_string(),
            format!("--tokens={}", tokens.join(",")),
        ];
        if let Some(url) = &redis_url {
            flags.push(format!("--redis-url={url}"));
            // A prefix of this run's own: answers another run (or another benchmark) left in Redis are not found.
            flags.push(format!(
                "--redis-prefix=bench-dashboards-{}",
                std::process::id()
            ));
        }
        let flags = GatewayFlags::try_parse_from(flags).map_err(|e| e.to_string())?;
        let settings = flags.serve.validate()?;
        let backends = match flags.serve.group.validate()? {
            Some(group) => Backends::group(&settings, &group)?,
            None => Backends::single(&settings)?,
        };
        let app = Application::build_with(settings, backends)?;
        apis.push(format!("http://127.0.0.1:{}/service/api/v1", app.port()));
        actix_web::rt::spawn(app.run_until_stopped());
    }

    let today = "2025-12-31T00:00:00Z";
    let tally = Arc::new(Mutex::new(Tally::default()));
    let started = Instant::now();
    let end = started + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for dashboard in 0..dashboards {
        let api = apis[dashboard as usize % apis.len()].clone();
        let tally = tally.clone();
        let location = 101 + dashboard % 3;
        tasks.push(actix_web::rt::spawn(async move {
            let client = awc::Client::builder()
                .timeout(Duration::from_secs(60))
                .finish();
            // Spread the dashboards over the poll interval, as real ones would be.
            actix_web::rt::time::sleep(Duration::from_millis(dashboard * poll * 1000 / dashboards))
                .await;
            while Instant::now() < end {
                let round = Instant::now();
                for path in [
                    "/locations".to_string(),
                    format!("/channels?location_id={location}"),
                    format!("/triggers?location_id={location}"),
                    format!("/totals/triggers?location_id={location}&since={today}"),
                    format!("/totals/types?location_id={location}&since={today}"),
                ] {
                    let asked = Instant::now();
                    let request = client
                        .get(format!("{api}{path}"))
                        .insert_header(("Authorization", format!("Bearer token-{dashboard}")));
                    let ok = match request.send().await {
                        Ok(mut response) => {
                            response.body().await.is_ok() && response.status().is_success()
                        }
                        Err(_) => false,
                    };
                    let mut tally = tally.lock().unwrap_or_else(|e| e.into_inner());
                    tally.latencies.push(asked.elapsed());
                    if !ok {
                        tally.failures += 1;
                    }
                }
                actix_web::rt::time::sleep_until((round + Duration::from_secs(poll)).into()).await;
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let elapsed = started.elapsed();
    let mut tally = tally.lock().unwrap_or_else(|e| e.into_inner());
    tally.latencies.sort();
    let served = tally.latencies.len();
    let percentile = |p: f64| {
        let index = ((served as f64 * p).ceil() as usize).clamp(1, served.max(1)) - 1;
        tally.latencies.get(index).copied().unwrap_or_default()
    };
    let upstream = sim.accepted() + sim.throttled() + sim.nonce_rejections();
    println!(
        "dashboards={dashboards} gateways={gateways} seconds={:.0} poll={poll}s",
        elapsed.as_secs_f64()
    );
    println!("caller_requests={served}");
    println!("caller_failures={}", tally.failures);
    println!("upstream_calls={upstream}");
    println!(
        "served_per_upstream_call={:.1}",
        served as f64 / upstream.max(1) as f64
    );
    println!("p50_ms={:.2}", percentile(0.50).as_secs_f64() * 1000.0);
    println!("p95_ms={:.2}", percentile(0.95).as_secs_f64() * 1000.0);
    println!("p99_ms={:.2}", percentile(0.99).as_secs_f64() * 1000.0);
    println!("upstream_429s={}", sim.throttled());
    println!("nonce_rejections={}", sim.nonce_rejections());
    let _ = std::fs::remove_dir_all(&state);
    Ok(())
}
