//! Reading the cloud's answer: success, a rejected nonce, throttling, or a fault with its precise status.

use std::time::{Duration, SystemTime};

use actix_web::http::header::{self, HeaderMap, HttpDate};
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use serde::Deserialize;

use super::shared::UpstreamAnswer;
use crate::error::GatewayError;

/// Wait assumed when the cloud throttles without saying for how long (or says it in a way we cannot read).
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);
/// Longest wait taken from the cloud's `Retry-After`: a value from outside is added to clocks, so it is
/// bounded; an hour is past any throttle the cloud documents, and callers are told 503 meanwhile anyway.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// What one exchange with the cloud came to.
#[derive(Debug)]
pub enum Classified {
    /// 200 with the envelope and code 0.
    Success(UpstreamAnswer),
    /// The cloud refused the nonce: someone else used a higher one with this key.
    NonceRejected {
        /// The cloud's message (what it says of its last nonce is read, and doubted, by `floor`).
        msg: String,
    },
    /// 429 or 503: wait `retry_after`, then try again with a fresh nonce.
    Throttled {
        /// The cloud's status.
        status: StatusCode,
        /// How long the cloud asked us to wait.
        retry_after: Duration,
    },
    /// Anything else: answered to the caller as is.
    Failed(GatewayError),
}

impl Classified {
    /// The metric outcome label.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Success(_) => "ok",
            Self::NonceRejected { .. } => "nonce_rejected",
            Self::Throttled { .. } => "throttled",
            Self::Failed(GatewayError::GatewayTimeout(_)) => "timeout",
            Self::Failed(_) => "failed",
        }
    }

    /// A short word for the log line.
    pub fn summary(&self) -> String {
        match self {
            Self::Success(_) => "200 ok".into(),
            Self::NonceRejected { .. } => "nonce rejected".into(),
            Self::Throttled {
                status,
                retry_after,
            } => {
                format!("{status} retry after {retry_after:?}")
            }
            Self::Failed(error) => format!("failed: {error}"),
        }
    }
}

#[derive(Deserialize)]
struct Envelope {
    code: Option<i64>,
    msg: Option<String>,
}

/// Sorts one answer of the cloud into what the gateway does next.
pub fn classify(status: StatusCode, headers: &HeaderMap, body: Bytes) -> Classified {
    let envelope = serde_json::from_slice::<Envelope>(&body).ok();
    let msg = envelope
        .as_ref()
        .and_then(|e| e.msg.clone())
        .map(|m| m.chars().take(200).collect::<String>())
        .unwrap_or_else(|| format!("no message, {} bytes", body.len()));
    if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
        return Classified::Throttled {
            status,
            retry_after: retry_after(headers)
                .unwrap_or(DEFAULT_RETRY_AFTER)
                .min(MAX_RETRY_AFTER),
        };
    }
    if msg.to_ascii_lowercase().contains("nonce")
        && (status.is_client_error() || envelope.as_ref().is_some_and(|e| e.code != Some(0)))
    {
        return Classified::NonceRejected { msg };
    }
    let failure = match status {
        StatusCode::OK => match envelope {
            Some(Envelope { code: Some(0), .. }) | Some(Envelope { code: None, .. }) => {
                return Classified::Success(UpstreamAnswer {
                    body,
                    date: headers
                        .get(header::DATE)
                        .and_then(|d| d.to_str().ok())
                        .map(str::to_string),
                });
            }
            Some(Envelope {
                code: Some(code), ..
            }) => GatewayError::BadGateway(format!("the cloud answered code {code}: {msg}")),
            None => GatewayError::BadGateway(
                "the cloud answered 200 with a body that is not its JSON envelope".into(),
            ),
        },
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => GatewayError::BadGateway(format!(
            "the cloud refused the gateway's credentials ({status}: {msg}); check CAMLYTICS_API_KEY and the secret with `camlytics-gateway check`"
        )),
        StatusCode::GATEWAY_TIMEOUT => {
            GatewayError::GatewayTimeout(format!("the cloud timed out ({status}: {msg})"))
        }
        s if s.is_client_error() => {
            GatewayError::BadGateway(format!("the cloud refused the request ({status}: {msg})"))
        }
        _ => GatewayError::BadGateway(format!("the cloud failed ({status}: {msg})")),
    };
    Classified::Failed(failure)
}

/// `Retry-After` as seconds or an HTTP date; anything else (`-1`, text) is not read.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date: HttpDate = value.parse().ok()?;
    Some(
        SystemTime::from(date)
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn classify_body(status: u16, body: &str) -> Classified {
        classify(
            StatusCode::from_u16(status).unwrap(),
            &HeaderMap::new(),
            Bytes::from(body.to_string()),
        )
    }

    #[test]
    fn a_success_envelope_is_passed_through_byte_for_byte() {
        let body = r#"{"code":0,"msg":"success","result":[]}"#;
        match classify_body(200, body) {
            Classified::Success(answer) => assert_eq!(answer.body, body),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_nonce_rejection_is_recognised_with_the_clouds_message() {
        let body = r#"{"code":4,"msg":"nonce must be more than the previous one (last accepted: 250)","result":null}"#;
        match classify_body(401, body) {
            Classified::NonceRejected { msg } => assert!(msg.contains("last accepted: 250")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn throttling_honours_retry_after() {
        let mut headers = HeaderMap::new();
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("7"));
        match classify(StatusCode::TOO_MANY_REQUESTS, &headers, Bytes::new()) {
            Classified::Throttled { retry_after, .. } => {
                assert_eq!(retry_after, Duration::from_secs(7))
            }
            other => panic!("{other:?}"),
        }
    }

    fn throttled_for(value: &'static str) -> Duration {
        let mut headers = HeaderMap::new();
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static(value));
        match classify(StatusCode::TOO_MANY_REQUESTS, &headers, Bytes::new()) {
            Classified::Throttled { retry_after, .. } => retry_after,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_huge_or_far_future_retry_after_is_cut_to_the_cap() {
        assert_eq!(throttled_for("18446744073709551615"), MAX_RETRY_AFTER);
        assert_eq!(throttled_for("99999999999"), MAX_RETRY_AFTER);
        assert_eq!(
            throttled_for("Fri, 31 Dec 9999 23:59:59 GMT"),
            MAX_RETRY_AFTER
        );
    }

    #[test]
    fn an_unreadable_retry_after_means_the_default_wait() {
        assert_eq!(throttled_for("-1"), DEFAULT_RETRY_AFTER);
        assert_eq!(throttled_for("soon"), DEFAULT_RETRY_AFTER);
    }

    #[test]
    fn faults_map_to_bad_gateway_or_timeout_never_success() {
        assert!(matches!(
            classify_body(200, "<html>oops</html>"),
            Classified::Failed(GatewayError::BadGateway(_))
        ));
        assert!(matches!(
            classify_body(500, "{}"),
            Classified::Failed(GatewayError::BadGateway(_))
        ));
        assert!(matches!(
            classify_body(401, r#"{"code":2,"msg":"invalid signature"}"#),
            Classified::Failed(GatewayError::BadGateway(_))
        ));
        assert!(matches!(
            classify_body(504, ""),
            Classified::Failed(GatewayError::GatewayTimeout(_))
        ));
    }
}
