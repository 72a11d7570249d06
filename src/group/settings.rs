//! The group's settings: where Redis is, how its keys are named, and how many bytes the group may keep there.

use std::fmt;

use crate::secret::redact_url;
use crate::settings_values::parse_bytes;

/// The key prefix when `GATEWAY_REDIS_PREFIX` is unset.
pub const DEFAULT_PREFIX: &str = "camlytics-gateway";

/// The group's second cache level bound when `GATEWAY_REDIS_CACHE_MAX_BYTES` is unset: the same as the first level.
pub const DEFAULT_CACHE_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// A `redis://` or `rediss://` URL. It may carry a password, so `Debug` and `Display` show it redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisUrl(String);

impl RedisUrl {
    /// Checks the scheme and that redis-rs can read the rest (host, port, database number).
    pub fn parse(text: &str) -> Result<Self, String> {
        let url = Self(text.trim().to_string());
        let Some((scheme, rest)) = url.0.split_once("://") else {
            return Err(format!(
                "GATEWAY_REDIS_URL '{url}' must start with redis:// or rediss://"
            ));
        };
        if scheme != "redis" && scheme != "rediss" {
            return Err(format!(
                "GATEWAY_REDIS_URL '{url}' must start with redis:// or rediss://, not {scheme}://"
            ));
        }
        let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
        if host.is_empty() || host.starts_with('/') || host.starts_with(':') {
            return Err(format!("GATEWAY_REDIS_URL '{url}' names no host"));
        }
        // redis-rs's own reading decides the rest; its message is not shown, as it may quote the URL.
        redis::Client::open(url.0.as_str()).map_err(|_| {
            format!("GATEWAY_REDIS_URL '{url}' is not a Redis URL (redis://[user:password@]host[:port][/db])")
        })?;
        Ok(url)
    }

    /// The URL itself, password included; only for connecting, never to print.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact_url(&self.0))
    }
}

impl fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RedisUrl({self})")
    }
}

/// Everything the group needs to know: which Redis, under which key prefix, and the second level's byte bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSettings {
    /// `GATEWAY_REDIS_URL`.
    pub url: RedisUrl,
    /// `GATEWAY_REDIS_PREFIX`: the first part of every key the group writes.
    pub prefix: String,
    /// `GATEWAY_REDIS_CACHE_MAX_BYTES`: answers larger than 1/64 of it are not shared. The total is bounded by
    /// Redis itself (`maxmemory` with `allkeys-lru` or `volatile-ttl`), as only Redis sees every gateway's writes.
    pub cache_max_bytes: u64,
}

impl GroupSettings {
    /// Validates the raw values as they come from the environment or flags (`None`: unset, the default).
    pub fn from_values(
        url: &str,
        prefix: Option<&str>,
        cache_max_bytes: Option<&str>,
    ) -> Result<Self, String> {
        let url = RedisUrl::parse(url)?;
        let prefix = prefix.map(str::trim).unwrap_or(DEFAULT_PREFIX);
        check_prefix(prefix)?;
        let cache_max_bytes = match cache_max_bytes {
            None => DEFAULT_CACHE_MAX_BYTES,
            Some(text) => {
                parse_bytes(text).map_err(|e| format!("GATEWAY_REDIS_CACHE_MAX_BYTES: {e}"))?
            }
        };
        if cache_max_bytes < 64 * 1024 {
            return Err(format!(
                "GATEWAY_REDIS_CACHE_MAX_BYTES must be at least 64KiB, got {cache_max_bytes}"
            ));
        }
        Ok(Self {
            url,
            prefix: prefix.to_string(),
            cache_max_bytes,
        })
    }

    /// The largest answer the second level keeps: one sixty-fourth of the bound, so that no single answer can
    /// push many others out.
    pub fn largest_shared_answer(&self) -> u64 {
        self.cache_max_bytes / 64
    }
}

/// A prefix is used in SCAN patterns and read by operators, so it is plain printable text without glob characters.
fn check_prefix(prefix: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':');
    if prefix.is_empty() || prefix.len() > 64 || !prefix.chars().all(allowed) {
        return Err(format!(
            "GATEWAY_REDIS_PREFIX must be 1 to 64 letters, digits or '-', '_', '.', ':', got '{prefix}'"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_never_shows_in_debug_or_display() {
        let url = RedisUrl::parse("redis://app:hunter2-pw@redis.internal:6380/2").unwrap();
        let settings = GroupSettings::from_values(url.expose(), None, None).unwrap();

        let shown = format!("{url} {url:?} {settings:?}");

        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("redis://app:[REDACTED]@redis.internal:6380/2"));
    }

    #[test]
    fn a_password_without_a_user_is_redacted_too() {
        let url = RedisUrl::parse("rediss://:hunter2-pw@redis.internal").unwrap();

        assert_eq!(url.to_string(), "rediss://:[REDACTED]@redis.internal");
    }

    #[test]
    fn a_query_is_shown_as_present_but_not_what_it_says() {
        let url = RedisUrl::parse("redis://cache:6379/0?password=hunter2").unwrap();
        assert_eq!(url.to_string(), "redis://cache:6379/0?[REDACTED]");
    }

    #[test]
    fn an_error_about_a_bad_url_does_not_quote_its_password() {
        let error = RedisUrl::parse("redis://app:hunter2-pw@host/not-a-db").unwrap_err();

        assert!(!error.contains("hunter2"), "{error}");
        assert!(error.contains("GATEWAY_REDIS_URL"));
    }

    #[test]
    fn other_schemes_and_missing_hosts_are_refused() {
        assert!(RedisUrl::parse("http://redis.internal").is_err());
        assert!(RedisUrl::parse("redis.internal:6379").is_err());
        assert!(RedisUrl::parse("redis://").is_err());
        assert!(RedisUrl::parse("redis://127.0.0.1:6379/0").is_ok());
    }

    #[test]
    fn the_prefix_defaults_and_refuses_glob_characters() {
        let url = "redis://127.0.0.1";
        let default = GroupSettings::from_values(url, None, None).unwrap();

        assert_eq!(default.prefix, "camlytics-gateway");
        assert!(GroupSettings::from_values(url, Some("gw*"), None).is_err());
        assert!(GroupSettings::from_values(url, Some(""), None).is_err());
        assert!(GroupSettings::from_values(url, Some("prod:gw"), None).is_ok());
    }

    #[test]
    fn the_largest_shared_answer_is_a_sixty_fourth_of_the_bound() {
        let settings =
            GroupSettings::from_values("redis://127.0.0.1", None, Some("64MiB")).unwrap();

        assert_eq!(settings.largest_shared_answer(), 1024 * 1024);
        assert!(GroupSettings::from_values("redis://127.0.0.1", None, Some("1KiB")).is_err());
    }
}
