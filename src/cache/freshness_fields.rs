//! The fields that tell a caller how fresh an answer is: `Cache-Status` (with its `ttl`), `Age` and
//! `Cache-Control: max-age`. For plain hits they change once a second of the entry's age, so they are
//! made once per second and shared by every hit in it.

use std::sync::Mutex;
use std::time::Instant;

use actix_web::http::header::HeaderValue;

use super::entry::Entry;
use super::status::Served;
use crate::header_text::joined;

/// The three freshness fields of one answer.
#[derive(Debug, Clone)]
pub struct FreshnessFields {
    /// `Cache-Status`.
    pub cache_status: HeaderValue,
    /// `Age`, in whole seconds.
    pub age: HeaderValue,
    /// `Cache-Control: max-age=<seconds of freshness left>`.
    pub cache_control: HeaderValue,
}

impl FreshnessFields {
    /// The fields of an answer served (as `served`) from `entry` at `now`.
    pub fn new(served: &Served, entry: &Entry, now: Instant) -> Self {
        let (mut age, mut max_age) = (itoa::Buffer::new(), itoa::Buffer::new());
        Self {
            cache_status: served.header(entry.ttl_secs(now)),
            age: joined(&[age.format(entry.age(now).as_secs())]),
            cache_control: joined(&["max-age=", max_age.format(entry.fresh_secs_left(now))]),
        }
    }
}

/// An entry's hit fields for the current second of its age.
#[derive(Debug, Default)]
pub struct HitFieldsMemo {
    memo: Mutex<Option<(u64, FreshnessFields)>>,
}

impl HitFieldsMemo {
    /// The fields of a hit on `entry` at `now`, made at most once per second of its age.
    pub fn get(&self, entry: &Entry, now: Instant) -> FreshnessFields {
        let second = entry.age(now).as_secs();
        let mut memo = self.memo.lock().unwrap_or_else(|e| e.into_inner());
        match memo.as_ref() {
            Some((made_at, fields)) if *made_at == second => fields.clone(),
            _ => {
                let fields = FreshnessFields::new(&Served::Hit, entry, now);
                *memo = Some((second, fields.clone()));
                fields
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use actix_web::web::Bytes;

    use super::*;

    fn entry(fresh_for: Duration) -> Entry {
        Entry::new(Bytes::from_static(b"{}"), fresh_for, Duration::ZERO, false)
    }

    #[test]
    fn hit_fields_follow_the_entrys_age_second_by_second() {
        let entry = entry(Duration::from_secs(60));
        let start = Instant::now();
        let first = entry.hit_fields(start);
        assert_eq!(first.age, "0");
        assert_eq!(first.cache_status, "camlytics-gateway; hit; ttl=60");
        let later = entry.hit_fields(start + Duration::from_millis(2500));
        assert_eq!(later.age, "2");
        assert_eq!(later.cache_status, "camlytics-gateway; hit; ttl=58");
        assert_eq!(later.cache_control, "max-age=57");
    }

    #[test]
    fn max_age_never_promises_more_than_is_left_in_the_current_second() {
        let entry = entry(Duration::from_millis(1500));
        let start = Instant::now();
        for millis in [0, 300, 700, 999] {
            let fields =
                FreshnessFields::new(&Served::Hit, &entry, start + Duration::from_millis(millis));
            assert_eq!(fields.cache_control, "max-age=0", "at {millis} ms");
        }
    }
}
