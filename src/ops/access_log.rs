//! One access-log line and the request metrics for every answer, whoever produced it (route, gate, or 404).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::Error;

use crate::callers::Caller;

/// The log target of access lines (`RUST_LOG=camlytics_gateway::access=info`).
pub const TARGET: &str = "camlytics_gateway::access";

static JSON: AtomicBool = AtomicBool::new(false);

/// Chooses JSON access lines (`GATEWAY_LOG_FORMAT=json`) instead of text.
pub fn use_json(json: bool) {
    JSON.store(json, Ordering::Relaxed);
}

/// Middleware: times the request, counts it by route pattern and status, and logs caller, route, status,
/// cache status and time. Never logs headers, so tokens cannot leak.
pub async fn observe(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let response = next.call(request).await?;
    let took = started.elapsed();
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    let status = response.status().as_u16();
    metrics::counter!("gateway_requests_total", "route" => route.clone(), "status" => status.to_string())
        .increment(1);
    metrics::histogram!("gateway_request_duration_seconds", "route" => route.clone())
        .record(took.as_secs_f64());
    if log::log_enabled!(target: TARGET, log::Level::Info) {
        let request = response.request();
        let caller = Caller::of(request).name;
        let cache = response
            .headers()
            .get("cache-status")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        let ms = took.as_secs_f64() * 1000.0;
        if JSON.load(Ordering::Relaxed) {
            let line = serde_json::json!({
                "caller": caller,
                "method": request.method().as_str(),
                "path": request.path(),
                "query": request.query_string(),
                "route": route,
                "status": status,
                "cache": cache,
                "ms": (ms * 1000.0).round() / 1000.0,
            });
            log::info!(target: TARGET, "{line}");
        } else {
            log::info!(
                target: TARGET,
                "{caller} \"{} {}{}{}\" {status} route={route} cache=\"{cache}\" {ms:.2}ms",
                request.method(),
                request.path(),
                if request.query_string().is_empty() { "" } else { "?" },
                request.query_string(),
            );
        }
    }
    Ok(response)
}
