//! Tokens rotate without a restart: the real binary reads GATEWAY_TOKENS_FILE again when the file is swapped
//! (as Kubernetes and Docker rotate secrets) and on SIGHUP, and keeps its tokens when the new file is bad.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::{bearer, pairs};
use crate::helpers::{spawn_app, TestApp};
use crate::process::GatewayProcess;

/// Longer than two looks at the file's metadata (every 2 s) on a busy machine.
const NOTICED_WITHIN: Duration = Duration::from_secs(8);

/// A simulated cloud, a tokens file holding `content`, and the binary reading it.
async fn gateway_with_file(content: &str) -> (TestApp, GatewayProcess, PathBuf, TempDir) {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens");
    std::fs::write(&path, content).unwrap();
    let file = path.display().to_string();
    let gateway = GatewayProcess::start_fresh(
        &app.cloud_url,
        &[("GATEWAY_TOKENS_FILE", file.as_str()), ("RUST_LOG", "info")],
    );
    (app, gateway, path, dir)
}

/// Writes a temporary file and renames it over `path`: what secret volumes do.
fn swap_in(path: &Path, content: &str) {
    let temp = path.with_extension("next");
    std::fs::write(&temp, content).unwrap();
    std::fs::rename(&temp, path).unwrap();
}

async fn status(app: &TestApp, gateway: &GatewayProcess, token: &str) -> u16 {
    let url = format!("{}/locations", gateway.api);
    let token = bearer(token);
    app.get_url(&url, &pairs(&token)).await.status.as_u16()
}

/// Asks with `token` until it gets `expected`, for at most `NOTICED_WITHIN`.
async fn eventually(app: &TestApp, gateway: &GatewayProcess, token: &str, expected: u16) -> bool {
    let deadline = Instant::now() + NOTICED_WITHIN;
    while Instant::now() < deadline {
        if status(app, gateway, token).await == expected {
            return true;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[actix_web::test]
async fn a_swapped_tokens_file_takes_effect_within_seconds_without_a_restart() {
    let (app, gateway, path, _dir) = gateway_with_file("alice:tok-alice\nbob:tok-bob\n").await;
    assert_eq!(status(&app, &gateway, "tok-bob").await, 200);

    swap_in(&path, "alice:tok-alice\ncarol:tok-carol\n");

    assert!(
        eventually(&app, &gateway, "tok-carol", 200).await,
        "{}",
        gateway.output()
    );
    assert_eq!(
        status(&app, &gateway, "tok-bob").await,
        401,
        "bob was removed"
    );
    assert_eq!(
        status(&app, &gateway, "tok-alice").await,
        200,
        "alice stays"
    );
    let logs = gateway.output();
    assert!(
        logs.contains("tokens read again (the file changed): 2 tokens"),
        "{logs}"
    );
    assert!(
        !logs.contains("tok-carol") && !logs.contains("tok-bob"),
        "{logs}"
    );
}

#[actix_web::test]
async fn sighup_reads_the_tokens_file_again_even_when_its_metadata_did_not_change() {
    let (app, gateway, path, _dir) = gateway_with_file("alice:tok-alice-1\n").await;
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    // Rewritten in place with the same size and time: the metadata check cannot see it, only SIGHUP can.
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    std::io::Write::write_all(&mut &file, b"alice:tok-alice-2\n").unwrap();
    file.set_modified(modified).unwrap();
    drop(file);

    gateway.signal("HUP");

    assert!(
        eventually(&app, &gateway, "tok-alice-2", 200).await,
        "{}",
        gateway.output()
    );
    assert_eq!(status(&app, &gateway, "tok-alice-1").await, 401);
    assert!(gateway
        .output()
        .contains("tokens read again (SIGHUP): 1 token"));
}

#[actix_web::test]
async fn an_invalid_new_tokens_file_keeps_the_old_tokens_and_the_log_names_the_line_not_the_token()
{
    let (app, gateway, path, _dir) = gateway_with_file("alice:tok-alice\n").await;

    swap_in(&path, "alice:tok-alice\ntok-secret-bob-forgot-his-name\n");

    let deadline = Instant::now() + NOTICED_WITHIN;
    while !gateway.output().contains("tokens not replaced") && Instant::now() < deadline {
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    let logs = gateway.output();
    assert!(logs.contains("line 2"), "{logs}");
    assert!(logs.contains("the previous ones stay in use"), "{logs}");
    assert!(
        !logs.contains("tok-secret-bob") && !logs.contains("tok-alice"),
        "{logs}"
    );
    assert_eq!(status(&app, &gateway, "tok-alice").await, 200);
}
