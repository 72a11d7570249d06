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
/// `2000-01-23 04:56:07.000`, which has no offset and is UTC.
pub fn parse_date_time(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(value) {
        return Some(time.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .map(|naive| naive.and_utc())
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
}
