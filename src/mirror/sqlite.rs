//! The embedded store: one SQLite file in the state directory, in WAL mode with `synchronous=FULL`. Every
//! call runs on tokio's blocking pool, never on an actix worker, one at a time on the one connection.

mod read;
mod schema;
mod write;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::event::{EventFilter, StoredEvent};
use super::store::{
    CountQuery, EventQuery, EventStore, GroupCount, Inserted, Repaired, Span, StoreError,
    StoreStats, SyncCursor,
};

/// The file's name inside `GATEWAY_STATE_DIR`.
pub const FILE_NAME: &str = "mirror.sqlite3";

/// The SQLite event store; cheap to clone, all clones share the one connection.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
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
    pub fn open_blocking(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path)
            .map_err(|e| StoreError(format!("opening {}: {e}", path.display())))?;
        schema::prepare(&conn).map_err(|e| StoreError(format!("{}: {e}", path.display())))?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
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
        work: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock cannot leave a half transaction behind (SQLite rolls back an
            // unfinished one), so the connection is still good.
            let mut conn = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            work(&mut conn)
        })
        .await
        .map_err(|e| StoreError(format!("{what}: {e}")))?
        .map_err(|e| StoreError(format!("{what}: {e}")))
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
        self.run("committing a page", move |conn| {
            // IMMEDIATE takes the write lock first, so the read-then-write below never meets a busy upgrade.
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let inserted = write::insert_page(&tx, &events, cursor)?;
            tx.commit()?;
            Ok(inserted)
        })
        .await
    }

    async fn cursor(&self) -> Result<Option<SyncCursor>, StoreError> {
        self.run("reading the cursor", |conn| {
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
        self.run("counting events", move |conn| read::count(conn, &filter))
            .await
    }

    async fn events(&self, query: &EventQuery) -> Result<Vec<Box<str>>, StoreError> {
        let query = query.clone();
        self.run("reading events", move |conn| read::events(conn, &query))
            .await
    }

    async fn grouped_counts(&self, _query: &CountQuery) -> Result<Vec<GroupCount>, StoreError> {
        Err(StoreError("grouped counts: not written yet".into()))
    }

    async fn replace_window(
        &self,
        _location_id: Option<i64>,
        _span: Span,
        _events: &[StoredEvent],
    ) -> Result<Repaired, StoreError> {
        Err(StoreError("replacing a window: not written yet".into()))
    }

    async fn drop_before(&self, _micros: i64) -> Result<u64, StoreError> {
        Err(StoreError("dropping old events: not written yet".into()))
    }

    async fn stats(&self) -> Result<StoreStats, StoreError> {
        Err(StoreError("stats: not written yet".into()))
    }

    async fn note(&self, _name: &str) -> Result<Option<String>, StoreError> {
        Err(StoreError("notes: not written yet".into()))
    }

    async fn set_note(&self, _name: &str, _value: &str) -> Result<(), StoreError> {
        Err(StoreError("notes: not written yet".into()))
    }
}

#[cfg(test)]
mod tests;
