//! `GET /v1/series`: event counts per time bucket, aligned in a time zone, from the mirror alone.

use std::time::Instant;

use actix_web::{get, HttpRequest, HttpResponse};

use super::mirror_access::{note_recovered, required_mirror, store_fault};
use crate::cache::asked::Asked;
use crate::cache::body::CachedBody;
use crate::cache::respond::{prepare, respond};
use crate::cache::status::Served;
use crate::docs::mirror_routes::{MirrorErrors, SeriesAnswer, SeriesQuery};
use crate::error::GatewayError;
use crate::mirror::answer::refusals::{nothing_covered, outside_coverage};
use crate::mirror::answer::window::coverage_location;
use crate::mirror::series::assemble::render;
use crate::mirror::series::buckets::edges;
use crate::mirror::series::params::{parse_within, WINDOW_NEEDED};
use crate::mirror::store::CountQuery;

/// Event counts per time bucket.
///
/// Counts the events matching the totals filters (with their precedence: `trigger_id` over `channel_id`
/// over `location_id`) in every bucket of the window `since`..`until`, read from the gateway's local copy of
/// every event: no upstream call. A missing `since` or `until` is where the mirror's complete range starts or
/// ends. Buckets are aligned in `tz`: 5m, 15m and 1h on the zone's clock, 1d from
/// local midnight, 1w from Monday's local midnight, so a daylight-saving day has 23 or 25 hourly buckets.
/// The first bucket starts at the boundary at or before `since`, the last holds `until`; the first and the
/// last count only the window's part. Empty buckets are there with count 0. Without `group_by` there is one
/// series; with it, one per group that has events in the window, each with every bucket. A window the
/// mirror does not hold completely is refused with 409 naming what it holds.
#[utoipa::path(
    operation_id = "seriesList",
    tag = "Mirror",
    params(SeriesQuery),
    responses(SeriesAnswer, MirrorErrors,)
)]
#[get("/v1/series")]
pub async fn series(request: HttpRequest) -> Result<HttpResponse, GatewayError> {
    let mirror = required_mirror(&request);
    let held = mirror.as_ref().ok().and_then(|m| m.coverage().span);
    let ask = parse_within(request.query_string(), held).map_err(|bad| {
        // An open window with nothing held yet is a window the mirror does not hold: 409, as export.
        match (&mirror, held) {
            (Ok(_), None) if bad.problem.starts_with(WINDOW_NEEDED) => nothing_covered(),
            _ => bad.into(),
        }
    })?;
    let edges = edges(ask.bucket, ask.tz, ask.since, ask.until)
        .map_err(|too_many| too_many.refusal(ask.bucket))?;
    let mirror = mirror?;
    let location = coverage_location(&ask.filter.scope);
    if !mirror.covers(location, ask.since, ask.until) {
        return Err(outside_coverage(
            &mirror.coverage(),
            location,
            ask.since,
            ask.until,
        ));
    }
    let query = CountQuery {
        filter: ask.filter.clone(),
        edges,
        group_by: ask.group_by.clone(),
    };
    let counts = mirror
        .store()
        .grouped_counts(&query)
        .await
        .map_err(|e| store_fault(&e))?;
    note_recovered();
    // A long grouped series is megabytes of JSON: written on the blocking pool, off the worker.
    let body = tokio::task::spawn_blocking(move || render(&ask, &query.edges, &counts))
        .await
        .map_err(|e| GatewayError::Unavailable {
            msg: format!("the series could not be written: {e}"),
            retry_after: std::time::Duration::from_secs(1),
        })??;
    let asked = Asked::read(request.headers());
    let body = CachedBody::new(body.into());
    prepare(&asked, &body).await;
    Ok(respond(
        &asked,
        &body,
        &Served::Mirror,
        None,
        Instant::now(),
    ))
}
