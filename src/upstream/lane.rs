//! The upstream lane: one ordered queue per API key.
//!
//! Only the holder of the lane's turn may take a nonce, sign and send, and it keeps the turn until the
//! cloud has answered, so a call signed with nonce N can never be overtaken on the wire by N+1.
//! Turns start at most `rps` times a second, later still while the cloud has asked us to back off.
//! Waiting callers are served round-robin by caller, first-in first-out within a caller,
//! so one busy caller cannot starve the others.

use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::Instant;

use super::waiting_room::WaitingRoom;

/// Longest the lane holds back for one `pause_for`: a day, far past any throttle, short of any overflow.
pub const MAX_PAUSE: Duration = Duration::from_secs(86_400);

/// Why a caller did not get a turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaneFull {
    /// When a turn might be had, for `Retry-After`.
    pub retry_after: Duration,
    /// Why, when it is not a full lane (a group lane whose coordinator cannot be reached); for the caller's `msg`.
    pub reason: Option<String>,
}

struct LaneState {
    busy: bool,
    room: WaitingRoom,
    /// The earliest start of the next call (pacing).
    next_start: Instant,
    /// The cloud asked us to wait (429/503 with Retry-After) until then.
    paused_until: Instant,
}

/// The ordered, paced, fair lane of calls to the cloud for one key.
pub struct Lane {
    /// Itself, for the turns it hands out: a turn outliving its lane simply has no one to pass to.
    me: Weak<Lane>,
    interval: Duration,
    state: Mutex<LaneState>,
}

/// The right to send one call upstream; dropping it passes the turn to the next waiter.
pub struct LaneTurn {
    lane: Weak<Lane>,
}

impl Lane {
    /// A lane that starts at most `rps` calls a second.
    pub fn new(rps: f64) -> Arc<Self> {
        let now = Instant::now();
        Arc::new_cyclic(|me| Self {
            me: me.clone(),
            interval: Duration::from_secs_f64(1.0 / rps),
            state: Mutex::new(LaneState {
                busy: false,
                room: WaitingRoom::default(),
                next_start: now,
                paused_until: now,
            }),
        })
    }

    /// The time between two call starts.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// How many callers wait for a turn now.
    pub fn waiting(&self) -> usize {
        self.lock().room.waiting()
    }

    /// Holds every call back until `wait` has passed (the cloud's `Retry-After`, at most [`MAX_PAUSE`]).
    pub fn pause_for(&self, wait: Duration) {
        let mut state = self.lock();
        let until = later(Instant::now(), wait.min(MAX_PAUSE));
        if until > state.paused_until {
            state.paused_until = until;
        }
    }

    /// Waits for this caller's turn and its start time, or gives up when that would pass `deadline`.
    pub async fn enter(&self, caller: &str, deadline: Instant) -> Result<LaneTurn, LaneFull> {
        self.wait_for_turn(Some(caller), deadline).await
    }

    /// Waits for a turn behind every caller: background work never delays a caller by more than the
    /// one call it may already have started.
    pub async fn enter_background(&self, deadline: Instant) -> Result<LaneTurn, LaneFull> {
        self.wait_for_turn(None, deadline).await
    }

    async fn wait_for_turn(
        &self,
        caller: Option<&str>,
        deadline: Instant,
    ) -> Result<LaneTurn, LaneFull> {
        let queued = {
            let mut state = self.lock();
            if !state.busy && state.room.waiting() == 0 {
                state.busy = true;
                None
            } else {
                Some(self.queue_waiter(&mut state, caller, deadline)?)
            }
        };
        let Some((id, handed_over)) = queued else {
            return self.start_when_due(deadline).await;
        };
        match tokio::time::timeout_at(deadline, handed_over).await {
            Ok(Ok(())) => self.start_when_due(deadline).await,
            // The sender lives in the queue until it is used, so a closed channel cannot happen; treat it as a timeout.
            Ok(Err(_)) | Err(_) => {
                let mut state = self.lock();
                if state.room.remove(id) {
                    let retry_after = self.estimated_wait(&state, state.room.waiting() + 1);
                    Err(LaneFull {
                        retry_after,
                        reason: None,
                    })
                } else {
                    // The turn reached us just as we gave up: pass it on.
                    drop(state);
                    drop(self.turn());
                    Err(LaneFull {
                        retry_after: self.interval,
                        reason: None,
                    })
                }
            }
        }
    }

    /// Puts a caller at the back of its own queue, unless its estimated wait already passes the deadline;
    /// background work at the back of the background queue.
    fn queue_waiter(
        &self,
        state: &mut LaneState,
        caller: Option<&str>,
        deadline: Instant,
    ) -> Result<(u64, oneshot::Receiver<()>), LaneFull> {
        if caller.is_some() {
            let estimate = self.estimated_wait(state, state.room.waiting() + 1);
            if Instant::now() + estimate > deadline {
                return Err(LaneFull {
                    retry_after: estimate,
                    reason: None,
                });
            }
        }
        Ok(state.room.push(caller))
    }

    /// With the turn held, sleeps until the next start is due, unless that is past the deadline.
    async fn start_when_due(&self, deadline: Instant) -> Result<LaneTurn, LaneFull> {
        let turn = self.turn();
        let start = {
            let state = self.lock();
            state.next_start.max(state.paused_until)
        };
        if start > deadline {
            let retry_after = start.saturating_duration_since(Instant::now());
            return Err(LaneFull {
                retry_after,
                reason: None,
            });
        }
        tokio::time::sleep_until(start).await;
        let mut state = self.lock();
        state.next_start = later(Instant::now().max(start), self.interval);
        Ok(turn)
    }

    fn turn(&self) -> LaneTurn {
        LaneTurn {
            lane: self.me.clone(),
        }
    }

    /// Time until `position` waiters ahead of a new one have each had their slot.
    fn estimated_wait(&self, state: &LaneState, position: usize) -> Duration {
        let now = Instant::now();
        let first = state
            .next_start
            .max(state.paused_until)
            .saturating_duration_since(now);
        let behind = u32::try_from(position.saturating_sub(1)).unwrap_or(u32::MAX);
        first.saturating_add(self.interval.saturating_mul(behind))
    }

    fn lock(&self) -> MutexGuard<'_, LaneState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Gives the turn to the next waiter, round-robin by caller; frees the lane when none waits.
    fn pass_turn(&self) {
        let mut state = self.lock();
        if !state.room.hand_over_next() {
            state.busy = false;
        }
    }
}

impl Drop for LaneTurn {
    fn drop(&mut self) {
        if let Some(lane) = self.lane.upgrade() {
            lane.pass_turn();
        }
    }
}

/// `at + wait`, or the farthest representable time when that overflows: nothing from outside may panic a clock.
fn later(at: Instant, wait: Duration) -> Instant {
    at.checked_add(wait)
        .or_else(|| at.checked_add(MAX_PAUSE))
        .unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn far() -> Instant {
        Instant::now() + Duration::from_secs(60)
    }

    #[actix_web::test]
    async fn only_one_turn_is_held_at_a_time() {
        let lane = Lane::new(1000.0);
        let holders = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for i in 0..20 {
            let (lane, holders) = (lane.clone(), holders.clone());
            tasks.push(actix_web::rt::spawn(async move {
                let _turn = lane.enter(&format!("c{}", i % 3), far()).await.unwrap();
                assert_eq!(holders.fetch_add(1, Ordering::SeqCst), 0);
                tokio::time::sleep(Duration::from_millis(2)).await;
                holders.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
    }

    #[actix_web::test]
    async fn turns_start_no_faster_than_the_pace() {
        let lane = Lane::new(20.0);
        let begin = Instant::now();
        for _ in 0..5 {
            drop(lane.enter("a", far()).await.unwrap());
        }
        // Five starts at 20/s need at least four intervals of 50 ms.
        assert!(begin.elapsed() >= Duration::from_millis(200));
    }

    #[actix_web::test]
    async fn waiters_are_served_round_robin_by_caller() {
        let lane = Lane::new(1000.0);
        let first = lane.enter("busy", far()).await.unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for (caller, n) in [("busy", 0), ("busy", 1), ("busy", 2), ("quiet", 0)] {
            let (lane, order) = (lane.clone(), order.clone());
            tasks.push(actix_web::rt::spawn(async move {
                let _turn = lane.enter(caller, far()).await.unwrap();
                order.lock().unwrap().push(format!("{caller}{n}"));
            }));
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        drop(first);
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(
            *order.lock().unwrap(),
            ["busy0", "quiet0", "busy1", "busy2"]
        );
    }

    #[actix_web::test]
    async fn a_caller_that_would_wait_past_its_deadline_is_told_when_to_retry() {
        let lane = Lane::new(1.0);
        let _held = lane.enter("a", far()).await.unwrap();
        let soon = Instant::now() + Duration::from_millis(100);
        let refused = lane.enter("b", soon).await.err().unwrap();
        assert!(refused.retry_after >= Duration::from_millis(500));
        assert_eq!(lane.waiting(), 0);
    }

    #[actix_web::test]
    async fn background_work_waits_behind_every_caller() {
        let lane = Lane::new(1000.0);
        let first = lane.enter("a", far()).await.unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let background = {
            let (lane, order) = (lane.clone(), order.clone());
            actix_web::rt::spawn(async move {
                let _turn = lane.enter_background(far()).await.unwrap();
                order.lock().unwrap().push("refresh");
            })
        };
        tokio::time::sleep(Duration::from_millis(5)).await;
        let caller = {
            let (lane, order) = (lane.clone(), order.clone());
            actix_web::rt::spawn(async move {
                let _turn = lane.enter("b", far()).await.unwrap();
                order.lock().unwrap().push("caller");
            })
        };
        tokio::time::sleep(Duration::from_millis(5)).await;
        drop(first);
        background.await.unwrap();
        caller.await.unwrap();
        assert_eq!(*order.lock().unwrap(), ["caller", "refresh"]);
    }

    #[actix_web::test]
    async fn a_pause_of_the_largest_duration_neither_panics_nor_outlasts_the_cap() {
        let lane = Lane::new(1000.0);
        lane.pause_for(Duration::MAX);
        let refused = lane
            .enter("a", Instant::now() + Duration::from_millis(10))
            .await
            .err()
            .unwrap();
        assert!(refused.retry_after <= MAX_PAUSE);
        assert!(refused.retry_after > MAX_PAUSE - Duration::from_secs(60));
    }

    #[actix_web::test]
    async fn a_pause_holds_back_the_next_start() {
        let lane = Lane::new(1000.0);
        lane.pause_for(Duration::from_millis(150));
        let begin = Instant::now();
        drop(lane.enter("a", far()).await.unwrap());
        assert!(begin.elapsed() >= Duration::from_millis(140));
    }
}
