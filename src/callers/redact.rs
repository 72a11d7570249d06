//! How a request's path and query are shown in log lines: the secrets callers put there (a webhook token in
//! the intake's path, a caller token in `access_token`) replaced by `[REDACTED]`.

use std::borrow::Cow;

use super::gate::{is_under, ACCESS_TOKEN, WEBHOOK_PREFIX};

/// `path` as logged: a webhook token (whatever follows the intake's prefix) replaced by `[REDACTED]`. The
/// router matches the percent-decoded path, so `/webhooks/c%61mlytics/<token>` reaches the intake too: a
/// path with a `%` is decoded before it is compared.
pub fn shown_path(path: &str) -> Cow<'_, str> {
    let intake = is_under(path, &[WEBHOOK_PREFIX])
        || (path.contains('%')
            && is_under(
                &percent_encoding::percent_decode_str(path).decode_utf8_lossy(),
                &[WEBHOOK_PREFIX],
            ));
    if intake {
        format!("{WEBHOOK_PREFIX}/[REDACTED]").into()
    } else {
        path.into()
    }
}

/// `query` as logged: the value of every `access_token` parameter (a caller's token, sent in the query by
/// browsers' EventSource) replaced by `[REDACTED]`, however its name is percent-encoded.
pub fn shown_query(query: &str) -> Cow<'_, str> {
    if !query.contains('%') && !query.contains(ACCESS_TOKEN) {
        return Cow::Borrowed(query);
    }
    let is_token = |pair: &str| {
        form_urlencoded::parse(pair.as_bytes())
            .next()
            .is_some_and(|(name, _)| name == ACCESS_TOKEN)
    };
    if !query.split('&').any(is_token) {
        return Cow::Borrowed(query);
    }
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match is_token(pair) {
            true => {
                let raw_name = pair.split_once('=').map_or(pair, |(n, _)| n);
                format!("{raw_name}=[REDACTED]")
            }
            false => pair.to_string(),
        })
        .collect();
    Cow::Owned(pairs.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_token_and_an_access_token_are_never_shown() {
        assert_eq!(
            shown_path("/webhooks/camlytics/tok-123"),
            "/webhooks/camlytics/[REDACTED]"
        );
        assert_eq!(shown_path("/v1/series"), "/v1/series");
        assert_eq!(
            shown_query("channel_id=a&access_token=tok-9&x=1"),
            "channel_id=a&access_token=[REDACTED]&x=1"
        );
    }

    #[test]
    fn a_token_in_the_query_is_redacted_however_it_is_spelled() {
        assert_eq!(shown_query("location_id=1"), "location_id=1");
        assert_eq!(
            shown_query("access_token=t0k3n&origin=Vehicle"),
            "access_token=[REDACTED]&origin=Vehicle"
        );
        let sly = shown_query("%61ccess_token=t0k3n&channel_id=a%20b");
        assert!(!sly.contains("t0k3n"), "{sly}");
        assert!(sly.contains("channel_id=a%20b"), "{sly}");
    }

    #[test]
    fn a_webhook_token_behind_a_percent_encoded_prefix_is_never_shown() {
        assert_eq!(
            shown_path("/webhooks/c%61mlytics/tok-123"),
            "/webhooks/camlytics/[REDACTED]"
        );
        assert_eq!(shown_path("/v1/series%20x"), "/v1/series%20x");
    }
}
