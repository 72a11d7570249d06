//! One call through the lane: take the turn, take a nonce, sign, send, read, classify, retry when it helps.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::{header, StatusCode};
use actix_web::web::Bytes;
use tokio::time::Instant;

use super::lane::Lane;
use super::nonce::{NonceAllocator, NonceError, MAX_NONCE};
use super::response::{classify, Classified};
use super::settings::UpstreamSettings;
use super::signing::sign;
use super::target::request_target;
use crate::error::GatewayError;

/// Largest body accepted from the cloud (an events page of 1000 is well under 1 MiB).
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Fresh nonces tried after the cloud rejects one, before the key is declared shared.
const NONCE_RETRIES: u32 = 2;
/// Most sends for one caller, whatever the cloud answers.
const MAX_ATTEMPTS: u32 = 6;

/// What a caller needs from the cloud: an endpoint and its validated, canonical parameters.
#[derive(Debug, Clone)]
pub struct UpstreamRequest {
    /// Endpoint path below the base path, e.g. `/totals/triggers`.
    pub endpoint: &'static str,
    /// Parameters without the nonce, values in canonical (unencoded) form.
    pub params: Vec<(&'static str, String)>,
    /// Who asks, for fair queueing in the lane.
    pub caller: String,
    /// Background work (refresh-ahead): queued behind every caller.
    pub background: bool,
}

/// Everything shared by all workers for one API key: settings, the lane and the nonce allocator.
pub struct Upstream {
    settings: UpstreamSettings,
    lane: Arc<Lane>,
    nonces: Arc<dyn NonceAllocator>,
    /// Unix seconds of the cloud's last success (0: none yet), for readiness.
    last_success: AtomicI64,
}

impl Upstream {
    /// Joins the settings, lane and nonce allocator of one key.
    pub fn new(settings: UpstreamSettings, nonces: Arc<dyn NonceAllocator>) -> Arc<Self> {
        let lane = Lane::new(settings.upstream_rps);
        Arc::new(Self {
            settings,
            lane,
            nonces,
            last_success: AtomicI64::new(0),
        })
    }

    /// When the cloud last accepted a signed call from this gateway, if ever.
    pub fn last_success(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        match self.last_success.load(Ordering::Relaxed) {
            0 => None,
            secs => chrono::DateTime::from_timestamp(secs, 0),
        }
    }

    /// The nonce allocator, for metrics and health.
    pub fn nonces(&self) -> &Arc<dyn NonceAllocator> {
        &self.nonces
    }

    /// The validated settings.
    pub fn settings(&self) -> &UpstreamSettings {
        &self.settings
    }
}

/// Something that gets answers from the cloud: the per-worker [`UpstreamClient`], or a stand-in in tests.
/// Futures need not be `Send`: awc's client lives on one worker thread.
#[async_trait::async_trait(?Send)]
pub trait Fetch {
    /// Gets one answer for `request`.
    async fn fetch(&self, request: &UpstreamRequest) -> Result<UpstreamAnswer, GatewayError>;
}

#[async_trait::async_trait(?Send)]
impl Fetch for actix_web::web::Data<UpstreamClient> {
    async fn fetch(&self, request: &UpstreamRequest) -> Result<UpstreamAnswer, GatewayError> {
        UpstreamClient::fetch(self, request).await
    }
}

/// The per-worker client: awc's client is not `Send`, so each worker builds one over the shared [`Upstream`].
pub struct UpstreamClient {
    upstream: Arc<Upstream>,
    http: awc::Client,
}

/// A successful answer from the cloud: the body exactly as received, and the cloud's clock.
#[derive(Debug, Clone)]
pub struct UpstreamAnswer {
    /// The JSON envelope, byte for byte.
    pub body: Bytes,
    /// The cloud's `Date` header, if any.
    pub date: Option<String>,
}

impl UpstreamClient {
    /// Builds this worker's HTTP client over the shared upstream.
    pub fn new(upstream: Arc<Upstream>) -> Self {
        let http = awc::Client::builder()
            // Our own timeout covers send and body together; awc's is a backstop.
            .timeout(upstream.settings.upstream_timeout + Duration::from_secs(1))
            .add_default_header((header::ACCEPT, "application/json"))
            .finish();
        Self { upstream, http }
    }

    /// The upstream shared by all workers (lane, nonces, last success).
    pub fn shared(&self) -> &Arc<Upstream> {
        &self.upstream
    }

    /// Gets one answer from the cloud, waiting at most `GATEWAY_MAX_WAIT` for a turn in the lane.
    pub async fn fetch(&self, request: &UpstreamRequest) -> Result<UpstreamAnswer, GatewayError> {
        let settings = &self.upstream.settings;
        let deadline = Instant::now() + settings.max_wait;
        let mut nonce_rejections = 0;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let lane = &self.upstream.lane;
            let asked = std::time::Instant::now();
            let turn = if request.background {
                lane.enter_background(deadline).await
            } else {
                lane.enter(&request.caller, deadline).await
            };
            let turn = turn.map_err(|full| {
                GatewayError::lane_full(settings.upstream_rps, settings.max_wait, full.retry_after)
            })?;
            metrics::histogram!("gateway_lane_wait_seconds").record(asked.elapsed().as_secs_f64());
            let nonce = self.upstream.nonces.next().await.map_err(nonce_failure)?;
            metrics::gauge!("gateway_nonce_current").set(nonce as f64);
            metrics::gauge!("gateway_nonce_remaining").set((MAX_NONCE - nonce) as f64);
            let target = request_target(
                &settings.base_url.base_path,
                request.endpoint,
                &request.params,
                nonce,
            );
            let started = std::time::Instant::now();
            let outcome = self.send(&target, nonce).await;
            // Only now, with the answer in, may the next nonce go out.
            drop(turn);
            let took = started.elapsed();
            log::info!(
                target: "camlytics_gateway::upstream",
                "GET {target} -> {} in {took:.0?}",
                outcome.summary()
            );
            metrics::histogram!("gateway_upstream_latency_seconds", "endpoint" => request.endpoint)
                .record(took.as_secs_f64());
            metrics::counter!(
                "gateway_upstream_calls_total",
                "endpoint" => request.endpoint,
                "outcome" => outcome.label()
            )
            .increment(1);
            match outcome {
                Classified::Success(answer) => {
                    self.upstream
                        .last_success
                        .store(chrono::Utc::now().timestamp(), Ordering::Relaxed);
                    return Ok(answer);
                }
                Classified::NonceRejected { last_accepted, msg } => {
                    nonce_rejections += 1;
                    if nonce_rejections > NONCE_RETRIES || attempts >= MAX_ATTEMPTS {
                        return Err(GatewayError::BadGateway(format!(
                            "the cloud rejected {nonce_rejections} nonces in a row ({msg}): the API key seems to be shared with another client that uses higher nonces; give the gateway a key of its own"
                        )));
                    }
                    let floor = last_accepted.unwrap_or(nonce).max(nonce);
                    self.upstream
                        .nonces
                        .raise_floor(floor)
                        .await
                        .map_err(nonce_failure)?;
                    log::warn!("the cloud rejected nonce {nonce} ({msg}); retrying above {floor}");
                }
                Classified::Throttled {
                    status,
                    retry_after,
                } => {
                    self.upstream.lane.pause_for(retry_after);
                    if attempts >= MAX_ATTEMPTS || Instant::now() + retry_after > deadline {
                        return Err(GatewayError::CloudBusy {
                            msg: format!(
                                "the cloud is {} for now (it answered {status}); try again later",
                                if status == StatusCode::TOO_MANY_REQUESTS {
                                    "throttling this key"
                                } else {
                                    "unavailable"
                                }
                            ),
                            retry_after,
                        });
                    }
                }
                Classified::Failed(error) => return Err(error),
            }
        }
    }

    /// Sends one signed call and classifies the answer; the whole exchange is bounded by the upstream timeout.
    async fn send(&self, target: &str, nonce: i64) -> Classified {
        let settings = &self.upstream.settings;
        let url = format!("{}{}", settings.base_url.origin, target);
        let exchange = async {
            let mut response = self
                .http
                .get(url.as_str())
                .insert_header(("X-Key", settings.api_key.as_str()))
                .insert_header(("X-Sign", sign(&settings.api_secret, target)))
                .send()
                .await
                .map_err(|e| {
                    GatewayError::BadGateway(format!("the cloud cannot be reached: {e}"))
                })?;
            let body = response.body().limit(MAX_BODY_BYTES).await.map_err(|e| {
                GatewayError::BadGateway(format!("the cloud's answer could not be read: {e}"))
            })?;
            Ok::<_, GatewayError>((response.status(), response.headers().clone(), body))
        };
        match tokio::time::timeout(settings.upstream_timeout, exchange).await {
            Ok(Ok((status, headers, body))) => classify(status, &headers, body, nonce),
            Ok(Err(error)) => Classified::Failed(error),
            Err(_) => {
                Classified::Failed(GatewayError::upstream_timed_out(settings.upstream_timeout))
            }
        }
    }
}

fn nonce_failure(error: NonceError) -> GatewayError {
    log::error!("{error}");
    GatewayError::OutOfService(error.to_string())
}
