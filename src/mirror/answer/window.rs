//! A validated cloud query (`/events`, `/totals/triggers`, `/totals/types`) read as what the store is asked:
//! the scope by the reference's precedence, type, origin, the window in whole microseconds, and the page.

use chrono::{DateTime, Utc};

use crate::camlytics::date_time::parse_date_time;
use crate::camlytics::query::CanonicalParams;
use crate::mirror::event::{EventFilter, Scope};
use crate::mirror::store::{EventQuery, Order};

/// The page size the reference gives `/events` when `limit` is not sent ("the default is 100").
pub const DEFAULT_LIMIT: usize = 100;

/// The value of parameter `name`, if sent.
pub fn param<'p>(params: &'p CanonicalParams, name: &str) -> Option<&'p str> {
    params
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.as_str())
}

/// The first microsecond at or after `time`: events are kept to the microsecond, so `event_time >= since`
/// holds exactly for events at or after it.
pub fn micros_at_or_after(time: DateTime<Utc>) -> i64 {
    time.timestamp_micros() + i64::from(!time.timestamp_subsec_nanos().is_multiple_of(1_000))
}

/// The last microsecond at or before `time` (`timestamp_micros` rounds down, before 1970 too).
pub fn micros_at_or_before(time: DateTime<Utc>) -> i64 {
    time.timestamp_micros()
}

/// Scope, type, origin and window of a validated query; the window's ends rounded inwards to whole
/// microseconds, so the store's inclusive comparisons select exactly the events the cloud's would.
pub fn filter_of(params: &CanonicalParams) -> EventFilter {
    let text = |name: &str| param(params, name).map(str::to_owned);
    let time = |name: &str| param(params, name).and_then(parse_date_time);
    EventFilter {
        scope: Scope::by_precedence(
            param(params, "location_id").and_then(|id| id.parse().ok()),
            text("channel_id"),
            text("trigger_id"),
        ),
        event_type: text("event_type"),
        origin: text("origin"),
        since_micros: time("since").map(micros_at_or_after),
        until_micros: time("until").map(micros_at_or_before),
    }
}

/// The location whose coverage a scope needs: its own for a location scope; `None` (every location's)
/// for the whole account, a channel or a trigger, whose location is not known here.
pub fn coverage_location(scope: &Scope) -> Option<i64> {
    match scope {
        Scope::Location(id) => Some(*id),
        Scope::All | Scope::Channel(_) | Scope::Trigger(_) => None,
    }
}

/// The window `(since, until)` in microseconds when both ends were sent.
pub fn window(filter: &EventFilter) -> Option<(i64, i64)> {
    filter.since_micros.zip(filter.until_micros)
}

/// The `/events` page asked: `filter`, then `order` (ascending unless `desc`), `starting_after`, and
/// `limit` (the reference's default of 100 when not sent; validation already held it to 1..=1000).
pub fn page_of(params: &CanonicalParams, filter: EventFilter) -> EventQuery {
    EventQuery {
        filter,
        order: match param(params, "order") {
            Some("desc") => Order::Desc,
            _ => Order::Asc,
        },
        starting_after: param(params, "starting_after").and_then(|id| id.parse().ok()),
        limit: param(params, "limit")
            .and_then(|n| n.parse().ok())
            .unwrap_or(DEFAULT_LIMIT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::camlytics::endpoints::EVENTS;
    use crate::camlytics::query::validate;

    #[test]
    fn the_window_is_rounded_inwards_to_whole_microseconds() {
        let params = validate(
            &EVENTS,
            "since=2026-01-01T00:00:00.0000001Z&until=2026-01-01T00:00:01.9999999%2B00:00",
        )
        .unwrap();
        let filter = filter_of(&params);
        assert_eq!(filter.since_micros, Some(1_767_225_600_000_001));
        assert_eq!(filter.until_micros, Some(1_767_225_601_999_999));
        let before_1970 = parse_date_time("1969-12-31T23:59:59.9999995Z").unwrap();
        assert_eq!(micros_at_or_before(before_1970), -1);
        assert_eq!(micros_at_or_after(before_1970), 0);
    }

    #[test]
    fn a_trigger_beats_a_channel_and_only_a_location_scope_names_its_coverage() {
        let params = validate(&EVENTS, "location_id=101&channel_id=c&trigger_id=t").unwrap();
        let filter = filter_of(&params);
        assert_eq!(filter.scope, Scope::Trigger("t".into()));
        assert_eq!(coverage_location(&filter.scope), None);
        let located = filter_of(&validate(&EVENTS, "location_id=101").unwrap());
        assert_eq!(coverage_location(&located.scope), Some(101));
        assert_eq!(window(&located), None);
    }

    #[test]
    fn a_page_defaults_to_ascending_and_a_hundred() {
        let params = validate(&EVENTS, "event_type=RegionJoin").unwrap();
        let page = page_of(&params, filter_of(&params));
        assert_eq!(
            (page.order, page.limit, page.starting_after),
            (Order::Asc, 100, None)
        );
        let params = validate(&EVENTS, "order=desc&limit=7&starting_after=1000005").unwrap();
        let page = page_of(&params, filter_of(&params));
        assert_eq!(
            (page.order, page.limit, page.starting_after),
            (Order::Desc, 7, Some(1_000_005))
        );
    }
}
