//! The checks every request goes through: key, signature, nonce, path, parameters, and the data shapes.

use super::TestCloud;
use crate::simulator::auth::sign;

#[actix_web::test]
async fn signed_requests_get_data_and_every_kind_of_bad_request_is_refused_with_its_code() {
    let cloud = TestCloud::unlimited();

    let (status, body) = cloud.get("/service/api/v1/locations?nonce=1").await;
    assert_eq!(status, 200);
    assert_eq!(body["code"], 0);
    assert_eq!(body["msg"], "success");
    assert_eq!(body["result"].as_array().map(Vec::len), Some(3));

    let (status, body) = cloud.get("/service/api/v1/locations?nonce=1").await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(4)));
    assert!(body["result"].is_null());
    assert!(body["msg"]
        .as_str()
        .unwrap_or("")
        .contains("last accepted: 1"));

    let wrong_sign = sign(&cloud.settings.secret, "/service/api/v1/locations?nonce=3");
    let (status, body) = cloud
        .get_with("/service/api/v1/locations?nonce=2", "demo-key", &wrong_sign)
        .await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(2)));

    let target = "/service/api/v1/locations?nonce=4";
    let (status, body) = cloud
        .get_with(target, "other-key", &sign(&cloud.settings.secret, target))
        .await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(1)));

    let (status, body) = cloud
        .get("/service/api/v1/channels?nonce=5&colour=red")
        .await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(8)));
    assert!(body["msg"].as_str().unwrap_or("").contains("colour"));

    let handle = &cloud.handle;
    assert_eq!(handle.requests(), 5);
    assert_eq!(handle.accepted(), 1);
    assert_eq!(handle.nonce_rejections(), 1);
    assert_eq!(handle.signature_rejections(), 1);
    assert_eq!(handle.key_rejections(), 1);
    assert_eq!(handle.accepted_nonces(), vec![1, 5]);
    assert_eq!(handle.requests_per_path("/service/api/v1/locations"), 4);
    assert_eq!(
        handle.received_targets()[4],
        "/service/api/v1/channels?nonce=5&colour=red"
    );
}

#[actix_web::test]
async fn the_signature_covers_the_encoded_target_exactly_as_sent() {
    let cloud = TestCloud::unlimited();
    let encoded = "/service/api/v1/events?location_id=101&nonce=7&since=2025-12-31T06%3A12%3A00.000%2B01%3A00&limit=5";
    let (status, body) = cloud.get(encoded).await;
    assert_eq!(status, 200, "{body}");
    let events = body["result"].as_array().cloned().unwrap_or_default();
    assert_eq!(events.len(), 5);
    assert!(events.iter().all(|e| e["location_id"] == 101));
    assert!(events
        .iter()
        .all(|e| e["event_time"].as_str() >= Some("2025-12-31T05:12:00.000+00:00")));

    // Same query, signed over its decoded form: a different byte string, so refused.
    let decoded = "/service/api/v1/events?location_id=101&nonce=8&since=2025-12-31T06:12:00.000+01:00&limit=5";
    let signature = sign(&cloud.settings.secret, decoded);
    let (status, body) = cloud
        .get_with(&decoded.replace('+', "%2B"), "demo-key", &signature)
        .await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(2)));
}

#[actix_web::test]
async fn another_client_moving_the_nonce_makes_ours_stale() {
    let cloud = TestCloud::unlimited();
    cloud.handle.set_last_nonce(1_700_000_000);
    let (status, body) = cloud
        .get("/service/api/v1/locations?nonce=1699999999")
        .await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(4)));
    assert_eq!(
        cloud
            .get("/service/api/v1/locations?nonce=1700000001")
            .await
            .0,
        200
    );
}

#[actix_web::test]
async fn unknown_paths_and_other_methods_are_refused_but_counted() {
    let cloud = TestCloud::unlimited();
    let (status, body) = cloud.get("/service/api/v1/cameras?nonce=1").await;
    assert_eq!((status, body["code"].as_i64()), (404, Some(9)));
    let status = awc::Client::default()
        .post(format!("{}/service/api/v1/locations?nonce=2", cloud.origin))
        .send()
        .await
        .expect("the simulator answers")
        .status();
    assert_eq!(status.as_u16(), 405);
    assert_eq!(cloud.handle.requests(), 2);
    assert_eq!(cloud.handle.last_nonce(), 0);
}

#[actix_web::test]
async fn totals_and_filters_answer_in_the_reference_shapes() {
    let cloud = TestCloud::unlimited();
    let (_, channels) = cloud
        .get("/service/api/v1/channels?nonce=1&location_id=103")
        .await;
    let channels = channels["result"].as_array().cloned().unwrap_or_default();
    assert!((2..=4).contains(&channels.len()));
    let channel = channels[0]["id"].as_str().unwrap_or_default().to_owned();

    let target =
        format!("/service/api/v1/totals/types?nonce=2&channel_id={channel}&location_id=101");
    let (status, types) = cloud.get(&target).await;
    assert_eq!(status, 200, "{types}");
    let rows = types["result"].as_array().cloned().unwrap_or_default();
    assert!(!rows.is_empty());
    assert!(rows
        .iter()
        .all(|r| r["channel_id"] == channel.as_str() && r["count"].as_u64() > Some(0)));

    let target =
        format!("/service/api/v1/totals/triggers?nonce=3&channel_id={channel}&origin=Vehicle");
    let (_, triggers) = cloud.get(&target).await;
    let rows = triggers["result"].as_array().cloned().unwrap_or_default();
    assert!(rows
        .iter()
        .all(|r| r["trigger_name"].is_string() && r["location_id"] == 103));

    let (status, body) = cloud
        .get("/service/api/v1/totals/types?nonce=4&trigger_id=x")
        .await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(8)));
}
