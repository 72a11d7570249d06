//! Events made from a seed, and the brute-force answers every store must equal: each filter applied to
//! each event, one at a time.

use std::collections::{BTreeMap, HashMap};

use camlytics_gateway::mirror::event::{EventFilter, Scope, StoredEvent};
use camlytics_gateway::mirror::store::{CountQuery, Dimension, EventQuery, GroupCount, Order};

pub const MINUTE: i64 = 60_000_000;
pub const HOUR: i64 = 60 * MINUTE;
pub const DAY: i64 = 24 * HOUR;
/// 2026-01-01T00:00:00Z.
pub const T0: i64 = 1_767_225_600_000_000;

pub const LOCATIONS: [i64; 3] = [101, 102, 103];
pub const TYPES: [&str; 4] = ["TripwireCrossed", "RegionJoin", "Loitering", "Sabotage"];
pub const ORIGINS: [&str; 4] = ["Pedestrian", "Vehicle", "Unknown", ""];

/// SplitMix64: small, seeded, the same sequence everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    pub fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }
}

/// The channels of a location, and the triggers of a channel.
pub fn channel(location: i64, n: u64) -> String {
    format!("ch-{location}-{n}")
}

/// An event with its fields in its bytes, `version` telling two copies of one id apart.
// One argument per field of the event it makes: a builder would only spread the same list over more lines.
#[allow(clippy::too_many_arguments)]
pub fn event(
    id: i64,
    location: i64,
    channel: &str,
    trigger: &str,
    kind: &str,
    origin: &str,
    time: i64,
    version: u32,
) -> StoredEvent {
    let raw = format!(
        r#"{{"id":{id},"location_id":{location},"channel_id":"{channel}","trigger_id":"{trigger}","event_type":"{kind}","origin":"{origin}","t":{time},"v":{version}}}"#
    );
    StoredEvent {
        id,
        location_id: location,
        channel_id: channel.into(),
        trigger_id: trigger.into(),
        event_type: kind.into(),
        origin: origin.into(),
        event_time_micros: time,
        raw: raw.into(),
    }
}

/// `n` events with ids from `first_id`, spread over `days` days from `T0` (some exactly on minute, hour and
/// day boundaries, some sharing an instant), over three locations, two channels each and two triggers a
/// channel (or none).
pub fn events(rng: &mut Rng, first_id: i64, n: usize, days: i64) -> Vec<StoredEvent> {
    let mut previous = T0;
    (0..n as i64)
        .map(|k| {
            let time = match rng.below(10) {
                0 => T0 + rng.below(days as u64 * 24) as i64 * HOUR,
                1 => T0 + rng.below(days as u64 * 1_440) as i64 * MINUTE,
                2 => previous,
                _ => T0 + rng.below((days * DAY) as u64) as i64,
            };
            previous = time;
            let location = *rng.pick(&LOCATIONS);
            let channel = channel(location, rng.below(2));
            let trigger = match rng.below(3) {
                0 => String::new(),
                t => format!("{channel}-t{t}"),
            };
            let kind = *rng.pick(&TYPES);
            let origin = *rng.pick(&ORIGINS);
            event(
                first_id + k,
                location,
                &channel,
                &trigger,
                kind,
                origin,
                time,
                0,
            )
        })
        .collect()
}

/// What the store should hold: the newest copy of each id.
#[derive(Default, Clone)]
pub struct Model(pub HashMap<i64, StoredEvent>);

impl Model {
    pub fn put(&mut self, events: &[StoredEvent]) {
        for e in events {
            self.0.insert(e.id, e.clone());
        }
    }

    pub fn matching<'a>(
        &'a self,
        filter: &'a EventFilter,
    ) -> impl Iterator<Item = &'a StoredEvent> + 'a {
        self.0.values().filter(move |e| matches(e, filter))
    }

    pub fn count(&self, filter: &EventFilter) -> u64 {
        self.matching(filter).count() as u64
    }

    /// The page the reference describes: sorted by time then id, after the cursor's place, at most `limit`.
    pub fn page(&self, query: &EventQuery) -> Vec<String> {
        let mut list: Vec<&StoredEvent> = self.matching(&query.filter).collect();
        list.sort_by_key(|e| (e.event_time_micros, e.id));
        if query.order == Order::Desc {
            list.reverse();
        }
        if let Some(after) = query.starting_after {
            let place = self.0.get(&after).map(|e| (e.event_time_micros, e.id));
            list.retain(|e| match (place, query.order) {
                (Some(p), Order::Asc) => (e.event_time_micros, e.id) > p,
                (Some(p), Order::Desc) => (e.event_time_micros, e.id) < p,
                (None, Order::Asc) => e.id > after,
                (None, Order::Desc) => e.id < after,
            });
        }
        list.into_iter()
            .take(query.limit)
            .map(|e| e.raw.to_string())
            .collect()
    }

    pub fn grouped(&self, query: &CountQuery) -> Vec<GroupCount> {
        let mut counts: BTreeMap<(usize, Vec<String>), u64> = BTreeMap::new();
        for e in self.matching(&query.filter) {
            let t = e.event_time_micros;
            let Some(bucket) = query.edges.windows(2).position(|w| w[0] <= t && t < w[1]) else {
                continue;
            };
            let group = query.group_by.iter().map(|&d| value(e, d)).collect();
            *counts.entry((bucket, group)).or_default() += 1;
        }
        counts
            .into_iter()
            .map(|((bucket, group), count)| GroupCount {
                bucket,
                group,
                count,
            })
            .collect()
    }
}

fn value(e: &StoredEvent, dimension: Dimension) -> String {
    match dimension {
        Dimension::Trigger => e.trigger_id.clone(),
        Dimension::Type => e.event_type.clone(),
        Dimension::Origin => e.origin.clone(),
        Dimension::Channel => e.channel_id.clone(),
        Dimension::Location => e.location_id.to_string(),
    }
}

/// The reference's filters on one event.
pub fn matches(e: &StoredEvent, filter: &EventFilter) -> bool {
    let in_scope = match &filter.scope {
        Scope::All => true,
        Scope::Location(l) => e.location_id == *l,
        Scope::Channel(c) => e.channel_id == *c,
        Scope::Trigger(t) => e.trigger_id == *t,
    };
    in_scope
        && filter
            .event_type
            .as_ref()
            .is_none_or(|t| e.event_type == *t)
        && filter.origin.as_ref().is_none_or(|o| e.origin == *o)
        && filter.since_micros.is_none_or(|s| e.event_time_micros >= s)
        && filter.until_micros.is_none_or(|u| e.event_time_micros <= u)
}

/// A random filter: any scope, sometimes a type or an origin, sometimes a window with ragged ends.
pub fn filter(rng: &mut Rng, days: i64) -> EventFilter {
    let location = *rng.pick(&LOCATIONS);
    let scope = match rng.below(5) {
        0 | 1 => Scope::All,
        2 => Scope::Location(location),
        3 => Scope::Channel(channel(location, rng.below(2))),
        _ => Scope::Trigger(format!(
            "{}-t{}",
            channel(location, rng.below(2)),
            1 + rng.below(2)
        )),
    };
    let instant = |rng: &mut Rng| match rng.below(3) {
        0 => T0 + rng.below(days as u64 * 24) as i64 * HOUR,
        _ => T0 - HOUR + rng.below(((days * DAY) + 2 * HOUR) as u64) as i64,
    };
    let (a, b) = (instant(rng), instant(rng));
    EventFilter {
        scope,
        event_type: rng.chance(3).then(|| rng.pick(&TYPES).to_string()),
        origin: rng.chance(4).then(|| rng.pick(&ORIGINS).to_string()),
        since_micros: (!rng.chance(5)).then_some(a.min(b)),
        until_micros: (!rng.chance(5)).then_some(a.max(b)),
    }
}

/// Asserts that `store` holds exactly `model`: every event's bytes in order, and counts (the whole store,
/// and per minute, hour and day grouped by every dimension) equal to a recount.
pub async fn assert_holds(store: &dyn camlytics_gateway::mirror::store::EventStore, model: &Model) {
    let everything = EventQuery {
        filter: EventFilter::default(),
        order: Order::Asc,
        starting_after: None,
        limit: usize::MAX,
    };
    let held: Vec<String> = store
        .events(&everything)
        .await
        .unwrap()
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(held, model.page(&everything), "the events held");
    assert_eq!(
        store.count(&EventFilter::default()).await.unwrap(),
        model.0.len() as u64,
        "the total"
    );
    let (Some(oldest), Some(newest)) = (
        model.0.values().map(|e| e.event_time_micros).min(),
        model.0.values().map(|e| e.event_time_micros).max(),
    ) else {
        return;
    };
    for unit in [MINUTE, HOUR, DAY] {
        let first = oldest.div_euclid(unit) * unit;
        let edges: Vec<i64> = (0..)
            .map(|n| first + n * unit)
            .take_while(|&e| e <= newest + unit)
            .collect();
        let query = CountQuery {
            filter: EventFilter::default(),
            edges,
            group_by: vec![
                Dimension::Location,
                Dimension::Channel,
                Dimension::Trigger,
                Dimension::Type,
                Dimension::Origin,
            ],
        };
        assert_eq!(
            store.grouped_counts(&query).await.unwrap(),
            model.grouped(&query),
            "rollups per {unit} µs"
        );
    }
}

/// Every event held, by id.
pub async fn held_by_id(
    store: &dyn camlytics_gateway::mirror::store::EventStore,
) -> HashMap<i64, Box<str>> {
    let everything = EventQuery {
        filter: EventFilter::default(),
        order: Order::Asc,
        starting_after: None,
        limit: usize::MAX,
    };
    store
        .events(&everything)
        .await
        .unwrap()
        .into_iter()
        .map(|raw| {
            let id = serde_json::from_str::<serde_json::Value>(&raw).unwrap()["id"]
                .as_i64()
                .unwrap();
            (id, raw)
        })
        .collect()
}
