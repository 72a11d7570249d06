//! The embedded store: one SQLite file in the state directory, in WAL mode with `synchronous=FULL`. Every
//! call runs on tokio's blocking pool, never on an actix worker, one at a time on the one connection.

mod counts;
mod dims;
pub mod durable;
mod meta;
mod packed;
mod plan;
mod read;
mod repair;
mod rollups;
mod schema;
mod write;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use self::dims::{Dims, Fresh};
use super::event::{EventFilter, StoredEvent};
use super::store::{
    CountQuery, EventQuery, EventStore, GroupCount, Inserted, Repaired, Span, StoreError,
    StoreStats, SyncCursor,
};

/// The file's name inside `GATEWAY_STATE_DIR`.
pub const FILE_NAME: &str = "mirror.sqlite3";

/// The connection and what it knows of the file's dimension combinations, behind one lock.
struct Held {
    conn: Connection,
    dims: Dims,
}

/// The SQLite event store; cheap to clone, all clones share the one connection.
#[derive(Clone)]
pub struct SqliteStore {
    held: Arc<Mutex<Held>>,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens (creating if needed) the mirror's file in `state_dir`.
    pub async fn open_in(state_dir: &Path) -> Result<Self, StoreError> {
        let path = state_dir.join(FILE_NAME);
        tokio::task::spawn_blocking(move || Self::open_blocking(&path))
            .await
            .map_err(|e| StoreError(format!("opening the store: {e}")))?
    }

    /// Opens (creating if needed) the file at `path`, on the calling thread: for threads that may block.
    /// A file of an older gateway is upgraded in place (its rollups rebuilt from its events, which takes
    /// seconds for millions of events); one of a newer gateway is refused.
    pub fn open_blocking(path: &Path) -> Result<Self, StoreError> {
        let at = |e: String| StoreError(format!("{}: {e}", path.display()));
        let mut conn = Connection::open(path).map_err(|e| at(e.to_string()))?;
        schema::prepare(&mut conn).map_err(at)?;
        let dims = Dims::load(&conn).map_err(|e| at(format!("reading the dimensions: {e}")))?;
        Ok(Self {
            held: Arc::new(Mutex::new(Held { conn, dims })),
            path: path.to_path_buf(),
        })
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `work` on the connection on the blocking pool.
    async fn run<T: Send + 'static>(
        &self,
        what: &'static str,
        work: impl FnOnce(&mut Connection, &mut Dims) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let held = Arc::clone(&self.held);
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock cannot leave a half transaction behind (SQLite rolls back an
            // unfinished one), and `Dims` only learns combinations after a commit, so both are still good.
            let mut held = held.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let Held { conn, dims } = &mut *held;
            work(conn, dims)
        })
        .await
        .map_err(|e| StoreError(format!("{what}: {e}")))?
        .map_err(|e| StoreError(format!("{what}: {e}")))
    }

    /// Runs `write` in one IMMEDIATE transaction (the write lock taken first, so its reads never meet a busy
    /// upgrade), commits, then lets the connection know the combinations it added.
    async fn write<T: Send + 'static>(
        &self,
        what: &'static str,
        write: impl FnOnce(&Connection, &Dims) -> rusqlite::Result<(T, Fresh)> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.run(what, move |conn, dims| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let (done, fresh) = write(&tx, dims)?;
            tx.commit()?;
            dims.publish(fresh);
            Ok(done)
        })
        .await
    }
}

#[async_trait::async_trait]
impl EventStore for SqliteStore {
    async fn insert_page(
        &self,
        events: &[StoredEvent],
        cursor: SyncCursor,
    ) -> Result<Inserted, StoreError> {
        let events = events.to_vec();
        self.write("committing a page", move |tx, dims| {
            write::insert_page(tx, dims, &events, cursor)
        })
        .await
    }

    async fn cursor(&self) -> Result<Option<SyncCursor>, StoreError> {
        self.run("reading the cursor", |conn, _| {
            conn.query_row(
                "SELECT since_us, after_id FROM sync_cursor WHERE only = 1",
                [],
                |row| {
                    Ok(SyncCursor {
                        since_micros: row.get(0)?,
                        after_id: row.get(1)?,
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn count(&self, filter: &EventFilter) -> Result<u64, StoreError> {
        let filter = filter.clone();
        self.run("counting events", move |conn, dims| {
            counts::count(conn, dims, &filter)
        })
        .await
    }

    async fn events(&self, query: &EventQuery) -> Result<Vec<Box<str>>, StoreError> {
        let query = query.clone();
        self.run("reading events", move |conn, _| read::events(conn, &query))
            .await
    }

    async fn grouped_counts(&self, query: &CountQuery) -> Result<Vec<GroupCount>, StoreError> {
        counts::check_edges(&query.edges)
            .map_err(|e| StoreError(format!("grouped counts: {e}")))?;
        let query = query.clone();
        self.run("grouped counts", move |conn, dims| {
            counts::grouped_counts(conn, dims, &query)
        })
        .await
    }

    async fn replace_window(
        &self,
        location_id: Option<i64>,
        span: Span,
        events: &[StoredEvent],
    ) -> Result<Repaired, StoreError> {
        let outside = events.iter().find(|e| {
            !(span.from_micros..=span.to_micros).contains(&e.event_time_micros)
                || location_id.is_some_and(|l| l != e.location_id)
        });
        if let Some(event) = outside {
            return Err(StoreError(format!(
                "replacing a window: event {} lies outside the window or its location",
                event.id
            )));
        }
        let events = events.to_vec();
        self.write("replacing a window", move |tx, dims| {
            repair::replace_window(tx, dims, location_id, span, &events)
        })
        .await
    }

    async fn drop_before(&self, micros: i64) -> Result<u64, StoreError> {
        self.write("dropping old events", move |tx, dims| {
            repair::drop_before(tx, dims, micros)
        })
        .await
    }

    async fn stats(&self) -> Result<StoreStats, StoreError> {
        let path = self.path.clone();
        self.run("reading the store's size", move |conn, _| {
            meta::stats(conn, &path)
        })
        .await
    }

    async fn note(&self, name: &str) -> Result<Option<String>, StoreError> {
        let name = name.to_owned();
        self.run("reading a note", move |conn, _| meta::note(conn, &name))
            .await
    }

    async fn set_note(&self, name: &str, value: &str) -> Result<(), StoreError> {
        let (name, value) = (name.to_owned(), value.to_owned());
        self.run("writing a note", move |conn, _| {
            meta::set_note(conn, &name, &value)
        })
        .await
    }
}

#[cfg(test)]
mod tests;
