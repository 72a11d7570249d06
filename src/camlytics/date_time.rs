//! The API's date-times: RFC 3339 with any offset and fraction, and the webhook form without an offset.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

/// The form sent upstream: an RFC 3339 value exactly as the caller wrote it (the cloud then sees what it
/// would have seen without the gateway); the offset-less webhook form becomes RFC 3339 in UTC.
pub fn upstream_date_time(value: &str) -> Option<String> {
    if DateTime::parse_from_rfc3339(value).is_ok() {
        return Some(value.to_string());
    }
    parse_date_time(value).map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// RFC 3339 with any offset and any number of fraction digits; also the webhook form
/// `2000-01-23 04:56:07.000`, which has no offset and is UTC. Both only with a four-digit year, so that every
/// accepted value has an RFC 3339 form that reads back as the same instant.
pub fn parse_date_time(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(value) {
        return Some(time.with_timezone(&Utc)).filter(has_four_digit_year);
    }
    if !is_webhook_shape(value) {
        return None;
    }
    NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .map(|naive| naive.and_utc())
        .filter(has_four_digit_year)
}

/// Years 0000 to 9999, the range RFC 3339 can write (chrono writes others with a sign and more digits).
fn has_four_digit_year(time: &DateTime<Utc>) -> bool {
    (0..=9999).contains(&chrono::Datelike::year(time))
}

/// `YYYY-MM-DD HH:MM:SS` with an optional `.` and 1 to 9 fraction digits, digits exactly where they belong
/// (chrono's `%Y` alone would take a signed or short year, `-2-1-1 2:1:5`).
fn is_webhook_shape(value: &str) -> bool {
    const SHAPE: &[u8] = b"dddd-dd-dd dd:dd:dd";
    let bytes = value.as_bytes();
    if bytes.len() < SHAPE.len() {
        return false;
    }
    let (head, fraction) = bytes.split_at(SHAPE.len());
    let head_fits = head.iter().zip(SHAPE).all(|(&b, &s)| match s {
        b'd' => b.is_ascii_digit(),
        _ => b == s,
    });
    let fraction_fits = match fraction {
        [] => true,
        [b'.', digits @ ..] => {
            (1..=9).contains(&digits.len()) && digits.iter().all(u8::is_ascii_digit)
        }
        _ => false,
    };
    head_fits && fraction_fits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_the_webhook_form_read_as_the_same_instant() {
        let a = parse_date_time("2024-03-01T01:00:00+01:00").unwrap();
        let b = parse_date_time("2024-03-01T00:00:00.000Z").unwrap();
        let c = parse_date_time("2024-03-01 00:00:00.000").unwrap();
        assert_eq!(a, b);
        assert_eq!(b, c);
        assert!(parse_date_time("2024-03-01T00:00:00").is_none());
    }

    #[test]
    fn a_signed_or_short_year_is_refused_in_either_form() {
        // Found by cargo fuzz: accepted, canonicalised to `-0002-01-12T02:01:05.222Z`, then refused.
        assert!(parse_date_time("-2-1-122:1:5.222111111").is_none());
        assert!(parse_date_time("2024-3-01 00:00:00").is_none());
        assert!(parse_date_time("2024-03-01 00:00:00.").is_none());
        assert!(parse_date_time("2024-03-01 00:00:00.1234567890").is_none());
        assert!(parse_date_time("2024-03-01 00:00:00.123456789").is_some());
        assert!(parse_date_time("0000-01-01T00:00:00Z").is_some());
    }
}
