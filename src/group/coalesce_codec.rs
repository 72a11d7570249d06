//! How a shared failure is laid out in Redis: its kind (one byte), its `Retry-After` in milliseconds (eight bytes)
//! and its message, so that a gateway taking it answers with the same status, wait and words.

use std::time::Duration;

use crate::cache::second_level::{FailureKind, SharedFailure};

const HEADER: usize = 1 + 8;

/// The stored form of `failure`.
pub fn encode_failure(failure: &SharedFailure) -> Vec<u8> {
    let mut value = Vec::with_capacity(HEADER + failure.msg.len());
    value.push(kind_code(failure.kind));
    let retry_ms = u64::try_from(failure.retry_after.as_millis()).unwrap_or(u64::MAX);
    value.extend_from_slice(&retry_ms.to_be_bytes());
    value.extend_from_slice(failure.msg.as_bytes());
    value
}

/// The failure in `value`, or `None` when it is not one this gateway wrote.
pub fn decode_failure(value: &[u8]) -> Option<SharedFailure> {
    if value.len() < HEADER {
        return None;
    }
    let kind = kind_of(value[0])?;
    let retry_ms = u64::from_be_bytes(value[1..HEADER].try_into().ok()?);
    Some(SharedFailure {
        kind,
        msg: String::from_utf8_lossy(&value[HEADER..]).into_owned(),
        retry_after: Duration::from_millis(retry_ms),
    })
}

fn kind_code(kind: FailureKind) -> u8 {
    match kind {
        FailureKind::BadGateway => 1,
        FailureKind::GatewayTimeout => 2,
        FailureKind::Unavailable => 3,
        FailureKind::CloudBusy => 4,
        FailureKind::BadRequest => 5,
    }
}

fn kind_of(code: u8) -> Option<FailureKind> {
    Some(match code {
        1 => FailureKind::BadGateway,
        2 => FailureKind::GatewayTimeout,
        3 => FailureKind::Unavailable,
        4 => FailureKind::CloudBusy,
        5 => FailureKind::BadRequest,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_reads_back_as_it_was_written() {
        let failure = SharedFailure {
            kind: FailureKind::CloudBusy,
            msg: "the cloud asked the gateway to wait (429)".into(),
            retry_after: Duration::from_millis(2_500),
        };

        let read = decode_failure(&encode_failure(&failure));

        assert_eq!(read, Some(failure));
    }

    #[test]
    fn a_value_of_an_unknown_kind_or_cut_short_is_no_failure() {
        assert_eq!(decode_failure(b"\x09\0\0\0\0\0\0\0\0msg"), None);
        assert_eq!(decode_failure(b"\x01\0"), None);
    }
}
