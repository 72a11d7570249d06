//! The error answers every route can give, each with the one error body (`crate::error::ErrorBody`).

use std::collections::BTreeMap;

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

/// Every error status a route can answer, why, and an example message.
pub const ERROR_STATUSES: &[(u16, &str, &str)] = &[
    (
        400,
        "A parameter is unknown, repeated or out of range; msg names it and what is allowed. Nothing was sent upstream.",
        "limit: must be a whole number from 1 to 1000, got '5000'",
    ),
    (
        401,
        "A bearer token is required on this gateway and was missing or not accepted.",
        "missing or unknown bearer token",
    ),
    (
        429,
        "This caller sent more requests than its rate allows; retry after Retry-After seconds.",
        "too many requests; retry after 1s",
    ),
    (
        502,
        "The cloud could not be reached, answered badly, refused the gateway's credentials, or kept rejecting nonces.",
        "the cloud refused the request: code 3, invalid signature",
    ),
    (
        503,
        "No turn upstream within the gateway's max wait, or the cloud throttles or is down (with Retry-After); without Retry-After the key cannot sign any more calls.",
        "the upstream lane is busy; retry after 2s",
    ),
    (
        504,
        "The cloud did not answer within the gateway's upstream timeout.",
        "the cloud did not answer within 10s",
    ),
];

/// The error responses, as documented on every API operation.
pub struct ErrorResponses;

impl utoipa::IntoResponses for ErrorResponses {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        ERROR_STATUSES
            .iter()
            .map(|&(status, when, example)| {
                let body = ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .example(Some(serde_json::json!({
                        "code": status,
                        "msg": example,
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
            })
            .collect()
    }
}
