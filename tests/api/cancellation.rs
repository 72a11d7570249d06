//! Callers who hang up while their call is on its way to the cloud: the lane's order holds and the
//! answers still land in the cache.

use std::io::Write;
use std::time::{Duration, Instant};

use camlytics_gateway::simulator::SimulatorSettings;

use crate::helpers::{assert_strictly_increasing, spawn_app_with, TestApp, TestConfig};

/// Distinct totals queries, each its own cache entry and its own upstream call.
fn queries() -> Vec<String> {
    (101..=108)
        .map(|location| format!("/totals/types?location_id={location}"))
        .collect()
}

/// Writes a GET for `path_and_query`, waits `linger`, then resets the connection without reading.
async fn hang_up_after(app: &TestApp, path_and_query: &str, linger: Duration) {
    let address = app.origin().trim_start_matches("http://").to_string();
    let target = format!("{}{path_and_query}", camlytics_gateway::api::BASE_PATH);
    let mut stream = std::net::TcpStream::connect(address).expect("the gateway listens");
    write!(stream, "GET {target} HTTP/1.1\r\nHost: gateway\r\n\r\n").expect("the request is sent");
    actix_web::rt::time::sleep(linger).await;
    stream.set_nonblocking(true).expect("a socket option");
    let stream = actix_web::rt::net::TcpStream::from_std(stream).expect("a tokio stream");
    // A reset rather than a polite close: actix-web drops a handler whose connection is reset.
    stream.set_zero_linger().expect("a socket option");
}

async fn wait_until(mut done: impl FnMut() -> bool, within: Duration) {
    let until = Instant::now() + within;
    while !done() && Instant::now() < until {
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

#[actix_web::test]
async fn callers_who_hang_up_mid_call_keep_the_lane_ordered_and_their_answers_cached() {
    // Arrange: a cloud whose answers take 50 to 250 ms, more than the callers wait.
    let app = spawn_app_with(TestConfig {
        simulator: SimulatorSettings {
            latency: Duration::from_millis(50),
            latency_jitter: Duration::from_millis(200),
            ..TestConfig::default().simulator
        },
        ..TestConfig::default()
    })
    .await;
    let queries = queries();

    // Act: every caller sends its request and hangs up after 50 ms.
    let callers = queries
        .iter()
        .map(|query| hang_up_after(&app, query, Duration::from_millis(50)));
    futures_util::future::join_all(callers).await;
    let expected = queries.len() as u64;
    wait_until(|| app.cloud.accepted() >= expected, Duration::from_secs(20)).await;
    // The last answer needs a moment to reach the cache after the cloud counted it.
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;

    // Assert: one call at a time, in nonce order, none refused, all of them answered.
    assert_eq!(
        app.cloud.accepted(),
        expected,
        "every call reached the cloud"
    );
    assert_eq!(app.cloud.nonce_rejections(), 0);
    assert_eq!(
        app.cloud.max_concurrent(),
        1,
        "calls overlapped at the cloud"
    );
    assert_strictly_increasing(&app.cloud.accepted_nonces());
    let calls = app.cloud.requests();
    for query in &queries {
        let answer = app.get(query).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let status = answer
            .headers
            .get("cache-status")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(status.contains("hit"), "{query}: {status}");
    }
    assert_eq!(
        app.cloud.requests(),
        calls,
        "a cached answer went upstream again"
    );
}

#[actix_web::test]
async fn callers_who_hang_up_while_waiting_for_a_turn_cost_no_upstream_call() {
    // Arrange: one call a second, so callers queue behind one that stays.
    let app = spawn_app_with(TestConfig {
        upstream_rps: 1.0,
        ..TestConfig::default()
    })
    .await;
    let queries: Vec<String> = (2..=6)
        .map(|limit| format!("/events?location_id=101&limit={limit}"))
        .collect();
    let staying = async {
        let answer = app.get("/events?location_id=101&limit=1").await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    };

    // Act: five uncached event queries, sent once the first call holds the lane, each abandoned while it
    // waits its turn.
    let leaving = async {
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        let callers = queries
            .iter()
            .map(|query| hang_up_after(&app, query, Duration::from_millis(100)));
        futures_util::future::join_all(callers).await;
    };
    futures_util::join!(staying, leaving);
    actix_web::rt::time::sleep(Duration::from_secs(3)).await;

    // Assert: only the caller who stayed spent a turn.
    assert_eq!(app.cloud.requests_per_path("/service/api/v1/events"), 1);
}
