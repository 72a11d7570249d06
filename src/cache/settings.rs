//! Cache settings: how long each class of answer stays fresh, how long a stale copy may cover an outage,
//! and how many bytes the cache may hold.

use std::time::Duration;

use crate::settings_values::{
    count_in_range, duration_in_range, parse_bytes, parse_duration, Zero, MAX_CACHE_BYTES,
    MIN_CACHE_BYTES,
};

/// Cache settings from flags and environment.
#[derive(clap::Args, Debug, Clone)]
pub struct CacheArgs {
    /// How long the locations, channels and triggers lists stay fresh; lists in use are refreshed ahead of that.
    #[arg(long, env = "GATEWAY_DIMENSIONS_TTL", default_value = "5m", value_parser = parse_duration)]
    pub dimensions_ttl: Duration,

    /// How long a totals answer stays fresh.
    #[arg(long, env = "GATEWAY_TOTALS_TTL", default_value = "60s", value_parser = parse_duration)]
    pub totals_ttl: Duration,

    /// A window whose `until` is further in the past than this is settled: its counts cannot change any more.
    #[arg(long, env = "GATEWAY_SETTLE_AFTER", default_value = "1h", value_parser = parse_duration)]
    pub settle_after: Duration,

    /// How long totals and events answers for a settled window stay fresh.
    #[arg(long, env = "GATEWAY_SETTLED_TTL", default_value = "24h", value_parser = parse_duration)]
    pub settled_ttl: Duration,

    /// How long after expiry a cached answer may still be served while the cloud fails.
    #[arg(long, env = "GATEWAY_STALE_IF_ERROR", default_value = "1h", value_parser = parse_duration)]
    pub stale_if_error: Duration,

    /// Most bytes of answers the cache holds (e.g. 64MiB).
    #[arg(long, env = "GATEWAY_CACHE_MAX_BYTES", default_value = "64MiB", value_parser = parse_bytes)]
    pub cache_max_bytes: u64,

    /// Fetch the locations, channels and triggers lists at start, so the first callers do not wait for them.
    #[arg(long, env = "GATEWAY_WARM_DIMENSIONS", default_value_t = true, action = clap::ArgAction::Set)]
    pub warm_dimensions: bool,
}

/// Validated cache settings.
#[derive(Debug, Clone)]
pub struct CacheSettings {
    /// Freshness of dimension lists.
    pub dimensions_ttl: Duration,
    /// Freshness of totals.
    pub totals_ttl: Duration,
    /// Age of `until` after which a window is settled.
    pub settle_after: Duration,
    /// Freshness of settled windows.
    pub settled_ttl: Duration,
    /// Stale-if-error window after expiry.
    pub stale_if_error: Duration,
    /// Byte bound of the cache.
    pub max_bytes: u64,
    /// Whether to fetch the dimension lists at start.
    pub warm_dimensions: bool,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            dimensions_ttl: Duration::from_secs(300),
            totals_ttl: Duration::from_secs(60),
            settle_after: Duration::from_secs(3600),
            settled_ttl: Duration::from_secs(86_400),
            stale_if_error: Duration::from_secs(3600),
            max_bytes: 64 << 20,
            warm_dimensions: true,
        }
    }
}

impl CacheArgs {
    /// Checks the values and names the setting at fault.
    pub fn validate(&self) -> Result<CacheSettings, String> {
        let positive = |name: &str, value| duration_in_range(name, value, Zero::Refused);
        Ok(CacheSettings {
            dimensions_ttl: positive("GATEWAY_DIMENSIONS_TTL", self.dimensions_ttl)?,
            totals_ttl: positive("GATEWAY_TOTALS_TTL", self.totals_ttl)?,
            settle_after: positive("GATEWAY_SETTLE_AFTER", self.settle_after)?,
            settled_ttl: positive("GATEWAY_SETTLED_TTL", self.settled_ttl)?,
            // Zero turns stale answers off.
            stale_if_error: duration_in_range(
                "GATEWAY_STALE_IF_ERROR",
                self.stale_if_error,
                Zero::Allowed,
            )?,
            max_bytes: count_in_range(
                "GATEWAY_CACHE_MAX_BYTES",
                self.cache_max_bytes,
                MIN_CACHE_BYTES,
                MAX_CACHE_BYTES,
            )
            .map_err(|_| {
                format!(
                    "GATEWAY_CACHE_MAX_BYTES must be from 1MiB to 1TiB, not {} bytes",
                    self.cache_max_bytes
                )
            })?,
            warm_dimensions: self.warm_dimensions,
        })
    }
}
