//! `GET /v1/occupancy` and `GET /v1/occupancy/stream`: each location's occupancy and zone counts since its
//! last reset, now and as they change.

use std::sync::Arc;
use std::time::Duration;

use actix_web::{get, web, HttpRequest, HttpResponse};

use super::occupancy_stream::occupancy_events;
use crate::cache::ResponseCache;
use crate::callers::gate::ACCESS_TOKEN;
use crate::camlytics::endpoints::{ParamKind, RouteSpec};
use crate::camlytics::query::validate;
use crate::error::{ErrorBody, GatewayError};
use crate::live::occupancy::feeding::TriggerSource;
use crate::live::occupancy::names::CachedTriggers;
use crate::live::occupancy::service::OccupancyService;
use crate::live::occupancy::state::OccupancyAnswer;
use crate::upstream::UpstreamClient;

/// How long an answer waits for the rebuild from the stores at start before a 503.
const REBUILD_WAIT: Duration = Duration::from_secs(5);

/// The query of the occupancy routes.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Only documents the query, which `location_of` reads.
pub struct OccupancyQuery {
    /// Only this location (a whole number, as the cloud's int32 ids); absent: every location known.
    #[param(example = 101, minimum = 0, maximum = 2147483647)]
    location_id: Option<i32>,
}

/// The occupancy routes' one parameter, checked as the API's own are (unknown or repeated names refused,
/// the id an int32).
const OCCUPANCY: RouteSpec = RouteSpec {
    endpoint: "/v1/occupancy",
    params: &[("location_id", ParamKind::Int32)],
};

/// Reads `location_id` (optional); `extra` names the other parameters the route takes (read elsewhere).
fn location_of(query: &str, extra: &[&str]) -> Result<Option<i64>, GatewayError> {
    let own = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(
            form_urlencoded::parse(query.as_bytes()).filter(|(name, _)| !extra.contains(&&**name)),
        )
        .finish();
    let params = validate(&OCCUPANCY, &own)?;
    Ok(params.into_iter().find_map(|(_, id)| id.parse().ok()))
}

/// The service, once its rebuild from the stores is done.
async fn service(request: &HttpRequest) -> Result<Arc<OccupancyService>, GatewayError> {
    let service = request
        .app_data::<web::Data<OccupancyService>>()
        .map(|data| data.clone().into_inner())
        .ok_or_else(|| GatewayError::Unavailable {
            msg: "occupancy is not running on this gateway".into(),
            retry_after: Duration::from_secs(5),
        })?;
    if !service.has_names() {
        learn_names(request, &service).await;
    }
    if !service.wait_rebuilt(REBUILD_WAIT).await {
        return Err(GatewayError::Unavailable {
            msg: "occupancy is still being rebuilt from today's stored events".into(),
            retry_after: Duration::from_secs(1),
        });
    }
    Ok(service)
}

/// Reads the trigger list through the cache once, when no background task does (the rules match names).
async fn learn_names(request: &HttpRequest, service: &OccupancyService) {
    let (Some(cache), Some(upstream)) = (
        request.app_data::<web::Data<ResponseCache>>(),
        request.app_data::<web::Data<UpstreamClient>>(),
    ) else {
        return;
    };
    let source = CachedTriggers {
        cache: cache.clone().into_inner(),
        upstream: upstream.clone(),
    };
    if let Some(triggers) = source.triggers().await {
        service.set_triggers(&triggers);
    }
}

/// Each location's occupancy and zone counts now.
///
/// Occupancy is entries minus exits since the last reset (local midnight in the location's zone), never
/// below zero; entries and exits are `TripwireCrossed` on the triggers `GATEWAY_OCCUPANCY_RULES` names. A
/// zone's count is `RegionJoin` minus `RegionLeave` on it. Events come from the webhook intake and the
/// mirror's sync, each counted once. Without `location_id`, every location known (from events or the
/// trigger list).
#[utoipa::path(
    operation_id = "occupancyList",
    tag = "Live",
    params(OccupancyQuery),
    responses(
        (status = 200, description = "The locations' states.", body = OccupancyAnswer),
        (status = 400, description = "A parameter is unknown or `location_id` is not a whole number; msg names it.", body = ErrorBody),
        (status = 401, description = "A token is required (when the gateway has caller tokens).", body = ErrorBody),
        (status = 503, description = "Occupancy is still being rebuilt at start; retry after Retry-After.", body = ErrorBody),
    )
)]
#[get("/v1/occupancy")]
pub async fn occupancy(request: HttpRequest) -> Result<HttpResponse, GatewayError> {
    let location = location_of(request.query_string(), &[])?;
    let service = service(&request).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(OccupancyAnswer {
            locations: service.states(location),
        }))
}

/// Each location's state as it changes, as Server-Sent Events.
///
/// First the current state of each location asked for, then one `data:` JSON (a location's new state, as
/// in `/v1/occupancy`) per change; a comment every 15 s keeps proxies from closing the stream. Browsers'
/// EventSource cannot send headers: the token may come as the `access_token` query parameter (never logged).
#[utoipa::path(
    operation_id = "occupancyStream",
    tag = "Live",
    params(OccupancyQuery),
    responses(
        (status = 200, description = "An event stream of location states.", content_type = "text/event-stream", body = String),
        (status = 400, description = "A parameter is unknown or `location_id` is not a whole number; msg names it.", body = ErrorBody),
        (status = 401, description = "A token is required (when the gateway has caller tokens).", body = ErrorBody),
        (status = 503, description = "Occupancy is still being rebuilt at start; retry after Retry-After.", body = ErrorBody),
    )
)]
#[get("/v1/occupancy/stream")]
pub async fn occupancy_stream(request: HttpRequest) -> Result<HttpResponse, GatewayError> {
    let location = location_of(request.query_string(), &[ACCESS_TOKEN])?;
    let service = service(&request).await?;
    Ok(occupancy_events(service, location))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_location_id_is_refused_naming_it() {
        for bad in [
            "location_id=abc",
            "location_id=-3",
            "location_id=1&location_id=2",
        ] {
            let error = location_of(bad, &[]).unwrap_err().to_string();
            assert!(error.starts_with("location_id:"), "{bad}: {error}");
        }
        assert!(location_of("colour=red", &[])
            .unwrap_err()
            .to_string()
            .starts_with("colour:"));
        assert_eq!(location_of("location_id=101", &[]).unwrap(), Some(101));
        assert_eq!(
            location_of("access_token=x", &["access_token"]).unwrap(),
            None
        );
    }
}
