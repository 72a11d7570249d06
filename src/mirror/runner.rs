//! The runner: the task `serve` starts beside the server, which keeps the mirror in step with the cloud.
//!
//! Each step: hold the sync lease when the store is shared (else stand by, reading the coverage others
//! write); sync forward from the cursor (or `GATEWAY_MIRROR_SINCE`) until a short page, then move the
//! coverage's end to the instant that walk started; every `GATEWAY_MIRROR_TAIL_EVERY`, re-read the unsettled
//! tail for late events; every `GATEWAY_MIRROR_VERIFY_EVERY`, start a verification round (a few checks per
//! step, so the sync never waits long behind it) and apply retention. Failures are logged in summary and
//! retried with back-off; the runner never ends by itself and never holds a caller up.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::time::Instant;

use super::budget::{Budget, Purpose};
use super::coverage::Coverage;
use super::coverage_note;
use super::forward::sync_forward;
use super::handle::Mirror;
use super::lease::SyncLease;
use super::locations::known_locations;
use super::paced::PacedFetch;
use super::runner_state::{rfc3339, RunnerState, SyncState, NOTE_NAME as RUNNER_NOTE};
use super::settings::Since;
use super::sync::SyncError;
use super::tail::resync_tail;
use super::verify::{check_day, Verdict};
use super::verify_plan::{RoundSummary, VerificationNote, NOTE_NAME as VERIFY_NOTE};
use crate::cache::ResponseCache;
use crate::error::GatewayError;
use crate::upstream::Fetch;

/// Verification checks made per step, between two forward polls.
const CHECKS_PER_STEP: usize = 24;
/// The longest back-off after failures.
const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// How often the runner's state is written to its note while it runs.
pub const CHECKPOINT_EVERY: Duration = Duration::from_secs(15);

/// When and how far the runner works.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// Where the first sync starts.
    pub since: Since,
    /// The unsettled tail (`GATEWAY_SETTLE_AFTER`).
    pub settle_after: Duration,
    /// Events older than this are dropped.
    pub retention: Option<Duration>,
    /// Once caught up, the time between two forward polls.
    pub poll_every: Duration,
    /// The time between two tail re-reads.
    pub tail_every: Duration,
    /// The time between two verification rounds.
    pub verify_every: Duration,
}

/// The runner of one mirror over the gateway's fetch `F`.
pub struct Runner<F> {
    /// The store and coverage.
    pub mirror: Arc<Mirror>,
    /// What the runner is doing, shared with `/v1/mirror`.
    pub state: Arc<RunnerState>,
    /// The mirror's pace and count.
    pub budget: Arc<Budget>,
    /// The way to the cloud, paced.
    pub fetch: PacedFetch<F>,
    /// The sync lease, when the store is shared by a group.
    pub lease: Option<Arc<dyn SyncLease>>,
    /// The cache the locations list comes from.
    pub cache: Option<Arc<ResponseCache>>,
    /// When and how far.
    pub config: RunnerConfig,
}

/// What the steps remember between them.
#[derive(Default)]
struct Timers {
    coverage_loaded: bool,
    last_tail: Option<Instant>,
    last_round: Option<Instant>,
    round_open: bool,
}

impl<F: Fetch + Clone + 'static> Runner<F> {
    /// Runs until the future is dropped (the gateway stops).
    pub async fn run(&self) {
        tokio::select! {
            () = self.work() => {}
            () = self.checkpoints() => {}
        }
    }

    async fn work(&self) {
        let mut timers = Timers::default();
        loop {
            let failing = self.state.last_error();
            let wait = match self.step(&mut timers).await {
                Ok(wait) => {
                    if let Some(error) = failing {
                        log::info!(
                            "mirror: working again after {} failed attempts",
                            error.failures
                        );
                    }
                    if self.state.state() == SyncState::Erroring {
                        self.state.set(SyncState::Syncing);
                    }
                    wait
                }
                Err(error) => self.after_failure(&error),
            };
            self.checkpoint().await;
            tokio::time::sleep(wait).await;
        }
    }

    /// How long to wait after `error`, having logged it in summary.
    fn after_failure(&self, error: &SyncError) -> Duration {
        if let SyncError::Upstream(GatewayError::Unavailable { msg, retry_after }) = error {
            // Callers kept the lane busy, or the lease is another gateway's: not a failure.
            log::debug!("mirror: no turn now ({msg})");
            return (*retry_after).max(Duration::from_millis(100));
        }
        let failures = self.state.failed(error.to_string());
        if failures == 1 || failures.is_power_of_two() {
            log::warn!(
                "mirror: {error} ({failures} failed attempts in a row; retrying with back-off)"
            );
        }
        let doubling = 2u32.saturating_pow(failures.saturating_sub(1).min(16));
        Duration::from_secs(1)
            .saturating_mul(doubling)
            .min(MAX_BACKOFF)
    }

    /// One round of work; answers how long to rest before the next.
    async fn step(&self, timers: &mut Timers) -> Result<Duration, SyncError> {
        let store = self.mirror.store().clone();
        if let Some(lease) = &self.lease {
            let held = lease.hold().await.map_err(|why| {
                SyncError::Store(super::store::StoreError(format!("the sync lease: {why}")))
            })?;
            if !held {
                // Another gateway syncs the shared store: follow the coverage it writes.
                self.state.set(SyncState::Standby);
                self.mirror
                    .set_coverage(coverage_note::load(store.as_ref()).await?);
                if self.state.locations().is_empty() {
                    // From the cache (warmed at start); a miss would need the lease this gateway lacks.
                    if let Err(e) = self.read_locations().await {
                        log::debug!("mirror: no locations list on standby yet ({e})");
                    }
                }
                return Ok(self.config.poll_every);
            }
        }
        if !timers.coverage_loaded {
            self.mirror
                .set_coverage(coverage_note::load(store.as_ref()).await?);
            timers.coverage_loaded = true;
        }
        self.forward().await?;
        if timers
            .last_tail
            .is_none_or(|at| at.elapsed() >= self.config.tail_every)
        {
            let from = Utc::now()
                - chrono::Duration::from_std(self.config.settle_after).unwrap_or_default();
            resync_tail(
                &self.fetch.for_purpose(Purpose::Tail),
                store.as_ref(),
                from.timestamp_micros(),
            )
            .await?;
            timers.last_tail = Some(Instant::now());
        }
        if !timers.round_open
            && timers
                .last_round
                .is_none_or(|at| at.elapsed() >= self.config.verify_every)
        {
            self.apply_retention().await?;
            self.open_round().await?;
            timers.round_open = true;
            timers.last_round = Some(Instant::now());
        }
        if timers.round_open {
            let more = self.verify_some().await?;
            timers.round_open = more;
            if more {
                return Ok(Duration::ZERO);
            }
        }
        Ok(self.config.poll_every)
    }

    /// Syncs forward until caught up, then moves the coverage's end to where the walk began.
    async fn forward(&self) -> Result<(), SyncError> {
        if self.state.state() != SyncState::CaughtUp {
            self.state.set(SyncState::Syncing);
        }
        let start = self.start(Utc::now());
        let sync = self.fetch.for_purpose(Purpose::Sync);
        let report = sync_forward(&sync, &self.mirror, start).await?;
        if report.pages > 1 {
            log::info!(
                "mirror: caught up after {} pages ({} new events)",
                report.pages,
                report.new
            );
        }
        self.state.set(SyncState::CaughtUp);
        Ok(())
    }

    /// The first sync's start: `GATEWAY_MIRROR_SINCE`, or later when retention would drop what is before.
    fn start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let since = self.config.since.start(now);
        match self.retention_cut(now) {
            Some(cut) => since.max(cut),
            None => since,
        }
    }

    fn retention_cut(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let keep = chrono::Duration::from_std(self.config.retention?).ok()?;
        now.checked_sub_signed(keep)
    }

    /// Drops events older than the retention and moves the coverage's start with them.
    async fn apply_retention(&self) -> Result<(), SyncError> {
        let Some(cut) = self.retention_cut(Utc::now()) else {
            return Ok(());
        };
        let store = self.mirror.store();
        let dropped = store.drop_before(cut.timestamp_micros()).await?;
        let mut coverage: Coverage = self.mirror.coverage();
        if let Some(span) = &mut coverage.span {
            if span.from_micros < cut.timestamp_micros() {
                span.from_micros = cut.timestamp_micros().min(span.to_micros);
                coverage
                    .gaps
                    .retain(|g| g.span.to_micros >= cut.timestamp_micros());
                coverage_note::save(&self.mirror, coverage).await?;
            }
        }
        let mut note = self.verification().await?;
        note.forget_before(cut.date_naive());
        self.save_verification(&note).await?;
        if dropped > 0 {
            log::info!(
                "mirror: retention dropped {dropped} events before {}",
                rfc3339(cut)
            );
        }
        Ok(())
    }

    async fn verification(&self) -> Result<VerificationNote, SyncError> {
        let json = self.mirror.store().note(VERIFY_NOTE).await?;
        Ok(VerificationNote::read(json.as_deref()))
    }

    async fn save_verification(&self, note: &VerificationNote) -> Result<(), SyncError> {
        let json = serde_json::to_string(note)
            .map_err(|e| SyncError::Page(format!("writing the verification note: {e}")))?;
        self.mirror.store().set_note(VERIFY_NOTE, &json).await?;
        Ok(())
    }

    async fn open_round(&self) -> Result<(), SyncError> {
        let mut note = self.verification().await?;
        note.round = Some(RoundSummary {
            started_at: rfc3339(Utc::now()),
            finished_at: None,
            checked: 0,
            mismatches: 0,
        });
        self.save_verification(&note).await
    }

    /// Makes up to [`CHECKS_PER_STEP`] due checks; answers whether more are due.
    async fn verify_some(&self) -> Result<bool, SyncError> {
        let Some(covered) = self.mirror.coverage().span else {
            return Ok(false);
        };
        let ids = self.read_locations().await?;
        let mut note = self.verification().await?;
        let settle = chrono::Duration::from_std(self.config.settle_after).unwrap_or_default();
        let due = note.due(covered, &ids, settle, Utc::now());
        let (verify, repair) = (
            self.fetch.for_purpose(Purpose::Verify),
            self.fetch.for_purpose(Purpose::Repair),
        );
        for &(day, location) in due.iter().take(CHECKS_PER_STEP) {
            let verdict = check_day(&verify, &repair, &self.mirror, day, location).await?;
            let mismatch = matches!(verdict, Verdict::Repaired(_));
            note.checked(day, location, Utc::now().timestamp(), mismatch);
            if let Verdict::Repaired(record) = verdict {
                log::info!(
                    "mirror: repaired {} of location {}: {} events written, {} removed",
                    record.day,
                    record.location_id,
                    record.written,
                    record.removed
                );
                note.repaired(record);
            }
            self.save_verification(&note).await?;
        }
        let more = due.len() > CHECKS_PER_STEP;
        if !more {
            if let Some(round) = &mut note.round {
                round.finished_at = Some(rfc3339(Utc::now()));
            }
            self.save_verification(&note).await?;
        }
        Ok(more)
    }

    /// Reads the locations list (from the cache when it holds it) for verification and `/v1/mirror`.
    async fn read_locations(&self) -> Result<Vec<i64>, SyncError> {
        let locations = known_locations(
            self.cache.as_ref(),
            &self.fetch.for_purpose(Purpose::Dimensions),
        )
        .await?;
        let ids = locations.iter().map(|l| l.id).collect();
        self.state.set_locations(locations);
        Ok(ids)
    }

    /// Writes the runner's state to its note every [`CHECKPOINT_EVERY`], for `mirror status`.
    async fn checkpoints(&self) {
        loop {
            tokio::time::sleep(CHECKPOINT_EVERY).await;
            self.checkpoint().await;
        }
    }

    /// Writes the runner's state to its note now; a store fault is the work's to report, not this.
    pub async fn checkpoint(&self) {
        let now = Utc::now();
        let snapshot = self.state.snapshot(self.budget.used(now.timestamp()), now);
        if let Ok(json) = serde_json::to_string(&snapshot) {
            let _ = self.mirror.store().set_note(RUNNER_NOTE, &json).await;
        }
    }
}
