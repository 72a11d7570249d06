//! `GET /totals/triggers` and `GET /totals/types`: event counts grouped by trigger, or by type and channel.

use actix_web::{get, HttpRequest, HttpResponse};

use super::forward::forward;
use super::params::{ParamKind, RouteSpec, EVENT_TYPES, ORIGINS};
use crate::docs::params::{TotalsTriggersQuery, TotalsTypesQuery};
use crate::docs::responses::ErrorResponses;
use crate::docs::schemas::{EventTotalByTriggerList, EventTotalByTypeList};
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
#[utoipa::path(
    operation_id = "totalsTriggersList",
    tag = "Statistic",
    params(TotalsTriggersQuery),
    responses(
        (status = 200, description = "Event counts matching the query, by trigger.", body = EventTotalByTriggerList),
        ErrorResponses,
    )
)]
#[get("/totals/triggers")]
pub async fn totals_triggers(request: HttpRequest) -> Result<HttpResponse, GatewayError> {
    forward(&TOTALS_TRIGGERS, &request).await
}

/// Retrieve events count grouped by event type and channel id.
#[utoipa::path(
    operation_id = "totalsTypesList",
    tag = "Statistic",
    params(TotalsTypesQuery),
    responses(
        (status = 200, description = "Event counts matching the query, by type and channel.", body = EventTotalByTypeList),
        ErrorResponses,
    )
)]
#[get("/totals/types")]
pub async fn totals_types(request: HttpRequest) -> Result<HttpResponse, GatewayError> {
    forward(&TOTALS_TYPES, &request).await
}
