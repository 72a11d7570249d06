//! `GET /events`: the event list, filtered and paged.

use actix_web::{get, HttpRequest, HttpResponse};

use super::forward::forward;
use crate::camlytics::endpoints::EVENTS;
use crate::docs::params::EventsQuery;
use crate::docs::responses::ErrorResponses;
use crate::docs::schemas::EventList;
use crate::error::GatewayError;

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
