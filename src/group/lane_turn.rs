//! A turn of the group lane: the lease this gateway holds, its fence, and the nonce allocator that only hands
//! out nonces under it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::connection::GroupConnection;
use super::lane_scripts::RELEASE;
use super::nonce::GroupNonceAllocator;
use crate::upstream::lane_trait::Turn;
use crate::upstream::nonce::{NonceAllocator, NonceError};

/// The turn this gateway holds, if any: its fence, and when its nonce was handed out (the call is signed and
/// sent right after). Set when the lane grants a turn, cleared when it ends. Only one turn of the whole group
/// exists at a time, so one cell per gateway is enough.
#[derive(Clone, Default)]
pub struct FenceCell(Arc<Mutex<Option<Held>>>);

#[derive(Clone, Copy)]
struct Held {
    fence: u64,
    sent_at: Option<Instant>,
}

impl FenceCell {
    /// The fence of the turn held now.
    pub fn get(&self) -> Option<u64> {
        self.lock().map(|held| held.fence)
    }

    fn set(&self, fence: u64) {
        *self.lock() = Some(Held {
            fence,
            sent_at: None,
        });
    }

    /// Notes that the turn with `fence` handed out its nonce now: its call goes out at once.
    fn mark_sent(&self, fence: u64) {
        if let Some(held) = self.lock().as_mut().filter(|held| held.fence == fence) {
            held.sent_at = Some(Instant::now());
        }
    }

    /// Clears the cell only if it still holds `fence` (a later turn's is left alone); answers when that
    /// turn's call went out, if it did.
    fn clear(&self, fence: u64) -> Option<Instant> {
        let mut held = self.lock();
        match *held {
            Some(Held { fence: f, sent_at }) if f == fence => {
                *held = None;
                sent_at
            }
            _ => None,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Held>> {
        // A poisoned cell still holds a plain number; the panic that poisoned it is reported elsewhere.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The lease this gateway holds: dropping it gives the lease back (in a task of its own: never blocks).
pub struct GroupTurn {
    connection: GroupConnection,
    lease_key: String,
    state_key: String,
    interval: Duration,
    token: String,
    fence: u64,
    cell: FenceCell,
    taken_at: Instant,
}

impl GroupTurn {
    /// A turn just granted by Redis with `fence`; the gateway's nonces use that fence until it ends.
    pub(super) fn new(
        connection: GroupConnection,
        (lease_key, state_key): (String, String),
        interval: Duration,
        token: String,
        fence: u64,
        cell: FenceCell,
    ) -> Self {
        cell.set(fence);
        Self {
            connection,
            lease_key,
            state_key,
            interval,
            token,
            fence,
            cell,
            taken_at: Instant::now(),
        }
    }

    /// The fencing token taken with the lease.
    pub fn fence(&self) -> u64 {
        self.fence
    }
}

impl Turn for GroupTurn {}

impl Drop for GroupTurn {
    fn drop(&mut self) {
        // The cloud paces arrivals: the next start is due an interval after this call went out, which came a
        // little after the lease was taken (the nonce script, the local mark). Tell Redis how long ago.
        let since_sent = self.cell.clear(self.fence).map(|sent| sent.elapsed());
        metrics::histogram!("gateway_group_lease_hold_seconds")
            .record(self.taken_at.elapsed().as_secs_f64());
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // No runtime (the process is ending): the lease expires by itself.
            return;
        };
        let (connection, key, state, token) = (
            self.connection.clone(),
            std::mem::take(&mut self.lease_key),
            std::mem::take(&mut self.state_key),
            std::mem::take(&mut self.token),
        );
        let since_sent_us =
            since_sent.map_or(-1, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
        let interval_us = i64::try_from(self.interval.as_micros()).unwrap_or(i64::MAX);
        runtime.spawn(async move {
            // A failure leaves the lease to expire; the connection counts the fault.
            let mut release = RELEASE.key(key);
            release
                .key(state)
                .arg(token)
                .arg(since_sent_us)
                .arg(interval_us);
            let _ = connection.invoke::<i64>("lane_release", &release).await;
        });
    }
}

/// The group's nonces as the upstream client takes them: only under the turn this gateway holds, with its
/// fence, so a gateway whose lease expired (and was taken by another) cannot hand out a nonce.
pub struct FencedNonces {
    group: Arc<GroupNonceAllocator>,
    cell: FenceCell,
}

impl FencedNonces {
    /// Nonces from `group` under the fence in `cell`.
    pub fn new(group: Arc<GroupNonceAllocator>, cell: FenceCell) -> Self {
        Self { group, cell }
    }
}

#[async_trait]
impl NonceAllocator for FencedNonces {
    async fn next(&self) -> Result<i64, NonceError> {
        let fence = self.cell.get().ok_or_else(|| {
            NonceError::Unavailable(
                "group coordination: this gateway holds no lease of the group lane".into(),
            )
        })?;
        let nonce = self.group.next_fenced(fence).await?;
        self.cell.mark_sent(fence);
        Ok(nonce)
    }

    async fn raise_floor(&self, floor: i64) -> Result<(), NonceError> {
        self.group.raise_floor(floor).await
    }

    fn last(&self) -> i64 {
        self.group.last()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_is_cleared_only_by_the_turn_that_set_it() {
        let cell = FenceCell::default();
        cell.set(7);
        cell.set(8);

        cell.clear(7);

        assert_eq!(cell.get(), Some(8));
        cell.mark_sent(8);
        assert!(
            cell.clear(8).is_some(),
            "the send time comes back with the clear"
        );
        assert_eq!(cell.get(), None);
    }
}
