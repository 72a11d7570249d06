//! How an answer is laid out in Redis: a 17-byte header (format, fetched-at and freshness in milliseconds) and
//! the cloud's bytes, so a reader gets the body as a slice of what Redis sent, without a copy or a parse.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::web::Bytes;

use crate::cache::second_level::SharedAnswer;

/// The layout's version; a reader skips what it does not know (a newer gateway's format) as a miss.
const FORMAT: u8 = 1;
const HEADER: usize = 1 + 8 + 8;

/// The stored form of `answer`.
pub fn encode(answer: &SharedAnswer) -> Vec<u8> {
    let fetched_at = answer
        .fetched_at
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    let mut value = Vec::with_capacity(HEADER + answer.body.len());
    value.push(FORMAT);
    value.extend_from_slice(&millis(fetched_at).to_be_bytes());
    value.extend_from_slice(&millis(answer.fresh_for).to_be_bytes());
    value.extend_from_slice(&answer.body);
    value
}

/// The answer in `value`, or `None` when it is not one this gateway wrote.
pub fn decode(value: Bytes) -> Option<SharedAnswer> {
    if value.len() < HEADER || value[0] != FORMAT {
        return None;
    }
    let fetched_at = u64::from_be_bytes(value[1..9].try_into().ok()?);
    let fresh_for = u64::from_be_bytes(value[9..17].try_into().ok()?);
    Some(SharedAnswer {
        body: value.slice(HEADER..),
        fetched_at: UNIX_EPOCH.checked_add(Duration::from_millis(fetched_at))?,
        fresh_for: Duration::from_millis(fresh_for),
    })
}

/// How long Redis should keep `answer` from `now`: the rest of its freshness plus `stale_for`; `None` when
/// it is already past both.
pub fn keep_for(answer: &SharedAnswer, stale_for: Duration, now: SystemTime) -> Option<Duration> {
    let kept_until = answer.fetched_at + answer.fresh_for + stale_for;
    kept_until
        .duration_since(now)
        .ok()
        .filter(|left| left.as_millis() > 0)
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer() -> SharedAnswer {
        SharedAnswer {
            body: Bytes::from_static(br#"{"code":0,"msg":"success","result":[]}"#),
            fetched_at: UNIX_EPOCH + Duration::from_millis(1_764_000_000_123),
            fresh_for: Duration::from_secs(60),
        }
    }

    #[test]
    fn an_answer_reads_back_as_it_was_written() {
        let stored = encode(&answer());

        assert_eq!(decode(Bytes::from(stored)), Some(answer()));
    }

    #[test]
    fn a_value_in_another_format_or_cut_short_is_a_miss() {
        let mut stored = encode(&answer());
        stored[0] = 2;

        assert_eq!(decode(Bytes::from(stored)), None);
        assert_eq!(decode(Bytes::from_static(b"\x01short")), None);
    }

    #[test]
    fn redis_keeps_an_answer_for_the_rest_of_its_freshness_and_stale_window() {
        let answer = answer();
        let now = answer.fetched_at + Duration::from_secs(20);

        let kept = keep_for(&answer, Duration::from_secs(3600), now);
        let expired = keep_for(&answer, Duration::ZERO, now + Duration::from_secs(40));

        assert_eq!(kept, Some(Duration::from_secs(40 + 3600)));
        assert_eq!(expired, None);
    }
}
