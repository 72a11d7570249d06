//! Grouped counts against a brute-force count over the same events: random filters, windows with partial
//! minutes, edges of whole-hour and half-hour zones and arbitrary instants, random group-bys. Seeded, so a
//! failure names a case that runs again the same way.

use std::collections::BTreeMap;

use super::super::rollups::{DAY, HOUR, MINUTE};
use super::recount::assert_rollups_match_the_events;
use super::*;
use crate::mirror::store::{CountQuery, Dimension};

const T0: i64 = 1_767_225_600_000_000; // 2026-01-01T00:00:00Z
const TYPES: [&str; 3] = ["RegionJoin", "TripwireCrossed", "Sabotage"];
const ORIGINS: [&str; 3] = ["Pedestrian", "Vehicle", ""];

/// SplitMix64: small, seeded, good enough to pick cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: i64) -> i64 {
        (self.next() % n.max(1) as u64) as i64
    }

    fn pick<'a, T>(&mut self, from: &'a [T]) -> &'a T {
        &from[self.below(from.len() as i64) as usize]
    }

    fn chance(&mut self, one_in: i64) -> bool {
        self.below(one_in) == 0
    }
}

/// An instant in the three days from `T0`: often on a minute or hour edge or just before one, to meet the
/// inclusive ends and the units' ends.
fn instant(rng: &mut Rng) -> i64 {
    match rng.below(6) {
        0 => T0 + rng.below(3 * 24 * 60) * MINUTE,
        1 => T0 + rng.below(3 * 24) * HOUR,
        2 => T0 + (1 + rng.below(3 * 24 * 60)) * MINUTE - 1,
        3 => T0 + (1 + rng.below(3 * 24)) * HOUR - 1,
        _ => T0 + rng.below(3 * DAY),
    }
}

fn random_event(rng: &mut Rng, id: i64) -> StoredEvent {
    let location = 101 + rng.below(2);
    let channel = format!("c{}", (location - 101) * 2 + rng.below(2));
    let trigger = if rng.chance(8) {
        String::new()
    } else {
        format!("{channel}-t{}", rng.below(2))
    };
    let time = instant(rng);
    let raw = format!(r#"{{"id":{id},"t":{time},"v":{}}}"#, rng.below(1000));
    StoredEvent {
        id,
        location_id: location,
        channel_id: channel,
        trigger_id: trigger,
        event_type: (*rng.pick(&TYPES)).into(),
        origin: (*rng.pick(&ORIGINS)).into(),
        event_time_micros: time,
        raw: raw.into(),
    }
}

fn random_filter(rng: &mut Rng) -> EventFilter {
    let scope = match rng.below(5) {
        0 => Scope::Location(101 + rng.below(3)),
        1 => Scope::Channel(format!("c{}", rng.below(5))),
        2 => Scope::Trigger(format!("c{}-t{}", rng.below(4), rng.below(2))),
        _ => Scope::All,
    };
    EventFilter {
        scope,
        event_type: rng.chance(3).then(|| (*rng.pick(&TYPES)).into()),
        origin: rng.chance(4).then(|| (*rng.pick(&ORIGINS)).into()),
        since_micros: (!rng.chance(3)).then(|| instant(rng) - DAY / 2),
        until_micros: (!rng.chance(3)).then(|| instant(rng) + DAY / 2),
    }
}

/// Edges as a series would send them: regular steps from a zone's offset, or arbitrary instants.
fn random_edges(rng: &mut Rng) -> Vec<i64> {
    let offset = *rng.pick(&[0, -HOUR, 5 * HOUR + 30 * MINUTE, -(9 * HOUR + 45 * MINUTE)]);
    let (step, steps) = *rng.pick(&[(5 * MINUTE, 300), (15 * MINUTE, 200), (HOUR, 80), (DAY, 4)]);
    match rng.below(4) {
        0 => {
            let mut edges: Vec<i64> = (0..2 + rng.below(12)).map(|_| instant(rng)).collect();
            edges.sort_unstable();
            edges
        }
        1 => {
            let (a, b) = (instant(rng), instant(rng));
            vec![a.min(b) - DAY, a.max(b) + DAY]
        }
        _ => {
            let first = T0 - DAY + rng.below(3) * DAY - offset;
            (0..=rng.below(steps) + 1)
                .map(|n| first + n * step)
                .collect()
        }
    }
}

fn random_group_by(rng: &mut Rng) -> Vec<Dimension> {
    let all = [
        Dimension::Trigger,
        Dimension::Type,
        Dimension::Origin,
        Dimension::Channel,
        Dimension::Location,
    ];
    let mut chosen = Vec::new();
    for _ in 0..rng.below(4) {
        let d = *rng.pick(&all);
        if !chosen.contains(&d) {
            chosen.push(d);
        }
    }
    chosen
}

fn matches(event: &StoredEvent, filter: &EventFilter) -> bool {
    let scoped = match &filter.scope {
        Scope::All => true,
        Scope::Location(l) => event.location_id == *l,
        Scope::Channel(c) => event.channel_id == *c,
        Scope::Trigger(t) => event.trigger_id == *t,
    };
    let t = event.event_time_micros;
    scoped
        && filter
            .event_type
            .as_ref()
            .is_none_or(|x| *x == event.event_type)
        && filter.origin.as_ref().is_none_or(|x| *x == event.origin)
        && filter.since_micros.is_none_or(|s| t >= s)
        && filter.until_micros.is_none_or(|u| t <= u)
}

fn brute_force(events: &[StoredEvent], query: &CountQuery) -> Vec<GroupCount> {
    let mut counts: BTreeMap<(usize, Vec<String>), u64> = BTreeMap::new();
    for event in events.iter().filter(|e| matches(e, &query.filter)) {
        let t = event.event_time_micros;
        let bucket = query.edges.partition_point(|&e| e <= t);
        if bucket == 0 || bucket == query.edges.len() {
            continue;
        }
        let group = query
            .group_by
            .iter()
            .map(|d| match d {
                Dimension::Trigger => event.trigger_id.clone(),
                Dimension::Type => event.event_type.clone(),
                Dimension::Origin => event.origin.clone(),
                Dimension::Channel => event.channel_id.clone(),
                Dimension::Location => event.location_id.to_string(),
            })
            .collect();
        *counts.entry((bucket - 1, group)).or_default() += 1;
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

/// A store holding 4,000 random events over three days, some of them sent twice with other bytes; and the
/// events it should hold.
async fn filled(rng: &mut Rng) -> (tempfile::TempDir, SqliteStore, Vec<StoredEvent>) {
    let (dir, store) = super::store().await;
    let mut events: Vec<StoredEvent> = (0..4_000).map(|id| random_event(rng, id)).collect();
    for page in events.chunks(500) {
        store.insert_page(page, super::cursor(T0)).await.unwrap();
    }
    // Late corrections: ids sent again, elsewhere in time and dimensions.
    let again: Vec<StoredEvent> = (0..300)
        .map(|_| {
            let id = rng.below(4_000);
            random_event(rng, id)
        })
        .collect();
    store.insert_page(&again, super::cursor(T0)).await.unwrap();
    for event in again {
        let at = usize::try_from(event.id).unwrap();
        events[at] = event;
    }
    (dir, store, events)
}

#[tokio::test]
async fn grouped_counts_equal_a_brute_force_count_for_random_filters_edges_and_groups() {
    let mut rng = Rng(12);
    let (_dir, store, events) = filled(&mut rng).await;
    assert_rollups_match_the_events(&store);

    for case in 0..250 {
        let query = CountQuery {
            filter: random_filter(&mut rng),
            edges: random_edges(&mut rng),
            group_by: random_group_by(&mut rng),
        };

        let counted = store.grouped_counts(&query).await.unwrap();

        let expected = brute_force(&events, &query);
        assert_eq!(counted, expected, "case {case}: {query:?}");
    }
}

#[tokio::test]
async fn a_count_equals_a_brute_force_count_for_random_filters() {
    let mut rng = Rng(34);
    let (_dir, store, events) = filled(&mut rng).await;

    for case in 0..150 {
        let filter = random_filter(&mut rng);

        let counted = store.count(&filter).await.unwrap();

        let expected = events.iter().filter(|e| matches(e, &filter)).count() as u64;
        assert_eq!(counted, expected, "case {case}: {filter:?}");
    }
}

#[tokio::test]
async fn an_empty_store_or_a_window_without_events_counts_nothing() {
    let (_dir, store) = super::store().await;
    let query = CountQuery {
        filter: EventFilter::default(),
        edges: vec![T0, T0 + DAY],
        group_by: vec![Dimension::Trigger],
    };
    assert_eq!(store.grouped_counts(&query).await.unwrap(), vec![]);
    assert_eq!(store.count(&EventFilter::default()).await.unwrap(), 0);
    store
        .insert_page(
            &[super::event(1, T0 + 2 * DAY, "a", "RegionJoin")],
            super::cursor(T0),
        )
        .await
        .unwrap();

    assert_eq!(store.grouped_counts(&query).await.unwrap(), vec![]);
}

#[tokio::test]
async fn edges_that_do_not_ascend_or_are_too_few_are_refused_naming_the_fault() {
    let (_dir, store) = super::store().await;
    let mut query = CountQuery {
        filter: EventFilter::default(),
        edges: vec![T0 + HOUR, T0],
        group_by: Vec::new(),
    };
    let backwards = store.grouped_counts(&query).await.unwrap_err();
    query.edges = vec![T0];
    let alone = store.grouped_counts(&query).await.unwrap_err();

    assert!(backwards.0.contains("ascend"), "{backwards}");
    assert!(alone.0.contains("at least two"), "{alone}");
}
