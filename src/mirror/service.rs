//! The mirror as `serve` runs it: opened once in startup (the store, the coverage, the budget, the status
//! `/v1/mirror` reads), then its runner started beside the server and stopped with it.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web;

use super::budget::Budget;
use super::coverage::Coverage;
use super::failed_store::FailedStore;
use super::handle::Mirror;
use super::lease::SyncLease;
use super::open::{open_store, StoreInfo};
use super::paced::PacedFetch;
use super::route::MirrorStatus;
use super::runner::{Runner, RunnerConfig};
use super::runner_state::{RunnerState, SyncState};
use super::settings::MirrorSettings;
use crate::cache::ResponseCache;
use crate::upstream::UpstreamClient;

/// How long the runner may take to end its step when the gateway stops, before it is cut off (everything it
/// committed is durable either way).
const STOP_GRACE: Duration = Duration::from_secs(2);

/// An opened mirror, not yet running.
pub struct MirrorService {
    mirror: Arc<Mirror>,
    state: Arc<RunnerState>,
    budget: Arc<Budget>,
    lease: Option<Arc<dyn SyncLease>>,
    info: StoreInfo,
    settings: MirrorSettings,
}

impl MirrorService {
    /// Opens the store `settings` names (blocking: call it at start-up). A store that cannot be opened does
    /// not stop the gateway: it serves without the mirror's answers, and `/v1/mirror` says why (503).
    pub fn open(
        settings: &MirrorSettings,
        state_dir: &Path,
        upstream_rps: f64,
        lease: Option<Arc<dyn SyncLease>>,
    ) -> Self {
        let info = StoreInfo::of(&settings.store, state_dir);
        let store = open_store(&settings.store, state_dir).unwrap_or_else(|why| {
            log::error!("mirror: {why}; the gateway serves without it");
            Arc::new(FailedStore::new(why))
        });
        log::info!(
            "mirror: {} store at {}, events from {}, at most {:.3} calls/s ({} of the upstream rate){}",
            info.kind,
            info.location,
            settings.since,
            upstream_rps * settings.share,
            settings.share,
            if lease.is_some() {
                "; one gateway of the group syncs at a time"
            } else {
                ""
            }
        );
        Self {
            // The coverage note is read by the runner's first step: until then answers go to the cloud.
            mirror: Arc::new(Mirror::new(store, Coverage::default())),
            state: Arc::new(RunnerState::default()),
            budget: Arc::new(Budget::new(upstream_rps, settings.share)),
            lease,
            info,
            settings: settings.clone(),
        }
    }

    /// The mirror the answers read.
    pub fn mirror(&self) -> &Arc<Mirror> {
        &self.mirror
    }

    /// What `/v1/mirror` reads.
    pub fn status(&self) -> web::Data<MirrorStatus> {
        web::Data::new(MirrorStatus::running(
            self.mirror.clone(),
            self.state.clone(),
            self.budget.clone(),
            self.info.clone(),
            self.settings.share,
        ))
    }

    /// Starts the runner on this thread's arbiter (the client is this thread's), over `cache` for the
    /// locations list; `settle_after` is the cache's unsettled tail.
    pub fn start(
        self,
        client: web::Data<UpstreamClient>,
        cache: Arc<ResponseCache>,
        settle_after: Duration,
    ) -> RunningMirror {
        let runner = Runner {
            mirror: self.mirror.clone(),
            state: self.state.clone(),
            budget: self.budget.clone(),
            fetch: PacedFetch::new(client, self.budget.clone(), self.lease.clone()),
            lease: self.lease.clone(),
            cache: Some(cache),
            config: RunnerConfig {
                since: self.settings.since,
                settle_after,
                retention: self.settings.retention,
                poll_every: self.settings.poll_every,
                tail_every: self.settings.tail_every,
                verify_every: self.settings.verify_every,
            },
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = actix_web::rt::spawn(async move {
            tokio::select! {
                () = runner.run() => {}
                _ = stopped => {}
            }
            runner.state.set(SyncState::Stopped);
            runner.checkpoint().await;
            if let Some(lease) = &runner.lease {
                lease.release().await;
            }
        });
        RunningMirror { stop, task }
    }
}

/// A runner at work.
pub struct RunningMirror {
    stop: tokio::sync::oneshot::Sender<()>,
    task: actix_web::rt::task::JoinHandle<()>,
}

impl RunningMirror {
    /// Stops the runner: its step is dropped at its next wait (what it committed stays), its state noted,
    /// and the sync lease given back.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let abort = self.task.abort_handle();
        if tokio::time::timeout(STOP_GRACE, self.task).await.is_err() {
            abort.abort();
        }
    }
}
