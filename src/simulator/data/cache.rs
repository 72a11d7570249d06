//! A small bounded memo: generated pieces of the timeline are kept until `capacity` newer ones push them out.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::Mutex;

/// Values by key, at most `capacity` of them; the oldest inserted goes first.
pub(super) struct Memo<K, V> {
    capacity: usize,
    inner: Mutex<(HashMap<K, V>, VecDeque<K>)>,
}

impl<K: Hash + Eq + Copy, V: Clone> Memo<K, V> {
    /// An empty memo holding at most `capacity` values (at least one).
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            inner: Mutex::new((HashMap::new(), VecDeque::new())),
        }
    }

    /// The value for `key`, made by `make` when it is not held. `make` runs without the lock held, so it
    /// may use other memos; two callers may both make a missing value, and the second is dropped.
    pub(super) fn get_or_make(&self, key: K, make: impl FnOnce() -> V) -> V {
        if let Some(value) = self.lock().0.get(&key) {
            return value.clone();
        }
        let value = make();
        let mut inner = self.lock();
        let (map, order) = &mut *inner;
        if let Some(held) = map.get(&key) {
            return held.clone();
        }
        while map.len() >= self.capacity {
            match order.pop_front() {
                Some(oldest) => map.remove(&oldest),
                None => break,
            };
        }
        map.insert(key, value.clone());
        order.push_back(key);
        value
    }

    /// How many values are held.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.lock().0.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (HashMap<K, V>, VecDeque<K>)> {
        // The map stays consistent even if a maker panicked: it never runs under the lock.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_value_is_not_made_again_and_the_oldest_goes_when_full() {
        let memo = Memo::new(2);
        assert_eq!(memo.get_or_make(1, || "one"), "one");
        assert_eq!(memo.get_or_make(1, || "again"), "one");
        memo.get_or_make(2, || "two");
        memo.get_or_make(3, || "three");
        assert_eq!(memo.len(), 2);
        assert_eq!(memo.get_or_make(1, || "made anew"), "made anew");
        assert_eq!(memo.get_or_make(3, || "not made"), "three");
    }
}
