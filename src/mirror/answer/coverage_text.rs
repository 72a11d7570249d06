//! What the mirror holds, in words, for the 409 that refuses a window outside it.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::mirror::coverage::Coverage;

/// RFC 3339 in UTC, to the microsecond only when needed.
pub fn instant(micros: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(micros)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        .unwrap_or_else(|| format!("{micros} µs after 1970"))
}

/// Why nothing can be answered before the first catch-up.
pub fn nothing_held() -> String {
    "the mirror holds no complete range yet (its first sync has not caught up)".to_owned()
}

/// Why `since..=until` of `location` (`None`: every location) is not answered: what the mirror holds
/// completely, and the windows it is repairing that the asked window meets.
pub fn not_covered(coverage: &Coverage, location: Option<i64>, since: i64, until: i64) -> String {
    let asked = format!("{} to {}", instant(since), instant(until));
    let Some(span) = coverage.span else {
        return format!("{}, so {asked} cannot be answered from it", nothing_held());
    };
    let held = format!(
        "the mirror holds {} to {} completely",
        instant(span.from_micros),
        instant(span.to_micros)
    );
    let repairs: Vec<String> = coverage
        .gaps
        .iter()
        .filter(|gap| location.is_none_or(|l| l == gap.location_id))
        .filter(|gap| gap.span.from_micros <= until && since <= gap.span.to_micros)
        .map(|gap| {
            format!(
                "location {} from {} to {}",
                gap.location_id,
                instant(gap.span.from_micros),
                instant(gap.span.to_micros)
            )
        })
        .collect();
    if repairs.is_empty() {
        format!("since, until: {held}; {asked} is not inside it")
    } else {
        format!(
            "since, until: {held}, less windows being repaired that {asked} meets: {}",
            repairs.join("; ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mirror::coverage::LocationGap;
    use crate::mirror::store::Span;

    #[test]
    fn the_message_names_the_covered_range_and_the_repairs_in_the_way() {
        let day = 86_400_000_000;
        let mut coverage = Coverage {
            span: Some(Span {
                from_micros: 0,
                to_micros: 10 * day,
            }),
            gaps: vec![],
        };
        let outside = not_covered(&coverage, None, 9 * day, 11 * day);
        assert_eq!(
            outside,
            "since, until: the mirror holds 1970-01-01T00:00:00Z to 1970-01-11T00:00:00Z completely; \
             1970-01-10T00:00:00Z to 1970-01-12T00:00:00Z is not inside it"
        );
        coverage.gaps.push(LocationGap {
            location_id: 7,
            span: Span {
                from_micros: day,
                to_micros: 2 * day,
            },
        });
        assert!(not_covered(&coverage, Some(7), 0, 3 * day).contains("location 7 from 1970-01-02"));
        assert!(not_covered(&Coverage::default(), None, 0, 1).contains("no complete range yet"));
    }
}
