//! Callers' quotas for the whole group: GCRA with each caller's theoretical arrival time (TAT) in Redis.
//!
//! A check never waits on Redis (it runs on every request, first-level hits included): each gateway decides
//! on its own copy of the caller's TAT and, every [`SYNC_EVERY`], charges what it admitted since to Redis and
//! takes back the group's TAT, for all active callers in one script call. Every admitted request is charged, so
//! the group's long-run rate is the quota exactly; the error is a short overshoot, taken back from the following
//! seconds: with N gateways, at most (N − 1) × (burst + rps × sync interval + 1) requests beyond what one gateway
//! would admit (a caller new to several gateways at once gets a burst on each, and each gateway learns of the
//! others' use one interval late).
//!
//! When Redis fails the quota fails open to this gateway's own count (each gateway then admits the quota by
//! itself, N times it in all): a quota shares the key's budget fairly among callers, while the cloud itself stays
//! protected by the group lane, which fails closed. Requests admitted while Redis is unreachable are not charged
//! to the group afterwards, so a caller is not locked out for long when Redis returns.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use dashmap::DashMap;

use super::connection::{GroupConnection, GroupError};
use super::keys::GroupKeys;
use super::quota_script::SYNC;
use crate::callers::limiter::{CallerLimiter, Decision, Pace};
use crate::callers::quota::CallerQuotas;
use crate::callers::settings::CallerQuota;
use crate::callers::CallerName;

/// How often each gateway charges its callers' use to the group and learns the others'.
pub const SYNC_EVERY: Duration = Duration::from_millis(50);
/// A caller idle this long past its TAT is forgotten (its burst is full again anyway).
const IDLE_FOR: Duration = Duration::from_secs(10);

/// One caller's count on this gateway.
struct Slot {
    pace: Arc<Pace>,
    /// The theoretical arrival time: the group's as of the last sync, plus what was admitted here since.
    tat: Instant,
    /// Admitted here and not yet charged to the group.
    pending: u32,
    /// When it was last checked.
    used: Instant,
    /// Checked since the last sync: only such callers are synced (one idle here learns the group's state at
    /// the first sync after it is checked again).
    checked: bool,
}

/// The group's quotas, as one gateway counts them.
pub struct GroupQuota {
    /// The callers' paces (own or default); its own counts are not used.
    paces: CallerLimiter,
    slots: DashMap<CallerName, Slot, foldhash::fast::RandomState>,
    connection: GroupConnection,
    keys: GroupKeys,
}

impl GroupQuota {
    /// Counts the callers of `paces` for the group named by `keys`, and starts syncing with Redis every
    /// [`SYNC_EVERY`] until it is dropped. Call it inside the runtime.
    pub fn start(paces: CallerLimiter, connection: GroupConnection, keys: GroupKeys) -> Arc<Self> {
        let quota = Arc::new(Self {
            paces,
            slots: DashMap::with_hasher(foldhash::fast::RandomState::default()),
            connection,
            keys,
        });
        let weak = Arc::downgrade(&quota);
        tokio::spawn(sync_forever(weak));
        quota
    }

    /// Charges what each active caller used here to the group and takes back the group's TAT; callers idle for
    /// long are forgotten. One round trip for every caller.
    pub async fn sync(&self) -> Result<(), GroupError> {
        self.retain_recent();
        let sent: Vec<(CallerName, u32, Duration)> = self
            .slots
            .iter_mut()
            .filter_map(|mut slot| {
                let checked = std::mem::take(&mut slot.checked);
                let used = std::mem::take(&mut slot.pending);
                (checked || used > 0).then(|| (slot.key().clone(), used, slot.pace.period))
            })
            .collect();
        if sent.is_empty() {
            return Ok(());
        }
        let mut invocation = SYNC.prepare_invoke();
        for (caller, used, period) in &sent {
            invocation
                .key(self.caller_key(caller))
                .arg(used)
                .arg(micros(*period));
        }
        let answer: Result<Vec<u64>, GroupError> =
            self.connection.invoke("quota_sync", &invocation).await;
        let result = if answer.is_ok() { "ok" } else { "error" };
        metrics::counter!("gateway_group_quota_syncs_total", "result" => result).increment(1);
        metrics::gauge!("gateway_group_quota_callers").set(sent.len() as f64);
        // On an error what was sent is dropped, not charged later: see the module's note on failing open.
        let ahead = answer?;
        let now = Instant::now();
        for ((caller, _, period), ahead) in sent.iter().zip(ahead) {
            if let Some(mut slot) = self.slots.get_mut(caller) {
                // A pace changed meanwhile starts afresh, as in the local limiter.
                if slot.pace.period == *period {
                    slot.tat = now + Duration::from_micros(ahead) + slot.pace.period * slot.pending;
                }
            }
        }
        Ok(())
    }

    /// Where the group keeps `caller`'s TAT.
    fn caller_key(&self, caller: &CallerName) -> String {
        format!("{}:quota:{caller}", self.keys.base())
    }
}

impl CallerQuotas for GroupQuota {
    fn check(&self, caller: &CallerName) -> Decision {
        let pace = self.paces.pace_of(caller);
        let now = Instant::now();
        let mut slot = self.slots.entry(caller.clone()).or_insert_with(|| Slot {
            pace: pace.clone(),
            tat: now,
            pending: 0,
            used: now,
            checked: true,
        });
        if slot.pace.quota != pace.quota {
            *slot = Slot {
                pace,
                tat: now,
                pending: 0,
                used: now,
                checked: true,
            };
        }
        (slot.used, slot.checked) = (now, true);
        gcra(&mut slot, now)
    }

    fn set_own(&self, own: Vec<(std::sync::Arc<str>, CallerQuota)>) {
        self.paces.set_own(own);
    }

    fn default_quota(&self) -> CallerQuota {
        self.paces.default_quota()
    }

    fn retain_recent(&self) {
        let now = Instant::now();
        self.slots
            .retain(|_, slot| slot.pending > 0 || slot.used + IDLE_FOR > now);
    }
}

/// The GCRA decision on `slot` at `now`: allowed while the TAT after this request is at most a burst of
/// periods ahead.
fn gcra(slot: &mut Slot, now: Instant) -> Decision {
    let (period, burst) = (slot.pace.period, slot.pace.quota.burst);
    let limit = now + period * burst;
    let next = slot.tat.max(now) + period;
    if next <= limit {
        slot.tat = next;
        slot.pending += 1;
        let left = limit.saturating_duration_since(next);
        Decision {
            pace: slot.pace.clone(),
            remaining: units(left, period).min(burst),
            reset: next.saturating_duration_since(now),
            retry_after: None,
        }
    } else {
        Decision {
            pace: slot.pace.clone(),
            remaining: 0,
            reset: slot.tat.saturating_duration_since(now),
            retry_after: Some(next.saturating_duration_since(limit)),
        }
    }
}

/// Whole periods in `span`.
fn units(span: Duration, period: Duration) -> u32 {
    let units = span.as_nanos() / period.as_nanos().max(1);
    u32::try_from(units).unwrap_or(u32::MAX)
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros())
        .unwrap_or(u64::MAX)
        .max(1)
}

/// Syncs every [`SYNC_EVERY`] while the quota lives, saying once when Redis fails and once when it is back.
async fn sync_forever(quota: Weak<GroupQuota>) {
    let mut failing = false;
    loop {
        tokio::time::sleep(SYNC_EVERY).await;
        let Some(quota) = quota.upgrade() else {
            return;
        };
        let synced = quota.sync().await;
        metrics::gauge!("gateway_group_quota_shared").set(if synced.is_ok() { 1.0 } else { 0.0 });
        match (synced, failing) {
            (Err(e), false) => {
                log::warn!("callers' quotas count per gateway until Redis answers again: {e}");
                failing = true;
            }
            (Ok(()), true) => {
                log::info!("callers' quotas count for the group again");
                failing = false;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(rps: f64, burst: u32, now: Instant) -> Slot {
        Slot {
            pace: Pace::new(CallerQuota { rps, burst }),
            tat: now,
            pending: 0,
            used: now,
            checked: false,
        }
    }

    #[test]
    fn a_burst_is_allowed_then_the_next_request_waits_one_period() {
        let now = Instant::now();
        let mut slot = slot(2.0, 3, now);

        let remaining: Vec<u32> = (0..3).map(|_| gcra(&mut slot, now).remaining).collect();
        let refused = gcra(&mut slot, now);

        assert_eq!(remaining, [2, 1, 0]);
        assert_eq!(refused.retry_after, Some(Duration::from_millis(500)));
        assert_eq!(slot.pending, 3, "refusals are not charged");
    }

    #[test]
    fn a_group_tat_ahead_of_now_refuses_until_it_comes_within_a_burst() {
        let now = Instant::now();
        let mut slot = slot(5.0, 5, now);
        // Other gateways used six periods' worth: one more than the burst.
        slot.tat = now + Duration::from_millis(1_200);

        let refused = gcra(&mut slot, now);
        let allowed = gcra(&mut slot, now + Duration::from_millis(400));

        assert_eq!(refused.retry_after, Some(Duration::from_millis(400)));
        assert_eq!(allowed.retry_after, None);
    }
}
