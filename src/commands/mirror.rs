//! `mirror status` (the mirror's state, read from its store) and `mirror sync` (a one-off backfill with a
//! progress bar, under the same lock rules on the state directory as `serve`).

use std::path::PathBuf;
use std::sync::Arc;

use actix_web::web;
use chrono::Utc;

use super::mirror_progress::ProgressStore;
use crate::mirror::budget::{Budget, CallsUsed};
use crate::mirror::coverage_note;
use crate::mirror::forward::{backfill_before, sync_forward};
use crate::mirror::handle::Mirror;
use crate::mirror::open::{open_store, sqlite_path, StoreInfo};
use crate::mirror::paced::PacedFetch;
use crate::mirror::report::{self, Facts, MirrorReport};
use crate::mirror::runner_state::{rfc3339, RunnerSnapshot, SyncState, NOTE_NAME as RUNNER_NOTE};
use crate::mirror::settings::{MirrorArgs, Since};
use crate::settings::{GroupArgs, UpstreamArgs};
use crate::startup::{install_crypto_provider, Backends};
use crate::upstream::{Upstream, UpstreamClient};

/// The `mirror` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum MirrorCommand {
    /// Print the mirror's state, read from its store (a gateway may keep syncing it meanwhile).
    Status(StatusArgs),
    /// Sync once, from --since (or the cursor) until caught up, with a progress bar; refused while a gateway
    /// holds the same state directory.
    Sync(Box<SyncArgs>),
}

/// Settings of `mirror status`.
#[derive(clap::Args, Debug)]
pub struct StatusArgs {
    /// The gateway's state directory (where the mirror's SQLite file is by default).
    #[arg(long, env = "GATEWAY_STATE_DIR", default_value = "state")]
    pub state_dir: PathBuf,
    /// Calls per second to the cloud, for the mirror's pace and ETA.
    #[arg(long, env = "GATEWAY_UPSTREAM_RPS", default_value = "1")]
    pub upstream_rps: f64,
    /// Print the JSON `GET /v1/mirror` answers instead of text.
    #[arg(long)]
    pub json: bool,
    /// The mirror's settings.
    #[command(flatten)]
    pub mirror: MirrorArgs,
}

/// Settings of `mirror sync`.
#[derive(clap::Args, Debug)]
pub struct SyncArgs {
    /// Where to start: a date (2026-01-01) or a duration back (90d); default GATEWAY_MIRROR_SINCE. Earlier
    /// than the store's first sync, the history before it is fetched too.
    #[arg(long)]
    pub since: Option<String>,
    /// The cloud, key and pace.
    #[command(flatten)]
    pub upstream: UpstreamArgs,
    /// The mirror's settings.
    #[command(flatten)]
    pub mirror: MirrorArgs,
    /// The group's Redis, when gateways share the key.
    #[command(flatten)]
    pub group: GroupArgs,
}

/// Runs a `mirror` subcommand.
pub async fn run(command: MirrorCommand) -> Result<(), String> {
    match command {
        MirrorCommand::Status(args) => status(args).await,
        MirrorCommand::Sync(args) => sync(*args).await,
    }
}

async fn status(args: StatusArgs) -> Result<(), String> {
    let settings = args.mirror.validate()?;
    if let Some(path) = sqlite_path(&settings.store, &args.state_dir) {
        if !path.exists() {
            return Err(format!(
                "no mirror at {}: it has never synced",
                path.display()
            ));
        }
    }
    let store = open_store(&settings.store, &args.state_dir)?;
    let fault = |e: crate::mirror::store::StoreError| format!("the mirror's store: {e}");
    let runner = store
        .note(RUNNER_NOTE)
        .await
        .map_err(fault)?
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_else(|| RunnerSnapshot {
            state: SyncState::Stopped,
            ..RunnerSnapshot::off()
        });
    let coverage = coverage_note::load(store.as_ref()).await.map_err(fault)?;
    let facts = Facts {
        runner,
        coverage,
        store: Some(StoreInfo::of(&settings.store, &args.state_dir)),
        share: settings.share,
        calls_per_second: args.upstream_rps * settings.share,
    };
    let report = report::build(store.as_ref(), facts, Utc::now())
        .await
        .map_err(fault)?;
    if args.json {
        let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        println!("{json}");
    } else {
        print!("{}", describe(&report));
    }
    Ok(())
}

/// The report in a few lines of text.
fn describe(report: &MirrorReport) -> String {
    let or_none = |value: &Option<String>| value.clone().unwrap_or_else(|| "none".into());
    let mut text = String::new();
    let store = report.store.as_ref();
    text += &format!(
        "store:      {} {}\n",
        store.map_or("", |s| s.kind),
        store.map_or("", |s| s.location.as_str())
    );
    text += &format!("state:      {:?} (as of {})\n", report.state, report.as_of);
    text += &format!(
        "events:     {} held, {} to {}\n",
        report.events_held,
        or_none(&report.oldest_event),
        or_none(&report.newest_event)
    );
    let range = report.coverage.range.as_ref();
    text += &format!(
        "coverage:   {}\n",
        range.map_or("none yet".into(), |r| format!("{} to {}", r.from, r.to))
    );
    for location in &report.coverage.locations {
        text += &format!(
            "  location {} {}: {} gaps\n",
            location.location_id,
            location.name.as_deref().unwrap_or(""),
            location.gaps.len()
        );
    }
    text += &format!(
        "lag:        {}\n",
        report
            .lag_seconds
            .map_or("none".into(), |s| format!("{s}s"))
    );
    text += &format!(
        "backlog:    {} events, ETA {}s\n",
        report.backlog.events_estimate.unwrap_or(0),
        report.backlog.eta_seconds.unwrap_or(0)
    );
    text += &format!(
        "calls:      {} last hour, {} last day (at most {:.3}/s, share {})\n",
        report.calls.last_hour,
        report.calls.last_day,
        report.calls.calls_per_second,
        report.calls.share
    );
    if let Some(round) = &report.verification.round {
        text += &format!(
            "verified:   round from {} ({}): {} checks, {} mismatches\n",
            round.started_at,
            round.finished_at.as_deref().unwrap_or("running"),
            round.checked,
            round.mismatches
        );
    }
    for repair in &report.verification.repairs {
        text += &format!(
            "  repaired {} location {}: {} written, {} removed ({})\n",
            repair.day, repair.location_id, repair.written, repair.removed, repair.at
        );
    }
    if let Some(error) = &report.last_error {
        text += &format!(
            "last error: {} ({} in a row)\n",
            error.message, error.failures
        );
    }
    text
}

async fn sync(args: SyncArgs) -> Result<(), String> {
    install_crypto_provider();
    let upstream_settings = args.upstream.validate()?;
    let mirror_settings = args.mirror.validate()?;
    let group = args.group.validate()?;
    let since = match &args.since {
        Some(text) => {
            Since::parse(text).map_err(|e| e.replace("GATEWAY_MIRROR_SINCE", "--since"))?
        }
        None => mirror_settings.since,
    };
    let now = Utc::now();
    let start = since.start(now);
    // The same lock on the state directory as `serve`: refused while a gateway runs on it.
    let settings_for_backends = crate::settings::Settings {
        listen: "127.0.0.1:0".parse().map_err(|e| format!("{e}"))?,
        upstream: upstream_settings.clone(),
        cache: Default::default(),
        callers: crate::callers::CallersSettings::open(),
        mirror: mirror_settings.clone(),
        live: Default::default(),
    };
    let backends = match &group {
        Some(group) => Backends::group(&settings_for_backends, group)?,
        None => Backends::single(&settings_for_backends)?,
    };
    let lease = match &backends.group {
        Some(link) if mirror_settings.store.is_shared() => {
            let lease = link.mirror_sync_lease();
            if !lease.hold().await? {
                return Err("another gateway of the group syncs the shared store now; try again later or watch mirror status".into());
            }
            Some(lease)
        }
        _ => None,
    };
    let store = open_store(&mirror_settings.store, &upstream_settings.state_dir)?;
    let coverage = coverage_note::load(store.as_ref())
        .await
        .map_err(|e| e.to_string())?;
    let cursor = store.cursor().await.map_err(|e| e.to_string())?;
    let from = cursor.map_or(start.timestamp_micros(), |c| {
        c.since_micros.min(start.timestamp_micros())
    });
    let progress = Arc::new(ProgressStore::new(
        store.clone(),
        from,
        now.timestamp_micros(),
    ));
    let bar = progress.bar();
    let mirror = Mirror::new(progress, coverage);
    let upstream = Upstream::with_lane(upstream_settings.clone(), backends.nonces, backends.lane);
    let budget = Arc::new(Budget::new(
        upstream_settings.upstream_rps,
        mirror_settings.share,
    ));
    let fetch = PacedFetch::new(
        web::Data::new(UpstreamClient::new(upstream)),
        budget.clone(),
        lease.clone(),
    );
    let outcome = async {
        let earlier = backfill_before(&fetch, &mirror, start).await?;
        let forward = sync_forward(&fetch, &mirror, start).await?;
        Ok::<_, crate::mirror::sync::SyncError>(earlier.new + forward.new)
    }
    .await;
    bar.finish();
    if let Some(lease) = lease {
        lease.release().await;
    }
    let new = outcome.map_err(|e| {
        format!("the sync stopped: {e} (what was committed stays; run it again to resume)")
    })?;
    let calls: CallsUsed = budget.used(Utc::now().timestamp());
    println!(
        "caught up at {}: {new} new events in {} calls",
        rfc3339(Utc::now()),
        calls.last_day
    );
    Ok(())
}
