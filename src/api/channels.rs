//! `GET /channels`: video channels (cameras).

use actix_web::{get, HttpRequest, HttpResponse};

use super::forward::forward;
use super::params::{ParamKind, RouteSpec};
use crate::docs::params::ChannelsQuery;
use crate::docs::responses::ErrorResponses;
use crate::docs::schemas::ChannelList;
use crate::error::GatewayError;

/// Parameters of `/channels`; `location_id` is ignored by the cloud when `channel_id` is given.
pub const CHANNELS: RouteSpec = RouteSpec {
    endpoint: "/channels",
    params: &[
        ("location_id", ParamKind::Int32),
        ("channel_id", ParamKind::TextId),
    ],
};

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
