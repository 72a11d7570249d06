//! A `Fetch` that asks the gateway (which signs) for `/events` pages, optionally slowly or only N times.

use std::cell::Cell;
use std::time::Duration;

use actix_web::web::Bytes;
use camlytics_gateway::error::GatewayError;
use camlytics_gateway::upstream::{Fetch, UpstreamAnswer, UpstreamRequest};

/// Fetches through the gateway at `api`.
pub struct GatewayFetch {
    api: String,
    client: awc::Client,
    /// Pages it will still fetch; then it fails as a cloud gone away would.
    pages_left: Cell<usize>,
    /// Pause before each page, so that a sync is slow enough to be killed mid-way.
    delay: Duration,
}

impl GatewayFetch {
    /// Fetches every page asked, at once.
    pub fn new(api: &str) -> Self {
        Self::limited(api, usize::MAX, Duration::ZERO)
    }

    /// Fetches `pages` pages, each after `delay`, then fails.
    pub fn limited(api: &str, pages: usize, delay: Duration) -> Self {
        Self {
            api: api.to_owned(),
            client: awc::Client::builder()
                .timeout(Duration::from_secs(30))
                .finish(),
            pages_left: Cell::new(pages),
            delay,
        }
    }
}

#[async_trait::async_trait(?Send)]
impl Fetch for GatewayFetch {
    async fn fetch(&self, request: &UpstreamRequest) -> Result<UpstreamAnswer, GatewayError> {
        assert!(request.background, "the mirror must queue behind callers");
        let Some(left) = self.pages_left.get().checked_sub(1) else {
            return Err(GatewayError::BadGateway("stopped by the test".into()));
        };
        self.pages_left.set(left);
        actix_web::rt::time::sleep(self.delay).await;
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(request.params.iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        let url = format!("{}{}?{query}", self.api, request.endpoint);
        let mut response = self
            .client
            .get(&url)
            .send()
            .await
            .map_err(|e| GatewayError::BadGateway(format!("GET {url}: {e}")))?;
        let body: Bytes = response
            .body()
            .limit(16 * 1024 * 1024)
            .await
            .map_err(|e| GatewayError::BadGateway(format!("GET {url}: {e}")))?;
        if !response.status().is_success() {
            return Err(GatewayError::BadGateway(format!(
                "GET {url}: {}",
                response.status()
            )));
        }
        Ok(UpstreamAnswer { body, date: None })
    }
}
