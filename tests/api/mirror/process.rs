//! The mirror in real gateway processes: `kill -9` mid-sync and a restart, and the `mirror` commands.

use std::path::Path;
use std::time::{Duration, Instant};

use camlytics_gateway::mirror::sqlite::{SqliteStore, FILE_NAME};

use super::{cloud_events_at, held_events, rollup_total};
use crate::helpers::{spawn_app, spawn_app_with, TestConfig, KEY, SECRET};
use crate::process::{run_binary_beside, GatewayProcess};

const MIRROR_ENV: [(&str, &str); 3] = [
    ("GATEWAY_MIRROR", "on"),
    ("GATEWAY_MIRROR_SINCE", "2025-01-01"),
    ("GATEWAY_MIRROR_POLL_EVERY", "1s"),
];

/// Events committed in the file so far, read beside the writer; 0 before the tables.
fn committed(path: &Path) -> i64 {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
    rusqlite::Connection::open_with_flags(path, flags)
        .and_then(|c| c.query_row("SELECT COUNT(*) FROM events", [], |row| row.get(0)))
        .unwrap_or(0)
}

/// Waits until `/v1/mirror` of the process says caught up with every event.
async fn until_caught_up(api: &str) {
    let origin = api.trim_end_matches("/service/api/v1");
    let client = awc::Client::default();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(mut answer) = client.get(format!("{origin}/v1/mirror")).send().await {
            let json: serde_json::Value = answer.json().await.unwrap_or_default();
            let result = &json["result"];
            if result["state"] == "caught_up" && result["events_held"] == 30_000 {
                return;
            }
            assert!(Instant::now() < deadline, "not caught up: {json}");
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn a_gateway_killed_mid_sync_resumes_with_nothing_lost_and_nothing_stored_twice() {
    let mut config = TestConfig::default();
    // Thirty pages of a tenth of a second each: time to see three and kill the gateway.
    config.simulator.latency = Duration::from_millis(100);
    let app = spawn_app_with(config).await;
    let state = tempfile::tempdir().unwrap();
    let file = state.path().join(FILE_NAME);
    let gateway = GatewayProcess::start(&app.cloud_url, state.path(), &MIRROR_ENV);
    let deadline = Instant::now() + Duration::from_secs(60);
    while committed(&file) < 3_000 {
        assert!(Instant::now() < deadline, "no three pages committed");
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }

    gateway.kill();
    let at_kill = committed(&file);
    let restarted = GatewayProcess::start(&app.cloud_url, state.path(), &MIRROR_ENV);
    until_caught_up(&restarted.api).await;

    assert!(at_kill < 30_000, "the sync ended before the kill");
    let store = SqliteStore::open_in(state.path()).await.unwrap();
    assert_eq!(rollup_total(&store).await, 30_000);
    assert_eq!(
        held_events(&store).await,
        cloud_events_at(&restarted.api).await
    );
    restarted.kill();
}

#[actix_web::test]
async fn mirror_sync_backfills_mirror_status_reports_it_and_a_state_dir_in_use_is_refused() {
    let app = spawn_app().await;
    let state = tempfile::tempdir().unwrap();
    let state_dir = state.path().display().to_string();
    let env = [
        ("CAMLYTICS_API_KEY", KEY),
        ("CAMLYTICS_API_SECRET", SECRET),
        ("CAMLYTICS_BASE_URL", app.cloud_url.as_str()),
        ("GATEWAY_STATE_DIR", state_dir.as_str()),
        ("GATEWAY_UPSTREAM_RPS", "1000"),
    ];

    let (code, synced) =
        run_binary_beside(&["mirror", "sync", "--since", "2025-01-01"], &env).await;
    let (status_code, status) = run_binary_beside(&["mirror", "status"], &env).await;
    let (_, json) = run_binary_beside(&["mirror", "status", "--json"], &env).await;
    let gateway = GatewayProcess::start(&app.cloud_url, state.path(), &[("GATEWAY_MIRROR", "off")]);
    let (refused_code, refused) =
        run_binary_beside(&["mirror", "sync", "--since", "2025-01-01"], &env).await;
    gateway.kill();

    assert_eq!(code, 0, "{synced}");
    assert!(synced.contains("30000 new events"), "{synced}");
    assert_eq!(status_code, 0, "{status}");
    assert!(status.contains("30000 held"), "{status}");
    assert!(
        status.contains("coverage:   2025-01-01T00:00:00Z to "),
        "{status}"
    );
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["events_held"], 30_000);
    assert_eq!(report["store"]["kind"], "sqlite");
    assert_eq!(refused_code, 2, "{refused}");
    assert!(
        refused.contains("another gateway process holds"),
        "{refused}"
    );
}
