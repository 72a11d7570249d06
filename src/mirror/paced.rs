//! The mirror's way to the cloud: every call waits for the mirror's own pace, queues behind every caller in
//! the lane (background class), holds the sync lease when the store is shared, and is counted.

use std::sync::Arc;
use std::time::Duration;

use super::budget::{Budget, Purpose};
use super::lease::SyncLease;
use super::sync::MIRROR_CALLER;
use crate::error::GatewayError;
use crate::upstream::{Fetch, UpstreamAnswer, UpstreamRequest};

/// How long to wait before trying again after the lease was lost.
const LEASE_RETRY: Duration = Duration::from_secs(5);

/// A [`Fetch`] for the mirror over the gateway's own (`F`); cheap to clone.
#[derive(Clone)]
pub struct PacedFetch<F> {
    inner: F,
    budget: Arc<Budget>,
    lease: Option<Arc<dyn SyncLease>>,
    purpose: Purpose,
}

impl<F: Fetch> PacedFetch<F> {
    /// Calls through `inner` within `budget`, under `lease` when there is one.
    pub fn new(inner: F, budget: Arc<Budget>, lease: Option<Arc<dyn SyncLease>>) -> Self {
        Self {
            inner,
            budget,
            lease,
            purpose: Purpose::Sync,
        }
    }

    /// The same way, its calls counted as `purpose`.
    pub fn for_purpose(&self, purpose: Purpose) -> Self
    where
        F: Clone,
    {
        Self {
            purpose,
            ..self.clone()
        }
    }

    /// Fails unless this gateway holds the sync lease (or needs none).
    async fn check_lease(&self) -> Result<(), GatewayError> {
        let Some(lease) = &self.lease else {
            return Ok(());
        };
        match lease.hold().await {
            Ok(true) => Ok(()),
            Ok(false) => Err(GatewayError::Unavailable {
                msg: "another gateway of the group holds the mirror's sync lease".into(),
                retry_after: LEASE_RETRY,
            }),
            Err(why) => Err(GatewayError::Unavailable {
                msg: format!("the mirror's sync lease cannot be renewed: {why}"),
                retry_after: LEASE_RETRY,
            }),
        }
    }
}

#[async_trait::async_trait(?Send)]
impl<F: Fetch> Fetch for PacedFetch<F> {
    async fn fetch(&self, request: &UpstreamRequest) -> Result<UpstreamAnswer, GatewayError> {
        self.check_lease().await?;
        self.budget.pace().await;
        let request = UpstreamRequest {
            caller: MIRROR_CALLER.to_owned(),
            background: true,
            ..request.clone()
        };
        let answer = self.inner.fetch(&request).await;
        // `Unavailable` is a turn the lane could not give (callers kept it busy): nothing was sent.
        if !matches!(answer, Err(GatewayError::Unavailable { .. })) {
            self.budget
                .record(self.purpose, chrono::Utc::now().timestamp());
        }
        // A lease lost while the call was out: the answer is not committed by a gateway that no longer syncs.
        self.check_lease().await?;
        answer
    }
}
