//! The lane's waiting room: callers' queues served round-robin by caller, first-in first-out within a caller,
//! and background work served only when no caller waits. It also publishes the queue depths, labelled so that
//! the metric's series cannot grow with callers' addresses.

use std::collections::VecDeque;
use std::sync::Arc;

use tokio::sync::oneshot;

/// One waiting call: the channel that hands it the turn.
struct Waiter {
    id: u64,
    hand_over: oneshot::Sender<()>,
}

struct CallerQueue {
    caller: String,
    /// The caller's label in `gateway_lane_queue_depth`, worked out once.
    label: Arc<str>,
    waiters: VecDeque<Waiter>,
}

/// Who waits for the lane, in the order they will be served.
#[derive(Default)]
pub struct WaitingRoom {
    /// Callers with waiters, in round-robin order.
    queues: VecDeque<CallerQueue>,
    /// Background work (cache refresh-ahead), served only when no caller waits.
    background: VecDeque<Waiter>,
    /// Callers' waiters (background work not counted).
    waiting: usize,
    next_id: u64,
}

impl WaitingRoom {
    /// How many callers' calls wait.
    pub fn waiting(&self) -> usize {
        self.waiting
    }

    /// Queues a call of `caller` (or background work, for `None`); answers its id and the channel on which its
    /// turn will come.
    pub fn push(&mut self, caller: Option<&str>) -> (u64, oneshot::Receiver<()>) {
        let (hand_over, handed_over) = oneshot::channel();
        let id = self.next_id;
        self.next_id += 1;
        let waiter = Waiter { id, hand_over };
        let Some(caller) = caller else {
            self.background.push_back(waiter);
            return (id, handed_over);
        };
        self.waiting += 1;
        let label = match self.queues.iter_mut().find(|q| q.caller == caller) {
            Some(queue) => {
                queue.waiters.push_back(waiter);
                queue.label.clone()
            }
            None => {
                let label = depth_label(caller);
                self.queues.push_back(CallerQueue {
                    caller: caller.to_string(),
                    label: label.clone(),
                    waiters: VecDeque::from([waiter]),
                });
                label
            }
        };
        self.record_depth(&label);
        (id, handed_over)
    }

    /// Takes the call with `id` out (its caller gave up); false when it was already handed the turn.
    pub fn remove(&mut self, id: u64) -> bool {
        if let Some(position) = self.background.iter().position(|w| w.id == id) {
            self.background.remove(position);
            return true;
        }
        for index in 0..self.queues.len() {
            let queue = &mut self.queues[index];
            if let Some(position) = queue.waiters.iter().position(|w| w.id == id) {
                queue.waiters.remove(position);
                let label = queue.label.clone();
                if queue.waiters.is_empty() {
                    self.queues.remove(index);
                }
                self.waiting -= 1;
                self.record_depth(&label);
                return true;
            }
        }
        false
    }

    /// Hands the turn to the next waiter still there, round-robin by caller, then background work; false when
    /// nobody waits.
    pub fn hand_over_next(&mut self) -> bool {
        while let Some(mut queue) = self.queues.pop_front() {
            let (waiter, label) = (queue.waiters.pop_front(), queue.label.clone());
            if !queue.waiters.is_empty() {
                self.queues.push_back(queue);
            }
            if let Some(waiter) = waiter {
                self.waiting -= 1;
                self.record_depth(&label);
                if waiter.hand_over.send(()).is_ok() {
                    return true;
                }
            }
        }
        while let Some(waiter) = self.background.pop_front() {
            if waiter.hand_over.send(()).is_ok() {
                return true;
            }
        }
        false
    }

    /// Publishes how many calls wait under `label` (metric `gateway_lane_queue_depth{caller}`).
    fn record_depth(&self, label: &str) {
        let depth: usize = self
            .queues
            .iter()
            .filter(|q| &*q.label == label)
            .map(|q| q.waiters.len())
            .sum();
        metrics::gauge!("gateway_lane_queue_depth", "caller" => label.to_string())
            .set(depth as f64);
    }
}

/// Token names label themselves (a bounded set); client addresses of open mode are all `open`, so the
/// metric's series cannot grow with callers' addresses (the queue itself still keys by address, for fairness).
fn depth_label(caller: &str) -> Arc<str> {
    if caller == "unknown" || caller.parse::<std::net::IpAddr>().is_ok() {
        return "open".into();
    }
    caller.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_addresses_share_one_queue_depth_label_and_token_names_keep_theirs() {
        for address in ["10.0.0.1", "::1", "2001:db8::7", "unknown"] {
            assert_eq!(&*depth_label(address), "open", "{address}");
        }
        assert_eq!(&*depth_label("reports"), "reports");
    }
}
