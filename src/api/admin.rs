//! Admin routes: `DELETE /admin/cache` purges cached answers.

use actix_web::{delete, web, HttpRequest, HttpResponse};

use super::BASE_PATH;
use crate::cache::ResponseCache;
use crate::callers::require_admin;
use crate::error::GatewayError;

/// What a purge did.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Purged {
    /// How many cached answers were dropped.
    #[schema(example = 3)]
    pub purged: usize,
    /// The path prefix asked for (empty: everything).
    #[schema(example = "/service/api/v1/totals")]
    pub prefix: String,
}

/// The answer to a purge, in the cloud's envelope.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct PurgeAnswer {
    /// 0: done.
    #[schema(example = 0)]
    pub code: i32,
    /// What was done.
    #[schema(example = "purged 3 cached answers")]
    pub msg: String,
    /// How many, under which prefix.
    pub result: Purged,
}

/// Purge cached answers (admins only).
///
/// Drops every cached answer, or with `prefix` only those under a path such as `/service/api/v1/totals`.
#[utoipa::path(
    operation_id = "purgeCache",
    tag = "Admin",
    params(("prefix" = Option<String>, Query, description = "Only answers under this path", example = "/service/api/v1/totals")),
    responses(
        (status = 200, description = "The answers were dropped.", body = PurgeAnswer),
        (status = 401, description = "A bearer token is required and was missing or not accepted.", body = crate::error::ErrorBody),
        (status = 403, description = "The caller is not an admin.", body = crate::error::ErrorBody),
        (status = 429, description = "The caller used up its quota; retry after Retry-After seconds.", body = crate::error::ErrorBody),
    )
)]
#[delete("/admin/cache")]
pub async fn purge_cache(request: HttpRequest) -> Result<HttpResponse, GatewayError> {
    let caller = require_admin(&request)?;
    let prefix = form_urlencoded::parse(request.query_string().as_bytes())
        .find(|(name, _)| name == "prefix")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    // Cache keys are endpoint paths below the base path.
    let key_prefix = prefix.strip_prefix(BASE_PATH).unwrap_or(&prefix);
    let cache = request
        .app_data::<web::Data<ResponseCache>>()
        .ok_or_else(|| GatewayError::OutOfService("the gateway has no cache".into()))?;
    let purged = cache.purge(key_prefix).await;
    log::info!(
        "{} purged {purged} cached answers under '{prefix}'",
        caller.name
    );
    Ok(HttpResponse::Ok().json(PurgeAnswer {
        code: 0,
        msg: format!("purged {purged} cached answers"),
        result: Purged { purged, prefix },
    }))
}
