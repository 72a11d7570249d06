//! The parameters and answers of the mirror's own routes (`/v1/series`, `/v1/export`) in the document. The
//! filters come from the same specs that validate them; the examples are made by the code that answers.

use std::collections::BTreeMap;

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Required, Response, ResponseBuilder};

use super::params::query_parameters;
use super::responses::{error_response, example_message, ERROR_STATUSES};
use crate::camlytics::endpoints::RouteSpec;
use crate::error::GatewayError;
use crate::mirror::answer::refusals::{mirror_off, outside_coverage};
use crate::mirror::coverage::Coverage;
use crate::mirror::export::params::{self as export, FORMATS};
use crate::mirror::series::buckets::{edges, BUCKET_NAMES};
use crate::mirror::series::params::{self as series, DEFAULT_BUCKET, DEFAULT_TZ, GROUP_NAMES};
use crate::mirror::store::{GroupCount, Span};

/// The filters of `spec` as documented for the cloud's routes, without the cloud's `nonce`. `since` and
/// `until` have no example and say that, left out, they are where the mirror's complete range starts or
/// ends: so "Try it out" asks for what the mirror holds, wherever that is.
fn filters(spec: &RouteSpec) -> Vec<Parameter> {
    query_parameters(spec)
        .into_iter()
        .filter(|p| p.name != "nonce")
        .map(|p| {
            let description = match p.name.as_str() {
                "since" => "Leave out events before this time (RFC 3339 with an offset). Not given: where the mirror's complete range starts.",
                "until" => "Leave out events after this time (RFC 3339 with an offset); not earlier than since. Not given: where the mirror's complete range ends.",
                _ => return p,
            };
            ParameterBuilder::from(p)
                .description(Some(description))
                .example(None)
                .build()
        })
        .collect()
}

fn own(name: &str, description: &str, schema: ObjectBuilder, example: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(schema))
        .example(Some(example.into()))
        .build()
}

fn words(words: impl IntoIterator<Item = &'static str>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(words))
}

/// `^(a|b)(,(a|b))*$` for the names `group_by` takes.
fn group_by_pattern() -> String {
    let names: Vec<&str> = GROUP_NAMES.iter().map(|(name, _)| *name).collect();
    let one = format!("({})", names.join("|"));
    format!("^{one}(,{one})*$")
}

/// The query of `/v1/series`, for the document.
pub struct SeriesQuery;

impl utoipa::IntoParams for SeriesQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut parameters = filters(&series::FILTERS);
        parameters.push(own(
            "bucket",
            "Bucket size: 5m, 15m and 1h on the zone's clock, 1d from local midnight, 1w from Monday's local midnight. At most 100,000 buckets a window.",
            words(BUCKET_NAMES.iter().copied()).default(Some(DEFAULT_BUCKET.into())),
            DEFAULT_BUCKET,
        ));
        parameters.push(own(
            "tz",
            "The IANA time zone buckets are aligned in.",
            words(chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()))
                .default(Some(DEFAULT_TZ.into())),
            "Europe/Berlin",
        ));
        parameters.push(own(
            "group_by",
            "One series per group of these, comma-separated: trigger, type, origin, channel, location. Without it, one series of every matching event.",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(group_by_pattern())),
            "trigger",
        ));
        parameters
    }
}

/// The query of `/v1/export`, for the document.
pub struct ExportQuery;

impl utoipa::IntoParams for ExportQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut parameters = filters(&export::FILTERS);
        parameters.push(own(
            "order",
            "Oldest first (asc, the default) or newest first (desc).",
            words(["asc", "desc"]),
            "asc",
        ));
        parameters.push(own(
            "format",
            "ndjson (the default): one event a line, the cloud's own JSON; csv: a header row, then the Event model's columns. Without it, an Accept of text/csv chooses csv.",
            words(FORMATS.iter().copied()),
            "ndjson",
        ));
        parameters
    }
}

/// The 200 of `/v1/series`, with an example the route's own code wrote.
pub struct SeriesAnswer;

impl utoipa::IntoResponses for SeriesAnswer {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let example = series::parse("since=2025-12-20T00:00:00Z&until=2025-12-20T02:59:59Z&tz=Europe/Berlin&group_by=trigger")
            .ok()
            .and_then(|ask| {
                let edges = edges(ask.bucket, ask.tz, ask.since, ask.until).ok()?;
                let counts = [(0, 4), (2, 1)].map(|(bucket, count)| GroupCount {
                    bucket,
                    group: vec!["35044190-10541-61231-5b75d_000015EC".into()],
                    count,
                });
                let body = crate::mirror::series::assemble::render(&ask, &edges, &counts).ok()?;
                serde_json::from_slice(&body).ok()
            });
        let body = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("SeriesList")))
            .example(example)
            .build();
        let response = ResponseBuilder::new()
            .description("One series per group, every bucket of the window in each; answered by the mirror alone.")
            .header("Cache-Status", cache_status())
            .content("application/json", body);
        BTreeMap::from([("200".to_owned(), RefOr::T(response.build()))])
    }
}

/// The 200 of `/v1/export`: NDJSON or CSV, streamed.
pub struct ExportAnswer;

impl utoipa::IntoResponses for ExportAnswer {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let event = r#"{"id":1000000,"location_id":101,"channel_id":"643b04b7-19639-05624-e4a56_000015E3","trigger_id":"35044190-10541-61231-5b75d_000015EC","event_type":"TripwireCrossed","origin":"Pedestrian","object_id":4211,"event_time":"2025-12-04T00:01:07.123+00:00","snapshot_id":-1553,"record_id":77}"#;
        let text = |example: String| {
            ContentBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .example(Some(example.into()))
                .build()
        };
        let mut csv = crate::mirror::export::csv::header();
        let _ = crate::mirror::export::csv::push_row(&mut csv, event);
        let response = ResponseBuilder::new()
            .description("Every matching event held, streamed a page at a time; answered by the mirror alone.")
            .header(
                "Content-Disposition",
                HeaderBuilder::new()
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                    .description(Some("attachment; filename=\"events_<since>_<until>.<ndjson|csv>\""))
                    .build(),
            )
            .header("Cache-Status", cache_status())
            .content("application/x-ndjson", text(format!("{event}\n")))
            .content("text/csv", text(csv));
        BTreeMap::from([("200".to_owned(), RefOr::T(response.build()))])
    }
}

fn cache_status() -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .description(Some("camlytics-gateway; hit; detail=mirror"))
        .build()
}

/// The error answers of the mirror's routes: the gate's, 400, 409 outside coverage and 503.
pub struct MirrorErrors;

impl utoipa::IntoResponses for MirrorErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let held = Coverage {
            span: Some(Span {
                from_micros: 1_764_806_400_000_000,
                to_micros: 1_767_225_600_000_000,
            }),
            gaps: Vec::new(),
        };
        let statuses: [(u16, &str, String); 8] = [
            (400, "A parameter is unknown, repeated or out of range, or the window holds too many buckets or points; msg names the parameter and what is allowed.", message(series::parse("since=2025-12-20T00:00:00Z&until=2025-12-21T00:00:00Z&bucket=7m").err().map(GatewayError::from))),
            (401, shared(401), example_message(401)),
            (409, "The window is not held completely by the mirror; msg names what it holds. The cloud's routes would answer it, one page or total at a time.", message(Some(outside_coverage(&held, None, 1_700_000_000_000_000, 1_700_086_400_000_000)))),
            (413, shared(413), example_message(413)),
            (414, shared(414), example_message(414)),
            (429, shared(429), example_message(429)),
            (431, shared(431), example_message(431)),
            (503, "The mirror is off on this gateway, or its store cannot be read right now; retry after Retry-After.", message(Some(mirror_off()))),
        ];
        statuses
            .into_iter()
            .map(|(status, when, msg)| error_response(status, when, &msg))
            .collect()
    }
}

/// What the cloud's routes document for `status`.
fn shared(status: u16) -> &'static str {
    ERROR_STATUSES
        .iter()
        .find(|(s, _)| *s == status)
        .map_or("", |(_, when)| when)
}

fn message(error: Option<GatewayError>) -> String {
    error.map(|e| e.to_string()).unwrap_or_default()
}
