//! The path every API route shares: validate the query, then get the answer from the cloud.

use actix_web::http::header::ContentType;
use actix_web::{web, HttpRequest, HttpResponse};

use super::params::{validate, RouteSpec};
use crate::error::GatewayError;
use crate::upstream::{UpstreamClient, UpstreamRequest};

/// Who is calling, for fair queueing: the client address until callers authenticate.
pub fn caller_of(request: &HttpRequest) -> String {
    request
        .peer_addr()
        .map(|addr| addr.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Validates the caller's query for `spec` and answers with the cloud's envelope, unchanged.
pub async fn forward(
    spec: &RouteSpec,
    request: &HttpRequest,
    upstream: &web::Data<UpstreamClient>,
) -> Result<HttpResponse, GatewayError> {
    let params = validate(spec, request.query_string())?;
    let answer = upstream
        .fetch(&UpstreamRequest {
            endpoint: spec.endpoint,
            params,
            caller: caller_of(request),
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(ContentType::json())
        .body(answer.body))
}
