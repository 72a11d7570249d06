//! Admin routes: everything under /admin needs an admin caller.

use actix_web::http::Method;

use super::{bearer, pairs, token_config};
use crate::helpers::spawn_app_with;

#[actix_web::test]
async fn cache_purge_is_refused_to_anonymous_with_401_and_to_non_admins_with_403() {
    let app = spawn_app_with(token_config(
        "reports:rep-tok-1,ops:ops-tok-9:admin",
        100.0,
        100,
    ))
    .await;
    let cached = format!("{}/locations", app.api);
    app.get_url(&cached, &pairs(&bearer("rep-tok-1"))).await;
    let url = format!("{}/admin/cache", app.origin());
    let anonymous = app.send(Method::DELETE, &url, &[]).await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    let reports = app
        .send(Method::DELETE, &url, &pairs(&bearer("rep-tok-1")))
        .await;
    assert_eq!(reports.status, 403, "{}", reports.body);
    assert_eq!(reports.json()["code"], 403);
    assert!(reports.json()["msg"].as_str().unwrap().contains("reports"));
    let ops = app
        .send(Method::DELETE, &url, &pairs(&bearer("ops-tok-9")))
        .await;
    assert_eq!(ops.status, 200, "an admin purges: {}", ops.body);
    assert_eq!(ops.json()["result"]["purged"], 1);
    // The refused purges changed nothing; the admin's did: the list is fetched again.
    app.get_url(&cached, &pairs(&bearer("rep-tok-1"))).await;
    assert_eq!(app.cloud.requests_per_path("/service/api/v1/locations"), 2);
}
