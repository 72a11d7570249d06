//! Two gateways of a group sharing one PostgreSQL store: exactly one syncs (under the group's Redis lease),
//! the other stands by and answers from the same store; when the syncing one dies, the other takes over.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::contract::Place;
use crate::group::redis_server::TestRedis;
use crate::helpers::spawn_app;
use crate::process::GatewayProcess;

async fn report(client: &awc::Client, gateway: &GatewayProcess) -> Value {
    let origin = gateway.api.trim_end_matches("/service/api/v1");
    match client.get(format!("{origin}/v1/mirror")).send().await {
        Ok(mut answer) => answer.json::<Value>().await.unwrap_or_default()["result"].clone(),
        Err(_) => Value::Null,
    }
}

/// Waits until `done` holds for the two reports, or panics with them after `within`.
async fn until(
    client: &awc::Client,
    gateways: [&GatewayProcess; 2],
    within: Duration,
    done: impl Fn(&Value, &Value) -> bool,
) -> (Value, Value) {
    let deadline = Instant::now() + within;
    loop {
        let (a, b) = (
            report(client, gateways[0]).await,
            report(client, gateways[1]).await,
        );
        if done(&a, &b) {
            return (a, b);
        }
        assert!(
            Instant::now() < deadline,
            "not there in {within:?}:\n{a}\n{b}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn one_gateway_of_a_group_syncs_a_shared_store_and_another_takes_over_when_it_dies() {
    let app = spawn_app().await;
    let redis = TestRedis::start();
    let place = Place::postgres().await;
    let Place::Postgres { database, .. } = &place else {
        unreachable!()
    };
    let (redis_url, store_url) = (
        redis.url(),
        format!("postgres://postgres@127.0.0.1:5432/{database}"),
    );
    let env = [
        ("GATEWAY_REDIS_URL", redis_url.as_str()),
        ("GATEWAY_MIRROR", "on"),
        ("GATEWAY_MIRROR_URL", store_url.as_str()),
        ("GATEWAY_MIRROR_SINCE", "2025-01-01"),
        ("GATEWAY_MIRROR_POLL_EVERY", "1s"),
    ];
    let gateways = [
        GatewayProcess::start_fresh(&app.cloud_url, &env),
        GatewayProcess::start_fresh(&app.cloud_url, &env),
    ];
    let client = awc::Client::default();
    let caught_up = |r: &Value| r["state"] == "caught_up" && r["events_held"] == 30_000;
    // The standby also follows the coverage the syncing gateway writes.
    let standing_by = |r: &Value| {
        r["state"] == "standby"
            && r["events_held"] == 30_000
            && r["coverage"]["range"]["from"].is_string()
    };

    let (a, b) = until(
        &client,
        [&gateways[0], &gateways[1]],
        Duration::from_secs(90),
        |a, b| (caught_up(a) && standing_by(b)) || (standing_by(a) && caught_up(b)),
    )
    .await;
    assert_eq!(a["store"]["kind"], "postgres");
    assert!(
        b["coverage"]["range"]["from"].is_string(),
        "the standby reads the coverage: {b}"
    );
    let syncing = usize::from(!caught_up(&a));
    let [first, second] = gateways;
    let (dead, survivor) = if syncing == 0 {
        (first, second)
    } else {
        (second, first)
    };
    dead.kill();

    // The lease lasts 30 s without renewal.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = report(&client, &survivor).await;
        if caught_up(&r) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the survivor never took over: {r}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(250)).await;
    }
    survivor.kill();
    drop(redis);
    place.remove().await;
}
