//! Callers: tokens and open mode, admin routes, per-caller limits, fair share upstream, browsers, request limits.

mod admin;
mod browsers;
mod defaults;
mod fairness;
mod limits;
mod metrics;
mod refusals;
mod requests;
mod rotation;
mod tokens;

use camlytics_gateway::callers::settings::CallerQuota;
use camlytics_gateway::callers::tokens::Tokens;
use camlytics_gateway::callers::CallersSettings;

use crate::helpers::TestConfig;

/// A test config in token mode with `entries` (`name:token[:admin]...`, comma-separated) and the given pace.
pub fn token_config(entries: &str, rps: f64, burst: u32) -> TestConfig {
    let mut tokens = Tokens::default();
    tokens.add_list(entries, ',', "test entry").unwrap();
    TestConfig {
        callers: CallersSettings {
            tokens: Some(tokens),
            quota: Some(CallerQuota { rps, burst }),
            ..TestConfig::default().callers
        },
        ..TestConfig::default()
    }
}

/// `Authorization: Bearer <token>`.
pub fn bearer(token: &str) -> [(&'static str, String); 1] {
    [("authorization", format!("Bearer {token}"))]
}

/// Headers as the `&[(&str, &str)]` the helpers take.
pub fn pairs<'a, const N: usize>(
    headers: &'a [(&'static str, String); N],
) -> Vec<(&'static str, &'a str)> {
    headers
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect()
}
