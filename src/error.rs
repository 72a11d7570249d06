//! The one error type of the gateway, rendered in the cloud's own envelope so callers parse one shape.

use std::time::Duration;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// The body of every error answer: `{"code": <HTTP status>, "msg": "...", "result": null}`.
#[derive(Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Non-zero: the HTTP status of the answer.
    #[schema(example = 400)]
    pub code: u16,
    /// What went wrong and, for bad input, which parameter and what is allowed.
    #[schema(example = "limit: must be a whole number from 1 to 1000, got '5000'")]
    pub msg: String,
    /// Always null on errors.
    #[schema(value_type = Option<Vec<serde_json::Value>>)]
    pub result: Option<()>,
}

/// Everything that can go wrong while answering a caller, each with its precise status.
#[derive(Debug, Clone, thiserror::Error)]
pub enum GatewayError {
    /// The caller's request is malformed; nothing was sent upstream. 400.
    #[error("{0}")]
    BadRequest(String),
    /// The caller may not use this route. 403.
    #[error("{0}")]
    Forbidden(String),
    /// No such route. 404.
    #[error("{0}")]
    NotFound(String),
    /// A route the gateway serves, asked with a method it does not answer. 405 with `Allow`.
    #[error("{msg}")]
    MethodNotAllowed {
        /// What was asked.
        msg: String,
        /// The methods the path answers, for `Allow`.
        allow: &'static str,
    },
    /// No token, or a token the gateway does not know. 401 with `WWW-Authenticate: Bearer`.
    #[error("{msg}")]
    Unauthorized {
        /// What is missing or wrong, never the token itself.
        msg: String,
        /// The `WWW-Authenticate` challenge (RFC 6750).
        challenge: &'static str,
    },
    /// The caller used up its quota; try again after the given time. 429.
    #[error("{msg}")]
    TooManyRequests {
        /// Whose quota and what it is.
        msg: String,
        /// Sent as `Retry-After`, in whole seconds rounded up.
        retry_after: Duration,
    },
    /// The request conflicts with the gateway's state: a window the mirror does not hold completely. 409.
    #[error("{0}")]
    Conflict(String),
    /// The request carries a body larger than the gateway takes (no route reads one). 413.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The query string is longer than the gateway accepts. 414.
    #[error("{0}")]
    UriTooLong(String),
    /// The request headers are larger than the gateway accepts. 431.
    #[error("{0}")]
    HeadersTooLarge(String),
    /// The cloud answered badly, refused us, or could not be reached. 502.
    #[error("{0}")]
    BadGateway(String),
    /// We are shedding load or the cloud is unavailable; try again after the given time. 503.
    #[error("{msg}")]
    Unavailable {
        /// What is unavailable and why.
        msg: String,
        /// Sent as `Retry-After`, in whole seconds rounded up.
        retry_after: Duration,
    },
    /// The cloud throttles us or is down (429/503) for longer than the caller may wait. 503 with Retry-After.
    #[error("{msg}")]
    CloudBusy {
        /// What the cloud said.
        msg: String,
        /// The cloud's `Retry-After`, in whole seconds rounded up.
        retry_after: Duration,
    },
    /// The gateway cannot serve at all until an operator acts (e.g. nonce space exhausted). 503, no Retry-After.
    #[error("{0}")]
    OutOfService(String),
    /// The cloud took longer than the upstream timeout. 504.
    #[error("{0}")]
    GatewayTimeout(String),
}

// The named constructors below are the one source of each message: the code that answers with it and the
// OpenAPI document's examples (docs/responses.rs) both call them, so the two cannot drift apart.
impl GatewayError {
    /// A 400 naming the parameter and what it accepts.
    pub fn bad_param(name: &str, problem: impl std::fmt::Display) -> Self {
        Self::BadRequest(format!("{name}: {problem}"))
    }

    /// The 401 for a request without a token while the gateway requires one.
    pub fn token_required(challenge: &'static str) -> Self {
        Self::Unauthorized {
            msg: "a token is required: send Authorization: Bearer <token>".into(),
            challenge,
        }
    }

    /// The 401 for a token the gateway does not know (never naming the token).
    pub fn token_unknown(challenge: &'static str) -> Self {
        Self::Unauthorized {
            msg: "the bearer token is not one this gateway knows".into(),
            challenge,
        }
    }

    /// The 414 for a query of `query_bytes` past the `max` of `GATEWAY_MAX_QUERY_BYTES`.
    pub fn query_too_long(query_bytes: usize, max: usize) -> Self {
        Self::UriTooLong(format!(
            "the query is {query_bytes} bytes; at most {max} are accepted (GATEWAY_MAX_QUERY_BYTES)"
        ))
    }

    /// The 413 for a request body of `body_bytes` past `max`: every route is GET (or DELETE) and reads none.
    pub fn body_too_large(body_bytes: u64, max: u64) -> Self {
        Self::PayloadTooLarge(format!(
            "the request carries a body of {body_bytes} bytes; no route reads a body, and at most {max} bytes are accepted"
        ))
    }

    /// The 413 for a webhook body of `body_bytes` past `max` (`GATEWAY_WEBHOOK_MAX_BYTES`).
    pub fn webhook_too_large(body_bytes: u64, max: u64) -> Self {
        Self::PayloadTooLarge(format!(
            "the webhook body is {body_bytes} bytes; at most {max} are accepted (GATEWAY_WEBHOOK_MAX_BYTES)"
        ))
    }

    /// The 431 for headers of `header_bytes` past the `max` of `GATEWAY_MAX_HEADER_BYTES`.
    pub fn headers_too_large(header_bytes: usize, max: usize) -> Self {
        Self::HeadersTooLarge(format!(
            "the request headers are {header_bytes} bytes; at most {max} are accepted (GATEWAY_MAX_HEADER_BYTES)"
        ))
    }

    /// The 429 for a caller over its quota of `rps` a second with `burst`.
    pub fn over_quota(
        caller: &dyn std::fmt::Display,
        rps: f64,
        burst: u32,
        retry_after: Duration,
    ) -> Self {
        Self::TooManyRequests {
            msg: format!(
                "caller '{caller}' is over its quota of {rps} requests a second (burst {burst}); retry after the Retry-After seconds"
            ),
            retry_after,
        }
    }

    /// The 503 for a caller whose turn in the lane (at `rps`) would come after `max_wait`.
    pub fn lane_full(rps: f64, max_wait: Duration, retry_after: Duration) -> Self {
        Self::Unavailable {
            msg: format!(
                "the upstream lane is full: the cloud takes {rps} calls a second for this key and a turn would come after GATEWAY_MAX_WAIT ({}s)",
                max_wait.as_secs_f64()
            ),
            retry_after,
        }
    }

    /// The 504 for a call to the cloud that took longer than `timeout`.
    pub fn upstream_timed_out(timeout: Duration) -> Self {
        Self::GatewayTimeout(format!(
            "the cloud did not answer within GATEWAY_UPSTREAM_TIMEOUT ({}s)",
            timeout.as_secs_f64()
        ))
    }
}

impl From<crate::camlytics::query::BadParam> for GatewayError {
    fn from(refusal: crate::camlytics::query::BadParam) -> Self {
        Self::BadRequest(refusal.to_string())
    }
}

/// Whole seconds for `Retry-After`, rounded up and at least 1.
pub fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

impl ResponseError for GatewayError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            Self::HeadersTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::BadGateway(_) => StatusCode::BAD_GATEWAY,
            Self::Unavailable { .. } | Self::CloudBusy { .. } | Self::OutOfService(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::GatewayTimeout(_) => StatusCode::GATEWAY_TIMEOUT,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let mut response = HttpResponse::build(status);
        match self {
            Self::Unavailable { retry_after, .. }
            | Self::CloudBusy { retry_after, .. }
            | Self::TooManyRequests { retry_after, .. } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs(*retry_after)));
            }
            Self::Unauthorized { challenge, .. } => {
                response.insert_header((header::WWW_AUTHENTICATE, *challenge));
            }
            Self::MethodNotAllowed { allow, .. } => {
                response.insert_header((header::ALLOW, *allow));
            }
            _ => {}
        }
        response.json(ErrorBody {
            code: status.as_u16(),
            msg: self.to_string(),
            result: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1000)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1001)), 2);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }

    #[test]
    fn unavailable_answers_carry_retry_after_and_the_envelope() {
        let error = GatewayError::Unavailable {
            msg: "busy".into(),
            retry_after: Duration::from_millis(2500),
        };
        let response = error.error_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "3");
    }
}
