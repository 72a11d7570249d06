//! The six GET endpoints and the order of checks every request goes through.

use std::time::Instant;

use actix_web::http::{header, Method};
use actix_web::{web, HttpRequest, HttpResponse};

use super::auth;
use super::data::DataSet;
use super::filter;
use super::handle::{Admission, Outcome, Shared};
use super::model::EventType;
use super::query::{self, Filters};
use super::reply::{success_body as body, Rejection};
use super::totals;

/// Where the API lives, as in the reference's BasePath.
pub(super) const BASE_PATH: &str = "/service/api/v1";

/// One of the cloud's endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Endpoint {
    Locations,
    Channels,
    Triggers,
    Events,
    TotalsTriggers,
    TotalsTypes,
}

/// Every filter the reference lists, ordered so that most endpoints take a prefix of it.
const PARAMETERS: [&str; 10] = [
    "location_id",
    "channel_id",
    "trigger_id",
    "event_type",
    "origin",
    "since",
    "until",
    "starting_after",
    "limit",
    "order",
];
/// `/totals/types` is the exception: no `trigger_id`, and no paging.
const TOTALS_TYPES_PARAMETERS: [&str; 6] = [
    "location_id",
    "channel_id",
    "event_type",
    "origin",
    "since",
    "until",
];

impl Endpoint {
    fn from_path(path: &str) -> Option<Self> {
        match path.strip_prefix(BASE_PATH)? {
            "/locations" => Some(Endpoint::Locations),
            "/channels" => Some(Endpoint::Channels),
            "/triggers" => Some(Endpoint::Triggers),
            "/events" => Some(Endpoint::Events),
            "/totals/triggers" => Some(Endpoint::TotalsTriggers),
            "/totals/types" => Some(Endpoint::TotalsTypes),
            _ => None,
        }
    }

    /// The reference's query parameters for this endpoint, besides `nonce`.
    fn parameters(self) -> &'static [&'static str] {
        match self {
            Endpoint::Locations => &PARAMETERS[..1],
            Endpoint::Channels => &PARAMETERS[..2],
            Endpoint::Triggers => &PARAMETERS[..3],
            Endpoint::TotalsTriggers => &PARAMETERS[..7],
            Endpoint::Events => &PARAMETERS,
            Endpoint::TotalsTypes => &TOTALS_TYPES_PARAMETERS,
        }
    }

    fn answer(self, shared: &Shared, filters: &Filters) -> Option<String> {
        let data = &shared.data;
        if let Some(moving) = &shared.moving {
            let now = shared.now_ms();
            match self {
                Endpoint::Events => return body(&moving.page(filters, now)),
                Endpoint::TotalsTriggers => {
                    return body(&totals::by_trigger(
                        data,
                        tallies(data, moving.tally(filters, now)),
                    ))
                }
                Endpoint::TotalsTypes => {
                    return body(&totals::by_type(
                        data,
                        tallies(data, moving.tally(filters, now)),
                    ))
                }
                _ => {}
            }
        }
        match self {
            Endpoint::Locations => body(&filter::locations(data, filters)),
            Endpoint::Channels => body(&filter::channels(data, filters)),
            Endpoint::Triggers => body(&filter::triggers(data, filters)),
            Endpoint::Events => body(&filter::events(data, filters)),
            Endpoint::TotalsTriggers => body(&totals::totals_by_trigger(data, filters)),
            Endpoint::TotalsTypes => body(&totals::totals_by_type(data, filters)),
        }
    }
}

/// The moving mode's counts per (trigger index, type) as the totals read them.
fn tallies(
    data: &DataSet,
    counts: Vec<(usize, EventType, u64)>,
) -> impl Iterator<Item = totals::Tally<'_>> {
    counts.into_iter().map(|(trigger, event_type, count)| {
        let trigger = &data.triggers[trigger];
        (
            trigger.id.as_str(),
            trigger.channel_id.as_str(),
            event_type,
            count,
        )
    })
}

/// Serves everything under the base path: counts the request, runs the checks in the reference's
/// order, then adds the configured latency (and jitter) to whatever the answer is.
pub(super) async fn serve(req: HttpRequest, shared: web::Data<Shared>) -> HttpResponse {
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_owned(), |pq| pq.as_str().to_owned());
    let _serving = shared.begin();
    shared.record_request(&target, req.path());
    let (outcome, response) = match answer(&req, &shared, &target).await {
        Ok(Some(json)) => (
            Outcome::Data,
            HttpResponse::Ok()
                .content_type("application/json")
                .body(json),
        ),
        Ok(None) => (
            Outcome::Garbage,
            HttpResponse::Ok()
                .insert_header((header::CONTENT_TYPE, "text/html"))
                .body("<html>oops</html>"),
        ),
        Err(rejection) => (
            Outcome::Refused {
                status: rejection.status,
                code: rejection.code,
            },
            rejection.to_response(),
        ),
    };
    shared.record_outcome(outcome);
    let latency = shared.latency();
    if !latency.is_zero() {
        actix_web::rt::time::sleep(latency).await;
    }
    response
}

/// The JSON body, `None` for the garbage answer, or why the request is refused.
async fn answer(
    req: &HttpRequest,
    shared: &Shared,
    target: &str,
) -> Result<Option<String>, Rejection> {
    let endpoint =
        Endpoint::from_path(req.path()).ok_or_else(|| Rejection::not_found(req.path()))?;
    if req.method() != Method::GET {
        return Err(Rejection::method_not_allowed());
    }
    auth::check_key(header_text(req, "X-Key"), &shared.settings.key)?;
    auth::check_signature(header_text(req, "X-Sign"), &shared.settings.secret, target)?;
    let pairs = query::decode(req.uri().query().unwrap_or(""));
    let nonce = query::nonce(&pairs)?;
    let delay = match shared.admit(nonce, Instant::now())? {
        Admission::Garbage => return Ok(None),
        Admission::Serve(delay) => delay,
    };
    if !delay.is_zero() {
        actix_web::rt::time::sleep(delay).await;
    }
    let filters = query::filters(&pairs, endpoint.parameters())?;
    endpoint
        .answer(shared, &filters)
        .map(Some)
        .ok_or_else(Rejection::server_error)
}

fn header_text<'r>(req: &'r HttpRequest, name: &str) -> Option<&'r str> {
    req.headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_six_reference_paths_are_endpoints() {
        assert_eq!(
            Endpoint::from_path("/service/api/v1/totals/types"),
            Some(Endpoint::TotalsTypes)
        );
        assert_eq!(
            Endpoint::from_path("/service/api/v1/locations"),
            Some(Endpoint::Locations)
        );
        assert_eq!(Endpoint::from_path("/service/api/v1/locations/"), None);
        assert_eq!(Endpoint::from_path("/service/api/v2/locations"), None);
    }

    #[test]
    fn totals_by_type_does_not_take_a_trigger_id() {
        assert!(!Endpoint::TotalsTypes.parameters().contains(&"trigger_id"));
        assert!(Endpoint::TotalsTriggers
            .parameters()
            .contains(&"trigger_id"));
        assert!(!Endpoint::TotalsTriggers.parameters().contains(&"limit"));
        assert_eq!(
            Endpoint::Channels.parameters(),
            ["location_id", "channel_id"]
        );
        assert!(Endpoint::Events.parameters().contains(&"starting_after"));
    }
}
