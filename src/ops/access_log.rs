//! One access-log line and the request metrics for every answer, whoever produced it (route, gate, or 404).

use std::cell::RefCell;
use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::HeaderMap;
use actix_web::Error;
use metrics::{Counter, Histogram};
use pin_project_lite::pin_project;

use crate::callers::gate::{is_under, WEBHOOK_PREFIX};
use crate::callers::redact;
use crate::callers::{Caller, CallerName};

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
    "/v1/series",
    "/v1/export",
    "/v1/events/stream",
    "/v1/occupancy",
    "/v1/occupancy/stream",
    "/v1/mirror",
    "/live",
    "/admin/cache",
    "/webhooks/camlytics/{token}",
    "/v1/webhooks/rejected",
    "/healthz",
    "/readyz",
    "/metrics",
    "/openapi.json",
];

/// Labels beyond [`ROUTES`]: the Swagger UI's files, and everything else.
const SWAGGER_UI: &str = "/swagger-ui/{tail}";
const UNMATCHED: &str = "unmatched";

/// The position of a request path's label: in [`ROUTES`], or just past it for the Swagger UI and then
/// for unmatched paths.
fn route_index(path: &str) -> usize {
    if let Some(index) = ROUTES.iter().position(|route| *route == path) {
        return index;
    }
    if is_under(path, &[WEBHOOK_PREFIX]) {
        if let Some(index) = ROUTES
            .iter()
            .position(|r| *r == "/webhooks/camlytics/{token}")
        {
            return index;
        }
    }
    if path == "/swagger-ui" || path.starts_with("/swagger-ui/") {
        return ROUTES.len();
    }
    ROUTES.len() + 1
}

/// The metric label of a route index.
fn label(index: usize) -> &'static str {
    ROUTES
        .get(index)
        .copied()
        .unwrap_or(if index == ROUTES.len() {
            SWAGGER_UI
        } else {
            UNMATCHED
        })
}

/// The metric label of a request path: its route, the Swagger UI, or `unmatched`.
pub fn route_label(path: &str) -> &'static str {
    label(route_index(path))
}

/// Per route index, the request counter and timing histogram of each status seen.
type RouteHandles = Vec<Vec<(u16, Counter, Histogram)>>;

thread_local! {
    /// Metric handles per route and status, registered once per worker thread: the registry's own lookup
    /// (hashing the labels) would otherwise run on every request. Bounded: a dozen routes times the statuses.
    static HANDLES: RefCell<RouteHandles> = RefCell::new(vec![Vec::new(); ROUTES.len() + 2]);
}

/// Counts one answer and records its time.
fn record(route: usize, status: u16, seconds: f64) {
    HANDLES.with(|handles| {
        let mut handles = handles.borrow_mut();
        let by_status = &mut handles[route];
        let at = match by_status.iter().position(|(seen, _, _)| *seen == status) {
            Some(at) => at,
            None => {
                let label = label(route);
                by_status.push((
                    status,
                    metrics::counter!("gateway_requests_total", "route" => label, "status" => status.to_string()),
                    metrics::histogram!("gateway_request_duration_seconds", "route" => label),
                ));
                by_status.len() - 1
            }
        };
        let (_, count, time) = &by_status[at];
        count.increment(1);
        time.record(seconds);
    });
}

/// Middleware factory: times each request, counts it by route pattern and status, and logs caller, route,
/// status, cache status and time. Never logs headers, so tokens cannot leak. Written by hand (not `from_fn`,
/// which boxes per request): it wraps every answer.
pub struct Observe;

impl<S, B> Transform<S, ServiceRequest> for Observe
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = ObserveService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ObserveService { service }))
    }
}

/// [`Observe`] around one worker's services.
pub struct ObserveService<S> {
    service: S,
}

impl<S, B> Service<ServiceRequest> for ObserveService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = Observed<S::Future>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        Observed {
            started: Instant::now(),
            inner: self.service.call(request),
        }
    }
}

pin_project! {
    /// A request being answered, and when it arrived.
    pub struct Observed<F> {
        started: Instant,
        #[pin]
        inner: F,
    }
}

impl<F, B> Future for Observed<F>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = std::task::ready!(this.inner.poll(cx))?;
        let request = response.request();
        observe_answer(
            request.head(),
            || Caller::of(request).name,
            response.status().as_u16(),
            response.headers(),
            this.started.elapsed(),
        );
        Poll::Ready(Ok(response))
    }
}

/// Counts and logs one answer: [`Observe`] calls it for every answer of the `App`, and the front door for
/// the answers it makes itself.
pub fn observe_answer(
    head: &actix_web::dev::RequestHead,
    caller: impl FnOnce() -> CallerName,
    status: u16,
    answer_headers: &HeaderMap,
    took: Duration,
) {
    let path = head.uri.path();
    let route = route_index(path);
    record(route, status, took.as_secs_f64());
    let line = AccessLine {
        method: head.method.as_str(),
        path,
        query: head.uri.query().unwrap_or_default(),
        route: label(route),
        status,
        answer_headers,
        took,
    };
    line.write(caller);
}

/// What one access line says.
struct AccessLine<'a> {
    method: &'a str,
    /// As received: tokens in it are redacted only when the line is written.
    path: &'a str,
    /// As received, the same.
    query: &'a str,
    route: &'a str,
    status: u16,
    /// The answer's fields, for its `Cache-Status` (read only when the line is written).
    answer_headers: &'a HeaderMap,
    took: Duration,
}

impl AccessLine<'_> {
    /// Writes the line when access lines are enabled at its level; `caller` and the redacted path and
    /// query are worked out only then.
    fn write(&self, caller: impl FnOnce() -> CallerName) {
        let Self {
            method,
            path,
            query,
            route,
            status,
            answer_headers,
            took,
        } = self;
        // Probes and scrapes that succeed would otherwise flood the log every few seconds.
        let level = if *status < 400 && matches!(*route, "/healthz" | "/readyz" | "/metrics") {
            log::Level::Debug
        } else {
            log::Level::Info
        };
        if !log::log_enabled!(target: TARGET, level) {
            return;
        }
        let caller = caller();
        let (path, query) = (redact::shown_path(path), redact::shown_query(query));
        let cache = answer_headers
            .get(crate::cache::respond::CACHE_STATUS)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        let ms = took.as_secs_f64() * 1000.0;
        if JSON.load(Ordering::Relaxed) {
            let line = serde_json::json!({
                "caller": caller.to_string(),
                "method": method,
                "path": path,
                "query": query,
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
                "{caller} \"{method} {path}{}{query}\" {status} route={route} cache=\"{cache}\" {ms:.2}ms",
                if query.is_empty() { "" } else { "?" },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_route_has_its_own_label_and_unknown_paths_share_one() {
        for spec in crate::camlytics::endpoints::ROUTES {
            let path = format!("{}{}", crate::camlytics::BASE_PATH, spec.endpoint);
            assert_eq!(route_label(&path), path);
        }
        assert_eq!(route_label("/swagger-ui/index.html"), "/swagger-ui/{tail}");
        assert_eq!(route_label("/service/api/v1/cameras"), "unmatched");
        assert_eq!(route_label("/random/123"), "unmatched");
        assert_eq!(
            route_label("/webhooks/camlytics/tok"),
            "/webhooks/camlytics/{token}"
        );
    }
}
