//! Typed settings: every value comes from a flag or an environment variable, and is validated once at start.

use std::net::SocketAddr;

use crate::callers::{CallerArgs, CallersSettings};
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
