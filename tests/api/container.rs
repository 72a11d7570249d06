//! The Dockerfile cannot be built here (no Docker engine), so these check what it promises against what is
//! true of the project: the same build command as CI, a non-root user, the state volume, and a healthcheck
//! through the binary's own `healthcheck` command (which `operations` tests against a live gateway).

const DOCKERFILE: &str = include_str!("../../Dockerfile");
const CI: &str = include_str!("../../.ci/run");
const BUILD: &str = "cargo build --release --locked --bin camlytics-gateway";

#[test]
fn the_image_builds_the_binary_with_the_command_ci_runs() {
    assert!(DOCKERFILE.contains(BUILD));
    assert!(
        CI.lines().any(|line| line.trim() == BUILD),
        "CI runs {BUILD}"
    );
    assert!(
        DOCKERFILE.contains("FROM rust:1-bookworm AS build"),
        "multi-stage"
    );
}

#[test]
fn the_image_runs_as_a_non_root_user_with_state_on_a_volume() {
    let user = DOCKERFILE
        .lines()
        .find_map(|line| line.strip_prefix("USER "))
        .expect("a USER line");
    assert_ne!(user.trim(), "root");
    assert_ne!(user.trim(), "0");
    assert!(DOCKERFILE.contains("GATEWAY_STATE_DIR=/var/lib/camlytics-gateway"));
    assert!(DOCKERFILE.contains("VOLUME [\"/var/lib/camlytics-gateway\"]"));
    assert!(DOCKERFILE.contains("chown gateway /var/lib/camlytics-gateway"));
    assert!(DOCKERFILE.contains("GATEWAY_LISTEN=0.0.0.0:8080"));
}

#[test]
fn the_healthcheck_uses_the_binary_not_curl() {
    let healthcheck = DOCKERFILE
        .split("HEALTHCHECK")
        .nth(1)
        .expect("a HEALTHCHECK");
    assert!(healthcheck.contains("CMD [\"camlytics-gateway\", \"healthcheck\"]"));
    let instructions = DOCKERFILE
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'));
    assert!(
        instructions.clone().all(|line| !line.contains("curl")),
        "no curl installed or used"
    );
}
