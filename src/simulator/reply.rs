//! The cloud's one answer shape, `{"code", "msg", "result"}`, for data and for every error.

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use serde::Serialize;

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    code: i32,
    msg: &'a str,
    result: Option<T>,
}

/// Serialises a successful answer body; `None` only if serde fails, which the caller turns into a 500.
pub(super) fn success_body<T: Serialize>(result: &T) -> Option<String> {
    serde_json::to_string(&Envelope {
        code: 0,
        msg: "success",
        result: Some(result),
    })
    .ok()
}

/// A refused request: HTTP status, the cloud's error `code`, a message, and maybe `Retry-After`.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Rejection {
    pub(super) status: StatusCode,
    pub(super) code: i32,
    pub(super) msg: String,
    pub(super) retry_after: Option<u64>,
}

impl Rejection {
    fn new(status: StatusCode, code: i32, msg: impl Into<String>) -> Self {
        Self {
            status,
            code,
            msg: msg.into(),
            retry_after: None,
        }
    }

    /// Code 1: `X-Key` missing or wrong.
    pub(super) fn invalid_key() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, 1, "invalid API key")
    }

    /// Code 2: `X-Sign` missing or not the HMAC of the request target.
    pub(super) fn invalid_signature() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, 2, "invalid signature")
    }

    /// Code 3: the `nonce` parameter is missing, repeated or not an integer.
    pub(super) fn bad_nonce(msg: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 3, msg)
    }

    /// Code 4: the nonce is not greater than the last accepted one.
    pub(super) fn stale_nonce(last: i64) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            4,
            format!("nonce must be more than the previous one (last accepted: {last})"),
        )
    }

    /// Code 5 / 429: over the rate limit; retry after `secs` seconds.
    pub(super) fn too_many_requests(secs: u64) -> Self {
        Self {
            retry_after: Some(secs),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, 5, "too many requests")
        }
    }

    /// Code 6 / 503: the cloud is down for a while.
    pub(super) fn unavailable() -> Self {
        Self {
            retry_after: Some(1),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, 6, "service unavailable")
        }
    }

    /// Code 7 / 500: the cloud failed.
    pub(super) fn server_error() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            7,
            "internal server error",
        )
    }

    /// Code 8: a parameter is unknown, repeated or has a bad value; `msg` names it.
    pub(super) fn bad_parameter(msg: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 8, msg)
    }

    /// Code 9 / 404: no such endpoint.
    pub(super) fn not_found(path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            9,
            format!("unknown endpoint: {path}"),
        )
    }

    /// Code 9 / 405: the endpoints only answer GET.
    pub(super) fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            9,
            "method not allowed, use GET",
        )
    }

    /// The HTTP answer, in the same envelope as data with `"result": null`.
    pub(super) fn to_response(&self) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status);
        if let Some(secs) = self.retry_after {
            builder.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        builder.json(Envelope::<()> {
            code: self.code,
            msg: &self.msg,
            result: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_bodies_carry_code_zero_and_the_result() {
        let body = success_body(&vec![1, 2]).unwrap();
        assert_eq!(body, r#"{"code":0,"msg":"success","result":[1,2]}"#);
    }

    #[test]
    fn throttling_answers_carry_retry_after() {
        let response = Rejection::too_many_requests(3).to_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "3");
    }
}
