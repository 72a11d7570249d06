//! The refusals of the mirror's own routes, made here once so that the answers and the OpenAPI document's
//! examples say the same thing.

use std::time::Duration;

use super::coverage_text::{not_covered, nothing_held};
use crate::error::GatewayError;
use crate::mirror::coverage::Coverage;

/// `Retry-After` while the mirror is off: it comes on only with a restart, so callers should not hurry.
const OFF_RETRY_AFTER: Duration = Duration::from_secs(60);
/// `Retry-After` after a store fault: a busy or briefly unreadable file usually recovers within seconds.
const FAULT_RETRY_AFTER: Duration = Duration::from_secs(5);

/// The 503 of a route only the mirror answers, on a gateway without one.
pub fn mirror_off() -> GatewayError {
    GatewayError::Unavailable {
        msg:
            "the mirror is off on this gateway (GATEWAY_MIRROR=off), and only it answers this route"
                .into(),
        retry_after: OFF_RETRY_AFTER,
    }
}

/// The 503 of a route only the mirror answers, when its store cannot be read.
pub fn store_unreadable() -> GatewayError {
    GatewayError::Unavailable {
        msg: "the mirror's store cannot be read right now; try again shortly".into(),
        retry_after: FAULT_RETRY_AFTER,
    }
}

/// The 409 for `since..=until` of `location` (`None`: every location), which `coverage` does not hold.
pub fn outside_coverage(
    coverage: &Coverage,
    location: Option<i64>,
    since: i64,
    until: i64,
) -> GatewayError {
    GatewayError::Conflict(not_covered(coverage, location, since, until))
}

/// The 409 for a window asked before the mirror holds anything completely.
pub fn nothing_covered() -> GatewayError {
    GatewayError::Conflict(format!("since, until: {}", nothing_held()))
}
