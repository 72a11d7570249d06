//! The event model of the reference: the enums its parameters take and the fields of one event.

use serde::{Deserialize, Serialize};

/// Event types the cloud knows (the reference's `event_type` enum).
pub const EVENT_TYPES: &[&str] = &[
    "TripwireCrossed",
    "Tailgating",
    "RegionJoin",
    "RegionLeave",
    "MotionInRegionOn",
    "Loitering",
    "CrowdOn",
    "Sabotage",
];

/// Object origins the cloud knows (the reference's `origin` enum).
pub const ORIGINS: &[&str] = &["Pedestrian", "Vehicle", "Unknown"];

/// Sort directions of `/events`.
pub const ORDERS: &[&str] = &["asc", "desc"];

/// Longest string id accepted (channel and trigger ids are about 35 characters).
pub const MAX_TEXT_ID: usize = 128;

/// One event as the reference describes it (`Event`): the fields the gateway reads. The cloud's own bytes are
/// what callers get; this is for filtering, counting and keeping events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The cloud's id (int32); a webhook may send null.
    pub id: Option<i64>,
    /// The location the channel belongs to.
    pub location_id: i64,
    /// The channel (camera) that saw it.
    pub channel_id: String,
    /// The line or zone that fired.
    pub trigger_id: Option<String>,
    /// One of [`EVENT_TYPES`].
    pub event_type: String,
    /// One of [`ORIGINS`].
    pub origin: Option<String>,
    /// The tracked object, when there is one.
    pub object_id: Option<i64>,
    /// When it happened: RFC 3339 from the API, `2000-01-23 04:56:07.000` (UTC) from webhooks.
    pub event_time: String,
    /// The snapshot taken, if any.
    pub snapshot_id: Option<i64>,
    /// The recording it belongs to, if any.
    pub record_id: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_references_example_event_reads_into_the_model() {
        let text = r#"{"record_id":1635343534,"event_type":"RegionJoin","snapshot_id":-235343534,
            "trigger_id":"47576ahb-56656-45786-acb45_000015E2","origin":"Pedestrian","id":34454545,
            "channel_id":"35576ahb-56656-45781-acb45_000015E2","object_id":6,"location_id":123,
            "event_time":"2000-01-23T04:56:07.000+00:00"}"#;
        let event: Event = serde_json::from_str(text).unwrap();
        assert_eq!(event.id, Some(34454545));
        assert!(EVENT_TYPES.contains(&event.event_type.as_str()));
        assert_eq!(event.origin.as_deref(), Some("Pedestrian"));
    }
}
