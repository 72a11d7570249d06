//! A turn of the group lane: the lease this gateway holds, its fence, and the nonce allocator that only hands
//! out nonces under it.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_trait::async_trait;

use super::connection::GroupConnection;
use super::lane_scripts::RELEASE;
use super::nonce::GroupNonceAllocator;
use crate::upstream::lane_trait::Turn;
use crate::upstream::nonce::{NonceAllocator, NonceError};

/// The fence of the turn this gateway holds, if any: set when the lane grants a turn, cleared when it ends.
/// Only one turn of the whole group exists at a time, so one cell per gateway is enough.
#[derive(Clone, Default)]
pub struct FenceCell(Arc<Mutex<Option<u64>>>);

impl FenceCell {
    /// The fence of the turn held now.
    pub fn get(&self) -> Option<u64> {
        *self.lock()
    }

    fn set(&self, fence: u64) {
        *self.lock() = Some(fence);
    }

    /// Clears the cell only if it still holds `fence`: a later turn's fence is left alone.
    fn clear(&self, fence: u64) {
        let mut held = self.lock();
        if *held == Some(fence) {
            *held = None;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<u64>> {
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
    token: String,
    fence: u64,
    cell: FenceCell,
    taken_at: Instant,
}

impl GroupTurn {
    /// A turn just granted by Redis with `fence`; the gateway's nonces use that fence until it ends.
    pub(super) fn new(
        connection: GroupConnection,
        lease_key: String,
        token: String,
        fence: u64,
        cell: FenceCell,
    ) -> Self {
        cell.set(fence);
        Self {
            connection,
            lease_key,
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
        self.cell.clear(self.fence);
        metrics::histogram!("gateway_group_lease_hold_seconds")
            .record(self.taken_at.elapsed().as_secs_f64());
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // No runtime (the process is ending): the lease expires by itself.
            return;
        };
        let (connection, key, token) = (
            self.connection.clone(),
            std::mem::take(&mut self.lease_key),
            std::mem::take(&mut self.token),
        );
        runtime.spawn(async move {
            // A failure leaves the lease to expire; the connection counts the fault.
            let _ = connection
                .invoke::<i64>("lane_release", RELEASE.key(key).arg(token))
                .await;
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
        self.group.next_fenced(fence).await
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
        cell.clear(8);
        assert_eq!(cell.get(), None);
    }
}
