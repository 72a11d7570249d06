//! A whole dimension list (`/locations`, `/channels`, `/triggers`) the way the gateway serves it: from the
//! cache, which holds it most of the time (fetched at start and refreshed ahead), else fetched once for
//! every caller. The mirror's totals and occupancy's trigger names read lists through it.

use std::sync::Arc;

use actix_web::web;

use super::policy::plan;
use super::ResponseCache;
use crate::upstream::UpstreamClient;

/// The list at `endpoint`, asked on behalf of `caller` (for the lane's fairness); the error says why not.
pub async fn whole_list(
    cache: &Arc<ResponseCache>,
    upstream: &web::Data<UpstreamClient>,
    caller: impl FnOnce() -> String,
    endpoint: &'static str,
) -> Result<web::Bytes, String> {
    let plan = plan(endpoint, &Vec::new(), cache.settings(), chrono::Utc::now)
        .ok_or_else(|| format!("{endpoint} is not a cached list"))?;
    let lookup = cache
        .get(&plan, false, upstream, caller)
        .await
        .map_err(|e| e.to_string())?;
    Ok(lookup.entry.body.bytes().clone())
}
