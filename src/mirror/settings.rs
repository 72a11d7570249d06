//! The mirror's settings (`GATEWAY_MIRROR*`): whether it runs, where it keeps events, how far back it reaches,
//! its share of the upstream budget, retention, and how often it polls, re-reads the tail and verifies.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};

use crate::secret::{redact_url, Secret};
use crate::settings_values::{duration_in_range, parse_duration, Zero};

/// Longest reach back (`GATEWAY_MIRROR_SINCE` as a duration) and longest retention: ten years.
pub const MAX_REACH: Duration = Duration::from_secs(3650 * 86_400);

/// `on` or `off`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    /// Run the mirror.
    On,
    /// No mirror: nothing is synced, every answer comes from the cache or the cloud.
    Off,
}

/// The mirror's flags and environment variables.
#[derive(clap::Args, Debug, Clone)]
pub struct MirrorArgs {
    /// Keep every event of the account locally, synced in the upstream lane's idle turns (on or off).
    #[arg(
        long = "mirror",
        env = "GATEWAY_MIRROR",
        value_enum,
        default_value = "on"
    )]
    pub mirror: Switch,

    /// Where the mirror keeps events: unset for mirror.sqlite3 in GATEWAY_STATE_DIR, sqlite://PATH for
    /// another file, or postgres://user:password@host/db for a store several gateways share. Never printed.
    #[arg(long, env = "GATEWAY_MIRROR_URL", hide_env_values = true)]
    pub mirror_url: Option<Secret>,

    /// How far back the first sync reaches: a duration (30d, 12w) or a date (2026-01-01, or RFC 3339).
    #[arg(long, env = "GATEWAY_MIRROR_SINCE", default_value = "30d")]
    pub mirror_since: String,

    /// The most of GATEWAY_UPSTREAM_RPS the mirror may use, above 0 and at most 1 (always behind callers).
    #[arg(long, env = "GATEWAY_MIRROR_SHARE", default_value = "0.5")]
    pub mirror_share: f64,

    /// Events older than this are dropped (e.g. 90d); unset: kept for ever. At least GATEWAY_MIRROR_SINCE.
    #[arg(long, env = "GATEWAY_MIRROR_RETENTION", value_parser = parse_duration)]
    pub mirror_retention: Option<Duration>,

    /// Once caught up, how often the mirror asks the cloud for new events (the mirror's lag).
    #[arg(long, env = "GATEWAY_MIRROR_POLL_EVERY", default_value = "30s", value_parser = parse_duration)]
    pub mirror_poll_every: Duration,

    /// How often the unsettled tail (the last GATEWAY_SETTLE_AFTER) is read again for late events.
    #[arg(long, env = "GATEWAY_MIRROR_TAIL_EVERY", default_value = "5m", value_parser = parse_duration)]
    pub mirror_tail_every: Duration,

    /// How often settled days not yet verified are compared with the cloud's /totals/types.
    #[arg(long, env = "GATEWAY_MIRROR_VERIFY_EVERY", default_value = "1h", value_parser = parse_duration)]
    pub mirror_verify_every: Duration,
}

/// Where the first sync starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// This long before the moment the mirror starts.
    Ago(Duration),
    /// A fixed instant.
    At(DateTime<Utc>),
}

impl Since {
    /// The instant this names, seen at `now`.
    pub fn start(self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Since::Ago(ago) => chrono::Duration::from_std(ago)
                .ok()
                .and_then(|ago| now.checked_sub_signed(ago))
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
            Since::At(at) => at,
        }
    }

    /// Reads a duration (`30d`) or a date (`2026-01-01`, or an RFC 3339 date-time).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bad = |why: &str| {
            format!("GATEWAY_MIRROR_SINCE must be a duration such as 30d or a date such as 2026-01-01, not '{text}'{why}")
        };
        if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            let at = date.and_hms_opt(0, 0, 0).ok_or_else(|| bad(""))?.and_utc();
            return Ok(Since::At(at));
        }
        if let Ok(at) = DateTime::parse_from_rfc3339(text) {
            return Ok(Since::At(at.with_timezone(&Utc)));
        }
        let ago = parse_duration(text).map_err(|_| bad(""))?;
        if ago.is_zero() || ago > MAX_REACH {
            return Err(bad(" (a duration above 0 and at most 3650 days)"));
        }
        Ok(Since::Ago(ago))
    }
}

impl fmt::Display for Since {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Since::Ago(ago) => write!(f, "the last {}", humantime::format_duration(*ago)),
            Since::At(at) => f.write_str(&at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        }
    }
}

/// A `postgres://` URL: it may carry a password, so `Debug` and `Display` show it redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresUrl(String);

impl PostgresUrl {
    /// The URL itself, password included; only for connecting, never to print.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact_url(&self.0))
    }
}

impl fmt::Debug for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PostgresUrl({self})")
    }
}

/// Where the events are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// `mirror.sqlite3` in `GATEWAY_STATE_DIR` (the default).
    StateDir,
    /// A SQLite file elsewhere (`sqlite://PATH`).
    SqliteFile(PathBuf),
    /// A PostgreSQL database, which several gateways may share.
    Postgres(PostgresUrl),
}

impl StoreLocation {
    /// Reads `GATEWAY_MIRROR_URL` (`None`: unset).
    pub fn parse(url: Option<&str>) -> Result<Self, String> {
        let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(StoreLocation::StateDir);
        };
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("GATEWAY_MIRROR_URL must name a file after sqlite://".into());
            }
            return Ok(StoreLocation::SqliteFile(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            super::postgres::PgUrl::parse(url).map_err(|why| {
                format!(
                    "GATEWAY_MIRROR_URL must be a PostgreSQL URL; '{}' {why}",
                    redact_url(url)
                )
            })?;
            return Ok(StoreLocation::Postgres(PostgresUrl(url.to_owned())));
        }
        Err(format!(
            "GATEWAY_MIRROR_URL must be unset (a SQLite file in GATEWAY_STATE_DIR), sqlite://PATH or postgres://..., not '{}'",
            redact_url(url)
        ))
    }

    /// Whether several gateways may share this store (then one syncs at a time, under the group's lease).
    pub fn is_shared(&self) -> bool {
        matches!(self, StoreLocation::Postgres(_))
    }
}

/// The mirror's validated settings.
#[derive(Debug, Clone, PartialEq)]
pub struct MirrorSettings {
    /// Whether the mirror runs.
    pub enabled: bool,
    /// Where events are kept.
    pub store: StoreLocation,
    /// Where the first sync starts.
    pub since: Since,
    /// The most of the upstream rate the mirror uses.
    pub share: f64,
    /// Events older than this are dropped.
    pub retention: Option<Duration>,
    /// Once caught up, the time between two asks for new events.
    pub poll_every: Duration,
    /// The time between two re-reads of the unsettled tail.
    pub tail_every: Duration,
    /// The time between two verification rounds.
    pub verify_every: Duration,
}

impl Default for MirrorSettings {
    /// The defaults of the table in the README: on, SQLite in the state directory, 30 days, half the budget.
    fn default() -> Self {
        Self {
            enabled: true,
            store: StoreLocation::StateDir,
            since: Since::Ago(Duration::from_secs(30 * 86_400)),
            share: 0.5,
            retention: None,
            poll_every: Duration::from_secs(30),
            tail_every: Duration::from_secs(300),
            verify_every: Duration::from_secs(3600),
        }
    }
}

impl MirrorSettings {
    /// No mirror.
    pub fn off() -> Self {
        Self {
            enabled: false,
            ..Self::default()
        }
    }
}

impl MirrorArgs {
    /// Checks every value and names the setting at fault.
    pub fn validate(&self) -> Result<MirrorSettings, String> {
        let share = self.mirror_share;
        if !(share.is_finite() && share > 0.0 && share <= 1.0) {
            return Err(format!(
                "GATEWAY_MIRROR_SHARE must be a number above 0 and at most 1 (e.g. 0.5), not {share}"
            ));
        }
        let since = Since::parse(&self.mirror_since)?;
        let retention = self.mirror_retention.map(check_retention).transpose()?;
        if let (Since::Ago(ago), Some(keep)) = (since, retention) {
            if keep < ago {
                return Err(format!(
                    "GATEWAY_MIRROR_RETENTION must be at least GATEWAY_MIRROR_SINCE ({}), or the first sync would fetch events only to drop them, not {}",
                    humantime::format_duration(ago),
                    humantime::format_duration(keep)
                ));
            }
        }
        let positive = |name: &str, value| duration_in_range(name, value, Zero::Refused);
        Ok(MirrorSettings {
            enabled: self.mirror == Switch::On,
            store: StoreLocation::parse(self.mirror_url.as_ref().map(Secret::expose))?,
            since,
            share,
            retention,
            poll_every: positive("GATEWAY_MIRROR_POLL_EVERY", self.mirror_poll_every)?,
            tail_every: positive("GATEWAY_MIRROR_TAIL_EVERY", self.mirror_tail_every)?,
            verify_every: positive("GATEWAY_MIRROR_VERIFY_EVERY", self.mirror_verify_every)?,
        })
    }
}

fn check_retention(keep: Duration) -> Result<Duration, String> {
    if keep.is_zero() || keep > MAX_REACH {
        return Err(format!(
            "GATEWAY_MIRROR_RETENTION must be above 0 and at most 3650 days (e.g. 90d), not {}",
            humantime::format_duration(keep)
        ));
    }
    Ok(keep)
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
