//! The mirror's state as `GET /v1/mirror` and `mirror status` show it: coverage per location, lag, backlog,
//! events held, calls used, the last verification and its repairs, the store, and the sync's state.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::budget::CallsUsed;
use super::coverage::Coverage;
use super::open::StoreInfo;
use super::runner_state::{rfc3339_micros, LastError, RunnerSnapshot, SyncState};
use super::store::{EventStore, StoreError};
use super::sync::PAGE_LIMIT;
use super::verify_plan::{RepairRecord, RoundSummary, VerificationNote, NOTE_NAME as VERIFY_NOTE};

/// The mirror's state.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MirrorReport {
    /// `starting`, `syncing`, `caught_up`, `erroring`, `standby` (another gateway syncs the shared store),
    /// `off` or `stopped`.
    pub state: SyncState,
    /// Which store, and where (never a password); `null` when the mirror is off.
    pub store: Option<StoreInfo>,
    /// Events held.
    #[schema(example = 30000)]
    pub events_held: u64,
    /// Bytes the store takes on disk, where it can tell.
    pub bytes_on_disk: Option<u64>,
    /// The oldest `event_time` held.
    pub oldest_event: Option<String>,
    /// The newest `event_time` held.
    pub newest_event: Option<String>,
    /// Now minus the newest event held, in seconds.
    pub lag_seconds: Option<i64>,
    /// Where the forward sync resumes.
    pub cursor: Option<String>,
    /// What is left to sync.
    pub backlog: Backlog,
    /// What is held completely.
    pub coverage: CoverageReport,
    /// Calls to the cloud and the mirror's share of the budget.
    pub calls: CallsReport,
    /// The last verification round and the latest repairs.
    pub verification: VerificationReport,
    /// The last failure, while the sync fails.
    pub last_error: Option<LastError>,
    /// When the runner's state was taken (for `mirror status`, the runner's last note).
    pub as_of: String,
}

/// What is left to sync, estimated from the cursor.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Backlog {
    /// Now minus the cursor.
    pub seconds: Option<i64>,
    /// Events in that time at the rate of the events held (all held over their time range).
    pub events_estimate: Option<u64>,
    /// Seconds to sync them at the mirror's pace (1000 events a call), with no caller in the way.
    pub eta_seconds: Option<u64>,
}

/// A time range, both ends inclusive (RFC 3339).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Range {
    /// First instant.
    pub from: String,
    /// Last instant.
    pub to: String,
}

/// What is held completely, account-wide and per location.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct CoverageReport {
    /// From the first sync's start to the last catch-up; `null` before the first.
    pub range: Option<Range>,
    /// Each location of the `/locations` list (and any with a gap), with its gaps.
    pub locations: Vec<LocationCoverage>,
}

/// One location's coverage: the account's range less its gaps.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LocationCoverage {
    /// The location.
    #[schema(example = 101)]
    pub location_id: i64,
    /// Its name, from the list.
    pub name: Option<String>,
    /// Windows found incomplete by verification, awaiting repair.
    pub gaps: Vec<Range>,
}

/// Calls to the cloud and the mirror's share of the budget.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CallsReport {
    /// Calls in the last hour.
    pub last_hour: u64,
    /// Calls in the last day.
    pub last_day: u64,
    /// `GATEWAY_MIRROR_SHARE`.
    #[schema(example = 0.5)]
    pub share: f64,
    /// The most calls a second the mirror starts (share × `GATEWAY_UPSTREAM_RPS`).
    #[schema(example = 0.5)]
    pub calls_per_second: f64,
}

/// Verification's state.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct VerificationReport {
    /// The current or last round.
    pub round: Option<RoundSummary>,
    /// (day, location) checks on record.
    pub checks_on_record: usize,
    /// The latest repairs, oldest first.
    pub repairs: Vec<RepairRecord>,
}

/// What the report is made of besides the store.
#[derive(Debug, Clone)]
pub struct Facts {
    /// The runner's state.
    pub runner: RunnerSnapshot,
    /// The coverage.
    pub coverage: Coverage,
    /// The store.
    pub store: Option<StoreInfo>,
    /// `GATEWAY_MIRROR_SHARE`.
    pub share: f64,
    /// The mirror's pace in calls a second.
    pub calls_per_second: f64,
}

/// The report of a mirror that is off.
pub fn off(facts: Facts) -> MirrorReport {
    MirrorReport {
        state: SyncState::Off,
        store: None,
        events_held: 0,
        bytes_on_disk: None,
        oldest_event: None,
        newest_event: None,
        lag_seconds: None,
        cursor: None,
        backlog: Backlog::default(),
        coverage: CoverageReport::default(),
        calls: calls(facts.runner.calls, &facts),
        verification: VerificationReport::default(),
        last_error: None,
        as_of: facts.runner.taken_at,
    }
}

/// The report, reading `store` for what it holds; a store fault is the caller's 503.
pub async fn build(
    store: &dyn EventStore,
    facts: Facts,
    now: DateTime<Utc>,
) -> Result<MirrorReport, StoreError> {
    let stats = store.stats().await?;
    let cursor = store.cursor().await?;
    let verification = VerificationNote::read(store.note(VERIFY_NOTE).await?.as_deref());
    let now_micros = now.timestamp_micros();
    let seconds_since = |micros: i64| (now_micros - micros).div_euclid(1_000_000);
    let backlog_seconds = cursor.map(|c| seconds_since(c.since_micros).max(0));
    let rate = match (stats.oldest_micros, stats.newest_micros) {
        (Some(oldest), Some(newest)) if newest > oldest => {
            Some(stats.events as f64 / ((newest - oldest) as f64 / 1e6))
        }
        _ => None,
    };
    let events_estimate = backlog_seconds
        .zip(rate)
        .map(|(seconds, rate)| (seconds as f64 * rate).round() as u64);
    let eta_seconds = events_estimate.map(|events| {
        let calls = events.div_ceil(PAGE_LIMIT as u64);
        (calls as f64 / facts.calls_per_second.max(f64::MIN_POSITIVE)).ceil() as u64
    });
    Ok(MirrorReport {
        state: facts.runner.state,
        store: facts.store.clone(),
        events_held: stats.events,
        bytes_on_disk: stats.bytes_on_disk,
        oldest_event: stats.oldest_micros.map(rfc3339_micros),
        newest_event: stats.newest_micros.map(rfc3339_micros),
        lag_seconds: stats.newest_micros.map(seconds_since),
        cursor: cursor.map(|c| rfc3339_micros(c.since_micros)),
        backlog: Backlog {
            seconds: backlog_seconds,
            events_estimate,
            eta_seconds,
        },
        coverage: coverage(&facts),
        calls: calls(facts.runner.calls, &facts),
        verification: VerificationReport {
            round: verification.round,
            checks_on_record: verification.verified.len(),
            repairs: verification.repairs,
        },
        last_error: facts.runner.last_error.clone(),
        as_of: facts.runner.taken_at.clone(),
    })
}

fn calls(used: CallsUsed, facts: &Facts) -> CallsReport {
    CallsReport {
        last_hour: used.last_hour,
        last_day: used.last_day,
        share: facts.share,
        calls_per_second: facts.calls_per_second,
    }
}

fn coverage(facts: &Facts) -> CoverageReport {
    let range = |span: super::store::Span| Range {
        from: rfc3339_micros(span.from_micros),
        to: rfc3339_micros(span.to_micros),
    };
    let mut locations: Vec<LocationCoverage> = facts
        .runner
        .locations
        .iter()
        .map(|l| LocationCoverage {
            location_id: l.id,
            name: Some(l.name.clone()),
            gaps: Vec::new(),
        })
        .collect();
    for gap in &facts.coverage.gaps {
        let index = match locations
            .iter()
            .position(|l| l.location_id == gap.location_id)
        {
            Some(index) => index,
            None => {
                locations.push(LocationCoverage {
                    location_id: gap.location_id,
                    name: None,
                    gaps: Vec::new(),
                });
                locations.len() - 1
            }
        };
        locations[index].gaps.push(range(gap.span));
    }
    CoverageReport {
        range: facts.coverage.span.map(range),
        locations,
    }
}
