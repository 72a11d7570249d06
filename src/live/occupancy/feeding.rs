//! What keeps occupancy current: the rebuild from the stores at start (today since local midnight, so a
//! restart loses nothing), the webhook feed as events arrive, the mirror's newly synced events every few
//! seconds (and those it stored late, found by [`LateMinutes`]), the reset at each local midnight, and the trigger names from `/triggers` every minute.

use std::sync::Arc;
use std::time::Duration;

use serde_json::value::RawValue;
use tokio::sync::broadcast::error::RecvError;

use super::late::LateMinutes;
use super::service::OccupancyService;
use crate::live::event::LiveEvent;
use crate::live::feed::LiveFeed;
use crate::live::log::IntakeLog;
use crate::mirror::answer::totals::TriggerInfo;
use crate::mirror::event::EventFilter;
use crate::mirror::handle::Mirror;
use crate::mirror::store::{EventQuery, Order, StoreError};

/// How often the mirror's store is read for newly synced events.
pub const MIRROR_POLL: Duration = Duration::from_secs(3);
/// How far before the newest synced event each read starts again, for events the sync brings late.
const MIRROR_LOOKBACK_MICROS: i64 = 10 * 60 * 1_000_000;
/// Events read from the mirror per page.
const PAGE: usize = 1000;
/// How often the trigger list is read again.
const NAMES_EVERY: Duration = Duration::from_secs(60);

/// How soon the trigger list is asked again when it could not be had.
const NAMES_RETRY: Duration = Duration::from_secs(5);

/// Where occupancy's events come from; each is optional (no webhooks configured, mirror off).
#[derive(Clone, Default)]
pub struct Sources {
    /// The intake log (webhooks), read at start.
    pub log: Option<Arc<dyn IntakeLog>>,
    /// The feed of webhook events as they are logged.
    pub feed: Option<LiveFeed>,
    /// The mirror, whose store holds the synced events.
    pub mirror: Option<Arc<Mirror>>,
}

/// Gets the `/triggers` list (through the cache); `None` when it cannot be had now.
#[async_trait::async_trait(?Send)]
pub trait TriggerSource {
    /// The triggers, with names and locations.
    async fn triggers(&self) -> Option<Vec<TriggerInfo>>;
}

/// Today's intake log events.
async fn from_log(service: &OccupancyService, log: &dyn IntakeLog) -> Result<(), StoreError> {
    let logged = log.events_since(service.today_starts()).await?;
    service.add(logged.iter().map(|l| &l.event));
    Ok(())
}

/// The mirror's events from `from_micros` on (to `until_micros`, inclusive, when given), all pages; the
/// newest `event_time` read.
async fn from_mirror(
    service: &OccupancyService,
    mirror: &Mirror,
    from_micros: i64,
    until_micros: Option<i64>,
) -> Result<Option<i64>, StoreError> {
    let mut query = EventQuery {
        filter: EventFilter {
            since_micros: Some(from_micros),
            until_micros,
            ..EventFilter::default()
        },
        order: Order::Asc,
        starting_after: None,
        limit: PAGE,
    };
    let mut newest = None;
    loop {
        let page = mirror.store().events(&query).await?;
        let events: Vec<LiveEvent> = page
            .iter()
            .filter_map(|raw| {
                let raw: &RawValue = serde_json::from_str(raw).ok()?;
                LiveEvent::from_raw(raw).ok()
            })
            .collect();
        service.add(&events);
        newest = events.iter().map(|e| e.event_time_micros).max().or(newest);
        match events.last().and_then(|e| e.id) {
            Some(last) if page.len() == PAGE => query.starting_after = Some(last),
            _ => return Ok(newest),
        }
    }
}

/// Rebuilds today's counts from the stores, then keeps them current until the tasks are aborted. `names`,
/// when given, is read every minute (startup gives it when the dimension lists are warmed at start, so it
/// costs no upstream call of its own; otherwise the first occupancy request reads the list).
pub fn start(
    service: Arc<OccupancyService>,
    sources: Sources,
    names: Option<Box<dyn TriggerSource>>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    // Subscribed before the log is read, so nothing falls between; an event in both counts once.
    let feed = sources.feed.as_ref().map(LiveFeed::subscribe);
    let (rebuild, log, mirror) = (service.clone(), sources.log.clone(), sources.mirror.clone());
    tasks.push(actix_web::rt::spawn(async move {
        if let Some(log) = &log {
            if let Err(e) = from_log(&rebuild, log.as_ref()).await {
                log::warn!("occupancy: today's webhook events could not be read: {e}");
            }
        }
        let mut cursor = rebuild.today_starts();
        let mut late = LateMinutes::default();
        if let Some(mirror) = &mirror {
            // Noted before the rebuild reads the store: what is stored meanwhile shows as changed.
            let now = chrono::Utc::now().timestamp_micros();
            if let Err(e) = late
                .changed(mirror.store().as_ref(), cursor, cursor, now)
                .await
            {
                log::warn!("occupancy: the mirror's counts could not be read: {e}");
            }
            if let Ok(Some(newest)) = from_mirror(&rebuild, mirror, cursor, None).await {
                cursor = newest;
            }
        }
        rebuild.mark_rebuilt();
        let Some(mirror) = mirror else { return };
        loop {
            tokio::time::sleep(MIRROR_POLL).await;
            let today = rebuild.today_starts();
            let from = (cursor - MIRROR_LOOKBACK_MICROS).max(today);
            let now = chrono::Utc::now().timestamp_micros();
            match late
                .changed(mirror.store().as_ref(), today, from, now)
                .await
            {
                Ok(windows) => {
                    for (lo, hi) in windows {
                        if let Err(e) = from_mirror(&rebuild, &mirror, lo, Some(hi)).await {
                            log::warn!(
                                "occupancy: the mirror's late events could not be read: {e}"
                            );
                        }
                    }
                }
                Err(e) => log::warn!("occupancy: the mirror's counts could not be read: {e}"),
            }
            match from_mirror(&rebuild, &mirror, from, None).await {
                Ok(newest) => cursor = newest.unwrap_or(cursor).max(cursor),
                Err(e) => log::warn!("occupancy: the mirror's events could not be read: {e}"),
            }
        }
    }));
    if let Some(mut feed) = feed {
        let (service, log) = (service.clone(), sources.log.clone());
        tasks.push(actix_web::rt::spawn(async move {
            loop {
                match feed.recv().await {
                    Ok(logged) => service.add([&logged.event]),
                    // Fell behind the ring: today's events again from the log (each identity counts once).
                    Err(RecvError::Lagged(_)) => {
                        if let Some(log) = &log {
                            if let Err(e) = from_log(&service, log.as_ref()).await {
                                log::warn!("occupancy: catching up from the log failed: {e}");
                            }
                        }
                    }
                    Err(RecvError::Closed) => return,
                }
            }
        }));
    }
    let roller = service.clone();
    tasks.push(actix_web::rt::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            roller.roll();
        }
    }));
    let Some(names) = names else { return tasks };
    tasks.push(actix_web::rt::spawn(async move {
        loop {
            let wait = match names.triggers().await {
                Some(triggers) => {
                    service.set_triggers(&triggers);
                    NAMES_EVERY
                }
                None => {
                    log::debug!("occupancy: no /triggers list yet; trigger names unknown");
                    NAMES_RETRY
                }
            };
            tokio::time::sleep(wait).await;
        }
    }));
    tasks
}
