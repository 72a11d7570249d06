//! Graceful shutdown on SIGTERM and SIGINT alike.
//!
//! actix-server on its own stops gracefully on SIGTERM but abruptly on SIGINT (Ctrl-C), dropping requests
//! in flight. Handing the server this future instead makes both stop accepting and let in-flight requests
//! finish (bounded by the server's shutdown timeout). Nonces need no flush: each is durable before use.

/// Resolves on the first SIGTERM or SIGINT (Ctrl-C elsewhere than Unix).
pub async fn signal() {
    let name = received().await;
    log::info!(
        "{name} received; starting graceful shutdown: no new connections, in-flight requests may finish"
    );
}

#[cfg(unix)]
async fn received() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate = match signal(SignalKind::terminate()) {
        Ok(stream) => stream,
        Err(e) => {
            log::warn!("SIGTERM cannot be watched ({e}); only SIGINT stops the gateway gracefully");
            let _ = tokio::signal::ctrl_c().await;
            return "SIGINT";
        }
    };
    tokio::select! {
        _ = terminate.recv() => "SIGTERM",
        _ = tokio::signal::ctrl_c() => "SIGINT",
    }
}

#[cfg(not(unix))]
async fn received() -> &'static str {
    let _ = tokio::signal::ctrl_c().await;
    "Ctrl-C"
}
