//! `serve`: the gateway.

use crate::settings::ServeArgs;
use crate::startup::Application;

/// Validates the settings and serves until SIGINT or SIGTERM.
pub async fn run(args: ServeArgs) -> Result<(), String> {
    let settings = args.validate()?;
    log::info!(
        "gateway for key {} -> {}{} at {} calls/s; nonce state in {}",
        settings.upstream.api_key,
        settings.upstream.base_url.origin,
        settings.upstream.base_url.base_path,
        settings.upstream.upstream_rps,
        settings.upstream.state_dir.display()
    );
    let listen = settings.listen;
    let app = Application::build(settings)?;
    log::info!(
        "listening on http://{}:{}/service/api/v1",
        listen.ip(),
        app.port()
    );
    app.run_until_stopped().await.map_err(|e| e.to_string())
}
