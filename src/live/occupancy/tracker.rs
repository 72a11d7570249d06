//! Every location's day, kept together: events from either source go in (each identity once), days roll
//! over at each location's local midnight, and trigger names learnt from `/triggers` re-classify the day.
//! Pure state: the clock is passed in, so tests can stand on any day.

use std::collections::{BTreeMap, HashMap};

use super::day::{LocationDay, TriggerNames};
use super::rules::OccupancyRules;
use super::state::{utc_text, LocationState, ZoneState};
use super::zones::{day_bounds, LocationZones};
use crate::live::event::LiveEvent;

/// The occupancy of every location.
#[derive(Debug)]
pub struct Occupancy {
    rules: OccupancyRules,
    zones: LocationZones,
    names: TriggerNames,
    days: BTreeMap<i64, LocationDay>,
    updated: HashMap<i64, i64>,
}

impl Occupancy {
    /// Nothing counted yet.
    pub fn new(rules: OccupancyRules, zones: LocationZones) -> Self {
        Self {
            rules,
            zones,
            names: TriggerNames::new(),
            days: BTreeMap::new(),
            updated: HashMap::new(),
        }
    }

    /// The zones, for the readers that must know where today begins.
    pub fn zones(&self) -> &LocationZones {
        &self.zones
    }

    fn day(&mut self, location: i64, now: i64) -> &mut LocationDay {
        let (since, until) = day_bounds(self.zones.of(location), now);
        let day = self
            .days
            .entry(location)
            .or_insert_with(|| LocationDay::new(since, until));
        if day.since != since {
            *day = LocationDay::new(since, until);
        }
        day
    }

    /// Takes `event` in at `now`; the location's new state when a count changed.
    pub fn add(&mut self, event: &LiveEvent, now: i64) -> Option<LocationState> {
        let location = event.location_id;
        let (rules, names) = (self.rules.clone(), std::mem::take(&mut self.names));
        let changed = self.day(location, now).add(event, &rules, &names);
        self.names = names;
        changed.then(|| {
            self.updated.insert(location, now);
            self.state(location, now)
        })
    }

    /// Resets the locations whose day has ended by `now`; their new states.
    pub fn roll(&mut self, now: i64) -> Vec<LocationState> {
        let ended: Vec<i64> = self
            .days
            .iter()
            .filter(|(_, day)| now >= day.until || now < day.since)
            .map(|(location, _)| *location)
            .collect();
        ended
            .into_iter()
            .map(|location| {
                self.day(location, now);
                self.updated.insert(location, now);
                self.state(location, now)
            })
            .collect()
    }

    /// Learns trigger names (and the locations they belong to, which are then listed even before their
    /// first event); the states that changed.
    pub fn set_names(
        &mut self,
        names: TriggerNames,
        locations: &[i64],
        now: i64,
    ) -> Vec<LocationState> {
        if names == self.names && locations.iter().all(|l| self.days.contains_key(l)) {
            return Vec::new();
        }
        self.names = names;
        for location in locations {
            self.day(*location, now);
        }
        let (rules, names) = (self.rules.clone(), std::mem::take(&mut self.names));
        let changed: Vec<i64> = self
            .days
            .iter_mut()
            .filter_map(|(location, day)| day.refold(&rules, &names).then_some(*location))
            .collect();
        self.names = names;
        changed
            .into_iter()
            .map(|location| {
                self.updated.insert(location, now);
                self.state(location, now)
            })
            .collect()
    }

    /// The locations known (seen in an event or in the trigger list).
    pub fn locations(&self) -> Vec<i64> {
        self.days.keys().copied().collect()
    }

    /// `location`'s state at `now` (zero counts when today holds nothing of it).
    pub fn state(&self, location: i64, now: i64) -> LocationState {
        let tz = self.zones.of(location);
        let (since, _) = day_bounds(tz, now);
        let current = self.days.get(&location).filter(|day| day.since == since);
        let counts = current.map(|day| day.counts().clone()).unwrap_or_default();
        LocationState {
            location_id: location,
            occupancy: counts.occupancy,
            entries: counts.entries,
            exits: counts.exits,
            zones: counts
                .zones
                .into_iter()
                .map(|(trigger_id, count)| ZoneState {
                    trigger_name: self.names.get(&trigger_id).cloned(),
                    trigger_id,
                    count,
                })
                .collect(),
            events: counts.events,
            since: utc_text(since),
            timezone: tz.name().to_owned(),
            updated_at: self.updated.get(&location).map(|t| utc_text(*t)),
            last_event_time: counts.last_event_micros.map(utc_text),
            entries_per_hour: counts.entries_per_hour,
        }
    }
}

#[cfg(test)]
#[path = "tracker_tests.rs"]
mod tests;
