//! `GET /events`: the event list, filtered and paged.

use actix_web::{get, HttpRequest, HttpResponse};

use super::forward::forward;
use super::params::{ParamKind, RouteSpec, EVENT_TYPES, ORDERS, ORIGINS};
use crate::docs::params::EventsQuery;
use crate::docs::responses::ErrorResponses;
use crate::docs::schemas::EventList;
use crate::error::GatewayError;

/// Parameters of `/events`.
pub const EVENTS: RouteSpec = RouteSpec {
    endpoint: "/events",
    params: &[
        ("location_id", ParamKind::Int32),
        ("channel_id", ParamKind::TextId),
        ("trigger_id", ParamKind::TextId),
        ("event_type", ParamKind::OneOf(EVENT_TYPES)),
        ("origin", ParamKind::OneOf(ORIGINS)),
        ("since", ParamKind::DateTime),
        ("until", ParamKind::DateTime),
        ("starting_after", ParamKind::Int32),
        ("limit", ParamKind::Limit),
        ("order", ParamKind::OneOf(ORDERS)),
    ],
};

/// Retrieve events list.
#[utoipa::path(
    operation_id = "eventList",
    tag = "Statistic",
    params(EventsQuery),
    responses(
        (status = 200, description = "The events matching the query.", body = EventList),
        ErrorResponses,
    )
)]
#[get("/events")]
pub async fn events(request: HttpRequest) -> Result<HttpResponse, GatewayError> {
    forward(&EVENTS, &request).await
}
