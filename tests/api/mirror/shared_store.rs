//! `GATEWAY_MIRROR_URL=postgres://...`: the gateway syncs into PostgreSQL and answers from it.

use std::time::Duration;

use camlytics_gateway::mirror::settings::{MirrorSettings, StoreLocation};

use super::contract::Place;
use super::running::{caught_up_with_all, mirror_on, wait_for};
use crate::helpers::spawn_app_with;

#[actix_web::test]
async fn a_gateway_given_a_postgres_url_fills_that_database_and_answers_totals_from_it() {
    let place = Place::postgres().await;
    let Place::Postgres { database, .. } = &place else {
        unreachable!("a PostgreSQL place")
    };
    let url = format!("postgres://postgres:not-shown@127.0.0.1:5432/{database}");
    let config = mirror_on();
    let app = spawn_app_with(crate::helpers::TestConfig {
        mirror: MirrorSettings {
            store: StoreLocation::parse(Some(&url)).expect("a postgres URL"),
            ..config.mirror.clone()
        },
        ..config
    })
    .await;

    let report = wait_for(&app, Duration::from_secs(90), caught_up_with_all).await;
    let totals = app
        .get_url(
            &format!(
                "{}/totals/types?since=2025-12-10T00:00:00Z&until=2025-12-20T00:00:00Z",
                app.api
            ),
            &[],
        )
        .await;

    assert_eq!(report["store"]["kind"], "postgres");
    let shown = report["store"]["location"].as_str().unwrap();
    assert!(
        !shown.contains("not-shown"),
        "the password is shown: {shown}"
    );
    assert_eq!(totals.status, 200, "{}", totals.body);
    let status = totals
        .headers
        .get("cache-status")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(status.contains("detail=mirror"), "{status}");
    // Verification asks the cloud for /totals/types too (a day at a time), so only this window's call counts.
    let asked = app
        .cloud
        .received_targets()
        .iter()
        .filter(|target| {
            target.contains("since=2025-12-10T00") && target.contains("until=2025-12-20T00")
        })
        .count();
    assert_eq!(asked, 0, "the caller's window went to the cloud");
    drop(app);
    place.remove().await;
}
