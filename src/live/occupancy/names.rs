//! Trigger names for the rules, from the `/triggers` list the gateway caches (the same list the mirror's
//! totals join with).

use std::sync::Arc;

use actix_web::web;

use super::feeding::TriggerSource;
use crate::cache::whole_list::whole_list;
use crate::cache::ResponseCache;
use crate::mirror::answer::totals::{triggers_of, TriggerInfo};
use crate::upstream::UpstreamClient;

/// The `/triggers` list through the response cache.
pub struct CachedTriggers {
    /// The cache that holds the list.
    pub cache: Arc<ResponseCache>,
    /// The client it is fetched with when the cache lacks it.
    pub upstream: web::Data<UpstreamClient>,
}

#[async_trait::async_trait(?Send)]
impl TriggerSource for CachedTriggers {
    async fn triggers(&self) -> Option<Vec<TriggerInfo>> {
        let list = whole_list(
            &self.cache,
            &self.upstream,
            || "occupancy".to_owned(),
            "/triggers",
        )
        .await
        .map_err(|e| log::debug!("occupancy: no /triggers list: {e}"))
        .ok()?;
        triggers_of(&list)
            .map_err(|e| log::warn!("occupancy: the /triggers list could not be read: {e}"))
            .ok()
    }
}
