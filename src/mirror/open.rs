//! Choosing the store: the one place that turns `GATEWAY_MIRROR_URL` into an [`EventStore`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::lazy_store::LazyStore;
use super::postgres::{PgUrl, PostgresStore};
use super::settings::StoreLocation;
use super::sqlite::{SqliteStore, FILE_NAME};
use super::store::EventStore;

/// Which store holds the events and where, as `/v1/mirror` and `mirror status` show it (never a password).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct StoreInfo {
    /// `sqlite` or `postgres`.
    #[schema(example = "sqlite")]
    pub kind: &'static str,
    /// The file, or the URL with its password redacted.
    #[schema(example = "state/mirror.sqlite3")]
    pub location: String,
}

impl StoreInfo {
    /// What `location` names, with `state_dir` for the default file.
    pub fn of(location: &StoreLocation, state_dir: &Path) -> Self {
        match location {
            StoreLocation::Postgres(url) => Self {
                kind: "postgres",
                location: url.to_string(),
            },
            _ => Self {
                kind: "sqlite",
                location: sqlite_path(location, state_dir)
                    .unwrap_or_default()
                    .display()
                    .to_string(),
            },
        }
    }
}

/// The SQLite file `location` names, if it is one.
pub fn sqlite_path(location: &StoreLocation, state_dir: &Path) -> Option<PathBuf> {
    match location {
        StoreLocation::StateDir => Some(state_dir.join(FILE_NAME)),
        StoreLocation::SqliteFile(path) => Some(path.clone()),
        StoreLocation::Postgres(_) => None,
    }
}

/// Opens the store `location` names. Blocking (it opens a file and prepares its tables): call it at start-up
/// or on a thread that may block, never on a worker serving requests.
pub fn open_store(
    location: &StoreLocation,
    state_dir: &Path,
) -> Result<Arc<dyn EventStore>, String> {
    match location {
        // Connected on first use (see `lazy_store`): a database down at start is a store fault, not a refusal.
        StoreLocation::Postgres(url) => {
            let url = PgUrl::parse(url.expose())
                .map_err(|why| format!("GATEWAY_MIRROR_URL {url} {why}"))?;
            Ok(Arc::new(LazyStore::new(Box::new(move || {
                let url = url.clone();
                Box::pin(async move {
                    let store = PostgresStore::connect(&url).await?;
                    Ok(Arc::new(store) as Arc<dyn EventStore>)
                })
            }))))
        }
        _ => {
            let path = sqlite_path(location, state_dir).unwrap_or_default();
            let store = SqliteStore::open_blocking(&path)
                .map_err(|e| format!("the mirror's store (GATEWAY_MIRROR_URL): {e}"))?;
            Ok(Arc::new(store))
        }
    }
}
