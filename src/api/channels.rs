//! `GET /channels`: video channels (cameras).

use actix_web::{get, HttpRequest, HttpResponse};

use super::forward::forward;
use crate::camlytics::endpoints::CHANNELS;
use crate::docs::params::ChannelsQuery;
use crate::docs::responses::ErrorResponses;
use crate::docs::schemas::ChannelList;
use crate::error::GatewayError;

/// Retrieve video channels list.
#[utoipa::path(
    operation_id = "channelList",
    tag = "Dictionaries",
    params(ChannelsQuery),
    responses(
        (status = 200, description = "The channels matching the query.", body = ChannelList),
        ErrorResponses,
    )
)]
#[get("/channels")]
pub async fn channels(request: HttpRequest) -> Result<HttpResponse, GatewayError> {
    forward(&CHANNELS, &request).await
}
