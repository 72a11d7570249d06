//! The webhook routes: `POST /webhooks/camlytics/{token}` (the cloud's deliveries; the secret is the path)
//! and `GET /v1/webhooks/rejected` (the quarantine, admins only). The logic is in `crate::live::intake`.

use std::time::Duration;

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use crate::callers::require_admin;
use crate::error::GatewayError;
use crate::live::intake::{take, IntakeError, IntakeOutcome};
use crate::live::log::Quarantined;
use crate::live::service::LiveService;

/// How soon the cloud should retry a batch the log could not commit.
const STORE_RETRY: Duration = Duration::from_secs(5);
/// Most quarantined events one page returns.
const MAX_REJECTED_PAGE: usize = 1000;

/// The answer to a delivery, in the cloud's envelope.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct IntakeAnswer {
    /// 0: taken.
    #[schema(example = 0)]
    pub code: i32,
    /// Always "success".
    #[schema(example = "success")]
    pub msg: String,
    /// What the batch did.
    pub result: IntakeOutcome,
}

/// One page of the quarantine, in the cloud's envelope.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RejectedAnswer {
    /// 0: found.
    #[schema(example = 0)]
    pub code: i32,
    /// Always "success".
    #[schema(example = "success")]
    pub msg: String,
    /// Quarantined events, newest first.
    pub result: Vec<Quarantined>,
}

/// The 404 for a wrong or missing token, or when no webhook is configured: the same answer, so a guess
/// learns nothing; the path (the token) is never echoed.
fn no_webhook() -> GatewayError {
    GatewayError::NotFound("no route POST /webhooks/camlytics/[token]".into())
}

/// Receive Camlytics webhook events.
///
/// The endpoint to set in the Camlytics portal (Settings > Webhooks). The body is the reference's JSON
/// array of events (or one event). Valid events are committed to the intake log before the answer;
/// duplicates (retried deliveries) are accepted and stored once; events that cannot be read are
/// quarantined and the answer is still 200, so the cloud does not retry them for ever.
#[utoipa::path(
    operation_id = "webhookIntake",
    tag = "Live",
    params(("token" = String, Path, description = "A token of GATEWAY_WEBHOOK_TOKENS.")),
    request_body(content = Vec<crate::docs::schemas::Event>, description = "The events, as §5 of the reference sends them (event_time as 2000-01-23 04:56:07.000, UTC; id may be null)."),
    responses(
        (status = 200, description = "Every event stored, counted as a duplicate, or quarantined.", body = IntakeAnswer),
        (status = 400, description = "The body is not a JSON array or object; nothing was kept.", body = crate::error::ErrorBody),
        (status = 404, description = "Unknown token, or no webhook configured.", body = crate::error::ErrorBody),
        (status = 413, description = "The body is larger than GATEWAY_WEBHOOK_MAX_BYTES.", body = crate::error::ErrorBody),
        (status = 503, description = "The intake log could not commit; retry after Retry-After seconds.", body = crate::error::ErrorBody),
    ),
    security(())
)]
#[post("/webhooks/camlytics/{token}")]
pub async fn intake(
    token: web::Path<String>,
    mut payload: web::Payload,
    live: Option<web::Data<LiveService>>,
) -> Result<HttpResponse, GatewayError> {
    let live = live.ok_or_else(no_webhook)?;
    let tokens = live
        .settings()
        .webhook_tokens
        .as_ref()
        .ok_or_else(no_webhook)?;
    let webhook = tokens.find(&token).ok_or_else(no_webhook)?.name.clone();
    let max = live.settings().webhook_max_bytes;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| GatewayError::bad_param("body", e))?;
        if (body.len() + chunk.len()) as u64 > max {
            return Err(GatewayError::webhook_too_large(
                (body.len() + chunk.len()) as u64,
                max,
            ));
        }
        body.extend_from_slice(&chunk);
    }
    match take(live.log().as_ref(), &webhook, &body).await {
        Ok(result) => Ok(HttpResponse::Ok().json(IntakeAnswer {
            code: 0,
            msg: "success".into(),
            result,
        })),
        Err(IntakeError::Malformed(why)) => {
            log::info!("webhook {webhook}: batch refused: {why}");
            Err(GatewayError::BadRequest(why))
        }
        Err(IntakeError::Store(e)) => {
            log::error!("webhook {webhook}: batch not committed: {e}");
            Err(GatewayError::Unavailable {
                msg: format!("the intake log could not commit the batch ({e}); retry"),
                retry_after: STORE_RETRY,
            })
        }
    }
}

/// Read the webhook quarantine (admins only).
///
/// Events a webhook delivered that could not be read, newest first, with the reason and their bytes
/// (cut at 64 KiB). Page with `starting_after` = the last `id` of a page.
#[utoipa::path(
    operation_id = "webhookRejected",
    tag = "Live",
    params(
        ("limit" = Option<u32>, Query, description = "Most entries, 1 to 1000 (default 100).", minimum = 1, maximum = 1000),
        ("starting_after" = Option<i64>, Query, description = "Entries older than this id."),
    ),
    responses(
        (status = 200, description = "Quarantined events, newest first.", body = RejectedAnswer),
        (status = 400, description = "limit or starting_after is out of range.", body = crate::error::ErrorBody),
        (status = 401, description = "A bearer token is required and was missing or not accepted.", body = crate::error::ErrorBody),
        (status = 403, description = "The caller is not an admin.", body = crate::error::ErrorBody),
        (status = 503, description = "The intake log could not be read; retry after Retry-After seconds.", body = crate::error::ErrorBody),
    )
)]
#[get("/v1/webhooks/rejected")]
pub async fn rejected(
    request: HttpRequest,
    live: Option<web::Data<LiveService>>,
) -> Result<HttpResponse, GatewayError> {
    require_admin(&request)?;
    let (limit, starting_after) = read_page(request.query_string())?;
    let live =
        live.ok_or_else(|| GatewayError::OutOfService("the live side is not built".into()))?;
    let result = live
        .log()
        .rejected(limit, starting_after)
        .await
        .map_err(|e| GatewayError::Unavailable {
            msg: format!("the quarantine could not be read ({e})"),
            retry_after: STORE_RETRY,
        })?;
    Ok(HttpResponse::Ok().json(RejectedAnswer {
        code: 0,
        msg: "success".into(),
        result,
    }))
}

/// `limit` (1..=1000, default 100) and `starting_after`; any other parameter is refused by name.
fn read_page(query: &str) -> Result<(usize, Option<i64>), GatewayError> {
    let (mut limit, mut after) = (None, None);
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        let seen = match &*name {
            "limit" => limit.replace(value.parse::<usize>().ok().filter(|l| (1..=MAX_REJECTED_PAGE).contains(l)).ok_or_else(
                || GatewayError::bad_param("limit", format!("must be a whole number from 1 to {MAX_REJECTED_PAGE}, not '{value}'")),
            )?),
            "starting_after" => after
                .replace(value.parse::<i64>().map_err(|_| {
                    GatewayError::bad_param("starting_after", format!("must be a whole number (an entry's id), not '{value}'"))
                })?)
                .map(|_| 0),
            other => {
                return Err(GatewayError::bad_param(
                    other,
                    "unknown parameter; this route takes limit and starting_after",
                ))
            }
        };
        if seen.is_some() {
            return Err(GatewayError::bad_param(&name, "given twice"));
        }
    }
    Ok((limit.unwrap_or(100), after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quarantine_page_is_read_and_bad_values_are_refused_by_name() {
        assert_eq!(read_page("").unwrap(), (100, None));
        assert_eq!(read_page("limit=5&starting_after=9").unwrap(), (5, Some(9)));
        for (query, name) in [
            ("limit=0", "limit"),
            ("limit=1001", "limit"),
            ("starting_after=x", "starting_after"),
            ("limit=1&limit=2", "limit"),
            ("colour=red", "colour"),
        ] {
            let error = read_page(query).unwrap_err().to_string();
            assert!(error.starts_with(name), "{query}: {error}");
        }
    }
}

#[cfg(test)]
mod store_fault_tests {
    use std::sync::Arc;

    use actix_web::{test, App};

    use super::*;
    use crate::live::failed_log::FailedLog;
    use crate::live::feed::LiveFeed;
    use crate::live::settings::{LiveSettings, WebhookTokens};

    #[actix_web::test]
    async fn a_batch_the_log_cannot_commit_gets_503_with_retry_after() {
        let settings = LiveSettings {
            webhook_tokens: Some(WebhookTokens::parse("portal:tok-1").unwrap()),
            ..LiveSettings::default()
        };
        let log = Arc::new(FailedLog::new("the disk is gone"));
        let live = LiveService::with_log(&settings, log, LiveFeed::default());
        let app =
            test::init_service(App::new().app_data(web::Data::new(live)).service(intake)).await;
        let request = test::TestRequest::post()
            .uri("/webhooks/camlytics/tok-1")
            .set_payload("[]")
            .to_request();
        // An empty batch commits nothing, so even a broken log takes it.
        assert_eq!(test::call_service(&app, request).await.status(), 200);
        let body = r#"[{"id":null,"location_id":1,"channel_id":"c","trigger_id":"t","event_type":"TripwireCrossed","origin":"Pedestrian","object_id":1,"event_time":"2026-01-01 00:00:00.000"}]"#;
        let request = test::TestRequest::post()
            .uri("/webhooks/camlytics/tok-1")
            .set_payload(body)
            .to_request();
        let answer = test::call_service(&app, request).await;
        assert_eq!(answer.status(), 503);
        assert_eq!(answer.headers().get("retry-after").unwrap(), "5");
    }
}
