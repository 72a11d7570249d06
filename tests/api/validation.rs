//! Bad input gets a 400 naming the parameter, and costs no upstream call.

use crate::helpers::spawn_app;

#[actix_web::test]
async fn every_kind_of_bad_input_gets_a_400_and_no_upstream_call() {
    let app = spawn_app().await;
    let cases = [
        (
            "/locations?location_id=abc",
            "location_id: must be a whole number",
        ),
        (
            "/locations?location_id=2147483648",
            "location_id: must be a whole number",
        ),
        (
            "/locations?location_id=-3",
            "location_id: must be a whole number",
        ),
        (
            "/locations?channel_id=x",
            "channel_id: unknown parameter for /locations",
        ),
        (
            "/channels?trigger_id=x",
            "trigger_id: unknown parameter for /channels",
        ),
        ("/channels?channel_id=", "channel_id: must be an id"),
        (
            "/triggers?location_id=1.5",
            "location_id: must be a whole number",
        ),
        (
            "/events?limit=0",
            "limit: must be a whole number from 1 to 1000",
        ),
        (
            "/events?limit=1001",
            "limit: must be a whole number from 1 to 1000",
        ),
        ("/events?order=sideways", "order: must be one of asc, desc"),
        (
            "/events?event_type=Jumping",
            "event_type: must be one of TripwireCrossed",
        ),
        (
            "/events?origin=Alien",
            "origin: must be one of Pedestrian, Vehicle, Unknown",
        ),
        (
            "/events?since=yesterday",
            "since: must be an RFC 3339 date-time",
        ),
        (
            "/events?until=2024-13-01T00:00:00Z",
            "until: must be an RFC 3339 date-time",
        ),
        (
            "/events?since=2024-01-01T00:00:00",
            "since: must be an RFC 3339 date-time",
        ),
        (
            "/events?starting_after=x",
            "starting_after: must be a whole number",
        ),
        ("/events?limit=5&limit=6", "limit: given more than once"),
        (
            "/events?since=2024-02-01T00:00:00Z&until=2024-01-01T00:00:00Z",
            "since: must not be later than until",
        ),
        (
            "/totals/triggers?limit=5",
            "limit: unknown parameter for /totals/triggers",
        ),
        (
            "/totals/types?trigger_id=t1",
            "trigger_id: unknown parameter for /totals/types",
        ),
        ("/totals/types?event_type=", "event_type: must be one of"),
    ];
    for (query, expected) in cases {
        let answer = app.get(query).await;
        assert_eq!(answer.status, 400, "{query}: {}", answer.body);
        let json = answer.json();
        assert_eq!(json["code"], 400, "{query}");
        let msg = json["msg"].as_str().unwrap();
        assert!(
            msg.starts_with(expected),
            "{query}: '{msg}' should start with '{expected}'"
        );
        assert!(json["result"].is_null());
    }
    assert_eq!(
        app.cloud.requests(),
        0,
        "bad input must cost no upstream call"
    );
}

#[actix_web::test]
async fn every_accepted_date_time_form_reaches_the_cloud() {
    let app = spawn_app().await;
    for since in [
        "2025-12-20T10:30:02.5550000Z",
        "2025-12-20T10:30:02%2B02:00",
        "2025-12-20T10:30:02.000-05:00",
        "2025-12-20%2010:30:02.000",
    ] {
        let answer = app.get(&format!("/totals/types?since={since}")).await;
        assert_eq!(answer.status, 200, "{since}: {}", answer.body);
    }
    assert_eq!(app.cloud.accepted(), 4);
}
