use super::*;

const HOUR: i64 = 3_600_000_000;

fn at(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp_micros()
}

fn event(location: i64, trigger: &str, event_type: &str, time: i64, object: i64) -> LiveEvent {
    LiveEvent::sample(location, trigger, event_type, time, object)
}

fn new_york() -> Occupancy {
    let zones = LocationZones::parse(Some("America/New_York"), None).unwrap();
    let mut occupancy = Occupancy::new(OccupancyRules::default(), zones);
    let names = [("t-in", "Enter"), ("t-out", "Exit"), ("t-q", "Queue")]
        .into_iter()
        .map(|(i, n)| (i.to_owned(), n.to_owned()))
        .collect();
    occupancy.set_names(names, &[], 0);
    occupancy
}

/// A small deterministic generator, so that the test's events are the same on every run.
fn next(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    *seed >> 33
}

/// The independent count: the New York local date of each event decides its day; the day's crossings in
/// time order, +1 for "Enter", -1 for "Exit", never below zero.
fn count_plainly(events: &[LiveEvent], day: chrono::NaiveDate) -> u64 {
    let mut todays: Vec<&LiveEvent> = events
        .iter()
        .filter(|e| {
            chrono::DateTime::from_timestamp_micros(e.event_time_micros)
                .unwrap()
                .with_timezone(&chrono_tz::America::New_York)
                .date_naive()
                == day
        })
        .collect();
    todays.sort_by_key(|e| (e.event_time_micros, e.identity.clone()));
    todays.dedup_by_key(|e| e.identity.clone());
    let mut occupancy: i64 = 0;
    for e in todays {
        if e.trigger_id == "t-in" {
            occupancy += 1;
        } else if e.trigger_id == "t-out" {
            occupancy = (occupancy - 1).max(0);
        }
    }
    occupancy as u64
}

fn shuffled_day_of_crossings(seed: &mut u64, from: i64, hours: i64) -> Vec<LiveEvent> {
    let mut events: Vec<LiveEvent> = (0..600)
        .map(|i| {
            let time = from + (((next(seed) << 31) | next(seed)) as i64 % (hours * HOUR));
            // More entries than exits early on, more exits late: the floor is reached both ways.
            let trigger = if next(seed) % 100 < 55 {
                "t-in"
            } else {
                "t-out"
            };
            event(1, trigger, "TripwireCrossed", time, i)
        })
        .collect();
    // 5% delivered twice, and the whole shuffled.
    let again: Vec<LiveEvent> = events.iter().step_by(20).cloned().collect();
    events.extend(again);
    for i in (1..events.len()).rev() {
        events.swap(i, next(seed) as usize % (i + 1));
    }
    events
}

#[test]
fn occupancy_equals_a_plain_count_on_the_day_clocks_go_back() {
    let mut seed = 7;
    // 2026-11-01 in New York has 25 hours (04:00Z to 05:00Z next day); events from the day before to the day after.
    let events = shuffled_day_of_crossings(&mut seed, at("2026-10-31T12:00:00Z"), 48);
    let now = at("2026-11-02T04:30:00Z"); // 23:30 local on 1 November, in its 25th hour
    let mut occupancy = new_york();
    for e in &events {
        occupancy.add(e, now);
    }
    let state = occupancy.state(1, now);
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    assert_eq!(state.occupancy, count_plainly(&events, day));
    assert_eq!(state.since, "2026-11-01T04:00:00.000Z");
    assert!(state.events > 100 && state.occupancy > 0, "{state:?}");
    // The hours of the 25-hour day hold every entry of it.
    assert!(state.entries_per_hour.len() <= 25);
    assert_eq!(state.entries_per_hour.iter().sum::<u64>(), state.entries);
}

#[test]
fn occupancy_equals_a_plain_count_on_the_day_clocks_go_forward_and_resets_at_midnight() {
    let mut seed = 11;
    let events = shuffled_day_of_crossings(&mut seed, at("2026-03-07T12:00:00Z"), 48);
    let mut occupancy = new_york();
    let evening = at("2026-03-09T03:59:00Z"); // 23:59 local on 8 March, a 23-hour day
    for e in &events {
        occupancy.add(e, evening);
    }
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 8).unwrap();
    assert_eq!(
        occupancy.state(1, evening).occupancy,
        count_plainly(&events, day)
    );
    assert_eq!(
        occupancy.state(1, evening).since,
        "2026-03-08T05:00:00.000Z"
    );

    // Local midnight: the count starts again from zero, and only 9 March's events count.
    let after_midnight = at("2026-03-09T04:00:01Z");
    let rolled = occupancy.roll(after_midnight);
    assert_eq!(rolled.len(), 1);
    assert_eq!((rolled[0].occupancy, rolled[0].events), (0, 0));
    for e in &events {
        occupancy.add(e, after_midnight);
    }
    let next_day = chrono::NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
    assert_eq!(
        occupancy.state(1, after_midnight).occupancy,
        count_plainly(&events, next_day)
    );
}

#[test]
fn a_webhook_event_and_the_same_event_synced_count_once() {
    let mut occupancy = new_york();
    let now = at("2026-11-30T15:00:00Z");
    let webhook = event(1, "t-in", "TripwireCrossed", now - HOUR, 1);
    let mut synced = webhook.clone();
    synced.id = Some(991);
    assert!(occupancy.add(&webhook, now).is_some());
    assert!(occupancy.add(&synced, now).is_none());
    assert_eq!(occupancy.state(1, now).occupancy, 1);
}

#[test]
fn locations_from_the_trigger_list_are_listed_with_zero_and_zones_carry_their_names() {
    let mut occupancy = new_york();
    let now = at("2026-11-30T15:00:00Z");
    occupancy.add(&event(2, "t-q", "RegionJoin", now - HOUR, 1), now);
    let names = [("t-q".to_owned(), "Queue".to_owned())]
        .into_iter()
        .collect();
    occupancy.set_names(names, &[5], now);
    assert_eq!(occupancy.locations(), vec![2, 5]);
    let zone = &occupancy.state(2, now).zones[0];
    assert_eq!(
        (zone.trigger_name.as_deref(), zone.count),
        (Some("Queue"), 1)
    );
}
