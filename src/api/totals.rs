//! `GET /totals/triggers` and `GET /totals/types`: event counts grouped by trigger, or by type and channel.

use actix_web::{get, HttpRequest, HttpResponse};

use super::forward::forward;
use crate::camlytics::endpoints::{TOTALS_TRIGGERS, TOTALS_TYPES};
use crate::docs::params::{TotalsTriggersQuery, TotalsTypesQuery};
use crate::docs::responses::ErrorResponses;
use crate::docs::schemas::{EventTotalByTriggerList, EventTotalByTypeList};
use crate::error::GatewayError;

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
