//! The cloud's routes answered from the mirror: exactly the cloud's bytes, no upstream call, inside coverage
//! only; outside it, on a store fault or for a caller's `no-cache`, the cloud answers as before.

use std::sync::Arc;

use camlytics_gateway::mirror::coverage::LocationGap;
use camlytics_gateway::mirror::failed_store::FailedStore;
use camlytics_gateway::mirror::store::Span;

use super::mirrored::{
    cache_status, full_coverage, spawn_mirrored, spawn_mirrored_over, Mirrored, FROM_MIRROR,
};
use super::random::{Rng, Vocabulary};
use super::start;
use crate::helpers::spawn_app;

/// Ids and instants of the simulated cloud, read through the plain gateway.
async fn vocabulary(mirrored: &Mirrored) -> Vocabulary {
    let app = &mirrored.app;
    let ids_of = |items: Vec<serde_json::Value>| -> Vec<serde_json::Value> {
        items.into_iter().map(|item| item["id"].clone()).collect()
    };
    let text = |values: Vec<serde_json::Value>| {
        values
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    let mut instants = Vec::new();
    let mut ids = Vec::new();
    for query in ["order=asc&limit=1000", "order=desc&limit=1000"] {
        for event in app.get(&format!("/events?{query}")).await.result() {
            instants.push(event["event_time"].as_str().unwrap().to_owned());
            ids.push(event["id"].as_i64().unwrap());
        }
    }
    let coverage = full_coverage(app).span.unwrap();
    Vocabulary {
        locations: ids_of(app.get("/locations").await.result())
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect(),
        channels: text(ids_of(app.get("/channels").await.result())),
        triggers: text(ids_of(app.get("/triggers").await.result())),
        instants,
        ids,
        // Most of the covered range holds no events (the sync began long before the first): draw windows
        // from a few days before the first event to the end.
        from: chrono::DateTime::from_timestamp_micros(coverage.to_micros).unwrap()
            - chrono::Duration::days(31),
        to: chrono::DateTime::from_timestamp_micros(coverage.to_micros).unwrap(),
    }
}

#[actix_web::test]
async fn two_hundred_random_queries_inside_coverage_get_the_clouds_bytes_without_an_upstream_call()
{
    let mirrored = spawn_mirrored().await;
    mirrored.warm_lists().await;
    let vocabulary = vocabulary(&mirrored).await;
    let mut rng = Rng::new(12);
    let (mut queries, mut non_empty, mut pages) = (0, 0, 0);
    let mut next: Option<String> = None;

    while queries < 200 {
        let query = next.take().unwrap_or_else(|| vocabulary.query(&mut rng));

        let answer = mirrored.get_without_upstream(&query).await;
        let cloud = mirrored.app.get(&query).await;

        queries += 1;
        assert_eq!(answer.status, 200, "{query}: {}", answer.body);
        assert_eq!(cache_status(&answer), FROM_MIRROR, "{query}");
        assert_eq!(cloud.status, 200, "{query}: {}", cloud.body);
        assert!(
            answer.body == cloud.body,
            "{query}\n mirror {}\n cloud  {}",
            answer.body,
            cloud.body
        );
        let result = answer.result();
        non_empty += usize::from(!result.is_empty());
        // Half the event pages that came back full are followed by the next page, as a client pages.
        if query.starts_with("/events")
            && !query.contains("starting_after")
            && result.len() > 1
            && rng.chance(50)
        {
            let last = result.last().unwrap()["id"].as_i64().unwrap();
            next = Some(format!("{query}&starting_after={last}"));
            pages += 1;
        }
    }

    assert!(
        non_empty > 120,
        "only {non_empty} of 200 answers held anything"
    );
    assert!(pages > 10, "only {pages} queries paged on");
}

#[actix_web::test]
async fn a_window_outside_coverage_or_not_given_whole_goes_to_the_cloud() {
    let mirrored = spawn_mirrored().await;
    let before_coverage = start() - chrono::Duration::days(1);
    let queries = [
        format!(
            "/totals/types?since={}&until=2025-12-20T00:00:00Z",
            before_coverage.format("%Y-%m-%dT%H:%M:%SZ")
        ),
        "/events?since=2025-12-20T00:00:00Z&until=2026-01-02T00:00:00Z".to_owned(),
        "/events?since=2025-12-20T00:00:00Z&limit=10".to_owned(),
        "/totals/triggers?location_id=101".to_owned(),
    ];

    for query in queries {
        let before = mirrored.app.cloud.requests();
        let answer = mirrored.get(&query).await;

        assert_eq!(answer.status, 200, "{query}: {}", answer.body);
        assert_ne!(cache_status(&answer), FROM_MIRROR, "{query}");
        // More than one call when the cloud first refuses this gateway's nonce (the plain gateway shares its key).
        assert!(
            mirrored.app.cloud.requests() > before,
            "{query} did not go upstream"
        );
        assert_eq!(answer.body, mirrored.app.get(&query).await.body, "{query}");
    }
}

#[actix_web::test]
async fn a_window_meeting_a_locations_repair_goes_to_the_cloud_for_that_location_only() {
    let mirrored = spawn_mirrored().await;
    let mut coverage = full_coverage(&mirrored.app);
    coverage.gaps.push(LocationGap {
        location_id: 101,
        span: Span {
            from_micros: micros("2025-12-20T06:00:00Z"),
            to_micros: micros("2025-12-20T07:00:00Z"),
        },
    });
    mirrored.mirror.set_coverage(coverage);
    let window = "since=2025-12-20T00:00:00Z&until=2025-12-21T00:00:00Z";

    let repaired = mirrored
        .get(&format!("/events?location_id=101&{window}"))
        .await;
    let elsewhere = mirrored
        .get_without_upstream(&format!("/events?location_id=102&{window}"))
        .await;
    let everywhere = mirrored.get(&format!("/totals/types?{window}")).await;

    assert_ne!(cache_status(&repaired), FROM_MIRROR);
    assert_eq!(cache_status(&elsewhere), FROM_MIRROR);
    assert_ne!(
        cache_status(&everywhere),
        FROM_MIRROR,
        "an account-wide window meets every location's repairs"
    );
}

fn micros(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp_micros()
}

#[actix_web::test]
async fn a_callers_no_cache_asks_the_cloud_even_inside_coverage() {
    let mirrored = spawn_mirrored().await;
    let query = "/events?since=2025-12-20T00:00:00Z&until=2025-12-21T00:00:00Z&limit=3";
    let before = mirrored.app.cloud.requests();

    let answer = mirrored
        .get_with(query, &[("Cache-Control", "no-cache")])
        .await;

    assert_eq!(answer.status, 200);
    assert_ne!(cache_status(&answer), FROM_MIRROR);
    assert!(mirrored.app.cloud.requests() > before);
}

#[actix_web::test]
async fn a_store_that_fails_leaves_the_cloud_to_answer() {
    let app = spawn_app().await;
    let coverage = full_coverage(&app);
    let broken = Arc::new(FailedStore::new("the disk is gone"));
    let mirrored = spawn_mirrored_over(app, broken, coverage, tempfile::tempdir().unwrap()).await;
    let query = "/totals/triggers?since=2025-12-20T00:00:00Z&until=2025-12-21T00:00:00Z";
    let before = mirrored.app.cloud.requests();

    let answer = mirrored.get(query).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_ne!(cache_status(&answer), FROM_MIRROR);
    assert!(mirrored.app.cloud.requests() > before);
    assert_eq!(answer.body, mirrored.app.get(query).await.body);
}
