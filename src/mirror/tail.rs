//! The tail re-sync: late events reach the cloud after the cursor passed their `event_time`, so once caught
//! up the mirror reads the unsettled tail (the last `GATEWAY_SETTLE_AFTER`) again, every
//! `GATEWAY_MIRROR_TAIL_EVERY`.
//!
//! **Why it is cheap.** It costs one call per thousand events of the tail, not of the mirror: with the default
//! hour of tail and five minutes between walks, a site with 5,000 events an hour spends 5 calls every 5
//! minutes. Re-reading is safe because events are keyed by id: an event held already writes nothing. The walk
//! is contiguous from a start at or before the cursor, so it may also move the cursor forward, and the next
//! poll does not read those events again. Events later than the tail (hours late) are found by verification.

use super::store::{EventStore, SyncCursor};
use super::sync::{SyncError, SyncReport};
use super::window::{Window, WindowWalk};
use crate::upstream::Fetch;

/// Reads every event from `from_micros` on again, committing each page; the cursor moves only forward, and
/// only when the walk started at or before it (a walk past a gap must not move the cursor over the gap).
pub async fn resync_tail(
    fetch: &dyn Fetch,
    store: &dyn EventStore,
    from_micros: i64,
) -> Result<SyncReport, SyncError> {
    let mut walk = WindowWalk::new(Window {
        location_id: None,
        since_micros: from_micros,
        until_micros: None,
    });
    let mut report = SyncReport::default();
    while let Some((page, next)) = walk.next_page(fetch).await? {
        let current = store.cursor().await?;
        let Some(current) = current else {
            // Nothing synced yet: the forward sync comes first.
            return Ok(report);
        };
        let cursor = advanced(current, next, from_micros);
        let inserted = store.insert_page(&page, cursor).await?;
        report.pages += 1;
        report.new += inserted.new;
        report.replaced += inserted.replaced;
        report.unchanged += inserted.unchanged;
    }
    if report.new + report.replaced > 0 {
        log::info!(
            "mirror: the tail re-sync found {} late or changed events in {} pages",
            report.new + report.replaced,
            report.pages
        );
    }
    Ok(report)
}

/// The cursor to commit with a tail page: `next` when the walk began at or before `current` and has passed
/// it, else `current`.
fn advanced(current: SyncCursor, next: SyncCursor, walk_from: i64) -> SyncCursor {
    if walk_from <= current.since_micros && next.since_micros > current.since_micros {
        next
    } else {
        current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(since_micros: i64) -> SyncCursor {
        SyncCursor {
            since_micros,
            after_id: None,
        }
    }

    #[test]
    fn a_tail_walk_moves_the_cursor_only_forward_and_never_over_a_gap() {
        assert_eq!(advanced(at(100), at(150), 50), at(150));
        assert_eq!(advanced(at(100), at(80), 50), at(100));
        // Began after the cursor: the events between were never read.
        assert_eq!(advanced(at(100), at(150), 120), at(100));
    }
}
