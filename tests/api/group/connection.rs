//! The group's connection: bounded calls, clean errors while Redis is down, and recovery when it returns.

use std::time::{Duration, Instant};

use camlytics_gateway::group::connection::GroupError;

use super::redis_server::TestRedis;

fn ping() -> redis::Cmd {
    redis::cmd("PING")
}

#[actix_web::test]
async fn a_call_to_redis_answers() {
    let redis = TestRedis::start();
    let connection = redis.connect(Duration::from_secs(2));

    let answer: String = connection.query("ping", &ping()).await.unwrap();

    assert_eq!(answer, "PONG");
}

#[actix_web::test]
async fn redis_down_is_a_clean_error_within_the_bound_not_a_hang() {
    let mut redis = TestRedis::start();
    let connection = redis.connect(Duration::from_millis(500));
    let _: String = connection.query("ping", &ping()).await.unwrap();
    redis.stop();

    let started = Instant::now();
    let answer: Result<String, GroupError> = connection.query("ping", &ping()).await;

    assert!(matches!(
        answer,
        Err(GroupError::Unavailable(_) | GroupError::Timeout(_))
    ));
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[actix_web::test]
async fn the_connection_resumes_by_itself_when_redis_returns() {
    let mut redis = TestRedis::start();
    let connection = redis.connect(Duration::from_millis(500));
    let _: String = connection.query("ping", &ping()).await.unwrap();
    redis.stop();
    let _: Result<String, _> = connection.query("ping", &ping()).await;

    redis.restart_empty();
    let answer = connection.query::<String>("ping", &ping()).await;

    assert_eq!(answer.unwrap(), "PONG");
}

#[actix_web::test]
async fn a_gateway_can_start_while_redis_is_down() {
    let mut redis = TestRedis::start();
    redis.stop();

    let connection = redis.connect(Duration::from_millis(300));
    let down: Result<String, _> = connection.query("ping", &ping()).await;
    redis.restart_empty();
    let up = connection.query::<String>("ping", &ping()).await;

    assert!(down.is_err());
    assert_eq!(up.unwrap(), "PONG");
}

#[actix_web::test]
async fn only_the_groups_own_script_refusals_are_refusals() {
    let redis = TestRedis::start();
    let connection = redis.connect(Duration::from_secs(2));
    let refuse = redis::Script::new("return redis.error_reply('GW_TEST refused on purpose')");
    let fail = redis::Script::new("return redis.error_reply('OOM pretend')");

    let refused = connection
        .invoke::<i64>("test", &refuse.prepare_invoke())
        .await;
    let failed = connection
        .invoke::<i64>("test", &fail.prepare_invoke())
        .await;

    assert_eq!(refused, Err(GroupError::Refused("GW_TEST".into())));
    assert!(matches!(failed, Err(GroupError::Unavailable(_))));
}
