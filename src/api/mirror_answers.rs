//! The cloud's routes answered from the mirror: an `/events`, `/totals/triggers` or `/totals/types` query
//! whose whole window the mirror holds is answered from the store, equal to what the cloud would send, with
//! `Cache-Status: camlytics-gateway; hit; detail=mirror` and no upstream call. Anything else (no window, a
//! window outside coverage, a caller's `no-cache`, a store fault) goes the usual way through cache and lane.

use std::sync::Arc;
use std::time::Instant;

use actix_web::{web, HttpRequest, HttpResponse};

use super::mirror_access::{mirror_of, note_fault, note_recovered};
use crate::cache::asked::Asked;
use crate::cache::body::CachedBody;
use crate::cache::respond::{prepare, respond};
use crate::cache::status::Served;
use crate::cache::whole_list::whole_list;
use crate::cache::ResponseCache;
use crate::callers::Caller;
use crate::camlytics::endpoints::RouteSpec;
use crate::camlytics::query::CanonicalParams;
use crate::mirror::answer::envelope::success_list;
use crate::mirror::answer::totals;
use crate::mirror::answer::window::{coverage_location, filter_of, page_of, window};
use crate::mirror::handle::Mirror;
use crate::mirror::store::{CountQuery, GroupCount, StoreError};
use crate::upstream::UpstreamClient;

/// Why a query was not answered from the mirror, for the metric.
enum Passed {
    /// The window is not wholly inside coverage (or not given whole).
    Uncovered,
    /// The store failed.
    Fault,
    /// A dimension list the totals need could not be had.
    NoList,
}

/// The mirror's answer to a validated query of `spec`, or `None` to go the usual way.
pub async fn answer(
    spec: &RouteSpec,
    params: &CanonicalParams,
    request: &HttpRequest,
    asked: &Asked<'_>,
) -> Option<HttpResponse> {
    // The dimension lists are the cache's; a caller's no-cache asks for the cloud's own answer.
    let answerable = matches!(
        spec.endpoint,
        "/events" | "/totals/triggers" | "/totals/types"
    );
    if !answerable || asked.revalidate {
        return None;
    }
    let mirror = mirror_of(request)?;
    let body = match body(spec, params, request, &mirror).await {
        Ok(body) => body,
        Err(passed) => {
            let reason = match passed {
                Passed::Uncovered => "uncovered",
                Passed::Fault => "store_fault",
                Passed::NoList => "no_list",
            };
            metrics::counter!("gateway_mirror_passes_total", "route" => spec.endpoint, "reason" => reason)
                .increment(1);
            return None;
        }
    };
    metrics::counter!("gateway_mirror_answers_total", "route" => spec.endpoint).increment(1);
    let body = CachedBody::new(body.into());
    prepare(asked, &body).await;
    Some(respond(asked, &body, &Served::Mirror, None, Instant::now()))
}

async fn body(
    spec: &RouteSpec,
    params: &CanonicalParams,
    request: &HttpRequest,
    mirror: &Mirror,
) -> Result<Vec<u8>, Passed> {
    let filter = filter_of(params);
    let (since, until) = window(&filter).ok_or(Passed::Uncovered)?;
    if !mirror.covers(coverage_location(&filter.scope), since, until) {
        return Err(Passed::Uncovered);
    }
    let store = mirror.store();
    let read = match spec.endpoint {
        "/events" => store
            .events(&page_of(params, filter))
            .await
            .map(|page| Some(success_list(page.iter().map(|e| &**e)))),
        "/totals/triggers" => {
            let query = totals::by_trigger_query(&filter, since, until);
            totals_body(
                mirror,
                request,
                &query,
                "/triggers",
                totals::by_trigger_body,
            )
            .await
        }
        "/totals/types" => {
            let query = totals::by_type_query(&filter, since, until);
            totals_body(mirror, request, &query, "/channels", totals::by_type_body).await
        }
        _ => return Err(Passed::Uncovered),
    };
    match read {
        Ok(body) => {
            note_recovered();
            body.ok_or(Passed::NoList)
        }
        Err(error) => {
            note_fault(&error);
            Err(Passed::Fault)
        }
    }
}

/// Writes a totals answer from the store's counts and a dimension list's answer.
type RenderTotals = fn(&[GroupCount], &[u8]) -> Result<Vec<u8>, String>;

/// A totals answer: the store's counts for `query`, joined by `render` with the dimension list at `list_endpoint`;
/// `None` when the list cannot be had.
async fn totals_body(
    mirror: &Mirror,
    request: &HttpRequest,
    query: &CountQuery,
    list_endpoint: &'static str,
    render: RenderTotals,
) -> Result<Option<Vec<u8>>, StoreError> {
    let counts = mirror.store().grouped_counts(query).await?;
    Ok(list(request, list_endpoint)
        .await
        .and_then(|list| render(&counts, &list).ok()))
}

/// A whole dimension list (`/triggers` or `/channels`), through the cache (see [`whole_list`]).
async fn list(request: &HttpRequest, endpoint: &'static str) -> Option<web::Bytes> {
    let cache = request.app_data::<web::Data<ResponseCache>>()?;
    let upstream = request.app_data::<web::Data<UpstreamClient>>()?;
    let cache: &Arc<ResponseCache> = cache;
    whole_list(
        cache,
        upstream,
        || Caller::of(request).name.to_string(),
        endpoint,
    )
    .await
    .map_err(|e| log::debug!("mirror: no {endpoint} list for totals: {e}"))
    .ok()
}
