//! The six endpoints of the reference: their paths, the parameters each accepts, and the "ignored if"
//! precedence of their filters.

use super::model::{EVENT_TYPES, ORDERS, ORIGINS};

/// The kind of value a parameter takes, and so how it is checked and normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// An int32 id or cursor, 0 to 2147483647.
    Int32,
    /// A string id such as a channel or trigger id.
    TextId,
    /// One of a fixed list of words.
    OneOf(&'static [&'static str]),
    /// A date-time with an offset, normalised to UTC.
    DateTime,
    /// `limit`: 1 to 1000.
    Limit,
}

/// One route's accepted parameters, besides the caller's own `nonce`, which is ignored.
#[derive(Debug)]
pub struct RouteSpec {
    /// Endpoint path below the base path.
    pub endpoint: &'static str,
    /// Accepted parameters and their kinds.
    pub params: &'static [(&'static str, ParamKind)],
}

/// Parameters of `/locations`.
pub const LOCATIONS: RouteSpec = RouteSpec {
    endpoint: "/locations",
    params: &[("location_id", ParamKind::Int32)],
};

/// Parameters of `/channels`; `location_id` is ignored by the cloud when `channel_id` is given.
pub const CHANNELS: RouteSpec = RouteSpec {
    endpoint: "/channels",
    params: &[
        ("location_id", ParamKind::Int32),
        ("channel_id", ParamKind::TextId),
    ],
};

/// Parameters of `/triggers`; precedence trigger_id, then channel_id, then location_id.
pub const TRIGGERS: RouteSpec = RouteSpec {
    endpoint: "/triggers",
    params: &[
        ("location_id", ParamKind::Int32),
        ("channel_id", ParamKind::TextId),
        ("trigger_id", ParamKind::TextId),
    ],
};

/// Parameters of `/events`.
pub const EVENTS: RouteSpec = RouteSpec {
    endpoint: "/events",
    params: &[
        ("location_id", ParamKind::Int32),
        ("channel_id", ParamKind::TextId),
        ("trigger_id", ParamKind::TextId),
        ("event_type", ParamKind::OneOf(EVENT_TYPES)),
        ("origin", ParamKind::OneOf(ORIGINS)),
        ("since", ParamKind::DateTime),
        ("until", ParamKind::DateTime),
        ("starting_after", ParamKind::Int32),
        ("limit", ParamKind::Limit),
        ("order", ParamKind::OneOf(ORDERS)),
    ],
};

/// Parameters of `/totals/triggers`.
pub const TOTALS_TRIGGERS: RouteSpec = RouteSpec {
    endpoint: "/totals/triggers",
    params: &[
        ("location_id", ParamKind::Int32),
        ("channel_id", ParamKind::TextId),
        ("trigger_id", ParamKind::TextId),
        ("event_type", ParamKind::OneOf(EVENT_TYPES)),
        ("origin", ParamKind::OneOf(ORIGINS)),
        ("since", ParamKind::DateTime),
        ("until", ParamKind::DateTime),
    ],
};

/// Parameters of `/totals/types` (no `trigger_id` here).
pub const TOTALS_TYPES: RouteSpec = RouteSpec {
    endpoint: "/totals/types",
    params: &[
        ("location_id", ParamKind::Int32),
        ("channel_id", ParamKind::TextId),
        ("event_type", ParamKind::OneOf(EVENT_TYPES)),
        ("origin", ParamKind::OneOf(ORIGINS)),
        ("since", ParamKind::DateTime),
        ("until", ParamKind::DateTime),
    ],
};

/// Every endpoint's parameter spec, to look one up by path.
pub const ROUTES: &[&RouteSpec] = &[
    &LOCATIONS,
    &CHANNELS,
    &TRIGGERS,
    &EVENTS,
    &TOTALS_TRIGGERS,
    &TOTALS_TYPES,
];

/// The spec of the endpoint at `endpoint` (e.g. `/events`), if any.
pub fn route_spec(endpoint: &str) -> Option<&'static RouteSpec> {
    ROUTES
        .iter()
        .copied()
        .find(|spec| spec.endpoint == endpoint)
}

/// The filters of each dimension list, strongest first, as `(parameter, item field it matches)`: a stronger
/// one given makes the weaker ones ignored (the reference's "ignored if ... is passed").
pub fn list_precedence(endpoint: &str) -> &'static [(&'static str, &'static str)] {
    match endpoint {
        "/locations" => &[("location_id", "id")],
        "/channels" => &[("channel_id", "id"), ("location_id", "location_id")],
        "/triggers" => &[
            ("trigger_id", "id"),
            ("channel_id", "channel_id"),
            ("location_id", "location_id"),
        ],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_is_found_by_its_path_and_nothing_else_is() {
        for spec in ROUTES {
            assert_eq!(route_spec(spec.endpoint).unwrap().endpoint, spec.endpoint);
        }
        assert!(route_spec("/cameras").is_none());
    }

    #[test]
    fn the_strongest_list_filter_comes_first() {
        assert_eq!(list_precedence("/triggers")[0].0, "trigger_id");
        assert_eq!(list_precedence("/channels")[0].0, "channel_id");
        assert!(list_precedence("/events").is_empty());
    }
}
