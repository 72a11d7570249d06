//! `GET /totals/triggers` and `GET /totals/types`: event counts grouped by trigger, or by type and channel.

use actix_web::{get, HttpRequest, HttpResponse};

use super::forward::forward;
use super::params::{ParamKind, RouteSpec, EVENT_TYPES, ORIGINS};
use crate::error::GatewayError;

/// Parameters of `/totals/triggers`.
pub const TOTALS_TRIGGERS: RouteSpec = RouteSpec {
    endpoint: "/totals/triggers",
    params: &[
        ("location_id", ParamKind::Int32),
        ("channel_id", ParamKind::TextId),
        ("trigger_id", ParamKind::TextId),
        ("event_type", ParamKind::OneOf(EVENT_TYPES)),
        ("origin", ParamKind::OneOf(ORIGINS)),
        ("since", ParamKind::DateTime),
        ("until", ParamKind::DateTime),
    ],
};

/// Parameters of `/totals/types` (no `trigger_id` here).
pub const TOTALS_TYPES: RouteSpec = RouteSpec {
    endpoint: "/totals/types",
    params: &[
        ("location_id", ParamKind::Int32),
        ("channel_id", ParamKind::TextId),
        ("event_type", ParamKind::OneOf(EVENT_TYPES)),
        ("origin", ParamKind::OneOf(ORIGINS)),
        ("since", ParamKind::DateTime),
        ("until", ParamKind::DateTime),
    ],
};

/// Retrieve events count grouped by trigger id.
#[get("/totals/triggers")]
pub async fn totals_triggers(request: HttpRequest) -> Result<HttpResponse, GatewayError> {
    forward(&TOTALS_TRIGGERS, &request).await
}

/// Retrieve events count grouped by event type and channel id.
#[get("/totals/types")]
pub async fn totals_types(request: HttpRequest) -> Result<HttpResponse, GatewayError> {
    forward(&TOTALS_TYPES, &request).await
}
