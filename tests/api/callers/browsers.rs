//! CORS: configured origins only, preflight answered before authentication, rate-limit fields readable.

use actix_web::http::Method;
use camlytics_gateway::callers::CallersSettings;

use super::{bearer, pairs, token_config};
use crate::helpers::{spawn_app_with, TestConfig};

const DASHBOARD: &str = "https://dash.example.com";

fn with_origins(mut config: TestConfig) -> TestConfig {
    config.callers = CallersSettings {
        cors_origins: vec![DASHBOARD.to_string()],
        ..config.callers
    };
    config
}

#[actix_web::test]
async fn a_preflight_from_an_allowed_origin_is_answered_without_a_token() {
    let app = spawn_app_with(with_origins(token_config("dash:tok-d", 100.0, 100))).await;
    let url = format!("{}/locations", app.api);
    let preflight = [
        ("origin", DASHBOARD),
        ("access-control-request-method", "GET"),
        ("access-control-request-headers", "authorization"),
    ];
    let answer = app.send(Method::OPTIONS, &url, &preflight).await;
    assert!(
        answer.status.is_success(),
        "{} {}",
        answer.status,
        answer.body
    );
    assert_eq!(
        answer.headers.get("access-control-allow-origin").unwrap(),
        DASHBOARD
    );
    let allowed = answer.headers.get("access-control-allow-headers").unwrap();
    assert!(allowed
        .to_str()
        .unwrap()
        .to_lowercase()
        .contains("authorization"));
}

#[actix_web::test]
async fn an_allowed_origin_can_read_the_answer_and_its_rate_limit_fields() {
    let app = spawn_app_with(with_origins(token_config("dash:tok-d", 100.0, 100))).await;
    let url = format!("{}/locations", app.api);
    let token = bearer("tok-d");
    let mut headers = pairs(&token);
    headers.push(("origin", DASHBOARD));
    let answer = app.get_url(&url, &headers).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.headers.get("access-control-allow-origin").unwrap(),
        DASHBOARD
    );
    let exposed = answer.headers.get("access-control-expose-headers").unwrap();
    let exposed = exposed.to_str().unwrap().to_lowercase();
    assert!(
        exposed.contains("ratelimit") && exposed.contains("retry-after"),
        "{exposed}"
    );
    let anonymous = app.get_url(&url, &[("origin", DASHBOARD)]).await;
    assert_eq!(anonymous.status, 401);
    assert!(
        anonymous
            .headers
            .contains_key("access-control-allow-origin"),
        "the page can read why it was refused"
    );
}

#[actix_web::test]
async fn other_origins_and_the_default_get_no_cors_answer() {
    let app = spawn_app_with(with_origins(TestConfig::default())).await;
    let url = format!("{}/locations", app.api);
    let other = app
        .get_url(&url, &[("origin", "https://evil.example.com")])
        .await;
    assert!(!other.headers.contains_key("access-control-allow-origin"));

    let closed = spawn_app_with(TestConfig::default()).await;
    let url = format!("{}/locations", closed.api);
    let preflight = [
        ("origin", DASHBOARD),
        ("access-control-request-method", "GET"),
    ];
    let answer = closed.send(Method::OPTIONS, &url, &preflight).await;
    assert!(!answer.headers.contains_key("access-control-allow-origin"));
}
