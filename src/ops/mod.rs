//! Operations: health and readiness probes, Prometheus metrics, the access log and logging set-up.

pub mod access_log;
pub mod health;
pub mod logging;
pub mod metrics;

use actix_web::web;

/// Registers `/healthz`, `/readyz` and `/metrics`.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(health::healthz)
        .service(health::readyz)
        .service(metrics::metrics_text);
}
