//! One access-log line and the request metrics for every answer, whoever produced it (route, gate, or 404).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::Error;
use metrics::{Counter, Histogram};

use crate::callers::Caller;

/// The log target of access lines (`RUST_LOG=camlytics_gateway::access=info`).
pub const TARGET: &str = "camlytics_gateway::access";

static JSON: AtomicBool = AtomicBool::new(false);

/// Chooses JSON access lines (`GATEWAY_LOG_FORMAT=json`) instead of text.
pub fn use_json(json: bool) {
    JSON.store(json, Ordering::Relaxed);
}

/// Every path the gateway serves: all are fixed paths, so a label can be a `&'static str` (no allocation
/// on the hot path) and unknown paths share one label (bounded cardinality).
pub const ROUTES: &[&str] = &[
    "/service/api/v1/locations",
    "/service/api/v1/channels",
    "/service/api/v1/triggers",
    "/service/api/v1/events",
    "/service/api/v1/totals/triggers",
    "/service/api/v1/totals/types",
    "/admin/cache",
    "/healthz",
    "/readyz",
    "/metrics",
    "/openapi.json",
];

/// The metric label of a request path: its route, the Swagger UI, or `unmatched`.
pub fn route_label(path: &str) -> &'static str {
    if let Some(route) = ROUTES.iter().find(|route| **route == path) {
        return route;
    }
    if path == "/swagger-ui" || path.starts_with("/swagger-ui/") {
        return "/swagger-ui/{tail}";
    }
    "unmatched"
}

/// A route's request counter and timing histogram for one status.
type RouteHandles = HashMap<(&'static str, u16), (Counter, Histogram)>;

thread_local! {
    /// Metric handles per (route, status), looked up once per worker thread: the registry's own lookup
    /// (hashing the labels) would otherwise run on every request. Bounded: a dozen routes times the statuses.
    static HANDLES: RefCell<RouteHandles> = RefCell::new(HashMap::new());
}

/// Counts one answer and records its time.
fn record(route: &'static str, status: u16, seconds: f64) {
    HANDLES.with(|handles| {
        let mut handles = handles.borrow_mut();
        let (count, time) = handles.entry((route, status)).or_insert_with(|| {
            (
                metrics::counter!("gateway_requests_total", "route" => route, "status" => status.to_string()),
                metrics::histogram!("gateway_request_duration_seconds", "route" => route),
            )
        });
        count.increment(1);
        time.record(seconds);
    });
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
    let route = route_label(response.request().path());
    let status = response.status().as_u16();
    record(route, status, took.as_secs_f64());
    // Probes and scrapes that succeed would otherwise flood the log every few seconds.
    let level = if status < 400 && matches!(route, "/healthz" | "/readyz" | "/metrics") {
        log::Level::Debug
    } else {
        log::Level::Info
    };
    if log::log_enabled!(target: TARGET, level) {
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
            log::log!(target: TARGET, level, "{line}");
        } else {
            log::log!(
                target: TARGET,
                level,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_route_has_its_own_label_and_unknown_paths_share_one() {
        for spec in crate::api::ROUTES {
            let path = format!("{}{}", crate::api::BASE_PATH, spec.endpoint);
            assert_eq!(route_label(&path), path);
        }
        assert_eq!(route_label("/swagger-ui/index.html"), "/swagger-ui/{tail}");
        assert_eq!(route_label("/service/api/v1/cameras"), "unmatched");
        assert_eq!(route_label("/random/123"), "unmatched");
    }
}
