//! The path every API route shares: validate the query, then get the answer from the cloud.

use actix_web::http::header::ContentType;
use actix_web::{web, HttpRequest, HttpResponse};

use super::params::{validate, RouteSpec};
use crate::callers::Caller;
use crate::error::GatewayError;
use crate::upstream::{UpstreamClient, UpstreamRequest};

/// Validates the caller's query for `spec` and answers with the cloud's envelope, unchanged.
pub async fn forward(
    spec: &RouteSpec,
    request: &HttpRequest,
) -> Result<HttpResponse, GatewayError> {
    let params = validate(spec, request.query_string())?;
    let upstream = request
        .app_data::<web::Data<UpstreamClient>>()
        .ok_or_else(|| GatewayError::OutOfService("the gateway has no upstream client".into()))?;
    let answer = upstream
        .fetch(&UpstreamRequest {
            endpoint: spec.endpoint,
            params,
            caller: Caller::of(request).name,
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(ContentType::json())
        .body(answer.body))
}
