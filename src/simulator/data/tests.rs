//! The moving mode's promises, checked on the timeline directly: determinism, the daily rhythm, late
//! arrivals, ids, and paging by place in the list.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};

use super::account::{ENTER, EXIT};
use super::fixed::DataSet;
use super::moving::Moving;
use super::timeline::{hour_of, ID_STRIDE};
use super::zone::NEW_YORK;
use super::Rate;
use crate::simulator::model::Event;
use crate::simulator::query::{Filters, Order};

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn ms(text: &str) -> i64 {
    at(text).timestamp_millis()
}

fn account(seed: u64, events_per_day: f64, late_share: f64, since: &str) -> (DataSet, Moving) {
    let data = DataSet::account_with_doors(seed);
    let rate = Rate {
        events_per_day,
        late_share,
    };
    let moving = Moving::new(seed, &data, at(since), rate, 24 * 40);
    (data, moving)
}

fn window(since: &str, until: &str, order: Order) -> Filters {
    Filters {
        since: Some(at(since)),
        until: Some(at(until)),
        limit: 1000,
        order,
        ..Filters::default()
    }
}

/// Every event of `filters` at `now`, page by page along `starting_after`.
fn walk(moving: &Moving, filters: &Filters, now: i64) -> Vec<Event> {
    let mut all: Vec<Event> = Vec::new();
    loop {
        let page_filters = Filters {
            starting_after: all.last().map(|e| e.id),
            ..filters.clone()
        };
        let page = moving.page(&page_filters, now);
        let short = page.len() < filters.limit;
        all.extend(page);
        if short {
            return all;
        }
    }
}

fn json(events: &[Event]) -> String {
    serde_json::to_string(events).unwrap()
}

#[test]
fn the_same_seed_and_clock_give_the_same_answers_and_another_seed_does_not() {
    let (_, a) = account(7, 5_000.0, 0.015, "2026-03-01T00:00:00Z");
    let (_, b) = account(7, 5_000.0, 0.015, "2026-03-01T00:00:00Z");
    let (_, c) = account(8, 5_000.0, 0.015, "2026-03-01T00:00:00Z");
    let now = ms("2026-03-03T12:00:00Z");
    let filters = window("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z", Order::Desc);
    let page = json(&a.page(&filters, now));
    assert_eq!(page, json(&b.page(&filters, now)));
    assert_ne!(page, json(&c.page(&filters, now)));
    assert_eq!(a.tally(&filters, now), b.tally(&filters, now));
}

#[test]
fn a_history_starting_later_holds_the_same_events_with_the_same_ids_from_its_start() {
    let (_, long) = account(7, 5_000.0, 0.05, "2026-03-01T00:00:00Z");
    let (_, short) = account(7, 5_000.0, 0.05, "2026-03-02T06:30:00Z");
    let now = ms("2026-03-03T00:00:00Z");
    let filters = window("2026-03-02T06:30:00Z", "2026-03-02T20:00:00Z", Order::Asc);
    assert_eq!(
        json(&walk(&long, &filters, now)),
        json(&walk(&short, &filters, now))
    );
    let before = window(
        "2026-03-01T00:00:00Z",
        "2026-03-02T06:29:59.999Z",
        Order::Asc,
    );
    assert!(short.page(&before, now).is_empty());
}

#[test]
fn people_come_in_from_8_to_10_rather_than_2_to_4_and_leave_by_evening_the_same_day() {
    let (data, moving) = account(7, 20_000.0, 0.0, "2026-06-01T00:00:00Z");
    // A whole week of local days, Monday 1 June to Sunday 7 June 2026, seen after it ended.
    let filters = window(
        "2026-06-01T04:00:00Z",
        "2026-06-08T03:59:59.999Z",
        Order::Asc,
    );
    let events = walk(&moving, &filters, ms("2026-06-09T00:00:00Z"));
    let name = |e: &Event| {
        let trigger = data.triggers.iter().find(|t| t.id == e.trigger_id).unwrap();
        trigger.name.as_str()
    };
    let (mut entries_by_hour, mut exits_by_hour) = ([0i64; 24], [0i64; 24]);
    let mut per_day: HashMap<(i32, chrono::NaiveDate), (i64, i64, i64)> = HashMap::new();
    for event in &events {
        let t = event.event_time.timestamp_millis();
        let hour = NEW_YORK.local_hour(t) as usize;
        let day = per_day
            .entry((event.location_id, NEW_YORK.local_date(t)))
            .or_default();
        match name(event) {
            ENTER => {
                entries_by_hour[hour] += 1;
                day.0 += 1;
            }
            EXIT => {
                exits_by_hour[hour] += 1;
                day.0 -= 1;
            }
            _ => continue,
        }
        // Occupancy (entries minus exits so far) never goes below zero within the day.
        day.1 = day.1.min(day.0);
        day.2 += 1;
    }
    let morning = entries_by_hour[8] + entries_by_hour[9];
    let night = entries_by_hour[2] + entries_by_hour[3];
    assert!(morning > 20 * night.max(1), "entries {entries_by_hour:?}");
    let evening_exits = exits_by_hour[17] + exits_by_hour[18];
    assert!(
        evening_exits > 3 * (exits_by_hour[8] + exits_by_hour[9]),
        "exits {exits_by_hour:?}"
    );
    assert_eq!(per_day.len(), 21, "three locations, seven days");
    for ((location, date), (balance, lowest, crossings)) in per_day {
        assert_eq!(balance, 0, "{location} on {date}: entries minus exits");
        assert_eq!(lowest, 0, "{location} on {date}: occupancy went negative");
        assert!(crossings > 100, "{location} on {date}: only {crossings}");
    }
}

#[test]
fn about_the_chosen_number_of_events_happen_a_day_and_a_few_percent_arrive_late() {
    let (_, moving) = account(7, 10_000.0, 0.015, "2026-06-01T00:00:00Z");
    let filters = window(
        "2026-06-01T00:00:00Z",
        "2026-06-07T23:59:59.999Z",
        Order::Asc,
    );
    let now = ms("2026-06-09T00:00:00Z");
    let total: u64 = moving.tally(&filters, now).iter().map(|t| t.2).sum();
    let per_day = total as f64 / 7.0;
    assert!((8_000.0..12_000.0).contains(&per_day), "{per_day} a day");
    let late = moving.late_events(at("2026-06-01T00:00:00Z"), at("2026-06-07T23:59:59.999Z"));
    let share = late.len() as f64 / total as f64;
    assert!((0.01..0.02).contains(&share), "{share} late");
    assert!(late
        .iter()
        .all(|e| e.arrival > e.event_time && e.arrival - e.event_time <= Duration::hours(6)));
}

#[test]
fn ids_are_unique_and_follow_arrival_so_a_late_event_has_a_higher_id_than_later_events() {
    let (_, moving) = account(7, 5_000.0, 0.05, "2026-03-01T00:00:00Z");
    let filters = window("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z", Order::Asc);
    let events = walk(&moving, &filters, ms("2026-03-04T00:00:00Z"));
    let ids: HashSet<i32> = events.iter().map(|e| e.id).collect();
    assert_eq!(ids.len(), events.len());
    let late = moving.late_events(at("2026-03-02T00:00:00Z"), at("2026-03-03T00:00:00Z"));
    let long_late = late
        .iter()
        .find(|e| e.arrival - e.event_time > Duration::hours(2))
        .expect("some event hours late");
    let overtaken = events
        .iter()
        .filter(|e| e.event_time > long_late.event_time && e.id < long_late.id)
        .count();
    assert!(overtaken > 0, "later on-time events have lower ids");
}

#[test]
fn a_late_event_is_invisible_until_its_arrival_and_counted_from_then_on() {
    let (_, moving) = account(7, 5_000.0, 0.05, "2026-03-01T00:00:00Z");
    let late = moving.late_events(at("2026-03-02T09:00:00Z"), at("2026-03-02T12:00:00Z"));
    let event = late
        .iter()
        .find(|e| e.arrival - e.event_time > Duration::minutes(30))
        .expect("a late event");
    let around = Filters {
        since: Some(event.event_time),
        until: Some(event.event_time),
        ..Filters::default()
    };
    let before = event.arrival.timestamp_millis() - 1;
    let seen = |now: i64| moving.page(&around, now).iter().any(|e| e.id == event.id);
    let count = |now: i64| moving.tally(&around, now).iter().map(|t| t.2).sum::<u64>();
    assert!(!seen(before));
    assert!(seen(before + 1));
    assert_eq!(count(before) + 1, count(before + 1));
}

#[test]
fn paging_by_starting_after_over_late_events_visits_every_event_once_in_both_orders() {
    let (_, moving) = account(7, 5_000.0, 0.1, "2026-03-01T00:00:00Z");
    let now = ms("2026-03-02T20:00:00Z");
    let asc = window("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z", Order::Asc);
    let desc = Filters {
        order: Order::Desc,
        limit: 137,
        ..asc.clone()
    };
    let forward = walk(
        &moving,
        &Filters {
            limit: 137,
            ..asc.clone()
        },
        now,
    );
    let mut backward = walk(&moving, &desc, now);
    let expected: u64 = moving.tally(&asc, now).iter().map(|t| t.2).sum();
    assert_eq!(forward.len() as u64, expected);
    assert!(forward
        .windows(2)
        .all(|w| (w[0].event_time, w[0].id) < (w[1].event_time, w[1].id)));
    backward.reverse();
    assert_eq!(json(&forward), json(&backward));
    let late = forward.windows(2).filter(|w| w[0].id > w[1].id).count();
    assert!(
        late > 10,
        "the window holds late events out of id order ({late})"
    );
}

#[test]
fn a_cursor_naming_no_event_held_falls_back_to_comparing_ids() {
    let (_, moving) = account(7, 5_000.0, 0.05, "2026-03-01T00:00:00Z");
    let now = ms("2026-03-02T12:00:00Z");
    let all = window("2026-03-01T00:00:00Z", "2026-03-02T12:00:00Z", Order::Asc);
    let events = walk(&moving, &all, now);
    // Ids are sparse: the last id of an hour's block names nothing.
    let cursor = (events[events.len() / 2].id / ID_STRIDE + 1) * ID_STRIDE - 1;
    assert!(events.iter().all(|e| e.id != cursor));
    let page = moving.page(
        &Filters {
            starting_after: Some(cursor),
            ..all.clone()
        },
        now,
    );
    let expected: Vec<i32> = events
        .iter()
        .map(|e| e.id)
        .filter(|&id| id > cursor)
        .take(1000)
        .collect();
    assert_eq!(page.iter().map(|e| e.id).collect::<Vec<_>>(), expected);
}

#[test]
fn a_busy_hour_at_the_highest_rate_uses_well_under_the_ids_an_hour_has() {
    let (_, moving) = account(7, 50_000.0, 1.0, "2026-06-01T00:00:00Z");
    // A weekday: the busiest hours, every event late so that arrivals bunch up.
    let filters = window("2026-06-02T04:00:00Z", "2026-06-03T04:00:00Z", Order::Asc);
    let events = walk(&moving, &filters, ms("2026-06-04T00:00:00Z"));
    let busiest = events.iter().map(|e| e.id % ID_STRIDE).max().unwrap_or(0);
    assert!(busiest < ID_STRIDE / 2, "{busiest} arrivals in one hour");
    let hours: HashSet<i64> = events
        .iter()
        .map(|e| hour_of(e.event_time.timestamp_millis()))
        .collect();
    assert_eq!(hours.len(), 24);
}

#[test]
fn nothing_is_made_until_asked_so_a_long_history_starts_at_once() {
    let started = std::time::Instant::now();
    let (_, moving) = account(7, 50_000.0, 0.015, "2025-11-01T00:00:00Z");
    assert_eq!(moving.hours_held(), 0);
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    let filters = window(
        "2026-11-29T10:00:00Z",
        "2026-11-29T10:59:59.999Z",
        Order::Asc,
    );
    assert!(!moving.page(&filters, ms("2026-11-30T00:00:00Z")).is_empty());
    assert!(moving.hours_held() < 24, "only the hours around the window");
}
