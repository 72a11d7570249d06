//! The records the simulated cloud serves, shaped exactly like the reference's models.

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

/// The reference's `Event.event_type` enum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub(super) enum EventType {
    TripwireCrossed,
    Tailgating,
    RegionJoin,
    RegionLeave,
    MotionInRegionOn,
    Loitering,
    CrowdOn,
    Sabotage,
}

impl EventType {
    /// Every event type, in the reference's order.
    pub(super) const ALL: [EventType; 8] = [
        EventType::TripwireCrossed,
        EventType::Tailgating,
        EventType::RegionJoin,
        EventType::RegionLeave,
        EventType::MotionInRegionOn,
        EventType::Loitering,
        EventType::CrowdOn,
        EventType::Sabotage,
    ];

    /// The wire name, e.g. "RegionJoin".
    pub(super) fn name(self) -> &'static str {
        match self {
            EventType::TripwireCrossed => "TripwireCrossed",
            EventType::Tailgating => "Tailgating",
            EventType::RegionJoin => "RegionJoin",
            EventType::RegionLeave => "RegionLeave",
            EventType::MotionInRegionOn => "MotionInRegionOn",
            EventType::Loitering => "Loitering",
            EventType::CrowdOn => "CrowdOn",
            EventType::Sabotage => "Sabotage",
        }
    }

    /// Parses a wire name exactly (case-sensitive, as a strict server would).
    pub(super) fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == text)
    }
}

/// The reference's `Event.origin` enum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub(super) enum Origin {
    Pedestrian,
    Vehicle,
    Unknown,
}

impl Origin {
    /// Every origin, in the reference's order.
    pub(super) const ALL: [Origin; 3] = [Origin::Pedestrian, Origin::Vehicle, Origin::Unknown];

    /// The wire name, e.g. "Vehicle".
    pub(super) fn name(self) -> &'static str {
        match self {
            Origin::Pedestrian => "Pedestrian",
            Origin::Vehicle => "Vehicle",
            Origin::Unknown => "Unknown",
        }
    }

    /// Parses a wire name exactly (case-sensitive).
    pub(super) fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.name() == text)
    }
}

/// A trigger is a line (crossings) or a zone (presence).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub(super) enum TriggerKind {
    Line,
    Zone,
}

/// The reference's `Location` model.
#[derive(Clone, Debug, Serialize)]
pub(super) struct Location {
    pub(super) id: i32,
    pub(super) name: String,
    pub(super) version: String,
    pub(super) hash: String,
}

/// The reference's `Channel` model.
#[derive(Clone, Debug, Serialize)]
pub(super) struct Channel {
    pub(super) id: String,
    pub(super) location_id: i32,
    pub(super) name: String,
    pub(super) active: i32,
    pub(super) paid: i32,
}

/// The reference's `Trigger` model.
#[derive(Clone, Debug, Serialize)]
pub(super) struct Trigger {
    pub(super) id: String,
    pub(super) location_id: i32,
    pub(super) channel_id: String,
    pub(super) name: String,
    #[serde(rename = "type")]
    pub(super) kind: TriggerKind,
    pub(super) active: i32,
}

/// The reference's `Event` model.
#[derive(Clone, Debug, Serialize)]
pub(super) struct Event {
    pub(super) id: i32,
    pub(super) location_id: i32,
    pub(super) channel_id: String,
    pub(super) trigger_id: String,
    pub(super) event_type: EventType,
    pub(super) origin: Origin,
    pub(super) object_id: Option<i32>,
    #[serde(serialize_with = "cloud_time")]
    pub(super) event_time: DateTime<Utc>,
    pub(super) snapshot_id: i32,
    pub(super) record_id: i32,
}

/// The reference's `EventTotalByTrigger` model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(super) struct TotalByTrigger {
    pub(super) trigger_id: String,
    pub(super) trigger_name: String,
    pub(super) location_id: i32,
    pub(super) channel_id: String,
    pub(super) count: u64,
}

/// The reference's `EventTotalByType` model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(super) struct TotalByType {
    #[serde(rename = "type")]
    pub(super) event_type: EventType,
    pub(super) channel_id: String,
    pub(super) count: u64,
}

/// The cloud writes times as "2000-01-23T04:56:07.000+00:00": milliseconds and a numeric offset.
fn cloud_time<S: Serializer>(time: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&time.format("%Y-%m-%dT%H:%M:%S%.3f+00:00"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn events_serialise_with_the_reference_field_names_and_time_format() {
        let event = Event {
            id: 1_000_000,
            location_id: 101,
            channel_id: "c".into(),
            trigger_id: "t".into(),
            event_type: EventType::RegionJoin,
            origin: Origin::Pedestrian,
            object_id: None,
            event_time: Utc.with_ymd_and_hms(2026, 1, 1, 4, 56, 7).unwrap(),
            snapshot_id: -5,
            record_id: 6,
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["event_time"], "2026-01-01T04:56:07.000+00:00");
        assert_eq!(json["event_type"], "RegionJoin");
        assert_eq!(json["origin"], "Pedestrian");
        assert!(json["object_id"].is_null());
        assert_eq!(json.as_object().map(|o| o.len()), Some(10));
    }

    #[test]
    fn every_event_type_name_parses_back_to_itself() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.name()), Some(t));
            assert_eq!(
                EventType::ALL[t as usize],
                t,
                "tallies index by the enum's order"
            );
        }
        assert_eq!(EventType::parse("regionjoin"), None);
    }
}
