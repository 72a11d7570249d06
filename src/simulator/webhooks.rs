//! The simulated cloud's webhooks: a task that POSTs the moving clock's new events to a URL in batches, as
//! the reference's §5 describes, with the faults a real sender has: a batch now and then delivered twice,
//! batches out of order, and a batch sent again after a slow (over 10 s) or failed answer.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::model::Event;
use super::prng::SplitMix64;
use super::SimulatorHandle;

/// How long the cloud waits for an answer before it counts a delivery as failed (the reference's 10 s).
pub const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// How the simulated cloud delivers webhooks.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Where to POST (the gateway's `/webhooks/camlytics/<token>`).
    pub url: String,
    /// How often new events are gathered and sent.
    pub every: Duration,
    /// Most events in one batch.
    pub batch: usize,
    /// Share of batches delivered a second time.
    pub duplicate_share: f64,
    /// Share of batches swapped with the next one.
    pub reorder_share: f64,
    /// Seed of the choices above, so a run can be replayed.
    pub seed: u64,
}

impl WebhookSettings {
    /// Deliveries to `url` every second, up to 100 events a batch, 5% twice, 10% out of order.
    pub fn to(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            every: Duration::from_secs(1),
            batch: 100,
            duplicate_share: 0.05,
            reorder_share: 0.1,
            seed: 7,
        }
    }
}

/// `event` as a webhook carries it: no id, and the webhook's date form (UTC, milliseconds).
pub(super) fn webhook_form(event: &Event) -> String {
    let mut value = serde_json::to_value(event).unwrap_or_default();
    value["id"] = serde_json::Value::Null;
    value["event_time"] = event
        .event_time
        .format("%Y-%m-%d %H:%M:%S%.3f")
        .to_string()
        .into();
    value.to_string()
}

/// The batches one round sends, in the order sent: `events` cut at `batch`, some swapped with their
/// successor, some repeated.
pub fn plan(events: &[String], settings: &WebhookSettings, rng_seed: u64) -> Vec<String> {
    let mut rng = SplitMix64::new(rng_seed);
    let mut batches: Vec<String> = events
        .chunks(settings.batch.max(1))
        .map(|chunk| format!("[{}]", chunk.join(",")))
        .collect();
    let mut i = 0;
    while i + 1 < batches.len() {
        if rng.unit() < settings.reorder_share {
            batches.swap(i, i + 1);
            i += 1;
        }
        i += 1;
    }
    let mut sent = Vec::with_capacity(batches.len());
    for batch in batches {
        let twice = rng.unit() < settings.duplicate_share;
        sent.push(batch.clone());
        if twice {
            sent.push(batch);
        }
    }
    sent
}

/// Sends the moving clock's new events to `settings.url` until the task is aborted. A batch whose answer
/// is not a 2xx within [`WEBHOOK_TIMEOUT`] is sent again, after a pause that doubles up to 30 s.
pub async fn deliver(handle: SimulatorHandle, settings: WebhookSettings) {
    let client = awc::Client::builder().timeout(WEBHOOK_TIMEOUT).finish();
    let Some(mut last) = handle.now() else {
        log::warn!("simulator: webhooks need the moving clock; none sent");
        return;
    };
    let mut round: u64 = 0;
    loop {
        actix_web::rt::time::sleep(settings.every).await;
        let Some(now) = handle.now() else { return };
        let events = handle.webhook_events(last, now);
        last = now;
        round += 1;
        for batch in plan(&events, &settings, settings.seed ^ round) {
            send_until_taken(&client, &settings.url, batch, now).await;
        }
    }
}

/// POSTs one batch until it is answered 2xx in time.
async fn send_until_taken(client: &awc::Client, url: &str, batch: String, at: DateTime<Utc>) {
    let mut pause = Duration::from_millis(500);
    loop {
        let outcome = client
            .post(url)
            .insert_header(("content-type", "application/json"))
            .send_body(batch.clone())
            .await;
        match outcome {
            Ok(answer) if answer.status().is_success() => return,
            Ok(answer) if answer.status().is_client_error() => {
                // The receiver refuses it for good (bad token, too large): a real cloud gives up too.
                log::warn!(
                    "simulator: webhook batch of {at} refused with {}",
                    answer.status()
                );
                return;
            }
            Ok(answer) => log::info!("simulator: webhook answered {}; retrying", answer.status()),
            Err(e) => log::info!("simulator: webhook delivery failed ({e}); retrying"),
        }
        actix_web::rt::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(30));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_cuts_batches_and_repeats_and_reorders_some() {
        let events: Vec<String> = (0..1_000).map(|n| n.to_string()).collect();
        let settings = WebhookSettings {
            batch: 10,
            duplicate_share: 0.2,
            reorder_share: 0.2,
            ..WebhookSettings::to("http://x")
        };
        let sent = plan(&events, &settings, 1);
        assert!(sent.len() > 100, "{} batches: some repeated", sent.len());
        let distinct: std::collections::BTreeSet<&String> = sent.iter().collect();
        assert_eq!(distinct.len(), 100, "every batch sent");
        let firsts: Vec<i64> = sent
            .iter()
            .map(|b| b[1..].split([',', ']']).next().unwrap().parse().unwrap())
            .collect();
        assert!(firsts.windows(2).any(|w| w[0] > w[1]), "some out of order");
    }
}
