//! The path every API route shares: validate the query, then answer from the mirror (a window it holds
//! completely), the cache or the cloud.

use std::sync::Arc;
use std::time::Instant;

use actix_web::{web, HttpRequest, HttpResponse};

use crate::cache::asked::Asked;
use crate::cache::body::CachedBody;
use crate::cache::dimensions::effective_filter;
use crate::cache::policy::{plan, Class};
use crate::cache::respond::{prepare, respond};
use crate::cache::status::Served;
use crate::cache::ResponseCache;
use crate::callers::Caller;
use crate::camlytics::endpoints::RouteSpec;
use crate::camlytics::query::validate;
use crate::error::GatewayError;
use crate::upstream::{UpstreamClient, UpstreamRequest};

/// Validates the caller's query for `spec`, then serves it from the mirror when it holds the whole window,
/// else from the cache when its class is cached,
/// else straight from the cloud; either way in the cloud's envelope.
pub async fn forward(
    spec: &RouteSpec,
    request: &HttpRequest,
) -> Result<HttpResponse, GatewayError> {
    let params = validate(spec, request.query_string())?;
    let asked = Asked::read(request.headers());
    if let Some(answer) = super::mirror_answers::answer(spec, &params, request, &asked).await {
        return Ok(answer);
    }
    let upstream = request
        .app_data::<web::Data<UpstreamClient>>()
        .ok_or_else(|| GatewayError::OutOfService("the gateway has no upstream client".into()))?;
    let cache = request.app_data::<web::Data<ResponseCache>>();
    let cached = cache.and_then(|cache| {
        plan(spec.endpoint, &params, cache.settings(), chrono::Utc::now).map(|plan| (cache, plan))
    });
    let Some((cache, plan)) = cached else {
        let answer = upstream
            .fetch(&UpstreamRequest {
                endpoint: spec.endpoint,
                params,
                caller: Caller::of(request).name.to_string(),
                background: false,
            })
            .await?;
        let body = CachedBody::new(answer.body);
        prepare(&asked, &body).await;
        return Ok(respond(
            &asked,
            &body,
            &Served::Bypass,
            None,
            Instant::now(),
        ));
    };
    let lookup = cache
        .get(&plan, asked.revalidate, upstream, || {
            Caller::of(request).name.to_string()
        })
        .await?;
    let body: Arc<CachedBody> = match (plan.class, effective_filter(spec.endpoint, &params)) {
        (Class::Dimensions, Some((field, wanted))) => {
            lookup.entry.view(field, &wanted).ok_or_else(|| {
                GatewayError::BadGateway(format!(
                    "the cloud's {} answer is not a list in its envelope",
                    spec.endpoint
                ))
            })?
        }
        _ => lookup.entry.body.clone(),
    };
    if let Some(target) = request.uri().path_and_query() {
        cache.remember(target.as_str(), plan.class, &lookup, &body);
    }
    prepare(&asked, &body).await;
    Ok(respond(
        &asked,
        &body,
        &lookup.served,
        Some(&lookup.entry),
        Instant::now(),
    ))
}
