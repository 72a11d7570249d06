//! The command line: `serve` (the default), `demo`, `simulate`, `check`, `openapi`, `healthcheck` and `mirror`, each setting also read from the environment.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::ops::logging::LogFormat;
use crate::secret::Secret;
use crate::settings::{ServeArgs, UpstreamArgs};
use crate::settings_values::parse_duration;

/// A signing, pacing gateway in front of the Camlytics Cloud REST API.
///
/// Point your apps' Camlytics base URL at http://<gateway>/service/api/v1 and stop signing:
/// the gateway holds the key and secret, hands out nonces, and paces calls to the cloud.
#[derive(Parser, Debug)]
#[command(name = "camlytics-gateway", version, about, long_about = None)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// What to run; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Settings of `serve`, when no subcommand is given.
    #[command(flatten)]
    pub serve: ServeArgs,

    /// Log lines as text or as JSON objects (one a line); the level comes from RUST_LOG (default info).
    #[arg(
        long,
        env = "GATEWAY_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the gateway (the default).
    Serve(Box<ServeArgs>),
    /// Run the simulated cloud and a gateway wired to it in one process; no credentials needed.
    Demo(DemoArgs),
    /// Run the simulated Camlytics Cloud alone.
    Simulate(SimulateArgs),
    /// Make one signed call to the configured cloud and say whether key, secret and clock are accepted.
    Check(UpstreamArgs),
    /// Print the OpenAPI document that GET /openapi.json serves (pretty JSON), e.g. to regenerate openapi.json.
    Openapi,
    /// Ask a running gateway's /healthz; exit 0 when it answers 200 (the container's HEALTHCHECK).
    Healthcheck(HealthcheckArgs),
    /// The mirror: `mirror status` prints its state, `mirror sync --since 2026-01-01` backfills once.
    #[command(subcommand)]
    Mirror(crate::commands::mirror::MirrorCommand),
}

/// Settings of `healthcheck`.
#[derive(clap::Args, Debug)]
pub struct HealthcheckArgs {
    /// The gateway's listen address; an unspecified address (0.0.0.0, ::) is asked on loopback.
    #[arg(long, env = "GATEWAY_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// How long to wait for the answer.
    #[arg(long, default_value = "3s", value_parser = parse_duration)]
    pub timeout: Duration,
}

/// Settings of `demo`.
#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Address and port of the demo gateway.
    #[arg(long, env = "GATEWAY_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Calls per second from the gateway to the simulated cloud (the simulator allows 1, like the real one).
    #[arg(long, env = "GATEWAY_UPSTREAM_RPS", default_value = "1")]
    pub upstream_rps: f64,

    /// Requests per second the simulated cloud allows before answering 429 (0: unlimited), e.g. for fuzzing.
    #[arg(long, env = "GATEWAY_SIMULATOR_RPS", default_value = "1")]
    pub simulator_rps: f64,

    /// Requests a second each caller of the demo gateway may make (it runs in open mode: one caller per
    /// address). Unset, with --caller-burst unset too: no per-caller quota.
    #[arg(long, env = "GATEWAY_CALLER_RPS")]
    pub caller_rps: Option<f64>,

    /// Requests a caller of the demo gateway may make at once. Unset, with --caller-rps unset too: no quota.
    #[arg(long, env = "GATEWAY_CALLER_BURST")]
    pub caller_burst: Option<u32>,

    /// How far back the simulated cloud's events reach; they run up to now and keep coming (1h to a year).
    #[arg(long, env = "GATEWAY_SIMULATOR_HISTORY", default_value = "30d", value_parser = parse_duration)]
    pub simulator_history: Duration,
}

/// Settings of `simulate`.
#[derive(clap::Args, Debug)]
pub struct SimulateArgs {
    /// Address and port of the simulated cloud.
    #[arg(
        long,
        env = "GATEWAY_SIMULATOR_LISTEN",
        default_value = "127.0.0.1:9090"
    )]
    pub listen: SocketAddr,

    /// The API key the simulator accepts.
    #[arg(long, env = "GATEWAY_SIMULATOR_KEY", default_value = "demo-key")]
    pub key: String,

    /// The secret the simulator verifies signatures with.
    #[arg(
        long,
        env = "GATEWAY_SIMULATOR_SECRET",
        hide_env_values = true,
        hide_default_value = true,
        default_value = "demo-secret"
    )]
    pub secret: Secret,

    /// Requests per second the simulator allows per key before answering 429 (0: unlimited).
    #[arg(long, env = "GATEWAY_SIMULATOR_RPS", default_value = "1")]
    pub rps: f64,

    /// Latency added to every answer (seconds, or 250ms, 2s).
    #[arg(long, env = "GATEWAY_SIMULATOR_LATENCY", default_value = "0", value_parser = parse_duration)]
    pub latency: Duration,

    /// Seed of the simulated account's data; the same seed gives the same account and events.
    #[arg(long, env = "GATEWAY_SIMULATOR_SEED", default_value = "7")]
    pub seed: u64,

    /// `fixed`: 30,000 events over the 28 days before 2026-01-01. `wall`: events up to now, moving with
    /// the wall clock, with a daily rhythm and a few late arrivals.
    #[arg(
        long,
        env = "GATEWAY_SIMULATOR_CLOCK",
        value_enum,
        default_value = "fixed"
    )]
    pub clock: SimulatedClock,

    /// With `--clock wall`: how far back events reach (1h to a year).
    #[arg(long, env = "GATEWAY_SIMULATOR_HISTORY", default_value = "30d", value_parser = parse_duration)]
    pub history: Duration,

    /// With `--clock wall`: events a day over the whole account, on average (1 to 50,000).
    #[arg(
        long,
        env = "GATEWAY_SIMULATOR_EVENTS_PER_DAY",
        default_value = "30000"
    )]
    pub events_per_day: u32,
}

/// Which clock the simulated cloud's events follow.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimulatedClock {
    /// The fixed data set (what the tests and benchmarks use).
    Fixed,
    /// Events up to the wall clock's now.
    Wall,
}
