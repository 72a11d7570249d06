//! The drop-in API: the cloud's six GET endpoints under the same base path, one file per resource; the
//! mirror's answers to them; and the gateway's own routes under `/v1/`.

pub mod admin;
pub mod channels;
pub mod events;
pub mod export;
pub mod forward;
pub mod live_page;
pub mod locations;
pub mod mirror_access;
pub mod mirror_answers;
pub mod occupancy;
pub mod occupancy_stream;
pub mod series;
pub mod stream;
pub mod totals;
pub mod triggers;
pub mod webhooks;

use actix_web::web;

use crate::callers::gate::{is_under, WEBHOOK_PREFIX};
use crate::error::GatewayError;

use crate::camlytics::endpoints::route_spec;
pub use crate::camlytics::BASE_PATH;

/// Registers the six endpoints under [`BASE_PATH`] on a plain actix-web config.
pub fn configure(config: &mut web::ServiceConfig) {
    routes(&mut utoipa_actix_web::service_config::ServiceConfig::new(
        config,
    ));
}

/// Registers the six endpoints under [`BASE_PATH`] and the gateway's own routes, collecting their OpenAPI paths as it goes
/// (the one list both the server and [`openapi`] use).
pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config.service(
        utoipa_actix_web::scope(BASE_PATH)
            .service(locations::locations)
            .service(channels::channels)
            .service(triggers::triggers)
            .service(events::events)
            .service(totals::totals_triggers)
            .service(totals::totals_types),
    );
    config.service(series::series);
    config.service(export::export);
    config.service(occupancy::occupancy);
    config.service(occupancy::occupancy_stream);
    config.service(stream::event_stream);
    config.service(admin::purge_cache);
    config.service(crate::mirror::route::mirror_status);
    config.service(webhooks::intake);
    config.service(webhooks::rejected);
    config.configure(crate::ops::routes);
}

/// The OpenAPI document of the gateway: every route [`routes`] registers, described.
pub fn openapi() -> utoipa::openapi::OpenApi {
    crate::docs::document(routes)
}

/// Answers paths the gateway does not serve with the envelope and a 404, and a served path asked with
/// another method with a 405 (as nginx and Kong do, so clients and fuzzers can tell the two apart).
pub async fn not_found(
    request: actix_web::HttpRequest,
) -> Result<actix_web::HttpResponse, GatewayError> {
    let api_route = request
        .path()
        .strip_prefix(BASE_PATH)
        .and_then(route_spec)
        .is_some();
    let allow = match request.path() {
        _ if api_route => Some("GET"),
        "/admin/cache" => Some("DELETE"),
        "/healthz"
        | "/readyz"
        | "/metrics"
        | "/openapi.json"
        | "/v1/mirror"
        | "/v1/series"
        | "/v1/export"
        | "/v1/events/stream"
        | "/v1/occupancy"
        | "/v1/occupancy/stream"
        | "/v1/webhooks/rejected"
        | "/live" => Some("GET"),
        // Any token: a POST there is the intake's 404 (unknown token), another method is told POST.
        path if is_under(path, &[WEBHOOK_PREFIX]) && request.method() != "POST" => Some("POST"),
        _ => None,
    };
    if let Some(allow) = allow {
        return Err(GatewayError::MethodNotAllowed {
            msg: format!(
                "{} {} is not allowed; this path answers {allow} only",
                request.method(),
                crate::callers::redact::shown_path(request.path())
            ),
            allow,
        });
    }
    Err(GatewayError::NotFound(format!(
        "no route {} {}; the API is under {BASE_PATH}: /locations, /channels, /triggers, /events, /totals/triggers, /totals/types",
        request.method(),
        crate::callers::redact::shown_path(request.path())
    )))
}
