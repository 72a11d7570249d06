//! One call through the lane: take the turn, take a nonce, sign, send, read, classify, retry when it helps.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::{header, StatusCode};
use tokio::time::Instant;

use super::floor::{read_claim, Claim};
use super::lane_trait::Turn;
use super::nonce::{NonceError, MAX_NONCE};
use super::response::{classify, Classified};
use super::shared::{Upstream, UpstreamAnswer, UpstreamRequest};
use super::signing::sign;
use super::target::request_target;
use crate::error::GatewayError;

/// Largest body accepted from the cloud: an events page of 1000 is well under 1 MiB, and a dimension list
/// of thousands of cameras a few MiB; a larger or endless body is cut off here, bounding memory.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Fresh nonces tried after the cloud rejects one, before the key is declared shared.
const NONCE_RETRIES: u32 = 2;
/// Most sends for one caller, whatever the cloud answers.
const MAX_ATTEMPTS: u32 = 6;
/// `Retry-After` when the nonce's coordinator (a group's Redis) cannot hand one out.
const NONCE_RETRY_AFTER: Duration = Duration::from_secs(2);

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
/// Cloning is cheap (two reference counts): a call runs in a task of its own holding a clone.
#[derive(Clone)]
pub struct UpstreamClient {
    upstream: Arc<Upstream>,
    http: awc::Client,
}

impl UpstreamClient {
    /// Builds this worker's HTTP client over the shared upstream.
    pub fn new(upstream: Arc<Upstream>) -> Self {
        let http = awc::Client::builder()
            // Our own timeout covers send and body together; awc's is a backstop.
            .timeout(
                upstream
                    .settings
                    .upstream_timeout
                    .saturating_add(Duration::from_secs(1)),
            )
            .add_default_header((header::ACCEPT, "application/json"))
            .finish();
        Self { upstream, http }
    }

    /// The upstream shared by all workers (lane, nonces, last success).
    pub fn shared(&self) -> &Arc<Upstream> {
        &self.upstream
    }

    /// Gets one answer from the cloud, waiting at most `GATEWAY_MAX_WAIT` for a turn in the lane.
    ///
    /// A caller who disconnects while waiting gives up its place and costs nothing. Once the turn is held,
    /// the exchange runs in a task of its own on this worker: a caller who disconnects then drops only the
    /// wait for the answer, never a signed call on the wire, so the turn is held until the cloud has answered
    /// (or the upstream timeout passed) and nonce N+1 cannot overtake N.
    pub async fn fetch(&self, request: &UpstreamRequest) -> Result<UpstreamAnswer, GatewayError> {
        let settings = &self.upstream.settings;
        let now = Instant::now();
        let deadline = now.checked_add(settings.max_wait).unwrap_or(now);
        let mut nonce_rejections = 0;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let turn = self.wait_for_turn(request, deadline).await?;
            let (client, call) = (self.clone(), request.clone());
            let (nonce, outcome) =
                actix_web::rt::spawn(async move { client.exchange(&call, turn).await })
                    .await
                    .unwrap_or_else(|_| {
                        Err(GatewayError::BadGateway(
                            "the call to the cloud ended abruptly".into(),
                        ))
                    })?;
            match outcome {
                Classified::Success(answer) => return Ok(answer),
                Classified::NonceRejected { msg } => {
                    nonce_rejections += 1;
                    if nonce_rejections > NONCE_RETRIES || attempts >= MAX_ATTEMPTS {
                        return Err(GatewayError::BadGateway(format!(
                            "the cloud rejected {nonce_rejections} nonces in a row ({msg}): the API key seems to be shared with another client that uses higher nonces; give the gateway a key of its own"
                        )));
                    }
                    let floor = self.floor_after_rejection(nonce, &msg);
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
                    let retry_at = Instant::now().checked_add(retry_after);
                    if attempts >= MAX_ATTEMPTS || retry_at.is_none_or(|at| at > deadline) {
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

    /// Waits for this request's turn in the lane (behind every caller, for background work).
    async fn wait_for_turn(
        &self,
        request: &UpstreamRequest,
        deadline: Instant,
    ) -> Result<Box<dyn Turn>, GatewayError> {
        let settings = &self.upstream.settings;
        let lane = &self.upstream.lane;
        let asked = std::time::Instant::now();
        let turn = if request.background {
            lane.enter_background(deadline).await
        } else {
            lane.enter(&request.caller, deadline).await
        };
        let turn = turn.map_err(|full| match full.reason {
            Some(reason) => GatewayError::Unavailable {
                msg: reason,
                retry_after: full.retry_after,
            },
            None => {
                GatewayError::lane_full(settings.upstream_rps, settings.max_wait, full.retry_after)
            }
        })?;
        // Apart by class, so that callers' waits can be read without background work's (refresh-ahead, the
        // mirror), which waits behind every caller by design.
        let class = if request.background {
            "background"
        } else {
            "caller"
        };
        metrics::histogram!("gateway_lane_wait_seconds", "class" => class)
            .record(asked.elapsed().as_secs_f64());
        Ok(turn)
    }

    /// With the turn held: takes a nonce, signs, sends and classifies the answer, and only then lets the turn
    /// go. Returns the nonce used with what the cloud said.
    async fn exchange(
        &self,
        request: &UpstreamRequest,
        turn: Box<dyn Turn>,
    ) -> Result<(i64, Classified), GatewayError> {
        let settings = &self.upstream.settings;
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
        let outcome = self.send(&target).await;
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
        if matches!(outcome, Classified::Success(_)) {
            self.upstream
                .last_success
                .store(chrono::Utc::now().timestamp(), Ordering::Relaxed);
        }
        Ok((nonce, outcome))
    }

    /// Sends one signed call and classifies the answer; the whole exchange is bounded by the upstream timeout.
    async fn send(&self, target: &str) -> Classified {
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
            Ok(Ok((status, headers, body))) => classify(status, &headers, body),
            Ok(Err(error)) => Classified::Failed(error),
            Err(_) => {
                Classified::Failed(GatewayError::upstream_timed_out(settings.upstream_timeout))
            }
        }
    }
}

impl UpstreamClient {
    /// The nonce to retry above after the cloud rejected `nonce` with `msg`: the cloud's last accepted
    /// nonce when its message says one believably (see `floor`), else our own, so the retry takes the
    /// next fresh nonce.
    fn floor_after_rejection(&self, nonce: i64, msg: &str) -> i64 {
        match read_claim(msg, nonce, chrono::Utc::now().timestamp()) {
            Claim::Believed(last_accepted) => last_accepted,
            Claim::Doubted(number) => {
                if !self.upstream.doubt_logged.swap(true, Ordering::Relaxed) {
                    log::warn!(
                        "the cloud's nonce rejection names {number}, which no client of this key could have used (past 2^31-1 or a day past the clock); the gateway does not move its nonces there and retries with a fresh nonce (logged once)"
                    );
                }
                nonce
            }
            Claim::Silent => nonce,
        }
    }
}

fn nonce_failure(error: NonceError) -> GatewayError {
    if let NonceError::Unavailable(msg) = error {
        // The coordinator will be back: a 503 the caller may retry, not a gateway out of service.
        log::warn!("{msg}");
        return GatewayError::Unavailable {
            msg,
            retry_after: NONCE_RETRY_AFTER,
        };
    }
    log::error!("{error}");
    GatewayError::OutOfService(error.to_string())
}
