//! The group's shared second cache level in Redis: what one gateway fetched answers another gateway's miss.
//!
//! Redis bounds the total: set `maxmemory` with `volatile-ttl` or `volatile-lru` (every answer has a TTL and the
//! group's coordination keys have none, so only answers are evicted; `allkeys-*` policies may evict the nonce
//! counter, which the group survives by re-seeding, at the cost of a pause). This side bounds each answer: one
//! larger than 1/64 of `GATEWAY_REDIS_CACHE_MAX_BYTES` is not shared.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use actix_web::web::Bytes;
use futures_util::{Stream, StreamExt};

use super::answer_codec::{decode, encode, keep_for};
use super::coalesce::{Coalescer, Coalescing};
use super::connection::{GroupConnection, GroupError};
use super::keys::GroupKeys;
use crate::cache::second_level::{
    Claim, ClaimToken, SecondLevel, SharedAnswer, SharedFailure, Waited,
};
use crate::cache::ResponseCache;

/// How many keys one SCAN step asks for while purging.
const SCAN_BATCH: usize = 500;
/// The first pause before subscribing again to purges after a fault; it doubles up to [`RESUBSCRIBE_LONGEST`].
const RESUBSCRIBE_FIRST: Duration = Duration::from_millis(100);
/// The longest pause before subscribing again.
const RESUBSCRIBE_LONGEST: Duration = Duration::from_secs(5);

/// A [`SecondLevel`] in the group's Redis.
pub struct RedisSecondLevel {
    connection: GroupConnection,
    keys: GroupKeys,
    largest_answer: u64,
    coalescer: Coalescer,
}

impl RedisSecondLevel {
    /// The second level of the group named by `keys`, sharing answers of at most `largest_answer` bytes
    /// ([`super::settings::GroupSettings::largest_shared_answer`]), coalescing misses with the default lane's
    /// timings (see [`Self::with_coalescing`]).
    pub fn new(connection: GroupConnection, keys: GroupKeys, largest_answer: u64) -> Self {
        let coalescer = Coalescer::new(connection.clone(), keys.clone(), Coalescing::default());
        Self {
            connection,
            keys,
            largest_answer,
            coalescer,
        }
    }

    /// The same, coalescing misses with `timings`: build them with [`Coalescing::for_lane`] from the lane's
    /// `GATEWAY_MAX_WAIT` and `GATEWAY_UPSTREAM_TIMEOUT`.
    pub fn with_coalescing(self, timings: Coalescing) -> Self {
        let coalescer = Coalescer::new(self.connection.clone(), self.keys.clone(), timings);
        Self { coalescer, ..self }
    }

    /// Deletes every answer under `prefix`, one SCAN step at a time; returns how many.
    async fn delete_matching(&self, prefix: &str) -> Result<usize, GroupError> {
        let pattern = self.keys.answers_matching(prefix);
        let mut cursor: u64 = 0;
        let mut deleted = 0;
        loop {
            let (next, found): (u64, Vec<String>) = self
                .connection
                .query(
                    "cache_purge",
                    redis::cmd("SCAN")
                        .arg(cursor)
                        .arg("MATCH")
                        .arg(&pattern)
                        .arg("COUNT")
                        .arg(SCAN_BATCH),
                )
                .await?;
            if !found.is_empty() {
                // UNLINK frees the memory off Redis's main thread: a purge must not stall other gateways' calls.
                deleted += self
                    .connection
                    .query::<usize>("cache_purge", redis::cmd("UNLINK").arg(&found))
                    .await?;
            }
            if next == 0 {
                return Ok(deleted);
            }
            cursor = next;
        }
    }
}

#[async_trait::async_trait]
impl SecondLevel for RedisSecondLevel {
    async fn get(&self, key: &str) -> Option<SharedAnswer> {
        let value: Option<Vec<u8>> = self
            .connection
            .query("cache_get", redis::cmd("GET").arg(self.keys.answer(key)))
            .await
            .ok()?;
        let answer = value.and_then(|value| decode(Bytes::from(value)));
        let result = if answer.is_some() { "hit" } else { "miss" };
        metrics::counter!("gateway_group_cache_lookups_total", "result" => result).increment(1);
        answer
    }

    async fn put(&self, key: &str, answer: &SharedAnswer, stale_for: Duration) {
        if answer.body.len() as u64 > self.largest_answer {
            metrics::counter!("gateway_group_cache_skipped_total").increment(1);
            return;
        }
        let Some(keep) = keep_for(answer, stale_for, SystemTime::now()) else {
            return;
        };
        let value = encode(answer);
        let written = value.len() as u64;
        let stored = self
            .connection
            .query::<()>(
                "cache_put",
                redis::cmd("SET")
                    .arg(self.keys.answer(key))
                    .arg(value)
                    .arg("PX")
                    .arg(u64::try_from(keep.as_millis()).unwrap_or(u64::MAX)),
            )
            .await;
        if stored.is_ok() {
            metrics::counter!("gateway_group_cache_bytes_written_total").increment(written);
        }
    }

    async fn purge(&self, prefix: &str) {
        if let Err(e) = self.delete_matching(prefix).await {
            log::warn!("the group's second cache level could not be purged under '{prefix}': {e}");
        }
        // Announced even when the delete failed part-way: other gateways' first levels should drop it anyway.
        let _ = self
            .connection
            .query::<i64>(
                "cache_purge_publish",
                redis::cmd("PUBLISH").arg(self.keys.purges()).arg(prefix),
            )
            .await;
    }

    fn wait_bound(&self) -> Duration {
        self.coalescer.timings().wait_at_most
    }

    async fn claim(&self, key: &str) -> Claim {
        self.coalescer.claim(key).await
    }

    async fn release(&self, key: &str, token: &ClaimToken) {
        self.coalescer.release(key, token).await;
    }

    async fn fail(&self, key: &str, token: &ClaimToken, failure: &SharedFailure) {
        self.coalescer.fail(key, token, failure).await;
    }

    async fn wait_for(&self, key: &str, deadline: Instant) -> Waited {
        self.coalescer
            .wait_for(key, self.keys.answer(key), deadline)
            .await
    }
}

/// The purges announced by the group's gateways (this one's included), as the prefixes they purged, for each
/// gateway to drop from its first level. The stream ends when the subscription's connection drops; subscribe
/// again then (a purge announced meanwhile is missed, and the first level's TTL bounds the harm).
pub async fn subscribe_purges(
    connection: &GroupConnection,
    keys: &GroupKeys,
) -> Result<impl Stream<Item = String> + Send + 'static, GroupError> {
    let subscribe = async {
        let mut pubsub = connection.client().get_async_pubsub().await?;
        pubsub.subscribe(keys.purges()).await?;
        Ok::<_, redis::RedisError>(pubsub)
    };
    let pubsub = tokio::time::timeout(connection.timeout(), subscribe)
        .await
        .map_err(|_| GroupError::Timeout(connection.timeout()))?
        .map_err(|e| GroupError::Unavailable(e.to_string()))?;
    Ok(pubsub
        .into_on_message()
        .filter_map(|message| async move { message.get_payload::<String>().ok() }))
}

/// Applies every purge the group announces (this gateway's own included, harmlessly twice) to `cache`'s first
/// level, so `DELETE /admin/cache` on one gateway purges both levels on all. Subscribes again by itself after a
/// Redis fault; a purge announced while unsubscribed is missed, and the first level's TTL bounds the harm. Runs for
/// the life of the process; call it once, inside the runtime, beside the server.
pub fn spawn_purge_listener(
    cache: Arc<ResponseCache>,
    connection: GroupConnection,
    keys: GroupKeys,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut pause = RESUBSCRIBE_FIRST;
        let mut warned = false;
        loop {
            match subscribe_purges(&connection, &keys).await {
                Ok(purges) => {
                    if warned {
                        log::info!("listening to the group's purges again");
                    }
                    (pause, warned) = (RESUBSCRIBE_FIRST, false);
                    let mut purges = std::pin::pin!(purges);
                    while let Some(prefix) = purges.next().await {
                        let dropped = cache.purge_local(&prefix).await;
                        metrics::counter!("gateway_group_purges_applied_total").increment(1);
                        log::info!("purged {dropped} first-level entries under '{prefix}', as the group announced");
                    }
                }
                Err(e) => {
                    metrics::counter!("gateway_group_purge_subscribe_errors_total").increment(1);
                    if !warned {
                        log::warn!("cannot listen to the group's purges ({e}); trying again");
                        warned = true;
                    }
                }
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(RESUBSCRIBE_LONGEST);
        }
    })
}
