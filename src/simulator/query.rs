//! The query string, decoded by hand from the raw target, and each endpoint's parameters validated.

use chrono::{DateTime, Utc};
use percent_encoding::percent_decode_str;

use super::model::{EventType, Origin};
use super::reply::Rejection;

/// The events page size when `limit` is not given, and its bounds.
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;

/// Splits `a=1&b=x%20y` into decoded pairs, in order (`+` is a space; a name without `=` has an empty value).
/// Invalid UTF-8 becomes U+FFFD, which then fails validation or matches nothing.
pub(super) fn decode(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            (component(name), component(value))
        })
        .collect()
}

fn component(text: &str) -> String {
    let spaced = text.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

/// Step 3's input: the single `nonce` parameter as an integer.
pub(super) fn nonce(pairs: &[(String, String)]) -> Result<i64, Rejection> {
    let mut values = pairs.iter().filter(|(name, _)| name == "nonce");
    match (values.next(), values.next()) {
        (None, _) => Err(Rejection::bad_nonce("nonce is required")),
        (Some(_), Some(_)) => Err(Rejection::bad_nonce("nonce must be given once")),
        (Some((_, value)), None) => value
            .parse()
            .map_err(|_| Rejection::bad_nonce("nonce must be an integer")),
    }
}

/// Sort direction of the events list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum Order {
    #[default]
    Asc,
    Desc,
}

/// Every filter any endpoint takes, validated; an endpoint only ever sees the ones it allows.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Filters {
    pub(super) location_id: Option<i32>,
    pub(super) channel_id: Option<String>,
    pub(super) trigger_id: Option<String>,
    pub(super) event_type: Option<EventType>,
    pub(super) origin: Option<Origin>,
    pub(super) since: Option<DateTime<Utc>>,
    pub(super) until: Option<DateTime<Utc>>,
    pub(super) starting_after: Option<i32>,
    pub(super) limit: usize,
    pub(super) order: Order,
}

impl Default for Filters {
    fn default() -> Self {
        Self {
            location_id: None,
            channel_id: None,
            trigger_id: None,
            event_type: None,
            origin: None,
            since: None,
            until: None,
            starting_after: None,
            limit: DEFAULT_LIMIT,
            order: Order::Asc,
        }
    }
}

/// Step 6: refuses unknown (not in `allowed`), repeated, empty or malformed parameters, naming the parameter.
pub(super) fn filters(pairs: &[(String, String)], allowed: &[&str]) -> Result<Filters, Rejection> {
    let mut filters = Filters::default();
    for (index, (name, value)) in pairs.iter().enumerate() {
        if name == "nonce" {
            continue;
        }
        if !allowed.contains(&name.as_str()) {
            return Err(Rejection::bad_parameter(format!(
                "unknown parameter: {name}"
            )));
        }
        if pairs[..index].iter().any(|(earlier, _)| earlier == name) {
            return Err(Rejection::bad_parameter(format!(
                "parameter {name} given more than once"
            )));
        }
        if value.is_empty() {
            return Err(invalid(name, "must not be empty"));
        }
        match name.as_str() {
            "location_id" => filters.location_id = Some(int32(name, value)?),
            "channel_id" => filters.channel_id = Some(value.clone()),
            "trigger_id" => filters.trigger_id = Some(value.clone()),
            "event_type" => {
                filters.event_type = Some(
                    EventType::parse(value).ok_or_else(|| invalid(name, "unknown event type"))?,
                )
            }
            "origin" => {
                filters.origin =
                    Some(Origin::parse(value).ok_or_else(|| invalid(name, "unknown origin"))?)
            }
            "since" => filters.since = Some(date_time(name, value)?),
            "until" => filters.until = Some(date_time(name, value)?),
            "starting_after" => filters.starting_after = Some(int32(name, value)?),
            "limit" => {
                filters.limit = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_LIMIT).contains(n))
                    .ok_or_else(|| invalid(name, "must be an integer from 1 to 1000"))?
            }
            "order" => {
                filters.order = match value.as_str() {
                    "asc" => Order::Asc,
                    "desc" => Order::Desc,
                    _ => return Err(invalid(name, "must be asc or desc")),
                }
            }
            _ => {
                return Err(Rejection::bad_parameter(format!(
                    "unknown parameter: {name}"
                )))
            }
        }
    }
    Ok(filters)
}

fn invalid(name: &str, why: &str) -> Rejection {
    Rejection::bad_parameter(format!("invalid value for {name}: {why}"))
}

fn int32(name: &str, value: &str) -> Result<i32, Rejection> {
    value.parse().map_err(|_| invalid(name, "must be an int32"))
}

fn date_time(name: &str, value: &str) -> Result<DateTime<Utc>, Rejection> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| invalid(name, "must be an RFC 3339 date-time with an offset"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT_PARAMS: &[&str] = &["location_id", "since", "limit", "order", "event_type"];

    #[test]
    fn percent_escapes_and_plus_signs_are_decoded() {
        let pairs = decode("since=2020-10-13T06%3A12%3A00.000%2B01%3A00&name=a+b&flag");
        assert_eq!(
            pairs[0],
            ("since".into(), "2020-10-13T06:12:00.000+01:00".into())
        );
        assert_eq!(pairs[1], ("name".into(), "a b".into()));
        assert_eq!(pairs[2], ("flag".into(), String::new()));
    }

    #[test]
    fn the_nonce_must_be_present_once_and_integral() {
        assert_eq!(nonce(&decode("nonce=42&a=1")), Ok(42));
        assert_eq!(nonce(&decode("a=1")).map_err(|r| r.code), Err(3));
        assert_eq!(nonce(&decode("nonce=4x2")).map_err(|r| r.code), Err(3));
        assert_eq!(
            nonce(&decode("nonce=1&nonce=2")).map_err(|r| r.code),
            Err(3)
        );
    }

    #[test]
    fn dates_with_any_offset_and_fraction_length_are_accepted() {
        let f = filters(&decode("since=2018-05-20T10:30:02.5550000Z"), EVENT_PARAMS).unwrap();
        assert_eq!(
            f.since.map(|t| t.timestamp_millis()),
            Some(1_526_812_202_555)
        );
        let f = filters(
            &decode("since=2020-10-13T06%3A12%3A00.000%2B01%3A00"),
            EVENT_PARAMS,
        )
        .unwrap();
        assert_eq!(
            f.since.map(|t| t.to_rfc3339()),
            Some("2020-10-13T05:12:00+00:00".into())
        );
    }

    #[test]
    fn an_unencoded_plus_in_a_date_is_refused_because_it_decodes_to_a_space() {
        let refused =
            filters(&decode("since=2020-10-13T06:12:00.000+01:00"), EVENT_PARAMS).unwrap_err();
        assert_eq!(refused.code, 8);
        assert!(refused.msg.contains("since"));
    }

    #[test]
    fn unknown_repeated_and_malformed_parameters_are_refused_by_name() {
        let cases = [
            ("trigger_id=x", "trigger_id"),
            ("location_id=1&location_id=2", "location_id"),
            ("location_id=abc", "location_id"),
            ("location_id=3000000000", "location_id"),
            ("limit=0", "limit"),
            ("limit=1001", "limit"),
            ("order=up", "order"),
            ("event_type=Walk", "event_type"),
            ("since=2020-10-13T06:12:00", "since"),
            ("location_id=", "location_id"),
        ];
        for (query, name) in cases {
            let refused = filters(&decode(query), EVENT_PARAMS).unwrap_err();
            assert_eq!(refused.code, 8, "{query}");
            assert!(refused.msg.contains(name), "{query}: {}", refused.msg);
        }
    }

    #[test]
    fn limits_default_to_100_and_accept_the_bounds() {
        assert_eq!(filters(&[], EVENT_PARAMS).unwrap().limit, 100);
        assert_eq!(filters(&decode("limit=1"), EVENT_PARAMS).unwrap().limit, 1);
        assert_eq!(
            filters(&decode("limit=1000&order=desc"), EVENT_PARAMS)
                .unwrap()
                .limit,
            1000
        );
    }
}
