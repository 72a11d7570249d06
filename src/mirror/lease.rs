//! Who syncs a shared store: with several gateways on one PostgreSQL store, exactly one syncs at a time,
//! under a lease (the group's Redis implements it, `group::sync_lease`); the others answer from the store.

/// The right to sync a shared store, held and renewed by one gateway at a time.
#[async_trait::async_trait]
pub trait SyncLease: Send + Sync {
    /// Takes the lease when free, or renews it when this gateway holds it (renewing at most every third of
    /// its life, so calling it before every upstream call is cheap). `Ok(true)` while this gateway holds it.
    async fn hold(&self) -> Result<bool, String>;

    /// Gives the lease back, if held, so another gateway can take over at once.
    async fn release(&self);
}
