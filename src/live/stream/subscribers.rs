//! The cap on subscribers: each open stream holds a place, given back when its subscription's task ends (its
//! client disconnected, stalled or was cut off), and past the cap a new one is refused with 503 and `Retry-After`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Open streams, and how many may be open at once (`GATEWAY_STREAM_MAX_SUBSCRIBERS`).
#[derive(Debug, Clone)]
pub struct SubscriberCap {
    max: usize,
    open: Arc<AtomicUsize>,
}

/// One open stream's place under the cap; dropping it frees the place.
#[derive(Debug)]
pub struct SubscriberPlace {
    open: Arc<AtomicUsize>,
}

impl SubscriberCap {
    /// A cap of `max` open streams.
    pub fn new(max: usize) -> Self {
        Self {
            max,
            open: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// The cap.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Streams open now.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// A place for one more stream, or `None` when all are taken.
    pub fn admit(&self) -> Option<SubscriberPlace> {
        self.open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| {
                (open < self.max).then_some(open + 1)
            })
            .ok()
            .map(|before| {
                gauge(before + 1);
                SubscriberPlace {
                    open: self.open.clone(),
                }
            })
    }
}

impl Drop for SubscriberPlace {
    fn drop(&mut self) {
        let before = self.open.fetch_sub(1, Ordering::AcqRel);
        gauge(before - 1);
    }
}

fn gauge(open: usize) {
    metrics::gauge!("gateway_stream_subscribers").set(open as f64);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_past_the_cap_are_refused_until_one_is_given_back() {
        let cap = SubscriberCap::new(2);
        let first = cap.admit().unwrap();
        let _second = cap.admit().unwrap();
        assert!(cap.admit().is_none());
        assert_eq!(cap.open(), 2);
        drop(first);
        assert_eq!(cap.open(), 1);
        assert!(cap.admit().is_some());
    }
}
