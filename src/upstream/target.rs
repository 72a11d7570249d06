//! The request target sent upstream and signed: built once, in one canonical form.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// The bytes JavaScript's `encodeURIComponent` leaves alone: `A-Z a-z 0-9 - _ . ! ~ * ' ( )`.
/// The reference signs values encoded this way, so every value is encoded with this set.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// Encodes a query value as JavaScript's `encodeURIComponent` does.
pub fn encode_uri_component(value: &str) -> String {
    utf8_percent_encode(value, URI_COMPONENT).to_string()
}

/// Builds `base_path + endpoint + ?query` with the parameters and the nonce sorted by name,
/// each value encoded once. The result is both what is signed and what is sent.
pub fn request_target(
    base_path: &str,
    endpoint: &str,
    params: &[(&'static str, String)],
    nonce: i64,
) -> String {
    let nonce = nonce.to_string();
    let mut pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .chain(std::iter::once(("nonce", nonce.as_str())))
        .collect();
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    let query: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{name}={}", encode_uri_component(value)))
        .collect();
    format!("{base_path}{endpoint}?{}", query.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_encoded_like_encode_uri_component() {
        assert_eq!(
            encode_uri_component("2020-10-13T06:12:00.000+01:00"),
            "2020-10-13T06%3A12%3A00.000%2B01%3A00"
        );
        assert_eq!(encode_uri_component("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(encode_uri_component("-_.!~*'()"), "-_.!~*'()");
    }

    #[test]
    fn parameters_and_nonce_are_sorted_by_name() {
        let params = [
            ("since", "2020-10-13T06:12:00.000+01:00".to_string()),
            ("location_id", "32".to_string()),
        ];
        assert_eq!(
            request_target("/service/api/v1", "/events", &params, 154),
            "/service/api/v1/events?location_id=32&nonce=154&since=2020-10-13T06%3A12%3A00.000%2B01%3A00"
        );
    }
}
