//! The gate's decisions for every request: request size limits, then who is calling (token or address),
//! then that caller's rate limit, then admin-only paths. [`super::middleware`] applies them.

use std::net::SocketAddr;

use actix_web::http::header;

use super::address::{client_address, Incoming};
use super::limiter::{CallerLimiter, Decision};
use super::settings::{CallerQuota, CallersSettings, RequestLimits};
use super::tokens::Tokens;
use super::{Caller, CallerName};
use crate::error::GatewayError;

/// Paths anyone may reach without a token or a quota: probes, metrics and the API documentation.
pub const OPEN_PATHS: &[&str] = &[
    "/healthz",
    "/readyz",
    "/metrics",
    "/openapi.json",
    "/swagger-ui",
];

/// Paths only admin callers may use.
pub const ADMIN_PREFIX: &str = "/admin";

/// The `WWW-Authenticate` challenge when no token was sent.
pub const CHALLENGE: &str = "Bearer realm=\"camlytics-gateway\"";
const CHALLENGE_INVALID: &str = "Bearer realm=\"camlytics-gateway\", error=\"invalid_token\"";

/// Everything the gate needs, built once and shared by every worker.
pub struct Gate {
    tokens: Option<Tokens>,
    limiter: CallerLimiter,
    trust_forwarded: bool,
    limits: RequestLimits,
}

impl Gate {
    /// Builds the one limiter and says at start which mode the gateway runs in, warning when it is open
    /// on an address other hosts can reach.
    pub fn new(settings: &CallersSettings, listen: SocketAddr) -> Self {
        let own_paces = settings
            .tokens
            .iter()
            .flat_map(Tokens::entries)
            .filter(|entry| entry.rps.is_some() || entry.burst.is_some())
            .map(|entry| {
                let quota = CallerQuota {
                    rps: entry.rps.unwrap_or(settings.quota.rps),
                    burst: entry.burst.unwrap_or(settings.quota.burst),
                };
                (entry.name.clone(), quota)
            });
        let limiter = CallerLimiter::new(settings.quota, own_paces);
        match &settings.tokens {
            Some(tokens) => {
                let names: Vec<&str> = tokens.entries().iter().map(|e| &*e.name).collect();
                log::info!("callers: token mode, {} callers: {}", names.len(), names.join(", "));
            }
            None if !listen.ip().is_loopback() => log::warn!(
                "callers: OPEN mode on {listen}: anyone who can reach this address may use the API key's budget; \
                 set GATEWAY_TOKENS or GATEWAY_TOKENS_FILE unless this is a private sidecar network"
            ),
            None => log::info!("callers: open mode on loopback; callers are told apart by address"),
        }
        Self {
            tokens: settings.tokens.clone(),
            limiter,
            trust_forwarded: settings.trust_forwarded,
            limits: settings.limits.clone(),
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

    /// The shared limiter (for housekeeping and tests).
    pub fn limiter(&self) -> &CallerLimiter {
        &self.limiter
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
            .map(|(_, token)| token.trim());
        let refusal = match presented {
            Some(token) => match tokens.find(token) {
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
        log::warn!(
            "refused {} {} from {}: {refusal}",
            request.head().method,
            request.path(),
            client_address(request, self.trust_forwarded)
                .map_or_else(|| "unknown".into(), |ip| ip.to_string())
        );
        Err(refusal)
    }

    fn check_size(&self, request: &impl Incoming) -> Result<(), GatewayError> {
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
    /// Let through as this caller, with what is left of its quota.
    Admitted(Caller, Decision),
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
        let decision = self.limiter.check(&caller.name);
        if let Some(retry_after) = decision.retry_after {
            log::info!("rate limited caller {} on {}", caller.name, request.path());
            // Addresses churn; only token names make a bounded set of label values.
            let label = if self.token_mode() {
                caller.name.to_string()
            } else {
                "open".to_string()
            };
            record_rejection(&label, "rate_limited");
            let quota = decision.pace.quota;
            let error = GatewayError::over_quota(&caller.name, quota.rps, quota.burst, retry_after);
            return Admission::Refused(error, Some(decision));
        }
        if is_under(request.path(), &[ADMIN_PREFIX]) && !caller.admin {
            return Admission::Refused(super::admin::forbidden(&caller), Some(decision));
        }
        Admission::Admitted(caller, decision)
    }
}

fn record_rejection(caller: &str, reason: &'static str) {
    metrics::counter!("gateway_caller_rejections_total", "caller" => caller.to_string(), "reason" => reason)
        .increment(1);
}

/// `path` is one of `prefixes` or below one of them (`/metrics` and `/metrics/x`, not `/metricsx`).
fn is_under(path: &str, prefixes: &[&str]) -> bool {
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
    }
}
