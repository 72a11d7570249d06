//! A group of real gateway processes on one key and one real Redis, against the simulated cloud in this process.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use camlytics_gateway::secret::Secret;
use camlytics_gateway::simulator::{Simulator, SimulatorHandle, SimulatorSettings};
use tempfile::TempDir;

use crate::helpers::{KEY, SECRET};
use crate::process::GatewayProcess;

/// The simulated cloud for the test key, with its own rate limit (0: none) and latency.
pub fn start_cloud(requests_per_second: f64, latency: Duration) -> (SimulatorHandle, String) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let simulator = Simulator::start(
        SimulatorSettings {
            key: KEY.into(),
            secret: Secret::new(SECRET),
            requests_per_second,
            latency,
            ..SimulatorSettings::default()
        },
        listener,
    )
    .expect("the simulator starts");
    let (handle, url) = (simulator.handle(), simulator.base_url());
    actix_web::rt::spawn(simulator.run_until_stopped());
    (handle, url)
}

/// One gateway of the group: its process (while it runs) and its own state directory, which outlives it.
pub struct Member {
    pub process: Option<GatewayProcess>,
    pub state: TempDir,
    cloud_url: String,
    env: Vec<(String, String)>,
}

impl Member {
    /// Starts a gateway in the group on `redis_url`, with `env` on top of the test defaults.
    pub fn start(cloud_url: &str, redis_url: &str, env: &[(&str, &str)]) -> Self {
        let mut all: Vec<(String, String)> = vec![("GATEWAY_REDIS_URL".into(), redis_url.into())];
        all.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let mut member = Self {
            process: None,
            state: tempfile::tempdir().expect("a state dir"),
            cloud_url: cloud_url.into(),
            env: all,
        };
        member.restart();
        member
    }

    /// Starts the process (again) on the same state directory.
    pub fn restart(&mut self) {
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.process = Some(GatewayProcess::start(
            &self.cloud_url,
            self.state.path(),
            &env,
        ));
    }

    /// `kill -9` of the process.
    pub fn kill(&mut self) -> String {
        self.process
            .take()
            .map(GatewayProcess::kill)
            .unwrap_or_default()
    }

    /// The gateway's API base URL.
    pub fn api(&self) -> &str {
        &self.process.as_ref().expect("a running gateway").api
    }

    /// The running gateway's `http://127.0.0.1:<port>`, for paths outside the API.
    pub fn origin(&self) -> String {
        self.process.as_ref().expect("a running gateway").origin()
    }
}

/// A status, its `Retry-After` and `Cache-Status`, and body.
pub struct Reply {
    pub status: StatusCode,
    pub retry_after: Option<String>,
    pub cache_status: Option<String>,
    pub body: String,
}

/// A client patient enough for a whole test's queue.
pub fn client() -> awc::Client {
    awc::Client::builder()
        .timeout(Duration::from_secs(120))
        .finish()
}

/// GETs `url` with extra headers.
pub async fn get(client: &awc::Client, url: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = client.get(url);
    for (name, value) in headers {
        request = request.insert_header((*name, *value));
    }
    let mut response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let body = response
        .body()
        .limit(16 * 1024 * 1024)
        .await
        .unwrap_or_default();
    Reply {
        status: response.status(),
        retry_after: response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        cache_status: response
            .headers()
            .get("cache-status")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// Asks `url` (with `headers`) until it answers 200 or `within` passed; answers how long it took.
pub async fn until_ok(
    client: &awc::Client,
    url: &str,
    headers: &[(&str, &str)],
    within: Duration,
) -> Duration {
    let started = Instant::now();
    loop {
        let reply = get(client, url, headers).await;
        if reply.status == StatusCode::OK {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "{url} still answers {} after {within:?}: {}",
            reply.status,
            reply.body
        );
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
}
