//! Occupancy and zone counts through `/v1/occupancy`: equal to a plain count of the same events, each
//! event once whichever way it came, kept over a restart, and bad input refused by name.

use std::collections::HashSet;
use std::sync::Arc;

use camlytics_gateway::live::event::LiveEvent;
use camlytics_gateway::live::occupancy::rules::OccupancyRules;
use camlytics_gateway::live::occupancy::settings::OccupancySettings;
use camlytics_gateway::live::occupancy::zones::LocationZones;
use camlytics_gateway::live::sqlite_log::SqliteLog;
use camlytics_gateway::mirror::coverage::Coverage;
use camlytics_gateway::mirror::handle::Mirror;
use camlytics_gateway::mirror::sqlite::SqliteStore;
use camlytics_gateway::mirror::store::{EventStore, SyncCursor};
use camlytics_gateway::simulator::Simulator;
use chrono::{TimeZone, Utc};
use serde_json::Value;

use super::occupancy_app::{clear_of_midnight, spawn, synced_form, webhook_event, OccupancyApp};
use crate::helpers::{KEY, SECRET};
use crate::process::{run_binary, GatewayProcess};

const SECOND: i64 = 1_000_000;

fn now() -> i64 {
    Utc::now().timestamp_micros()
}

/// When today began in New York, in UTC microseconds.
fn new_york_midnight() -> i64 {
    let ny = chrono_tz::America::New_York;
    let today = Utc::now().with_timezone(&ny).date_naive();
    ny.from_local_datetime(&today.and_hms_opt(0, 0, 0).unwrap())
        .earliest()
        .unwrap()
        .timestamp_micros()
}

fn by_ids(rules: &str) -> OccupancySettings {
    OccupancySettings {
        rules: OccupancyRules::parse(rules).unwrap(),
        zones: LocationZones::default(),
    }
}

/// A small deterministic generator, so a failure can be replayed.
fn next(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    *seed >> 33
}

/// The id of the simulated account's first trigger named `name`.
async fn trigger_named(app: &OccupancyApp, name: &str) -> String {
    let (_, list) = app.get("/service/api/v1/triggers").await;
    list["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| {
            t["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .unwrap_or_else(|| panic!("the simulated account has a trigger named {name}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[actix_web::test]
async fn occupancy_equals_an_independent_count_of_the_same_shuffled_events() {
    clear_of_midnight().await;
    let settings = OccupancySettings {
        rules: OccupancyRules::default(),
        zones: LocationZones::parse(Some("America/New_York"), None).unwrap(),
    };
    let app = spawn(settings, None).await;
    let (enter, exit) = (
        trigger_named(&app, "Enter").await,
        trigger_named(&app, "Exit").await,
    );
    let (midnight, end) = (new_york_midnight(), now() - SECOND);
    // From two hours before local midnight (not counted) to now; 55% entries, so the floor is met early.
    let from = midnight - 2 * 3600 * SECOND;
    let mut seed = 42;
    let mut events: Vec<LiveEvent> = (0..2000)
        .map(|i| {
            let at = from + (((next(&mut seed) << 31) | next(&mut seed)) as i64 % (end - from));
            let trigger = if next(&mut seed) % 100 < 55 {
                &enter
            } else {
                &exit
            };
            webhook_event(77, trigger, "TripwireCrossed", i, at)
        })
        .collect();
    let again: Vec<LiveEvent> = events.iter().step_by(20).cloned().collect();
    events.extend(again);
    super::shuffle(&mut events, next(&mut seed));

    app.deliver(&events, 100).await;

    // The independent count: today's crossings once each, in time order, +1 in, -1 out, never below zero.
    let mut todays: Vec<&LiveEvent> = events
        .iter()
        .filter(|e| e.event_time_micros >= midnight)
        .collect();
    todays.sort_by_key(|e| (e.event_time_micros, e.identity.clone()));
    let mut seen = HashSet::new();
    todays.retain(|e| seen.insert(e.identity.clone()));
    let mut occupancy: i64 = 0;
    for e in &todays {
        occupancy = if e.trigger_id == enter {
            occupancy + 1
        } else {
            (occupancy - 1).max(0)
        };
    }
    assert!(
        occupancy > 0 && todays.len() < events.len() - 100,
        "a count that can tell"
    );
    let state = app.state_when(77, todays.len() as u64).await;
    assert_eq!(state["events"], todays.len() as u64, "{state}");
    assert_eq!(state["occupancy"], occupancy, "{state}");
    assert_eq!(state["timezone"], "America/New_York");
    let since = chrono::DateTime::parse_from_rfc3339(state["since"].as_str().unwrap()).unwrap();
    assert_eq!(since.timestamp_micros(), midnight);
    assert!(state["updated_at"].is_string(), "{state}");
    app.stop().await;
}

/// A gateway counting by `rules` whose mirror is a SQLite store of its own, which the test fills as the
/// sync would; the store's directory lives as long as the first part.
async fn with_own_mirror(rules: &str) -> (tempfile::TempDir, Arc<dyn EventStore>, OccupancyApp) {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open_in(dir.path()).await.unwrap());
    let mirror = Arc::new(Mirror::new(store.clone(), Coverage::default()));
    let app = spawn(by_ids(rules), Some(mirror)).await;
    (dir, store, app)
}

/// Stores `events`, each with its cloud id, as one page of the sync.
async fn sync(store: &dyn EventStore, events: &[(&LiveEvent, i64)]) {
    let page: Vec<_> = events.iter().map(|(e, id)| synced_form(e, *id)).collect();
    let cursor = SyncCursor {
        since_micros: events
            .iter()
            .map(|(e, _)| e.event_time_micros)
            .max()
            .unwrap(),
        after_id: events.last().map(|(_, id)| *id),
    };
    store.insert_page(&page, cursor).await.unwrap();
}

#[actix_web::test]
async fn a_webhook_event_and_the_same_event_synced_later_count_once() {
    clear_of_midnight().await;
    let (_dir, store, app) = with_own_mirror("in=t-in;out=t-out").await;
    let at = now() - 60 * SECOND;
    let webhook = webhook_event(5, "t-in", "TripwireCrossed", 1, at);
    app.deliver(std::slice::from_ref(&webhook), 1).await;
    assert_eq!(app.state_when(5, 1).await["occupancy"], 1);

    // The sync brings the same event with its id, in the API's date form, and one the webhook missed.
    let missed = webhook_event(5, "t-in", "TripwireCrossed", 2, at);
    sync(store.as_ref(), &[(&webhook, 501), (&missed, 502)]).await;

    let state = app.state_when(5, 2).await;
    assert_eq!(
        (state["occupancy"].clone(), state["events"].clone()),
        (2.into(), 2.into()),
        "{state}"
    );
    // A later read of the mirror (the one that brings a third event) counts the first two no more.
    let third = webhook_event(5, "t-in", "TripwireCrossed", 3, at);
    sync(store.as_ref(), &[(&third, 503)]).await;
    let state = app.state_when(5, 3).await;
    assert_eq!(
        (state["occupancy"].clone(), state["events"].clone()),
        (3.into(), 3.into()),
        "{state}"
    );
    app.stop().await;
}

#[actix_web::test]
async fn an_event_the_sync_stores_late_with_an_older_time_still_counts() {
    clear_of_midnight().await;
    let (_dir, store, app) = with_own_mirror("in=t-in;out=t-out").await;
    let recent = now() - 60 * SECOND;
    let first = webhook_event(6, "t-in", "TripwireCrossed", 1, recent);
    sync(store.as_ref(), &[(&first, 601)]).await;
    assert_eq!(app.state_when(6, 1).await["occupancy"], 1);

    // Stored after the newest, with a time well before it (still today, UTC): the tail walked again.
    let midnight = Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 1)
        .unwrap()
        .and_utc()
        .timestamp_micros();
    let early = (recent - 30 * 60 * SECOND).max(midnight);
    let late = webhook_event(6, "t-in", "TripwireCrossed", 2, early);
    sync(store.as_ref(), &[(&late, 602)]).await;
    let state = app.state_when(6, 2).await;
    assert_eq!(
        (state["occupancy"].clone(), state["events"].clone()),
        (2.into(), 2.into()),
        "{state}"
    );
    app.stop().await;
}

#[actix_web::test]
async fn zone_counts_are_joins_minus_leaves_per_zone() {
    clear_of_midnight().await;
    let app = spawn(by_ids("in=t-in;out=t-out"), None).await;
    let at = now() - 120 * SECOND;
    let steps = [
        ("queue-1", "RegionJoin", 1),
        ("queue-1", "RegionJoin", 2),
        ("queue-1", "RegionJoin", 3),
        ("queue-1", "RegionLeave", 1),
        ("region-2", "RegionLeave", 9),
        ("region-2", "RegionJoin", 8),
    ];
    let events: Vec<LiveEvent> = steps
        .iter()
        .enumerate()
        .map(|(i, (zone, kind, object))| {
            webhook_event(6, zone, kind, *object, at + i as i64 * SECOND)
        })
        .collect();
    app.deliver(&events, 10).await;

    let state = app.state_when(6, 6).await;
    let zones: Vec<(String, u64)> = state["zones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| {
            (
                z["trigger_id"].as_str().unwrap().to_owned(),
                z["count"].as_u64().unwrap(),
            )
        })
        .collect();
    // region-2: a leave before any join stays at zero, then one join.
    assert_eq!(
        zones,
        [("queue-1".to_owned(), 2), ("region-2".to_owned(), 1)],
        "{state}"
    );
    assert_eq!(state["occupancy"], 0);
    app.stop().await;
}

#[actix_web::test]
async fn a_bad_location_id_is_refused_naming_it() {
    let app = spawn(by_ids("in=t-in;out=t-out"), None).await;
    for bad in ["abc", "-1", "1.5"] {
        let (status, body) = app.get(&format!("/v1/occupancy?location_id={bad}")).await;
        assert_eq!(status, 400, "{body}");
        assert!(
            body["msg"].as_str().unwrap().starts_with("location_id:"),
            "{body}"
        );
    }
    let (status, body) = app.get("/v1/occupancy?locatoin_id=1").await;
    assert_eq!(status, 400);
    assert!(
        body["msg"].as_str().unwrap().starts_with("locatoin_id:"),
        "{body}"
    );
    app.stop().await;
}

#[test]
fn a_bad_rules_setting_stops_the_gateway_naming_it() {
    let state = tempfile::tempdir().unwrap();
    let state = state.path().display().to_string();
    for (name, value) in [
        ("GATEWAY_OCCUPANCY_RULES", "in=Enter"),
        ("GATEWAY_OCCUPANCY_RULES", "inside=Enter;out=Exit"),
        ("GATEWAY_TIMEZONE", "Mars/Olympus"),
        ("GATEWAY_LOCATION_TIMEZONES", "12=UTC"),
    ] {
        let env = [
            ("CAMLYTICS_API_KEY", KEY),
            ("CAMLYTICS_API_SECRET", SECRET),
            ("GATEWAY_STATE_DIR", state.as_str()),
            ("GATEWAY_LISTEN", "127.0.0.1:0"),
            (name, value),
        ];
        let (code, text) = run_binary(&["serve"], &env);
        assert_eq!(code, 2, "{name}={value}: {text}");
        assert!(text.contains(&format!("{name}:")), "{name}={value}: {text}");
        assert!(!text.contains("panicked"), "{text}");
    }
}

#[actix_web::test]
async fn a_restart_keeps_todays_count() {
    clear_of_midnight().await;
    let simulator = Simulator::start(
        crate::helpers::TestConfig::default().simulator,
        std::net::TcpListener::bind("127.0.0.1:0").unwrap(),
    )
    .unwrap();
    let cloud_url = simulator.base_url();
    actix_web::rt::spawn(simulator.run_until_stopped());
    let state = tempfile::tempdir().unwrap();
    // Today's events as the intake acknowledged them: three in, one out, one in yesterday (not counted).
    let at = now() - 30 * SECOND;
    let events = vec![
        webhook_event(8, "t-in", "TripwireCrossed", 1, at),
        webhook_event(8, "t-in", "TripwireCrossed", 2, at + SECOND),
        webhook_event(8, "t-out", "TripwireCrossed", 1, at + 2 * SECOND),
        webhook_event(8, "t-in", "TripwireCrossed", 3, at + 3 * SECOND),
        webhook_event(8, "t-in", "TripwireCrossed", 4, at - 2 * 86_400 * SECOND),
    ];
    {
        let log = SqliteLog::open_in(state.path(), None).unwrap();
        camlytics_gateway::live::log::IntakeLog::append(&log, events)
            .await
            .unwrap();
    }
    let env = [("GATEWAY_OCCUPANCY_RULES", "in=t-in;out=t-out")];
    let client = awc::Client::default();
    for round in 0..2 {
        let gateway = GatewayProcess::start(&cloud_url, state.path(), &env);
        let origin = gateway.origin();
        let mut response = client
            .get(format!("{origin}/v1/occupancy?location_id=8"))
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        let state = &body["locations"][0];
        assert_eq!(
            (state["occupancy"].clone(), state["events"].clone()),
            (2.into(), 4.into()),
            "round {round}: {body}"
        );
        // kill -9: nothing of today's count lives only in memory.
        gateway.kill();
    }
}
