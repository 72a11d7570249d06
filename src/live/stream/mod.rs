//! `GET /v1/events/stream`'s logic: subscribers of the live feed, each resumable from the intake log, each
//! cut off rather than waited on when it falls behind or stops reading, and no more of them than the cap.

pub mod filter;
pub mod frame;
pub mod pump;
pub mod subscribers;
pub mod subscription;
#[cfg(test)]
mod tests;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web::Bytes;
use futures_util::Stream;
use tokio::sync::watch;

use self::filter::StreamAsk;
use self::subscribers::SubscriberCap;
use self::subscription::{Parts, Subscription};
use super::feed::LiveFeed;
use super::log::{is_of_log, IntakeLog};
use crate::mirror::store::StoreError;

/// How often an idle stream gets a comment, so that proxies do not close it.
pub const HEARTBEAT: Duration = Duration::from_secs(15);

/// Why a subscription was not started.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// The cap is reached.
    #[error("{max} subscribers are connected, the most GATEWAY_STREAM_MAX_SUBSCRIBERS allows")]
    Full {
        /// The cap.
        max: usize,
    },
    /// The log could not be read to resume from it.
    #[error("the intake log could not be read to resume: {0}")]
    Log(#[from] StoreError),
}

/// The event stream's shared parts, built once in startup.
pub struct EventStreams {
    log: Arc<dyn IntakeLog>,
    feed: LiveFeed,
    cap: SubscriberCap,
    heartbeat: Duration,
    stall_limit: Duration,
    closing: watch::Sender<bool>,
}

impl EventStreams {
    /// Streams of `feed`'s events, resumable from `log`, at most `max_subscribers` at once.
    pub fn new(log: Arc<dyn IntakeLog>, feed: LiveFeed, max_subscribers: usize) -> Self {
        describe_metrics();
        Self {
            log,
            feed,
            cap: SubscriberCap::new(max_subscribers),
            heartbeat: HEARTBEAT,
            stall_limit: pump::STALL_LIMIT,
            closing: watch::channel(false).0,
        }
    }

    /// The same with another heartbeat period (tests).
    pub fn with_heartbeat(mut self, heartbeat: Duration) -> Self {
        self.heartbeat = heartbeat;
        self
    }

    /// The same with another stall limit: how long a subscriber may read nothing before it is cut off (tests).
    pub fn with_stall_limit(mut self, stall_limit: Duration) -> Self {
        self.stall_limit = stall_limit;
        self
    }

    /// The cap on subscribers.
    pub fn cap(&self) -> &SubscriberCap {
        &self.cap
    }

    /// Ends every stream (at shutdown: they would otherwise hold the server's graceful stop until its
    /// timeout); clients reconnect with their `Last-Event-ID`.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Starts a subscription: its body, `retry:` first, then (on a resume) what the log holds after the
    /// resume point, then live events.
    pub async fn subscribe(
        &self,
        ask: StreamAsk,
    ) -> Result<impl Stream<Item = Result<Bytes, Infallible>> + 'static, Refused> {
        let place = self.cap.admit().ok_or(Refused::Full {
            max: self.cap.max(),
        })?;
        // Subscribed before the log is read: whatever is logged meanwhile comes through the feed, and the
        // subscription skips what the log already gave.
        let (receiver, last_published) = self.feed.subscribe_after();
        let mut first = vec![Bytes::from_static(frame::RETRY)];
        let done = match ask.resume_after {
            // Nothing published since the start: where the log ends is where this subscriber starts.
            None if last_published == 0 => {
                let last = self.log.last_seq().await?;
                self.feed.starts_after(last);
                last
            }
            None => last_published,
            Some(after) => {
                let last = self.log.last_seq().await?.max(last_published);
                // An empty log (all of it past retention) holds nothing up to `last`.
                match self
                    .log
                    .first_seq()
                    .await?
                    .unwrap_or(last.saturating_add(1))
                {
                    // Not an id this gateway's log gave (another gateway's, this one's before its state was
                    // wiped, or made up): resuming from it would skip or repeat real events.
                    _ if !is_of_log(after, last) => {
                        let reason = format!("{after} is not an id this gateway's stream has sent (its last is {last}); continuing with new events");
                        first.push(frame::reset(&reason, after, last));
                        last
                    }
                    oldest if after.saturating_add(1) < oldest => {
                        let reason = format!("the events after {after} are no longer held (retention); continuing from id {oldest} on");
                        first.push(frame::reset(&reason, after, oldest - 1));
                        oldest - 1
                    }
                    _ => after,
                }
            }
        };
        let subscription = Subscription::new(Parts {
            log: self.log.clone(),
            receiver,
            filter: ask.filter,
            done,
            replay: ask.resume_after.is_some(),
            first,
            heartbeat: self.heartbeat,
            closing: self.closing.subscribe(),
            place,
        });
        Ok(pump::spawn(subscription, self.stall_limit))
    }
}

/// What the stream's metrics mean, for `/metrics` (the recorder is installed before startup builds this).
fn describe_metrics() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_gauge!(
        "gateway_stream_subscribers",
        "Subscribers of /v1/events/stream connected now."
    );
    describe_counter!(
        "gateway_stream_events_sent_total",
        "Events sent to subscribers of /v1/events/stream, one per subscriber that got it."
    );
    describe_counter!(
        "gateway_stream_cutoffs_total",
        "Subscribers cut off for falling too far behind, for reading nothing for the stall limit, or for a log that could not be read."
    );
    describe_histogram!(
        "gateway_stream_lag_seconds",
        Unit::Seconds,
        "From an event's receipt by the intake to its send to a subscriber."
    );
}
