//! One event as the live side holds it: received through a webhook (its `id` is usually null) or synced by
//! the mirror (with its id), with the fields subscribers filter on and occupancy counts.

use std::sync::Arc;

use serde_json::value::RawValue;

use super::identity::identity;
use crate::camlytics::date_time::parse_date_time;
use crate::camlytics::model::{Event, EVENT_TYPES, ORIGINS};

/// An event read and checked, not yet in the intake log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveEvent {
    /// The cloud's id, when it sent one (webhooks send null).
    pub id: Option<i64>,
    /// The location the channel belongs to.
    pub location_id: i64,
    /// The channel (camera).
    pub channel_id: String,
    /// The trigger, or "".
    pub trigger_id: String,
    /// One of the reference's event types.
    pub event_type: String,
    /// One of the reference's origins, or "".
    pub origin: String,
    /// The tracked object, when there is one.
    pub object_id: Option<i64>,
    /// `event_time` in UTC microseconds.
    pub event_time_micros: i64,
    /// What makes two deliveries the same event (see [`identity`]).
    pub identity: String,
    /// The object's own bytes, as the cloud sent them.
    pub raw: Arc<str>,
}

/// An event in the intake log: its place in the log is the stream's `id:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// Position in the log: strictly increasing, never reused.
    pub seq: u64,
    /// When the gateway received it, in UTC microseconds.
    pub received_micros: i64,
    /// The event.
    pub event: LiveEvent,
}

impl LiveEvent {
    /// Reads one event object of a webhook body (or of an `/events` page), keeping its bytes; the error
    /// says what is wrong, for the quarantine.
    pub fn from_raw(raw: &RawValue) -> Result<Self, String> {
        let event: Event =
            serde_json::from_str(raw.get()).map_err(|e| format!("not an event: {e}"))?;
        if !EVENT_TYPES.contains(&event.event_type.as_str()) {
            return Err(format!("unknown event_type '{}'", event.event_type));
        }
        if let Some(origin) = event.origin.as_deref() {
            if !ORIGINS.contains(&origin) {
                return Err(format!("unknown origin '{origin}'"));
            }
        }
        let time = parse_date_time(&event.event_time)
            .ok_or_else(|| format!("unreadable event_time '{}'", event.event_time))?;
        let mut live = Self {
            id: event.id,
            location_id: event.location_id,
            channel_id: event.channel_id,
            trigger_id: event.trigger_id.unwrap_or_default(),
            event_type: event.event_type,
            origin: event.origin.unwrap_or_default(),
            object_id: event.object_id,
            event_time_micros: time.timestamp_micros(),
            identity: String::new(),
            raw: raw.get().into(),
        };
        live.identity = identity(&live);
        Ok(live)
    }

    /// A pedestrian's event at `location` on `trigger` (channel "c"), for tests that count events.
    #[cfg(test)]
    pub(crate) fn sample(
        location: i64,
        trigger: &str,
        event_type: &str,
        time_micros: i64,
        object: i64,
    ) -> Self {
        let mut event = Self {
            id: None,
            location_id: location,
            channel_id: "c".into(),
            trigger_id: trigger.into(),
            event_type: event_type.into(),
            origin: "Pedestrian".into(),
            object_id: Some(object),
            event_time_micros: time_micros,
            identity: String::new(),
            raw: "{}".into(),
        };
        event.identity = identity(&event);
        event
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<LiveEvent, String> {
        let raw: Box<RawValue> = serde_json::from_str(text).unwrap();
        LiveEvent::from_raw(&raw)
    }

    const WEBHOOK: &str = r#"{"record_id":1635343534,"event_type":"RegionJoin","snapshot_id":-235343534,"trigger_id":"47576ahb-56656-45786-acb45_000015E2","origin":"Pedestrian","id":null,"channel_id":"35576ahb-56656-45781-acb45_000015E2","object_id":6,"location_id":123,"event_time":"2000-01-23 04:56:07.000"}"#;

    #[test]
    fn the_references_webhook_event_is_read_with_its_bytes_kept() {
        let event = read(WEBHOOK).unwrap();
        assert_eq!(event.id, None);
        assert_eq!(event.object_id, Some(6));
        assert_eq!(event.event_time_micros, 948_603_367_000_000);
        assert_eq!(&*event.raw, WEBHOOK);
    }

    #[test]
    fn the_same_event_synced_with_its_id_has_the_webhooks_identity() {
        let synced = WEBHOOK
            .replace(r#""id":null"#, r#""id":34454545"#)
            .replace("2000-01-23 04:56:07.000", "2000-01-23T04:56:07.000+00:00");
        assert_eq!(
            read(&synced).unwrap().identity,
            read(WEBHOOK).unwrap().identity
        );
    }

    #[test]
    fn an_event_the_reference_does_not_define_is_refused_with_the_reason() {
        let bad_type = WEBHOOK.replace("RegionJoin", "Teleported");
        assert!(read(&bad_type).unwrap_err().contains("event_type"));
        let bad_time = WEBHOOK.replace("2000-01-23 04:56:07.000", "yesterday");
        assert!(read(&bad_time).unwrap_err().contains("event_time"));
        assert!(read("[1]").unwrap_err().starts_with("not an event"));
    }
}
