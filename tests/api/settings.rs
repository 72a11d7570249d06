//! Settings that make no sense stop the start with a message naming them, through the real binary, never a panic.

use crate::helpers::{KEY, SECRET};
use crate::process::run_binary;

/// Runs the binary and asserts it refused to start with `error: <name> must be ...` and no panic.
fn assert_refused(args: &[&str], env: &[(&str, &str)], name: &str) {
    let (code, text) = run_binary(args, env);
    assert_eq!(code, 2, "{args:?} {env:?}: {text}");
    assert!(
        text.contains(&format!("error: {name} must be")),
        "{args:?} {env:?}: {text}"
    );
    assert!(!text.contains("panicked"), "{text}");
}

#[test]
fn demo_with_no_upstream_rate_says_so_instead_of_panicking() {
    assert_refused(
        &["demo", "--upstream-rps", "0"],
        &[],
        "GATEWAY_UPSTREAM_RPS",
    );
}

#[test]
fn demo_and_simulate_refuse_simulator_settings_out_of_range() {
    assert_refused(
        &["demo", "--simulator-rps", "NaN"],
        &[],
        "GATEWAY_SIMULATOR_RPS",
    );
    assert_refused(
        &["demo"],
        &[("GATEWAY_CALLER_BURST", "0")],
        "GATEWAY_CALLER_BURST",
    );
    assert_refused(&["simulate", "--rps=-1"], &[], "GATEWAY_SIMULATOR_RPS");
    assert_refused(
        &["simulate", "--clock", "wall", "--events-per-day", "60000"],
        &[],
        "GATEWAY_SIMULATOR_EVENTS_PER_DAY",
    );
    assert_refused(
        &["demo", "--simulator-history", "10m"],
        &[],
        "GATEWAY_SIMULATOR_HISTORY",
    );
    assert_refused(
        &["simulate", "--latency", "1e30"],
        &[],
        "GATEWAY_SIMULATOR_LATENCY",
    );
}

#[test]
fn serve_refuses_durations_and_sizes_no_one_meant() {
    let credentials = [("CAMLYTICS_API_KEY", KEY), ("CAMLYTICS_API_SECRET", SECRET)];
    for (name, value) in [
        ("GATEWAY_MAX_WAIT", "1e30"),
        ("GATEWAY_UPSTREAM_RPS", "inf"),
        ("GATEWAY_TOTALS_TTL", "0"),
        ("GATEWAY_CACHE_MAX_BYTES", "100"),
        ("GATEWAY_KEEP_ALIVE", "2y"),
    ] {
        let mut env = credentials.to_vec();
        env.push((name, value));
        assert_refused(&["serve"], &env, name);
    }
}

#[test]
fn serve_refuses_mirror_settings_that_make_no_sense_by_their_names() {
    let credentials = [("CAMLYTICS_API_KEY", KEY), ("CAMLYTICS_API_SECRET", SECRET)];
    for (name, value) in [
        ("GATEWAY_MIRROR_SHARE", "1.5"),
        ("GATEWAY_MIRROR_SHARE", "0"),
        ("GATEWAY_MIRROR_SINCE", "last tuesday"),
        ("GATEWAY_MIRROR_RETENTION", "1d"),
        ("GATEWAY_MIRROR_URL", "mysql://gw:hunter2@db/x"),
        ("GATEWAY_MIRROR_VERIFY_EVERY", "0"),
    ] {
        let mut env = credentials.to_vec();
        env.push((name, value));
        assert_refused(&["serve"], &env, name);
        let (_, text) = run_binary(&["serve"], &env);
        assert!(!text.contains("hunter2"), "{text}");
    }
}
