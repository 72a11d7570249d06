//! The simulator's mutable state (nonce, rate window, fault, counters) and the handle tests hold on it.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use chrono::{DateTime, Utc};

use super::clock::{LateEvent, Now, SimClock};
use super::data::{DataSet, Moving, Rate};
use super::limit::RateLimiter;
use super::prng::SplitMix64;
use super::reply::Rejection;
use super::{Fault, SimulatorSettings};

/// Hours of the moving mode's events kept in memory beyond the history itself, and the most ever kept.
const HOURS_BEYOND_HISTORY: i64 = 48;
const MOST_HOURS_HELD: i64 = 24 * 60;

/// What the server shares between requests: fixed settings and data, and the state behind one lock.
pub(super) struct Shared {
    pub(super) settings: SimulatorSettings,
    /// The dimensions, and in the fixed mode the events.
    pub(super) data: DataSet,
    /// The moving mode's events; `None` in the fixed mode.
    pub(super) moving: Option<Moving>,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    counters: Counters,
    last_nonce: i64,
    fault: Fault,
    requests_per_second: f64,
    limiter: RateLimiter,
    fault_rng: SplitMix64,
    jitter_rng: SplitMix64,
    /// The moving mode's "now"; `None` in the fixed mode.
    now: Option<Now>,
}

#[derive(Debug, Default)]
struct Counters {
    requests: u64,
    accepted: u64,
    nonce_rejections: u64,
    signature_rejections: u64,
    key_rejections: u64,
    throttled: u64,
    accepted_nonces: Vec<i64>,
    /// Requests being served now, and the most ever served at once.
    in_flight: u64,
    max_in_flight: u64,
    targets: Vec<String>,
    per_path: HashMap<String, u64>,
}

/// What to do with a request that got past the nonce, the rate limit and the fault roll.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Admission {
    /// Answer with data, after waiting this long (the `Slow` fault).
    Serve(Duration),
    /// Answer 200 with an HTML body (the `BadAnswer` fault).
    Garbage,
}

/// How a request was finally answered, for the counters.
#[derive(Clone, Copy, Debug)]
pub(super) enum Outcome {
    Data,
    Garbage,
    Refused { status: StatusCode, code: i32 },
}

impl Shared {
    /// Builds the data set (the moving mode's lazily) and the initial state; refuses moving settings it
    /// cannot honour, naming the field.
    pub(super) fn new(settings: SimulatorSettings) -> Result<Self, String> {
        let (data, moving, now) = match &settings.clock {
            SimClock::Fixed => (
                DataSet::generate(settings.seed, settings.data_anchor),
                None,
                None,
            ),
            SimClock::Moving(moving) => {
                moving.check()?;
                let data = DataSet::account_with_doors(settings.seed);
                let now = Now::starting(moving.start);
                let history_hours =
                    (now.ms() - moving.history_since.timestamp_millis()) / 3_600_000;
                let held = (history_hours + HOURS_BEYOND_HISTORY)
                    .clamp(HOURS_BEYOND_HISTORY, MOST_HOURS_HELD);
                let rate = Rate {
                    events_per_day: f64::from(moving.events_per_day),
                    late_share: moving.late_share,
                };
                let events = Moving::new(
                    settings.seed,
                    &data,
                    moving.history_since,
                    rate,
                    held as usize,
                );
                (data, Some(events), Some(now))
            }
        };
        let state = State {
            counters: Counters::default(),
            last_nonce: 0,
            fault: Fault::None,
            requests_per_second: settings.requests_per_second,
            limiter: RateLimiter::default(),
            fault_rng: SplitMix64::new(settings.seed ^ 0xFA01_7FA0_17FA_017F),
            jitter_rng: SplitMix64::new(settings.seed ^ 0x0717_7E40_717E_0717),
            now,
        };
        Ok(Self {
            settings,
            data,
            moving,
            state: Mutex::new(state),
        })
    }

    /// The moving clock's "now" in UTC milliseconds; 0 in the fixed mode, which has no clock.
    pub(super) fn now_ms(&self) -> i64 {
        self.state().now.map_or(0, |now| now.ms())
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain counters behind, still worth reading.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Counts a request as being served until the returned guard drops.
    pub(super) fn begin(&self) -> InFlight<'_> {
        let counters = &mut self.state().counters;
        counters.in_flight += 1;
        counters.max_in_flight = counters.max_in_flight.max(counters.in_flight);
        InFlight { shared: self }
    }

    /// The latency to add to one answer: the fixed part and a draw of the jitter.
    pub(super) fn latency(&self) -> std::time::Duration {
        let jitter = self.settings.latency_jitter;
        if jitter.is_zero() {
            return self.settings.latency;
        }
        let share = self.state().jitter_rng.unit();
        self.settings.latency + jitter.mul_f64(share)
    }

    /// Counts a request under the API base path and remembers its raw target.
    pub(super) fn record_request(&self, target: &str, path: &str) {
        let mut state = self.state();
        let counters = &mut state.counters;
        counters.requests += 1;
        counters.targets.push(target.to_owned());
        *counters.per_path.entry(path.to_owned()).or_default() += 1;
    }

    /// Steps 3 to 5 under one lock, so concurrent requests see a consistent nonce and rate window:
    /// consume the nonce, apply the rate limit, roll the injected fault.
    pub(super) fn admit(&self, nonce: i64, now: Instant) -> Result<Admission, Rejection> {
        let mut state = self.state();
        if state.fault == Fault::SharedKey {
            state.last_nonce = state.last_nonce.max(nonce) + 1;
        }
        if nonce <= state.last_nonce {
            return Err(Rejection::stale_nonce(state.last_nonce));
        }
        state.last_nonce = nonce;
        state.counters.accepted_nonces.push(nonce);
        let rps = state.requests_per_second;
        state
            .limiter
            .check(rps, now)
            .map_err(Rejection::too_many_requests)?;
        match state.fault {
            Fault::None | Fault::SharedKey => Ok(Admission::Serve(Duration::ZERO)),
            Fault::Down => Err(Rejection::unavailable()),
            Fault::Throttle { retry_after_secs } => {
                Err(Rejection::too_many_requests(retry_after_secs))
            }
            Fault::ServerError => Err(Rejection::server_error()),
            Fault::BadAnswer => Ok(Admission::Garbage),
            Fault::Slow(delay) => Ok(Admission::Serve(delay)),
            Fault::ErrorRate(share) => {
                if state.fault_rng.unit() < share {
                    Err(Rejection::server_error())
                } else {
                    Ok(Admission::Serve(Duration::ZERO))
                }
            }
        }
    }

    /// Counts how a request was answered.
    pub(super) fn record_outcome(&self, outcome: Outcome) {
        let counters = &mut self.state().counters;
        match outcome {
            Outcome::Data => counters.accepted += 1,
            Outcome::Garbage => {}
            Outcome::Refused { status, code } => match (status, code) {
                (StatusCode::TOO_MANY_REQUESTS, _) => counters.throttled += 1,
                (_, 1) => counters.key_rejections += 1,
                (_, 2) => counters.signature_rejections += 1,
                (_, 3 | 4) => counters.nonce_rejections += 1,
                _ => {}
            },
        }
    }
}

/// A request being served; dropping it (answered, or the connection gone) ends the count.
pub(super) struct InFlight<'a> {
    shared: &'a Shared,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let counters = &mut self.shared.state().counters;
        counters.in_flight = counters.in_flight.saturating_sub(1);
    }
}

/// A cheap, cloneable view of a running simulator for tests and the demo: counters, and knobs to turn.
#[derive(Clone)]
pub struct SimulatorHandle {
    shared: Arc<Shared>,
}

impl fmt::Debug for SimulatorHandle {
    // Only the counters: the data set is far too big to print.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimulatorHandle")
            .field("requests", &self.requests())
            .field("accepted", &self.accepted())
            .field("last_nonce", &self.last_nonce())
            .finish_non_exhaustive()
    }
}

impl SimulatorHandle {
    pub(super) fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }

    fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        f(&self.shared.state())
    }

    /// Every HTTP request received under /service/api/v1, refused ones included.
    pub fn requests(&self) -> u64 {
        self.read(|s| s.counters.requests)
    }

    /// Requests answered 200 with data.
    pub fn accepted(&self) -> u64 {
        self.read(|s| s.counters.accepted)
    }

    /// Requests refused for their nonce: missing or malformed (code 3) or not increasing (code 4).
    pub fn nonce_rejections(&self) -> u64 {
        self.read(|s| s.counters.nonce_rejections)
    }

    /// Requests refused for a missing or wrong `X-Sign` (code 2).
    pub fn signature_rejections(&self) -> u64 {
        self.read(|s| s.counters.signature_rejections)
    }

    /// Requests refused for a missing or wrong `X-Key` (code 1).
    pub fn key_rejections(&self) -> u64 {
        self.read(|s| s.counters.key_rejections)
    }

    /// Requests answered 429, by the rate limit or by the `Throttle` fault.
    pub fn throttled(&self) -> u64 {
        self.read(|s| s.counters.throttled)
    }

    /// Nonces that passed the nonce check, in order; a rate or fault refusal afterwards does not remove one.
    pub fn accepted_nonces(&self) -> Vec<i64> {
        self.read(|s| s.counters.accepted_nonces.clone())
    }

    /// The most requests ever served at once (since the counters were last reset).
    pub fn max_concurrent(&self) -> u64 {
        self.read(|s| s.counters.max_in_flight)
    }

    /// The last accepted nonce (0 before any); the next request must carry a larger one.
    pub fn last_nonce(&self) -> i64 {
        self.read(|s| s.last_nonce)
    }

    /// Moves the last accepted nonce, as if another client had used the same key.
    pub fn set_last_nonce(&self, nonce: i64) {
        self.shared.state().last_nonce = nonce;
    }

    /// Raw request targets (`path?query`) exactly as received, in order.
    pub fn received_targets(&self) -> Vec<String> {
        self.read(|s| s.counters.targets.clone())
    }

    /// Requests received for one path, e.g. "/service/api/v1/locations".
    pub fn requests_per_path(&self, path: &str) -> u64 {
        self.read(|s| s.counters.per_path.get(path).copied().unwrap_or(0))
    }

    /// Injects a fault into every following request, until set back to `Fault::None`.
    pub fn set_fault(&self, fault: Fault) {
        self.shared.state().fault = fault;
    }

    /// Changes the simulator's own rate limit; 0 or negative means unlimited.
    pub fn set_requests_per_second(&self, rps: f64) {
        self.shared.state().requests_per_second = rps;
    }

    /// The moving clock's "now"; `None` in the fixed mode.
    pub fn now(&self) -> Option<DateTime<Utc>> {
        self.read(|s| s.now.map(|now| now.ms()))
            .and_then(DateTime::from_timestamp_millis)
    }

    /// Moves the moving clock forward: events that happened or arrived meanwhile become visible, with no
    /// sleeping. Does nothing in the fixed mode.
    pub fn advance(&self, by: Duration) {
        if let Some(now) = self.shared.state().now.as_mut() {
            now.advance(by);
        }
    }

    /// Puts the moving clock at `at` (backwards too: what arrived after it disappears again). Does nothing
    /// in the fixed mode.
    pub fn set_now(&self, at: DateTime<Utc>) {
        if let Some(now) = self.shared.state().now.as_mut() {
            now.set(at);
        }
    }

    /// What the cloud's webhooks deliver between two instants: the events arriving in `(after, until]`, in
    /// arrival order, each in the webhook form (`"id": null`, `event_time` as `2000-01-23 04:56:07.000`);
    /// empty in the fixed mode, which has no clock.
    pub fn webhook_events(&self, after: DateTime<Utc>, until: DateTime<Utc>) -> Vec<String> {
        self.shared.moving.as_ref().map_or_else(Vec::new, |moving| {
            moving
                .arrived(after.timestamp_millis(), until.timestamp_millis())
                .iter()
                .map(super::webhooks::webhook_form)
                .collect()
        })
    }

    /// The moving mode's late events that happened in `[since, until]`, arrived or not, ordered by
    /// (`event_time`, id); empty in the fixed mode, where nothing is late.
    pub fn late_events(&self, since: DateTime<Utc>, until: DateTime<Utc>) -> Vec<LateEvent> {
        self.shared
            .moving
            .as_ref()
            .map_or_else(Vec::new, |moving| moving.late_events(since, until))
    }

    /// Hours of moving-mode events in memory (0 in the fixed mode): none until a request asks.
    #[cfg(test)]
    pub(super) fn hours_held(&self) -> usize {
        self.shared.moving.as_ref().map_or(0, Moving::hours_held)
    }

    /// Zeroes the counters and forgets targets and accepted nonces; the last nonce, fault and limit stay.
    pub fn reset_counters(&self) {
        let counters = &mut self.shared.state().counters;
        // Requests still being served stay counted, so their end cannot go below zero.
        let in_flight = counters.in_flight;
        *counters = Counters {
            in_flight,
            max_in_flight: in_flight,
            ..Counters::default()
        };
    }
}
