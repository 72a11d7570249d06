//! Walking one window of `/events` oldest first, 1000 at a time, with the sync's cursor rules (a time, asked
//! again inclusively; `starting_after` only when a whole page sits at one instant): for the tail re-sync
//! and for repairs.

use super::event::{read_page, StoredEvent};
use super::store::SyncCursor;
use super::sync::{format_micros, next_cursor, SyncError, MIRROR_CALLER, PAGE_LIMIT};
use crate::upstream::{Fetch, UpstreamRequest};

/// A window of events: one location's or every location's, from an instant to an instant or to now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Only this location's events; `None`: every location's.
    pub location_id: Option<i64>,
    /// The first instant, in UTC microseconds.
    pub since_micros: i64,
    /// The last instant (inclusive); `None`: up to what the cloud holds.
    pub until_micros: Option<i64>,
}

/// A walk through a window, page by page.
pub struct WindowWalk {
    window: Window,
    cursor: SyncCursor,
    done: bool,
}

impl WindowWalk {
    /// A walk from the window's start.
    pub fn new(window: Window) -> Self {
        Self {
            window,
            cursor: SyncCursor {
                since_micros: window.since_micros,
                after_id: None,
            },
            done: false,
        }
    }

    /// The request for the next page.
    pub fn request(&self) -> UpstreamRequest {
        let mut params = vec![("since", format_micros(self.cursor.since_micros))];
        if let Some(until) = self.window.until_micros {
            params.push(("until", format_micros(until)));
        }
        if let Some(location) = self.window.location_id {
            params.push(("location_id", location.to_string()));
        }
        params.push(("limit", PAGE_LIMIT.to_string()));
        params.push(("order", "asc".to_owned()));
        if let Some(id) = self.cursor.after_id {
            params.push(("starting_after", id.to_string()));
        }
        UpstreamRequest {
            endpoint: "/events",
            params,
            caller: MIRROR_CALLER.to_owned(),
            background: true,
        }
    }

    /// The next page and the cursor after it; `None` once the walk has read a short page.
    pub async fn next_page(
        &mut self,
        fetch: &dyn Fetch,
    ) -> Result<Option<(Vec<StoredEvent>, SyncCursor)>, SyncError> {
        if self.done {
            return Ok(None);
        }
        let answer = fetch.fetch(&self.request()).await?;
        let page = read_page(&answer.body).map_err(SyncError::Page)?;
        self.done = page.len() < PAGE_LIMIT;
        if page.is_empty() {
            return Ok(None);
        }
        let next = next_cursor(self.cursor, &page);
        if !self.done && next == self.cursor {
            return Err(SyncError::Stuck(format_micros(self.cursor.since_micros)));
        }
        self.cursor = next;
        Ok(Some((page, next)))
    }

    /// Every event of the window, each once (pages overlap at the cursor's instant), ordered by id.
    pub async fn collect(mut self, fetch: &dyn Fetch) -> Result<Vec<StoredEvent>, SyncError> {
        let mut all = std::collections::BTreeMap::new();
        while let Some((page, _)) = self.next_page(fetch).await? {
            for event in page {
                all.insert(event.id, event);
            }
        }
        Ok(all.into_values().collect())
    }
}
