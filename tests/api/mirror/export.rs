//! `/v1/export`: every matching event, streamed as NDJSON (the cloud's bytes) or CSV, inside coverage only.

use serde_json::Value;

use super::cloud_events;
use super::mirrored::{cache_status, spawn_mirrored, FROM_MIRROR};

#[actix_web::test]
async fn an_ndjson_export_of_everything_is_every_event_as_the_cloud_sent_it_over_many_pages() {
    let mirrored = spawn_mirrored().await;
    let before = mirrored.app.cloud.requests();

    let answer = mirrored.own("/v1/export", &[]).await;

    assert_eq!(
        mirrored.app.cloud.requests(),
        before,
        "the export went upstream"
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.headers.get("content-type").unwrap(),
        "application/x-ndjson"
    );
    assert_eq!(
        answer.headers.get("content-disposition").unwrap(),
        "attachment; filename=\"events_20250101T000000Z_20260101T000000Z.ndjson\""
    );
    assert_eq!(cache_status(&answer), FROM_MIRROR);
    assert!(answer.body.ends_with('\n'));
    let lines: Vec<&str> = answer.body.lines().collect();
    let expected = cloud_events(&mirrored.app).await;
    assert_eq!(lines.len(), 30_000, "thirty pages of a thousand");
    assert!(
        lines == expected,
        "the export differs from the cloud's events"
    );
}

#[actix_web::test]
async fn a_csv_export_has_a_header_row_then_each_matching_event_newest_first() {
    let mirrored = spawn_mirrored().await;
    let (since, until) = ("2025-12-15T00:00:00Z", "2025-12-22T00:00:00Z");
    let query = format!(
        "/v1/export?location_id=102&origin=Pedestrian&since={since}&until={until}&order=desc"
    );

    let answer = mirrored.own(&query, &[("Accept", "text/csv")]).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.headers.get("content-type").unwrap(),
        "text/csv; charset=utf-8"
    );
    let mut rows = answer.body.split("\r\n");
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    assert_eq!(
        header,
        [
            "id",
            "location_id",
            "channel_id",
            "trigger_id",
            "event_type",
            "origin",
            "object_id",
            "event_time",
            "snapshot_id",
            "record_id"
        ]
    );
    let rows: Vec<&str> = rows.filter(|row| !row.is_empty()).collect();
    let micros = |t: &str| {
        chrono::DateTime::parse_from_rfc3339(t)
            .unwrap()
            .timestamp_micros()
    };
    let window = |t: &str| (micros(since)..=micros(until)).contains(&micros(t));
    let mut expected: Vec<Value> = cloud_events(&mirrored.app)
        .await
        .iter()
        .map(|raw| serde_json::from_str::<Value>(raw).unwrap())
        .filter(|e| {
            e["location_id"] == 102
                && e["origin"] == "Pedestrian"
                && window(e["event_time"].as_str().unwrap())
        })
        .collect();
    expected.reverse();
    assert!(expected.len() > 50, "{} events", expected.len());
    assert_eq!(rows.len(), expected.len());
    for (row, event) in rows.iter().zip(&expected) {
        assert!(
            !row.contains('"'),
            "nothing in the simulator's events needs quoting: {row}"
        );
        let cells: Vec<&str> = row.split(',').collect();
        for (cell, column) in cells.iter().zip(&header) {
            let value = match &event[*column] {
                Value::Null => String::new(),
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            assert_eq!(*cell, value, "{column} of {row}");
        }
    }
}

#[actix_web::test]
async fn an_export_outside_coverage_is_a_409_and_a_bad_format_a_400() {
    let mirrored = spawn_mirrored().await;

    let outside = mirrored
        .own("/v1/export?since=2024-06-01T00:00:00Z", &[])
        .await;
    let bad = mirrored.own("/v1/export?format=xml", &[]).await;
    let csv = mirrored
        .own(
            "/v1/export?format=csv&until=2025-12-05T00:00:00Z",
            &[("Accept", "application/x-ndjson")],
        )
        .await;

    assert_eq!(outside.status, 409, "{}", outside.body);
    assert!(outside.json()["msg"]
        .as_str()
        .unwrap()
        .contains("the mirror holds 2025-01-01T00:00:00Z"));
    assert_eq!(bad.status, 400);
    assert!(bad.json()["msg"]
        .as_str()
        .unwrap()
        .starts_with("format: must be one of ndjson, csv"));
    assert_eq!(csv.status, 200);
    assert!(
        csv.body.starts_with("id,location_id,"),
        "format=csv beats Accept"
    );
    assert!(csv
        .headers
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .ends_with("_20251205T000000Z.csv\""));
}
