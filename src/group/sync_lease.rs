//! The mirror's sync lease in the group's Redis: with a store the group shares (PostgreSQL), exactly one
//! gateway syncs at a time. `SET NX PX` to take it, compare-and-extend to renew, compare-and-delete to give it
//! back (the scripts of the lane's lease, `super::lease`); no fencing token, as a page written twice is
//! kept once (events are keyed by id) and the cursor only moves forward.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::connection::GroupConnection;
use super::lease::{millis, RELEASE, RENEW};
use crate::mirror::lease::SyncLease;

/// How long the lease lasts without renewal: a holder killed mid-sync holds the others back this long at most.
pub const SYNC_LEASE_TTL: Duration = Duration::from_secs(30);

/// The sync lease of one gateway.
pub struct RedisSyncLease {
    connection: GroupConnection,
    key: String,
    ttl: Duration,
    token: String,
    /// When this gateway last took or renewed it; `None` while it does not hold it.
    renewed: Mutex<Option<Instant>>,
}

impl RedisSyncLease {
    /// The lease at `key`, lasting `ttl` between renewals.
    pub fn new(connection: GroupConnection, key: String, ttl: Duration) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos());
        Self {
            connection,
            key,
            ttl,
            token: format!("{}:{nanos}", std::process::id()),
            renewed: Mutex::new(None),
        }
    }

    fn renewed(&self) -> Option<Instant> {
        *self.renewed.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_renewed(&self, at: Option<Instant>) {
        *self.renewed.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }
}

#[async_trait::async_trait]
impl SyncLease for RedisSyncLease {
    async fn hold(&self) -> Result<bool, String> {
        let asked = Instant::now();
        if let Some(at) = self.renewed() {
            if at.elapsed() < self.ttl / 3 {
                return Ok(true);
            }
            let renewed: i64 = self
                .connection
                .invoke(
                    "mirror_lease_renew",
                    RENEW.key(&self.key).arg(&self.token).arg(millis(self.ttl)),
                )
                .await
                .map_err(|e| e.to_string())?;
            if renewed == 1 {
                self.set_renewed(Some(asked));
                return Ok(true);
            }
            log::warn!("mirror: the sync lease expired before it was renewed; another gateway may sync now");
            self.set_renewed(None);
        }
        let taken: Option<String> = self
            .connection
            .query(
                "mirror_lease_take",
                redis::cmd("SET")
                    .arg(&self.key)
                    .arg(&self.token)
                    .arg("NX")
                    .arg("PX")
                    .arg(millis(self.ttl)),
            )
            .await
            .map_err(|e| e.to_string())?;
        let held = taken.is_some();
        if held {
            log::info!("mirror: this gateway holds the sync lease and syncs the shared store");
            self.set_renewed(Some(asked));
        }
        Ok(held)
    }

    async fn release(&self) {
        if self.renewed().is_none() {
            return;
        }
        self.set_renewed(None);
        let released: Result<i64, _> = self
            .connection
            .invoke(
                "mirror_lease_release",
                RELEASE.key(&self.key).arg(&self.token),
            )
            .await;
        if let Err(e) = released {
            log::warn!(
                "mirror: the sync lease could not be given back ({e}); it expires by itself"
            );
        }
    }
}
