//! Limits on requests themselves: query length, header size, slow clients.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use camlytics_gateway::callers::CallersSettings;

use crate::helpers::{spawn_app, spawn_app_with, TestConfig};

#[actix_web::test]
async fn a_query_longer_than_the_limit_is_a_414_with_the_envelope() {
    let app = spawn_app().await;
    let answer = app
        .get(&format!("/events?order={}", "a".repeat(3000)))
        .await;
    assert_eq!(answer.status, 414, "{}", answer.body);
    assert_eq!(answer.json()["code"], 414);
    assert!(answer.json()["msg"]
        .as_str()
        .unwrap()
        .contains("GATEWAY_MAX_QUERY_BYTES"));
    assert_eq!(app.cloud.requests(), 0);
}

#[actix_web::test]
async fn headers_larger_than_the_limit_are_a_431_with_the_envelope() {
    let app = spawn_app().await;
    let url = format!("{}/locations", app.api);
    let big = "x".repeat(9000);
    let answer = app.get_url(&url, &[("x-padding", &big)]).await;
    assert_eq!(answer.status, 431, "{}", answer.body);
    assert_eq!(answer.json()["code"], 431);
}

#[actix_web::test]
async fn a_client_that_sends_its_request_too_slowly_is_dropped() {
    let mut config = TestConfig::default();
    config.callers = CallersSettings {
        limits: camlytics_gateway::callers::settings::RequestLimits {
            client_timeout: Duration::from_millis(500),
            ..config.callers.limits
        },
        ..config.callers
    };
    let app = spawn_app_with(config).await;
    let address = app.origin().trim_start_matches("http://").to_string();
    let answer = actix_web::rt::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        // Half a request head, never finished.
        stream
            .write_all(b"GET /service/api/v1/locations HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
        let started = Instant::now();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        (
            started.elapsed(),
            String::from_utf8_lossy(&answer).into_owned(),
        )
    })
    .await
    .unwrap();
    let (waited, text) = answer;
    assert!(waited < Duration::from_secs(3), "held for {waited:?}");
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
}
