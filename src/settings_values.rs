//! Value parsers and range checks for settings. A leaf: it imports nothing of the crate, so every module's
//! settings can use it without a circle through `crate::settings`.
//!
//! Parsers only read text (a value that cannot be read is clap's error, naming the flag); the range checks run
//! at start and name the environment variable, so a value that reads but makes no sense stops the start with
//! `error: <NAME> must be ...` instead of a panic deep in the server.

use std::fmt::Display;
use std::time::Duration;

/// Longest duration any setting accepts: a year. Longer is a typo, and would overflow deadline arithmetic.
pub const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 60 * 60);
/// Most calls a second to the cloud (or allowed by the simulator): the real cloud takes about one.
pub const MAX_UPSTREAM_RPS: f64 = 1000.0;
/// Most requests a second, and at once, a caller may be allowed; the benchmarks run at this to lift the limit.
pub const MAX_CALLER_RATE: f64 = 10_000_000.0;
/// Largest query or header limit in bytes: actix-web refuses a request head larger than 32 KiB anyway.
pub const MAX_REQUEST_PART_BYTES: u64 = 64 << 10;
/// Fewest bytes the cache may hold: below that it could not keep one events page.
pub const MIN_CACHE_BYTES: u64 = 1 << 20;
/// Most bytes the cache may hold: 1 TiB, far above any machine the gateway runs on.
pub const MAX_CACHE_BYTES: u64 = 1 << 40;

/// Whether a setting accepts zero (a latency of none, keep-alive off) or needs a value above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zero {
    /// Zero is a meaningful value.
    Allowed,
    /// Zero would stall or break the server.
    Refused,
}

/// Reads a duration given as plain seconds (`90`, `0.5`) or in humantime form (`90s`, `5m`, `24h`).
/// Seconds too large to represent read as the longest duration, for [`duration_in_range`] to refuse by name.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<f64>() {
        if seconds.is_nan() || seconds < 0.0 {
            return Err(format!(
                "'{text}' is not a duration of zero or more seconds"
            ));
        }
        return Ok(Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX));
    }
    humantime::parse_duration(text).map_err(|e| {
        format!("'{text}' is not a duration ({e}); use seconds such as 90, or 90s, 5m, 24h")
    })
}

/// Reads a byte size: plain bytes (`67108864`) or with a unit (`64MiB`, `512KiB`, `1GiB`, `10MB`).
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a size; use bytes or a unit, such as 64MiB"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "kib" | "k" => 1 << 10,
        "mb" => 1_000_000,
        "mib" | "m" => 1 << 20,
        "gb" => 1_000_000_000,
        "gib" | "g" => 1 << 30,
        other => return Err(format!("'{other}' is not a size unit; use KiB, MiB or GiB")),
    };
    number
        .checked_mul(factor)
        .ok_or_else(|| format!("'{text}' is too large"))
}

/// Checks a duration against zero (per `zero`) and [`MAX_DURATION`].
pub fn duration_in_range(name: &str, value: Duration, zero: Zero) -> Result<Duration, String> {
    let low = match zero {
        Zero::Allowed => "0 or more",
        Zero::Refused => "above 0",
    };
    if (zero == Zero::Refused && value.is_zero()) || value > MAX_DURATION {
        return Err(format!(
            "{name} must be {low} and at most 365 days (e.g. 30s, 5m, 24h), not {}",
            describe(value)
        ));
    }
    Ok(value)
}

/// Checks a rate (requests a second): a finite number above 0 (or 0 itself, per `zero`) and at most `max`.
pub fn rate_in_range(name: &str, value: f64, zero: Zero, max: f64) -> Result<f64, String> {
    let low_ok = match zero {
        Zero::Allowed => value >= 0.0,
        Zero::Refused => value > 0.0,
    };
    if !(value.is_finite() && low_ok && value <= max) {
        let low = match zero {
            Zero::Allowed => "from 0",
            Zero::Refused => "above 0",
        };
        return Err(format!(
            "{name} must be a number {low} and at most {max} (e.g. 1 or 0.5), not {value}"
        ));
    }
    Ok(value)
}

/// Checks a count (bytes, requests) is within `min..=max`.
pub fn count_in_range<T>(name: &str, value: T, min: u64, max: u64) -> Result<T, String>
where
    T: Copy + Display + TryInto<u64>,
{
    match value.try_into() {
        Ok(n) if (min..=max).contains(&n) => Ok(value),
        _ => Err(format!(
            "{name} must be a whole number from {min} to {max}, not {value}"
        )),
    }
}

/// A duration as a person wrote it, or "more than a year" for values no one meant.
fn describe(value: Duration) -> String {
    if value > MAX_DURATION {
        "more than a year".into()
    } else {
        humantime::format_duration(value).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_accept_plain_seconds_and_humantime() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("0.5"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86_400)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-3").is_err());
        assert!(parse_duration("NaN").is_err());
    }

    #[test]
    fn seconds_too_large_to_represent_read_as_too_long_instead_of_panicking() {
        for text in ["1e30", "inf", "18446744073709551616"] {
            let value = parse_duration(text).unwrap();
            let error = duration_in_range("GATEWAY_MAX_WAIT", value, Zero::Refused).unwrap_err();
            assert!(error.starts_with("GATEWAY_MAX_WAIT must be"), "{error}");
        }
    }

    #[test]
    fn sizes_accept_plain_bytes_and_units() {
        assert_eq!(parse_bytes("1048576"), Ok(1 << 20));
        assert_eq!(parse_bytes("64MiB"), Ok(64 << 20));
        assert_eq!(parse_bytes("512 KiB"), Ok(512 << 10));
        assert_eq!(parse_bytes("10MB"), Ok(10_000_000));
        assert!(parse_bytes("lots").is_err());
        assert!(parse_bytes("5 parsecs").is_err());
    }

    #[test]
    fn durations_are_refused_at_zero_unless_allowed_and_past_a_year() {
        let cases = [
            (Duration::ZERO, Zero::Refused, false),
            (Duration::ZERO, Zero::Allowed, true),
            (Duration::from_millis(1), Zero::Refused, true),
            (MAX_DURATION, Zero::Refused, true),
            (MAX_DURATION + Duration::from_secs(1), Zero::Allowed, false),
        ];
        for (value, zero, ok) in cases {
            let checked = duration_in_range("GATEWAY_X", value, zero);
            assert_eq!(checked.is_ok(), ok, "{value:?} {zero:?}: {checked:?}");
        }
    }

    #[test]
    fn rates_must_be_finite_positive_and_bounded() {
        let cases = [
            (1.0, Zero::Refused, true),
            (0.5, Zero::Refused, true),
            (1000.0, Zero::Refused, true),
            (0.0, Zero::Refused, false),
            (0.0, Zero::Allowed, true),
            (-1.0, Zero::Allowed, false),
            (f64::NAN, Zero::Allowed, false),
            (f64::INFINITY, Zero::Refused, false),
            (1000.5, Zero::Refused, false),
        ];
        for (value, zero, ok) in cases {
            let checked = rate_in_range("GATEWAY_UPSTREAM_RPS", value, zero, MAX_UPSTREAM_RPS);
            assert_eq!(checked.is_ok(), ok, "{value} {zero:?}: {checked:?}");
            if let Err(message) = checked {
                assert!(
                    message.starts_with("GATEWAY_UPSTREAM_RPS must be"),
                    "{message}"
                );
            }
        }
    }

    #[test]
    fn counts_must_lie_within_their_bounds() {
        assert_eq!(count_in_range("GATEWAY_X", 5usize, 1, 10), Ok(5));
        assert!(count_in_range("GATEWAY_X", 0u32, 1, 10).is_err());
        let error = count_in_range("GATEWAY_X", u64::MAX, 1, 10).unwrap_err();
        assert!(
            error.starts_with("GATEWAY_X must be a whole number from 1 to 10"),
            "{error}"
        );
    }
}
