//! `check`: one signed call to the cloud, to see whether key, secret and clock are accepted.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::settings::UpstreamArgs;
use crate::startup::install_crypto_provider;
use crate::upstream::nonce::{system_clock, FileNonceAllocator};
use crate::upstream::{Upstream, UpstreamClient, UpstreamRequest};

/// Clock skew beyond which `check` warns (nonces follow the clock, so a far-off clock is worth knowing).
const SKEW_WARNING_SECS: i64 = 300;

/// Calls `/locations` once with the configured key and reports, in words, what the cloud said.
pub async fn run(args: UpstreamArgs) -> Result<(), String> {
    install_crypto_provider();
    let settings = args.validate()?;
    let nonces = FileNonceAllocator::open(&settings.state_dir, &settings.api_key, system_clock())?;
    let base = format!(
        "{}{}",
        settings.base_url.origin, settings.base_url.base_path
    );
    let upstream = Upstream::new(settings, Arc::new(nonces));
    let client = UpstreamClient::new(upstream.clone());
    let answer = client
        .fetch(&UpstreamRequest {
            endpoint: "/locations",
            params: Vec::new(),
            caller: "check".into(),
            background: false,
        })
        .await
        .map_err(|e| format!("the cloud at {base} did not accept the call: {e}"))?;
    println!(
        "ok: {base} accepted key, signature and nonce {}",
        upstream.nonces().last()
    );
    if let Some(cloud) = answer
        .date
        .as_deref()
        .and_then(|d| DateTime::parse_from_rfc2822(d).ok())
    {
        let skew = (Utc::now() - cloud.with_timezone(&Utc)).num_seconds();
        if skew.abs() > SKEW_WARNING_SECS {
            println!("warning: this machine's clock is {skew}s off the cloud's; nonces follow the clock, so fix it (NTP)");
        } else {
            println!("ok: clock within {}s of the cloud's", skew.abs().max(1));
        }
    }
    Ok(())
}
