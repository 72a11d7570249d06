//! Typed settings: every value comes from a flag or an environment variable, and is validated once at start.

use std::net::SocketAddr;

use crate::callers::{CallerArgs, CallersSettings};
use crate::group::settings::GroupSettings;
use crate::live::settings::{LiveArgs, LiveSettings};
use crate::mirror::settings::{MirrorArgs, MirrorSettings};
use crate::secret::Secret;
/// The value parsers, re-exported for the command line.
pub use crate::settings_values::parse_duration;
/// The upstream settings live with the upstream; re-exported for the commands and tests that compose them.
pub use crate::upstream::settings::{BaseUrl, UpstreamArgs, UpstreamSettings, DEFAULT_BASE_URL};

/// Settings of the `serve` command.
#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address and port the gateway listens on.
    #[arg(long, env = "GATEWAY_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// How to reach, sign for and pace the cloud.
    #[command(flatten)]
    pub upstream: UpstreamArgs,

    /// What is cached and for how long.
    #[command(flatten)]
    pub cache: crate::cache::settings::CacheArgs,
    /// Who may call, and how much.
    #[command(flatten)]
    pub callers: CallerArgs,
    /// Several gateways on one key: the group's Redis.
    #[command(flatten)]
    pub group: GroupArgs,
    /// The mirror: every event kept locally.
    #[command(flatten)]
    pub mirror: MirrorArgs,
    /// Live data: the webhook intake, the event stream.
    #[command(flatten)]
    pub live: LiveArgs,
}

/// Settings of a group of gateways sharing one key through Redis; all unset: a gateway alone on its key.
#[derive(clap::Args, Debug, Clone)]
pub struct GroupArgs {
    /// Redis that coordinates every gateway on this API key (redis:// or rediss://, password and database in
    /// the URL). Unset: this gateway is alone on its key. Never printed.
    #[arg(long, env = "GATEWAY_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<Secret>,

    /// The first part of every Redis key the group writes (default camlytics-gateway); used only with a Redis URL.
    #[arg(long, env = "GATEWAY_REDIS_PREFIX")]
    pub redis_prefix: Option<String>,

    /// Bound of the second cache level kept in Redis (e.g. 64MiB; default 64MiB); answers over 1/64 of it are
    /// not shared. Used only with a Redis URL.
    #[arg(long, env = "GATEWAY_REDIS_CACHE_MAX_BYTES")]
    pub redis_cache_max_bytes: Option<String>,
}

impl GroupArgs {
    /// The group's settings, or `None` when no Redis URL is set (prefix and bound alone are then unused).
    pub fn validate(&self) -> Result<Option<GroupSettings>, String> {
        let Some(url) = &self.redis_url else {
            return Ok(None);
        };
        GroupSettings::from_values(
            url.expose(),
            self.redis_prefix.as_deref(),
            self.redis_cache_max_bytes.as_deref(),
        )
        .map(Some)
    }
}

/// Validated settings of the whole gateway.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address the gateway listens on.
    pub listen: SocketAddr,
    /// How to reach the cloud.
    pub upstream: UpstreamSettings,
    /// What is cached and for how long.
    pub cache: crate::cache::settings::CacheSettings,
    /// Who may call, and how much.
    pub callers: CallersSettings,
    /// The mirror.
    pub mirror: MirrorSettings,
    /// The live side: webhooks, the stream.
    pub live: LiveSettings,
}

impl ServeArgs {
    /// Validates every setting of `serve`.
    pub fn validate(&self) -> Result<Settings, String> {
        Ok(Settings {
            listen: self.listen,
            upstream: self.upstream.validate()?,
            cache: self.cache.validate()?,
            callers: self.callers.validate()?,
            mirror: self.mirror.validate()?,
            live: self.live.validate()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: ServeArgs,
    }

    fn validate(flag: &str, value: &str) -> Result<Settings, String> {
        let setting = format!("{flag}={value}");
        let argv = [
            "test",
            "--api-key",
            "k",
            "--api-secret",
            "s",
            setting.as_str(),
        ];
        Wrapper::try_parse_from(argv)
            .map_err(|e| e.to_string())?
            .args
            .validate()
    }

    #[test]
    fn every_numeric_setting_out_of_range_is_refused_by_its_name() {
        let cases = [
            ("--upstream-rps", "0", "GATEWAY_UPSTREAM_RPS"),
            ("--upstream-rps", "-1", "GATEWAY_UPSTREAM_RPS"),
            ("--upstream-rps", "NaN", "GATEWAY_UPSTREAM_RPS"),
            ("--upstream-rps", "inf", "GATEWAY_UPSTREAM_RPS"),
            ("--upstream-rps", "1e9", "GATEWAY_UPSTREAM_RPS"),
            ("--max-wait", "0", "GATEWAY_MAX_WAIT"),
            ("--max-wait", "1e30", "GATEWAY_MAX_WAIT"),
            ("--upstream-timeout", "0s", "GATEWAY_UPSTREAM_TIMEOUT"),
            ("--upstream-timeout", "400days", "GATEWAY_UPSTREAM_TIMEOUT"),
            ("--dimensions-ttl", "0", "GATEWAY_DIMENSIONS_TTL"),
            ("--totals-ttl", "inf", "GATEWAY_TOTALS_TTL"),
            ("--settle-after", "0", "GATEWAY_SETTLE_AFTER"),
            ("--settled-ttl", "2y", "GATEWAY_SETTLED_TTL"),
            ("--stale-if-error", "1e12", "GATEWAY_STALE_IF_ERROR"),
            ("--cache-max-bytes", "1KiB", "GATEWAY_CACHE_MAX_BYTES"),
            ("--cache-max-bytes", "2000GiB", "GATEWAY_CACHE_MAX_BYTES"),
            ("--caller-rps", "0", "GATEWAY_CALLER_RPS"),
            ("--caller-rps", "NaN", "GATEWAY_CALLER_RPS"),
            ("--caller-rps", "1e300", "GATEWAY_CALLER_RPS"),
            ("--caller-burst", "0", "GATEWAY_CALLER_BURST"),
            ("--caller-burst", "4000000000", "GATEWAY_CALLER_BURST"),
            ("--max-query-bytes", "0", "GATEWAY_MAX_QUERY_BYTES"),
            ("--max-query-bytes", "10000000", "GATEWAY_MAX_QUERY_BYTES"),
            ("--max-header-bytes", "0", "GATEWAY_MAX_HEADER_BYTES"),
            ("--max-header-bytes", "10000000", "GATEWAY_MAX_HEADER_BYTES"),
            ("--client-timeout", "0", "GATEWAY_CLIENT_TIMEOUT"),
            ("--client-timeout", "1e30", "GATEWAY_CLIENT_TIMEOUT"),
            ("--keep-alive", "1e30", "GATEWAY_KEEP_ALIVE"),
            ("--webhook-max-bytes", "10", "GATEWAY_WEBHOOK_MAX_BYTES"),
            ("--webhook-max-bytes", "1GiB", "GATEWAY_WEBHOOK_MAX_BYTES"),
            (
                "--stream-max-subscribers",
                "0",
                "GATEWAY_STREAM_MAX_SUBSCRIBERS",
            ),
            ("--live-retention", "0", "GATEWAY_LIVE_RETENTION"),
        ];
        for (flag, value, name) in cases {
            let outcome = validate(flag, value);
            let error = outcome.err().unwrap_or_default();
            assert!(
                error.starts_with(&format!("{name} must be")),
                "{flag} {value}: {error}"
            );
        }
    }

    #[test]
    fn the_bounds_themselves_and_meaningful_zeros_are_accepted() {
        let cases = [
            ("--upstream-rps", "1000"),
            ("--upstream-rps", "0.01"),
            ("--max-wait", "365days"),
            ("--stale-if-error", "0"),
            ("--keep-alive", "0"),
            ("--cache-max-bytes", "1MiB"),
            ("--caller-rps", "10000000"),
            ("--max-query-bytes", "65536"),
        ];
        for (flag, value) in cases {
            assert!(validate(flag, value).is_ok(), "{flag} {value}");
        }
    }
}
