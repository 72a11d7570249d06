//! How the API reaches the mirror: the handle startup put in the app's data (absent when the mirror is off),
//! and the one log line a store fault gets.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use actix_web::{web, HttpRequest};

use crate::error::GatewayError;
use crate::mirror::answer::refusals::{mirror_off, store_unreadable};
use crate::mirror::handle::Mirror;
use crate::mirror::store::StoreError;

/// Set while the store is failing: its first fault is logged as a warning, the rest until it recovers only
/// at debug level, so an outage is one line, not one a request.
static FAILING: AtomicBool = AtomicBool::new(false);

/// The mirror, when the gateway runs one (startup registers it as app data only then).
pub fn mirror_of(request: &HttpRequest) -> Option<Arc<Mirror>> {
    request
        .app_data::<web::Data<Mirror>>()
        .map(|data| data.clone().into_inner())
}

/// The mirror for a route that only the mirror answers: a 503 when it is off.
pub fn required_mirror(request: &HttpRequest) -> Result<Arc<Mirror>, GatewayError> {
    mirror_of(request).ok_or_else(mirror_off)
}

/// Logs a store fault once per outage; the 503 a route of the mirror answers with.
pub fn store_fault(error: &StoreError) -> GatewayError {
    note_fault(error);
    store_unreadable()
}

/// Logs a store fault: a warning for the first of an outage, debug for the rest.
pub fn note_fault(error: &StoreError) {
    if FAILING.swap(true, Ordering::Relaxed) {
        log::debug!("mirror: {error}");
    } else {
        log::warn!("mirror: {error}; the cloud's routes are answered by the cloud, the mirror's own with 503, until it recovers");
    }
}

/// Marks the store healthy again after a read succeeded, so the next outage is logged.
pub fn note_recovered() {
    if FAILING.load(Ordering::Relaxed) && FAILING.swap(false, Ordering::Relaxed) {
        log::info!("mirror: the store answers again");
    }
}
