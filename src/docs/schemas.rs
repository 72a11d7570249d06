//! The cloud's models (the reference's Models section) and their success envelopes, for the document only:
//! the gateway passes the cloud's bodies through unchanged and never builds these types.

// The fields exist only for the schema derive; nothing reads them.
#![allow(dead_code)]

use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::ToSchema;

use crate::camlytics::model::{EVENT_TYPES, ORIGINS};

/// The `event_type` enum, from the list `validate` accepts.
fn event_type() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(EVENT_TYPES.iter().copied()))
        .examples(["RegionJoin"])
}

/// The `origin` enum, from the list `validate` accepts.
fn origin() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(ORIGINS.iter().copied()))
        .examples(["Pedestrian"])
}

/// A site with cameras.
#[derive(ToSchema)]
pub struct Location {
    #[schema(format = Int32, example = 123)]
    id: i64,
    #[schema(example = "Manhattan store")]
    name: String,
    /// Opaque, base64.
    #[schema(
        content_encoding = "base64",
        example = "SwU8JH3ldduwsZoxzamSCNU9Xd/lCQGCUUQyJ/Fz9e0+"
    )]
    hash: String,
    /// Version of the Camlytics software at the site.
    #[schema(example = "3.2.1")]
    version: String,
}

/// A video channel (camera).
#[derive(ToSchema)]
pub struct Channel {
    #[schema(example = "47576ahb-56656-45786-acb45_000015E2")]
    id: String,
    #[schema(format = Int32, example = 123)]
    location_id: i64,
    #[schema(example = "Lobby")]
    name: String,
    /// 1 when the channel is on.
    #[schema(format = Int32, example = 1)]
    active: i64,
    /// 1 when the channel is paid for.
    #[schema(format = Int32, example = 0)]
    paid: i64,
}

/// A line or zone on a channel that produces events.
#[derive(ToSchema)]
pub struct Trigger {
    #[schema(example = "47576ahb-56656-45786-acb45_000015E2")]
    id: String,
    #[schema(format = Int32, example = 123)]
    location_id: i64,
    #[schema(example = "35576ahb-56656-45781-acb45_000015E2")]
    channel_id: String,
    #[schema(example = "Enter")]
    name: String,
    /// `Line` or `Zone`.
    #[schema(example = "Line")]
    r#type: String,
    /// 1 when the trigger is on.
    #[schema(format = Int32, example = 1)]
    active: i64,
}

/// One detected event.
#[derive(ToSchema)]
pub struct Event {
    #[schema(format = Int32, example = 34454545)]
    id: i64,
    #[schema(format = Int32, example = 123)]
    location_id: i64,
    #[schema(example = "35576ahb-56656-45781-acb45_000015E2")]
    channel_id: String,
    #[schema(example = "47576ahb-56656-45786-acb45_000015E2")]
    trigger_id: String,
    #[schema(schema_with = event_type)]
    event_type: String,
    #[schema(schema_with = origin)]
    origin: String,
    /// The tracked object, when the camera identified one.
    #[schema(required, format = Int32, example = 6)]
    object_id: Option<i64>,
    #[schema(format = DateTime, example = "2000-01-23T04:56:07.000+00:00")]
    event_time: String,
    #[schema(format = Int32, example = -235343534)]
    snapshot_id: i64,
    #[schema(format = Int32, example = 1635343534)]
    record_id: i64,
}

/// How many events one trigger produced.
#[derive(ToSchema)]
pub struct EventTotalByTrigger {
    #[schema(required, example = "35576ahb-56656-45781-acb45_000015E2")]
    trigger_id: Option<String>,
    #[schema(example = "Exit")]
    trigger_name: String,
    #[schema(format = Int32, example = 423)]
    location_id: i64,
    #[schema(example = "85576ahb-56656-45781-acb41_000015E2")]
    channel_id: String,
    #[schema(minimum = 0, example = 3012)]
    count: i64,
}

/// How many events of one type one channel produced.
#[derive(ToSchema)]
pub struct EventTotalByType {
    #[schema(schema_with = event_type)]
    r#type: String,
    #[schema(example = "35576ahb-56656-45781-acb45_000015E2")]
    channel_id: String,
    #[schema(minimum = 0, example = 4712)]
    count: i64,
}

/// Declares the cloud's success envelope `{"code": 0, "msg": "success", "result": [...]}` around a model;
/// its fields are optional, as in the reference.
macro_rules! envelope {
    ($(#[$meta:meta])* $name:ident, $model:ty) => {
        $(#[$meta])*
        #[derive(ToSchema)]
        pub struct $name {
            /// 0 on success.
            #[schema(nullable = false, format = Int32, example = 0)]
            code: Option<i64>,
            #[schema(nullable = false, example = "success")]
            msg: Option<String>,
            #[schema(nullable = false)]
            result: Option<Vec<$model>>,
        }
    };
}

envelope!(
    /// The answer of `/locations`.
    LocationList,
    Location
);
envelope!(
    /// The answer of `/channels`.
    ChannelList,
    Channel
);
envelope!(
    /// The answer of `/triggers`.
    TriggerList,
    Trigger
);
envelope!(
    /// The answer of `/events`.
    EventList,
    Event
);
envelope!(
    /// The answer of `/totals/triggers`.
    EventTotalByTriggerList,
    EventTotalByTrigger
);
envelope!(
    /// The answer of `/totals/types`.
    EventTotalByTypeList,
    EventTotalByType
);
