//! The lease for the group lane: whoever holds it may take a nonce and call the cloud. It expires by itself, so a
//! holder killed mid-call blocks the group for one lease period at most; each lease taken comes with a fencing
//! token that only grows, and the nonce script refuses an older one, so a holder paused past its lease cannot
//! hand out a nonce after another gateway took over.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::LazyLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redis::Script;

use super::connection::{GroupConnection, GroupError};
use super::keys::GroupKeys;

/// Takes the lease if free and, in the same step, the next fencing token; answers the token, or 0 when held.
/// Refuses (`GW_UNSEEDED`) while the group's counter, which holds the fence, is lost: a fence counted from
/// nothing would be below the fences handed out before.
/// KEYS: lease, nonce hash. ARGV: holder token, ttl in ms.
static TAKE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('EXISTS', KEYS[2]) == 0 then
  return redis.error_reply('GW_UNSEEDED the group nonce counter was lost; re-seed first')
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('HINCRBY', KEYS[2], 'fence', 1)
end
return 0
",
    )
});

/// Deletes the lease only if this holder still holds it; answers 1 when it did.
/// KEYS: lease. ARGV: holder token.
pub(super) static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
",
    )
});

/// Extends the lease only if this holder still holds it; answers 1 when it did.
/// KEYS: lease. ARGV: holder token, ttl in ms.
pub(super) static RENEW: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
",
    )
});

/// A lease this gateway holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    token: String,
    /// The fencing token taken with it: pass it to
    /// [`super::nonce::GroupNonceAllocator::next_fenced`].
    pub fence: u64,
}

/// Takes and gives back the group's lease for one gateway.
pub struct GroupLease {
    connection: GroupConnection,
    keys: GroupKeys,
    holder: String,
    taken: AtomicU64,
}

impl GroupLease {
    /// The lease of the group named by `keys`, taken as `holder` (the gateway's id, for operators reading Redis).
    pub fn new(connection: GroupConnection, keys: GroupKeys, holder: impl Into<String>) -> Self {
        Self {
            connection,
            keys,
            holder: holder.into(),
            taken: AtomicU64::new(0),
        }
    }

    /// Takes the lease for `ttl` if no one holds it; `None` when another holder does. `GroupError::Refused`
    /// with `GW_UNSEEDED` while the group re-seeds: call
    /// [`super::nonce::GroupNonceAllocator::ensure_seeded`], then take again.
    pub async fn try_take(&self, ttl: Duration) -> Result<Option<Lease>, GroupError> {
        let token = self.new_token();
        let fence: u64 = self
            .connection
            .invoke(
                "lease_take",
                TAKE.key(self.keys.lease())
                    .key(self.keys.nonce())
                    .arg(&token)
                    .arg(millis(ttl)),
            )
            .await?;
        Ok((fence > 0).then_some(Lease { token, fence }))
    }

    /// Gives the lease back; `false` when it had already expired (and perhaps been taken by another holder,
    /// whose lease is left alone).
    pub async fn release(&self, lease: &Lease) -> Result<bool, GroupError> {
        let released: i64 = self
            .connection
            .invoke(
                "lease_release",
                RELEASE.key(self.keys.lease()).arg(&lease.token),
            )
            .await?;
        Ok(released == 1)
    }

    /// Extends a lease still held to `ttl` from now; `false` when it was lost.
    pub async fn renew(&self, lease: &Lease, ttl: Duration) -> Result<bool, GroupError> {
        let renewed: i64 = self
            .connection
            .invoke(
                "lease_renew",
                RENEW
                    .key(self.keys.lease())
                    .arg(&lease.token)
                    .arg(millis(ttl)),
            )
            .await?;
        Ok(renewed == 1)
    }

    /// A token no other take (of this or any gateway) has: the holder's id, this process, a count and the time.
    fn new_token(&self) -> String {
        let count = self.taken.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos());
        format!("{}:{}:{count}:{nanos}", self.holder, std::process::id())
    }
}

/// Redis's PX wants at least 1 ms.
pub(super) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}
