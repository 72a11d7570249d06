//! Occupancy as the gateway runs it: one [`Occupancy`] behind a lock, built once in startup, fed by the
//! webhook feed and the mirror's synced events, read by `/v1/occupancy`, and pushing each location's new
//! state to `/v1/occupancy/stream`'s subscribers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{broadcast, watch};

use super::settings::OccupancySettings;
use super::state::LocationState;
use super::tracker::Occupancy;
use crate::live::event::LiveEvent;
use crate::mirror::answer::totals::TriggerInfo;

/// How many changes a stream subscriber may fall behind before it is sent every state afresh.
const CHANGES_RING: usize = 1024;

/// The clock occupancy reads: UTC microseconds now.
pub type Clock = fn() -> i64;

fn system_clock() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// The shared occupancy: counts, their changes, and whether the rebuild at start is done.
pub struct OccupancyService {
    state: Mutex<Occupancy>,
    changes: broadcast::Sender<Arc<LocationState>>,
    rebuilt: watch::Sender<bool>,
    has_names: AtomicBool,
    closing: watch::Sender<bool>,
    clock: Clock,
}

impl OccupancyService {
    /// Nothing counted yet, on the system clock.
    pub fn new(settings: &OccupancySettings) -> Arc<Self> {
        Self::with_clock(settings, system_clock)
    }

    /// Nothing counted yet, on `clock`.
    pub fn with_clock(settings: &OccupancySettings, clock: Clock) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(Occupancy::new(
                settings.rules.clone(),
                settings.zones.clone(),
            )),
            changes: broadcast::channel(CHANGES_RING).0,
            rebuilt: watch::channel(false).0,
            has_names: AtomicBool::new(false),
            closing: watch::channel(false).0,
            clock,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Occupancy> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn publish(&self, states: Vec<LocationState>) {
        for state in states {
            metrics::gauge!("gateway_occupancy", "location_id" => state.location_id.to_string())
                .set(state.occupancy as f64);
            // Err only means no one is watching.
            let _ = self.changes.send(Arc::new(state));
        }
    }

    /// Takes events in (from either source; each identity counts once) and pushes the changes.
    pub fn add<'a>(&self, events: impl IntoIterator<Item = &'a LiveEvent>) {
        let now = (self.clock)();
        let changed: Vec<LocationState> = {
            let mut occupancy = self.lock();
            let mut changed = occupancy.roll(now);
            for event in events {
                if let Some(state) = occupancy.add(event, now) {
                    changed.retain(|s| s.location_id != state.location_id);
                    changed.push(state);
                }
            }
            changed
        };
        self.publish(changed);
    }

    /// Resets the locations whose local day has ended.
    pub fn roll(&self) {
        let now = (self.clock)();
        let changed = self.lock().roll(now);
        self.publish(changed);
    }

    /// Learns the triggers' names and locations from the `/triggers` list.
    pub fn set_triggers(&self, triggers: &[TriggerInfo]) {
        let names = triggers
            .iter()
            .map(|t| (t.id.clone(), t.name.clone()))
            .collect();
        let mut locations: Vec<i64> = triggers.iter().filter_map(|t| t.location_id).collect();
        locations.sort_unstable();
        locations.dedup();
        let now = (self.clock)();
        let changed = self.lock().set_names(names, &locations, now);
        self.has_names.store(true, Ordering::Relaxed);
        self.publish(changed);
    }

    /// Whether the trigger list has been read at least once.
    pub fn has_names(&self) -> bool {
        self.has_names.load(Ordering::Relaxed)
    }

    /// The states of `location`, or of every known location.
    pub fn states(&self, location: Option<i64>) -> Vec<LocationState> {
        let now = (self.clock)();
        let occupancy = self.lock();
        match location {
            Some(location) => vec![occupancy.state(location, now)],
            None => occupancy
                .locations()
                .into_iter()
                .map(|l| occupancy.state(l, now))
                .collect(),
        }
    }

    /// Each change from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LocationState>> {
        self.changes.subscribe()
    }

    /// Where the rebuild reads from: the earliest start of any location's today.
    pub fn today_starts(&self) -> i64 {
        self.lock().zones().earliest_day_start((self.clock)())
    }

    /// Ends every occupancy stream (at shutdown: they would otherwise hold the graceful stop until its
    /// timeout); browsers reconnect by themselves.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Becomes true when the streams are to end.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Marks the rebuild from the stores done: answers no longer wait.
    pub fn mark_rebuilt(&self) {
        self.rebuilt.send_replace(true);
    }

    /// Waits up to `limit` for the rebuild; false if it is not done by then.
    pub async fn wait_rebuilt(&self, limit: Duration) -> bool {
        let mut rebuilt = self.rebuilt.subscribe();
        tokio::time::timeout(limit, rebuilt.wait_for(|done| *done))
            .await
            .is_ok_and(|r| r.is_ok())
    }
}
