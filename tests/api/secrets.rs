//! The secret never leaks: not in answers, logs, `--help` or Debug output.

use camlytics_gateway::simulator::Fault;

use crate::helpers::{gateway_settings, spawn_app, TestConfig, KEY, SECRET};
use crate::process::{run_binary, GatewayProcess};

#[actix_web::test]
async fn the_secret_appears_in_no_answer_and_no_log_line() {
    let app = spawn_app().await;
    let gateway = GatewayProcess::start_fresh(&app.cloud_url, &[("RUST_LOG", "trace")]);
    let mut bodies = String::new();
    for query in ["/locations", "/events?limit=x", "/nowhere"] {
        bodies.push_str(
            &app.get_url(&format!("{}{query}", gateway.api), &[])
                .await
                .body,
        );
    }
    app.cloud.set_fault(Fault::ServerError);
    bodies.push_str(
        &app.get_url(&format!("{}/channels", gateway.api), &[])
            .await
            .body,
    );
    let logs = gateway.kill();
    assert!(
        logs.contains("/service/api/v1/locations"),
        "logs were captured: {logs}"
    );
    assert!(!bodies.contains(SECRET));
    assert!(!logs.contains(SECRET), "the secret leaked into the logs");
}

#[test]
fn help_does_not_show_the_secret_from_the_environment() {
    let (_, help) = run_binary(&["serve", "--help"], &[("CAMLYTICS_API_SECRET", SECRET)]);
    assert!(help.contains("CAMLYTICS_API_SECRET"));
    assert!(!help.contains(SECRET));
}

#[test]
fn a_bad_setting_is_reported_without_the_secret() {
    let (code, text) = run_binary(
        &["serve"],
        &[
            ("CAMLYTICS_API_KEY", KEY),
            ("CAMLYTICS_API_SECRET", SECRET),
            ("GATEWAY_UPSTREAM_RPS", "0"),
        ],
    );
    assert_ne!(code, 0);
    assert!(
        text.contains("GATEWAY_UPSTREAM_RPS must be a number above 0"),
        "{text}"
    );
    assert!(!text.contains(SECRET));
}

#[test]
fn debug_output_of_the_settings_redacts_the_secret() {
    let state = tempfile::tempdir().unwrap();
    let settings = gateway_settings(
        &TestConfig::default(),
        "http://127.0.0.1:1/service/api/v1",
        &state,
    );
    let debug = format!("{settings:?}");
    assert!(debug.contains("[REDACTED]"));
    assert!(!debug.contains(SECRET));
}
