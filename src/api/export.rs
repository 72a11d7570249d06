//! `GET /v1/export`: every matching event the mirror holds, streamed as NDJSON or CSV.

use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{get, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;

use super::mirror_access::{note_fault, note_recovered, required_mirror, store_fault};
use crate::cache::respond::CACHE_STATUS;
use crate::cache::status::Served;
use crate::docs::mirror_routes::{ExportAnswer, ExportQuery, MirrorErrors};
use crate::error::GatewayError;
use crate::mirror::answer::refusals::{nothing_covered, outside_coverage};
use crate::mirror::answer::window::coverage_location;
use crate::mirror::export::pages::{chunks, first_page};
use crate::mirror::export::params::{parse, Format};
use crate::mirror::store::EventQuery;

/// Every matching event, streamed.
///
/// Every event the gateway's local copy holds that matches the filters (with their precedence), oldest
/// first (or newest first with `order=desc`), read from the store a page of 1000 at a time and sent as it is
/// read: memory stays at one page whatever the export's size, and nothing goes upstream. NDJSON (the
/// default) has one event a line, each the cloud's own JSON; CSV (`format=csv`, or `Accept: text/csv`)
/// has a header row and the Event model's columns. A missing `since` or `until` is where the mirror's
/// complete range starts or ends; a window it does not hold completely is refused with 409.
#[utoipa::path(
    operation_id = "eventExport",
    tag = "Mirror",
    params(ExportQuery),
    responses(ExportAnswer, MirrorErrors)
)]
#[get("/v1/export")]
pub async fn export(request: HttpRequest) -> Result<HttpResponse, GatewayError> {
    let ask = parse(request.query_string())?;
    let accept = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let format = Format::choose(ask.format, accept);
    let mirror = required_mirror(&request)?;
    let coverage = mirror.coverage();
    let location = coverage_location(&ask.filter.scope);
    let (since, until) = ask.window(coverage.span).ok_or_else(nothing_covered)?;
    if !coverage.covers(location, since, until) {
        return Err(outside_coverage(&coverage, location, since, until));
    }
    let mut filter = ask.filter.clone();
    (filter.since_micros, filter.until_micros) = (Some(since), Some(until));
    let query = first_page(EventQuery {
        filter,
        order: ask.order,
        starting_after: None,
        limit: 0,
    });
    let store = mirror.store().clone();
    // The first page is read before answering, so that a store fault is still a 503.
    let page = store.events(&query).await.map_err(|e| store_fault(&e))?;
    note_recovered();
    let body = chunks(store, query, format, page).map(|chunk| {
        chunk.map(Bytes::from).inspect_err(|e| {
            note_fault(e);
            log::warn!("mirror: an export was cut off: {e}");
        })
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, format.content_type()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            disposition(format, since, until),
        ))
        .insert_header((CACHE_STATUS, Served::Mirror.header(0)))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .streaming(body))
}

/// `attachment; filename="events_20251204T000000Z_20260101T000000Z.ndjson"`.
fn disposition(format: Format, since: i64, until: i64) -> String {
    let stamp = |micros: i64| {
        DateTime::<Utc>::from_timestamp_micros(micros)
            .map(|t| t.format("%Y%m%dT%H%M%SZ").to_string())
            .unwrap_or_default()
    };
    format!(
        "attachment; filename=\"events_{}_{}.{}\"",
        stamp(since),
        stamp(until),
        format.extension()
    )
}
