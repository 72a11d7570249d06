//! A gateway that answers from a mirror synced from the simulated cloud, beside the plain gateway of
//! `spawn_app` (no mirror: it forwards to the cloud, so its answers are the cloud's own bytes).

use std::sync::Arc;

use camlytics_gateway::mirror::coverage::Coverage;
use camlytics_gateway::mirror::handle::Mirror;
use camlytics_gateway::mirror::sqlite::SqliteStore;
use camlytics_gateway::mirror::store::{EventStore, Span};
use camlytics_gateway::mirror::sync::sync_until_caught_up;
use camlytics_gateway::startup::{Application, Backends};
use tempfile::TempDir;

use super::fetch::GatewayFetch;
use super::start;
use crate::helpers::{gateway_settings, spawn_app, Answer, TestApp};

/// The simulated cloud, the plain gateway before it, and a gateway whose mirror holds every event.
pub struct Mirrored {
    /// The cloud and the plain gateway (`app.get` answers as the cloud would).
    pub app: TestApp,
    /// `http://127.0.0.1:<port>/service/api/v1` of the gateway with the mirror.
    pub api: String,
    /// Its mirror.
    pub mirror: Arc<Mirror>,
    _dirs: [TempDir; 2],
}

/// Where the simulator's events end, and so where the coverage ends.
pub fn anchor(app: &TestApp) -> chrono::DateTime<chrono::Utc> {
    app.config.simulator.data_anchor
}

/// The coverage of a sync from [`start`] that caught up at the simulator's anchor.
pub fn full_coverage(app: &TestApp) -> Coverage {
    Coverage {
        span: Some(Span {
            from_micros: start().timestamp_micros(),
            to_micros: anchor(app).timestamp_micros(),
        }),
        gaps: Vec::new(),
    }
}

/// Syncs a fresh store from the cloud (through the plain gateway), then starts a gateway on it.
pub async fn spawn_mirrored() -> Mirrored {
    let app = spawn_app().await;
    let store_dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_in(store_dir.path()).await.unwrap();
    sync_until_caught_up(&GatewayFetch::new(&app.api), &store, start())
        .await
        .unwrap();
    let coverage = full_coverage(&app);
    spawn_mirrored_over(app, Arc::new(store), coverage, store_dir).await
}

/// Starts a gateway whose mirror is `store` holding `coverage`, beside `app`.
pub async fn spawn_mirrored_over(
    app: TestApp,
    store: Arc<dyn EventStore>,
    coverage: Coverage,
    store_dir: TempDir,
) -> Mirrored {
    let mirror = Arc::new(Mirror::new(store, coverage));
    let state_dir = tempfile::tempdir().unwrap();
    let settings = gateway_settings(&app.config, &app.cloud_url, &state_dir);
    let mut backends = Backends::single(&settings).unwrap();
    backends.mirror = Some(mirror.clone());
    let gateway = Application::build_with(settings, backends).unwrap();
    let api = format!("http://127.0.0.1:{}/service/api/v1", gateway.port());
    actix_web::rt::spawn(gateway.run_until_stopped());
    Mirrored {
        app,
        api,
        mirror,
        _dirs: [store_dir, state_dir],
    }
}

impl Mirrored {
    /// GETs `path_and_query` below the mirrored gateway's base path.
    pub async fn get(&self, path_and_query: &str) -> Answer {
        self.get_with(path_and_query, &[]).await
    }

    /// GETs `path_and_query` below the mirrored gateway's base path, with headers.
    pub async fn get_with(&self, path_and_query: &str, headers: &[(&str, &str)]) -> Answer {
        self.app
            .get_url(&format!("{}{path_and_query}", self.api), headers)
            .await
    }

    /// GETs a path of the mirrored gateway outside the cloud's base path (`/v1/series?...`).
    pub async fn own(&self, path_and_query: &str, headers: &[(&str, &str)]) -> Answer {
        let origin = self
            .api
            .trim_end_matches(camlytics_gateway::camlytics::BASE_PATH);
        self.app
            .get_url(&format!("{origin}{path_and_query}"), headers)
            .await
    }

    /// Asks the mirrored gateway and asserts the cloud heard nothing of it.
    pub async fn get_without_upstream(&self, path_and_query: &str) -> Answer {
        let before = self.app.cloud.requests();
        let answer = self.get(path_and_query).await;
        assert_eq!(
            self.app.cloud.requests(),
            before,
            "{path_and_query} went upstream"
        );
        answer
    }

    /// Fills the mirrored gateway's cache with the dimension lists the totals read (one call each).
    pub async fn warm_lists(&self) {
        for list in ["/triggers", "/channels", "/locations"] {
            assert_eq!(self.get(list).await.status, 200);
        }
    }
}

/// The `Cache-Status` of an answer.
pub fn cache_status(answer: &Answer) -> &str {
    answer
        .headers
        .get("cache-status")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// What answers from the mirror say.
pub const FROM_MIRROR: &str = "camlytics-gateway; hit; detail=mirror";
