//! One generated event in compact form (a month of them must fit in memory), and its wire form.

use chrono::DateTime;

use super::super::model::{Event, EventType, Origin, Trigger};

/// An event before it has an id: when it happened, how late it reaches the cloud, and what it is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Raw {
    /// `event_time`, in UTC milliseconds.
    pub(super) time: i64,
    /// Milliseconds between `event_time` and its arrival at the cloud; 0 for almost every event.
    pub(super) delay: u32,
    /// Index into the account's trigger list.
    pub(super) trigger: u16,
    pub(super) event_type: EventType,
    pub(super) origin: Origin,
    pub(super) object_id: Option<i32>,
    pub(super) snapshot_id: i32,
    pub(super) record_id: i32,
}

impl Raw {
    /// When the event reaches the cloud, in UTC milliseconds; before that the cloud does not know it.
    pub(super) fn arrival(&self) -> i64 {
        self.time + i64::from(self.delay)
    }

    /// The reference's `Event`, with its id and its trigger's location and channel.
    pub(super) fn to_event(self, id: i32, triggers: &[Trigger]) -> Event {
        let trigger = &triggers[usize::from(self.trigger)];
        Event {
            id,
            location_id: trigger.location_id,
            channel_id: trigger.channel_id.clone(),
            trigger_id: trigger.id.clone(),
            event_type: self.event_type,
            origin: self.origin,
            object_id: self.object_id,
            event_time: DateTime::from_timestamp_millis(self.time).unwrap_or_default(),
            snapshot_id: self.snapshot_id,
            record_id: self.record_id,
        }
    }
}
