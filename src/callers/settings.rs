//! The callers' settings: tokens, per-caller quota, forwarded addresses, CORS origins and request limits.

use std::path::PathBuf;
use std::time::Duration;

use super::sources::TokenSources;
use super::tokens::Tokens;
use crate::secret::Secret;
use crate::settings_values::{
    count_in_range, duration_in_range, parse_duration, rate_in_range, Zero, MAX_CALLER_RATE,
    MAX_REQUEST_PART_BYTES,
};

/// Requests a second each token caller may make, unless its token or `GATEWAY_CALLER_RPS` says otherwise.
/// A dashboard page of a few dozen tiles asks for each tile's data at once, and a few people may open it
/// together; upstream-bound calls are paced by the lane anyway, so the quota only has to stop a runaway loop.
pub const DEFAULT_CALLER_RPS: f64 = 100.0;
/// Requests a token caller may make at once before the per-second pace applies: two full pages of tiles.
pub const DEFAULT_CALLER_BURST: u32 = 200;
/// The quota of token mode when neither `GATEWAY_CALLER_RPS` nor `GATEWAY_CALLER_BURST` is set. Open mode
/// has none by default: its callers are addresses on a private network, and the lane's `GATEWAY_MAX_WAIT`
/// (503 with `Retry-After`) already holds back what would reach the cloud.
pub const DEFAULT_TOKEN_QUOTA: CallerQuota = CallerQuota {
    rps: DEFAULT_CALLER_RPS,
    burst: DEFAULT_CALLER_BURST,
};
/// Longest query string accepted, in bytes (the cloud's longest real query is a few hundred).
pub const DEFAULT_MAX_QUERY_BYTES: usize = 2048;
/// Largest total of request header names and values accepted, in bytes (nginx's default line buffer).
pub const DEFAULT_MAX_HEADER_BYTES: usize = 8192;
/// How long a client may take to send a request's head before it is answered 408 and dropped.
pub const DEFAULT_CLIENT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long an idle keep-alive connection is held open.
pub const DEFAULT_KEEP_ALIVE: Duration = Duration::from_secs(5);

/// Settings of who may call and how much (part of `serve`).
#[derive(clap::Args, Debug, Clone)]
pub struct CallerArgs {
    /// Caller tokens, comma-separated `name:token[:admin][:rps=N][:burst=N]` (or `name:sha256:<hex>...`).
    /// Unset, and without GATEWAY_TOKENS_FILE, the gateway is open: no token needed.
    #[arg(long, env = "GATEWAY_TOKENS", hide_env_values = true)]
    pub tokens: Option<Secret>,

    /// A file of caller tokens, one `name:token[:admin][:rps=N][:burst=N]` a line; lines starting with `#` are comments.
    #[arg(long, env = "GATEWAY_TOKENS_FILE")]
    pub tokens_file: Option<PathBuf>,

    /// Requests a second each caller may make (fractions allowed); a token may set its own.
    /// Unset: 100 in token mode, no per-caller quota in open mode (set either this or
    /// GATEWAY_CALLER_BURST to give open mode one; the other then takes its token-mode default).
    #[arg(long, env = "GATEWAY_CALLER_RPS")]
    pub caller_rps: Option<f64>,

    /// Requests a caller may make at once before the pace applies; a token may set its own.
    /// Unset: 200 in token mode, no per-caller quota in open mode.
    #[arg(long, env = "GATEWAY_CALLER_BURST")]
    pub caller_burst: Option<u32>,

    /// Key open-mode callers by the last X-Forwarded-For address; set only behind a proxy that sets it.
    #[arg(
        long,
        env = "GATEWAY_TRUST_FORWARDED",
        default_value_t = false,
        num_args = 0..=1,
        default_missing_value = "true",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub trust_forwarded: bool,

    /// Browser origins allowed to call (comma-separated, e.g. https://dash.example.com, or *); none by default.
    #[arg(long, env = "GATEWAY_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Longest query string accepted, in bytes; longer is answered 414.
    #[arg(long, env = "GATEWAY_MAX_QUERY_BYTES", default_value_t = DEFAULT_MAX_QUERY_BYTES)]
    pub max_query_bytes: usize,

    /// Largest total size of request headers, in bytes; larger is answered 431.
    #[arg(long, env = "GATEWAY_MAX_HEADER_BYTES", default_value_t = DEFAULT_MAX_HEADER_BYTES)]
    pub max_header_bytes: usize,

    /// How long a client may take to send a request's head; slower is answered 408 and disconnected.
    #[arg(long, env = "GATEWAY_CLIENT_TIMEOUT", default_value = "5s", value_parser = parse_duration)]
    pub client_timeout: Duration,

    /// How long an idle keep-alive connection stays open.
    #[arg(long, env = "GATEWAY_KEEP_ALIVE", default_value = "5s", value_parser = parse_duration)]
    pub keep_alive: Duration,
}

/// A pace: `rps` requests a second on average, `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CallerQuota {
    /// Requests a second (above 0).
    pub rps: f64,
    /// Requests at once (at least 1).
    pub burst: u32,
}

impl CallerQuota {
    /// Checks both numbers, naming `what` (a setting or a token entry) when one is wrong.
    pub fn new(rps: f64, burst: u32, what: &str) -> Result<Self, String> {
        if !(rps.is_finite() && rps > 0.0 && rps <= MAX_CALLER_RATE) {
            return Err(format!(
                "{what}: rps must be a number above 0 and at most {MAX_CALLER_RATE} (e.g. 10 or 0.5), not {rps}"
            ));
        }
        if burst == 0 {
            return Err(format!("{what}: burst must be at least 1"));
        }
        Ok(Self { rps, burst })
    }
}

/// Bounds on a request itself, so slow or oversized clients cannot hold workers.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestLimits {
    /// Longest query string, in bytes (414 past it).
    pub max_query_bytes: usize,
    /// Largest total of header names and values, in bytes (431 past it).
    pub max_header_bytes: usize,
    /// Longest time to receive a request's head (408 past it).
    pub client_timeout: Duration,
    /// Longest idle time of a keep-alive connection.
    pub keep_alive: Duration,
}

impl CallerQuota {
    /// The quota set by `rps` and `burst` when either is given (the other taking the token-mode default);
    /// `None` when neither is.
    pub fn chosen(
        rps: Option<f64>,
        burst: Option<u32>,
        what: &str,
    ) -> Result<Option<Self>, String> {
        if rps.is_none() && burst.is_none() {
            return Ok(None);
        }
        let max = MAX_CALLER_RATE;
        let rps = rps.unwrap_or(DEFAULT_CALLER_RPS);
        let rps = rate_in_range("GATEWAY_CALLER_RPS", rps, Zero::Refused, max)?;
        let burst = burst.unwrap_or(DEFAULT_CALLER_BURST);
        let burst = count_in_range("GATEWAY_CALLER_BURST", burst, 1, max as u64)?;
        Self::new(rps, burst, what).map(Some)
    }
}

/// Validated callers settings.
#[derive(Debug, Clone)]
pub struct CallersSettings {
    /// The known tokens as read at start; `None` is open mode (no token needed).
    pub tokens: Option<Tokens>,
    /// Where the tokens come from, to read them again when the file changes.
    pub token_sources: TokenSources,
    /// The pace of callers whose token sets none, and of every caller in open mode, when set explicitly.
    /// `None`: [`DEFAULT_TOKEN_QUOTA`] in token mode, no per-caller quota in open mode.
    pub quota: Option<CallerQuota>,
    /// Whether open-mode callers are keyed by X-Forwarded-For rather than the peer address.
    pub trust_forwarded: bool,
    /// Origins browsers may call from; empty means no CORS answers at all.
    pub cors_origins: Vec<String>,
    /// Bounds on each request.
    pub limits: RequestLimits,
}

impl CallersSettings {
    /// Open mode with the documented defaults: what `demo` runs and what `serve` runs with no callers settings.
    pub fn open() -> Self {
        Self {
            tokens: None,
            token_sources: TokenSources::default(),
            quota: None,
            trust_forwarded: false,
            cors_origins: Vec::new(),
            limits: RequestLimits {
                max_query_bytes: DEFAULT_MAX_QUERY_BYTES,
                max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
                client_timeout: DEFAULT_CLIENT_TIMEOUT,
                keep_alive: DEFAULT_KEEP_ALIVE,
            },
        }
    }
}

impl CallerArgs {
    /// Checks every value and reads the tokens, with messages that name the setting (never a token).
    pub fn validate(&self) -> Result<CallersSettings, String> {
        let quota = CallerQuota::chosen(
            self.caller_rps,
            self.caller_burst,
            "GATEWAY_CALLER_RPS / GATEWAY_CALLER_BURST",
        )?;
        let mut token_sources = self.token_sources()?;
        token_sources.read_at = token_sources.stamp();
        let tokens = token_sources.read()?;
        let cors_origins = super::cors::validate_origins(&self.cors_origins)?;
        let part_bytes = |name: &str, value| count_in_range(name, value, 1, MAX_REQUEST_PART_BYTES);
        Ok(CallersSettings {
            tokens,
            token_sources,
            quota,
            trust_forwarded: self.trust_forwarded,
            cors_origins,
            limits: RequestLimits {
                max_query_bytes: part_bytes("GATEWAY_MAX_QUERY_BYTES", self.max_query_bytes)?,
                max_header_bytes: part_bytes("GATEWAY_MAX_HEADER_BYTES", self.max_header_bytes)?,
                client_timeout: duration_in_range(
                    "GATEWAY_CLIENT_TIMEOUT",
                    self.client_timeout,
                    Zero::Refused,
                )?,
                // Zero turns keep-alive off.
                keep_alive: duration_in_range(
                    "GATEWAY_KEEP_ALIVE",
                    self.keep_alive,
                    Zero::Allowed,
                )?,
            },
        })
    }

    /// The `GATEWAY_TOKENS` list, read once, and the file to read (now and whenever it changes). A list that
    /// is set but holds no token is an error, so a typo cannot open the gateway.
    fn token_sources(&self) -> Result<TokenSources, String> {
        let mut listed = Tokens::default();
        if let Some(list) = &self.tokens {
            let added = listed.add_list(list.expose(), ',', "GATEWAY_TOKENS entry")?;
            if added == 0 {
                return Err("GATEWAY_TOKENS is set but holds no token".into());
            }
        }
        Ok(TokenSources {
            listed,
            file: self.tokens_file.clone(),
            read_at: None,
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
        args: CallerArgs,
    }

    fn parse(flags: &[&str]) -> Result<CallersSettings, String> {
        let mut argv = vec!["test"];
        argv.extend_from_slice(flags);
        Wrapper::try_parse_from(argv)
            .map_err(|e| e.to_string())?
            .args
            .validate()
    }

    #[test]
    fn no_callers_settings_is_open_mode_with_the_documented_defaults() {
        let settings = parse(&[]).unwrap();
        let open = CallersSettings::open();
        assert!(settings.tokens.is_none());
        assert_eq!(
            settings.quota, None,
            "open mode has no quota unless one is set"
        );
        assert_eq!(open.quota, None);
        assert_eq!(settings.limits, open.limits);
        assert_eq!(settings.cors_origins, open.cors_origins);
        assert!(!settings.trust_forwarded);
    }

    #[test]
    fn a_token_setting_with_no_token_refuses_to_start_rather_than_open_the_gateway() {
        let error = parse(&["--tokens", " , "]).unwrap_err();
        assert!(error.contains("GATEWAY_TOKENS"), "{error}");
    }

    #[test]
    fn trusting_forwarded_addresses_takes_a_yes_or_no_and_refuses_anything_else() {
        assert!(parse(&["--trust-forwarded"]).unwrap().trust_forwarded);
        assert!(
            parse(&["--trust-forwarded", "yes"])
                .unwrap()
                .trust_forwarded
        );
        assert!(
            !parse(&["--trust-forwarded", "false"])
                .unwrap()
                .trust_forwarded
        );
        assert!(parse(&["--trust-forwarded", "bogus"]).is_err());
    }

    #[test]
    fn setting_either_quota_value_sets_a_quota_whose_other_value_is_the_default() {
        let rps_only = parse(&["--caller-rps", "5"]).unwrap().quota;
        let burst_only = parse(&["--caller-burst", "7"]).unwrap().quota;
        assert_eq!(
            rps_only,
            Some(CallerQuota {
                rps: 5.0,
                burst: DEFAULT_CALLER_BURST
            })
        );
        assert_eq!(
            burst_only,
            Some(CallerQuota {
                rps: DEFAULT_CALLER_RPS,
                burst: 7
            })
        );
    }

    #[test]
    fn a_zero_quota_is_refused_naming_the_setting() {
        let error = parse(&["--caller-rps", "0"]).unwrap_err();
        assert!(error.contains("GATEWAY_CALLER_RPS"), "{error}");
        assert!(parse(&["--caller-burst", "0"]).is_err());
    }

    #[test]
    fn debug_output_of_the_settings_never_shows_a_token() {
        let args = Wrapper::try_parse_from(["test", "--tokens", "app:tok-visible-123"])
            .unwrap()
            .args;
        assert!(!format!("{args:?}").contains("tok-visible-123"));
        let settings = args.validate().unwrap();
        assert!(!format!("{settings:?}").contains("tok-visible-123"));
    }
}
