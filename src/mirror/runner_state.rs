//! What the runner is doing, shared with `/v1/mirror`, and kept as a note (`NOTE_NAME`) so that
//! `mirror status`, reading the store directly, can show it too.

use std::sync::Mutex;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::budget::CallsUsed;

/// The note the runner's last snapshot is kept under.
pub const NOTE_NAME: &str = "runner";

/// The sync's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// Started, not yet synced.
    Starting,
    /// Paging forward: the store is behind the cloud.
    Syncing,
    /// Caught up: new events are asked for every `GATEWAY_MIRROR_POLL_EVERY`.
    CaughtUp,
    /// The last attempt failed (the cloud or the store); retrying with back-off.
    Erroring,
    /// Another gateway of the group holds the sync lease of the shared store and syncs it.
    Standby,
    /// `GATEWAY_MIRROR=off`.
    Off,
    /// The gateway stopped (as the note shows it once the runner ended).
    Stopped,
}

/// A location as the `/locations` list names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KnownLocation {
    /// Its id.
    #[schema(example = 101)]
    pub id: i64,
    /// Its name.
    #[schema(example = "Manhattan store")]
    pub name: String,
}

/// The last failure, summarised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LastError {
    /// When it last happened (RFC 3339).
    pub at: String,
    /// What failed, never a secret.
    pub message: String,
    /// Attempts that failed in a row.
    pub failures: u32,
}

/// The runner's state at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunnerSnapshot {
    /// The sync's state.
    pub state: SyncState,
    /// The last failure, until an attempt succeeds again.
    pub last_error: Option<LastError>,
    /// Calls to the cloud in the last hour and day.
    pub calls: CallsUsed,
    /// The locations of the last `/locations` list the runner read.
    pub locations: Vec<KnownLocation>,
    /// When this snapshot was taken (RFC 3339).
    pub taken_at: String,
}

impl RunnerSnapshot {
    /// The snapshot of a mirror that is off.
    pub fn off() -> Self {
        Self {
            state: SyncState::Off,
            last_error: None,
            calls: CallsUsed::default(),
            locations: Vec::new(),
            taken_at: rfc3339(Utc::now()),
        }
    }
}

/// The runner's state as it changes.
#[derive(Debug)]
pub struct RunnerState {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    state: SyncState,
    last_error: Option<LastError>,
    locations: Vec<KnownLocation>,
}

impl Default for RunnerState {
    fn default() -> Self {
        Self {
            inner: Mutex::new(Inner {
                state: SyncState::Starting,
                last_error: None,
                locations: Vec::new(),
            }),
        }
    }
}

impl RunnerState {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The state now.
    pub fn state(&self) -> SyncState {
        self.lock().state
    }

    /// Moves to `state`; a state other than `Erroring` clears the last error.
    pub fn set(&self, state: SyncState) {
        let mut inner = self.lock();
        inner.state = state;
        if state != SyncState::Erroring {
            inner.last_error = None;
        }
    }

    /// Records a failure; returns how many failed in a row, this one included.
    pub fn failed(&self, message: String) -> u32 {
        let mut inner = self.lock();
        let failures = inner.last_error.as_ref().map_or(0, |e| e.failures) + 1;
        inner.state = SyncState::Erroring;
        inner.last_error = Some(LastError {
            at: rfc3339(Utc::now()),
            message,
            failures,
        });
        failures
    }

    /// The last failure, if the last attempt failed.
    pub fn last_error(&self) -> Option<LastError> {
        self.lock().last_error.clone()
    }

    /// Keeps the locations of the list last read.
    pub fn set_locations(&self, locations: Vec<KnownLocation>) {
        self.lock().locations = locations;
    }

    /// The locations of the list last read.
    pub fn locations(&self) -> Vec<KnownLocation> {
        self.lock().locations.clone()
    }

    /// The state at `now`, with `calls` counted by the budget.
    pub fn snapshot(&self, calls: CallsUsed, now: DateTime<Utc>) -> RunnerSnapshot {
        let inner = self.lock();
        RunnerSnapshot {
            state: inner.state,
            last_error: inner.last_error.clone(),
            calls,
            locations: inner.locations.clone(),
            taken_at: rfc3339(now),
        }
    }
}

/// RFC 3339 in UTC to the second, as every time in `/v1/mirror` is shown.
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// [`rfc3339`] of UTC microseconds.
pub fn rfc3339_micros(micros: i64) -> String {
    rfc3339(DateTime::<Utc>::from_timestamp_micros(micros).unwrap_or(DateTime::<Utc>::MIN_UTC))
}
