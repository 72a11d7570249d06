//! Query parameters in the document, built from the same [`RouteSpec`]s that validate requests, so the
//! documented types, enum values and ranges cannot drift from what the gateway accepts.

use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::{KnownFormat, Required};

use crate::camlytics::endpoints::{self as endpoints, ParamKind, RouteSpec};
use crate::camlytics::model::MAX_TEXT_ID;

/// Matches what `validate` accepts for string ids: no control characters (Unicode Cc).
const TEXT_ID_PATTERN: &str = r"^[^\u0000-\u001F\u007F-\u009F]*$";

/// The documented parameters of `spec`: each accepted one, then the caller's ignored `nonce`.
pub fn query_parameters(spec: &RouteSpec) -> Vec<Parameter> {
    let mut parameters: Vec<Parameter> = spec
        .params
        .iter()
        .map(|&(name, kind)| {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(describe(spec, name)))
                .schema(Some(schema_of(kind)))
                .example(Some(example_of(name, kind)))
                .build()
        })
        .collect();
    parameters.push(
        ParameterBuilder::new()
            .name("nonce")
            .parameter_in(ParameterIn::Query)
            .required(Required::False)
            .description(Some(
                "Accepted and ignored, so existing clients work unchanged: the gateway signs every call with its own nonce.",
            ))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build(),
    );
    parameters
}

/// The schema of a parameter kind, with the bounds `validate` enforces.
pub fn schema_of(kind: ParamKind) -> Schema {
    let schema = match kind {
        ParamKind::Int32 => ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
            .minimum(Some(0))
            .maximum(Some(i32::MAX)),
        ParamKind::Limit => ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
            .minimum(Some(1))
            .maximum(Some(1000))
            .default(Some(100.into())),
        ParamKind::TextId => ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(MAX_TEXT_ID))
            .pattern(Some(TEXT_ID_PATTERN)),
        ParamKind::OneOf(words) => ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(words.iter().copied())),
        ParamKind::DateTime => ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime))),
    };
    Schema::Object(schema.build())
}

/// An example value. Swagger UI fills "Try it out" with these, so they are ids and times the demo's
/// simulated cloud has data for, chosen so that all of a route's examples together still match events
/// (the "Enter" line of a Manhattan camera, whose first events type is TripwireCrossed). The window spans
/// both of the simulator's data sets: the fixed one (December 2025) and the demo's, which moves with the
/// clock (the last 30 days).
fn example_of(name: &str, kind: ParamKind) -> serde_json::Value {
    match (name, kind) {
        ("until", _) => "2030-01-01T00:00:00Z".into(),
        (_, ParamKind::DateTime) => "2025-01-01T00:00:00Z".into(),
        // The first event id: with ascending order, every event comes after it.
        ("starting_after", _) => 1_000_000.into(),
        (_, ParamKind::Int32) => 101.into(),
        (_, ParamKind::Limit) => 100.into(),
        ("channel_id", _) => "643b04b7-19639-05624-e4a56_000015E3".into(),
        (_, ParamKind::TextId) => "35044190-10541-61231-5b75d_000015EC".into(),
        ("order", _) => "asc".into(),
        (_, ParamKind::OneOf(words)) => words.first().copied().unwrap_or_default().into(),
    }
}

/// What a parameter does on this route, with the cloud's precedence: trigger_id, then channel_id, then location_id.
fn describe(spec: &RouteSpec, name: &str) -> String {
    let has = |wanted: &str| spec.params.iter().any(|(n, _)| *n == wanted);
    let overridden_by: Vec<&str> = match name {
        "location_id" => ["channel_id", "trigger_id"]
            .into_iter()
            .filter(|n| has(n))
            .collect(),
        "channel_id" => ["trigger_id"].into_iter().filter(|n| has(n)).collect(),
        _ => Vec::new(),
    };
    let what = match name {
        "location_id" => "Only this location (an id from /locations).",
        "channel_id" => "Only this channel (an id from /channels).",
        "trigger_id" => "Only this trigger (an id from /triggers).",
        "event_type" => "Only events of this type.",
        "origin" => "Only events of objects of this origin.",
        "since" => "Leave out events before this time (RFC 3339 with an offset, e.g. 2025-12-20T00:00:00Z).",
        "until" => "Leave out events after this time (RFC 3339 with an offset); not earlier than since.",
        "starting_after" => "Cursor for paging: the id of the last event of the previous page.",
        "limit" => "How many events to return, 1 to 1000 (the cloud's default is 100).",
        "order" => "Sort direction by time.",
        _ => "",
    };
    if overridden_by.is_empty() {
        what.to_string()
    } else {
        format!(
            "{what} Ignored when {} is given.",
            overridden_by.join(" or ")
        )
    }
}

/// Declares a documentation-only type whose [`utoipa::IntoParams`] lists the parameters of a [`RouteSpec`].
macro_rules! documented_query {
    ($(#[$meta:meta])* $name:ident, $spec:path) => {
        $(#[$meta])*
        pub struct $name;

        impl utoipa::IntoParams for $name {
            fn into_params(
                _: impl Fn() -> Option<ParameterIn>,
            ) -> Vec<Parameter> {
                query_parameters(&$spec)
            }
        }
    };
}

documented_query!(
    /// The query of `/locations`, for the document.
    LocationsQuery,
    endpoints::LOCATIONS
);
documented_query!(
    /// The query of `/channels`, for the document.
    ChannelsQuery,
    endpoints::CHANNELS
);
documented_query!(
    /// The query of `/triggers`, for the document.
    TriggersQuery,
    endpoints::TRIGGERS
);
documented_query!(
    /// The query of `/events`, for the document.
    EventsQuery,
    endpoints::EVENTS
);
documented_query!(
    /// The query of `/totals/triggers`, for the document.
    TotalsTriggersQuery,
    endpoints::TOTALS_TRIGGERS
);
documented_query!(
    /// The query of `/totals/types`, for the document.
    TotalsTypesQuery,
    endpoints::TOTALS_TYPES
);
