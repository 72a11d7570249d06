//! A gateway for occupancy tests, built in-process so a test reaches its intake log (as the webhook route
//! writes to it) and can give it a mirror store of its own (as the sync writes to it).

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use camlytics_gateway::live::event::LiveEvent;
use camlytics_gateway::live::occupancy::settings::OccupancySettings;
use camlytics_gateway::live::service::LiveService;
use camlytics_gateway::mirror::event::StoredEvent;
use camlytics_gateway::mirror::handle::Mirror;
use camlytics_gateway::simulator::Simulator;
use camlytics_gateway::startup::{Application, Backends};
use serde_json::value::RawValue;
use serde_json::Value;
use tempfile::TempDir;

use crate::helpers::{gateway_settings, TestConfig};

/// A running gateway with its intake log at hand.
pub struct OccupancyApp {
    /// `http://127.0.0.1:<port>`.
    pub origin: String,
    /// The live side: its log is where webhook events go.
    pub live: Arc<LiveService>,
    _state_dir: TempDir,
    handle: ServerHandle,
    client: awc::Client,
}

/// Starts the simulated cloud and a gateway with `occupancy` settings and, when given, `mirror`.
pub async fn spawn(occupancy: OccupancySettings, mirror: Option<Arc<Mirror>>) -> OccupancyApp {
    let mut config = TestConfig::default();
    config.live.occupancy = occupancy;
    spawn_with(config, mirror).await
}

/// Starts the simulated cloud and a gateway with `config` and, when given, `mirror`.
pub async fn spawn_with(config: TestConfig, mirror: Option<Arc<Mirror>>) -> OccupancyApp {
    let simulator = Simulator::start(
        config.simulator.clone(),
        TcpListener::bind("127.0.0.1:0").unwrap(),
    )
    .unwrap();
    let cloud_url = simulator.base_url();
    actix_web::rt::spawn(simulator.run_until_stopped());
    let state_dir = tempfile::tempdir().unwrap();
    let settings = gateway_settings(&config, &cloud_url, &state_dir);
    let mut backends = Backends::single(&settings).unwrap();
    backends.mirror = mirror;
    let app = Application::build_with(settings, backends).unwrap();
    let origin = format!("http://127.0.0.1:{}", app.port());
    let live = app.live().clone();
    let handle = app.handle();
    actix_web::rt::spawn(app.run_until_stopped());
    OccupancyApp {
        origin,
        live,
        _state_dir: state_dir,
        handle,
        client: awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .finish(),
    }
}

impl OccupancyApp {
    /// GETs `path` of the gateway: status and JSON body.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let mut response = self
            .client
            .get(format!("{}{path}", self.origin))
            .send()
            .await
            .unwrap();
        let body = response.body().limit(16 << 20).await.unwrap();
        let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
        (response.status().as_u16(), json)
    }

    /// Opens `path` as a stream: its status, content type and cache control, and the open response.
    pub async fn open(
        &self,
        path: &str,
    ) -> awc::ClientResponse<
        actix_http::encoding::Decoder<actix_http::Payload<actix_http::BoxedPayloadStream>>,
    > {
        self.client
            .get(format!("{}{path}", self.origin))
            .timeout(Duration::from_secs(3600))
            .send()
            .await
            .unwrap()
    }

    /// Appends `events` to the intake log in batches of `batch`, as the webhook route does.
    pub async fn deliver(&self, events: &[LiveEvent], batch: usize) {
        for chunk in events.chunks(batch) {
            self.live.log().append(chunk.to_vec()).await.unwrap();
        }
    }

    /// `location`'s state once its `events` count reaches `events` (within 20 s).
    pub async fn state_when(&self, location: i64, events: u64) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let (status, body) = self
                .get(&format!("/v1/occupancy?location_id={location}"))
                .await;
            assert_eq!(status, 200, "{body}");
            let state = body["locations"][0].clone();
            if state["events"].as_u64() == Some(events) || Instant::now() > deadline {
                return state;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stops the gateway.
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }
}

/// A webhook event (`id` null, the webhook's date form) of `location` at UTC microseconds `micros`.
pub fn webhook_event(
    location: i64,
    trigger: &str,
    event_type: &str,
    object: i64,
    micros: i64,
) -> LiveEvent {
    let time = chrono::DateTime::from_timestamp_micros(micros)
        .unwrap()
        .format("%Y-%m-%d %H:%M:%S%.3f");
    let text = format!(
        r#"{{"record_id":1,"event_type":"{event_type}","snapshot_id":2,"trigger_id":"{trigger}","origin":"Pedestrian","id":null,"channel_id":"cam-{location}","object_id":{object},"location_id":{location},"event_time":"{time}"}}"#
    );
    let raw: Box<RawValue> = serde_json::from_str(&text).unwrap();
    LiveEvent::from_raw(&raw).unwrap()
}

/// `webhook` as the mirror's sync stores it: with the cloud's `id`, and `event_time` in the API's form.
pub fn synced_form(webhook: &LiveEvent, id: i64) -> StoredEvent {
    let time = chrono::DateTime::from_timestamp_micros(webhook.event_time_micros).unwrap();
    let text = webhook
        .raw
        .replace(r#""id":null"#, &format!(r#""id":{id}"#))
        .replace(
            &time.format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
            &time.format("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string(),
        );
    let raw: Box<RawValue> = serde_json::from_str(&text).unwrap();
    StoredEvent::from_raw(&raw).unwrap()
}

/// Waits, when the clock is within a few minutes of midnight in UTC or in New York, until it is a few
/// minutes past: these tests place events up to a few minutes before now, all of which must fall on the
/// day the count is read in, and the count must not reset while a test runs.
pub async fn clear_of_midnight() {
    use chrono::Timelike;
    const MARGIN: i64 = 180;
    const DAY: i64 = 86_400;
    for zone in [chrono_tz::UTC, chrono_tz::America::New_York] {
        let into_day = chrono::Utc::now()
            .with_timezone(&zone)
            .num_seconds_from_midnight() as i64;
        let wait = match into_day {
            t if t < MARGIN => MARGIN - t,
            t if t > DAY - MARGIN => DAY - t + MARGIN,
            _ => 0,
        };
        tokio::time::sleep(Duration::from_secs(wait as u64)).await;
    }
}
