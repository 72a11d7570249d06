//! The gate's decisions for every request: request size limits, then who is calling (token or address),
//! then that caller's rate limit, then admin-only paths. [`super::middleware`] applies them.

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use actix_web::http::header;

use super::address::{client_address, Incoming};
use super::limiter::{CallerLimiter, Decision};
use super::quota::CallerQuotas;
use super::redact::shown_path;
use super::refusals::{Reason, RefusalLog, SUMMARY_INTERVAL};
use super::settings::{CallerQuota, CallersSettings, RequestLimits, DEFAULT_TOKEN_QUOTA};
use super::tokens::Tokens;
use super::{Caller, CallerName};
use crate::error::GatewayError;

/// The largest request body let through unread: no route but the webhook intake (which has its own limit)
/// reads a body, and a larger one only costs the connection (nginx's `client_max_body_size` answers the
/// same 413).
pub const MAX_REQUEST_BODY_BYTES: u64 = 64 * 1024;

/// Paths anyone may reach without a token or a quota: probes, metrics and the API documentation.
pub const OPEN_PATHS: &[&str] = &[
    "/healthz",
    "/readyz",
    "/metrics",
    "/openapi.json",
    "/swagger-ui",
    // The live page and its files; the data it reads is behind the gate.
    "/live",
    // The webhook intake: the cloud has no caller token; the token in the path is checked by the route.
    WEBHOOK_PREFIX,
];

/// Paths where a token may also come as the `access_token` query parameter: Server-Sent Events streams,
/// which browsers open with `EventSource`, which cannot send an `Authorization` header.
pub const QUERY_TOKEN_PATHS: &[&str] = &["/v1/events/stream", "/v1/occupancy/stream"];

/// Paths only admin callers may use.
pub const ADMIN_PREFIX: &str = "/admin";

/// Admin-only paths outside [`ADMIN_PREFIX`]: the webhook quarantine holds what callers did not send.
pub const ADMIN_PATHS: &[&str] = &[ADMIN_PREFIX, "/v1/webhooks/rejected"];

/// The query parameter a browser's `EventSource` (which cannot set headers) sends its token in, on
/// [`QUERY_TOKEN_PATHS`].
pub const ACCESS_TOKEN: &str = "access_token";

/// The webhook intake, an open path whose body limit is `GATEWAY_WEBHOOK_MAX_BYTES`, not
/// [`MAX_REQUEST_BODY_BYTES`].
pub const WEBHOOK_PREFIX: &str = "/webhooks/camlytics";

/// The `WWW-Authenticate` challenge when no token was sent.
pub const CHALLENGE: &str = "Bearer realm=\"camlytics-gateway\"";
const CHALLENGE_INVALID: &str = "Bearer realm=\"camlytics-gateway\", error=\"invalid_token\"";

/// Everything the gate needs, built once and shared by every worker.
pub struct Gate {
    /// Token mode: the known tokens, replaced whole on a reload so no request sees a half-read set.
    tokens: Option<RwLock<Arc<Tokens>>>,
    /// `None`: no per-caller quota (open mode unless one is set).
    limiter: Option<Arc<dyn CallerQuotas>>,
    trust_forwarded: bool,
    limits: RequestLimits,
    refusals: RefusalLog,
}

impl Gate {
    /// Builds the one limiter and says at start which mode the gateway runs in, warning when it is open
    /// on an address other hosts can reach.
    pub fn new(settings: &CallersSettings, listen: SocketAddr) -> Self {
        Self::with_quotas(settings, listen, |local| Arc::new(local))
    }

    /// The same, counting quotas where `count` says: it receives this gateway's own limiter (the callers'
    /// paces) and answers what checks them, e.g. the group's quotas over it.
    pub fn with_quotas(
        settings: &CallersSettings,
        listen: SocketAddr,
        count: impl FnOnce(CallerLimiter) -> Arc<dyn CallerQuotas>,
    ) -> Self {
        let token_mode = settings.tokens.is_some();
        let quota = settings
            .quota
            .or_else(|| token_mode.then_some(DEFAULT_TOKEN_QUOTA));
        let limiter = quota.map(|quota| {
            let own = settings.tokens.as_ref().map(|t| own_paces(t, quota));
            count(CallerLimiter::new(quota, own.into_iter().flatten()))
        });
        let pace = quota.map_or_else(
            || "no per-caller quota".to_string(),
            |q| format!("each caller {} requests a second, burst {}", q.rps, q.burst),
        );
        match &settings.tokens {
            Some(tokens) => {
                let names: Vec<&str> = tokens.entries().iter().map(|e| &*e.name).collect();
                log::info!(
                    "callers: token mode, {} callers: {}; {pace} unless its token sets its own",
                    names.len(),
                    names.join(", ")
                );
            }
            None if !listen.ip().is_loopback() => log::warn!(
                "callers: OPEN mode on {listen}: anyone who can reach this address may use the API key's budget; \
                 set GATEWAY_TOKENS or GATEWAY_TOKENS_FILE unless this is a private sidecar network ({pace})"
            ),
            None => log::info!(
                "callers: open mode on loopback; callers are told apart by address; {pace}"
            ),
        }
        Self {
            tokens: settings
                .tokens
                .clone()
                .map(|tokens| RwLock::new(Arc::new(tokens))),
            limiter,
            trust_forwarded: settings.trust_forwarded,
            limits: settings.limits.clone(),
            refusals: RefusalLog::default(),
        }
    }

    /// Whether the caller must be recorded on the request for what comes after: with tokens or a trusted
    /// `X-Forwarded-For` it differs from what [`Caller::of`] finds without a record (the peer's address),
    /// else recording it would only cost an allocation per request.
    pub fn records_callers(&self) -> bool {
        self.tokens.is_some() || self.trust_forwarded
    }

    /// Whether callers must send a token.
    pub fn token_mode(&self) -> bool {
        self.tokens.is_some()
    }

    /// The shared limiter, when a quota applies (for housekeeping and tests).
    pub fn limiter(&self) -> Option<&dyn CallerQuotas> {
        self.limiter.as_deref()
    }

    /// Swaps in a new set of tokens in one step: requests see the old set or the new one, never a mix.
    /// Callers that remain keep what they used of their quota; changed own paces apply at once.
    /// Refused (the tokens stay as they are) when the gateway runs in open mode.
    pub fn replace_tokens(&self, tokens: Tokens) -> Result<(), String> {
        let Some(current) = &self.tokens else {
            return Err("the gateway started in open mode; restart it to require tokens".into());
        };
        if let Some(limiter) = &self.limiter {
            limiter.set_own(own_paces(&tokens, limiter.default_quota()));
        }
        *current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(tokens);
        Ok(())
    }

    /// Logs the summaries of refusals not logged one by one whose interval has ended; call it every few seconds.
    pub fn log_refusal_summaries(&self, now: Instant) {
        for (level, line) in self.refusals.due(now) {
            log::log!(level, "{line}");
        }
    }

    /// Who sent this request: the token's caller, or in open mode the client's address.
    fn identify(&self, request: &impl Incoming) -> Result<Caller, GatewayError> {
        let Some(tokens) = &self.tokens else {
            return Ok(Caller::from_address(client_address(
                request,
                self.trust_forwarded,
            )));
        };
        let presented = request
            .head()
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| std::borrow::Cow::Borrowed(token.trim()))
            .or_else(|| query_token(request));
        let refusal = match presented.as_deref() {
            Some(token) => match tokens.read().unwrap_or_else(|e| e.into_inner()).find(token) {
                Some(entry) => {
                    return Ok(Caller {
                        name: CallerName::Token(entry.name.clone()),
                        admin: entry.admin,
                    })
                }
                None => GatewayError::token_unknown(CHALLENGE_INVALID),
            },
            None => GatewayError::token_required(CHALLENGE),
        };
        // The token is never logged; the address says where to look.
        let from = CallerName::from(client_address(request, self.trust_forwarded));
        self.log_refusal(&from, Reason::Unauthorized, || {
            format!(
                "refused {} {} from {from}: {refusal}",
                request.head().method,
                shown_path(request.path())
            )
        });
        Err(refusal)
    }

    /// Logs a refusal in full when it is the first of its caller and reason in an interval; the rest are
    /// counted and summarised, so a flood of refusals cannot flood the log.
    fn log_refusal(&self, caller: &CallerName, reason: Reason, line: impl FnOnce() -> String) {
        if self.refusals.note(caller, reason, Instant::now()) {
            log::log!(
                reason.level(),
                "{}; more refusals like it are counted and summarised every {}s",
                line(),
                SUMMARY_INTERVAL.as_secs()
            );
        }
    }

    fn check_size(&self, request: &impl Incoming) -> Result<(), GatewayError> {
        let body = request
            .head()
            .headers()
            .get(actix_web::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        // The intake checks its token first and its own limit (GATEWAY_WEBHOOK_MAX_BYTES) as it reads, so
        // a wrong token is a 404 whatever the body's size: a 413 here would tell a guess the route exists.
        let unread = |bytes: &u64| {
            *bytes > MAX_REQUEST_BODY_BYTES && !is_under(request.path(), &[WEBHOOK_PREFIX])
        };
        if let Some(body) = body.filter(unread) {
            return Err(GatewayError::body_too_large(body, MAX_REQUEST_BODY_BYTES));
        }
        let query = request.query().len();
        if query > self.limits.max_query_bytes {
            return Err(GatewayError::query_too_long(
                query,
                self.limits.max_query_bytes,
            ));
        }
        let header_bytes: usize = request
            .head()
            .headers()
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len())
            .sum();
        if header_bytes > self.limits.max_header_bytes {
            return Err(GatewayError::headers_too_large(
                header_bytes,
                self.limits.max_header_bytes,
            ));
        }
        Ok(())
    }
}

/// What the gate decided about one request.
pub enum Admission {
    /// An open path (probes, metrics, docs): no caller, no quota.
    Open,
    /// Refused: the error to answer with, and the quota state when a quota was counted.
    Refused(GatewayError, Option<Decision>),
    /// Let through as this caller, with what is left of its quota when one applies.
    Admitted(Caller, Option<Decision>),
}

impl Gate {
    /// Checks one request: its size, who sends it, that caller's quota, and admin-only paths.
    pub fn admit(&self, request: &impl Incoming) -> Admission {
        if let Err(error) = self.check_size(request) {
            return Admission::Refused(error, None);
        }
        if is_under(request.path(), OPEN_PATHS) {
            return Admission::Open;
        }
        let caller = match self.identify(request) {
            Ok(caller) => caller,
            Err(error) => {
                record_rejection("anonymous", "unauthorized");
                return Admission::Refused(error, None);
            }
        };
        let decision = self.limiter.as_ref().map(|l| l.check(&caller.name));
        let over = decision
            .as_ref()
            .and_then(|d| Some((d.retry_after?, d.pace.quota)));
        if let Some((retry_after, quota)) = over {
            self.log_refusal(&caller.name, Reason::RateLimited, || {
                format!(
                    "rate limited caller {} on {}",
                    caller.name,
                    shown_path(request.path())
                )
            });
            // Addresses churn; only token names make a bounded set of label values.
            let label = if self.token_mode() {
                caller.name.to_string()
            } else {
                "open".to_string()
            };
            record_rejection(&label, "rate_limited");
            let error = GatewayError::over_quota(&caller.name, quota.rps, quota.burst, retry_after);
            return Admission::Refused(error, decision);
        }
        if is_under(request.path(), ADMIN_PATHS) && !caller.admin {
            self.log_refusal(&caller.name, Reason::Forbidden, || {
                format!(
                    "refused caller {} on {}: not an admin",
                    caller.name,
                    shown_path(request.path())
                )
            });
            return Admission::Refused(super::admin::forbidden(&caller), decision);
        }
        Admission::Admitted(caller, decision)
    }
}

/// Callers whose token sets its own rps or burst, the other taking `default`'s.
fn own_paces(tokens: &Tokens, default: CallerQuota) -> Vec<(Arc<str>, CallerQuota)> {
    tokens
        .entries()
        .iter()
        .filter(|entry| entry.rps.is_some() || entry.burst.is_some())
        .map(|entry| {
            let quota = CallerQuota {
                rps: entry.rps.unwrap_or(default.rps),
                burst: entry.burst.unwrap_or(default.burst),
            };
            (entry.name.clone(), quota)
        })
        .collect()
}

/// The `access_token` query parameter, on the paths that take one.
fn query_token(request: &impl Incoming) -> Option<std::borrow::Cow<'_, str>> {
    if !QUERY_TOKEN_PATHS.contains(&request.path()) {
        return None;
    }
    form_urlencoded::parse(request.query().as_bytes())
        .find(|(name, _)| name == ACCESS_TOKEN)
        .map(|(_, token)| token)
}

fn record_rejection(caller: &str, reason: &'static str) {
    metrics::counter!("gateway_caller_rejections_total", "caller" => caller.to_string(), "reason" => reason)
        .increment(1);
}

/// `path` is one of `prefixes` or below one of them (`/metrics` and `/metrics/x`, not `/metricsx`).
pub fn is_under(path: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_paths_match_whole_segments_only() {
        assert!(is_under("/metrics", OPEN_PATHS));
        assert!(is_under("/swagger-ui/index.html", OPEN_PATHS));
        assert!(!is_under("/metricsx", OPEN_PATHS));
        assert!(!is_under("/service/api/v1/locations", OPEN_PATHS));
        assert!(is_under("/admin/cache", &[ADMIN_PREFIX]));
        assert!(!is_under("/administrator", &[ADMIN_PREFIX]));
        assert!(is_under("/v1/webhooks/rejected", ADMIN_PATHS));
        assert!(is_under("/webhooks/camlytics/abc", &[WEBHOOK_PREFIX]));
        assert!(!is_under("/webhooks/camlyticsx/abc", &[WEBHOOK_PREFIX]));
    }
}
