//! `simulate`: the simulated Camlytics Cloud alone.

use std::net::TcpListener;

use crate::cli::SimulateArgs;
use crate::settings_values::{duration_in_range, rate_in_range, Zero, MAX_UPSTREAM_RPS};
use crate::simulator::{Simulator, SimulatorSettings};

/// Checks `GATEWAY_SIMULATOR_RPS` (read by `demo` too): 0 is unlimited, else at most what a gateway may send.
pub fn simulator_rps_in_range(rps: f64) -> Result<f64, String> {
    rate_in_range(
        "GATEWAY_SIMULATOR_RPS",
        rps,
        Zero::Allowed,
        MAX_UPSTREAM_RPS,
    )
}

/// Serves the simulated cloud until interrupted.
pub async fn run(args: SimulateArgs) -> Result<(), String> {
    let settings = SimulatorSettings {
        key: args.key,
        secret: args.secret,
        requests_per_second: simulator_rps_in_range(args.rps)?,
        // Zero is no added latency.
        latency: duration_in_range("GATEWAY_SIMULATOR_LATENCY", args.latency, Zero::Allowed)?,
        ..SimulatorSettings::default()
    };
    let listener = TcpListener::bind(args.listen)
        .map_err(|e| format!("SIMULATOR_LISTEN {} cannot be bound: {e}", args.listen))?;
    let simulator = Simulator::start(settings, listener).map_err(|e| e.to_string())?;
    println!("simulated Camlytics Cloud at {}", simulator.base_url());
    tokio::select! {
        served = simulator.run_until_stopped() => served.map_err(|e| e.to_string()),
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}
