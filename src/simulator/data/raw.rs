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

/// Sorts `events` by `event_time`, keeping the order of equal times: by minute with a counting pass, then
/// by insertion within each minute. Linear for a day's events, and it avoids the standard sort, which a
/// debug build (the tests', the demo's) runs many times slower.
pub(super) fn sort_by_time(events: Vec<Raw>) -> Vec<Raw> {
    const MINUTE_MS: i64 = 60_000;
    let Some(first) = events.iter().map(|e| e.time).min() else {
        return events;
    };
    let minute = |e: &Raw| ((e.time - first) / MINUTE_MS) as usize;
    let minutes = events.iter().map(minute).max().unwrap_or(0) + 1;
    let mut starts = vec![0usize; minutes + 1];
    for event in &events {
        starts[minute(event) + 1] += 1;
    }
    for m in 0..minutes {
        starts[m + 1] += starts[m];
    }
    let mut sorted = vec![events[0]; events.len()];
    let mut next = starts.clone();
    for event in &events {
        let m = minute(event);
        sorted[next[m]] = *event;
        next[m] += 1;
    }
    for m in 0..minutes {
        insertion_sort(&mut sorted[starts[m]..starts[m + 1]], |a, b| {
            a.time > b.time
        });
    }
    sorted
}

/// Stable insertion sort: moves each item back past those `after` says it must follow.
pub(super) fn insertion_sort<T: Copy>(items: &mut [T], after: impl Fn(&T, &T) -> bool) {
    for i in 1..items.len() {
        let item = items[i];
        let mut j = i;
        while j > 0 && after(&items[j - 1], &item) {
            items[j] = items[j - 1];
            j -= 1;
        }
        items[j] = item;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(time: i64, record_id: i32) -> Raw {
        Raw {
            time,
            delay: 0,
            trigger: 0,
            event_type: EventType::RegionJoin,
            origin: Origin::Pedestrian,
            object_id: None,
            snapshot_id: 0,
            record_id,
        }
    }

    #[test]
    fn sorting_by_time_keeps_equal_times_in_their_order() {
        let events = vec![
            at(3_600_000, 1),
            at(5, 2),
            at(3_600_000, 3),
            at(61_000, 4),
            at(5, 5),
            at(4, 6),
        ];
        let sorted: Vec<i32> = sort_by_time(events).iter().map(|e| e.record_id).collect();
        assert_eq!(sorted, [6, 2, 5, 4, 1, 3]);
        assert!(sort_by_time(Vec::new()).is_empty());
    }
}
