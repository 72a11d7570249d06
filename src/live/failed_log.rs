//! The intake log a gateway runs on when `live.sqlite3` could not be opened at start: every call fails with
//! why, so the intake answers 503 (the cloud retries) and the rest of the gateway still serves.

use super::event::{LiveEvent, Logged};
use super::log::{Appended, IntakeLog, Quarantined, Rejected};
use crate::mirror::store::StoreError;

/// A log that could not be opened.
pub struct FailedLog {
    why: String,
}

impl FailedLog {
    /// A log whose every call fails with `why`.
    pub fn new(why: impl Into<String>) -> Self {
        Self { why: why.into() }
    }

    fn fail<T>(&self) -> Result<T, StoreError> {
        Err(StoreError(format!("intake log not opened: {}", self.why)))
    }
}

#[async_trait::async_trait]
impl IntakeLog for FailedLog {
    async fn append(&self, _: Vec<LiveEvent>) -> Result<Vec<Appended>, StoreError> {
        self.fail()
    }
    async fn after(&self, _: u64, _: usize) -> Result<Vec<Logged>, StoreError> {
        self.fail()
    }
    async fn events_since(&self, _: i64) -> Result<Vec<Logged>, StoreError> {
        self.fail()
    }
    async fn first_seq(&self) -> Result<Option<u64>, StoreError> {
        self.fail()
    }
    async fn last_seq(&self) -> Result<u64, StoreError> {
        self.fail()
    }
    async fn quarantine(&self, _: Vec<Rejected>) -> Result<(), StoreError> {
        self.fail()
    }
    async fn rejected(&self, _: usize, _: Option<i64>) -> Result<Vec<Quarantined>, StoreError> {
        self.fail()
    }
    async fn prune(&self, _: i64) -> Result<u64, StoreError> {
        self.fail()
    }
}
