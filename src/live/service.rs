//! The live side as `serve` runs it: built once in startup (the intake log, the feed, the settings), handed
//! to the handlers as `web::Data<LiveService>`, and its retention upkeep started beside the server.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::failed_log::FailedLog;
use super::feed::LiveFeed;
use super::log::IntakeLog;
use super::settings::LiveSettings;
use super::sqlite_log::SqliteLog;

/// How often events older than the retention are dropped from the intake log.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// The intake log, the fan-out and the live settings, shared by every worker.
pub struct LiveService {
    log: Arc<dyn IntakeLog>,
    feed: LiveFeed,
    settings: LiveSettings,
}

impl LiveService {
    /// Opens `live.sqlite3` in `state_dir` (blocking: call it at start-up); every event the log accepts as
    /// new is published to the feed after its commit, in seq order. A log that cannot be opened does not stop
    /// the gateway: the intake answers 503 with why, and the rest serves.
    pub fn open(settings: &LiveSettings, state_dir: &Path) -> Self {
        let feed = LiveFeed::default();
        let log: Arc<dyn IntakeLog> = match SqliteLog::open_in(state_dir, Some(feed.clone())) {
            Ok(log) => Arc::new(log),
            Err(why) => {
                log::error!("live: {why}; the webhook intake answers 503");
                Arc::new(FailedLog::new(why.0))
            }
        };
        if let Some(tokens) = &settings.webhook_tokens {
            log::info!("live: webhook intake on for {}", tokens.names().join(", "));
        }
        Self::with_log(settings, log, feed)
    }

    /// Over a given log and feed (a test's); the log must publish its new events to `feed`.
    pub fn with_log(settings: &LiveSettings, log: Arc<dyn IntakeLog>, feed: LiveFeed) -> Self {
        Self {
            log,
            feed,
            settings: settings.clone(),
        }
    }

    /// The durable intake log.
    pub fn log(&self) -> &Arc<dyn IntakeLog> {
        &self.log
    }

    /// The fan-out of new events.
    pub fn feed(&self) -> &LiveFeed {
        &self.feed
    }

    /// The live settings.
    pub fn settings(&self) -> &LiveSettings {
        &self.settings
    }

    /// Starts dropping events older than the retention, now and every hour; the task ends when aborted.
    pub fn start_upkeep(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let service = Arc::clone(self);
        actix_web::rt::spawn(async move {
            let mut every = tokio::time::interval(PRUNE_EVERY);
            loop {
                every.tick().await;
                let keep = chrono::Duration::from_std(service.settings.retention)
                    .unwrap_or(chrono::Duration::MAX);
                let before = (chrono::Utc::now() - keep).timestamp_micros();
                match service.log.prune(before).await {
                    Ok(0) => {}
                    Ok(n) => log::info!("live: {n} events past the retention dropped"),
                    Err(e) => log::warn!("live: dropping old events: {e}"),
                }
            }
        })
    }
}
