//! Keeping the coverage durable: stored as a note first, then shown to the answers, so that a restart never
//! finds the answers trusting more than the store holds.

use super::coverage::{Coverage, NOTE_NAME};
use super::handle::Mirror;
use super::store::{EventStore, StoreError};

/// The note that keeps where the first sync of this store began (UTC microseconds).
pub const ORIGIN_NOTE: &str = "origin";

/// The coverage kept in `store`; none before the first catch-up.
pub async fn load(store: &dyn EventStore) -> Result<Coverage, StoreError> {
    let note = store.note(NOTE_NAME).await?;
    Ok(note
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default())
}

/// Stores `coverage`, then lets the answers see it.
pub async fn save(mirror: &Mirror, coverage: Coverage) -> Result<(), StoreError> {
    let json = serde_json::to_string(&coverage)
        .map_err(|e| StoreError(format!("writing the coverage: {e}")))?;
    mirror.store().set_note(NOTE_NAME, &json).await?;
    mirror.set_coverage(coverage);
    Ok(())
}

/// Where the first sync of `store` began: the origin note, or the oldest event held for a store synced
/// before the note existed (the first walk began at or before it).
pub async fn origin(store: &dyn EventStore) -> Result<Option<i64>, StoreError> {
    if let Some(origin) = store.note(ORIGIN_NOTE).await? {
        if let Ok(micros) = origin.trim().parse() {
            return Ok(Some(micros));
        }
    }
    Ok(store.stats().await?.oldest_micros)
}
