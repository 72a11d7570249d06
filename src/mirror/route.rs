//! `GET /v1/mirror`: the mirror's state as JSON, in the cloud's envelope.

use std::sync::Arc;
use std::time::Duration;

use actix_web::{get, web, HttpResponse};

use super::budget::{Budget, CallsUsed};
use super::handle::Mirror;
use super::open::StoreInfo;
use super::report::{self, Facts, MirrorReport};
use super::runner_state::{RunnerSnapshot, RunnerState};
use crate::error::GatewayError;

/// How long a caller should wait before asking again after a store fault.
const STORE_RETRY_AFTER: Duration = Duration::from_secs(5);

/// What `/v1/mirror` reads; built once in startup, whether the mirror runs or not.
pub struct MirrorStatus {
    running: Option<Running>,
}

struct Running {
    mirror: Arc<Mirror>,
    state: Arc<RunnerState>,
    budget: Arc<Budget>,
    store: StoreInfo,
    share: f64,
}

impl MirrorStatus {
    /// The status of a gateway without a mirror (`GATEWAY_MIRROR=off`).
    pub fn off() -> Self {
        Self { running: None }
    }

    /// The status of a running mirror.
    pub fn running(
        mirror: Arc<Mirror>,
        state: Arc<RunnerState>,
        budget: Arc<Budget>,
        store: StoreInfo,
        share: f64,
    ) -> Self {
        Self {
            running: Some(Running {
                mirror,
                state,
                budget,
                store,
                share,
            }),
        }
    }

    /// The report now; a store fault is a 503 with `Retry-After`.
    pub async fn report(&self) -> Result<MirrorReport, GatewayError> {
        let now = chrono::Utc::now();
        let Some(running) = &self.running else {
            return Ok(report::off(Facts {
                runner: RunnerSnapshot::off(),
                coverage: Default::default(),
                store: None,
                share: 0.0,
                calls_per_second: 0.0,
            }));
        };
        let calls: CallsUsed = running.budget.used(now.timestamp());
        let facts = Facts {
            runner: running.state.snapshot(calls, now),
            coverage: running.mirror.coverage(),
            store: Some(running.store.clone()),
            share: running.share,
            calls_per_second: running.budget.calls_per_second(),
        };
        report::build(running.mirror.store().as_ref(), facts, now)
            .await
            .map_err(|e| GatewayError::Unavailable {
                msg: format!("the mirror's store cannot be read now: {e}"),
                retry_after: STORE_RETRY_AFTER,
            })
    }
}

/// The answer of `/v1/mirror`, in the cloud's envelope.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct MirrorAnswer {
    /// 0: success.
    #[schema(example = 0)]
    pub code: i32,
    /// "success".
    #[schema(example = "success")]
    pub msg: String,
    /// The mirror's state.
    pub result: MirrorReport,
}

/// The mirror's state.
///
/// Coverage per location (the ranges answered from the mirror, less gaps found by verification), lag (now
/// minus the newest event held), the backlog estimate, events held, calls used in the last hour and day
/// against the mirror's share of the budget, the last verification with its repairs, the store (its password
/// redacted) and the sync's state.
#[utoipa::path(
    operation_id = "mirrorStatus",
    tag = "Mirror",
    responses(
        (status = 200, description = "The mirror's state (state `off` when GATEWAY_MIRROR=off).", body = MirrorAnswer),
        (status = 401, description = "A bearer token is required and was missing or not accepted.", body = crate::error::ErrorBody),
        (status = 429, description = "The caller used up its quota; retry after Retry-After seconds.", body = crate::error::ErrorBody),
        (status = 503, description = "The mirror's store cannot be read now; retry after Retry-After seconds.", body = crate::error::ErrorBody),
    )
)]
#[get("/v1/mirror")]
pub async fn mirror_status(
    status: Option<web::Data<MirrorStatus>>,
) -> Result<HttpResponse, GatewayError> {
    let report = match status {
        Some(status) => status.report().await?,
        None => MirrorStatus::off().report().await?,
    };
    Ok(HttpResponse::Ok().json(MirrorAnswer {
        code: 0,
        msg: "success".into(),
        result: report,
    }))
}
