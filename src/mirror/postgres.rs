//! The shared store: PostgreSQL, for several gateways on one database. Everything is async on tokio (no
//! blocking call reaches an actix worker); each page, repair or removal is one transaction, committed with
//! `synchronous_commit=on`, so an acknowledged write survives `kill -9` of the gateway and a crash of the server.
//! Crate choice: tokio-postgres with a deadpool pool, for a small dependency tree and plain runtime-checked SQL.

mod counts;
mod dims;
mod filter;
mod packed;
mod plan;
mod read;
mod rollup;
mod schema;
mod url;
mod write;

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::error::SqlState;
use tokio_postgres::NoTls;

pub use self::url::PgUrl;
use super::event::{EventFilter, StoredEvent};
use super::store::{
    CountQuery, EventQuery, EventStore, GroupCount, Inserted, Repaired, Span, StoreError,
    StoreStats, SyncCursor,
};
use dims::Dims;
use rollup::Deltas;

/// Connections the pool keeps at most.
pub const POOL_SIZE: usize = 8;

/// How often a write that lost a deadlock or serialization race to another gateway is run again.
const ATTEMPTS: usize = 5;

/// The PostgreSQL event store; cheap to clone, all clones share one pool.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    url: PgUrl,
    dims: Arc<Dims>,
}

/// Why a write failed: the database said so (and may say "try again"), or the store gave up.
enum Failure {
    Db(tokio_postgres::Error),
    Store(StoreError),
}

impl From<tokio_postgres::Error> for Failure {
    fn from(e: tokio_postgres::Error) -> Self {
        Failure::Db(e)
    }
}

/// A database error as a store error: the server's message and SQLSTATE, never its detail (which may quote
/// event data) and never the URL's password.
fn fault(what: &str, e: tokio_postgres::Error) -> StoreError {
    match e.as_db_error() {
        Some(db) => StoreError(format!("{what}: {} ({})", db.message(), db.code().code())),
        None => StoreError(format!("{what}: {e}")),
    }
}

/// A failure as a store error.
fn failed(what: &str, failure: Failure) -> StoreError {
    match failure {
        Failure::Db(e) => fault(what, e),
        Failure::Store(e) => e,
    }
}

impl PostgresStore {
    /// Connects to `url` and creates the tables where they are missing (safe when several gateways start at
    /// once). Fails when the server cannot be reached.
    pub async fn connect(url: &PgUrl) -> Result<Self, StoreError> {
        let manager = Manager::from_config(
            url.config().clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(30)))
            .create_timeout(Some(Duration::from_secs(10)))
            .build()
            .map_err(|e| StoreError(format!("connecting to {url}: {e}")))?;
        let store = Self {
            pool,
            url: url.clone(),
            dims: Arc::default(),
        };
        let mut client = store.client("preparing the store").await?;
        schema::prepare(&mut client).await?;
        store
            .dims
            .load(&client)
            .await
            .map_err(|e| fault("reading the dimension combinations", e))?;
        Ok(store)
    }

    /// Each event's combination id, interned (and committed) before the transaction that counts by it.
    async fn dims_of(&self, what: &str, events: &[StoredEvent]) -> Result<Vec<u32>, StoreError> {
        let client = self.client(what).await?;
        self.dims
            .ids_for(&client, events)
            .await
            .map_err(|e| fault(what, e))?
            .ok_or_else(|| {
                StoreError(format!(
                    "{what}: a dimension combination could not be interned"
                ))
            })
    }

    /// Where the store is (shown redacted).
    pub fn url(&self) -> &PgUrl {
        &self.url
    }

    async fn client(&self, what: &str) -> Result<deadpool_postgres::Client, StoreError> {
        self.pool.get().await.map_err(|e| {
            let reason = match e {
                deadpool_postgres::PoolError::Backend(e) => fault("connecting", e).0,
                other => other.to_string(),
            };
            StoreError(format!(
                "{what}: {} at {}: {reason}",
                "no connection", self.url
            ))
        })
    }
}

/// Runs `$body` (an async block's body using `$tx`, with `?` on `Failure`) in one transaction of `$store`,
/// again when it lost a deadlock or serialization race to another writer; evaluates to `Result<_, StoreError>`.
macro_rules! in_transaction {
    ($store:expr, $what:expr, |$tx:ident| $body:block) => {{
        let what: &str = $what;
        let mut client = $store.client(what).await?;
        let mut attempt = 1;
        loop {
            let $tx = client.transaction().await.map_err(|e| fault(what, e))?;
            let done: Result<_, Failure> = async { $body }.await;
            let done = match done {
                Ok(value) => $tx.commit().await.map(|()| value).map_err(Failure::Db),
                Err(failure) => Err(failure),
            };
            match done {
                Ok(value) => break Ok(value),
                Err(Failure::Db(e)) if attempt < ATTEMPTS && is_race(&e) => attempt += 1,
                Err(Failure::Db(e)) => break Err(fault(what, e)),
                Err(Failure::Store(e)) => break Err(e),
            }
        }
    }};
}

/// A failure that running the transaction again can cure.
fn is_race(e: &tokio_postgres::Error) -> bool {
    e.code().is_some_and(|c| {
        *c == SqlState::T_R_DEADLOCK_DETECTED || *c == SqlState::T_R_SERIALIZATION_FAILURE
    })
}

#[async_trait::async_trait]
impl EventStore for PostgresStore {
    async fn insert_page(
        &self,
        events: &[StoredEvent],
        cursor: SyncCursor,
    ) -> Result<Inserted, StoreError> {
        let dims = self.dims_of("committing a page", events).await?;
        in_transaction!(self, "committing a page", |tx| {
            let mut deltas = Deltas::default();
            let inserted = write::upsert(&tx, events, &dims, &mut deltas).await?;
            deltas.apply(&tx).await?;
            write::set_cursor(&tx, cursor).await?;
            Ok(inserted)
        })
    }

    async fn cursor(&self) -> Result<Option<SyncCursor>, StoreError> {
        let what = "reading the cursor";
        let client = self.client(what).await?;
        let row = client
            .query_opt(
                "SELECT since_us, after_id FROM mirror_sync_cursor WHERE singleton = 1",
                &[],
            )
            .await
            .map_err(|e| fault(what, e))?;
        Ok(row.map(|row| SyncCursor {
            since_micros: row.get(0),
            after_id: row.get(1),
        }))
    }

    async fn count(&self, filter: &EventFilter) -> Result<u64, StoreError> {
        let what = "counting events";
        let client = self.client(what).await?;
        counts::count(&client, &self.dims, filter)
            .await
            .map_err(|e| failed(what, e))
    }

    async fn events(&self, query: &EventQuery) -> Result<Vec<Box<str>>, StoreError> {
        let what = "reading events";
        let client = self.client(what).await?;
        read::events(&client, query)
            .await
            .map_err(|e| fault(what, e))
    }

    async fn grouped_counts(&self, query: &CountQuery) -> Result<Vec<GroupCount>, StoreError> {
        let what = "counting per bucket";
        let client = self.client(what).await?;
        counts::grouped_counts(&client, &self.dims, query)
            .await
            .map_err(|e| failed(what, e))
    }

    async fn replace_window(
        &self,
        location_id: Option<i64>,
        span: Span,
        events: &[StoredEvent],
    ) -> Result<Repaired, StoreError> {
        let dims = self.dims_of("replacing a window", events).await?;
        in_transaction!(self, "replacing a window", |tx| {
            write::replace_window(&tx, location_id, span, events, &dims).await
        })
    }

    async fn drop_before(&self, micros: i64) -> Result<u64, StoreError> {
        in_transaction!(self, "dropping old events", |tx| {
            write::drop_before(&tx, micros).await
        })
    }

    async fn stats(&self) -> Result<StoreStats, StoreError> {
        let what = "reading the store's size";
        let client = self.client(what).await?;
        read::stats(&client).await.map_err(|e| fault(what, e))
    }

    async fn note(&self, name: &str) -> Result<Option<String>, StoreError> {
        let what = "reading a note";
        let client = self.client(what).await?;
        let row = client
            .query_opt("SELECT value FROM mirror_notes WHERE name = $1", &[&name])
            .await
            .map_err(|e| fault(what, e))?;
        Ok(row.map(|row| row.get(0)))
    }

    async fn set_note(&self, name: &str, value: &str) -> Result<(), StoreError> {
        in_transaction!(self, "writing a note", |tx| {
            tx.execute(
                "INSERT INTO mirror_notes (name, value) VALUES ($1, $2)
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                &[&name, &value],
            )
            .await?;
            Ok(())
        })
    }
}
