//! Hot answers: the entry (and filtered view) last served for an exact request target, so that a repeated
//! request is answered before routing, query validation and key normalisation, which it has passed before.
//!
//! Only weak references are kept: the cache's byte bound still decides what lives. A hot answer is used
//! only while its entry is fresh and current (not replaced by a newer fetch, not purged); otherwise the
//! request takes the full path, which serves it and records the answer again.

use std::sync::{Arc, Weak};
use std::time::Instant;

use dashmap::DashMap;

use super::body::CachedBody;
use super::entry::Entry;
use super::policy::Class;

/// Targets remembered at most; past this the table starts over (a flood of distinct queries cannot grow it).
pub const CAPACITY: usize = 4096;
/// Longer targets are not remembered: real dashboards' queries are far shorter.
pub const MAX_TARGET_BYTES: usize = 512;

/// What a request target was last answered with.
#[derive(Debug)]
struct Remembered {
    entry: Weak<Entry>,
    body: Weak<CachedBody>,
    class: Class,
}

/// A hot answer found for a request.
#[derive(Debug)]
pub struct HotAnswer {
    /// The entry, fresh and current.
    pub entry: Arc<Entry>,
    /// The body to send: the entry's own, or its filtered view.
    pub body: Arc<CachedBody>,
    /// The entry's class.
    pub class: Class,
}

/// Request targets (path and raw query) and what they were last answered with.
#[derive(Debug)]
pub struct HotAnswers {
    by_target: DashMap<Box<str>, Remembered, foldhash::fast::RandomState>,
}

impl Default for HotAnswers {
    fn default() -> Self {
        Self {
            by_target: DashMap::with_hasher(foldhash::fast::RandomState::default()),
        }
    }
}

impl HotAnswers {
    /// Remembers that the request target `target` (path and raw query, as received) was answered from
    /// `entry` with `body`.
    pub fn remember(&self, target: &str, entry: &Arc<Entry>, body: &Arc<CachedBody>, class: Class) {
        if target.len() > MAX_TARGET_BYTES {
            return;
        }
        if self.by_target.len() >= CAPACITY {
            self.by_target.clear();
        }
        self.by_target.insert(
            target.into(),
            Remembered {
                entry: Arc::downgrade(entry),
                body: Arc::downgrade(body),
                class,
            },
        );
    }

    /// The answer for `target`, if one is remembered and its entry is still fresh and current at `now`
    /// (and, for a list, not due for its refresh ahead, which the full path starts).
    pub fn find(&self, target: &str, now: Instant) -> Option<HotAnswer> {
        let remembered = self.by_target.get(target)?;
        let entry = remembered.entry.upgrade()?;
        if !entry.serves_hot(now) {
            return None;
        }
        Some(HotAnswer {
            body: remembered.body.upgrade()?,
            entry,
            class: remembered.class,
        })
    }

    /// Forgets every target (after a purge).
    pub fn clear(&self) {
        self.by_target.clear();
    }

    /// How many targets are remembered.
    pub fn len(&self) -> usize {
        self.by_target.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.by_target.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use actix_web::web::Bytes;

    use super::*;

    fn entry(fresh_for: Duration) -> Arc<Entry> {
        Arc::new(Entry::new(
            Bytes::from_static(b"{}"),
            fresh_for,
            Duration::ZERO,
            false,
        ))
    }

    #[test]
    fn a_remembered_target_is_found_until_its_entry_is_superseded() {
        let hot = HotAnswers::default();
        let fresh = entry(Duration::from_secs(60));
        hot.remember("/t?a=1", &fresh, &fresh.body, Class::Totals);
        let now = Instant::now();
        assert!(
            hot.find("/t?a=1", now).is_none(),
            "the first hit of a second goes the full way"
        );
        assert!(hot.find("/t?a=1", now).is_some());
        assert!(hot.find("/t?a=2", now).is_none(), "only the exact target");
        fresh.supersede();
        assert!(hot.find("/t?a=1", now).is_none());
    }

    #[test]
    fn an_entry_the_cache_dropped_or_that_expired_is_not_found() {
        let hot = HotAnswers::default();
        let dropped = entry(Duration::from_secs(60));
        hot.remember("/t?dropped", &dropped, &dropped.body, Class::Totals);
        drop(dropped);
        assert!(hot.find("/t?dropped", Instant::now()).is_none());
        let expiring = entry(Duration::from_millis(10));
        hot.remember("/t?expiring", &expiring, &expiring.body, Class::Totals);
        let later = Instant::now() + Duration::from_millis(20);
        assert!(hot.find("/t?expiring", later).is_none());
    }

    #[test]
    fn a_flood_of_distinct_targets_cannot_grow_the_table_past_its_capacity() {
        let hot = HotAnswers::default();
        let shared = entry(Duration::from_secs(60));
        for i in 0..3 * CAPACITY {
            hot.remember(&format!("/t?i={i}"), &shared, &shared.body, Class::Totals);
            assert!(hot.len() <= CAPACITY);
        }
        let long = format!("/t?{}", "x".repeat(MAX_TARGET_BYTES));
        hot.remember(&long, &shared, &shared.body, Class::Totals);
        assert!(hot.find(&long, Instant::now()).is_none());
    }
}
