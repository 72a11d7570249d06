//! Starts a simulated cloud and a gateway on loopback ports and talks to them over real HTTP.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::http::header::HeaderMap;
use actix_web::http::{Method, StatusCode};
use camlytics_gateway::cache::settings::CacheSettings;
use camlytics_gateway::callers::settings::CallerQuota;
use camlytics_gateway::callers::CallersSettings;
use camlytics_gateway::live::settings::LiveSettings;
use camlytics_gateway::mirror::settings::MirrorSettings;
use camlytics_gateway::secret::Secret;
use camlytics_gateway::settings::{BaseUrl, Settings, UpstreamSettings};
use camlytics_gateway::simulator::{Simulator, SimulatorHandle, SimulatorSettings};
use camlytics_gateway::startup::Application;
use tempfile::TempDir;

/// The key and secret the test cloud accepts.
pub const KEY: &str = "test-key";
/// Distinctive, so a leak is easy to find in any output.
pub const SECRET: &str = "s3cr3t-Zq9-never-print-me";

/// What a test may change about the gateway and the cloud.
#[derive(Clone)]
pub struct TestConfig {
    pub upstream_rps: f64,
    pub max_wait: Duration,
    pub upstream_timeout: Duration,
    pub cache: CacheSettings,
    pub simulator: SimulatorSettings,
    /// Tokens, per-caller quota, CORS and request limits; open and effectively unlimited by default.
    pub callers: CallersSettings,
    /// The mirror; off by default, as most tests count the gateway's upstream calls.
    pub mirror: MirrorSettings,
    /// The live side: webhook tokens (none by default), stream cap, retention.
    pub live: LiveSettings,
}

impl Default for TestConfig {
    fn default() -> Self {
        Self {
            upstream_rps: 1000.0,
            max_wait: Duration::from_secs(10),
            upstream_timeout: Duration::from_secs(5),
            // Tests count upstream calls; the start-up warm-up is tested on its own.
            cache: CacheSettings {
                warm_dimensions: false,
                ..CacheSettings::default()
            },
            simulator: SimulatorSettings {
                key: KEY.into(),
                secret: Secret::new(SECRET),
                requests_per_second: 0.0,
                ..SimulatorSettings::default()
            },
            callers: CallersSettings {
                quota: Some(CallerQuota {
                    rps: 100_000.0,
                    burst: 100_000,
                }),
                ..CallersSettings::open()
            },
            mirror: MirrorSettings::off(),
            live: LiveSettings::default(),
        }
    }
}

/// A running simulator and gateway.
pub struct TestApp {
    /// `http://127.0.0.1:<port>/service/api/v1` of the gateway.
    pub api: String,
    /// The simulated cloud's counters and faults.
    pub cloud: SimulatorHandle,
    /// The simulated cloud's base URL.
    pub cloud_url: String,
    /// The gateway's nonce state directory.
    pub state_dir: TempDir,
    pub config: TestConfig,
    gateway: ServerHandle,
    gateway_task: actix_web::rt::task::JoinHandle<std::io::Result<()>>,
    client: awc::Client,
}

/// A gateway answer, read whole.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The `result` array of a success envelope.
    pub fn result(&self) -> Vec<serde_json::Value> {
        let json = self.json();
        assert_eq!(json["code"], 0, "not a success envelope: {}", self.body);
        json["result"].as_array().cloned().unwrap_or_default()
    }
}

/// Starts the simulator and a gateway with default test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(TestConfig::default()).await
}

/// Starts the simulator and a gateway with the given settings.
pub async fn spawn_app_with(config: TestConfig) -> TestApp {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let simulator = Simulator::start(config.simulator.clone(), listener).unwrap();
    let cloud = simulator.handle();
    let cloud_url = simulator.base_url();
    actix_web::rt::spawn(simulator.run_until_stopped());
    let state_dir = tempfile::tempdir().unwrap();
    let (api, gateway, gateway_task) = start_gateway(&config, &cloud_url, &state_dir);
    TestApp {
        api,
        cloud,
        cloud_url,
        state_dir,
        config,
        gateway,
        gateway_task,
        client: awc::Client::builder()
            .timeout(Duration::from_secs(60))
            .finish(),
    }
}

/// Gateway settings for a test, pointing at `cloud_url`.
pub fn gateway_settings(config: &TestConfig, cloud_url: &str, state_dir: &TempDir) -> Settings {
    Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        upstream: UpstreamSettings {
            api_key: KEY.into(),
            api_secret: Secret::new(SECRET),
            base_url: BaseUrl::parse(cloud_url).unwrap(),
            state_dir: state_dir.path().to_path_buf(),
            upstream_rps: config.upstream_rps,
            max_wait: config.max_wait,
            upstream_timeout: config.upstream_timeout,
        },
        cache: config.cache.clone(),
        callers: config.callers.clone(),
        mirror: config.mirror.clone(),
        live: config.live.clone(),
    }
}

type RunningGateway = (
    String,
    ServerHandle,
    actix_web::rt::task::JoinHandle<std::io::Result<()>>,
);

fn start_gateway(config: &TestConfig, cloud_url: &str, state_dir: &TempDir) -> RunningGateway {
    let app = Application::build(gateway_settings(config, cloud_url, state_dir)).unwrap();
    let api = format!("http://127.0.0.1:{}/service/api/v1", app.port());
    let handle = app.handle();
    let task = actix_web::rt::spawn(app.run_until_stopped());
    (api, handle, task)
}

impl TestApp {
    /// GETs `path_and_query` below the gateway's base path.
    pub async fn get(&self, path_and_query: &str) -> Answer {
        self.get_url(&format!("{}{}", self.api, path_and_query), &[])
            .await
    }

    /// GETs an absolute URL with extra headers.
    pub async fn get_url(&self, url: &str, headers: &[(&str, &str)]) -> Answer {
        self.send(Method::GET, url, headers).await
    }

    /// The gateway's `http://127.0.0.1:<port>`, for paths outside the API (health, metrics, admin).
    pub fn origin(&self) -> String {
        self.api
            .trim_end_matches(camlytics_gateway::camlytics::BASE_PATH)
            .to_string()
    }

    /// Sends a request with any method to an absolute URL, with extra headers.
    pub async fn send(&self, method: Method, url: &str, headers: &[(&str, &str)]) -> Answer {
        let mut request = self.client.request(method, url);
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        let mut response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let body = response.body().limit(64 * 1024 * 1024).await.unwrap();
        Answer {
            status: response.status(),
            headers: response.headers().clone(),
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    /// Stops the gateway gracefully: it stops accepting, finishes what is in flight, then ends.
    pub async fn stop_gracefully(&self) {
        self.gateway.stop(true).await;
    }

    /// Stops the gateway gracefully and starts a new one on the same nonce state.
    pub async fn restart_gateway(&mut self) {
        self.gateway.stop(true).await;
        // The old server releases the nonce state only once its task has ended.
        (&mut self.gateway_task).await.unwrap().unwrap();
        let (api, gateway, task) = start_gateway(&self.config, &self.cloud_url, &self.state_dir);
        self.api = api;
        self.gateway = gateway;
        self.gateway_task = task;
    }
}

/// Asserts that nonces only ever went up.
pub fn assert_strictly_increasing(nonces: &[i64]) {
    for pair in nonces.windows(2) {
        assert!(
            pair[0] < pair[1],
            "nonce {} was followed by {}",
            pair[0],
            pair[1]
        );
    }
}
