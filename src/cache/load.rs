//! Filling the cache: one load per key at a time, from the group's second level when it has a fresh copy, else
//! from the cloud; refresh-ahead of lists in use, and the warm-up at start. Loads run in tasks of their own, so an
//! answer lands in the cache even when every caller who asked has gone.

use std::cell::Cell;
use std::sync::Arc;

use super::entry::Entry;
use super::policy::{self, Class, Plan};
use super::second_level::SharedAnswer;
use super::ResponseCache;
use crate::error::GatewayError;
use crate::upstream::{Fetch, UpstreamRequest};

/// Where a load may take its answer from.
#[derive(Debug, Clone, Copy)]
pub(super) struct Source {
    /// Background work (refresh-ahead): queued behind every caller in the lane.
    pub(super) background: bool,
    /// The second level may answer (not when the caller asked to revalidate with the cloud).
    pub(super) shared: bool,
}

impl ResponseCache {
    /// One upstream call for all who ask with the same `load_key` at once; the new entry replaces the old.
    /// The call and the insertion run in a task of their own: when every caller has gone, the answer
    /// still lands in the cache, so the upstream call is not wasted.
    pub(super) async fn load<F: Fetch + Clone + 'static>(
        self: &Arc<Self>,
        plan: &Plan,
        load_key: String,
        source: Source,
        upstream: &F,
        caller: impl FnOnce() -> String,
        leader: &Cell<bool>,
    ) -> Result<Arc<Entry>, Arc<GatewayError>> {
        self.loads
            .try_get_with(load_key, async {
                leader.set(true);
                let request = UpstreamRequest {
                    endpoint: plan.endpoint,
                    params: plan.upstream_params.clone(),
                    caller: caller(),
                    background: source.background,
                };
                let (cache, plan, upstream) = (self.clone(), plan.clone(), upstream.clone());
                actix_web::rt::spawn(async move {
                    cache
                        .fetch_and_store(&plan, &request, source, &upstream)
                        .await
                })
                .await
                .unwrap_or_else(|_| {
                    Err(GatewayError::BadGateway(
                        "the load from the cloud ended abruptly".into(),
                    ))
                })
            })
            .await
    }

    /// A fresh answer another gateway of the group fetched, as an entry of its age.
    pub(super) async fn shared_entry(&self, plan: &Plan) -> Option<Arc<Entry>> {
        let now = std::time::SystemTime::now();
        let shared = self
            .second
            .get(&plan.key)
            .await
            .filter(|a| a.is_fresh(now))?;
        Some(self.entry_of(plan, &shared))
    }

    /// An entry for a shared answer, of the age it has now.
    pub(super) fn entry_of(&self, plan: &Plan, shared: &SharedAnswer) -> Arc<Entry> {
        Arc::new(Entry::from_group(
            shared.body.clone(),
            shared.age(std::time::SystemTime::now()),
            shared.fresh_for,
            self.settings.stale_if_error,
            plan.class == Class::Dimensions,
        ))
    }

    /// Offers a fresh answer from the cloud to the other gateways of the group.
    pub(super) async fn share(&self, plan: &Plan, body: &actix_web::web::Bytes) {
        let answer = SharedAnswer {
            body: body.clone(),
            fetched_at: std::time::SystemTime::now(),
            fresh_for: plan.fresh_for,
        };
        self.second
            .put(&plan.key, &answer, self.settings.stale_if_error)
            .await;
    }

    /// Takes the answer for `plan` from the group (when `source` allows) or else from the cloud, and puts it in
    /// the cache under `plan`'s key.
    pub(super) async fn fetch_and_store(
        &self,
        plan: &Plan,
        request: &UpstreamRequest,
        source: Source,
        upstream: &impl Fetch,
    ) -> Result<Arc<Entry>, GatewayError> {
        let entry = match source.shared {
            true => self.fetch_for_group(plan, request, upstream).await?,
            false => self.fetch_from_cloud(plan, request, upstream).await?,
        };
        if let Some(replaced) = self.entries.get(&plan.key).await {
            replaced.supersede();
        }
        self.entries.insert(plan.key.clone(), entry.clone()).await;
        Ok(entry)
    }

    /// Fetches from the cloud and offers the answer to the group.
    pub(super) async fn fetch_from_cloud(
        &self,
        plan: &Plan,
        request: &UpstreamRequest,
        upstream: &impl Fetch,
    ) -> Result<Arc<Entry>, GatewayError> {
        let answer = upstream.fetch(request).await?;
        self.share(plan, &answer.body).await;
        Ok(Arc::new(Entry::new(
            answer.body,
            plan.fresh_for,
            self.settings.stale_if_error,
            plan.class == Class::Dimensions,
        )))
    }

    /// Re-fetches a list in use before it expires, behind every caller waiting upstream.
    pub(super) fn refresh_in_background<F: Fetch + Clone + 'static>(
        self: &Arc<Self>,
        plan: Plan,
        generation: u64,
        upstream: F,
    ) {
        let cache = self.clone();
        actix_web::rt::spawn(async move {
            let key = format!("{}#{generation}#ahead", plan.key);
            let outcome = cache
                .load(
                    &plan,
                    key,
                    Source {
                        background: true,
                        shared: true,
                    },
                    &upstream,
                    || "refresh-ahead".into(),
                    &Cell::new(false),
                )
                .await;
            match outcome {
                Ok(_) => log::debug!("refreshed {} ahead of expiry", plan.key),
                Err(error) => log::info!("refresh-ahead of {} failed: {error}", plan.key),
            }
        });
    }

    /// Fetches the dimension lists now, in the background, so the first callers find them cached; callers
    /// who ask meanwhile share these calls.
    pub fn warm_up<F: Fetch + Clone + 'static>(self: &Arc<Self>, upstream: F) {
        let cache = self.clone();
        actix_web::rt::spawn(async move {
            let now = chrono::Utc::now();
            for endpoint in ["/locations", "/channels", "/triggers"] {
                let Some(plan) = policy::plan(endpoint, &Vec::new(), &cache.settings, || now)
                else {
                    continue;
                };
                let key = format!("{}#0", plan.key);
                match cache
                    .load(
                        &plan,
                        key,
                        Source {
                            background: false,
                            shared: true,
                        },
                        &upstream,
                        || "warm-up".into(),
                        &Cell::new(false),
                    )
                    .await
                {
                    Ok(_) => log::info!("warmed the cache with {endpoint}"),
                    Err(error) => log::warn!("could not warm the cache with {endpoint}: {error}"),
                }
            }
        });
    }
}
