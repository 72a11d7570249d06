//! Query parameters: a caller's query checked against an endpoint's spec before anything goes upstream, and
//! the canonical key that makes equivalent queries one.

use std::borrow::Cow;

use chrono::SecondsFormat;

use super::date_time::{parse_date_time, upstream_date_time};
use super::endpoints::{ParamKind, RouteSpec};
use super::model::MAX_TEXT_ID;

/// A query the API would refuse: the parameter and what is wrong with it, as `name: problem`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {problem}")]
pub struct BadParam {
    /// The parameter at fault, as the caller named it.
    pub name: String,
    /// What is wrong, and what is allowed.
    pub problem: String,
}

impl BadParam {
    /// A refusal of parameter `name`.
    pub fn new(name: &str, problem: impl std::fmt::Display) -> Self {
        Self {
            name: name.to_string(),
            problem: problem.to_string(),
        }
    }
}

/// The parameters a caller sent, checked and in canonical form, in the order sent.
pub type CanonicalParams = Vec<(&'static str, String)>;

/// Checks a raw query string against a route; the first problem found is a 400 naming the parameter.
pub fn validate(spec: &RouteSpec, raw_query: &str) -> Result<CanonicalParams, BadParam> {
    let mut canonical: CanonicalParams = Vec::new();
    for (name, value) in form_urlencoded::parse(raw_query.as_bytes()) {
        if name == "nonce" {
            // The gateway signs with its own nonce; a drop-in client still sends one.
            continue;
        }
        let Some(&(known, kind)) = spec.params.iter().find(|(known, _)| *known == name) else {
            let allowed: Vec<&str> = spec.params.iter().map(|(n, _)| *n).collect();
            return Err(BadParam::new(
                &name,
                format!(
                    "unknown parameter for {}; allowed: {}",
                    spec.endpoint,
                    allowed.join(", ")
                ),
            ));
        };
        if canonical.iter().any(|(n, _)| *n == known) {
            return Err(BadParam::new(known, "given more than once"));
        }
        canonical.push((known, normalise(known, kind, &value)?));
    }
    check_window(&canonical)?;
    Ok(canonical)
}

fn normalise(name: &str, kind: ParamKind, value: &str) -> Result<String, BadParam> {
    match kind {
        ParamKind::Int32 => parse_bounded(value, 0, i32::MAX as i64)
            .map(|n| n.to_string())
            .ok_or_else(|| {
                BadParam::new(
                    name,
                    format!("must be a whole number from 0 to 2147483647 (int32), got '{value}'"),
                )
            }),
        ParamKind::Limit => parse_bounded(value, 1, 1000)
            .map(|n| n.to_string())
            .ok_or_else(|| {
                BadParam::new(
                    name,
                    format!("must be a whole number from 1 to 1000, got '{value}'"),
                )
            }),
        ParamKind::TextId => {
            if value.is_empty() || value.chars().count() > MAX_TEXT_ID {
                Err(BadParam::new(
                    name,
                    format!("must be an id of 1 to {MAX_TEXT_ID} characters"),
                ))
            } else if value.chars().any(char::is_control) {
                Err(BadParam::new(name, "must not contain control characters"))
            } else {
                Ok(value.to_string())
            }
        }
        ParamKind::OneOf(allowed) => {
            if allowed.contains(&value) {
                Ok(value.to_string())
            } else {
                Err(BadParam::new(
                    name,
                    format!("must be one of {}, got '{value}'", allowed.join(", ")),
                ))
            }
        }
        ParamKind::DateTime => upstream_date_time(value)
            .ok_or_else(|| {
                BadParam::new(
                    name,
                    format!(
                        "must be an RFC 3339 date-time with an offset, such as 2024-03-01T00:00:00Z or 2024-03-01T00:00:00.000+01:00, got '{value}'"
                    ),
                )
            }),
    }
}

/// Digits only (no sign, no spaces), within `[min, max]`.
fn parse_bounded(value: &str, min: i64, max: i64) -> Option<i64> {
    if value.is_empty() || value.len() > 10 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value
        .parse::<i64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
}

fn check_window(params: &CanonicalParams) -> Result<(), BadParam> {
    let find = |wanted: &str| {
        params
            .iter()
            .find(|(name, _)| *name == wanted)
            .and_then(|(_, v)| parse_date_time(v))
    };
    if let (Some(since), Some(until)) = (find("since"), find("until")) {
        if since > until {
            return Err(BadParam::new("since", "must not be later than until"));
        }
    }
    Ok(())
}

/// `endpoint?name=value&...` with names sorted and date-times as one UTC form, so that equivalent
/// queries (parameter order, `+00:00` or `Z`, `.000` or none) share one key.
pub fn canonical_key(endpoint: &str, params: &CanonicalParams) -> String {
    let mut pairs: Vec<(&str, Cow<'_, str>)> = params
        .iter()
        .map(|(name, value)| {
            let value = match *name {
                "since" | "until" => parse_date_time(value)
                    .map(|t| Cow::Owned(t.to_rfc3339_opts(SecondsFormat::AutoSi, true)))
                    .unwrap_or(Cow::Borrowed(value.as_str())),
                _ => Cow::Borrowed(value.as_str()),
            };
            (*name, value)
        })
        .collect();
    pairs.sort_unstable();
    // Built by hand: this runs on every cached request.
    let mut key = String::with_capacity(
        endpoint.len()
            + 1
            + pairs
                .iter()
                .map(|(n, v)| n.len() + v.len() + 2)
                .sum::<usize>(),
    );
    key.push_str(endpoint);
    key.push('?');
    for (index, (name, value)) in pairs.iter().enumerate() {
        if index > 0 {
            key.push('&');
        }
        key.push_str(name);
        key.push('=');
        key.push_str(value);
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::camlytics::model::{EVENT_TYPES, ORDERS};

    const EVENTS_LIKE: RouteSpec = RouteSpec {
        endpoint: "/events",
        params: &[
            ("location_id", ParamKind::Int32),
            ("channel_id", ParamKind::TextId),
            ("limit", ParamKind::Limit),
            ("order", ParamKind::OneOf(ORDERS)),
            ("event_type", ParamKind::OneOf(EVENT_TYPES)),
            ("since", ParamKind::DateTime),
            ("until", ParamKind::DateTime),
        ],
    };

    fn message(query: &str) -> String {
        validate(&EVENTS_LIKE, query).unwrap_err().to_string()
    }

    #[test]
    fn the_callers_nonce_is_dropped_and_values_are_kept() {
        let params = validate(&EVENTS_LIKE, "nonce=5&location_id=32&order=desc").unwrap();
        assert_eq!(
            params,
            vec![
                ("location_id", "32".to_string()),
                ("order", "desc".to_string())
            ]
        );
    }

    #[test]
    fn rfc3339_date_times_go_upstream_as_written_and_the_webhook_form_as_utc() {
        for (given, expected) in [
            (
                "2020-10-13T06:12:00.000%2B01:00",
                "2020-10-13T06:12:00.000+01:00",
            ),
            (
                "2018-05-20T10:30:02.5550000Z",
                "2018-05-20T10:30:02.5550000Z",
            ),
            ("2024-01-01T00:00:00-05:00", "2024-01-01T00:00:00-05:00"),
            ("2000-01-23%2004:56:07.000", "2000-01-23T04:56:07.000Z"),
            ("2000-01-23+04:56:07", "2000-01-23T04:56:07.000Z"),
        ] {
            let params = validate(&EVENTS_LIKE, &format!("since={given}")).unwrap();
            assert_eq!(params[0].1, expected, "for {given}");
        }
    }

    #[test]
    fn bad_values_name_the_parameter_and_what_is_allowed() {
        assert!(message("limit=0").starts_with("limit: must be a whole number from 1 to 1000"));
        assert!(message("limit=1001").starts_with("limit:"));
        assert!(message("location_id=-1").starts_with("location_id: must be a whole number"));
        assert!(message("location_id=2147483648").starts_with("location_id:"));
        assert!(message("location_id=abc").starts_with("location_id:"));
        assert!(message("order=up").contains("asc, desc"));
        assert!(message("event_type=Jump").contains("TripwireCrossed"));
        assert!(message("since=yesterday").starts_with("since: must be an RFC 3339"));
        assert!(message("since=2024-01-01T00:00:00").starts_with("since:"));
        assert!(message("channel_id=").starts_with("channel_id:"));
    }

    #[test]
    fn unknown_and_repeated_parameters_are_rejected() {
        assert!(
            message("colour=red").starts_with("colour: unknown parameter for /events; allowed:")
        );
        assert!(message("limit=5&limit=6").starts_with("limit: given more than once"));
    }

    #[test]
    fn a_window_that_ends_before_it_starts_is_rejected() {
        assert!(
            message("since=2024-02-01T00:00:00Z&until=2024-01-01T00:00:00Z")
                .starts_with("since: must not be later than until")
        );
    }
}
