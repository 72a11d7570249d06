//! The export's body: the store read a page of 1000 at a time (`starting_after` the last event of the page
//! before), each page written as one chunk, so memory stays at one page whatever the export's size.

use std::sync::Arc;

use futures_util::stream::{self, Stream};
use serde::Deserialize;

use super::csv;
use super::params::Format;
use crate::mirror::store::{EventQuery, EventStore, StoreError};
use crate::mirror::sync::PAGE_LIMIT;

/// Events read from the store per page.
pub const EXPORT_PAGE: usize = PAGE_LIMIT;

#[derive(Deserialize)]
struct Id {
    id: i64,
}

/// The id of an event held (every event held has one: the store is keyed by it).
fn id_of(event: &str) -> Result<i64, StoreError> {
    serde_json::from_str::<Id>(event)
        .map(|e| e.id)
        .map_err(|e| StoreError(format!("an event held without an id: {e}")))
}

/// The query of the first page of an export of `query`'s filter and order.
pub fn first_page(mut query: EventQuery) -> EventQuery {
    query.starting_after = None;
    query.limit = EXPORT_PAGE;
    query
}

/// One page written in `format` (a CSV export's first chunk starts with the header row).
pub fn chunk(format: Format, page: &[Box<str>], first: bool) -> Result<Vec<u8>, StoreError> {
    match format {
        Format::Ndjson => {
            let mut out = Vec::with_capacity(page.iter().map(|e| e.len() + 1).sum());
            for event in page {
                out.extend_from_slice(event.as_bytes());
                out.push(b'\n');
            }
            Ok(out)
        }
        Format::Csv => {
            let mut out = if first { csv::header() } else { String::new() };
            for event in page {
                csv::push_row(&mut out, event).map_err(StoreError)?;
            }
            Ok(out.into_bytes())
        }
    }
}

struct State {
    store: Arc<dyn EventStore>,
    query: EventQuery,
    format: Format,
    /// The first page, read before the answer started (so that a store fault can still be a 503).
    ready: Option<Vec<Box<str>>>,
    first: bool,
    done: bool,
}

/// The export's chunks: `page` (read with [`first_page`] of `query`) first, then each following page.
/// A store failure ends the stream with the error (the caller sees the body cut off).
pub fn chunks(
    store: Arc<dyn EventStore>,
    query: EventQuery,
    format: Format,
    page: Vec<Box<str>>,
) -> impl Stream<Item = Result<Vec<u8>, StoreError>> {
    let state = State {
        store,
        query: first_page(query),
        format,
        ready: Some(page),
        first: true,
        done: false,
    };
    stream::unfold(state, |mut state| async move {
        if state.done {
            return None;
        }
        let page = match state.ready.take() {
            Some(page) => Ok(page),
            None => state.store.events(&state.query).await,
        };
        let written = page.and_then(|page| {
            state.done = page.len() < state.query.limit;
            if let Some(last) = page.last() {
                state.query.starting_after = Some(id_of(last)?);
            }
            let chunk = chunk(state.format, &page, state.first);
            state.first = false;
            chunk
        });
        if written.is_err() {
            state.done = true;
        }
        Some((written, state))
    })
}
