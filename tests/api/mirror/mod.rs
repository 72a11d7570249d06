//! The mirror's store and sync against the simulated cloud, through a gateway that signs for them.

mod answers;
mod budget;
mod contract;
mod documented;
mod export;
mod fetch;
mod kill;
mod late;
mod mirrored;
mod process;
mod random;
mod repair;
mod running;
mod series;
mod serve;
mod shared;
mod shared_store;
mod sync;

use camlytics_gateway::mirror::event::EventFilter;
use camlytics_gateway::mirror::store::{EventQuery, EventStore, Order};
use chrono::{DateTime, Utc};

use crate::helpers::TestApp;

/// Before the simulator's first event, so a sync from here takes them all.
pub fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap()
}

/// Every event the cloud holds, each as its own bytes, oldest first, paged by the simulator's id cursor.
pub async fn cloud_events(app: &TestApp) -> Vec<String> {
    cloud_events_at(&app.api).await
}

/// [`cloud_events`] through the gateway at `api` (another process on the same cloud and key).
pub async fn cloud_events_at(api: &str) -> Vec<String> {
    let client = awc::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .finish();
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let cursor = after
            .map(|id| format!("&starting_after={id}"))
            .unwrap_or_default();
        let url = format!("{api}/events?order=asc&limit=1000{cursor}");
        let mut answer = client.get(&url).send().await.unwrap();
        let body = answer.body().limit(64 << 20).await.unwrap();
        let page = camlytics_gateway::mirror::event::read_page(&body).unwrap();
        after = page.last().map(|e| e.id);
        let short = page.len() < 1000;
        all.extend(page.into_iter().map(|e| e.raw.into_string()));
        if short {
            return all;
        }
    }
}

/// Every event the store holds, oldest first, as its bytes.
pub async fn held_events(store: &dyn EventStore) -> Vec<String> {
    let query = EventQuery {
        filter: EventFilter::default(),
        order: Order::Asc,
        starting_after: None,
        limit: usize::MAX,
    };
    let held = store.events(&query).await.unwrap();
    held.into_iter().map(String::from).collect()
}

/// The store's total, read from its rollups (no window: whole minutes only).
pub async fn rollup_total(store: &dyn EventStore) -> u64 {
    store.count(&EventFilter::default()).await.unwrap()
}
