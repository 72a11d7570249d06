//! One cached answer: its body, when it was fetched, how long it is fresh and how long it may cover an outage.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;

use super::body::CachedBody;
use super::dimensions::DimensionList;
use super::freshness_fields::{FreshnessFields, HitFieldsMemo};

/// Filtered views kept per dimension list; past this, views are rendered per request instead.
const MAX_VIEWS: usize = 256;

static GENERATIONS: AtomicU64 = AtomicU64::new(1);

/// A cached answer and its timing.
#[derive(Debug)]
pub struct Entry {
    /// The answer as the cloud sent it.
    pub body: Arc<CachedBody>,
    /// Unique per fetch: loads of the same generation are coalesced into one.
    pub generation: u64,
    fetched_at: Instant,
    fresh_for: Duration,
    stale_for: Duration,
    refresh_started: AtomicBool,
    /// Set once a newer fetch replaced this entry, or it left the cache: hot answers must not use it.
    superseded: AtomicBool,
    /// The second of its age in which a hit last went the full way, through the cache's own lookup.
    checked_in: AtomicU64,
    dimension_list: bool,
    /// Taken from the group's second level (another gateway fetched it), not from the cloud.
    from_group: bool,
    list: OnceLock<Option<DimensionList>>,
    views: Mutex<HashMap<String, Arc<CachedBody>>>,
    hit_fields: HitFieldsMemo,
}

impl Entry {
    /// A new entry fetched now; a dimension list also holds filtered views of itself.
    pub fn new(
        body: Bytes,
        fresh_for: Duration,
        stale_for: Duration,
        dimension_list: bool,
    ) -> Self {
        Self::fetched(body, None, fresh_for, stale_for, dimension_list)
    }

    /// An answer another gateway of the group fetched `age` ago, found in the second level.
    pub fn from_group(
        body: Bytes,
        age: Duration,
        fresh_for: Duration,
        stale_for: Duration,
        dimension_list: bool,
    ) -> Self {
        Self::fetched(body, Some(age), fresh_for, stale_for, dimension_list)
    }

    /// An entry the cloud answered now, or `group_age` ago for an answer another gateway fetched.
    fn fetched(
        body: Bytes,
        group_age: Option<Duration>,
        fresh_for: Duration,
        stale_for: Duration,
        dimension_list: bool,
    ) -> Self {
        let age = group_age.unwrap_or(Duration::ZERO);
        let now = Instant::now();
        Self {
            body: Arc::new(CachedBody::new(body)),
            generation: GENERATIONS.fetch_add(1, Ordering::Relaxed),
            fetched_at: now.checked_sub(age).unwrap_or(now),
            fresh_for,
            stale_for,
            refresh_started: AtomicBool::new(false),
            superseded: AtomicBool::new(false),
            checked_in: AtomicU64::new(0),
            dimension_list,
            from_group: group_age.is_some(),
            list: OnceLock::new(),
            views: Mutex::new(HashMap::new()),
            hit_fields: HitFieldsMemo::default(),
        }
    }

    /// Whether this entry came from the group's second level rather than from the cloud.
    pub fn came_from_group(&self) -> bool {
        self.from_group
    }

    /// Time since the cloud answered.
    pub fn age(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.fetched_at)
    }

    /// Seconds of freshness left; negative once stale (as RFC 9211's `ttl`).
    pub fn ttl_secs(&self, now: Instant) -> i64 {
        self.fresh_for.as_secs() as i64 - self.age(now).as_secs() as i64
    }

    /// Whole seconds of freshness left, never more than remain at any moment of the current second of its
    /// age (a hit's fields are made once per second and sent all through it); zero once stale.
    pub fn fresh_secs_left(&self, now: Instant) -> u64 {
        let age_ceiling = Duration::from_secs(self.age(now).as_secs() + 1);
        self.fresh_for.saturating_sub(age_ceiling).as_secs()
    }

    /// Whether it may be served without asking the cloud.
    pub fn is_fresh(&self, now: Instant) -> bool {
        self.age(now) < self.fresh_for
    }

    /// Whether it may still be served while the cloud fails.
    pub fn may_cover_outage(&self, now: Instant) -> bool {
        self.age(now) < self.fresh_for + self.stale_for
    }

    /// How long the cache keeps it at all.
    pub fn lifetime(&self) -> Duration {
        self.fresh_for + self.stale_for
    }

    /// Whether a background refresh is due (past `share` of its freshness), claiming it at most once.
    pub fn claim_refresh(&self, now: Instant, share: f64) -> bool {
        self.age(now) >= self.fresh_for.mul_f64(share)
            && !self.refresh_started.swap(true, Ordering::AcqRel)
    }

    /// The freshness fields of a hit at `now`, made once per second of its age.
    pub fn hit_fields(&self, now: Instant) -> FreshnessFields {
        self.hit_fields.get(self, now)
    }

    /// Marks the entry as replaced or purged.
    pub fn supersede(&self) {
        self.superseded.store(true, Ordering::Release);
    }

    /// Whether a hot answer may serve it at `now`: fresh, not superseded, (for a list) not waiting for its
    /// refresh ahead (past `REFRESH_AHEAD_AT` of its freshness with none started), which the full path
    /// starts, and not the first hit in this second of its age: that one goes the full way, so the cache's
    /// own lookup sees the entry in use and its eviction policy does not take a busy entry for an idle one.
    pub fn serves_hot(&self, now: Instant) -> bool {
        let age = self.age(now);
        let second = age.as_secs() + 1;
        age < self.fresh_for
            && !self.superseded.load(Ordering::Acquire)
            && (!self.dimension_list
                || age < self.fresh_for.mul_f64(super::REFRESH_AHEAD_AT)
                || self.refresh_started.load(Ordering::Acquire))
            && !self.check_in(second)
    }

    /// Claims `second` (of its age, counted from 1) for a full-way hit; true for the one caller that does.
    fn check_in(&self, second: u64) -> bool {
        let last = self.checked_in.load(Ordering::Relaxed);
        last != second
            && self
                .checked_in
                .compare_exchange(last, second, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }

    /// Bytes this entry accounts for in the cache bound: the body, room for its compressed forms, and for a
    /// dimension list its views (the views of one filter partition the list, so three filters at most triple it).
    pub fn weight(&self) -> u32 {
        let body = self.body.bytes().len();
        let room = if self.dimension_list {
            body * 3 + body / 2
        } else {
            body / 2
        };
        u32::try_from(body + room + 512).unwrap_or(u32::MAX)
    }

    /// The body with only the items whose `field` equals `wanted`, rendered once per distinct filter.
    pub fn view(&self, field: &'static str, wanted: &str) -> Option<Arc<CachedBody>> {
        let list = self
            .list
            .get_or_init(|| DimensionList::parse(self.body.bytes()))
            .as_ref()?;
        let key = format!("{field}={wanted}");
        let mut views = self.views.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(view) = views.get(&key) {
            return Some(view.clone());
        }
        let view = Arc::new(CachedBody::new(Bytes::from(
            list.render_filtered(field, wanted),
        )));
        // Bounded: a flood of made-up ids renders per request instead of growing the entry.
        if views.len() < MAX_VIEWS {
            views.insert(key, view.clone());
        }
        Some(view)
    }
}
