//! The group's one connection to Redis: multiplexed, reconnecting by itself, every call bounded in time and its
//! failure reduced to a small [`GroupError`] and counted, never a panic or a hang.

use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Cmd, FromRedisValue, RedisError, ScriptInvocation};

use super::settings::GroupSettings;

/// Why a call to Redis gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupError {
    /// Redis cannot be reached, or answered with something other than what was asked.
    #[error("group coordination is unavailable: {0}")]
    Unavailable(String),
    /// Redis did not answer within the bound.
    #[error("group coordination is unavailable: Redis did not answer within {0:?}")]
    Timeout(Duration),
    /// A script refused on purpose (its error code, e.g. a stale fencing token).
    #[error("group coordination refused: {0}")]
    Refused(String),
}

/// A connection shared by every task of one gateway; cheap to clone.
#[derive(Clone)]
pub struct GroupConnection {
    manager: ConnectionManager,
    client: redis::Client,
    timeout: Duration,
}

impl GroupConnection {
    /// Prepares the connection without reaching Redis, so a gateway can start while Redis is down and begin
    /// coordinating when it returns; every call is bounded by `timeout`.
    pub fn open(settings: &GroupSettings, timeout: Duration) -> Result<Self, GroupError> {
        let client = redis::Client::open(settings.url.expose())
            .map_err(|_| GroupError::Unavailable(format!("{} is not usable", settings.url)))?;
        // Few, short retries: the caller's own bound decides how long to wait, and the next call retries anyway.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(2)
            .set_min_delay(Duration::from_millis(20))
            .set_max_delay(timeout);
        let manager = ConnectionManager::new_lazy_with_config(client.clone(), config)
            .map_err(|e| GroupError::Unavailable(e.to_string()))?;
        Ok(Self {
            manager,
            client,
            timeout,
        })
    }

    /// The client, for what the multiplexed connection cannot do (subscribing).
    pub fn client(&self) -> &redis::Client {
        &self.client
    }

    /// The bound on each call.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Runs one command; `op` names it in metrics.
    pub async fn query<T: FromRedisValue>(
        &self,
        op: &'static str,
        cmd: &Cmd,
    ) -> Result<T, GroupError> {
        self.bounded(op, || {
            let mut manager = self.manager.clone();
            async move { cmd.query_async(&mut manager).await }
        })
        .await
    }

    /// Runs one script (loading it first if Redis does not know it yet); `op` names it in metrics.
    pub async fn invoke<T: FromRedisValue>(
        &self,
        op: &'static str,
        script: &ScriptInvocation<'_>,
    ) -> Result<T, GroupError> {
        self.bounded(op, || {
            let mut manager = self.manager.clone();
            async move { script.invoke_async(&mut manager).await }
        })
        .await
    }

    /// Runs `call` within the bound. A call that meets a connection dropped since the last one (Redis restarted)
    /// is made once more on the new connection: every group operation tolerates a repeat (a repeated nonce
    /// script only skips a nonce; the others set, read or delete).
    async fn bounded<T, F, Fut>(&self, op: &'static str, mut call: F) -> Result<T, GroupError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, RedisError>>,
    {
        let started = Instant::now();
        let attempts = async {
            match call().await {
                Err(e) if e.is_connection_dropped() || e.is_io_error() => call().await,
                answer => answer,
            }
        };
        let result = match tokio::time::timeout(self.timeout, attempts).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(classify(&e, self.timeout)),
            Err(_) => Err(GroupError::Timeout(self.timeout)),
        };
        metrics::histogram!("gateway_group_redis_seconds", "op" => op)
            .record(started.elapsed().as_secs_f64());
        if let Err(e) = &result {
            // A refusal is the script doing its job, not a fault of Redis.
            if !matches!(e, GroupError::Refused(_)) {
                metrics::counter!("gateway_group_redis_errors_total", "op" => op).increment(1);
            }
        }
        result
    }
}

/// Reduces a redis-rs error to what the gateway acts on. Messages come from redis-rs's own text, which names
/// the failure, not the URL, so no password can pass through.
fn classify(e: &RedisError, timeout: Duration) -> GroupError {
    if e.is_timeout() {
        return GroupError::Timeout(timeout);
    }
    if e.is_io_error() || e.is_connection_refusal() || e.is_connection_dropped() {
        return GroupError::Unavailable(e.to_string());
    }
    match e.code() {
        // Only the group's own scripts refuse with this prefix; any other server error (NOAUTH, OOM,
        // READONLY...) is Redis being unusable.
        Some(code) if code.starts_with(REFUSAL_PREFIX) => GroupError::Refused(code.to_string()),
        _ => GroupError::Unavailable(e.to_string()),
    }
}

/// The error-code prefix of the group's scripts' deliberate refusals (`redis.error_reply('GW_FENCED')`).
pub const REFUSAL_PREFIX: &str = "GW_";
