//! The commands a user runs: `demo` (the README's first line) and `check`.

use crate::helpers::{spawn_app, KEY, SECRET};
use crate::process::{run_binary_beside, GatewayProcess};

#[actix_web::test]
async fn the_demo_serves_the_api_with_no_credentials() {
    let demo = GatewayProcess::spawn(&["demo"], &[]);
    let client = awc::Client::default();
    let mut response = client
        .get(format!("{}/locations", demo.api))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], 0);
    assert!(!body["result"].as_array().unwrap().is_empty());
}

#[actix_web::test]
async fn check_says_when_key_and_secret_are_accepted_and_when_not() {
    let app = spawn_app().await;
    let state = tempfile::tempdir().unwrap();
    let state = state.path().display().to_string();
    let env = |secret: &'static str| {
        vec![
            ("CAMLYTICS_API_KEY", KEY),
            ("CAMLYTICS_API_SECRET", secret),
            ("CAMLYTICS_BASE_URL", app.cloud_url.as_str()),
            ("GATEWAY_STATE_DIR", state.as_str()),
        ]
    };
    let (code, text) = run_binary_beside(&["check"], &env(SECRET)).await;
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(&format!(
            "ok: {} accepted key, signature and nonce",
            app.cloud_url
        )),
        "{text}"
    );

    let (code, text) = run_binary_beside(&["check"], &env("wrong-secret")).await;
    assert_ne!(code, 0);
    assert!(text.contains("refused the gateway's credentials"), "{text}");
    assert!(!text.contains("wrong-secret"));
}
