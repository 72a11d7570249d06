//! Turning a cached body into the caller's answer: `Cache-Status`, `Age`, `Cache-Control`, `ETag` and 304,
//! and the compressed form the caller accepts.

use std::time::Instant;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};

use super::body::{CachedBody, Encoding};
use super::entry::Entry;
use super::status::Served;

const EMPTY: HeaderValue = HeaderValue::from_static("");

/// Whether the caller asked to skip fresh copies (`Cache-Control: no-cache` or `max-age=0`, or `Pragma: no-cache`).
pub fn wants_revalidation(request: &HttpRequest) -> bool {
    let says = |name: header::HeaderName, what: &[&str]| {
        request.headers().get_all(name).any(|value| {
            value.to_str().is_ok_and(|v| {
                v.split(',')
                    .map(|d| d.trim().to_ascii_lowercase())
                    .any(|d| what.contains(&d.as_str()))
            })
        })
    };
    says(header::CACHE_CONTROL, &["no-cache", "max-age=0"]) || says(header::PRAGMA, &["no-cache"])
}

/// The answer for a body served from an entry (or, without one, a body that was not cached).
pub fn respond(
    request: &HttpRequest,
    body: &CachedBody,
    served: &Served,
    entry: Option<&Entry>,
) -> HttpResponse {
    let now = Instant::now();
    let accept = request
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let (coding, bytes) = body.encoded(Encoding::negotiate(accept));
    let not_modified = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| body.matches(tags));
    let mut answer = HttpResponseBuilder::new(if not_modified {
        StatusCode::NOT_MODIFIED
    } else {
        StatusCode::OK
    });
    let ttl = entry.map_or(0, |e| e.ttl_secs(now));
    answer
        .insert_header(("Cache-Status", served.header(ttl)))
        .insert_header((
            header::ETAG,
            HeaderValue::from_str(body.etag(coding)).unwrap_or(EMPTY),
        ))
        .insert_header((header::VARY, HeaderValue::from_static("Accept-Encoding")));
    match entry {
        Some(entry) => {
            let mut max_age = itoa::Buffer::new();
            let max_age = max_age.format(entry.fresh_left(now).as_secs());
            answer
                .insert_header((header::AGE, entry.age(now).as_secs()))
                .insert_header((header::CACHE_CONTROL, ["max-age=", max_age].concat()));
        }
        None => {
            answer.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-cache")));
        }
    }
    if not_modified {
        return answer.finish();
    }
    if let Some(token) = coding.token() {
        answer.insert_header((header::CONTENT_ENCODING, token));
    }
    answer
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        ))
        .body(bytes)
}
