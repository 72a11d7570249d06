//! The live side's settings: the webhook tokens, the intake's body limit, the stream's subscriber cap and
//! how long the intake log keeps events for resuming.

use std::time::Duration;

use super::occupancy::settings::{OccupancyArgs, OccupancySettings};
use crate::callers::tokens::{TokenEntry, Tokens};
use crate::secret::Secret;
use crate::settings_values::{
    count_in_range, duration_in_range, parse_bytes, parse_duration, Zero,
};

/// Smallest webhook body limit: below it not even one event fits.
pub const MIN_WEBHOOK_BYTES: u64 = 1 << 10;
/// Largest webhook body limit: 256 MiB, far above any batch the cloud sends.
pub const MAX_WEBHOOK_BYTES: u64 = 256 << 20;
/// Most stream subscribers one gateway may be told to hold.
pub const MAX_SUBSCRIBERS: u32 = 1_000_000;

/// The live side's flags and environment variables.
#[derive(clap::Args, Debug, Clone)]
pub struct LiveArgs {
    /// Webhook tokens, comma-separated `name:token` or `name:sha256:<64 hex>`, one per portal configuration.
    /// The cloud POSTs to /webhooks/camlytics/<token>. Unset: the intake route does not exist. Never printed.
    #[arg(long, env = "GATEWAY_WEBHOOK_TOKENS", hide_env_values = true)]
    pub webhook_tokens: Option<Secret>,

    /// Largest webhook body accepted (e.g. 1MiB, from 1KiB to 256MiB); larger gets 413.
    #[arg(long, env = "GATEWAY_WEBHOOK_MAX_BYTES", default_value = "1MiB", value_parser = parse_bytes)]
    pub webhook_max_bytes: u64,

    /// Most live stream subscribers at once; beyond it a new one gets 503 with Retry-After.
    #[arg(long, env = "GATEWAY_STREAM_MAX_SUBSCRIBERS", default_value = "1000")]
    pub stream_max_subscribers: u32,

    /// How long the intake log keeps events, for streams resuming with Last-Event-ID (e.g. 7d).
    #[arg(long, env = "GATEWAY_LIVE_RETENTION", default_value = "7d", value_parser = parse_duration)]
    pub live_retention: Duration,

    /// Occupancy: which triggers count in and out, and where each location's day begins.
    #[command(flatten)]
    pub occupancy: OccupancyArgs,
}

/// The webhook tokens: names and SHA-256 digests only; `Debug` shows the names.
#[derive(Debug, Clone, Default)]
pub struct WebhookTokens(Tokens);

impl WebhookTokens {
    /// Reads comma-separated `name:token` / `name:sha256:<hex>` entries; errors never echo a token.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut tokens = Tokens::default();
        tokens.add_list(text, ',', "GATEWAY_WEBHOOK_TOKENS entry")?;
        if let Some(entry) = tokens
            .entries()
            .iter()
            .find(|e| e.admin || e.rps.is_some() || e.burst.is_some())
        {
            return Err(format!(
                "GATEWAY_WEBHOOK_TOKENS entry '{}': a webhook token takes no options (format name:token \
                 or name:sha256:<64 hex>)",
                entry.name
            ));
        }
        if tokens.is_empty() {
            return Err("GATEWAY_WEBHOOK_TOKENS must hold at least one name:token entry".into());
        }
        Ok(Self(tokens))
    }

    /// The webhook whose token `presented` is, compared in constant time against every entry.
    pub fn find(&self, presented: &str) -> Option<&TokenEntry> {
        self.0.find(presented)
    }

    /// Every webhook's name.
    pub fn names(&self) -> Vec<String> {
        self.0
            .entries()
            .iter()
            .map(|e| e.name.to_string())
            .collect()
    }
}

/// The live side's validated settings.
#[derive(Debug, Clone)]
pub struct LiveSettings {
    /// The webhook tokens; `None`: no intake route.
    pub webhook_tokens: Option<WebhookTokens>,
    /// Largest webhook body accepted, in bytes.
    pub webhook_max_bytes: u64,
    /// Most stream subscribers at once.
    pub stream_max_subscribers: u32,
    /// How long the intake log keeps events.
    pub retention: Duration,
    /// Occupancy's rules and time zones.
    pub occupancy: OccupancySettings,
}

impl Default for LiveSettings {
    fn default() -> Self {
        Self {
            webhook_tokens: None,
            webhook_max_bytes: 1 << 20,
            stream_max_subscribers: 1000,
            retention: Duration::from_secs(7 * 86_400),
            occupancy: OccupancySettings::default(),
        }
    }
}

impl LiveArgs {
    /// Validates the live settings, each error naming its variable.
    pub fn validate(&self) -> Result<LiveSettings, String> {
        let webhook_tokens = match &self.webhook_tokens {
            Some(text) if !text.expose().trim().is_empty() => {
                Some(WebhookTokens::parse(text.expose())?)
            }
            _ => None,
        };
        let webhook_max_bytes = count_in_range(
            "GATEWAY_WEBHOOK_MAX_BYTES",
            self.webhook_max_bytes,
            MIN_WEBHOOK_BYTES,
            MAX_WEBHOOK_BYTES,
        )
        .map_err(|_| {
            format!(
                "GATEWAY_WEBHOOK_MAX_BYTES must be from 1KiB to 256MiB, not {} bytes",
                self.webhook_max_bytes
            )
        })?;
        Ok(LiveSettings {
            webhook_tokens,
            webhook_max_bytes,
            stream_max_subscribers: count_in_range(
                "GATEWAY_STREAM_MAX_SUBSCRIBERS",
                self.stream_max_subscribers,
                1,
                u64::from(MAX_SUBSCRIBERS),
            )?,
            retention: duration_in_range(
                "GATEWAY_LIVE_RETENTION",
                self.live_retention,
                Zero::Refused,
            )?,
            occupancy: self.occupancy.validate()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_token_is_found_by_name_and_never_shown() {
        let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b"hashed-tok"));
        let tokens =
            WebhookTokens::parse(&format!("portal:plain-tok, site2:sha256:{digest}")).unwrap();
        assert_eq!(&*tokens.find("plain-tok").unwrap().name, "portal");
        assert_eq!(&*tokens.find("hashed-tok").unwrap().name, "site2");
        assert!(tokens.find("other").is_none());
        let shown = format!("{tokens:?}");
        assert!(
            !shown.contains("plain-tok") && !shown.contains(&digest),
            "{shown}"
        );
    }

    #[test]
    fn a_webhook_token_with_options_or_without_a_name_is_refused_without_echoing_it() {
        let error = WebhookTokens::parse("portal:tok-123:admin").unwrap_err();
        assert!(error.contains("no options"), "{error}");
        let error = WebhookTokens::parse("tok-456").unwrap_err();
        assert!(!error.contains("tok-456"), "{error}");
    }
}
