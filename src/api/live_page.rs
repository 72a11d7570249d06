//! `GET /live`: one page to watch occupancy, queues and events as they happen, with every asset compiled
//! into the binary (no build step, no CDN). The page is open like the API's documentation; the data it
//! reads is behind the gate as everywhere (it asks for a token when the gateway wants one).

use actix_web::http::header;
use actix_web::{web, HttpResponse};

const PAGE: &str = include_str!("live_page/index.html");
const SCRIPT: &str = include_str!("live_page/live.js");
const STYLE: &str = include_str!("live_page/live.css");

/// Only the page's own files; nothing inline, nothing from elsewhere.
const POLICY: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CONTENT_SECURITY_POLICY, POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

/// Registers `/live` and its script and style (not in the OpenAPI document: it is a page).
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route(
            "/live",
            web::get().to(|| async { asset("text/html; charset=utf-8", PAGE) }),
        )
        .route(
            "/live/live.js",
            web::get().to(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }),
        )
        .route(
            "/live/live.css",
            web::get().to(|| async { asset("text/css; charset=utf-8", STYLE) }),
        );
}
