//! Admin routes: `DELETE /admin/cache` purges cached answers.

use actix_web::{delete, web, HttpRequest, HttpResponse};
use serde_json::json;

use super::BASE_PATH;
use crate::cache::ResponseCache;
use crate::callers::Caller;
use crate::error::GatewayError;

/// Purges the cache, or only the entries under `?prefix=` (a path such as `/service/api/v1/totals`
/// or `/totals`); admins only.
#[delete("/admin/cache")]
pub async fn purge_cache(request: HttpRequest) -> Result<HttpResponse, GatewayError> {
    let caller = Caller::of(&request);
    if !caller.admin {
        return Err(GatewayError::Forbidden(format!(
            "only admins may purge the cache; '{}' is not one",
            caller.name
        )));
    }
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
    Ok(HttpResponse::Ok().json(json!({
        "code": 0,
        "msg": format!("purged {purged} cached answers"),
        "result": { "purged": purged, "prefix": prefix },
    })))
}
