//! In a group of gateways, an event received by any of them reaches the subscribers of all. Each gateway
//! announces the events its own intake logged; every other gateway appends what it hears to its own log
//! (the log's dedupe by identity makes that idempotent), which publishes it to its own feed. So each
//! gateway's log has its own seqs (under its own tag) and is complete, and a subscriber resumes on the gateway
//! it left; another gateway tells it the id is not its own.
//! The transport (Redis pub/sub in a group) is behind [`LiveRelay`]; it delivers at most once, so a gateway
//! cut off from it misses what is announced meanwhile.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use serde_json::value::RawValue;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use super::event::LiveEvent;
use super::feed::LiveFeed;
use super::log::{Appended, IntakeLog};

/// Events announced in one message at most.
const BATCH: usize = 100;
/// First and longest pause before listening again after the transport failed.
const PAUSE: (Duration, Duration) = (Duration::from_millis(200), Duration::from_secs(5));

/// Carries messages between the gateways of a group.
#[async_trait::async_trait]
pub trait LiveRelay: Send + Sync {
    /// Sends `message` to every gateway of the group (this one included).
    async fn announce(&self, message: String) -> Result<(), String>;

    /// The messages announced from now on, until the transport fails.
    async fn hear(&self) -> Result<BoxStream<'static, String>, String>;
}

/// Identities appended from what other gateways announced, not to be announced again.
type Heard = Arc<Mutex<HashSet<String>>>;

/// Starts announcing this gateway's new events and appending the others'; the tasks run until aborted.
pub fn start(
    relay: Arc<dyn LiveRelay>,
    log: Arc<dyn IntakeLog>,
    feed: &LiveFeed,
) -> [tokio::task::JoinHandle<()>; 2] {
    let sender = format!(
        "{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    );
    let heard: Heard = Arc::default();
    let receiver = feed.subscribe();
    let announcer = tokio::spawn(announce(
        relay.clone(),
        receiver,
        sender.clone(),
        heard.clone(),
    ));
    let listener = tokio::spawn(listen(relay, log, sender, heard));
    [announcer, listener]
}

async fn announce(
    relay: Arc<dyn LiveRelay>,
    mut receiver: tokio::sync::broadcast::Receiver<Arc<super::event::Logged>>,
    sender: String,
    heard: Heard,
) {
    loop {
        let mut batch = match receiver.recv().await {
            Ok(first) => vec![first],
            Err(RecvError::Lagged(missed)) => {
                log::warn!(
                    "live relay: {missed} events were not announced to the group (it fell behind)"
                );
                metrics::counter!("gateway_live_relay_missed_total").increment(missed);
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        while batch.len() < BATCH {
            match receiver.try_recv() {
                Ok(next) => batch.push(next),
                Err(TryRecvError::Lagged(missed)) => {
                    metrics::counter!("gateway_live_relay_missed_total").increment(missed);
                }
                Err(_) => break,
            }
        }
        let own: Vec<&str> = {
            let mut heard = heard.lock().unwrap_or_else(|e| e.into_inner());
            batch
                .iter()
                .filter(|logged| !heard.remove(&logged.event.identity))
                .map(|logged| &*logged.event.raw)
                .collect()
        };
        if own.is_empty() {
            continue;
        }
        let message = format!("{sender}\n[{}]", own.join(","));
        match relay.announce(message).await {
            Ok(()) => {
                metrics::counter!("gateway_live_relay_announced_total").increment(own.len() as u64)
            }
            Err(e) => {
                log::warn!(
                    "live relay: {} events could not be announced to the group: {e}",
                    own.len()
                );
                metrics::counter!("gateway_live_relay_missed_total").increment(own.len() as u64);
            }
        }
    }
}

async fn listen(relay: Arc<dyn LiveRelay>, log: Arc<dyn IntakeLog>, sender: String, heard: Heard) {
    let mut pause = PAUSE.0;
    loop {
        match relay.hear().await {
            Ok(mut messages) => {
                pause = PAUSE.0;
                while let Some(message) = messages.next().await {
                    take(&message, &*log, &sender, &heard).await;
                }
                log::warn!("live relay: the group's channel closed; listening again");
            }
            Err(e) => log::warn!("live relay: cannot hear the group ({e}); trying again"),
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(PAUSE.1);
    }
}

/// Appends the events of another gateway's `message` to this gateway's log.
async fn take(message: &str, log: &dyn IntakeLog, own: &str, heard: &Heard) {
    let Some((sender, events)) = message.split_once('\n') else {
        return;
    };
    if sender == own {
        return;
    }
    let Ok(raws) = serde_json::from_str::<Vec<Box<RawValue>>>(events) else {
        log::warn!("live relay: a message from {sender} is not a JSON array; ignored");
        return;
    };
    // Events another gateway accepted are valid: its intake checked them with the same code.
    let events: Vec<LiveEvent> = raws
        .iter()
        .filter_map(|raw| LiveEvent::from_raw(raw).ok())
        .collect();
    let identities: Vec<String> = events.iter().map(|e| e.identity.clone()).collect();
    heard
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .extend(identities.iter().cloned());
    let appended = log.append(events).await;
    let mut heard = heard.lock().unwrap_or_else(|e| e.into_inner());
    match appended {
        Ok(results) => {
            // Only new events reach the feed, where the announcer takes their identities out again.
            for (identity, result) in identities.iter().zip(&results) {
                if *result == Appended::Duplicate {
                    heard.remove(identity);
                }
            }
            metrics::counter!("gateway_live_relay_heard_total").increment(results.len() as u64);
        }
        Err(e) => {
            for identity in &identities {
                heard.remove(identity);
            }
            log::warn!(
                "live relay: {} events from the group could not be logged: {e}",
                identities.len()
            );
        }
    }
}
