//! Turning a cached body into the caller's answer: `Cache-Status`, `Age`, `Cache-Control`, `ETag` and 304,
//! and the compressed form the caller accepts.

use std::time::Instant;

use actix_web::body::BoxBody;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::HttpResponse;

use super::asked::Asked;
use super::body::{CachedBody, Encoding, INLINE_COMPRESS_BYTES};
use super::entry::Entry;
use super::freshness_fields::FreshnessFields;
use super::status::Served;

/// `Cache-Status`, the RFC 9211 field.
pub const CACHE_STATUS: HeaderName = HeaderName::from_static("cache-status");
const ACCEPT_ENCODING_VARIES: HeaderValue = HeaderValue::from_static("Accept-Encoding");
const JSON: HeaderValue = HeaderValue::from_static("application/json");
const NO_CACHE: HeaderValue = HeaderValue::from_static("no-cache");

/// Makes, off the worker, the compressed form of `body` the caller accepts when it is large and not made yet;
/// at once otherwise. Await it before [`respond`] on the async path.
pub async fn prepare(asked: &Asked<'_>, body: &CachedBody) {
    body.prepare(Encoding::negotiate(asked.accept_encoding))
        .await;
}

/// Whether [`respond`] can answer `asked` from `body` with no heavy work: the front door steps aside when not.
pub fn is_ready(asked: &Asked<'_>, body: &CachedBody) -> bool {
    // The size first: most hits are small, and they need no negotiation here.
    body.bytes().len() <= INLINE_COMPRESS_BYTES
        || body.is_ready(Encoding::negotiate(asked.accept_encoding))
}

/// The answer, at `now`, for a body served from an entry (or, without one, a body that was not cached).
pub fn respond(
    asked: &Asked,
    body: &CachedBody,
    served: &Served,
    entry: Option<&Entry>,
    now: Instant,
) -> HttpResponse {
    let (coding, bytes) = body.encoded(Encoding::negotiate(asked.accept_encoding));
    let not_modified = asked.if_none_match.is_some_and(|tags| body.matches(tags));
    // Headers go straight into the map, with fixed names and values made once where they can be:
    // the builder's by-name insertion parses every name on every answer. The map is new and every name
    // below is distinct, so `append` is `insert` without handing back a (never present) previous value.
    let mut answer = if not_modified {
        HttpResponse::with_body(StatusCode::NOT_MODIFIED, BoxBody::new(()))
    } else {
        HttpResponse::with_body(StatusCode::OK, BoxBody::new(bytes))
    };
    let fields = answer.headers_mut();
    match entry {
        Some(entry) => {
            let freshness = match served {
                Served::Hit => entry.hit_fields(now),
                _ => FreshnessFields::new(served, entry, now),
            };
            fields.append(CACHE_STATUS, freshness.cache_status);
            fields.append(header::AGE, freshness.age);
            fields.append(header::CACHE_CONTROL, freshness.cache_control);
        }
        None => {
            fields.append(CACHE_STATUS, served.header(0));
            fields.append(header::CACHE_CONTROL, NO_CACHE);
        }
    }
    fields.append(header::ETAG, body.etag(coding).clone());
    fields.append(header::VARY, ACCEPT_ENCODING_VARIES);
    if not_modified {
        return answer;
    }
    if let Some(token) = coding.token() {
        fields.append(header::CONTENT_ENCODING, HeaderValue::from_static(token));
    }
    fields.append(header::CONTENT_TYPE, JSON);
    answer
}
