//! The error answers every route can give, each with the one error body (`crate::error::ErrorBody`).
//!
//! Each example is made by the code that makes the real answer (the validator, the error constructors, the
//! cloud-answer classifier), never typed out here, so the document cannot promise a message the gateway never sends.

use std::collections::BTreeMap;
use std::time::Duration;

use actix_web::http::header::HeaderMap;
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

use crate::callers::gate::CHALLENGE;
use crate::camlytics::endpoints::ROUTES;
use crate::camlytics::query::validate;
use crate::error::GatewayError;
use crate::upstream::response::{classify, Classified};

/// Every error status an API route can answer, and why.
pub const ERROR_STATUSES: &[(u16, &str)] = &[
    (
        400,
        "A parameter is unknown, repeated or out of range; msg names it and what is allowed. Nothing was sent upstream.",
    ),
    (
        401,
        "A bearer token is required on this gateway and was missing or not accepted.",
    ),
    (
        413,
        "The request carries a body of more than 64 KiB; no route reads a body. Nothing was sent upstream.",
    ),
    (
        414,
        "The query string is longer than GATEWAY_MAX_QUERY_BYTES. Nothing was sent upstream.",
    ),
    (
        429,
        "This caller sent more requests than its rate allows; retry after Retry-After seconds.",
    ),
    (
        431,
        "The request headers are larger than GATEWAY_MAX_HEADER_BYTES. Nothing was sent upstream.",
    ),
    (
        502,
        "The cloud could not be reached, answered badly, refused the gateway's credentials, or kept rejecting nonces.",
    ),
    (
        503,
        "No turn upstream within the gateway's max wait, or the cloud throttles or is down (with Retry-After); without Retry-After the key cannot sign any more calls.",
    ),
    (
        504,
        "The cloud did not answer within the gateway's upstream timeout.",
    ),
];

/// The `msg` the gateway really sends for `status`, with the documented defaults filled in.
pub fn example_message(status: u16) -> String {
    let error = match status {
        400 => ROUTES
            .iter()
            .find(|spec| spec.endpoint == "/events")
            .and_then(|spec| validate(spec, "limit=5000").err())
            .map(GatewayError::from),
        401 => Some(GatewayError::token_required(CHALLENGE)),
        413 => Some(GatewayError::body_too_large(
            100_000,
            crate::callers::gate::MAX_REQUEST_BODY_BYTES,
        )),
        414 => Some(GatewayError::query_too_long(3000, 2048)),
        429 => Some(GatewayError::over_quota(
            &"reports",
            10.0,
            20,
            Duration::from_secs(1),
        )),
        431 => Some(GatewayError::headers_too_large(9000, 8192)),
        502 => match classify(
            StatusCode::UNAUTHORIZED,
            &HeaderMap::new(),
            Bytes::from_static(br#"{"code":2,"msg":"invalid signature","result":null}"#),
        ) {
            Classified::Failed(error) => Some(error),
            _ => None,
        },
        503 => Some(GatewayError::lane_full(
            1.0,
            Duration::from_secs(30),
            Duration::from_secs(31),
        )),
        504 => Some(GatewayError::upstream_timed_out(Duration::from_secs(10))),
        _ => None,
    };
    error.map(|e| e.to_string()).unwrap_or_default()
}

/// The error responses, as documented on every API operation.
pub struct ErrorResponses;

impl utoipa::IntoResponses for ErrorResponses {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        ERROR_STATUSES
            .iter()
            .map(|&(status, when)| error_response(status, when, &example_message(status)))
            .collect()
    }
}

/// One documented error answer: the error body with `msg` as its example, and `Retry-After` for 429 and 503.
pub fn error_response(status: u16, when: &str, msg: &str) -> (String, RefOr<Response>) {
    let body = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorBody")))
        .example(Some(serde_json::json!({
            "code": status,
            "msg": msg,
            "result": null,
        })))
        .build();
    let mut response = ResponseBuilder::new()
        .description(when)
        .content("application/json", body);
    if matches!(status, 429 | 503) {
        response = response.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some(1)),
                ))
                .description(Some("Seconds to wait before trying again."))
                .build(),
        );
    }
    (status.to_string(), RefOr::T(response.build()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_status_has_a_real_message() {
        for &(status, _) in ERROR_STATUSES {
            assert!(!example_message(status).is_empty(), "{status}");
        }
    }
}
