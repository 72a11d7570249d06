//! `GET /healthz` (the process serves) and `GET /readyz` (it can do its job: state dir writable, secret loaded,
//! and the cloud accepted our signature recently, or on a probe). Each check is cheap or reused: `/readyz` is open.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Serialize;
use tokio::sync::Mutex;

use super::writable::{WritableCheck, RECHECK_AFTER};
use crate::error::GatewayError;
use crate::upstream::lane_trait::UpstreamLane;
use crate::upstream::nonce::MAX_NONCE;
use crate::upstream::{UpstreamClient, UpstreamRequest};

/// A success of the cloud's this recent counts as "accepted our signature recently".
pub const RECENT_SUCCESS: Duration = Duration::from_secs(300);
/// A probe's result is reused this long, so readiness pollers cannot spend the upstream budget.
pub const PROBE_REUSE: Duration = Duration::from_secs(30);

/// Readiness state shared by all workers: where the nonce state lives, and the last probe.
pub struct Readiness {
    state_dir: WritableCheck,
    secret_loaded: bool,
    last_probe: Mutex<Option<(Instant, Result<(), String>)>>,
    /// The lane whose coordinator (a group's Redis) must answer; `None`: nothing to coordinate with.
    lane: Option<Arc<dyn UpstreamLane>>,
}

impl Readiness {
    /// Readiness for a gateway whose nonce state is in `state_dir`.
    pub fn new(state_dir: PathBuf, secret_loaded: bool) -> Self {
        Self {
            state_dir: WritableCheck::new(state_dir, RECHECK_AFTER),
            secret_loaded,
            last_probe: Mutex::new(None),
            lane: None,
        }
    }

    /// Also requires `lane`'s coordinator to answer (a group of gateways: its Redis).
    pub fn with_lane(mut self, lane: Arc<dyn UpstreamLane>) -> Self {
        self.lane = Some(lane);
        self
    }
}

#[derive(Serialize)]
struct Ready {
    code: i32,
    msg: &'static str,
    result: Checks,
}

#[derive(Serialize)]
struct Checks {
    secret_loaded: bool,
    state_dir_writable: bool,
    cloud_accepted_signature_at: Option<String>,
}

/// Liveness: 200 while the process serves requests; never calls the cloud.
#[utoipa::path(
    operation_id = "healthz",
    tag = "Operations",
    responses((status = 200, description = "The process serves requests.", content_type = "application/json", body = serde_json::Value)),
    security(())
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"code": 0, "msg": "alive", "result": null}))
}

/// Readiness: 200 when the gateway can serve; 503 with the reason when not.
///
/// Ready means: the secret is loaded, the state directory is writable, the group's Redis answers (with several
/// gateways on one key), and the cloud accepted the gateway's signature in the last 5 minutes or on a probe (one
/// signed call, its result reused for 30 s).
#[utoipa::path(
    operation_id = "readyz",
    tag = "Operations",
    responses(
        (status = 200, description = "Ready to serve.", content_type = "application/json", body = serde_json::Value),
        (status = 503, description = "Not ready; msg says why.", body = crate::error::ErrorBody),
    ),
    security(())
)]
#[get("/readyz")]
pub async fn readyz(request: HttpRequest) -> Result<HttpResponse, GatewayError> {
    let not_ready = |reason: String| GatewayError::OutOfService(format!("not ready: {reason}"));
    let readiness = request
        .app_data::<web::Data<Readiness>>()
        .ok_or_else(|| not_ready("readiness is not configured".into()))?;
    let upstream = request
        .app_data::<web::Data<UpstreamClient>>()
        .ok_or_else(|| not_ready("the gateway has no upstream client".into()))?;
    if !readiness.secret_loaded {
        return Err(not_ready("the API secret is not loaded".into()));
    }
    let remaining = MAX_NONCE - upstream.shared().nonces().last();
    if remaining <= 0 {
        return Err(not_ready(
            "the nonce reached 2^31-1, the cloud's limit: this API key cannot sign more calls"
                .into(),
        ));
    }
    readiness
        .state_dir
        .check()
        .await
        .map_err(|e| not_ready(format!("GATEWAY_STATE_DIR is not writable: {e}")))?;
    if let Some(lane) = &readiness.lane {
        lane.coordination().await.map_err(|e| {
            metrics::counter!("gateway_readiness_failures_total", "reason" => "coordination")
                .increment(1);
            not_ready(format!("{e}; calls that must reach the cloud are refused"))
        })?;
    }
    let recent = upstream
        .shared()
        .last_success()
        .filter(|at| (chrono::Utc::now() - *at).to_std().unwrap_or_default() < RECENT_SUCCESS);
    if recent.is_none() {
        probe(readiness, upstream).await.map_err(not_ready)?;
    }
    let accepted_at = upstream.shared().last_success().map(|at| at.to_rfc3339());
    Ok(HttpResponse::Ok().json(Ready {
        code: 0,
        msg: "ready",
        result: Checks {
            secret_loaded: true,
            state_dir_writable: true,
            cloud_accepted_signature_at: accepted_at,
        },
    }))
}

/// One signed call to `/locations` through the lane, its result reused for [`PROBE_REUSE`].
async fn probe(readiness: &Readiness, upstream: &UpstreamClient) -> Result<(), String> {
    // Held across the probe so concurrent pollers share one call.
    let mut last = readiness.last_probe.lock().await;
    if let Some((at, result)) = last.as_ref() {
        if at.elapsed() < PROBE_REUSE {
            return result.clone();
        }
    }
    let result = upstream
        .fetch(&UpstreamRequest {
            endpoint: "/locations",
            params: Vec::new(),
            caller: "readiness-probe".into(),
            background: false,
        })
        .await
        .map(|_| ())
        .map_err(|e| format!("the cloud did not accept a signed probe: {e}"));
    *last = Some((Instant::now(), result.clone()));
    result
}
