//! Which level each part of a counted window is read from: for every bucket, its whole UTC days from the day
//! rollups, the whole hours left at its ends from the hours, then whole quarter hours, whole minutes, and the
//! events themselves.
//! Pieces of one level that touch are merged, so an hourly series over a month is one range of the hour
//! table, and no unit read lies across a bucket edge (each row belongs to one bucket).

use super::rollups::Level;

/// Where a piece is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    /// A rollup level; the piece's ends are multiples of its unit.
    Rollup(Level),
    /// The events.
    Events,
}

impl Source {
    fn rank(self) -> usize {
        match self {
            Source::Rollup(level) => level as usize,
            Source::Events => Level::ALL.len(),
        }
    }
}

/// The instants `from..to` (microseconds, half-open), read from `source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Piece {
    pub source: Source,
    pub from: i64,
    pub to: i64,
}

/// The pieces that cover `lo..to` cut by `edges` (ascending): coarsest first, then by time.
pub(super) fn plan(edges: &[i64], lo: i64, hi: i64) -> Vec<Piece> {
    let mut pieces = Vec::new();
    for pair in edges.windows(2) {
        let (from, to) = (pair[0].max(lo), pair[1].min(hi));
        split(from, to, &Level::ALL, &mut pieces);
    }
    // Stable: within a source the pieces stay in time order, so touching ones are neighbours.
    pieces.sort_by_key(|piece| piece.source.rank());
    let mut merged: Vec<Piece> = Vec::with_capacity(pieces.len());
    for piece in pieces {
        match merged.last_mut() {
            Some(last) if last.source == piece.source && last.to == piece.from => {
                last.to = piece.to
            }
            _ => merged.push(piece),
        }
    }
    merged
}

/// Splits `from..to` (inside one bucket) into the whole units of the coarsest of `levels` it holds, and
/// its ends recursively into finer ones.
fn split(from: i64, to: i64, levels: &[Level], out: &mut Vec<Piece>) {
    if from >= to {
        return;
    }
    let Some((&level, finer)) = levels.split_first() else {
        out.push(Piece {
            source: Source::Events,
            from,
            to,
        });
        return;
    };
    let unit = level.micros();
    // The first unit start at or after `from`, and the last at or before `to`.
    let first = from.div_euclid(unit) + i64::from(from.rem_euclid(unit) != 0);
    let last = to.div_euclid(unit);
    if first >= last {
        return split(from, to, finer, out);
    }
    let (whole_from, whole_to) = (first * unit, last * unit);
    split(from, whole_from, finer, out);
    out.push(Piece {
        source: Source::Rollup(level),
        from: whole_from,
        to: whole_to,
    });
    split(whole_to, to, finer, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mirror::sqlite::rollups::{DAY, HOUR, MINUTE};

    const T0: i64 = 1_767_225_600_000_000; // 2026-01-01T00:00:00Z

    fn piece(source: Source, from: i64, to: i64) -> Piece {
        Piece { source, from, to }
    }

    #[test]
    fn an_hourly_month_in_utc_is_one_range_of_the_hour_table() {
        let edges: Vec<i64> = (0..=720).map(|h| T0 + h * HOUR).collect();

        let pieces = plan(&edges, i64::MIN, i64::MAX);

        assert_eq!(
            pieces,
            vec![piece(Source::Rollup(Level::Hour), T0, T0 + 720 * HOUR)]
        );
    }

    #[test]
    fn a_month_total_with_ragged_ends_reads_days_then_hours_quarters_minutes_and_events_at_the_ends(
    ) {
        let (since, until) = (
            T0 + 5 * HOUR + 3 * MINUTE + 7,
            T0 + 30 * DAY + 2 * MINUTE + 9,
        );

        let pieces = plan(&[since, until], i64::MIN, i64::MAX);

        assert_eq!(
            pieces,
            vec![
                piece(Source::Rollup(Level::Day), T0 + DAY, T0 + 30 * DAY),
                piece(Source::Rollup(Level::Hour), T0 + 6 * HOUR, T0 + DAY),
                piece(
                    Source::Rollup(Level::Quarter),
                    T0 + 5 * HOUR + 15 * MINUTE,
                    T0 + 6 * HOUR
                ),
                piece(
                    Source::Rollup(Level::Minute),
                    T0 + 5 * HOUR + 4 * MINUTE,
                    T0 + 5 * HOUR + 15 * MINUTE
                ),
                piece(
                    Source::Rollup(Level::Minute),
                    T0 + 30 * DAY,
                    T0 + 30 * DAY + 2 * MINUTE
                ),
                piece(Source::Events, since, T0 + 5 * HOUR + 4 * MINUTE),
                piece(Source::Events, T0 + 30 * DAY + 2 * MINUTE, until),
            ]
        );
    }

    #[test]
    fn days_in_a_half_hour_zone_read_hours_inside_and_quarter_hours_across_each_edge() {
        // Local midnights at +05:30 are 18:30 UTC.
        let edges: Vec<i64> = (0..=3)
            .map(|d| T0 + d * DAY - 5 * HOUR - 30 * MINUTE)
            .collect();

        let pieces = plan(&edges, i64::MIN, i64::MAX);

        let count = |level| {
            let source = Source::Rollup(level);
            pieces.iter().filter(|p| p.source == source).count()
        };
        assert_eq!(count(Level::Hour), 3);
        assert_eq!(count(Level::Quarter), 4); // both outer ends, and an hour across each inner edge
        assert_eq!(count(Level::Minute), 0);
        assert!(pieces.iter().all(|p| p.source != Source::Events));
    }

    #[test]
    fn an_hourly_month_in_a_quarter_hour_zone_is_one_range_of_the_quarter_table() {
        // +05:45: local hours start at :15 past UTC hours.
        let first = T0 + 15 * MINUTE;
        let edges: Vec<i64> = (0..=720).map(|h| first + h * HOUR).collect();

        let pieces = plan(&edges, i64::MIN, i64::MAX);

        let quarters = Source::Rollup(Level::Quarter);
        assert_eq!(pieces, vec![piece(quarters, first, first + 720 * HOUR)]);
    }

    #[test]
    fn pieces_cover_the_window_once_and_no_unit_read_lies_across_an_edge() {
        let mut seed: u64 = 7;
        let mut next = |below: i64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            ((seed >> 33) as i64).rem_euclid(below)
        };
        for _ in 0..300 {
            let mut edges: Vec<i64> = (0..1 + next(8)).map(|_| T0 + next(3 * DAY)).collect();
            edges.push(T0 + next(3 * DAY));
            edges.sort_unstable();
            let (lo, hi) = (T0 + next(DAY), T0 + DAY + next(2 * DAY));

            let mut pieces = plan(&edges, lo, hi);

            for p in &pieces {
                if let Source::Rollup(level) = p.source {
                    let unit = level.micros();
                    assert_eq!((p.from % unit, p.to % unit), (0, 0), "{p:?}");
                    let inner = edges.iter().filter(|&&e| p.from < e && e < p.to);
                    assert!(inner.clone().all(|e| e % unit == 0), "{p:?} cuts a unit");
                }
            }
            pieces.sort_by_key(|p| p.from);
            let (start, end) = (lo.max(edges[0]), hi.min(edges[edges.len() - 1]));
            let mut at = start;
            for p in pieces.iter().filter(|p| p.from < p.to) {
                assert_eq!(p.from, at, "{edges:?} {lo}..{hi}: {pieces:?}");
                at = p.to;
            }
            assert_eq!(at, start.max(end), "{edges:?} {lo}..{hi}");
        }
    }
}
