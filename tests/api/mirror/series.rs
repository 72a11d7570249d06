//! `/v1/series` against brute force over the cloud's events: counts per bucket and group, buckets aligned in
//! a zone (daylight-saving days, Monday weeks), zeros where nothing happened, and its refusals.

use std::collections::BTreeMap;

use chrono::DateTime;
use serde_json::Value;

use super::cloud_events;
use super::mirrored::{cache_status, spawn_mirrored, Mirrored, FROM_MIRROR};
use crate::helpers::spawn_app;

/// Asks the mirrored gateway's `/v1/series` and asserts the cloud heard nothing of it.
async fn series(mirrored: &Mirrored, query: &str) -> crate::helpers::Answer {
    let before = mirrored.app.cloud.requests();
    let answer = mirrored.own(&format!("/v1/series?{query}"), &[]).await;
    assert_eq!(
        mirrored.app.cloud.requests(),
        before,
        "{query} went upstream"
    );
    answer
}

/// The points' starts of the first series, as written.
fn starts(result: &Value) -> Vec<String> {
    result["series"][0]["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["start"].as_str().unwrap().to_owned())
        .collect()
}

fn micros(text: &str) -> i64 {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp_micros()
}

#[actix_web::test]
async fn counts_are_the_events_of_each_bucket_and_group_with_zeros_where_none_happened() {
    let mirrored = spawn_mirrored().await;
    let (since, until) = ("2025-12-10T05:30:00Z", "2025-12-13T17:45:00.5Z");
    let query = format!(
        "location_id=101&since={since}&until={until}&bucket=1h&tz=America/New_York&group_by=trigger,type"
    );

    let answer = series(&mirrored, &query).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(cache_status(&answer), FROM_MIRROR);
    let json = answer.json();
    let result = &json["result"];
    assert_eq!(result["bucket"], "1h");
    assert_eq!(result["tz"], "America/New_York");
    let starts: Vec<i64> = starts(result).iter().map(|s| micros(s)).collect();
    assert_eq!(starts[0], micros("2025-12-10T00:00:00-05:00"));
    assert_eq!(starts.len(), 85, "{:?}", &starts[..3]);
    let mut expected: BTreeMap<(String, String, usize), u64> = BTreeMap::new();
    for raw in cloud_events(&mirrored.app).await {
        let event: Value = serde_json::from_str(&raw).unwrap();
        let time = micros(event["event_time"].as_str().unwrap());
        if event["location_id"] != 101 || time < micros(since) || time > micros(until) {
            continue;
        }
        let bucket = starts.iter().rposition(|&start| start <= time).unwrap();
        let group = (
            event["trigger_id"].as_str().unwrap().to_owned(),
            event["event_type"].as_str().unwrap().to_owned(),
        );
        *expected.entry((group.0, group.1, bucket)).or_default() += 1;
    }
    let mut found = BTreeMap::new();
    let mut zeros = 0;
    for series in result["series"].as_array().unwrap() {
        let group = &series["group"];
        let points = series["points"].as_array().unwrap();
        assert_eq!(points.len(), starts.len(), "every series has every bucket");
        let mut total = 0;
        for (bucket, point) in points.iter().enumerate() {
            let count = point["count"].as_u64().unwrap();
            total += count;
            if count == 0 {
                zeros += 1;
                continue;
            }
            let key = (
                group["trigger"].as_str().unwrap().to_owned(),
                group["type"].as_str().unwrap().to_owned(),
                bucket,
            );
            found.insert(key, count);
        }
        assert_eq!(series["total"], total);
    }
    assert_eq!(found, expected);
    assert!(zeros > 0, "a sparse hourly series has empty buckets");
}

#[actix_web::test]
async fn new_yorks_daylight_saving_days_have_23_and_25_hourly_buckets_all_zero_when_nothing_happened(
) {
    let mirrored = spawn_mirrored().await;

    let spring = series(
        &mirrored,
        "since=2025-03-09T00:00:00-05:00&until=2025-03-09T23:59:59-04:00&tz=America/New_York",
    )
    .await;
    let fall = series(
        &mirrored,
        "since=2025-11-02T00:00:00-04:00&until=2025-11-02T23:59:59-05:00&tz=America/New_York",
    )
    .await;

    let (spring, fall) = (spring.json(), fall.json());
    let spring_starts = starts(&spring["result"]);
    assert_eq!(spring_starts.len(), 23, "{spring_starts:?}");
    assert!(spring_starts.contains(&"2025-03-09T01:00:00-05:00".to_owned()));
    assert!(spring_starts.contains(&"2025-03-09T03:00:00-04:00".to_owned()));
    let fall_starts = starts(&fall["result"]);
    assert_eq!(fall_starts.len(), 25, "{fall_starts:?}");
    assert!(fall_starts.contains(&"2025-11-02T01:00:00-04:00".to_owned()));
    assert!(fall_starts.contains(&"2025-11-02T01:00:00-05:00".to_owned()));
    for result in [&spring["result"], &fall["result"]] {
        assert_eq!(
            result["series"].as_array().unwrap().len(),
            1,
            "one series without group_by"
        );
        assert_eq!(result["series"][0]["total"], 0);
        assert!(result["series"][0]["points"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["count"] == 0));
    }
}

#[actix_web::test]
async fn weeks_start_on_monday_and_days_at_local_midnight_and_every_event_is_counted_once() {
    let mirrored = spawn_mirrored().await;
    let window = "since=2025-12-04T10:00:00Z&until=2025-12-31T23:00:00Z";
    let events_in_window = cloud_events(&mirrored.app)
        .await
        .iter()
        .map(|raw| serde_json::from_str::<Value>(raw).unwrap())
        .filter(|e| {
            let t = micros(e["event_time"].as_str().unwrap());
            (micros("2025-12-04T10:00:00Z")..=micros("2025-12-31T23:00:00Z")).contains(&t)
        })
        .count();

    let weeks = series(&mirrored, &format!("{window}&bucket=1w&tz=Europe/Berlin"))
        .await
        .json();
    let days = series(&mirrored, &format!("{window}&bucket=1d&tz=Asia/Tokyo"))
        .await
        .json();

    let week_starts = starts(&weeks["result"]);
    assert_eq!(week_starts[0], "2025-12-01T00:00:00+01:00");
    for start in &week_starts {
        let start = DateTime::parse_from_rfc3339(start).unwrap();
        assert_eq!(
            chrono::Datelike::weekday(&start),
            chrono::Weekday::Mon,
            "{start}"
        );
        assert_eq!(start.format("%H:%M:%S%:z").to_string(), "00:00:00+01:00");
    }
    assert_eq!(week_starts.len(), 5);
    let day_starts = starts(&days["result"]);
    assert!(
        day_starts.iter().all(|s| s.ends_with("T00:00:00+09:00")),
        "{day_starts:?}"
    );
    assert_eq!(day_starts[0], "2025-12-04T00:00:00+09:00");
    for result in [&weeks["result"], &days["result"]] {
        assert_eq!(result["series"][0]["total"], events_in_window as u64);
    }
}

#[actix_web::test]
async fn bad_series_parameters_get_a_400_naming_the_parameter_and_cost_no_upstream_call() {
    let mirrored = spawn_mirrored().await;
    let window = "since=2025-12-10T00:00:00Z&until=2025-12-11T00:00:00Z";
    let cases = [
        (
            format!("{window}&bucket=7m"),
            "bucket: must be one of 5m, 15m, 1h, 1d, 1w",
        ),
        (
            format!("{window}&tz=Mars/Olympus_Mons"),
            "tz: must be an IANA time zone",
        ),
        (
            format!("{window}&group_by=trigger,colour"),
            "group_by: must be a comma-separated list",
        ),
        (
            "since=2025-12-11T00:00:00Z&until=2025-12-10T00:00:00Z".to_owned(),
            "since: must not be later than until",
        ),
        (
            "since=2025-01-01T00:00:00Z&until=2025-12-31T00:00:00Z&bucket=5m".to_owned(),
            "bucket: the window from since to until holds more than 100000 buckets",
        ),
        (
            format!("{window}&limit=5"),
            "limit: unknown parameter for /v1/series",
        ),
    ];

    for (query, message) in cases {
        let answer = series(&mirrored, &query).await;

        assert_eq!(answer.status, 400, "{query}: {}", answer.body);
        let msg = answer.json()["msg"].as_str().unwrap().to_owned();
        assert!(msg.starts_with(message), "{query}: {msg}");
        assert_eq!(answer.json()["code"], 400);
    }
}

#[actix_web::test]
async fn a_series_outside_coverage_is_a_409_naming_what_the_mirror_holds() {
    let mirrored = spawn_mirrored().await;

    let answer = series(
        &mirrored,
        "since=2024-12-30T00:00:00Z&until=2025-01-02T00:00:00Z&bucket=1d",
    )
    .await;

    assert_eq!(answer.status, 409, "{}", answer.body);
    let msg = answer.json()["msg"].as_str().unwrap().to_owned();
    assert!(
        msg.contains("the mirror holds 2025-01-01T00:00:00Z to 2026-01-01T00:00:00Z completely"),
        "{msg}"
    );
    assert!(
        msg.contains("2024-12-30T00:00:00Z to 2025-01-02T00:00:00Z"),
        "{msg}"
    );
}

#[actix_web::test]
async fn without_a_mirror_its_own_routes_answer_503_with_retry_after() {
    let app = spawn_app().await;

    for path in [
        "/v1/series?since=2025-12-10T00:00:00Z&until=2025-12-11T00:00:00Z",
        "/v1/export",
    ] {
        let answer = app.get_url(&format!("{}{path}", app.origin()), &[]).await;

        assert_eq!(answer.status, 503, "{path}: {}", answer.body);
        assert!(answer.headers.contains_key("retry-after"), "{path}");
        assert!(answer.json()["msg"]
            .as_str()
            .unwrap()
            .contains("mirror is off"));
    }
    assert_eq!(app.cloud.requests(), 0);
}

#[actix_web::test]
async fn a_window_left_open_reaches_to_where_the_mirror_holds_it() {
    let mirrored = spawn_mirrored().await;
    let held = mirrored.mirror.coverage().span.unwrap();

    let to_the_end = series(&mirrored, "since=2025-12-30T00:00:00Z&bucket=1d").await;
    let whole = series(&mirrored, "bucket=1w").await;
    let past_the_end = series(&mirrored, "since=2031-01-01T00:00:00Z").await;

    assert_eq!(to_the_end.status, 200, "{}", to_the_end.body);
    let result = &to_the_end.json()["result"];
    assert_eq!(micros(result["until"].as_str().unwrap()), held.to_micros);
    assert_eq!(whole.status, 200, "{}", whole.body);
    assert_eq!(
        micros(whole.json()["result"]["since"].as_str().unwrap()),
        held.from_micros
    );
    assert_eq!(past_the_end.status, 409, "{}", past_the_end.body);
}
