//! The moving mode's answers: `/events` pages and totals tallies over the timeline, as of "now".
//!
//! **`starting_after` is a place in the list.** The list is ordered by (`event_time`, id), ascending or
//! descending. A cursor naming an event the cloud holds (arrived by now, not before the history's start)
//! continues after that event's (`event_time`, id). A cursor naming no such event falls back to comparing
//! ids (`id > cursor` ascending, `id < cursor` descending), which is the fixed mode's reading and the
//! mirror store's fallback too.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::super::clock::LateEvent;
use super::super::filter::in_scope;
use super::super::model::{Event, EventType, Trigger};
use super::super::query::{Filters, Order};
use super::day::Rate;
use super::fixed::DataSet;
use super::raw::Raw;
use super::site::Site;
use super::timeline::{arrival_hour, hour_of, Timeline, DELAY_HOURS, FIRST_HOUR};
use super::zone::HOUR_MS;

/// The moving account's events: the timeline, from the history's first instant on.
pub(in crate::simulator) struct Moving {
    timeline: Timeline,
    since_ms: i64,
    triggers: Vec<Trigger>,
}

/// Where a page continues from.
#[derive(Clone, Copy, Debug)]
enum Cursor {
    /// After this (`event_time`, id).
    Place(i64, i32),
    /// After this id, compared as a number.
    Id(i32),
}

/// What a request lets through: scope, type, origin, window, and "arrived by now".
struct Matcher<'f> {
    scope: Vec<bool>,
    filters: &'f Filters,
    from: i64,
    to: i64,
    now: i64,
}

impl Matcher<'_> {
    fn admits(&self, event: &Raw) -> bool {
        (self.from..=self.to).contains(&event.time)
            && event.arrival() <= self.now
            && self.scope[usize::from(event.trigger)]
            && self
                .filters
                .event_type
                .is_none_or(|t| t == event.event_type)
            && self.filters.origin.is_none_or(|o| o == event.origin)
    }
}

impl Moving {
    /// The events of `data`'s account from `since` on, at `rate`; at most `hours_held` hours stay in memory.
    pub(in crate::simulator) fn new(
        seed: u64,
        data: &DataSet,
        since: DateTime<Utc>,
        rate: Rate,
        hours_held: usize,
    ) -> Self {
        Self {
            timeline: Timeline::new(seed, rate, Site::all(data), hours_held),
            since_ms: ceil_ms(since).max(FIRST_HOUR * HOUR_MS),
            triggers: data.triggers.clone(),
        }
    }

    /// `/events`: one page of what the cloud holds at `now_ms`, in the request's order, after its cursor.
    pub(in crate::simulator) fn page(&self, filters: &Filters, now_ms: i64) -> Vec<Event> {
        let Some(matcher) = self.matcher(filters, now_ms) else {
            return Vec::new();
        };
        let cursor = filters.starting_after.map(|id| self.cursor(id, now_ms));
        let (mut from, mut to) = (hour_of(matcher.from), hour_of(matcher.to));
        match (cursor, filters.order) {
            (Some(Cursor::Place(time, _)), Order::Asc) => from = from.max(hour_of(time)),
            (Some(Cursor::Place(time, _)), Order::Desc) => to = to.min(hour_of(time)),
            _ => {}
        }
        let hours: Box<dyn Iterator<Item = i64>> = match filters.order {
            Order::Asc => Box::new(from..=to),
            Order::Desc => Box::new((from..=to).rev()),
        };
        let mut page = Vec::new();
        for hour in hours {
            let numbered = self.timeline.numbered_hour(hour);
            let in_order: Box<dyn Iterator<Item = &(u32, i32)>> = match filters.order {
                Order::Asc => Box::new(numbered.order.iter()),
                Order::Desc => Box::new(numbered.order.iter().rev()),
            };
            for &(index, id) in in_order {
                let event = numbered.raw.events[index as usize];
                if matcher.admits(&event) && beyond(cursor, filters.order, event.time, id) {
                    page.push(event.to_event(id, &self.triggers));
                    if page.len() == filters.limit {
                        return page;
                    }
                }
            }
        }
        page
    }

    /// The totals' input: matching events held at `now_ms`, counted per (trigger index, type); only
    /// non-zero counts. Reads the hours without numbering them: totals need no ids.
    pub(in crate::simulator) fn tally(
        &self,
        filters: &Filters,
        now_ms: i64,
    ) -> Vec<(usize, EventType, u64)> {
        let Some(matcher) = self.matcher(filters, now_ms) else {
            return Vec::new();
        };
        let kinds = EventType::ALL.len();
        let mut counts = vec![0u64; self.triggers.len() * kinds];
        for hour in hour_of(matcher.from)..=hour_of(matcher.to) {
            for event in self.timeline.raw_hour(hour).events.iter() {
                if matcher.admits(event) {
                    // The enum's order is `ALL`'s.
                    let kind = event.event_type as usize;
                    counts[usize::from(event.trigger) * kinds + kind] += 1;
                }
            }
        }
        counts
            .into_iter()
            .enumerate()
            .filter(|&(_, n)| n > 0)
            .map(|(slot, n)| (slot / kinds, EventType::ALL[slot % kinds], n))
            .collect()
    }

    /// What the cloud's webhooks deliver between two instants: every event arriving in `(after_ms,
    /// until_ms]` (late ones at their arrival), in arrival order, with id 0 (webhooks send none).
    pub(in crate::simulator) fn arrived(&self, after_ms: i64, until_ms: i64) -> Vec<Event> {
        let after = after_ms.max(self.since_ms - 1);
        if after >= until_ms {
            return Vec::new();
        }
        let mut arrived: Vec<(i64, Raw)> = Vec::new();
        for hour in hour_of(after) - DELAY_HOURS..=hour_of(until_ms) {
            for event in self.timeline.raw_hour(hour).events.iter() {
                let at = event.arrival();
                if at > after && at <= until_ms && event.time >= self.since_ms {
                    arrived.push((at, *event));
                }
            }
        }
        arrived.sort_by_key(|(at, _)| *at);
        arrived
            .into_iter()
            .map(|(_, event)| event.to_event(0, &self.triggers))
            .collect()
    }

    /// Every late event that happened in `[since, until]` (and after the history's start), arrived or
    /// not, ordered by (`event_time`, id).
    pub(in crate::simulator) fn late_events(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Vec<LateEvent> {
        let (from, to) = (ceil_ms(since).max(self.since_ms), until.timestamp_millis());
        let mut late = Vec::new();
        if from > to {
            return late;
        }
        for hour in hour_of(from)..=hour_of(to) {
            let numbered: Arc<_> = self.timeline.numbered_hour(hour);
            for &(index, id) in &numbered.order {
                let event = numbered.raw.events[index as usize];
                if event.delay > 0 && (from..=to).contains(&event.time) {
                    late.push(LateEvent {
                        id,
                        event_time: instant(event.time),
                        arrival: instant(event.arrival()),
                    });
                }
            }
        }
        late
    }

    /// How many hours of events are in memory (none until a request asks for them).
    #[cfg(test)]
    pub(in crate::simulator) fn hours_held(&self) -> usize {
        self.timeline.hours_held()
    }

    fn matcher<'f>(&self, filters: &'f Filters, now_ms: i64) -> Option<Matcher<'f>> {
        let from = filters.since.map_or(i64::MIN, ceil_ms).max(self.since_ms);
        let to = filters
            .until
            .map_or(i64::MAX, |t| t.timestamp_millis())
            .min(now_ms);
        let scope = self
            .triggers
            .iter()
            .map(|t| in_scope(filters, t.location_id, &t.channel_id, &t.id))
            .collect();
        (from <= to).then_some(Matcher {
            scope,
            filters,
            from,
            to,
            now: now_ms,
        })
    }

    fn cursor(&self, id: i32, now_ms: i64) -> Cursor {
        // An id that would arrive before the history or after now names nothing held: no need to make it.
        let held = arrival_hour(id)
            .is_some_and(|hour| (hour_of(self.since_ms)..=hour_of(now_ms)).contains(&hour));
        if !held {
            return Cursor::Id(id);
        }
        match self.timeline.by_id(id) {
            Some(event) if event.arrival() <= now_ms && event.time >= self.since_ms => {
                Cursor::Place(event.time, id)
            }
            _ => Cursor::Id(id),
        }
    }
}

/// Whether (`time`, `id`) comes after the cursor in the list's `order`.
fn beyond(cursor: Option<Cursor>, order: Order, time: i64, id: i32) -> bool {
    match (cursor, order) {
        (None, _) => true,
        (Some(Cursor::Place(t, c)), Order::Asc) => (time, id) > (t, c),
        (Some(Cursor::Place(t, c)), Order::Desc) => (time, id) < (t, c),
        (Some(Cursor::Id(c)), Order::Asc) => id > c,
        (Some(Cursor::Id(c)), Order::Desc) => id < c,
    }
}

/// The first whole millisecond at or after `t`: `since` is inclusive, and events fall on milliseconds.
fn ceil_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis() + i64::from(!t.timestamp_subsec_nanos().is_multiple_of(1_000_000))
}

fn instant(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}
