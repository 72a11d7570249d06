//! Operations: health and readiness probes, Prometheus metrics, the access log, logging set-up and graceful shutdown.

pub mod access_log;
pub mod health;
pub mod logging;
pub mod metrics;
pub mod shutdown;
pub mod writable;

/// Registers `/healthz`, `/readyz` and `/metrics`, collecting their OpenAPI paths as it goes.
pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(health::healthz)
        .service(health::readyz)
        .service(metrics::metrics_text);
}
