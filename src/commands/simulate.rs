//! `simulate`: the simulated Camlytics Cloud alone.

use std::net::TcpListener;

use crate::cli::SimulateArgs;
use crate::simulator::{Simulator, SimulatorSettings};

/// Serves the simulated cloud until interrupted.
pub async fn run(args: SimulateArgs) -> Result<(), String> {
    let settings = SimulatorSettings {
        key: args.key,
        secret: args.secret,
        requests_per_second: args.rps,
        latency: args.latency,
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
