//! Cache settings: how long each class of answer stays fresh, how long a stale copy may cover an outage,
//! and how many bytes the cache may hold.

use std::time::Duration;

use crate::settings_values::parse_duration;

/// Reads a byte size: plain bytes (`67108864`) or with a unit (`64MiB`, `512KiB`, `1GiB`, `10MB`).
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a size; use bytes or a unit, such as 64MiB"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "kib" | "k" => 1 << 10,
        "mb" => 1_000_000,
        "mib" | "m" => 1 << 20,
        "gb" => 1_000_000_000,
        "gib" | "g" => 1 << 30,
        other => return Err(format!("'{other}' is not a size unit; use KiB, MiB or GiB")),
    };
    number
        .checked_mul(factor)
        .ok_or_else(|| format!("'{text}' is too large"))
}

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
        for (name, value) in [
            ("GATEWAY_DIMENSIONS_TTL", self.dimensions_ttl),
            ("GATEWAY_TOTALS_TTL", self.totals_ttl),
            ("GATEWAY_SETTLED_TTL", self.settled_ttl),
        ] {
            if value.is_zero() {
                return Err(format!("{name} must be above 0"));
            }
        }
        if self.cache_max_bytes < 1 << 20 {
            return Err("GATEWAY_CACHE_MAX_BYTES must be at least 1MiB".into());
        }
        Ok(CacheSettings {
            dimensions_ttl: self.dimensions_ttl,
            totals_ttl: self.totals_ttl,
            settle_after: self.settle_after,
            settled_ttl: self.settled_ttl,
            stale_if_error: self.stale_if_error,
            max_bytes: self.cache_max_bytes,
            warm_dimensions: self.warm_dimensions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_accept_plain_bytes_and_units() {
        assert_eq!(parse_bytes("1048576"), Ok(1 << 20));
        assert_eq!(parse_bytes("64MiB"), Ok(64 << 20));
        assert_eq!(parse_bytes("512 KiB"), Ok(512 << 10));
        assert_eq!(parse_bytes("10MB"), Ok(10_000_000));
        assert!(parse_bytes("lots").is_err());
        assert!(parse_bytes("5 parsecs").is_err());
    }
}
