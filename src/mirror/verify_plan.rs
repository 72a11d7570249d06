//! What verification has done and what it has left: the note kept in the store (`NOTE_NAME`), and which
//! (day, location) checks are due. Days are UTC days; only whole days inside coverage that have settled are
//! checked, and days that ended in the last week are checked again once a day (late events may still come).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::store::Span;

/// The note verification is kept under.
pub const NOTE_NAME: &str = "verification";
/// Days that ended less than this long ago are checked again...
pub const RECHECK_WITHIN_DAYS: i64 = 7;
/// ...once this long has passed since their last check.
pub const RECHECK_AFTER_SECS: i64 = 86_400;
/// Repairs kept in the note, newest last.
pub const REPAIRS_KEPT: usize = 20;

/// One (day, location) verification found wrong and repaired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RepairRecord {
    /// The UTC day.
    #[schema(example = "2025-12-20")]
    pub day: String,
    /// The location.
    #[schema(example = 101)]
    pub location_id: i64,
    /// Events the store lacked (or held with other bytes), written.
    pub written: u64,
    /// Events the store held that the cloud does not have, removed.
    pub removed: u64,
    /// When (RFC 3339).
    pub at: String,
}

/// A verification round: every due check, taken a few at a time between the sync's other work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RoundSummary {
    /// When it started (RFC 3339).
    pub started_at: String,
    /// When it finished; `None` while it runs.
    pub finished_at: Option<String>,
    /// (day, location) checks made.
    pub checked: u64,
    /// Checks whose counts differed from the cloud's.
    pub mismatches: u64,
}

/// Verification's durable record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationNote {
    /// `"YYYY-MM-DD/location"` → Unix seconds of its last check.
    pub verified: BTreeMap<String, i64>,
    /// The current or last round.
    pub round: Option<RoundSummary>,
    /// The latest repairs, oldest first.
    pub repairs: Vec<RepairRecord>,
}

impl VerificationNote {
    /// Reads the note's JSON; a note that cannot be read starts afresh (every day is checked again).
    pub fn read(json: Option<&str>) -> Self {
        json.and_then(|j| serde_json::from_str(j).ok())
            .unwrap_or_default()
    }

    /// Records a check of `day` for `location` at `now` (Unix seconds).
    pub fn checked(&mut self, day: NaiveDate, location: i64, now: i64, mismatch: bool) {
        self.verified.insert(key(day, location), now);
        if let Some(round) = &mut self.round {
            round.checked += 1;
            round.mismatches += u64::from(mismatch);
        }
    }

    /// Records a repair, keeping the latest [`REPAIRS_KEPT`].
    pub fn repaired(&mut self, record: RepairRecord) {
        self.repairs.push(record);
        let excess = self.repairs.len().saturating_sub(REPAIRS_KEPT);
        self.repairs.drain(..excess);
    }

    /// Forgets checks of days before `day` (dropped by retention).
    pub fn forget_before(&mut self, day: NaiveDate) {
        let first = day.format("%Y-%m-%d").to_string();
        self.verified.retain(|k, _| k.as_str() >= first.as_str());
    }

    /// The checks due at `now`, oldest day first: whole UTC days inside `covered` that ended at least
    /// `settle_after` ago, for each of `locations`, never checked or (ended in the last week) checked more
    /// than a day ago.
    pub fn due(
        &self,
        covered: Span,
        locations: &[i64],
        settle_after: Duration,
        now: DateTime<Utc>,
    ) -> Vec<(NaiveDate, i64)> {
        let settled_until = now.timestamp_micros() - settle_after.num_microseconds().unwrap_or(0);
        let last_instant = covered.to_micros.min(settled_until);
        let Some(mut day) = first_whole_day(covered.from_micros) else {
            return Vec::new();
        };
        let mut due = Vec::new();
        while let Some(span) = day_span(day).filter(|s| s.to_micros <= last_instant) {
            let ended_secs = (span.to_micros + 1).div_euclid(1_000_000);
            let recent = now.timestamp() - ended_secs < RECHECK_WITHIN_DAYS * 86_400;
            for &location in locations {
                let checked = self.verified.get(&key(day, location));
                let is_due = match checked {
                    None => true,
                    Some(&at) => recent && now.timestamp() - at >= RECHECK_AFTER_SECS,
                };
                if is_due {
                    due.push((day, location));
                }
            }
            let Some(following) = day.succ_opt() else {
                break;
            };
            day = following;
        }
        due
    }
}

fn key(day: NaiveDate, location: i64) -> String {
    format!("{}/{location}", day.format("%Y-%m-%d"))
}

/// The first UTC day that starts at or after `micros`.
fn first_whole_day(micros: i64) -> Option<NaiveDate> {
    let at = DateTime::<Utc>::from_timestamp_micros(micros)?;
    let day = at.date_naive();
    let midnight = day.and_hms_opt(0, 0, 0)?.and_utc();
    if midnight == at {
        Some(day)
    } else {
        day.succ_opt()
    }
}

/// A UTC day as an inclusive span of microseconds.
pub fn day_span(day: NaiveDate) -> Option<Span> {
    let from = day.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros();
    Some(Span {
        from_micros: from,
        to_micros: from + 86_400_000_000 - 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn only_whole_settled_days_inside_coverage_are_due_for_each_location() {
        let covered = Span {
            from_micros: utc("2026-03-01T10:00:00Z").timestamp_micros(),
            to_micros: utc("2026-03-05T00:30:00Z").timestamp_micros(),
        };
        let now = utc("2026-03-05T00:30:00Z");

        let due = VerificationNote::default().due(covered, &[1, 2], Duration::hours(1), now);

        // 03-01 is partial; 03-04 ended at midnight, less than the hour of settling ago.
        assert_eq!(
            due,
            vec![
                (date("2026-03-02"), 1),
                (date("2026-03-02"), 2),
                (date("2026-03-03"), 1),
                (date("2026-03-03"), 2)
            ]
        );
    }

    #[test]
    fn a_checked_day_is_due_again_only_while_recent_and_a_day_after_its_check() {
        let covered = Span {
            from_micros: utc("2026-01-01T00:00:00Z").timestamp_micros(),
            to_micros: utc("2026-03-10T00:00:00Z").timestamp_micros(),
        };
        let now = utc("2026-03-10T00:00:00Z");
        let mut note = VerificationNote::default();
        for day in ["2026-01-05", "2026-03-07", "2026-03-08"] {
            let hours_ago = if day == "2026-03-08" { 2 } else { 48 };
            note.checked(
                date(day),
                1,
                (now - Duration::hours(hours_ago)).timestamp(),
                false,
            );
        }

        let due = note.due(covered, &[1], Duration::hours(1), now);

        assert!(
            !due.contains(&(date("2026-01-05"), 1)),
            "old, checked: done"
        );
        assert!(
            due.contains(&(date("2026-03-07"), 1)),
            "recent, checked 2 days ago"
        );
        assert!(
            !due.contains(&(date("2026-03-08"), 1)),
            "recent, checked 2 hours ago"
        );
        assert!(due.contains(&(date("2026-01-06"), 1)), "never checked");
    }

    #[test]
    fn only_the_latest_repairs_are_kept() {
        let mut note = VerificationNote::default();
        for n in 0..(REPAIRS_KEPT as i64 + 5) {
            note.repaired(RepairRecord {
                day: "2026-01-01".into(),
                location_id: n,
                written: 1,
                removed: 0,
                at: String::new(),
            });
        }
        assert_eq!(note.repairs.len(), REPAIRS_KEPT);
        assert_eq!(note.repairs[0].location_id, 5);
    }
}
