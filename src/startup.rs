//! Building and running the gateway: the one place that assembles the server, used by `main` and every test.

use std::net::TcpListener;
use std::sync::Arc;

use actix_service::IntoServiceFactory;
use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};

use crate::api;
use crate::cache::second_level::{NoSecondLevel, SecondLevel};
use crate::cache::ResponseCache;
use crate::callers;
use crate::docs;
use crate::front_door::FrontDoor;
use crate::group::backends::{GroupBackends, GroupLink};
use crate::group::settings::GroupSettings;
use crate::live::occupancy::feeding::{self, Sources};
use crate::live::occupancy::names::CachedTriggers;
use crate::live::occupancy::service::OccupancyService;
use crate::live::service::LiveService;
use crate::live::stream::EventStreams;
use crate::mirror::handle::Mirror;
use crate::mirror::route::MirrorStatus;
use crate::mirror::service::{MirrorService, RunningMirror};
use crate::ops::{self, health::Readiness};
use crate::settings::Settings;
use crate::upstream::lane::Lane;
use crate::upstream::lane_trait::UpstreamLane;
use crate::upstream::nonce::{system_clock, FileNonceAllocator, NonceAllocator};
use crate::upstream::{Upstream, UpstreamClient};

/// How long in-flight requests may take to finish after a shutdown signal.
const SHUTDOWN_GRACE_SECS: u64 = 30;
/// How long a client may take to close its side after the answer, before the connection is dropped.
const CLIENT_DISCONNECT_SECS: std::time::Duration = std::time::Duration::from_secs(1);

/// A gateway bound to its port, ready to run.
pub struct Application {
    port: u16,
    server: Server,
    /// Reloads tokens and summarises refusals beside the server.
    upkeep: callers::upkeep::Upkeep,
    /// In a group: applies the other gateways' purges to this gateway's cache.
    purges: Option<tokio::task::JoinHandle<()>>,
    /// The mirror the answers read (`GATEWAY_MIRROR=on`), built once here.
    mirror: Option<Arc<Mirror>>,
    /// The mirror's runner, stopped with the server.
    mirror_runner: Option<RunningMirror>,
    /// The live side (intake log, feed), built once here.
    live: Arc<LiveService>,
    /// Drops intake log events past the retention.
    live_upkeep: tokio::task::JoinHandle<()>,
    /// Occupancy's rebuild and feeding tasks, aborted with the server.
    occupancy_tasks: Vec<tokio::task::JoinHandle<()>>,
    /// In a group: announces this gateway's live events and logs the others'.
    live_relay: Option<[tokio::task::JoinHandle<()>; 2]>,
}

/// Makes sure rustls has a crypto provider before any TLS connection (awc would panic without one).
pub fn install_crypto_provider() {
    // Err only means a provider is installed already, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The parts that a group of gateways sharing one key replaces; a gateway on its own keeps them in process.
pub struct Backends {
    /// Hands out nonces for the key.
    pub nonces: Arc<dyn NonceAllocator>,
    /// Orders and paces calls to the cloud.
    pub lane: Arc<dyn UpstreamLane>,
    /// The cache level shared with other gateways.
    pub second_level: Arc<dyn SecondLevel>,
    /// In a group: what counts caller quotas for the group and brings purges from the other gateways.
    pub group: Option<GroupLink>,
    /// A mirror made outside (a test's, over a store it synced) that answers instead of the one
    /// `GATEWAY_MIRROR` opens; `None` in `serve`.
    pub mirror: Option<Arc<Mirror>>,
}

impl Backends {
    /// A gateway on its own: the nonce mark in the state directory (locked), the in-process lane, no
    /// second cache level.
    pub fn single(settings: &Settings) -> Result<Self, String> {
        let nonces = FileNonceAllocator::open(
            &settings.upstream.state_dir,
            &settings.upstream.api_key,
            system_clock(),
        )?;
        Ok(Self {
            nonces: Arc::new(nonces),
            lane: Lane::new(settings.upstream.upstream_rps),
            second_level: Arc::new(NoSecondLevel),
            group: None,
            mirror: None,
        })
    }

    /// A gateway in a group of gateways on one key, coordinated through `group`'s Redis. Call it inside the
    /// runtime (it starts the group's background tasks).
    pub fn group(settings: &Settings, group: &GroupSettings) -> Result<Self, String> {
        let parts = GroupBackends::open(&settings.upstream, group)?;
        Ok(Self {
            nonces: parts.nonces,
            lane: parts.lane,
            second_level: parts.second_level,
            group: Some(parts.link),
            mirror: None,
        })
    }
}

impl Application {
    /// Opens the nonce state, binds `settings.listen` (port 0 picks a free port) and builds the server.
    pub fn build(settings: Settings) -> Result<Self, String> {
        let backends = Backends::single(&settings)?;
        Self::build_with(settings, backends)
    }

    /// Builds over given backends (a group's, or a test's).
    pub fn build_with(settings: Settings, backends: Backends) -> Result<Self, String> {
        install_crypto_provider();
        // Before anything registers metric handles (the cache keeps some).
        crate::ops::metrics::install();
        let listener = TcpListener::bind(settings.listen)
            .map_err(|e| format!("GATEWAY_LISTEN {} cannot be bound: {e}", settings.listen))?;
        let port = listener
            .local_addr()
            .map_err(|e| format!("the listener has no address: {e}"))?
            .port();
        // Built once, outside the factory: every worker shares one lane and one nonce allocator.
        let upstream = Upstream::with_lane(
            settings.upstream.clone(),
            backends.nonces,
            backends.lane.clone(),
        );
        let cache = ResponseCache::with_second_level(settings.cache.clone(), backends.second_level);
        let shared = upstream.clone();
        let shared_cache = web::Data::from(cache.clone());
        let document = api::openapi();
        let gate = web::Data::new(match &backends.group {
            Some(link) => callers::Gate::with_quotas(&settings.callers, settings.listen, |paces| {
                link.quotas(paces)
            }),
            None => callers::Gate::new(&settings.callers, settings.listen),
        });
        let gate_layer = gate.clone().into_inner();
        let cache_layer = cache.clone();
        let upkeep =
            callers::upkeep::Upkeep::new(gate_layer.clone(), settings.callers.token_sources);
        let (cors_origins, limits) = (settings.callers.cors_origins, settings.callers.limits);
        let mirror = settings.mirror.enabled.then(|| {
            // A store several gateways share is synced by one of them at a time, under the group's lease;
            // with a SQLite file each gateway has its own, and syncs it.
            let lease = match &backends.group {
                Some(link) if settings.mirror.store.is_shared() => Some(link.mirror_sync_lease()),
                _ => None,
            };
            MirrorService::open(
                &settings.mirror,
                &settings.upstream.state_dir,
                settings.upstream.upstream_rps,
                lease,
            )
        });
        let mirror_status = mirror.as_ref().map_or_else(
            || web::Data::new(MirrorStatus::off()),
            MirrorService::status,
        );
        // A mirror given in the backends (a test's, over a store it synced) answers instead of one opened here.
        let mirror_data = backends
            .mirror
            .clone()
            .or_else(|| mirror.as_ref().map(|m| m.mirror().clone()))
            .map(web::Data::from);
        let mirror_handle = mirror_data.as_ref().map(|m| m.clone().into_inner());
        let readiness = web::Data::new(
            Readiness::new(
                settings.upstream.state_dir.clone(),
                !settings.upstream.api_secret.expose().is_empty(),
            )
            .with_lane(backends.lane.clone()),
        );
        // Built once, outside the factory: every worker appends to one log and publishes to one feed.
        let live = Arc::new(LiveService::open(
            &settings.live,
            &settings.upstream.state_dir,
        ));
        let live_data = web::Data::from(live.clone());
        let occupancy = OccupancyService::new(&settings.live.occupancy);
        let occupancy_data = web::Data::from(occupancy.clone());
        let streams = web::Data::new(EventStreams::new(
            live.log().clone(),
            live.feed().clone(),
            settings.live.stream_max_subscribers as usize,
        ));
        let closing = streams.clone();
        let closing_occupancy = occupancy.clone();
        let server = HttpServer::new(move || {
            let app = App::new()
                .wrap(callers::GateLayer::new(gate_layer.clone()))
                .wrap(callers::cors(&cors_origins))
                .wrap(ops::access_log::Observe)
                .app_data(readiness.clone())
                .app_data(gate.clone())
                .app_data(web::Data::new(UpstreamClient::new(shared.clone())))
                .app_data(shared_cache.clone())
                .app_data(mirror_status.clone())
                .app_data(live_data.clone())
                .app_data(occupancy_data.clone())
                .app_data(streams.clone());
            let app = match &mirror_data {
                Some(mirror) => app.app_data(mirror.clone()),
                None => app,
            };
            let app = app
                .configure(api::configure)
                .configure(api::live_page::configure)
                .configure(docs::configure(document.clone()))
                .default_service(web::to(api::not_found));
            // Repeated request targets are answered at the door, ahead of the App.
            FrontDoor::new(
                app.into_factory(),
                gate_layer.clone(),
                cache_layer.clone(),
                !cors_origins.is_empty(),
            )
        })
        .shutdown_timeout(SHUTDOWN_GRACE_SECS)
        // SIGINT too must let requests in flight finish; actix alone would cut them off.
        .shutdown_signal(async move {
            ops::shutdown::signal().await;
            // Open streams never end on their own and would hold the graceful stop until its timeout.
            closing.close();
            closing_occupancy.close();
        })
        .client_request_timeout(limits.client_timeout)
        .client_disconnect_timeout(CLIENT_DISCONNECT_SECS)
        // A client that closes its side is gone: without this, an event stream it left would hold its
        // subscriber place until a heartbeat write failed (two heartbeats, 30 s). HTTP clients do not
        // half-close a connection while they wait for an answer.
        .h1_allow_half_closed(false)
        .keep_alive(limits.keep_alive)
        .listen(listener)
        .map_err(|e| format!("cannot listen: {e}"))?
        .run();
        if settings.cache.warm_dimensions {
            cache.warm_up(web::Data::new(UpstreamClient::new(upstream.clone())));
        }
        let purges = backends
            .group
            .as_ref()
            .map(|link| link.listen_for_purges(cache.clone()));
        let mirror_runner = mirror.map(|m| {
            m.start(
                web::Data::new(UpstreamClient::new(upstream.clone())),
                cache.clone(),
                settings.cache.settle_after,
            )
        });
        let live_upkeep = live.start_upkeep();
        let occupancy_tasks = feeding::start(
            occupancy,
            Sources {
                log: Some(live.log().clone()),
                feed: Some(live.feed().clone()),
                mirror: mirror_handle.clone(),
            },
            settings.cache.warm_dimensions.then(|| {
                Box::new(CachedTriggers {
                    cache: cache.clone(),
                    upstream: web::Data::new(UpstreamClient::new(upstream.clone())),
                }) as Box<dyn feeding::TriggerSource>
            }),
        );
        // In a group, what any gateway receives reaches every gateway's log, feed and subscribers.
        let live_relay = backends.group.as_ref().map(|link| {
            crate::live::relay::start(link.live_relay(), live.log().clone(), live.feed())
        });
        Ok(Self {
            port,
            server,
            upkeep,
            purges,
            mirror: mirror_handle,
            mirror_runner,
            live,
            live_upkeep,
            occupancy_tasks,
            live_relay,
        })
    }

    /// The port the gateway listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The mirror the answers read, when `GATEWAY_MIRROR=on`.
    pub fn mirror(&self) -> Option<&Arc<Mirror>> {
        self.mirror.as_ref()
    }

    /// The live side: the intake log and the feed.
    pub fn live(&self) -> &Arc<LiveService> {
        &self.live
    }

    /// A handle to stop the server gracefully.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until the server is stopped (SIGINT/SIGTERM, or a handle's `stop`); meanwhile tokens are
    /// read again on SIGHUP or when their file changes.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let upkeep = actix_web::rt::spawn(self.upkeep.run());
        let served = self.server.await;
        upkeep.abort();
        self.live_upkeep.abort();
        for task in self.occupancy_tasks {
            task.abort();
        }
        for task in self.live_relay.into_iter().flatten() {
            task.abort();
        }
        if let Some(purges) = self.purges {
            purges.abort();
        }
        if let Some(runner) = self.mirror_runner {
            runner.stop().await;
        }
        served
    }
}
