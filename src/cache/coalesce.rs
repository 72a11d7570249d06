//! The group's misses coalesced: of several gateways missing one key at once, one fetches from the cloud and the
//! others take its answer or its failure through the second level. A gateway on its own is always the one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::entry::Entry;
use super::policy::Plan;
use super::second_level::{Claim, ClaimToken, SharedFailure, Waited};
use super::ResponseCache;
use crate::error::GatewayError;
use crate::upstream::{Fetch, UpstreamRequest};

impl ResponseCache {
    /// The group's one fetch of `plan`'s key: a fresh shared answer if there is one; else this gateway
    /// fetches for the group if it claims the key first, or waits for the gateway that did and takes its
    /// answer or its failure. A claim left by a gateway that died expires, and a waiting gateway takes over.
    pub(super) async fn fetch_for_group(
        &self,
        plan: &Plan,
        request: &UpstreamRequest,
        upstream: &impl Fetch,
    ) -> Result<Arc<Entry>, GatewayError> {
        if let Some(entry) = self.shared_entry(plan).await {
            return Ok(entry);
        }
        let bound = self.second.wait_bound();
        let started = Instant::now();
        let deadline = started.checked_add(bound).unwrap_or(started);
        loop {
            match self.second.claim(&plan.key).await {
                Claim::Leader(token) => return self.lead(plan, request, upstream, &token).await,
                Claim::Failed(failure) => return Err(failure.to_error()),
                Claim::Follower => match self.second.wait_for(&plan.key, deadline).await {
                    Waited::Answer(shared) => return Ok(self.entry_of(plan, &shared)),
                    Waited::Failed(failure) => return Err(failure.to_error()),
                    Waited::Vacated => continue,
                    Waited::TimedOut => {
                        return Err(GatewayError::Unavailable {
                            msg: format!(
                                "another gateway of the group is fetching this answer and has not shared it within {:.1}s",
                                bound.as_secs_f64()
                            ),
                            retry_after: Duration::from_secs(1),
                        })
                    }
                },
            }
        }
    }

    /// Fetches for the group under `token`'s claim, shares the answer or the failure, and gives the claim back.
    async fn lead(
        &self,
        plan: &Plan,
        request: &UpstreamRequest,
        upstream: &impl Fetch,
        token: &ClaimToken,
    ) -> Result<Arc<Entry>, GatewayError> {
        // The previous holder may have shared its answer between our look and our claim.
        if let Some(entry) = self.shared_entry(plan).await {
            self.second.release(&plan.key, token).await;
            return Ok(entry);
        }
        let fetched = self.fetch_from_cloud(plan, request, upstream).await;
        match fetched.as_ref().err().and_then(SharedFailure::of) {
            Some(failure) => self.second.fail(&plan.key, token, &failure).await,
            None => self.second.release(&plan.key, token).await,
        }
        fetched
    }
}
