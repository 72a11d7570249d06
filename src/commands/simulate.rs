//! `simulate`: the simulated Camlytics Cloud alone.

use std::net::TcpListener;
use std::time::Duration;

use crate::cli::{SimulateArgs, SimulatedClock};
use crate::settings_values::{
    count_in_range, duration_in_range, rate_in_range, Zero, MAX_UPSTREAM_RPS,
};
use crate::simulator::{
    MovingSettings, SimClock, Simulator, SimulatorSettings, MAX_EVENTS_PER_DAY,
};

/// Checks `GATEWAY_SIMULATOR_RPS` (read by `demo` too): 0 is unlimited, else at most what a gateway may send.
pub fn simulator_rps_in_range(rps: f64) -> Result<f64, String> {
    rate_in_range(
        "GATEWAY_SIMULATOR_RPS",
        rps,
        Zero::Allowed,
        MAX_UPSTREAM_RPS,
    )
}

/// Checks `GATEWAY_SIMULATOR_HISTORY`: at least an hour, at most a year.
pub fn history_in_range(history: Duration) -> Result<Duration, String> {
    let history = duration_in_range("GATEWAY_SIMULATOR_HISTORY", history, Zero::Refused)?;
    if history < Duration::from_secs(3600) {
        return Err("GATEWAY_SIMULATOR_HISTORY must be at least 1h".into());
    }
    Ok(history)
}

/// Serves the simulated cloud until interrupted.
pub async fn run(args: SimulateArgs) -> Result<(), String> {
    // Checked whichever the clock, so a value no one meant is refused even where it would be unused.
    let events_per_day = count_in_range(
        "GATEWAY_SIMULATOR_EVENTS_PER_DAY",
        args.events_per_day,
        1,
        u64::from(MAX_EVENTS_PER_DAY),
    )?;
    let history = history_in_range(args.history)?;
    let settings = SimulatorSettings {
        key: args.key,
        secret: args.secret,
        requests_per_second: simulator_rps_in_range(args.rps)?,
        // Zero is no added latency.
        latency: duration_in_range("GATEWAY_SIMULATOR_LATENCY", args.latency, Zero::Allowed)?,
        seed: args.seed,
        clock: match args.clock {
            SimulatedClock::Fixed => SimClock::Fixed,
            SimulatedClock::Wall => SimClock::Moving(MovingSettings {
                events_per_day,
                ..MovingSettings::wall(history)
            }),
        },
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
