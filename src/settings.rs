//! Typed settings: every value comes from a flag or an environment variable, and is validated once at start.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use actix_web::http::Uri;

use crate::callers::{CallerArgs, CallersSettings};
use crate::group::settings::GroupSettings;
use crate::secret::Secret;

/// Where the real Camlytics Cloud API lives.
pub const DEFAULT_BASE_URL: &str = "https://cloud.camlytics.com/service/api/v1";

/// Reads a duration given as plain seconds (`90`, `0.5`) or in humantime form (`90s`, `5m`, `24h`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<f64>() {
        if seconds.is_finite() && seconds >= 0.0 {
            return Ok(Duration::from_secs_f64(seconds));
        }
        return Err(format!(
            "'{text}' is not a duration of zero or more seconds"
        ));
    }
    humantime::parse_duration(text).map_err(|e| {
        format!("'{text}' is not a duration ({e}); use seconds such as 90, or 90s, 5m, 24h")
    })
}

/// How to reach and pace the cloud: the settings shared by `serve` and `check`.
#[derive(clap::Args, Debug, Clone)]
pub struct UpstreamArgs {
    /// Public API key, sent as X-Key.
    #[arg(long, env = "CAMLYTICS_API_KEY")]
    pub api_key: Option<String>,

    /// API secret used to sign requests. Prefer CAMLYTICS_API_SECRET_FILE so it stays out of the process list.
    #[arg(long, env = "CAMLYTICS_API_SECRET", hide_env_values = true)]
    pub api_secret: Option<Secret>,

    /// A file whose content (trimmed) is the API secret, e.g. a Docker or Kubernetes secret.
    #[arg(long, env = "CAMLYTICS_API_SECRET_FILE")]
    pub api_secret_file: Option<PathBuf>,

    /// Base URL of the Camlytics Cloud API (scheme, host and base path).
    #[arg(long, env = "CAMLYTICS_BASE_URL", default_value = DEFAULT_BASE_URL)]
    pub base_url: String,

    /// Directory that holds the nonce high-water mark; relative paths are under the working directory.
    #[arg(long, env = "GATEWAY_STATE_DIR", default_value = "state")]
    pub state_dir: PathBuf,

    /// Calls per second sent to the cloud for this key (fractions allowed; Camlytics documents 1).
    #[arg(long, env = "GATEWAY_UPSTREAM_RPS", default_value = "1")]
    pub upstream_rps: f64,

    /// How long a caller may wait for its turn upstream before it is answered 503 with Retry-After.
    #[arg(long, env = "GATEWAY_MAX_WAIT", default_value = "30s", value_parser = parse_duration)]
    pub max_wait: Duration,

    /// How long one call to the cloud may take before the caller is answered 504.
    #[arg(long, env = "GATEWAY_UPSTREAM_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub upstream_timeout: Duration,
}

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

/// Where the cloud is, split the way requests are built: origin for the connection, base path for the signed target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    /// `scheme://host[:port]`, no trailing slash.
    pub origin: String,
    /// The path prefix of every endpoint, e.g. `/service/api/v1`, no trailing slash.
    pub base_path: String,
}

impl BaseUrl {
    /// Parses an absolute http(s) URL without query or fragment.
    pub fn parse(text: &str) -> Result<Self, String> {
        let uri: Uri = text
            .trim()
            .parse()
            .map_err(|e| format!("CAMLYTICS_BASE_URL '{text}' is not a URL: {e}"))?;
        let scheme = uri.scheme_str().unwrap_or_default();
        if scheme != "http" && scheme != "https" {
            return Err(format!(
                "CAMLYTICS_BASE_URL '{text}' must start with https:// (or http:// for a local simulator)"
            ));
        }
        let authority = uri
            .authority()
            .ok_or_else(|| format!("CAMLYTICS_BASE_URL '{text}' has no host"))?;
        if uri.query().is_some() {
            return Err(format!("CAMLYTICS_BASE_URL '{text}' must not have a query"));
        }
        Ok(Self {
            origin: format!("{scheme}://{authority}"),
            base_path: uri.path().trim_end_matches('/').to_string(),
        })
    }
}

/// Validated upstream settings: everything the lane, signer and client need.
#[derive(Debug, Clone)]
pub struct UpstreamSettings {
    /// Public API key.
    pub api_key: String,
    /// API secret; never printed.
    pub api_secret: Secret,
    /// Where the cloud is.
    pub base_url: BaseUrl,
    /// Directory of the durable nonce state.
    pub state_dir: PathBuf,
    /// Calls per second to the cloud.
    pub upstream_rps: f64,
    /// Longest wait for a turn upstream.
    pub max_wait: Duration,
    /// Longest single call to the cloud.
    pub upstream_timeout: Duration,
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
}

impl UpstreamArgs {
    /// Checks every value and loads the secret, with a message that names the setting at fault.
    pub fn validate(&self) -> Result<UpstreamSettings, String> {
        let api_key = match self.api_key.as_deref().map(str::trim) {
            Some(key) if !key.is_empty() => key.to_string(),
            _ => return Err("CAMLYTICS_API_KEY (--api-key) is required: the public API key from Camlytics Cloud settings".into()),
        };
        let api_secret = match (&self.api_secret, &self.api_secret_file) {
            (Some(_), Some(_)) => {
                return Err(
                    "set only one of CAMLYTICS_API_SECRET and CAMLYTICS_API_SECRET_FILE".into(),
                )
            }
            (Some(secret), None) => secret.clone(),
            (None, Some(path)) => read_secret_file(path)?,
            (None, None) => return Err(
                "CAMLYTICS_API_SECRET or CAMLYTICS_API_SECRET_FILE is required to sign requests"
                    .into(),
            ),
        };
        if api_secret.expose().is_empty() {
            return Err("the API secret is empty".into());
        }
        let base_url = BaseUrl::parse(&self.base_url)?;
        if !(self.upstream_rps.is_finite() && self.upstream_rps > 0.0) {
            return Err(format!(
                "GATEWAY_UPSTREAM_RPS must be a number above 0 (e.g. 1 or 0.5), not {}",
                self.upstream_rps
            ));
        }
        if self.upstream_timeout.is_zero() {
            return Err("GATEWAY_UPSTREAM_TIMEOUT must be above 0".into());
        }
        Ok(UpstreamSettings {
            api_key,
            api_secret,
            base_url,
            state_dir: self.state_dir.clone(),
            upstream_rps: self.upstream_rps,
            max_wait: self.max_wait,
            upstream_timeout: self.upstream_timeout,
        })
    }
}

impl ServeArgs {
    /// Validates every setting of `serve`.
    pub fn validate(&self) -> Result<Settings, String> {
        Ok(Settings {
            listen: self.listen,
            upstream: self.upstream.validate()?,
            cache: self.cache.validate()?,
            callers: self.callers.validate()?,
        })
    }
}

fn read_secret_file(path: &std::path::Path) -> Result<Secret, String> {
    // The error names the file, never its content.
    let content = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "CAMLYTICS_API_SECRET_FILE '{}' cannot be read: {e}",
            path.display()
        )
    })?;
    Ok(Secret::new(content.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_accept_plain_seconds_and_humantime() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("0.5"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86_400)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-3").is_err());
    }

    #[test]
    fn base_url_splits_into_origin_and_base_path() {
        let url = BaseUrl::parse("https://cloud.camlytics.com/service/api/v1/").unwrap();
        assert_eq!(url.origin, "https://cloud.camlytics.com");
        assert_eq!(url.base_path, "/service/api/v1");
        let local = BaseUrl::parse("http://127.0.0.1:9000/service/api/v1").unwrap();
        assert_eq!(local.origin, "http://127.0.0.1:9000");
        assert!(BaseUrl::parse("ftp://example/x").is_err());
        assert!(BaseUrl::parse("https://h/x?y=1").is_err());
    }
}
