//! Answers to each endpoint from the data set, with the reference's "ignored if" precedence.

use super::data::DataSet;
use super::model::{Channel, Event, Location, Trigger};
use super::query::{Filters, Order};

/// Which part of the account a request is about: trigger_id beats channel_id beats location_id.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Scope<'a> {
    All,
    Location(i32),
    Channel(&'a str),
    Trigger(&'a str),
}

impl<'a> Scope<'a> {
    fn of(filters: &'a Filters) -> Self {
        match (
            &filters.trigger_id,
            &filters.channel_id,
            filters.location_id,
        ) {
            (Some(trigger), _, _) => Scope::Trigger(trigger),
            (None, Some(channel), _) => Scope::Channel(channel),
            (None, None, Some(location)) => Scope::Location(location),
            (None, None, None) => Scope::All,
        }
    }

    fn covers(&self, location_id: i32, channel_id: &str, trigger_id: &str) -> bool {
        match *self {
            Scope::All => true,
            Scope::Location(id) => id == location_id,
            Scope::Channel(id) => id == channel_id,
            Scope::Trigger(id) => id == trigger_id,
        }
    }
}

/// Whether an event on this trigger is inside the request's scope (`trigger_id` over `channel_id` over
/// `location_id`); type, origin and time are checked apart.
pub(super) fn in_scope(
    filters: &Filters,
    location_id: i32,
    channel_id: &str,
    trigger_id: &str,
) -> bool {
    Scope::of(filters).covers(location_id, channel_id, trigger_id)
}

/// `/locations`: all, or the one `location_id`.
pub(super) fn locations<'d>(data: &'d DataSet, filters: &Filters) -> Vec<&'d Location> {
    data.locations
        .iter()
        .filter(|l| filters.location_id.is_none_or(|id| id == l.id))
        .collect()
}

/// `/channels`: `channel_id` beats `location_id`.
pub(super) fn channels<'d>(data: &'d DataSet, filters: &Filters) -> Vec<&'d Channel> {
    let scope = Scope::of(filters);
    data.channels
        .iter()
        .filter(|c| scope.covers(c.location_id, &c.id, ""))
        .collect()
}

/// `/triggers`: `trigger_id` beats `channel_id` beats `location_id`.
pub(super) fn triggers<'d>(data: &'d DataSet, filters: &Filters) -> Vec<&'d Trigger> {
    let scope = Scope::of(filters);
    data.triggers
        .iter()
        .filter(|t| scope.covers(t.location_id, &t.channel_id, &t.id))
        .collect()
}

/// `/events`: one page, in time order, after the `starting_after` cursor.
pub(super) fn events<'d>(data: &'d DataSet, filters: &Filters) -> Vec<&'d Event> {
    let matching = matching_events(data, filters);
    match filters.order {
        Order::Asc => matching
            .filter(|e| filters.starting_after.is_none_or(|cursor| e.id > cursor))
            .take(filters.limit)
            .collect(),
        Order::Desc => matching
            .rev()
            .filter(|e| filters.starting_after.is_none_or(|cursor| e.id < cursor))
            .take(filters.limit)
            .collect(),
    }
}

/// The events in scope that pass the type, origin and time filters, oldest first.
pub(super) fn matching_events<'d: 'f, 'f>(
    data: &'d DataSet,
    filters: &'f Filters,
) -> impl DoubleEndedIterator<Item = &'d Event> + 'f {
    let scope = Scope::of(filters);
    data.events.iter().filter(move |e| {
        scope.covers(e.location_id, &e.channel_id, &e.trigger_id)
            && filters.event_type.is_none_or(|t| t == e.event_type)
            && filters.origin.is_none_or(|o| o == e.origin)
            && filters.since.is_none_or(|since| e.event_time >= since)
            && filters.until.is_none_or(|until| e.event_time <= until)
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use std::sync::OnceLock;

    pub(in crate::simulator) fn data() -> &'static DataSet {
        static DATA: OnceLock<DataSet> = OnceLock::new();
        DATA.get_or_init(|| DataSet::generate(7, "2026-01-01T00:00:00Z".parse().unwrap()))
    }

    pub(in crate::simulator) fn with(f: impl FnOnce(&mut Filters)) -> Filters {
        let mut filters = Filters::default();
        f(&mut filters);
        filters
    }

    #[test]
    fn a_channel_id_overrides_a_location_id_for_channels() {
        let data = data();
        let channel = &data.channels[0];
        let other_location = data
            .locations
            .iter()
            .find(|l| l.id != channel.location_id)
            .unwrap();
        let found = channels(
            data,
            &with(|f| {
                f.location_id = Some(other_location.id);
                f.channel_id = Some(channel.id.clone());
            }),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, channel.id);
    }

    #[test]
    fn a_trigger_id_overrides_channel_and_location_for_triggers_and_events() {
        let data = data();
        let trigger = data.triggers.last().unwrap();
        let filters = with(|f| {
            f.location_id = Some(-1);
            f.channel_id = Some("no such channel".into());
            f.trigger_id = Some(trigger.id.clone());
            f.limit = 1000;
        });
        let found = triggers(data, &filters);
        assert_eq!(found.len(), 1);
        let page = events(data, &filters);
        assert!(!page.is_empty());
        assert!(page.iter().all(|e| e.trigger_id == trigger.id));
    }

    #[test]
    fn a_location_id_alone_narrows_every_list_to_that_location() {
        let data = data();
        let filters = with(|f| f.location_id = Some(102));
        assert_eq!(locations(data, &filters).len(), 1);
        assert!(channels(data, &filters)
            .iter()
            .all(|c| c.location_id == 102));
        assert!(triggers(data, &filters)
            .iter()
            .all(|t| t.location_id == 102));
    }

    #[test]
    fn paging_with_starting_after_walks_every_matching_event_once_in_order() {
        let data = data();
        let channel = data.channels[1].id.clone();
        let expected = data
            .events
            .iter()
            .filter(|e| e.channel_id == channel)
            .count();
        let mut seen = Vec::new();
        loop {
            let filters = with(|f| {
                f.channel_id = Some(channel.clone());
                f.limit = 1000;
                f.starting_after = seen.last().copied();
            });
            let page: Vec<i32> = events(data, &filters).iter().map(|e| e.id).collect();
            if page.is_empty() {
                break;
            }
            seen.extend(page);
        }
        assert_eq!(seen.len(), expected);
        assert!(seen.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn descending_pages_start_at_the_newest_event_and_move_back() {
        let data = data();
        let first = events(data, &with(|f| f.order = Order::Desc));
        assert_eq!(first.len(), 100);
        assert_eq!(first[0].id, data.events.last().unwrap().id);
        let cursor = first.last().unwrap().id;
        let next = events(
            data,
            &with(|f| {
                f.order = Order::Desc;
                f.starting_after = Some(cursor);
                f.limit = 5;
            }),
        );
        assert_eq!(
            next.iter().map(|e| e.id).collect::<Vec<_>>(),
            (cursor - 5..cursor).rev().collect::<Vec<_>>()
        );
    }

    #[test]
    fn since_and_until_are_inclusive_bounds() {
        let data = data();
        let (a, b) = (&data.events[100], &data.events[199]);
        let filters = with(|f| {
            f.since = Some(a.event_time);
            f.until = Some(b.event_time);
            f.limit = 1000;
        });
        let page = events(data, &filters);
        assert!(page
            .iter()
            .all(|e| e.event_time >= a.event_time && e.event_time <= b.event_time));
        assert!(page.iter().any(|e| e.id == a.id) && page.iter().any(|e| e.id == b.id));
    }
}
