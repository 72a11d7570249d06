//! The progress bar of `mirror sync`: a store that passes every call through and, on each committed page,
//! moves an indicatif bar by the time the cursor advanced and shows events a second.

use std::sync::Arc;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

use crate::mirror::event::{EventFilter, StoredEvent};
use crate::mirror::store::{
    CountQuery, EventQuery, EventStore, GroupCount, Inserted, Repaired, Span, StoreError,
    StoreStats, SyncCursor,
};

/// A store whose committed pages move a bar measured in seconds of event time.
pub struct ProgressStore {
    inner: Arc<dyn EventStore>,
    bar: ProgressBar,
    /// The instant the bar starts at, in UTC microseconds.
    from_micros: i64,
    started: Instant,
    events: std::sync::atomic::AtomicU64,
}

impl ProgressStore {
    /// A bar from `from_micros` to `to_micros` (event time) over `inner`.
    pub fn new(inner: Arc<dyn EventStore>, from_micros: i64, to_micros: i64) -> Self {
        let seconds = u64::try_from((to_micros - from_micros).max(1) / 1_000_000).unwrap_or(1);
        let bar = ProgressBar::new(seconds.max(1));
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {percent}% of the time range, {msg}, ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Self {
            inner,
            bar,
            from_micros,
            started: Instant::now(),
            events: 0.into(),
        }
    }

    /// The bar, to finish once the sync is done.
    pub fn bar(&self) -> ProgressBar {
        self.bar.clone()
    }

    fn advance(&self, page: usize, cursor: SyncCursor) {
        use std::sync::atomic::Ordering;
        let events = self.events.fetch_add(page as u64, Ordering::Relaxed) + page as u64;
        let rate = events as f64 / self.started.elapsed().as_secs_f64().max(1e-3);
        let done =
            u64::try_from((cursor.since_micros - self.from_micros).max(0) / 1_000_000).unwrap_or(0);
        self.bar
            .set_position(done.min(self.bar.length().unwrap_or(done)));
        self.bar
            .set_message(format!("{events} events, {rate:.0} events/s"));
    }
}

#[async_trait::async_trait]
impl EventStore for ProgressStore {
    async fn insert_page(
        &self,
        events: &[StoredEvent],
        cursor: SyncCursor,
    ) -> Result<Inserted, StoreError> {
        let inserted = self.inner.insert_page(events, cursor).await?;
        self.advance(events.len(), cursor);
        Ok(inserted)
    }

    async fn cursor(&self) -> Result<Option<SyncCursor>, StoreError> {
        self.inner.cursor().await
    }

    async fn count(&self, filter: &EventFilter) -> Result<u64, StoreError> {
        self.inner.count(filter).await
    }

    async fn events(&self, query: &EventQuery) -> Result<Vec<Box<str>>, StoreError> {
        self.inner.events(query).await
    }

    async fn grouped_counts(&self, query: &CountQuery) -> Result<Vec<GroupCount>, StoreError> {
        self.inner.grouped_counts(query).await
    }

    async fn replace_window(
        &self,
        location_id: Option<i64>,
        span: Span,
        events: &[StoredEvent],
    ) -> Result<Repaired, StoreError> {
        self.inner.replace_window(location_id, span, events).await
    }

    async fn drop_before(&self, micros: i64) -> Result<u64, StoreError> {
        self.inner.drop_before(micros).await
    }

    async fn stats(&self) -> Result<StoreStats, StoreError> {
        self.inner.stats().await
    }

    async fn note(&self, name: &str) -> Result<Option<String>, StoreError> {
        self.inner.note(name).await
    }

    async fn set_note(&self, name: &str, value: &str) -> Result<(), StoreError> {
        self.inner.set_note(name, value).await
    }
}
