//! What a caller's request headers ask of a cached answer, read in one pass over them: a hit would
//! otherwise look each of these fields up by name, and most requests carry none of them.

use actix_web::http::header::{self, HeaderMap, HeaderValue};

/// The caller's cache-related request fields.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Asked<'a> {
    /// `Cache-Control: no-cache` or `max-age=0`, or `Pragma: no-cache`: skip fresh copies.
    pub revalidate: bool,
    /// The first `Accept-Encoding` line (empty without one, or when it is not text).
    pub accept_encoding: &'a str,
    /// The first `If-None-Match` line. A tag on a later line is not seen: the answer is then a full 200
    /// rather than a 304, which is safe.
    pub if_none_match: Option<&'a str>,
    /// Whether an `Origin` was sent (a browser's cross-origin request).
    pub origin: bool,
}

impl<'a> Asked<'a> {
    /// Reads `headers` once.
    pub fn read(headers: &'a HeaderMap) -> Self {
        let mut asked = Self::default();
        let (mut encoding_seen, mut tags_seen) = (false, false);
        for (name, value) in headers.iter() {
            if name == header::CACHE_CONTROL {
                asked.revalidate |= names_directive(value, &["no-cache", "max-age=0"]);
            } else if name == header::PRAGMA {
                asked.revalidate |= names_directive(value, &["no-cache"]);
            } else if name == header::ACCEPT_ENCODING && !encoding_seen {
                encoding_seen = true;
                asked.accept_encoding = value.to_str().unwrap_or_default();
            } else if name == header::IF_NONE_MATCH && !tags_seen {
                tags_seen = true;
                asked.if_none_match = value.to_str().ok();
            } else if name == header::ORIGIN {
                asked.origin = true;
            }
        }
        asked
    }
}

/// Whether a comma-separated field value holds one of `directives` (case-insensitive).
fn names_directive(value: &HeaderValue, directives: &[&str]) -> bool {
    value.to_str().is_ok_and(|value| {
        value.split(',').map(str::trim).any(|d| {
            directives
                .iter()
                .any(|wanted| d.eq_ignore_ascii_case(wanted))
        })
    })
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderName;

    use super::*;

    fn headers(fields: &[(HeaderName, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in fields {
            map.append(name.clone(), HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn a_request_without_cache_fields_asks_nothing() {
        let map = headers(&[(header::HOST, "gw"), (header::USER_AGENT, "wrk")]);
        assert_eq!(Asked::read(&map), Asked::default());
    }

    #[test]
    fn no_cache_and_max_age_zero_ask_for_revalidation_in_any_case_and_field() {
        for (name, value) in [
            (header::CACHE_CONTROL, "no-cache"),
            (header::CACHE_CONTROL, "max-stale=5, Max-Age=0"),
            (header::CACHE_CONTROL, " NO-CACHE "),
            (header::PRAGMA, "no-cache"),
        ] {
            let map = headers(&[(name.clone(), value)]);
            assert!(Asked::read(&map).revalidate, "{name}: {value}");
        }
        let map = headers(&[(header::CACHE_CONTROL, "max-age=10, no-store")]);
        assert!(!Asked::read(&map).revalidate);
    }

    #[test]
    fn pragma_max_age_zero_does_not_ask_for_revalidation() {
        let map = headers(&[(header::PRAGMA, "max-age=0")]);
        assert!(!Asked::read(&map).revalidate);
    }

    #[test]
    fn only_the_first_accept_encoding_and_if_none_match_lines_are_read() {
        let map = headers(&[
            (header::ACCEPT_ENCODING, "identity"),
            (header::ACCEPT_ENCODING, "gzip"),
            (header::IF_NONE_MATCH, "\"first\""),
            (header::IF_NONE_MATCH, "\"second\""),
        ]);
        let asked = Asked::read(&map);
        assert_eq!(asked.accept_encoding, "identity");
        assert_eq!(asked.if_none_match, Some("\"first\""));
    }

    #[test]
    fn a_second_cache_control_line_is_read_too() {
        let map = headers(&[
            (header::CACHE_CONTROL, "max-age=10"),
            (header::CACHE_CONTROL, "no-cache"),
        ]);
        assert!(Asked::read(&map).revalidate);
    }

    #[test]
    fn encoding_tags_and_origin_are_taken_from_their_fields() {
        let map = headers(&[
            (header::ACCEPT_ENCODING, "gzip, br"),
            (header::IF_NONE_MATCH, "\"abc\""),
            (header::ORIGIN, "https://app.example"),
        ]);
        let asked = Asked::read(&map);
        assert_eq!(asked.accept_encoding, "gzip, br");
        assert_eq!(asked.if_none_match, Some("\"abc\""));
        assert!(asked.origin);
        assert!(!asked.revalidate);
    }
}
