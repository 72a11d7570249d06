//! The fixed data set (the default, and what most tests rely on): a function of the seed and the anchor
//! time, built whole at start.

use chrono::{DateTime, Duration, Utc};

use super::super::model::{Channel, Event, EventType, Location, Origin, Trigger, TriggerKind};
use super::super::prng::SplitMix64;
use super::account::Account;

/// How many events the data set holds.
pub(in crate::simulator) const EVENT_COUNT: usize = 30_000;
/// The id of the oldest event; later events have larger ids.
pub(in crate::simulator) const FIRST_EVENT_ID: i32 = 1_000_000;
/// The events cover this many days, ending at the anchor.
pub(in crate::simulator) const SPAN_DAYS: i64 = 28;

const ZONE_TYPES: [EventType; 5] = [
    EventType::RegionJoin,
    EventType::RegionLeave,
    EventType::MotionInRegionOn,
    EventType::Loitering,
    EventType::CrowdOn,
];

/// Everything the simulated cloud knows; events are sorted by time and by id.
#[derive(Debug)]
pub(in crate::simulator) struct DataSet {
    pub(in crate::simulator) locations: Vec<Location>,
    pub(in crate::simulator) channels: Vec<Channel>,
    pub(in crate::simulator) triggers: Vec<Trigger>,
    pub(in crate::simulator) events: Vec<Event>,
}

impl DataSet {
    /// Builds the data set; equal inputs give equal data sets.
    pub(in crate::simulator) fn generate(seed: u64, anchor: DateTime<Utc>) -> Self {
        let mut rng = SplitMix64::new(seed);
        let account = Account::draw(&mut rng);
        let events = events(&mut rng, &account.triggers, anchor);
        Self {
            locations: account.locations,
            channels: account.channels,
            triggers: account.triggers,
            events,
        }
    }

    /// The moving mode's dimensions: the same draw as `generate`'s for the seed, each location given a
    /// working "Enter" and "Exit" line where it lacked one, and no events (the timeline makes them).
    pub(in crate::simulator) fn account_with_doors(seed: u64) -> Self {
        let mut rng = SplitMix64::new(seed);
        let account = Account::draw(&mut rng).with_doors(&mut rng);
        Self {
            locations: account.locations,
            channels: account.channels,
            triggers: account.triggers,
            events: Vec::new(),
        }
    }
}

fn events(rng: &mut SplitMix64, triggers: &[Trigger], anchor: DateTime<Utc>) -> Vec<Event> {
    let span_ms = SPAN_DAYS * 24 * 3600 * 1000;
    let start = anchor - Duration::milliseconds(span_ms);
    let mut offsets: Vec<i64> = (0..EVENT_COUNT)
        .map(|_| rng.below(span_ms as u64) as i64)
        .collect();
    offsets.sort_unstable();
    let mut events = Vec::with_capacity(EVENT_COUNT);
    for (n, offset) in offsets.into_iter().enumerate() {
        let trigger = &triggers[rng.below(triggers.len() as u64) as usize];
        let event_type = if rng.below(200) == 0 {
            EventType::Sabotage
        } else if trigger.kind == TriggerKind::Line {
            [EventType::TripwireCrossed, EventType::Tailgating][usize::from(rng.below(10) == 0)]
        } else {
            ZONE_TYPES[rng.below(ZONE_TYPES.len() as u64) as usize]
        };
        let origin = match rng.below(10) {
            0..=6 => Origin::Pedestrian,
            7 | 8 => Origin::Vehicle,
            _ => Origin::Unknown,
        };
        let object_id = (rng.below(10) != 0).then(|| rng.below(100_000) as i32);
        events.push(Event {
            id: FIRST_EVENT_ID + n as i32,
            location_id: trigger.location_id,
            channel_id: trigger.channel_id.clone(),
            trigger_id: trigger.id.clone(),
            event_type,
            origin,
            object_id,
            event_time: start + Duration::milliseconds(offset),
            snapshot_id: -(rng.below(i32::MAX as u64) as i32),
            record_id: rng.below(i32::MAX as u64) as i32,
        });
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn anchor() -> DateTime<Utc> {
        "2026-01-01T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn the_same_seed_and_anchor_give_the_same_data_set() {
        let a = DataSet::generate(7, anchor());
        let b = DataSet::generate(7, anchor());
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        let c = DataSet::generate(8, anchor());
        assert_ne!(format!("{a:?}"), format!("{c:?}"));
    }

    #[test]
    fn the_fixed_data_set_is_byte_for_byte_the_one_the_tests_always_relied_on() {
        // FNV-1a of the whole set's Debug text, taken before the moving mode shared the dimension code.
        let text = format!("{:?}", DataSet::generate(7, anchor()));
        let fnv = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        assert_eq!((text.len(), fnv), (8_930_452, 0xdf6d_e0e8_8dfe_b400));
    }

    #[test]
    fn the_data_set_has_the_promised_shape() {
        let data = DataSet::generate(7, anchor());
        assert_eq!(data.locations.len(), 3);
        for location in &data.locations {
            let n = data
                .channels
                .iter()
                .filter(|c| c.location_id == location.id)
                .count();
            assert!((2..=4).contains(&n), "{n} channels at {}", location.id);
        }
        for channel in &data.channels {
            let n = data
                .triggers
                .iter()
                .filter(|t| t.channel_id == channel.id)
                .count();
            assert!((2..=4).contains(&n), "{n} triggers on {}", channel.id);
        }
        let ids: HashSet<&str> = data
            .channels
            .iter()
            .map(|c| c.id.as_str())
            .chain(data.triggers.iter().map(|t| t.id.as_str()))
            .collect();
        assert_eq!(ids.len(), data.channels.len() + data.triggers.len());
        assert_eq!(data.channels.iter().filter(|c| c.active == 0).count(), 1);
    }

    #[test]
    fn events_cover_every_type_and_origin_within_the_span_in_id_and_time_order() {
        let data = DataSet::generate(7, anchor());
        assert_eq!(data.events.len(), EVENT_COUNT);
        assert!(data
            .events
            .windows(2)
            .all(|w| w[0].id < w[1].id && w[0].event_time <= w[1].event_time));
        let start = anchor() - Duration::days(SPAN_DAYS);
        assert!(data
            .events
            .iter()
            .all(|e| e.event_time >= start && e.event_time < anchor()));
        for t in EventType::ALL {
            assert!(data.events.iter().any(|e| e.event_type == t), "no {t:?}");
        }
        for o in Origin::ALL {
            assert!(data.events.iter().any(|e| e.origin == o), "no {o:?}");
        }
        assert!(data.events.iter().any(|e| e.object_id.is_none()));
    }

    #[test]
    fn line_triggers_only_see_crossings_and_zones_only_see_presence() {
        let data = DataSet::generate(7, anchor());
        for event in data
            .events
            .iter()
            .filter(|e| e.event_type != EventType::Sabotage)
        {
            let trigger = data
                .triggers
                .iter()
                .find(|t| t.id == event.trigger_id)
                .unwrap();
            let line = matches!(
                event.event_type,
                EventType::TripwireCrossed | EventType::Tailgating
            );
            assert_eq!(trigger.kind == TriggerKind::Line, line);
        }
    }
}
