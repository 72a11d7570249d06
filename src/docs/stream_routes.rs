//! `GET /v1/events/stream` in the document: its filters (from the spec that validates them), the resume
//! point and the browser's token parameter, and its Server-Sent Events answer.

use std::collections::BTreeMap;

use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, RefOr, Required, Response, ResponseBuilder};

use super::params::query_parameters;
use super::responses::{error_response, example_message, ERROR_STATUSES};
use crate::callers::gate::ACCESS_TOKEN;
use crate::live::stream::filter::{StreamAsk, LAST_EVENT_ID, STREAM};
use crate::live::stream::Refused;

/// The query of `/v1/events/stream`, for the document.
pub struct StreamQuery;

impl utoipa::IntoParams for StreamQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut parameters: Vec<Parameter> = query_parameters(&STREAM)
            .into_iter()
            .filter(|p| p.name != "nonce")
            .map(|p| {
                // Every filter given must match: none overrides another here.
                let description = p
                    .description
                    .as_deref()
                    .and_then(|d| d.split(" Ignored when").next())
                    .map(str::to_owned);
                ParameterBuilder::from(p).description(description).build()
            })
            .collect();
        let text = || ObjectBuilder::new().schema_type(Type::String);
        parameters.push(
            ParameterBuilder::new()
                .name(LAST_EVENT_ID)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some("Resume after this event id (the `id:` of the last event received): every event logged since is sent first, then live ones, none twice. The `Last-Event-ID` header, which browsers send on reconnecting, wins over it. Without either, only new events are sent."))
                .schema(Some(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0))))
                .build(),
        );
        parameters.push(
            ParameterBuilder::new()
                .name("Last-Event-ID")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some("Resume after this event id; wins over last_event_id."))
                .schema(Some(text()))
                .build(),
        );
        parameters.push(
            ParameterBuilder::new()
                .name(ACCESS_TOKEN)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some("The caller's token, for browsers' EventSource, which cannot send an Authorization header. Accepted on the stream routes only, and never logged."))
                .schema(Some(text()))
                .build(),
        );
        parameters
    }
}

/// The 200 of `/v1/events/stream`: Server-Sent Events.
pub struct StreamAnswer;

impl utoipa::IntoResponses for StreamAnswer {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let event = r#"{"record_id":1635343534,"event_type":"TripwireCrossed","snapshot_id":-235343534,"trigger_id":"35044190-10541-61231-5b75d_000015EC","origin":"Pedestrian","id":null,"channel_id":"643b04b7-19639-05624-e4a56_000015E3","object_id":6,"location_id":101,"event_time":"2025-12-20 04:56:07.000"}"#;
        let example = format!(
            "retry: 3000\n\nid: 1041\ndata: {event}\n\n: heartbeat\n\n{}",
            String::from_utf8_lossy(&crate::live::stream::frame::cut_off(
                "this subscriber fell too far behind the live events; resume with Last-Event-ID set to resume_from",
                1041
            ))
        );
        let body = ContentBuilder::new()
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .example(Some(example.into()))
            .build();
        let response = ResponseBuilder::new()
            .description("A Server-Sent Events stream: `retry: 3000` first; then each event as it is received, `id:` its place in the gateway's intake log, `data:` the cloud's JSON on one line; a `: heartbeat` comment every 15 s. `event: reset` says the stream cannot resume right after the id given (it fell out of retention: the stream goes on from the oldest event held; or this gateway's log never gave it, being another gateway's or from before this one's state was wiped: the stream goes on with new events), with `continues_after`; `event: cut-off`, the last, says the subscriber fell too far behind and where to resume.")
            .content("text/event-stream", body);
        BTreeMap::from([("200".to_owned(), RefOr::T(response.build()))])
    }
}

/// The error answers of the stream: the gate's, 400 for a bad filter or resume point, 503 at the cap.
pub struct StreamErrors;

impl utoipa::IntoResponses for StreamErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let bad = StreamAsk::parse("event_type=Teleported", None)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        let full = Refused::Full { max: 1000 }.to_string();
        let shared = |status: u16| {
            let when = ERROR_STATUSES
                .iter()
                .find(|(s, _)| *s == status)
                .map_or("", |(_, when)| when);
            error_response(status, when, &example_message(status))
        };
        BTreeMap::from([
            error_response(400, "A filter or the resume point is unknown, repeated or out of range; msg names it and what is allowed.", &bad),
            shared(401),
            shared(414),
            shared(429),
            shared(431),
            error_response(503, "As many subscribers are connected as GATEWAY_STREAM_MAX_SUBSCRIBERS allows, or the intake log cannot be read to resume; retry after Retry-After.", &full),
        ])
    }
}
