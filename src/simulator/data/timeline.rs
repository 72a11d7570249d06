//! The moving mode's events, hour by hour, made on demand and kept in bounded memos, and their ids.
//!
//! **Ids follow arrival, not `event_time`.** The cloud numbers an event when it arrives, so a late event
//! gets a high id and an old time. An event arriving in UTC hour `A` (hours counted from 2024-01-01T00:00Z)
//! gets `100_000_000 + A * 10_000 + rank`, where `rank` is its place among that hour's arrivals ordered by
//! (arrival, `event_time`, generation order). Ids are therefore sparse (each hour starts a new block of ten
//! thousand), strictly increasing with arrival, and a pure function of the seed: neither the clock nor the
//! history's start changes any event's id. No event exists before 2024 or after the ids run out (2047).

use std::sync::Arc;

use chrono::NaiveDate;

use super::cache::Memo;
use super::day::{location_day, Rate, MAX_DELAY_MS};
use super::raw::{insertion_sort, sort_by_time, Raw};
use super::site::Site;
use super::zone::HOUR_MS;

/// The first hour with events and ids: 2024-01-01T00:00:00Z, in hours since the Unix epoch.
pub(in crate::simulator) const FIRST_HOUR: i64 = 473_352;
/// The id of the first event arriving in `FIRST_HOUR`.
pub(in crate::simulator) const ID_BASE: i32 = 100_000_000;
/// Ids each arrival hour may use; a busy hour at the highest rate has well under half as many events.
pub(in crate::simulator) const ID_STRIDE: i32 = 10_000;
/// A late event arrives at most this many hours after the hour it happened in.
pub(super) const DELAY_HOURS: i64 = MAX_DELAY_MS / HOUR_MS;
/// The last hour with events: even their latest arrivals still have int32 ids.
const LAST_HOUR: i64 =
    FIRST_HOUR + (i32::MAX - ID_BASE) as i64 / ID_STRIDE as i64 - 1 - DELAY_HOURS;

/// The hour (since the Unix epoch) that holds the instant `ms`.
pub(in crate::simulator) fn hour_of(ms: i64) -> i64 {
    ms.div_euclid(HOUR_MS)
}

/// The events that happened in one UTC hour, ordered by `event_time` (ties: location, then draw order).
#[derive(Debug, Default)]
pub(super) struct RawHour {
    pub(super) events: Vec<Raw>,
    /// Indices of the late ones.
    late: Vec<u32>,
}

/// One hour's events with their ids, ordered by (`event_time`, id) as the list is.
#[derive(Debug)]
pub(super) struct NumberedHour {
    pub(super) raw: Arc<RawHour>,
    /// (index into `raw.events`, id), in list order.
    pub(super) order: Vec<(u32, i32)>,
}

/// The events arriving in one hour, in id order.
#[derive(Debug)]
struct Arrivals {
    /// (hour it happened in, index there), the rank being the place here.
    order: Vec<(i64, u32)>,
    /// (rank, hour it happened in, index there) of those that happened in an earlier hour.
    earlier: Vec<(usize, i64, u32)>,
}

/// Every event of the account at every time, made on demand from the seed.
pub(super) struct Timeline {
    seed: u64,
    rate: Rate,
    sites: Vec<Site>,
    days: Memo<(usize, NaiveDate), Arc<Vec<Raw>>>,
    hours: Memo<i64, Arc<RawHour>>,
    arrivals: Memo<i64, Arc<Arrivals>>,
    numbered: Memo<i64, Arc<NumberedHour>>,
}

impl Timeline {
    /// A timeline for `sites`; `hours_held` bounds how many hours of events stay in memory.
    pub(super) fn new(seed: u64, rate: Rate, sites: Vec<Site>, hours_held: usize) -> Self {
        Self {
            seed,
            rate,
            days: Memo::new(sites.len() * 8),
            sites,
            hours: Memo::new(hours_held),
            arrivals: Memo::new(4 * DELAY_HOURS as usize + 8),
            numbered: Memo::new(hours_held),
        }
    }

    /// The events that happened in `hour`, ids not yet known.
    pub(super) fn raw_hour(&self, hour: i64) -> Arc<RawHour> {
        if !(FIRST_HOUR..=LAST_HOUR).contains(&hour) {
            return Arc::default();
        }
        self.hours.get_or_make(hour, || {
            let (from, to) = (hour * HOUR_MS, (hour + 1) * HOUR_MS);
            let mut events = Vec::new();
            for (index, site) in self.sites.iter().enumerate() {
                let date = site.zone.local_date(from);
                let day = self.days.get_or_make((index, date), || {
                    Arc::new(location_day(self.seed, site, date, self.rate))
                });
                let first = day.partition_point(|e| e.time < from);
                let last = day.partition_point(|e| e.time < to);
                events.extend_from_slice(&day[first..last]);
            }
            let events = sort_by_time(events);
            let late = (0..events.len() as u32)
                .filter(|&i| events[i as usize].delay > 0)
                .collect();
            Arc::new(RawHour { events, late })
        })
    }

    /// The events arriving in `hour`, in id order.
    fn arrivals(&self, hour: i64) -> Arc<Arrivals> {
        self.arrivals.get_or_make(hour, || {
            let raw = self.raw_hour(hour);
            // On time: already in (arrival = event_time, index) order.
            let on_time = (0..raw.events.len() as u32)
                .filter(|&i| raw.events[i as usize].delay == 0)
                .map(|i| (raw.events[i as usize].time, hour, i));
            let mut late: Vec<(i64, i64, u32)> = Vec::new();
            for happened in hour - DELAY_HOURS..=hour {
                let raw = self.raw_hour(happened);
                for &i in &raw.late {
                    let arrival = raw.events[i as usize].arrival();
                    if hour_of(arrival) == hour {
                        late.push((arrival, happened, i));
                    }
                }
            }
            insertion_sort(&mut late, |a, b| a > b);
            let mut order = Vec::with_capacity(raw.events.len() + late.len());
            let mut late = late.into_iter().peekable();
            for next in on_time {
                while let Some(&early) = late.peek().filter(|l| **l < next) {
                    order.push(early);
                    late.next();
                }
                order.push(next);
            }
            order.extend(late);
            let earlier = (0..order.len())
                .filter(|&rank| order[rank].1 < hour)
                .map(|rank| (rank, order[rank].1, order[rank].2))
                .collect();
            let order = order.into_iter().map(|(_, h, i)| (h, i)).collect();
            Arc::new(Arrivals { order, earlier })
        })
    }

    /// The events that happened in `hour`, with their ids, in list order.
    pub(super) fn numbered_hour(&self, hour: i64) -> Arc<NumberedHour> {
        self.numbered.get_or_make(hour, || {
            let raw = self.raw_hour(hour);
            let mut ids = vec![0; raw.events.len()];
            for (rank, &(happened, index)) in self.arrivals(hour).order.iter().enumerate() {
                if happened == hour {
                    ids[index as usize] = id_of(hour, rank);
                }
            }
            for arrival_hour in hour + 1..=hour + DELAY_HOURS {
                for &(rank, happened, index) in &self.arrivals(arrival_hour).earlier {
                    if happened == hour {
                        ids[index as usize] = id_of(arrival_hour, rank);
                    }
                }
            }
            // Raw order is `event_time` order; only events at one instant need putting in id order.
            let mut order: Vec<(u32, i32)> = (0..raw.events.len() as u32)
                .map(|i| (i, ids[i as usize]))
                .collect();
            let time = |&(i, _): &(u32, i32)| raw.events[i as usize].time;
            insertion_sort(&mut order, |a, b| (time(a), a.1) > (time(b), b.1));
            Arc::new(NumberedHour { raw, order })
        })
    }

    /// The event that has `id`, whether or not it has arrived yet; `None` when no event has it.
    pub(super) fn by_id(&self, id: i32) -> Option<Raw> {
        let hour = arrival_hour(id)?;
        let rank = ((id - ID_BASE) % ID_STRIDE) as usize;
        let &(happened, index) = self.arrivals(hour).order.get(rank)?;
        self.raw_hour(happened).events.get(index as usize).copied()
    }

    /// How many hours of events are held now (for the lazy-start check).
    #[cfg(test)]
    pub(super) fn hours_held(&self) -> usize {
        self.hours.len()
    }
}

/// The hour an event with `id` would have arrived in; `None` for ids below the first.
pub(super) fn arrival_hour(id: i32) -> Option<i64> {
    let offset = id.checked_sub(ID_BASE).filter(|o| *o >= 0)?;
    Some(FIRST_HOUR + i64::from(offset / ID_STRIDE))
}

/// The id of the event at `rank` among those arriving in `hour`.
fn id_of(hour: i64, rank: usize) -> i32 {
    debug_assert!(rank < ID_STRIDE as usize, "{rank} arrivals in one hour");
    let block = (hour - FIRST_HOUR) * i64::from(ID_STRIDE);
    ID_BASE.saturating_add(i32::try_from(block + rank as i64).unwrap_or(i32::MAX - ID_BASE))
}
