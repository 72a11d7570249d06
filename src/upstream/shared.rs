//! What all workers share for one API key (settings, lane, nonces, last success), and what a call asks and gets.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;

use actix_web::web::Bytes;

use super::lane::Lane;
use super::lane_trait::UpstreamLane;
use super::nonce::NonceAllocator;
use super::settings::UpstreamSettings;

/// What a caller needs from the cloud: an endpoint and its validated, canonical parameters.
#[derive(Debug, Clone)]
pub struct UpstreamRequest {
    /// Endpoint path below the base path, e.g. `/totals/triggers`.
    pub endpoint: &'static str,
    /// Parameters without the nonce, values in canonical (unencoded) form.
    pub params: Vec<(&'static str, String)>,
    /// Who asks, for fair queueing in the lane.
    pub caller: String,
    /// Background work (refresh-ahead): queued behind every caller.
    pub background: bool,
}

/// Everything shared by all workers for one API key: settings, the lane and the nonce allocator.
pub struct Upstream {
    pub(super) settings: UpstreamSettings,
    pub(super) lane: Arc<dyn UpstreamLane>,
    pub(super) nonces: Arc<dyn NonceAllocator>,
    /// Unix seconds of the cloud's last success (0: none yet), for readiness.
    pub(super) last_success: AtomicI64,
    /// Whether a rejection's number was already logged as not believed (logged once, then quietly ignored).
    pub(super) doubt_logged: AtomicBool,
}

impl Upstream {
    /// Joins the settings, lane and nonce allocator of one key.
    pub fn new(settings: UpstreamSettings, nonces: Arc<dyn NonceAllocator>) -> Arc<Self> {
        let lane = Lane::new(settings.upstream_rps);
        Self::with_lane(settings, nonces, lane)
    }

    /// Joins the settings and nonce allocator of one key with a given lane (another backend, or a test's).
    pub fn with_lane(
        settings: UpstreamSettings,
        nonces: Arc<dyn NonceAllocator>,
        lane: Arc<dyn UpstreamLane>,
    ) -> Arc<Self> {
        Arc::new(Self {
            settings,
            lane,
            nonces,
            last_success: AtomicI64::new(0),
            doubt_logged: AtomicBool::new(false),
        })
    }

    /// When the cloud last accepted a signed call from this gateway, if ever.
    pub fn last_success(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        match self.last_success.load(Ordering::Relaxed) {
            0 => None,
            secs => chrono::DateTime::from_timestamp(secs, 0),
        }
    }

    /// The nonce allocator, for metrics and health.
    pub fn nonces(&self) -> &Arc<dyn NonceAllocator> {
        &self.nonces
    }

    /// The validated settings.
    pub fn settings(&self) -> &UpstreamSettings {
        &self.settings
    }
}

/// A successful answer from the cloud: the body exactly as received, and the cloud's clock.
#[derive(Debug, Clone)]
pub struct UpstreamAnswer {
    /// The JSON envelope, byte for byte.
    pub body: Bytes,
    /// The cloud's `Date` header, if any.
    pub date: Option<String>,
}
