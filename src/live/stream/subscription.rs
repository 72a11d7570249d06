//! One subscriber's stream: what it missed, read from the intake log in pages, then each event as the feed
//! publishes it. It subscribes to the feed before it reads the log and skips what the log already gave, so
//! nothing falls between the two and nothing comes twice. If it falls more than the feed's ring behind, it is
//! cut off with a last event saying where to resume; it never holds anyone else up.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web::Bytes;
use metrics::{Counter, Histogram};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::{broadcast, watch};
use tokio::time::{Instant, Interval, MissedTickBehavior};

use super::filter::StreamFilter;
use super::frame;
use super::subscribers::SubscriberPlace;
use crate::live::event::Logged;
use crate::live::log::IntakeLog;

/// Events read from the log at a time while catching up.
pub const PAGE: usize = 1000;
/// Events put in one write at most when several are waiting.
const BATCH: usize = 64;
/// How often a subscriber that fell behind while it caught up from the log may catch up again before it
/// is cut off.
const CATCH_UPS: u32 = 3;

/// Where a subscription is.
enum Phase {
    /// Reading the log after `done`.
    Replay,
    /// Following the feed; `after_replay` until the first event from the feed arrives.
    Live { after_replay: bool },
    /// Over.
    Ended,
}

/// What a subscription is built from.
pub struct Parts {
    /// The durable log.
    pub log: Arc<dyn IntakeLog>,
    /// The feed, subscribed to before anything was read from the log.
    pub receiver: broadcast::Receiver<Arc<Logged>>,
    /// Which events the subscriber wants.
    pub filter: StreamFilter,
    /// The last seq the subscriber has (or does not want); later ones are sent.
    pub done: u64,
    /// Whether events after `done` are read from the log first (a resume), or only come from the feed.
    pub replay: bool,
    /// Frames sent before any event (`retry:`, a `reset`).
    pub first: Vec<Bytes>,
    /// The comment heartbeat's period.
    pub heartbeat: Duration,
    /// Turns true when the gateway shuts down.
    pub closing: watch::Receiver<bool>,
    /// The subscriber's place under the cap, held for as long as the subscription.
    pub place: SubscriberPlace,
}

/// A running subscription: call [`Subscription::next`] for the next chunk of the response body.
pub struct Subscription {
    parts: Parts,
    phase: Phase,
    pending: VecDeque<Bytes>,
    heartbeat: Interval,
    catch_ups: u32,
    sent: Counter,
    cutoffs: Counter,
    lag: Histogram,
}

impl Subscription {
    /// Starts a subscription from its parts.
    pub fn new(mut parts: Parts) -> Self {
        let period = parts.heartbeat;
        let mut heartbeat = tokio::time::interval_at(Instant::now() + period, period);
        heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let phase = if parts.replay {
            Phase::Replay
        } else {
            Phase::Live {
                after_replay: false,
            }
        };
        Self {
            pending: std::mem::take(&mut parts.first).into(),
            parts,
            phase,
            heartbeat,
            catch_ups: 0,
            sent: metrics::counter!("gateway_stream_events_sent_total"),
            cutoffs: metrics::counter!("gateway_stream_cutoffs_total"),
            lag: metrics::histogram!("gateway_stream_lag_seconds"),
        }
    }

    /// The last seq the subscriber has been given (or did not want).
    pub fn done(&self) -> u64 {
        self.parts.done
    }

    /// Waits until the gateway shuts down (or the streams' owner is gone).
    pub async fn closing(&mut self) {
        let _ = self.parts.closing.wait_for(|closing| *closing).await;
    }

    /// The client read nothing for `limit`: ends the subscription, with a last frame naming `delivered`,
    /// the last seq handed to the body, as where to resume (later chunks were never handed over).
    pub fn stalled(&mut self, delivered: u64, limit: Duration) -> Bytes {
        self.parts.done = delivered;
        self.cut_off(&format!(
            "this subscriber read nothing for {}; resume with Last-Event-ID set to resume_from",
            humantime::format_duration(limit)
        ))
    }

    /// The next chunk of the body, or `None` when the stream is over.
    pub async fn next(&mut self) -> Option<Bytes> {
        loop {
            if let Some(frame) = self.pending.pop_front() {
                return Some(frame);
            }
            match self.phase {
                Phase::Ended => return None,
                Phase::Replay => {
                    if let Some(chunk) = self.replay_page().await {
                        return Some(chunk);
                    }
                }
                Phase::Live { after_replay } => {
                    if let Some(chunk) = self.follow(after_replay).await {
                        return Some(chunk);
                    }
                }
            }
        }
    }

    /// One page of the log: the frames of its matching events, if any.
    async fn replay_page(&mut self) -> Option<Bytes> {
        let page = match self.parts.log.after(self.parts.done, PAGE).await {
            Ok(page) => page,
            Err(e) => {
                return Some(self.cut_off(&format!("the intake log could not be read: {e}")));
            }
        };
        if page.len() < PAGE {
            self.phase = Phase::Live { after_replay: true };
        }
        let mut out = Vec::new();
        for logged in &page {
            self.take(logged, &mut out, false);
        }
        self.chunk(out)
    }

    /// Waits for the feed's next events (sent together when several are waiting), a heartbeat, or the end.
    async fn follow(&mut self, after_replay: bool) -> Option<Bytes> {
        let received = tokio::select! {
            biased;
            _ = self.parts.closing.wait_for(|closing| *closing) => None,
            received = self.parts.receiver.recv() => Some(received),
            _ = self.heartbeat.tick() => return Some(Bytes::from_static(frame::HEARTBEAT)),
        };
        let mut out = Vec::new();
        match received {
            Some(Ok(logged)) => {
                self.phase = Phase::Live {
                    after_replay: false,
                };
                self.take(&logged, &mut out, true);
            }
            Some(Err(RecvError::Lagged(_))) => return self.lagged(after_replay),
            // Shutting down, or the feed is gone.
            None | Some(Err(RecvError::Closed)) => {
                self.phase = Phase::Ended;
                return None;
            }
        }
        for _ in 1..BATCH {
            match self.parts.receiver.try_recv() {
                Ok(logged) => self.take(&logged, &mut out, true),
                Err(TryRecvError::Lagged(_)) => {
                    if let Some(last) = self.lagged(false) {
                        self.pending.push_back(last);
                    }
                    break;
                }
                Err(_) => break,
            }
        }
        self.chunk(out)
    }

    /// Fell more than the ring behind. Just after catching up from the log, the lag is the catch-up's own
    /// (the feed ran on meanwhile): catch up again. Otherwise the subscriber reads too slowly: cut it off.
    fn lagged(&mut self, after_replay: bool) -> Option<Bytes> {
        if after_replay && self.catch_ups < CATCH_UPS {
            self.catch_ups += 1;
            self.phase = Phase::Replay;
            return None;
        }
        Some(self.cut_off(
            "this subscriber fell too far behind the live events; resume with Last-Event-ID set to resume_from",
        ))
    }

    /// The last frame: why, and where to resume.
    fn cut_off(&mut self, reason: &str) -> Bytes {
        // A lag cut-off that then stalls in the channel is cut off again, but is one subscriber cut off.
        if !matches!(self.phase, Phase::Ended) {
            self.cutoffs.increment(1);
        }
        self.phase = Phase::Ended;
        // Counted in gateway_stream_cutoffs_total; a line each would flood the log when many fall behind at once.
        log::debug!(
            "live stream: a subscriber was cut off after seq {}: {reason}",
            self.parts.done
        );
        frame::cut_off(reason, self.parts.done)
    }

    /// Adds `logged` to `out` unless the subscriber has it or filters it out; the lag is recorded for `live`
    /// events only (one replayed from the log is as old as the subscriber's absence).
    fn take(&mut self, logged: &Logged, out: &mut Vec<u8>, live: bool) {
        if logged.seq <= self.parts.done {
            return;
        }
        self.parts.done = logged.seq;
        if !self.parts.filter.matches(&logged.event) {
            return;
        }
        frame::push_event(out, logged.seq, &logged.event.raw);
        self.sent.increment(1);
        if !live {
            return;
        }
        let now = chrono::Utc::now().timestamp_micros();
        self.lag
            .record((now - logged.received_micros).max(0) as f64 / 1e6);
    }

    fn chunk(&self, out: Vec<u8>) -> Option<Bytes> {
        (!out.is_empty()).then(|| Bytes::from(out))
    }
}
