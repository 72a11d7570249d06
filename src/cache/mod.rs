//! The response cache: one upstream call serves many callers.
//!
//! Dimension lists are fetched whole and filtered here; totals and settled event pages are kept per
//! normalised query. Concurrent identical loads are coalesced (moka's `try_get_with`), lists in use are
//! refreshed ahead in the background, and a stale copy covers a cloud outage.

pub mod asked;
pub mod backoff;
pub mod body;
mod coalesce;
pub mod dimensions;
pub mod entry;
pub mod freshness_fields;
pub mod hot;
mod load;
pub mod policy;
pub mod respond;
pub mod second_level;
pub mod settings;
pub mod status;
pub mod whole_list;

use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use moka::future::Cache;
use moka::Expiry;

use self::backoff::{is_outage, Backoff};
use self::body::CachedBody;
use self::entry::Entry;
use self::hot::{HotAnswer, HotAnswers};
use self::load::Source;
use self::policy::{Class, Plan};
use self::second_level::{NoSecondLevel, SecondLevel};
use self::settings::CacheSettings;
use self::status::Served;
use crate::error::GatewayError;
use crate::upstream::Fetch;

/// Share of a dimension list's freshness after which a hit starts a background refresh.
pub const REFRESH_AHEAD_AT: f64 = 0.8;
/// How long a finished load stays joinable by late callers that saw the same old copy.
const LOAD_LINGER: Duration = Duration::from_secs(5);

/// A cached answer as found for one caller.
#[derive(Debug, Clone)]
pub struct Lookup {
    /// The entry served.
    pub entry: Arc<Entry>,
    /// How it was served.
    pub served: Served,
}

/// Keeps each entry for its freshness plus the stale-if-error window.
struct EntryExpiry;

impl Expiry<String, Arc<Entry>> for EntryExpiry {
    fn expire_after_create(&self, _: &String, entry: &Arc<Entry>, _: Instant) -> Option<Duration> {
        Some(entry.lifetime())
    }

    fn expire_after_update(
        &self,
        _: &String,
        entry: &Arc<Entry>,
        _: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(entry.lifetime())
    }
}

/// The cache shared by all workers.
pub struct ResponseCache {
    settings: CacheSettings,
    entries: Cache<String, Arc<Entry>>,
    /// Loads in flight (and just finished), keyed by entry key and the generation they replace.
    loads: Cache<String, Arc<Entry>>,
    backoff: Backoff,
    /// Exact request targets and the answers they were last served, for the fast path.
    hot: HotAnswers,
    /// Hit counters per class, registered once: hits are the hot path.
    hits: [metrics::Counter; 3],
    /// Answers shared with the other gateways of a group, consulted on a miss only.
    second: Arc<dyn SecondLevel>,
}

/// The index of a class in per-class arrays.
fn class_index(class: Class) -> usize {
    match class {
        Class::Dimensions => 0,
        Class::Totals => 1,
        Class::Events => 2,
    }
}

impl ResponseCache {
    /// Builds the cache of a gateway on its own; its byte bound covers entries and loads together.
    pub fn new(settings: CacheSettings) -> Arc<Self> {
        Self::with_second_level(settings, Arc::new(NoSecondLevel))
    }

    /// Builds the cache over a second level shared with other gateways.
    pub fn with_second_level(settings: CacheSettings, second: Arc<dyn SecondLevel>) -> Arc<Self> {
        let loads_bytes = settings.max_bytes / 8;
        let entries = Cache::builder()
            .max_capacity(settings.max_bytes - loads_bytes)
            .weigher(|_, entry: &Arc<Entry>| entry.weight())
            .expire_after(EntryExpiry)
            // However an entry leaves (replaced, evicted for size, expired, purged), the fast path must stop
            // serving it; `load` and `purge` also mark it at once, as the listener may run a little later.
            .eviction_listener(|_, entry: Arc<Entry>, _| entry.supersede())
            .build();
        let loads = Cache::builder()
            .max_capacity(loads_bytes)
            .weigher(|_, entry: &Arc<Entry>| entry.weight())
            .time_to_live(LOAD_LINGER)
            .build();
        let hits = [Class::Dimensions, Class::Totals, Class::Events].map(|class| {
            metrics::counter!("gateway_cache_lookups_total", "class" => class.label(), "outcome" => "hit")
        });
        Arc::new(Self {
            settings,
            entries,
            loads,
            backoff: Backoff::default(),
            hot: HotAnswers::default(),
            hits,
            second,
        })
    }

    /// The settings in force.
    pub fn settings(&self) -> &CacheSettings {
        &self.settings
    }

    /// The answer last served for the request target (path and raw query, as received), if still fresh
    /// and current at `now`; `None` sends the request the full way (routing, validation, lookup).
    pub fn find_hot(&self, target: &str, now: Instant) -> Option<HotAnswer> {
        self.hot.find(target, now)
    }

    /// Counts a hit of `class` answered at the front door.
    pub fn count_hit(&self, class: Class) {
        self.hits[class_index(class)].increment(1);
    }

    /// Remembers that the request target (path and raw query, as received) was served `body` from
    /// `lookup`, so a repeat is answered by [`Self::find_hot`]. Only fresh answers are remembered.
    pub fn remember(&self, target: &str, class: Class, lookup: &Lookup, body: &Arc<CachedBody>) {
        // A filtered view the entry did not keep (past its view limit) would be gone after this answer:
        // remembering it would only churn the table.
        let kept = Arc::strong_count(body) > 1;
        if kept && !matches!(lookup.served, Served::Stale { .. } | Served::Bypass) {
            self.hot.remember(target, &lookup.entry, body, class);
        }
    }

    /// Finds or fetches the answer for `plan`; `revalidate` (the caller's `no-cache`) forces a fetch.
    /// `caller` names who asks, for the lane's fair queueing; it is only worked out on a miss.
    pub async fn get<F: Fetch + Clone + 'static>(
        self: &Arc<Self>,
        plan: &Plan,
        revalidate: bool,
        upstream: &F,
        caller: impl FnOnce() -> String,
    ) -> Result<Lookup, GatewayError> {
        let now = Instant::now();
        let class = plan.class.label();
        let current = self.entries.get(&plan.key).await;
        if let Some(entry) = current.as_ref().filter(|e| e.is_fresh(now) && !revalidate) {
            if plan.class == Class::Dimensions && entry.claim_refresh(now, REFRESH_AHEAD_AT) {
                self.refresh_in_background(plan.clone(), entry.generation, upstream.clone());
            }
            self.hits[class_index(plan.class)].increment(1);
            return Ok(Lookup {
                entry: entry.clone(),
                served: Served::Hit,
            });
        }
        if let Some(rest) = self.backoff.remaining(plan.class, now) {
            match current.as_ref().filter(|e| e.may_cover_outage(now)) {
                Some(entry) => return Ok(self.stale(plan, entry.clone(), rest.failure)),
                None if rest.asked_by_cloud => {
                    return Err(GatewayError::CloudBusy {
                        msg: format!(
                        "the cloud asked the gateway to wait ({}); {class} calls rest until then",
                        rest.failure
                    ),
                        retry_after: rest.left,
                    })
                }
                None => {}
            }
        }
        let generation = current.as_ref().map_or(0, |e| e.generation);
        let leader = Cell::new(false);
        let loaded = self
            .load(
                plan,
                format!("{}#{generation}", plan.key),
                Source {
                    background: false,
                    shared: !revalidate,
                },
                upstream,
                caller,
                &leader,
            )
            .await;
        match loaded {
            Ok(entry) => {
                let collapsed = !leader.get();
                if collapsed {
                    metrics::counter!("gateway_cache_coalesced_waits_total", "class" => class)
                        .increment(1);
                }
                metrics::counter!("gateway_cache_lookups_total", "class" => class, "outcome" => "miss").increment(1);
                let served = match (revalidate, current.is_some()) {
                    (true, _) => Served::Revalidated { collapsed },
                    (false, _) if entry.came_from_group() => Served::Shared { collapsed },
                    (false, true) => Served::Refreshed { collapsed },
                    (false, false) => Served::Miss { collapsed },
                };
                Ok(Lookup { entry, served })
            }
            Err(error) => {
                // Every caller that waited on this load gets the same answer: the same error, or the same stale copy.
                let error = GatewayError::clone(&error);
                if !is_outage(&error) {
                    return Err(error);
                }
                self.backoff.record(plan.class, &error);
                match current.filter(|e| e.may_cover_outage(Instant::now())) {
                    Some(entry) => {
                        use actix_web::ResponseError;
                        Ok(self.stale(plan, entry, error.status_code()))
                    }
                    None => Err(error),
                }
            }
        }
    }

    fn stale(
        &self,
        plan: &Plan,
        entry: Arc<Entry>,
        failure: actix_web::http::StatusCode,
    ) -> Lookup {
        let class = plan.class.label();
        metrics::counter!("gateway_cache_lookups_total", "class" => class, "outcome" => "stale")
            .increment(1);
        metrics::counter!("gateway_stale_answers_total", "class" => class).increment(1);
        Lookup {
            entry,
            served: Served::Stale { failure },
        }
    }

    /// Drops every entry whose key (endpoint and query) starts with `prefix`, in this gateway and in the
    /// group (whose other gateways drop it from their first level when the purge is announced); returns how
    /// many this gateway held.
    pub async fn purge(&self, prefix: &str) -> usize {
        let purged = self.purge_local(prefix).await;
        self.second.purge(prefix).await;
        purged
    }

    /// Drops every entry whose key starts with `prefix` from this gateway's first level only (a purge another
    /// gateway of the group announced); returns how many.
    pub async fn purge_local(&self, prefix: &str) -> usize {
        let purged: Vec<(Arc<String>, Arc<Entry>)> = self
            .entries
            .iter()
            .filter(|(key, _)| key.starts_with(prefix))
            .collect();
        for (key, entry) in &purged {
            entry.supersede();
            self.entries.invalidate(key.as_str()).await;
        }
        self.loads.invalidate_all();
        self.hot.clear();
        purged.len()
    }

    /// Bytes the cache accounts for now (after pending evictions are applied).
    pub async fn weighted_size(&self) -> u64 {
        self.entries.run_pending_tasks().await;
        self.loads.run_pending_tasks().await;
        self.entries.weighted_size() + self.loads.weighted_size()
    }
}
