//! Every endpoint and parameter, through the gateway, against the simulated cloud.

use crate::helpers::spawn_app;

#[actix_web::test]
async fn locations_come_back_in_the_clouds_envelope() {
    let app = spawn_app().await;
    let answer = app.get("/locations").await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.headers.get("content-type").unwrap(),
        "application/json"
    );
    let json = answer.json();
    assert_eq!(json["msg"], "success");
    let locations = answer.result();
    assert!(locations.len() >= 2);
    for field in ["id", "name", "version", "hash"] {
        assert!(locations[0].get(field).is_some(), "location lacks {field}");
    }
    let id = &locations[1]["id"];
    let one = app
        .get(&format!("/locations?location_id={id}"))
        .await
        .result();
    assert_eq!(one.len(), 1);
    assert_eq!(&one[0]["id"], id);
}

#[actix_web::test]
async fn channels_filter_by_location_and_channel_id_wins() {
    let app = spawn_app().await;
    let locations = app.get("/locations").await.result();
    let (first, second) = (&locations[0]["id"], &locations[1]["id"]);
    let channels = app
        .get(&format!("/channels?location_id={first}"))
        .await
        .result();
    assert!(!channels.is_empty());
    assert!(channels.iter().all(|c| &c["location_id"] == first));
    let channel = channels[0]["id"].as_str().unwrap();
    // location_id is ignored when channel_id is given, as the reference says.
    let chosen = app
        .get(&format!(
            "/channels?location_id={second}&channel_id={channel}"
        ))
        .await
        .result();
    assert_eq!(chosen.len(), 1);
    assert_eq!(chosen[0]["id"], channel);
}

#[actix_web::test]
async fn triggers_filter_by_location_channel_and_trigger() {
    let app = spawn_app().await;
    let all = app.get("/triggers").await.result();
    let trigger = &all[0];
    let by_location = app
        .get(&format!("/triggers?location_id={}", trigger["location_id"]))
        .await
        .result();
    assert!(by_location
        .iter()
        .all(|t| t["location_id"] == trigger["location_id"]));
    let by_channel = app
        .get(&format!(
            "/triggers?channel_id={}",
            trigger["channel_id"].as_str().unwrap()
        ))
        .await
        .result();
    assert!(!by_channel.is_empty());
    assert!(by_channel
        .iter()
        .all(|t| t["channel_id"] == trigger["channel_id"]));
    assert!(by_channel.len() < all.len());
    let one = app
        .get(&format!(
            "/triggers?trigger_id={}",
            trigger["id"].as_str().unwrap()
        ))
        .await
        .result();
    assert_eq!(one.len(), 1);
    for field in ["id", "location_id", "channel_id", "name", "type", "active"] {
        assert!(one[0].get(field).is_some(), "trigger lacks {field}");
    }
}

#[actix_web::test]
async fn events_honour_every_filter_order_limit_and_paging() {
    let app = spawn_app().await;
    let first_page = app.get("/events?limit=50").await.result();
    assert_eq!(first_page.len(), 50);
    let last_id = first_page[49]["id"].as_i64().unwrap();
    let second_page = app
        .get(&format!("/events?limit=50&starting_after={last_id}"))
        .await
        .result();
    assert_eq!(second_page.len(), 50);
    assert!(second_page
        .iter()
        .all(|e| e["id"].as_i64().unwrap() > last_id));

    let newest = app.get("/events?order=desc&limit=3").await.result();
    let ids: Vec<i64> = newest.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "desc order: {ids:?}");

    let filtered = app
        .get("/events?event_type=RegionJoin&origin=Vehicle&limit=20")
        .await
        .result();
    assert!(!filtered.is_empty());
    assert!(filtered
        .iter()
        .all(|e| e["event_type"] == "RegionJoin" && e["origin"] == "Vehicle"));

    let sample = &first_page[10];
    let time = sample["event_time"].as_str().unwrap();
    let at_or_after = app
        .get(&format!("/events?since={}&limit=5", urlencode(time)))
        .await
        .result();
    assert_eq!(at_or_after[0]["id"], sample["id"]);
    let window = app
        .get(&format!(
            "/events?since={}&until={}&limit=1000",
            urlencode(time),
            urlencode(time)
        ))
        .await
        .result();
    assert!(window
        .iter()
        .all(|e| e["event_time"] == sample["event_time"]));

    let by_trigger = app
        .get(&format!(
            "/events?trigger_id={}&channel_id=ignored-when-trigger-given&limit=10",
            sample["trigger_id"].as_str().unwrap()
        ))
        .await
        .result();
    assert!(!by_trigger.is_empty());
    assert!(by_trigger
        .iter()
        .all(|e| e["trigger_id"] == sample["trigger_id"]));
}

#[actix_web::test]
async fn totals_group_events_by_trigger_and_by_type() {
    let app = spawn_app().await;
    let by_trigger = app
        .get("/totals/triggers?since=2025-12-01T00:00:00Z&origin=Pedestrian")
        .await
        .result();
    assert!(!by_trigger.is_empty());
    for field in [
        "trigger_id",
        "trigger_name",
        "location_id",
        "channel_id",
        "count",
    ] {
        assert!(by_trigger[0].get(field).is_some(), "total lacks {field}");
    }
    let location = &by_trigger[0]["location_id"];
    let by_type = app
        .get(&format!(
            "/totals/types?location_id={location}&event_type=TripwireCrossed&until=2026-01-01T00:00:00%2B00:00"
        ))
        .await
        .result();
    assert!(!by_type.is_empty());
    assert!(by_type.iter().all(|t| t["type"] == "TripwireCrossed"));
    assert!(by_type.iter().all(|t| t["count"].as_i64().unwrap() > 0));
}

#[actix_web::test]
async fn a_callers_own_nonce_key_and_signature_are_ignored() {
    let app = spawn_app().await;
    let answer = app
        .get_url(
            &format!("{}/locations?nonce=1", app.api),
            &[("X-Key", "someone-elses"), ("X-Sign", "deadbeef")],
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let sent = app.cloud.received_targets();
    assert!(!sent[0].contains("nonce=1&") && !sent[0].ends_with("nonce=1"));
}

#[actix_web::test]
async fn the_cloud_receives_parameters_sorted_and_encoded_with_the_gateways_nonce() {
    let app = spawn_app().await;
    let answer = app
        .get("/events?until=2026-01-01T00:00:00.000%2B01:00&location_id=101&limit=2")
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let nonce = app.cloud.last_nonce();
    assert_eq!(
        app.cloud.received_targets(),
        vec![format!(
            "/service/api/v1/events?limit=2&location_id=101&nonce={nonce}&until=2026-01-01T00%3A00%3A00.000%2B01%3A00"
        )]
    );
}

#[actix_web::test]
async fn unknown_paths_get_a_404_in_the_envelope() {
    let app = spawn_app().await;
    let answer = app.get("/cameras").await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.json()["code"], 404);
    assert_eq!(app.cloud.requests(), 0);
}

fn urlencode(value: &str) -> String {
    value.replace('+', "%2B").replace(':', "%3A")
}
