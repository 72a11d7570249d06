//! The parameters of `/v1/series`: the totals' filters with their precedence, a window (either end left out
//! is where the mirror's complete range starts or ends), and `bucket`, `tz` and `group_by`.

use chrono_tz::Tz;

use super::buckets::{Bucket, BUCKET_NAMES};
use std::sync::LazyLock;

use crate::camlytics::endpoints::{ParamKind, RouteSpec, TOTALS_TRIGGERS};
use crate::camlytics::query::{validate, BadParam, CanonicalParams};
use crate::mirror::answer::coverage_text::instant;
use crate::mirror::answer::window::{filter_of, param};
use crate::mirror::event::EventFilter;
use crate::mirror::store::{Dimension, Span};

/// The route's path.
pub const PATH: &str = "/v1/series";
/// `bucket` when not sent.
pub const DEFAULT_BUCKET: &str = "1h";
/// `tz` when not sent.
pub const DEFAULT_TZ: &str = "UTC";

/// The parameters `/v1/series` has beside the totals' filters (`tz` and `group_by` are read further by
/// [`parse`]).
const OWN: &[(&str, ParamKind)] = &[
    ("bucket", ParamKind::OneOf(BUCKET_NAMES)),
    ("tz", ParamKind::TextId),
    ("group_by", ParamKind::TextId),
];

static PARAMS: LazyLock<Vec<(&'static str, ParamKind)>> =
    LazyLock::new(|| [TOTALS_TRIGGERS.params, OWN].concat());

/// Every parameter `/v1/series` accepts: the filters of `/totals/triggers` (same kinds, same precedence),
/// then its own.
pub static SERIES: LazyLock<RouteSpec> = LazyLock::new(|| RouteSpec {
    endpoint: PATH,
    params: PARAMS.as_slice(),
});

/// The filters alone, for the document.
pub const FILTERS: RouteSpec = RouteSpec {
    endpoint: PATH,
    params: TOTALS_TRIGGERS.params,
};

/// What `group_by` accepts, each with the dimension it counts apart.
pub const GROUP_NAMES: &[(&str, Dimension)] = &[
    ("trigger", Dimension::Trigger),
    ("type", Dimension::Type),
    ("origin", Dimension::Origin),
    ("channel", Dimension::Channel),
    ("location", Dimension::Location),
];

/// The name `group_by` gives a dimension.
pub fn group_name(dimension: Dimension) -> &'static str {
    GROUP_NAMES
        .iter()
        .find(|(_, d)| *d == dimension)
        .map_or("", |(name, _)| name)
}

/// A `/v1/series` query, checked.
#[derive(Debug, Clone)]
pub struct SeriesAsk {
    /// Scope (by precedence), type, origin and the window in whole microseconds.
    pub filter: EventFilter,
    /// The window's first microsecond.
    pub since: i64,
    /// The window's last microsecond.
    pub until: i64,
    /// `since` as the caller wrote it.
    pub since_text: String,
    /// `until` as the caller wrote it.
    pub until_text: String,
    /// The bucket size.
    pub bucket: Bucket,
    /// The zone buckets are aligned in.
    pub tz: Tz,
    /// The dimensions counted apart, in the order asked.
    pub group_by: Vec<Dimension>,
}

/// How a missing end of the window is refused when nothing is held to take it from.
pub const WINDOW_NEEDED: &str = "is required while the mirror holds no complete range";

/// Checks a raw `/v1/series` query whose window must be given whole; the first problem is a 400 naming the
/// parameter.
pub fn parse(raw_query: &str) -> Result<SeriesAsk, BadParam> {
    parse_within(raw_query, None)
}

/// Checks a raw `/v1/series` query, taking a missing `since` or `until` from `held` (what the mirror holds
/// completely); the first problem is a 400 naming the parameter.
pub fn parse_within(raw_query: &str, held: Option<Span>) -> Result<SeriesAsk, BadParam> {
    let params = validate(&SERIES, raw_query)?;
    let mut filter = filter_of(&params);
    let end = |name: &str, sent: Option<i64>, held: Option<i64>| {
        match (param(&params, name), sent) {
        (Some(text), Some(micros)) => Ok((text.to_owned(), micros)),
        _ => held.map(|micros| (instant(micros), micros)).ok_or_else(|| {
            BadParam::new(
                name,
                format!("{WINDOW_NEEDED}: a series covers a whole window (RFC 3339 with an offset, e.g. 2025-12-20T00:00:00Z)"),
            )
        }),
    }
    };
    let (since_text, since) = end("since", filter.since_micros, held.map(|s| s.from_micros))?;
    let (until_text, until) = end("until", filter.until_micros, held.map(|s| s.to_micros))?;
    // A sent end beyond the held range's other end is no 400: it is a window the mirror does not hold (409).
    (filter.since_micros, filter.until_micros) = (Some(since), Some(until));
    Ok(SeriesAsk {
        since,
        until,
        since_text,
        until_text,
        bucket: Bucket::parse(param(&params, "bucket").unwrap_or(DEFAULT_BUCKET))
            .ok_or_else(|| BadParam::new("bucket", "unknown bucket"))?,
        tz: time_zone(&params)?,
        group_by: group_by(&params)?,
        filter,
    })
}

fn time_zone(params: &CanonicalParams) -> Result<Tz, BadParam> {
    let name = param(params, "tz").unwrap_or(DEFAULT_TZ);
    name.parse().map_err(|_| {
        BadParam::new(
            "tz",
            format!("must be an IANA time zone such as UTC, Europe/Berlin or America/New_York, got '{name}'"),
        )
    })
}

/// The dimensions named, in the order first named; a name given twice counts once.
fn group_by(params: &CanonicalParams) -> Result<Vec<Dimension>, BadParam> {
    let Some(list) = param(params, "group_by") else {
        return Ok(Vec::new());
    };
    let allowed: Vec<&str> = GROUP_NAMES.iter().map(|(name, _)| *name).collect();
    let mut dimensions = Vec::new();
    for name in list.split(',') {
        let dimension = GROUP_NAMES
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, d)| *d)
            .ok_or_else(|| {
                BadParam::new(
                    "group_by",
                    format!(
                        "must be a comma-separated list of {}, got '{name}'",
                        allowed.join(", ")
                    ),
                )
            })?;
        if !dimensions.contains(&dimension) {
            dimensions.push(dimension);
        }
    }
    Ok(dimensions)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: &str = "since=2025-12-20T00:00:00Z&until=2025-12-21T00:00:00Z";

    fn refusal(query: &str) -> String {
        parse(query).unwrap_err().to_string()
    }

    #[test]
    fn defaults_are_hourly_buckets_in_utc_and_one_series() {
        let ask = parse(WINDOW).unwrap();
        assert_eq!(ask.bucket, Bucket::Hour);
        assert_eq!(ask.tz, Tz::UTC);
        assert!(ask.group_by.is_empty());
        assert_eq!(ask.until - ask.since, 86_400_000_000);
    }

    #[test]
    fn every_bad_parameter_is_named() {
        assert!(refusal(&format!("{WINDOW}&bucket=7m"))
            .starts_with("bucket: must be one of 5m, 15m, 1h, 1d, 1w"));
        assert!(refusal(&format!("{WINDOW}&tz=Mars/Olympus"))
            .starts_with("tz: must be an IANA time zone"));
        assert!(refusal(&format!("{WINDOW}&group_by=trigger,colour"))
            .starts_with("group_by: must be a comma-separated list of trigger, type"));
        assert!(
            refusal(&format!("{WINDOW}&group_by=type,%20trigger")).starts_with("group_by: must be")
        );
        assert!(refusal("since=2025-12-20T00:00:00Z").starts_with("until: is required"));
        assert!(refusal("until=2025-12-20T00:00:00Z").starts_with("since: is required"));
        assert!(
            refusal("since=2025-12-21T00:00:00Z&until=2025-12-20T00:00:00Z")
                .starts_with("since: must not be later than until")
        );
        assert!(refusal(&format!("{WINDOW}&limit=5"))
            .starts_with("limit: unknown parameter for /v1/series"));
    }

    #[test]
    fn a_missing_end_of_the_window_is_where_the_mirror_holds_it_to() {
        let held = Span {
            from_micros: 0,
            to_micros: 86_400_000_000,
        };
        let ask = parse_within("since=1970-01-01T12:00:00Z", Some(held)).unwrap();
        assert_eq!((ask.since, ask.until), (43_200_000_000, 86_400_000_000));
        assert_eq!(ask.until_text, "1970-01-02T00:00:00Z");
        assert_eq!(ask.filter.until_micros, Some(86_400_000_000));
        let whole = parse_within("bucket=1d", Some(held)).unwrap();
        assert_eq!(
            (whole.since_text.as_str(), whole.since),
            ("1970-01-01T00:00:00Z", 0)
        );
    }

    #[test]
    fn group_by_keeps_the_order_first_asked_and_each_name_once() {
        let ask = parse(&format!(
            "{WINDOW}&group_by=location,trigger,location&tz=America/New_York"
        ))
        .unwrap();
        assert_eq!(ask.group_by, vec![Dimension::Location, Dimension::Trigger]);
        assert_eq!(ask.tz.name(), "America/New_York");
        assert_eq!(group_name(Dimension::Type), "type");
    }
}
