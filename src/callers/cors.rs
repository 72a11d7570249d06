//! CORS for browser dashboards: only the configured origins, preflight answered, `Authorization` allowed,
//! and the rate-limit fields readable by the page.

use actix_cors::Cors;
use actix_web::http::header;
use actix_web::middleware::Condition;

use super::headers::{RATELIMIT, RATELIMIT_POLICY};

/// How long a browser may cache a preflight answer, in seconds.
const PREFLIGHT_MAX_AGE_SECS: usize = 3600;

/// The CORS middleware for `origins` (`*` allows any); with none, it is off and browsers get no CORS answers.
/// Wrap it outside the caller gate, so preflights (which carry no token) are answered before authentication.
pub fn cors(origins: &[String]) -> Condition<Cors> {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "HEAD", "DELETE"])
        .allowed_headers([header::AUTHORIZATION, header::ACCEPT, header::CONTENT_TYPE])
        .expose_headers([
            RATELIMIT,
            RATELIMIT_POLICY,
            header::RETRY_AFTER,
            header::WWW_AUTHENTICATE,
        ])
        .max_age(PREFLIGHT_MAX_AGE_SECS);
    if origins.iter().any(|origin| origin == "*") {
        cors = cors.allow_any_origin();
    } else {
        for origin in origins {
            cors = cors.allowed_origin(origin);
        }
    }
    Condition::new(!origins.is_empty(), cors)
}
