//! The webhook intake's logic: read a body (the reference's array of events, or one event), keep the
//! valid events in the intake log and quarantine the others, both durable before the answer, and count
//! what happened by webhook name. The HTTP side is `crate::api::webhooks`.

use std::time::Instant;

use serde_json::value::RawValue;

use super::event::LiveEvent;
use super::log::{Appended, IntakeLog, Rejected, MAX_REJECTED_BYTES};
use crate::mirror::store::StoreError;

/// What one batch did: the answer's `result`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct IntakeOutcome {
    /// Events in the body.
    #[schema(example = 100)]
    pub received: usize,
    /// Events new to the log.
    #[schema(example = 97)]
    pub stored: usize,
    /// Events the log held already (a retried delivery): accepted, not stored again.
    #[schema(example = 2)]
    pub duplicates: usize,
    /// Events that could not be read, kept in the quarantine (`GET /v1/webhooks/rejected`).
    #[schema(example = 1)]
    pub quarantined: usize,
}

/// Why a batch was not taken.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// The body is not a JSON array or object: 400, nothing kept.
    #[error("{0}")]
    Malformed(String),
    /// The log could not commit: 503, the cloud retries.
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// The event objects of a body: a JSON array of them, or one object.
pub fn read_body(body: &[u8]) -> Result<Vec<Box<RawValue>>, IntakeError> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    let malformed = |e: serde_json::Error| {
        IntakeError::Malformed(format!(
            "the body is not valid JSON ({e}); send a JSON array of events, or one event object"
        ))
    };
    match first {
        Some(b'[') => serde_json::from_slice(body).map_err(malformed),
        Some(b'{') => {
            let one: Box<RawValue> = serde_json::from_slice(body).map_err(malformed)?;
            Ok(vec![one])
        }
        _ => Err(IntakeError::Malformed(
            "the body must be a JSON array of events, or one event object".into(),
        )),
    }
}

/// Takes one webhook delivery through `webhook` (the token's name): every valid event appended, every
/// invalid one quarantined, both committed before this returns.
pub async fn take(
    log: &dyn IntakeLog,
    webhook: &str,
    body: &[u8],
) -> Result<IntakeOutcome, IntakeError> {
    let started = Instant::now();
    let objects = read_body(body)?;
    let mut outcome = IntakeOutcome {
        received: objects.len(),
        ..IntakeOutcome::default()
    };
    let mut events = Vec::with_capacity(objects.len());
    let mut rejected = Vec::new();
    for object in &objects {
        match LiveEvent::from_raw(object) {
            Ok(event) => events.push(event),
            Err(reason) => rejected.push(Rejected {
                webhook: webhook.to_owned(),
                reason,
                raw: capped(object.get()),
            }),
        }
    }
    outcome.quarantined = rejected.len();
    // The two commits run at once: the writer may well group them into one transaction.
    let append = async {
        match events.is_empty() {
            true => Ok(Vec::new()),
            false => log.append(events).await,
        }
    };
    let quarantine = async {
        match rejected.is_empty() {
            true => Ok(()),
            false => log.quarantine(rejected).await,
        }
    };
    let (appended, quarantined) = tokio::join!(append, quarantine);
    quarantined?;
    for appended in appended? {
        match appended {
            Appended::New(_) => outcome.stored += 1,
            Appended::Duplicate => outcome.duplicates += 1,
        }
    }
    record(webhook, &outcome, started);
    Ok(outcome)
}

/// `raw` cut at [`MAX_REJECTED_BYTES`], on a character boundary.
fn capped(raw: &str) -> String {
    if raw.len() <= MAX_REJECTED_BYTES {
        return raw.to_owned();
    }
    let mut end = MAX_REJECTED_BYTES;
    while !raw.is_char_boundary(end) {
        end -= 1;
    }
    raw[..end].to_owned()
}

/// Counts a batch and its events by webhook name and outcome, and its time to commit.
fn record(webhook: &str, outcome: &IntakeOutcome, started: Instant) {
    let name = webhook.to_owned();
    metrics::counter!("gateway_webhook_batches_total", "webhook" => name.clone()).increment(1);
    for (label, count) in [
        ("stored", outcome.stored),
        ("duplicate", outcome.duplicates),
        ("quarantined", outcome.quarantined),
    ] {
        if count > 0 {
            metrics::counter!("gateway_webhook_events_total", "webhook" => name.clone(), "outcome" => label)
                .increment(count as u64);
        }
    }
    metrics::histogram!("gateway_webhook_intake_seconds", "webhook" => name)
        .record(started.elapsed().as_secs_f64());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_array_or_one_object_is_read_and_anything_else_is_malformed() {
        assert_eq!(read_body(b" [{\"a\":1}, 2]").unwrap().len(), 2);
        assert_eq!(read_body(b"{\"a\":1}").unwrap().len(), 1);
        for bad in [&b"[{"[..], b"42", b"", b"{\"a\":1} x"] {
            assert!(
                matches!(read_body(bad), Err(IntakeError::Malformed(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_rejected_event_is_cut_on_a_character_boundary() {
        // One byte ahead of two-byte characters: the limit falls inside the last one it reaches.
        let long = format!("a{}", "é".repeat(MAX_REJECTED_BYTES));
        let cut = capped(&long);
        assert_eq!(cut.len(), MAX_REJECTED_BYTES - 1);
        assert!(long.starts_with(&cut));
    }
}
