//! `GET /triggers`: lines and zones.

use actix_web::{get, HttpRequest, HttpResponse};

use super::forward::forward;
use crate::camlytics::endpoints::TRIGGERS;
use crate::docs::params::TriggersQuery;
use crate::docs::responses::ErrorResponses;
use crate::docs::schemas::TriggerList;
use crate::error::GatewayError;

/// Retrieve triggers list (lines and zones).
#[utoipa::path(
    operation_id = "triggerList",
    tag = "Dictionaries",
    params(TriggersQuery),
    responses(
        (status = 200, description = "The triggers matching the query.", body = TriggerList),
        ErrorResponses,
    )
)]
#[get("/triggers")]
pub async fn triggers(request: HttpRequest) -> Result<HttpResponse, GatewayError> {
    forward(&TRIGGERS, &request).await
}
