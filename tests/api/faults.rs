//! Faults upstream get the right status: 502, 503 with Retry-After, 504; never a 500.

use std::time::Duration;

use camlytics_gateway::simulator::Fault;

use crate::helpers::{spawn_app, spawn_app_with, TestConfig};

#[actix_web::test]
async fn a_cloud_error_or_a_bad_answer_is_a_502() {
    let app = spawn_app().await;
    app.cloud.set_fault(Fault::ServerError);
    let answer = app.get("/locations").await;
    assert_eq!(answer.status, 502, "{}", answer.body);
    assert!(answer.json()["msg"]
        .as_str()
        .unwrap()
        .contains("the cloud failed"));
    app.cloud.set_fault(Fault::BadAnswer);
    let answer = app.get("/locations").await;
    assert_eq!(answer.status, 502, "{}", answer.body);
    assert!(answer.json()["msg"]
        .as_str()
        .unwrap()
        .contains("not its JSON envelope"));
}

#[actix_web::test]
async fn an_unreachable_cloud_is_a_502() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut app = spawn_app().await;
    app.cloud_url = format!("http://127.0.0.1:{port}/service/api/v1");
    app.restart_gateway().await;
    let answer = app.get("/locations").await;
    assert_eq!(answer.status, 502, "{}", answer.body);
    assert!(answer.json()["msg"]
        .as_str()
        .unwrap()
        .contains("cannot be reached"));
}

#[actix_web::test]
async fn a_slow_cloud_is_a_504() {
    let app = spawn_app_with(TestConfig {
        upstream_timeout: Duration::from_millis(300),
        ..TestConfig::default()
    })
    .await;
    app.cloud.set_fault(Fault::Slow(Duration::from_secs(2)));
    let answer = app.get("/locations").await;
    assert_eq!(answer.status, 504, "{}", answer.body);
    assert_eq!(answer.json()["code"], 504);
}

#[actix_web::test]
async fn a_cloud_that_stays_down_is_a_503_with_retry_after() {
    let app = spawn_app_with(TestConfig {
        max_wait: Duration::from_millis(1500),
        ..TestConfig::default()
    })
    .await;
    app.cloud.set_fault(Fault::Down);
    let answer = app.get("/locations").await;
    assert_eq!(answer.status, 503, "{}", answer.body);
    let retry_after: u64 = answer
        .headers
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
}

#[actix_web::test]
async fn throttling_is_waited_out_and_retried_with_a_fresh_signature() {
    let app = spawn_app().await;
    app.cloud.set_fault(Fault::Throttle {
        retry_after_secs: 1,
    });
    let healer = {
        let cloud = app.cloud.clone();
        actix_web::rt::spawn(async move {
            actix_web::rt::time::sleep(Duration::from_millis(300)).await;
            cloud.set_fault(Fault::None);
        })
    };
    let answer = app.get("/locations").await;
    healer.await.unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(app.cloud.accepted(), 1);
    assert!(app.cloud.requests() >= 2, "the throttled call was retried");
    // Each retry was signed afresh: every nonce the cloud saw is new.
    crate::helpers::assert_strictly_increasing(&app.cloud.accepted_nonces());
    assert_eq!(app.cloud.nonce_rejections(), 0);
}

#[actix_web::test]
async fn a_throttle_longer_than_the_callers_wait_is_a_503_with_the_clouds_retry_after() {
    let app = spawn_app_with(TestConfig {
        max_wait: Duration::from_secs(2),
        ..TestConfig::default()
    })
    .await;
    app.cloud.set_fault(Fault::Throttle {
        retry_after_secs: 30,
    });
    let answer = app.get("/locations").await;
    assert_eq!(answer.status, 503, "{}", answer.body);
    assert_eq!(answer.headers.get("retry-after").unwrap(), "30");
    assert_eq!(
        app.cloud.requests(),
        1,
        "no call while the cloud asked us to wait"
    );
}

#[actix_web::test]
async fn callers_beyond_what_the_lane_can_serve_in_time_are_shed_with_retry_after() {
    let app = spawn_app_with(TestConfig {
        upstream_rps: 2.0,
        max_wait: Duration::from_secs(1),
        ..TestConfig::default()
    })
    .await;
    let calls = (1..=8).map(|limit| {
        let app = &app;
        async move { app.get(&format!("/events?limit={limit}")).await }
    });
    let answers = futures_util::future::join_all(calls).await;
    let served = answers.iter().filter(|a| a.status == 200).count();
    let shed: Vec<_> = answers.iter().filter(|a| a.status == 503).collect();
    assert!(served >= 2, "served {served}");
    assert!(!shed.is_empty());
    assert_eq!(served + shed.len(), 8);
    for answer in shed {
        assert!(answer.headers.get("retry-after").is_some());
        assert!(answer.json()["msg"]
            .as_str()
            .unwrap()
            .contains("upstream lane is full"));
    }
}
