//! Syncing forward and what follows it, shared by the runner and `mirror sync`: remember where the first sync
//! began, sync from the cursor until a short page, then move the coverage's end to the instant the walk began;
//! and reaching further back than the first sync did.

use chrono::{DateTime, Utc};

use super::coverage_note::{self, ORIGIN_NOTE};
use super::handle::Mirror;
use super::store::Span;
use super::sync::{sync_until_caught_up, SyncError, SyncReport};
use super::window::{Window, WindowWalk};
use crate::upstream::Fetch;

/// Syncs forward from the cursor (or `start`, for a store never synced) until caught up, then stores the
/// coverage: from where the first sync began (or where it stands already) to the instant this walk began.
pub async fn sync_forward(
    fetch: &dyn Fetch,
    mirror: &Mirror,
    start: DateTime<Utc>,
) -> Result<SyncReport, SyncError> {
    let store = mirror.store();
    let began = Utc::now();
    if store.cursor().await?.is_none() {
        store
            .set_note(ORIGIN_NOTE, &start.timestamp_micros().to_string())
            .await?;
    }
    let report = sync_until_caught_up(fetch, store.as_ref(), start).await?;
    let mut coverage = mirror.coverage();
    // Once set, the start moves only with retention or a backfill.
    let from = match coverage.span {
        Some(span) => span.from_micros,
        None => coverage_note::origin(store.as_ref())
            .await?
            .unwrap_or(start.timestamp_micros()),
    };
    coverage.span = Some(Span {
        from_micros: from,
        to_micros: began.timestamp_micros().max(from),
    });
    coverage_note::save(mirror, coverage).await?;
    Ok(report)
}

/// Reads every event from `since` up to where the first sync of the store began, committing each page with
/// the cursor as it stands, then moves the origin and the coverage's start back to `since`. Nothing to do
/// when the store was never synced (the forward sync starts at `since`) or already reaches that far.
pub async fn backfill_before(
    fetch: &dyn Fetch,
    mirror: &Mirror,
    since: DateTime<Utc>,
) -> Result<SyncReport, SyncError> {
    let store = mirror.store();
    let mut report = SyncReport::default();
    let (Some(cursor), Some(origin)) = (
        store.cursor().await?,
        coverage_note::origin(store.as_ref()).await?,
    ) else {
        return Ok(report);
    };
    let since_micros = since.timestamp_micros();
    if since_micros >= origin {
        return Ok(report);
    }
    let mut walk = WindowWalk::new(Window {
        location_id: None,
        since_micros,
        until_micros: Some(origin),
    });
    while let Some((page, _)) = walk.next_page(fetch).await? {
        let inserted = store.insert_page(&page, cursor).await?;
        report.pages += 1;
        report.new += inserted.new;
        report.replaced += inserted.replaced;
        report.unchanged += inserted.unchanged;
    }
    store
        .set_note(ORIGIN_NOTE, &since_micros.to_string())
        .await?;
    let mut coverage = mirror.coverage();
    if let Some(span) = &mut coverage.span {
        span.from_micros = span.from_micros.min(since_micros);
        coverage_note::save(mirror, coverage).await?;
    }
    Ok(report)
}
