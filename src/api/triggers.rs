//! `GET /triggers`: lines and zones.

use actix_web::{get, HttpRequest, HttpResponse};

use super::forward::forward;
use super::params::{ParamKind, RouteSpec};
use crate::error::GatewayError;

/// Parameters of `/triggers`; precedence trigger_id, then channel_id, then location_id.
pub const TRIGGERS: RouteSpec = RouteSpec {
    endpoint: "/triggers",
    params: &[
        ("location_id", ParamKind::Int32),
        ("channel_id", ParamKind::TextId),
        ("trigger_id", ParamKind::TextId),
    ],
};

/// Retrieve triggers list (lines and zones).
#[get("/triggers")]
pub async fn triggers(request: HttpRequest) -> Result<HttpResponse, GatewayError> {
    forward(&TRIGGERS, &request).await
}
