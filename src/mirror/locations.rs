//! The account's locations, for verification (one check per day and location) and `/v1/mirror`: read from
//! the cache's `/locations` list, which the cache fetches (through the mirror's pace) only when it has none.

use std::sync::Arc;

use serde::Deserialize;

use super::runner_state::KnownLocation;
use super::sync::SyncError;
use crate::cache::policy::plan;
use crate::cache::ResponseCache;
use crate::upstream::{Fetch, UpstreamRequest};

#[derive(Deserialize)]
struct Envelope {
    code: i64,
    result: Option<Vec<KnownLocation>>,
}

/// The `/locations` list: from `cache` when there is one, else straight from the cloud.
pub async fn known_locations<F: Fetch + Clone + 'static>(
    cache: Option<&Arc<ResponseCache>>,
    fetch: &F,
) -> Result<Vec<KnownLocation>, SyncError> {
    let body = match cache {
        Some(cache) => {
            let plan = plan(
                "/locations",
                &Vec::new(),
                cache.settings(),
                chrono::Utc::now,
            )
            .ok_or_else(|| SyncError::Page("the cache does not keep /locations".into()))?;
            let lookup = cache
                .get(&plan, false, fetch, || super::sync::MIRROR_CALLER.into())
                .await?;
            lookup.entry.body.bytes().clone()
        }
        None => {
            let request = UpstreamRequest {
                endpoint: "/locations",
                params: Vec::new(),
                caller: super::sync::MIRROR_CALLER.into(),
                background: true,
            };
            fetch.fetch(&request).await?.body
        }
    };
    read_locations(&body).map_err(SyncError::Page)
}

fn read_locations(body: &[u8]) -> Result<Vec<KnownLocation>, String> {
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|e| format!("a locations list: {e}"))?;
    if envelope.code != 0 {
        return Err(format!("a locations list with code {}", envelope.code));
    }
    Ok(envelope.result.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_locations_list_gives_ids_and_names() {
        let body = br#"{"code":0,"msg":"success","result":[{"id":101,"name":"Manhattan store","version":"3.2.1","hash":"x"}]}"#;

        let locations = read_locations(body).unwrap();

        assert_eq!(
            locations,
            vec![KnownLocation {
                id: 101,
                name: "Manhattan store".into()
            }]
        );
    }
}
