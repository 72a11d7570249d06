//! The intake log on SQLite: `live.sqlite3` in `GATEWAY_STATE_DIR`, WAL with `synchronous=FULL`. Writes go
//! to one writer thread that commits waiting appends together (see `writer.rs`); reads run on tokio's
//! blocking pool on a connection of their own, so they never wait behind a commit.

mod prune;
mod read;
mod schema;
#[cfg(test)]
mod tests;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};

use rusqlite::Connection;
use tokio::sync::oneshot;

use self::writer::Job;
use super::event::{LiveEvent, Logged};
use super::feed::LiveFeed;
use super::log::{Appended, IntakeLog, Quarantined, Rejected};
use crate::mirror::store::StoreError;

/// The file's name inside `GATEWAY_STATE_DIR`.
pub const FILE_NAME: &str = "live.sqlite3";

/// The SQLite intake log; cheap to clone.
#[derive(Clone)]
pub struct SqliteLog {
    jobs: mpsc::Sender<Job>,
    reader: Arc<Mutex<Connection>>,
    path: PathBuf,
}

impl SqliteLog {
    /// Opens (creating if needed) `live.sqlite3` in `state_dir`, on the calling thread (call it at start-up
    /// or on a thread that may block), and starts its writer. New events are published to `feed`, if any,
    /// after their commit and in seq order.
    pub fn open_in(state_dir: &Path, feed: Option<LiveFeed>) -> Result<Self, StoreError> {
        Self::open(&state_dir.join(FILE_NAME), feed)
    }

    /// Opens the file at `path` (see [`SqliteLog::open_in`]).
    pub fn open(path: &Path, feed: Option<LiveFeed>) -> Result<Self, StoreError> {
        let at = |e: String| StoreError(format!("{}: {e}", path.display()));
        let writer = Connection::open(path).map_err(|e| at(e.to_string()))?;
        schema::prepare(&writer).map_err(at)?;
        let reader = Connection::open(path).map_err(|e| at(e.to_string()))?;
        reader
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| at(e.to_string()))?;
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("live-log-writer".into())
            .spawn(move || writer::run(writer, queue, feed))
            .map_err(|e| at(format!("starting the writer: {e}")))?;
        Ok(Self {
            jobs,
            reader: Arc::new(Mutex::new(reader)),
            path: path.to_path_buf(),
        })
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Hands a job to the writer and waits for its answer.
    async fn submit<T>(
        &self,
        job: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> Job,
    ) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(job(reply))
            .map_err(|_| StoreError("the intake log's writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError("the intake log's writer has stopped".into()))?
    }

    /// Runs `read` on the reading connection on the blocking pool.
    async fn read<T: Send + 'static>(
        &self,
        what: &'static str,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let reader = Arc::clone(&self.reader);
        tokio::task::spawn_blocking(move || {
            let conn = reader.lock().unwrap_or_else(|p| p.into_inner());
            read(&conn)
        })
        .await
        .map_err(|e| StoreError(format!("{what}: {e}")))?
        .map_err(|e| StoreError(format!("{what}: {e}")))
    }
}

#[async_trait::async_trait]
impl IntakeLog for SqliteLog {
    async fn append(&self, events: Vec<LiveEvent>) -> Result<Vec<Appended>, StoreError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        self.submit(|reply| Job::Append(events, reply)).await
    }

    async fn after(&self, seq: u64, limit: usize) -> Result<Vec<Logged>, StoreError> {
        self.read("reading the intake log", move |conn| {
            read::after(conn, seq, limit)
        })
        .await
    }

    async fn events_since(&self, from_micros: i64) -> Result<Vec<Logged>, StoreError> {
        self.read("reading the intake log", move |conn| {
            read::since(conn, from_micros)
        })
        .await
    }

    async fn first_seq(&self) -> Result<Option<u64>, StoreError> {
        self.read("reading the intake log", read::first_seq).await
    }

    async fn last_seq(&self) -> Result<u64, StoreError> {
        self.read("reading the intake log", read::last_seq).await
    }

    async fn quarantine(&self, rejected: Vec<Rejected>) -> Result<(), StoreError> {
        if rejected.is_empty() {
            return Ok(());
        }
        self.submit(|reply| Job::Quarantine(rejected, reply)).await
    }

    async fn rejected(
        &self,
        limit: usize,
        starting_after: Option<i64>,
    ) -> Result<Vec<Quarantined>, StoreError> {
        self.read("reading the quarantine", move |conn| {
            read::rejected(conn, limit, starting_after)
        })
        .await
    }

    async fn prune(&self, before_micros: i64) -> Result<u64, StoreError> {
        // A job per chunk: appends queued behind one are committed before the next is asked for.
        let mut events = 0;
        loop {
            let pruned = self
                .submit(|reply| Job::Prune(before_micros, reply))
                .await?;
            events += pruned.events;
            if pruned.finished {
                return Ok(events);
            }
        }
    }
}
