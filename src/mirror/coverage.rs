//! What the mirror holds completely: one account-wide range (from the first sync's start to the instant the
//! sync last caught up), less the windows of a location that verification found wrong and has not repaired.

use serde::{Deserialize, Serialize};

use super::store::Span;

/// The ranges held completely. Stored as a note (`NOTE_NAME`) so that it survives restarts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// From the sync's start to where it last caught up; `None` until the first catch-up.
    pub span: Option<Span>,
    /// Windows of one location known to be incomplete (found by verification, awaiting repair).
    pub gaps: Vec<LocationGap>,
}

/// A window of one location that is not held completely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationGap {
    /// The location.
    pub location_id: i64,
    /// The window.
    pub span: Span,
}

/// The note the coverage is kept under in the store.
pub const NOTE_NAME: &str = "coverage";

impl Coverage {
    /// Whether every event of `location` (or of the whole account, `None`) with `since <= event_time <=
    /// until` is held. Gaps of any location count against an account-wide window; a channel or trigger
    /// scope passes `None`, as its location is not known here.
    pub fn covers(&self, location: Option<i64>, since_micros: i64, until_micros: i64) -> bool {
        let Some(span) = self.span else {
            return false;
        };
        // A reversed window (one end sent, the other taken from the span) is not inside anything.
        let inside = span.from_micros <= since_micros
            && since_micros <= until_micros
            && until_micros <= span.to_micros;
        inside
            && !self.gaps.iter().any(|gap| {
                location.is_none_or(|l| l == gap.location_id)
                    && gap.span.from_micros <= until_micros
                    && since_micros <= gap.span.to_micros
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(from_micros: i64, to_micros: i64) -> Span {
        Span {
            from_micros,
            to_micros,
        }
    }

    #[test]
    fn nothing_is_covered_before_the_first_catch_up() {
        assert!(!Coverage::default().covers(None, 0, 1));
    }

    #[test]
    fn a_window_is_covered_only_wholly_inside_the_span_and_clear_of_its_locations_gaps() {
        let coverage = Coverage {
            span: Some(span(100, 1_000)),
            gaps: vec![LocationGap {
                location_id: 7,
                span: span(400, 500),
            }],
        };
        assert!(coverage.covers(Some(1), 100, 1_000));
        assert!(!coverage.covers(Some(1), 99, 200));
        assert!(!coverage.covers(Some(1), 900, 1_001));
        assert!(!coverage.covers(Some(7), 450, 460));
        assert!(!coverage.covers(None, 300, 400));
        assert!(!coverage.covers(Some(1), 500, 499));
        assert!(coverage.covers(Some(7), 501, 900));
    }
}
