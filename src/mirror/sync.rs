//! The sync: pages `/events` oldest first, 1000 at a time, from the durable cursor, in the lane's background
//! class, committing each page with the cursor that follows it; it stops at the first short page.
//!
//! **The cursor, and why.** The reference calls `starting_after` "an object ID that defines your place in the
//! list", and the list is sorted by `event_time` (`order`). It does not say that ids follow `event_time`; the
//! simulator's ids happen to (it answers `starting_after` as `id > cursor`), but a cloud that numbers events on
//! arrival gives a late event a high id and an old time. An id alone is then no safe cursor: under the
//! `id > cursor` reading, an event with a later time but a lower id would be skipped for good. So the cursor
//! is the `event_time` of the newest event committed, asked again as `since` (inclusive): the next page
//! starts with the events at that instant, which the store already holds and keeps once (it is keyed by id),
//! and goes on from there. That is right under either reading of `starting_after`, and costs one slot of a
//! thousand. Only when a whole page sits at one instant does the cursor add `starting_after` (the last id
//! taken there), since `since` alone would then ask for the same page again.
//!
//! Events that reach the cloud after the cursor passed their `event_time` (late events) are not in this walk;
//! re-syncing the unsettled tail is the next layer's work.

use chrono::{DateTime, SecondsFormat, Utc};

use super::event::{read_page, StoredEvent};
use super::store::{EventStore, StoreError, SyncCursor};
use crate::error::GatewayError;
use crate::upstream::{Fetch, UpstreamRequest};

/// Events asked per page: the reference's largest `limit`.
pub const PAGE_LIMIT: usize = 1000;
/// The name the mirror's calls queue under in the lane.
pub const MIRROR_CALLER: &str = "mirror";

/// What one run of the sync did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Pages committed.
    pub pages: u64,
    /// Events not held before.
    pub new: u64,
    /// Events held before with other bytes, replaced.
    pub replaced: u64,
    /// Events held before unchanged (the overlap at the cursor's instant, or a repeated page).
    pub unchanged: u64,
}

/// Why a sync run stopped before it caught up; everything committed before stays.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The cloud (or the lane) did not answer.
    #[error("fetching events: {0}")]
    Upstream(#[from] GatewayError),
    /// The cloud answered something that is not an events page.
    #[error("reading events: {0}")]
    Page(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A full page did not move the cursor: the cloud ignored `starting_after`, and asking again would loop.
    #[error("the cloud's pages do not move past {0}")]
    Stuck(String),
}

/// The request for the page after `cursor`: ascending, 1000, behind every caller in the lane.
pub fn page_request(cursor: SyncCursor) -> UpstreamRequest {
    let mut params = vec![
        ("since", format_micros(cursor.since_micros)),
        ("limit", PAGE_LIMIT.to_string()),
        ("order", "asc".to_owned()),
    ];
    if let Some(id) = cursor.after_id {
        params.push(("starting_after", id.to_string()));
    }
    UpstreamRequest {
        endpoint: "/events",
        params,
        caller: MIRROR_CALLER.to_owned(),
        background: true,
    }
}

/// The cursor after committing `page`, which was asked with `current`; it never moves back.
pub fn next_cursor(current: SyncCursor, page: &[StoredEvent]) -> SyncCursor {
    let newest = page
        .iter()
        .map(|e| e.event_time_micros)
        .max()
        .unwrap_or(current.since_micros)
        .max(current.since_micros);
    let after_id = if newest == current.since_micros {
        // The whole page sat at the cursor's instant: continue after its last event there.
        page.last().map(|e| e.id).or(current.after_id)
    } else {
        None
    };
    SyncCursor {
        since_micros: newest,
        after_id,
    }
}

/// Syncs until a short page: from the store's cursor, or from `start` when the store has none.
pub async fn sync_until_caught_up(
    fetch: &dyn Fetch,
    store: &dyn EventStore,
    start: DateTime<Utc>,
) -> Result<SyncReport, SyncError> {
    let mut cursor = store.cursor().await?.unwrap_or(SyncCursor {
        since_micros: start.timestamp_micros(),
        after_id: None,
    });
    let mut report = SyncReport::default();
    loop {
        let answer = fetch.fetch(&page_request(cursor)).await?;
        let page = read_page(&answer.body).map_err(SyncError::Page)?;
        if page.is_empty() {
            return Ok(report);
        }
        let next = next_cursor(cursor, &page);
        let inserted = store.insert_page(&page, next).await?;
        report.pages += 1;
        report.new += inserted.new;
        report.replaced += inserted.replaced;
        report.unchanged += inserted.unchanged;
        log::debug!(
            "mirror: page of {} committed ({} new), cursor {}",
            page.len(),
            inserted.new,
            format_micros(next.since_micros)
        );
        if page.len() < PAGE_LIMIT {
            return Ok(report);
        }
        if next == cursor {
            return Err(SyncError::Stuck(format_micros(cursor.since_micros)));
        }
        cursor = next;
    }
}

/// RFC 3339 in UTC with microseconds, the precision the cursor keeps.
pub fn format_micros(micros: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(micros)
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
        .to_rfc3339_opts(SecondsFormat::Micros, true)
}

#[cfg(test)]
#[path = "sync_tests.rs"]
mod tests;
