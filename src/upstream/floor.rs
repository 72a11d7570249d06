//! What the gateway believes of a nonce rejection's message.
//!
//! The cloud's "nonce must be more than the previous one" may carry the last nonce it accepted, and then
//! the next nonce must go above it. But the message is free text: it may carry a trace id, a timestamp in
//! milliseconds or anything else, and a number taken on trust moves the key's nonce for good (nonces never
//! go down). So a number is believed only when another honest client of the key could have used it: such
//! a client uses `max(last + 1, unix now)`-like nonces, which stay within int32 and run ahead of the clock
//! only by the calls it made faster than one a second. A day of slack covers a day of such calls (the
//! cloud takes about one a second per key) and clock skew; beyond it the number is ignored and the retry
//! simply uses the next fresh nonce, which is already at or above the clock.

use super::nonce::MAX_NONCE;

/// How far ahead of the clock a believable "last accepted" nonce may be: a day of seconds.
pub const FLOOR_SLACK_SECS: i64 = 86_400;

/// What a rejection message says about the cloud's last accepted nonce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// A plausible last accepted nonce above ours: the next nonce goes above it.
    Believed(i64),
    /// Only numbers above ours that no honest client could have used (past int32, or far past the clock).
    Doubted(String),
    /// No number above ours.
    Silent,
}

/// Reads the largest believable number above `nonce` in `msg`, given the clock `now` (unix seconds).
pub fn read_claim(msg: &str, nonce: i64, now: i64) -> Claim {
    let ceiling = now.saturating_add(FLOOR_SLACK_SECS).min(MAX_NONCE);
    let mut believed = None;
    let mut doubted = None;
    for digits in msg.split(|c: char| !c.is_ascii_digit()) {
        if digits.is_empty() {
            continue;
        }
        // A run too long for i64 is certainly above any nonce, and certainly not believable.
        let value = digits.parse::<i64>().unwrap_or(i64::MAX);
        if value <= nonce {
            continue;
        }
        if value <= ceiling {
            believed = believed.max(Some(value));
        } else if doubted.is_none() {
            doubted = Some(digits.chars().take(24).collect());
        }
    }
    match (believed, doubted) {
        (Some(value), _) => Claim::Believed(value),
        (None, Some(text)) => Claim::Doubted(text),
        (None, None) => Claim::Silent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_764_500_000;

    #[test]
    fn a_plausible_last_accepted_nonce_is_believed() {
        let msg = "nonce must be more than the previous one (last accepted: 1764500300)";
        assert_eq!(read_claim(msg, NOW, NOW), Claim::Believed(1_764_500_300));
    }

    #[test]
    fn a_trace_number_past_int32_is_not_believed() {
        let msg = "Nonce must be more than the previous one. Trace 1796031351000123";
        assert_eq!(
            read_claim(msg, NOW, NOW),
            Claim::Doubted("1796031351000123".into())
        );
    }

    #[test]
    fn a_number_within_int32_but_far_past_the_clock_is_not_believed() {
        let msg = "nonce too small, request 2000000000";
        assert!(matches!(read_claim(msg, NOW, NOW), Claim::Doubted(_)));
    }

    #[test]
    fn a_number_a_day_past_the_clock_is_still_believed_and_a_second_more_is_not() {
        let edge = NOW + FLOOR_SLACK_SECS;
        assert_eq!(
            read_claim(&format!("last {edge}"), NOW, NOW),
            Claim::Believed(edge)
        );
        assert!(matches!(
            read_claim(&format!("last {}", edge + 1), NOW, NOW),
            Claim::Doubted(_)
        ));
    }

    #[test]
    fn numbers_at_or_below_ours_and_absurdly_long_runs_say_nothing_believable() {
        assert_eq!(
            read_claim("nonce 3 of 1764500000 rejected", NOW, NOW),
            Claim::Silent
        );
        assert!(matches!(
            read_claim(&"9".repeat(40), NOW, NOW),
            Claim::Doubted(_)
        ));
        assert_eq!(read_claim("nonce rejected", NOW, NOW), Claim::Silent);
    }

    #[test]
    fn a_believable_number_wins_over_a_stray_one_in_the_same_message() {
        let msg = "Trace 1796031351000123: last accepted 1764500010";
        assert_eq!(read_claim(msg, NOW, NOW), Claim::Believed(1_764_500_010));
    }
}
