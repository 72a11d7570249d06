//! `GET /locations`: the account's locations.

use actix_web::{get, HttpRequest, HttpResponse};

use super::forward::forward;
use crate::camlytics::endpoints::LOCATIONS;
use crate::docs::params::LocationsQuery;
use crate::docs::responses::ErrorResponses;
use crate::docs::schemas::LocationList;
use crate::error::GatewayError;

/// Retrieve locations list.
#[utoipa::path(
    operation_id = "locationList",
    tag = "Dictionaries",
    params(LocationsQuery),
    responses(
        (status = 200, description = "The locations of the account.", body = LocationList),
        ErrorResponses,
    )
)]
#[get("/locations")]
pub async fn locations(request: HttpRequest) -> Result<HttpResponse, GatewayError> {
    forward(&LOCATIONS, &request).await
}
