//! `serve`: the gateway.

use crate::settings::ServeArgs;
use crate::startup::{Application, Backends};

/// Validates the settings and serves until SIGINT or SIGTERM.
pub async fn run(args: ServeArgs) -> Result<(), String> {
    let settings = args.validate()?;
    let group = args.group.validate()?;
    log::info!(
        "gateway for key {} -> {}{} at {} calls/s; nonce state in {}",
        settings.upstream.api_key,
        settings.upstream.base_url.origin,
        settings.upstream.base_url.base_path,
        settings.upstream.upstream_rps,
        settings.upstream.state_dir.display()
    );
    let backends = match &group {
        // The URL is not logged: it may carry a password.
        Some(group) => {
            log::info!(
                "in a group of gateways on this key, coordinated through Redis (GATEWAY_REDIS_URL) under prefix {}; {} calls/s for the whole group",
                group.prefix,
                settings.upstream.upstream_rps
            );
            Backends::group(&settings, group)?
        }
        None => Backends::single(&settings)?,
    };
    let listen = settings.listen;
    let app = Application::build_with(settings, backends)?;
    log::info!(
        "listening on http://{}:{}/service/api/v1",
        listen.ip(),
        app.port()
    );
    app.run_until_stopped().await.map_err(|e| e.to_string())
}
