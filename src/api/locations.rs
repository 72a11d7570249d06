//! `GET /locations`: the account's locations.

use actix_web::{get, HttpRequest, HttpResponse};

use super::forward::forward;
use super::params::{ParamKind, RouteSpec};
use crate::error::GatewayError;

/// Parameters of `/locations`.
pub const LOCATIONS: RouteSpec = RouteSpec {
    endpoint: "/locations",
    params: &[("location_id", ParamKind::Int32)],
};

/// Retrieve locations list.
#[get("/locations")]
pub async fn locations(request: HttpRequest) -> Result<HttpResponse, GatewayError> {
    forward(&LOCATIONS, &request).await
}
