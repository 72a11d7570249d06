//! The OpenAPI document's error examples are what the gateway really answers: each status is provoked for real
//! on `/events` and its body compared with the committed document's example for that status on that route.

use std::time::Duration;

use camlytics_gateway::api::BASE_PATH;
use camlytics_gateway::secret::Secret;
use camlytics_gateway::simulator::Fault;
use serde_json::Value;

use crate::callers::token_config;
use crate::helpers::{spawn_app, spawn_app_with, Answer, TestConfig};

const ROUTE: &str = "/events";

fn committed() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");
    let text = std::fs::read_to_string(path).expect("openapi.json is committed");
    serde_json::from_str(&text).expect("openapi.json is JSON")
}

/// The committed document's example body for `status` on `/events`.
fn documented(status: u16) -> Value {
    committed()["paths"][format!("{BASE_PATH}{ROUTE}")]["get"]["responses"][status.to_string()]
        ["content"]["application/json"]["example"]
        .clone()
}

/// A message with each number (`2048`, `0.5`) made `#`: what stays is the message's shape.
fn shape(message: &str) -> String {
    let mut shaped = String::new();
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        if !c.is_ascii_digit() {
            shaped.push(c);
            continue;
        }
        while let Some(&next) = chars.peek() {
            let mut ahead = chars.clone();
            ahead.next();
            let decimal = next == '.' && ahead.peek().is_some_and(char::is_ascii_digit);
            if !(next.is_ascii_digit() || decimal) {
                break;
            }
            chars.next();
        }
        shaped.push('#');
    }
    shaped
}

/// Asserts the real answer has `status` and the documented body: the same, or the same shape when numbers
/// (sizes, rates, durations) depend on the settings.
fn assert_documented(answer: &Answer, status: u16, exact: bool) {
    assert_eq!(answer.status.as_u16(), status, "{}", answer.body);
    let (real, example) = (answer.json(), documented(status));
    assert_eq!(
        example["code"], status,
        "the document has no {status} example"
    );
    assert_eq!(real["code"], example["code"]);
    assert_eq!(real["result"], example["result"]);
    let (real, example) = (real["msg"].as_str(), example["msg"].as_str());
    let (real, example) = (real.unwrap_or_default(), example.unwrap_or_default());
    if exact {
        assert_eq!(real, example, "{status}");
    } else {
        assert_eq!(shape(real), shape(example), "{status}");
    }
}

#[actix_web::test]
async fn the_documented_400_413_414_and_431_are_the_real_refusals_of_bad_requests() {
    let app = spawn_app().await;

    let bad_limit = app.get(&format!("{ROUTE}?limit=5000")).await;
    let padding = "x".repeat(3000 - "location_id=1&pad=".len());
    let long_query = app
        .get(&format!("{ROUTE}?location_id=1&pad={padding}"))
        .await;
    let big_header = "y".repeat(9000);
    let big_headers = app
        .get_url(
            &format!("{}{ROUTE}", app.api),
            &[("x-pad", big_header.as_str())],
        )
        .await;

    assert_documented(&bad_limit, 400, true);
    let schema_example = &committed()["components"]["schemas"]["ErrorBody"]["properties"]["msg"];
    assert_eq!(schema_example["example"], bad_limit.json()["msg"]);
    assert_documented(&long_query, 414, true);
    assert_documented(&big_headers, 431, false);
    let mut with_body = awc::Client::default()
        .get(format!("{}{ROUTE}", app.api))
        .send_body(vec![b'z'; 100_000])
        .await
        .expect("the gateway answers");
    let body = with_body.body().await.expect("a body");
    let big_body = Answer {
        status: with_body.status(),
        headers: with_body.headers().clone(),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    assert_documented(&big_body, 413, true);
}

#[actix_web::test]
async fn the_documented_401_and_429_are_the_real_refusals_of_callers() {
    let app = spawn_app_with(token_config("reports:rep-tok-1", 1.0, 1)).await;
    let url = format!("{}{ROUTE}", app.api);
    let token = [("authorization", "Bearer rep-tok-1")];

    let no_token = app.get_url(&url, &[]).await;
    app.get_url(&url, &token).await;
    let over_quota = app.get_url(&url, &token).await;

    assert_documented(&no_token, 401, true);
    assert_documented(&over_quota, 429, false);
}

#[actix_web::test]
async fn the_documented_502_is_the_real_answer_when_the_cloud_refuses_our_signature() {
    let mut config = TestConfig::default();
    config.simulator.secret = Secret::new("another-secret");
    let app = spawn_app_with(config).await;

    let refused = app.get(ROUTE).await;

    assert_documented(&refused, 502, false);
}

#[actix_web::test]
async fn the_documented_503_and_504_are_the_real_answers_of_a_full_lane_and_a_slow_cloud() {
    let app = spawn_app_with(TestConfig {
        max_wait: Duration::from_millis(200),
        upstream_timeout: Duration::from_millis(600),
        ..TestConfig::default()
    })
    .await;
    app.cloud.set_fault(Fault::Slow(Duration::from_secs(2)));

    let (slow, shed) = futures_util::future::join(app.get(&format!("{ROUTE}?limit=1")), async {
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        app.get(&format!("{ROUTE}?limit=2")).await
    })
    .await;

    // Whichever took the lane first timed out; the other found the lane full behind it.
    let (slow, shed) = if slow.status == 504 {
        (slow, shed)
    } else {
        (shed, slow)
    };
    assert_documented(&slow, 504, false);
    assert_documented(&shed, 503, false);
}

#[test]
fn the_shape_of_a_message_keeps_its_words_and_drops_its_numbers() {
    assert_eq!(
        shape("the query is 3000 bytes; at most 2048"),
        "the query is # bytes; at most #"
    );
    assert_eq!(shape("within (0.5s), not (10s)."), "within (#s), not (#s).");
    assert_ne!(shape("the lane is busy"), shape("the lane is full"));
}
