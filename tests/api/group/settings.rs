//! The group's settings on the command line: the Redis URL, which may carry a password, is never printed.

use std::time::Duration;

use super::redis_server::TestRedis;
use crate::process::{run_binary, GatewayProcess};

const PASSWORD: &str = "rd-pw-Zq9-never-print";

#[test]
fn help_names_the_redis_settings_and_shows_no_url() {
    let url = format!("redis://app:{PASSWORD}@127.0.0.1:1/0");

    let (code, help) = run_binary(&["serve", "--help"], &[("GATEWAY_REDIS_URL", &url)]);

    assert_eq!(code, 0, "{help}");
    assert!(help.contains("--redis-url"), "{help}");
    assert!(help.contains("GATEWAY_REDIS_PREFIX"), "{help}");
    assert!(!help.contains(PASSWORD), "{help}");
}

#[actix_web::test]
async fn a_gateway_in_a_group_never_logs_the_redis_password() {
    let redis = TestRedis::start();
    // A password the test Redis does not expect: every call fails and is logged, which is what is looked at.
    let url = redis
        .url()
        .replace("redis://", &format!("redis://app:{PASSWORD}@"));
    let gateway = GatewayProcess::start_fresh(
        "http://127.0.0.1:9/service/api/v1",
        &[("GATEWAY_REDIS_URL", &url), ("RUST_LOG", "debug")],
    );
    let events = format!("{}/events?limit=1", gateway.api);
    let refused = awc::Client::new()
        .get(&events)
        .send()
        .await
        .map(|r| r.status());
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;

    let output = gateway.kill();

    assert_eq!(refused.ok().map(|s| s.as_u16()), Some(503), "{output}");
    assert!(output.contains("coordination"), "{output}");
    assert!(!output.contains(PASSWORD), "{output}");
}
