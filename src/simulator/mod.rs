//! The simulated Camlytics Cloud, used by `demo`, `simulate` and the tests.
//!
//! It is the judge in the gateway's tests, so it shares no encoding or signing code with the gateway:
//! it checks key, signature (over the raw target), nonce, its own rate limit, then parameters, strictly.

mod auth;
mod base64;
mod clock;
mod data;
mod filter;
mod handle;
mod limit;
mod model;
mod prng;
mod query;
mod reply;
mod routes;
#[cfg(test)]
mod tests;
mod totals;
pub mod webhooks;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};
use chrono::{DateTime, TimeZone, Utc};

use crate::secret::Secret;
pub use clock::{
    ClockStart, LateEvent, MovingSettings, SimClock, DEFAULT_EVENTS_PER_DAY, DEFAULT_LATE_SHARE,
    MAX_EVENTS_PER_DAY,
};
use handle::Shared;
pub use handle::SimulatorHandle;

/// Settings of one simulated cloud.
#[derive(Clone, Debug)]
pub struct SimulatorSettings {
    /// The expected `X-Key`.
    pub key: String,
    /// The secret `X-Sign` must be made with.
    pub secret: Secret,
    /// Its own limit; 0 or negative means unlimited.
    pub requests_per_second: f64,
    /// Added to every answer.
    pub latency: Duration,
    /// Up to this much more is added to each answer, drawn from the seed (variable latency).
    pub latency_jitter: Duration,
    /// End of the fixed data set's range (unused by the moving clock).
    pub data_anchor: DateTime<Utc>,
    /// Seed of the synthetic data (either mode) and of the `ErrorRate` fault.
    pub seed: u64,
    /// The fixed data set (the default) or events moving with a clock.
    pub clock: SimClock,
}

impl Default for SimulatorSettings {
    /// Key "demo-key", secret "demo-secret", 1 request per second, no latency or jitter, anchor 2026-01-01T00:00:00Z,
    /// seed 7, the fixed data set.
    fn default() -> Self {
        Self {
            key: "demo-key".to_owned(),
            secret: Secret::new("demo-secret"),
            requests_per_second: 1.0,
            latency: Duration::ZERO,
            latency_jitter: Duration::ZERO,
            data_anchor: Utc
                .timestamp_opt(1_767_225_600, 0)
                .single()
                .unwrap_or_default(),
            seed: 7,
            clock: SimClock::Fixed,
        }
    }
}

/// A failure to inject into every following request (after the key, signature, nonce and rate checks).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Fault {
    /// Answer normally.
    #[default]
    None,
    /// 503, code 6, `Retry-After: 1`.
    Down,
    /// 429, code 5, `Retry-After: retry_after_secs`.
    Throttle {
        /// The `Retry-After` value to send.
        retry_after_secs: u64,
    },
    /// 500, code 7.
    ServerError,
    /// 200 with the body "<html>oops</html>" as text/html.
    BadAnswer,
    /// Wait this long, then answer normally.
    Slow(Duration),
    /// Answer this fraction of requests (0.0 to 1.0) with 500, code 7, chosen by a seeded PRNG.
    ErrorRate(f64),
    /// Another client uses the same key and always gets in first with a higher nonce: every
    /// request's nonce is stale (401, code 4).
    SharedKey,
}

/// A running simulator: its port, a handle for tests, and the server future.
pub struct Simulator {
    port: u16,
    handle: SimulatorHandle,
    server: Server,
}

impl Simulator {
    /// Binds the listener (port 0 works), builds the data set, starts serving. Must be called inside an actix runtime.
    /// Moving settings out of range are an `InvalidInput` error naming the field. The moving mode makes its
    /// events on demand, so even a long history starts at once.
    pub fn start(settings: SimulatorSettings, listener: TcpListener) -> std::io::Result<Simulator> {
        let port = listener.local_addr()?.port();
        // Built once, outside the factory closure, so every worker shares one nonce and one rate window.
        let shared = Shared::new(settings)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let shared = Arc::new(shared);
        let handle = SimulatorHandle::new(Arc::clone(&shared));
        let data = web::Data::from(shared);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .service(web::scope(routes::BASE_PATH).default_service(web::to(routes::serve)))
        })
        .listen(listener)?
        .workers(1)
        .disable_signals()
        .run();
        Ok(Simulator {
            port,
            handle,
            server,
        })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Base URL to configure the gateway with: "http://127.0.0.1:{port}/service/api/v1".
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}{}", self.port, routes::BASE_PATH)
    }

    /// A handle to read counters and inject faults while it runs.
    pub fn handle(&self) -> SimulatorHandle {
        self.handle.clone()
    }

    /// Serves until the server is stopped or the runtime ends.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

#[cfg(test)]
mod settings_tests {
    use super::*;

    #[test]
    fn default_settings_are_the_documented_demo_values_and_never_print_the_secret() {
        let settings = SimulatorSettings::default();
        assert_eq!(settings.key, "demo-key");
        assert_eq!(settings.secret.expose(), "demo-secret");
        assert_eq!(settings.requests_per_second, 1.0);
        assert_eq!(settings.latency, Duration::ZERO);
        assert_eq!(settings.latency_jitter, Duration::ZERO);
        assert_eq!(
            settings.data_anchor.to_rfc3339(),
            "2026-01-01T00:00:00+00:00"
        );
        assert_eq!(settings.seed, 7);
        assert_eq!(settings.clock, SimClock::Fixed);
        assert!(!format!("{settings:?}").contains("demo-secret"));
    }
}
