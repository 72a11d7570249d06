//! One event as the mirror keeps it (the cloud's bytes plus the fields it is found by), the filters the
//! reference defines over events, and the reading of a cloud `/events` page into stored events.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::camlytics::date_time::parse_date_time;
use crate::camlytics::model::Event;

/// An event as stored: the JSON object exactly as the cloud sent it, and the fields indexed for filtering.
/// A missing `trigger_id` or `origin` is kept as the empty string, which no valid filter equals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// The cloud's id, the key.
    pub id: i64,
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
    /// `event_time` in UTC microseconds since the Unix epoch.
    pub event_time_micros: i64,
    /// The object's own bytes, as the cloud sent them.
    pub raw: Box<str>,
}

impl StoredEvent {
    /// Reads one event object, keeping its bytes; an error if it has no id or no readable `event_time`.
    pub fn from_raw(raw: &RawValue) -> Result<Self, String> {
        let event: Event = serde_json::from_str(raw.get()).map_err(|e| format!("an event: {e}"))?;
        let id = event.id.ok_or("an event without an id")?;
        let time = parse_date_time(&event.event_time)
            .ok_or_else(|| format!("event {id}: unreadable event_time"))?;
        Ok(Self {
            id,
            location_id: event.location_id,
            channel_id: event.channel_id,
            trigger_id: event.trigger_id.unwrap_or_default(),
            event_type: event.event_type,
            origin: event.origin.unwrap_or_default(),
            event_time_micros: time.timestamp_micros(),
            raw: raw.get().into(),
        })
    }
}

#[derive(Deserialize)]
struct Envelope<'a> {
    code: i64,
    #[serde(borrow)]
    result: Option<Vec<&'a RawValue>>,
}

/// Reads a cloud `/events` answer (`{"code":0,...,"result":[...]}`) into stored events, in the page's order.
pub fn read_page(body: &[u8]) -> Result<Vec<StoredEvent>, String> {
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|e| format!("an events page: {e}"))?;
    if envelope.code != 0 {
        return Err(format!("an events page with code {}", envelope.code));
    }
    envelope
        .result
        .unwrap_or_default()
        .into_iter()
        .map(StoredEvent::from_raw)
        .collect()
}

/// Which part of the account a query is about; the reference's precedence picks one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Scope {
    /// Every event.
    #[default]
    All,
    /// One location.
    Location(i64),
    /// One channel.
    Channel(String),
    /// One trigger.
    Trigger(String),
}

impl Scope {
    /// The scope the reference gives these parameters: `trigger_id` beats `channel_id` beats `location_id`
    /// (`/totals/types` has no `trigger_id`, so passes `None` for it).
    pub fn by_precedence(
        location_id: Option<i64>,
        channel_id: Option<String>,
        trigger_id: Option<String>,
    ) -> Self {
        match (trigger_id, channel_id, location_id) {
            (Some(trigger), _, _) => Scope::Trigger(trigger),
            (None, Some(channel), _) => Scope::Channel(channel),
            (None, None, Some(location)) => Scope::Location(location),
            (None, None, None) => Scope::All,
        }
    }
}

/// The reference's event filters: scope, type, origin and an inclusive window in UTC microseconds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventFilter {
    /// Location, channel or trigger.
    pub scope: Scope,
    /// Only this event type.
    pub event_type: Option<String>,
    /// Only this origin.
    pub origin: Option<String>,
    /// Not before this instant (`since`).
    pub since_micros: Option<i64>,
    /// Not after this instant (`until`).
    pub until_micros: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_keeps_each_events_own_bytes_and_reads_its_fields() {
        let body =
            br#"{"code":0,"msg":"success","result":[{"id":7,"location_id":101,"channel_id":"c",
            "trigger_id":null,"event_type":"RegionJoin","origin":"Vehicle","object_id":null,
            "event_time":"2026-01-01T00:00:01.250+00:00","snapshot_id":1,"record_id":2}]}"#;

        let page = read_page(body).unwrap();

        assert_eq!(page.len(), 1);
        assert!(page[0]
            .raw
            .starts_with(r#"{"id":7,"location_id":101,"channel_id":"c","#));
        assert!(page[0].raw.ends_with(r#""record_id":2}"#));
        assert_eq!(page[0].trigger_id, "");
        assert_eq!(page[0].event_time_micros, 1_767_225_601_250_000);
    }

    #[test]
    fn an_error_envelope_or_an_event_without_an_id_is_refused() {
        assert!(read_page(br#"{"code":1,"msg":"bad","result":null}"#).is_err());
        let no_id =
            br#"{"code":0,"result":[{"location_id":1,"channel_id":"c","event_type":"Sabotage",
            "event_time":"2026-01-01T00:00:00.000+00:00"}]}"#;
        assert!(read_page(no_id).is_err());
    }

    #[test]
    fn a_trigger_beats_a_channel_which_beats_a_location() {
        let t = Scope::by_precedence(Some(1), Some("c".into()), Some("t".into()));
        let c = Scope::by_precedence(Some(1), Some("c".into()), None);
        assert_eq!(t, Scope::Trigger("t".into()));
        assert_eq!(c, Scope::Channel("c".into()));
        assert_eq!(
            Scope::by_precedence(Some(1), None, None),
            Scope::Location(1)
        );
    }
}
