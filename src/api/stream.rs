//! `GET /v1/events/stream`: every event the webhook intake accepts, as Server-Sent Events.

use std::time::Duration;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{get, web, HttpRequest, HttpResponse};

use crate::docs::stream_routes::{StreamAnswer, StreamErrors, StreamQuery};
use crate::error::GatewayError;
use crate::live::stream::filter::StreamAsk;
use crate::live::stream::{EventStreams, Refused};

/// How long a refused subscriber is asked to wait before it tries again.
const RETRY_AFTER: Duration = Duration::from_secs(5);

/// Live events, as they are received.
///
/// Each event the gateway's webhook intake accepts, sent as soon as it is durable: `id:` is its place in
/// the intake log (increasing), `data:` the cloud's JSON. Every filter given must match. To resume after a
/// disconnect, send the last id received as `Last-Event-ID` (browsers do this themselves) or as
/// `last_event_id`: the events logged since come first, then live ones, none missed and none twice, as long
/// as the log still holds them (else an `event: reset` says so). A subscriber that reads too slowly to keep
/// up is cut off with a last `event: cut-off` naming where to resume; it never slows anyone else. Browsers'
/// EventSource cannot send headers: in token mode, it may send its token as `access_token`.
#[utoipa::path(
    operation_id = "eventStream",
    tag = "Live",
    params(StreamQuery),
    responses(StreamAnswer, StreamErrors)
)]
#[get("/v1/events/stream")]
pub async fn event_stream(request: HttpRequest) -> Result<HttpResponse, GatewayError> {
    let last_event_id = match request.headers().get("last-event-id") {
        Some(value) => Some(value.to_str().map_err(|_| {
            GatewayError::bad_param(
                "Last-Event-ID",
                "must be the id of an event this stream sent (a whole number)",
            )
        })?),
        None => None,
    };
    let ask = StreamAsk::parse(request.query_string(), last_event_id)?;
    let streams = request
        .app_data::<web::Data<EventStreams>>()
        .ok_or_else(live_off)?;
    let body = streams.subscribe(ask).await.map_err(|refused| {
        if let Refused::Log(e) = &refused {
            log::warn!("live stream: {e}");
        }
        GatewayError::Unavailable {
            msg: refused.to_string(),
            retry_after: RETRY_AFTER,
        }
    })?;
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        ))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        // nginx and others would otherwise buffer the stream.
        .insert_header(("x-accel-buffering", HeaderValue::from_static("no")))
        .streaming(body))
}

/// The answer when the gateway has no live intake.
fn live_off() -> GatewayError {
    GatewayError::OutOfService(
        "live events are off on this gateway: set GATEWAY_WEBHOOK_TOKENS to receive the cloud's webhooks".into(),
    )
}
