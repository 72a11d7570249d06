//! One rollup unit's counts as one BLOB: a format byte, then `(dimension id, count)` pairs ascending by id, as
//! fixed-width little-endian numbers: narrow (`u16` id, `u32` count; 6 bytes a pair) whenever they fit, else
//! wide (`u32` id, `u64` count).
//!
//! Why not a row per (unit, dimension) with the dimension columns: a month of hours holds some 250,000 such
//! rows with realistic dimensions, and SQLite takes hundreds of milliseconds to group them; the same counts
//! packed are 720 rows whose pairs are summed in Rust in a few milliseconds. Fixed widths rather than varints:
//! decoding is most of a series' time, and a plain loop over 6-byte chunks is several times faster.
//! See `examples/mirror_store.rs`.

use rusqlite::types::Type;

/// Counts of one unit, ascending by dimension id, none zero.
pub(super) type Counts = Vec<(u32, u64)>;

/// `u16` ids and `u32` counts.
const NARROW: u8 = 1;
/// `u32` ids and `u64` counts.
const WIDE: u8 = 2;

/// A stored BLOB that does not decode: the file was changed by something other than this store.
#[derive(Debug)]
struct Corrupt;

impl std::fmt::Display for Corrupt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a rollup's packed counts do not decode")
    }
}

impl std::error::Error for Corrupt {}

/// The error for a BLOB that does not decode, or names a dimension id the file does not hold.
pub(super) fn corrupt() -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(1, Type::Blob, Box::new(Corrupt))
}

/// Packs `counts` (ascending ids, no zeros).
pub(super) fn encode(counts: &[(u32, u64)]) -> Vec<u8> {
    let narrow = counts
        .iter()
        .all(|&(dim, n)| u16::try_from(dim).is_ok() && u32::try_from(n).is_ok());
    let mut out = Vec::with_capacity(1 + counts.len() * if narrow { 6 } else { 12 });
    if narrow {
        out.push(NARROW);
        for &(dim, n) in counts {
            out.extend_from_slice(&(dim as u16).to_le_bytes());
            out.extend_from_slice(&(n as u32).to_le_bytes());
        }
    } else {
        out.push(WIDE);
        for &(dim, n) in counts {
            out.extend_from_slice(&dim.to_le_bytes());
            out.extend_from_slice(&n.to_le_bytes());
        }
    }
    out
}

/// Calls `each` with every pair of a packed BLOB, in order; an error (before any call) if it is malformed.
#[inline]
pub(super) fn each(bytes: &[u8], mut each: impl FnMut(u32, u64)) -> rusqlite::Result<()> {
    match bytes.split_first() {
        Some((&NARROW, pairs)) if pairs.len() % 6 == 0 => {
            for c in pairs.chunks_exact(6) {
                let dim = u16::from_le_bytes([c[0], c[1]]);
                let n = u32::from_le_bytes([c[2], c[3], c[4], c[5]]);
                each(u32::from(dim), u64::from(n));
            }
            Ok(())
        }
        Some((&WIDE, pairs)) if pairs.len() % 12 == 0 => {
            for c in pairs.chunks_exact(12) {
                let dim = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                let n = u64::from_le_bytes([c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11]]);
                each(dim, n);
            }
            Ok(())
        }
        _ => Err(corrupt()),
    }
}

/// Decodes a whole BLOB into counts.
pub(super) fn decode(bytes: &[u8]) -> rusqlite::Result<Counts> {
    let mut counts = Vec::with_capacity(bytes.len() / 6);
    each(bytes, |dim, n| counts.push((dim, n)))?;
    Ok(counts)
}

/// `counts` with `deltas` (ascending ids, any sign) added; pairs reaching zero or below are left out.
pub(super) fn merge(counts: &[(u32, u64)], deltas: &[(u32, i64)]) -> Counts {
    let mut out = Vec::with_capacity(counts.len() + deltas.len());
    let (mut c, mut d) = (counts.iter().peekable(), deltas.iter().peekable());
    loop {
        let (dim, total) = match (c.peek(), d.peek()) {
            (None, None) => return out,
            (Some(&&(cd, n)), Some(&&(dd, delta))) if cd == dd => {
                c.next();
                d.next();
                (cd, i128::from(n) + i128::from(delta))
            }
            (Some(&&(cd, n)), Some(&&(dd, _))) if cd < dd => {
                c.next();
                (cd, i128::from(n))
            }
            (Some(&&(cd, n)), None) => {
                c.next();
                (cd, i128::from(n))
            }
            (_, Some(&&(dd, delta))) => {
                d.next();
                (dd, i128::from(delta))
            }
        };
        if total > 0 {
            out.push((dim, u64::try_from(total).unwrap_or(u64::MAX)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_survive_packing_narrow_and_wide() {
        let narrow = vec![
            (0, 1),
            (1, 127),
            (300, 16_384),
            (65_535, u64::from(u32::MAX)),
        ];
        let wide = vec![(0, 1), (70_000, 2), (u32::MAX, u64::MAX)];

        let (small, large) = (encode(&narrow), encode(&wide));

        assert_eq!(decode(&small).unwrap(), narrow);
        assert_eq!(decode(&large).unwrap(), wide);
        assert_eq!(small.len(), 1 + 6 * narrow.len());
        assert_eq!(encode(&[(1, 1)]), vec![NARROW, 1, 0, 1, 0, 0, 0]);
    }

    #[test]
    fn a_cut_off_or_unknown_blob_is_an_error_not_a_short_count() {
        let packed = encode(&[(5, 300), (6, 1)]);

        assert!(decode(&packed[..packed.len() - 1]).is_err());
        assert!(decode(&[9, 0, 0, 0, 0, 0, 0]).is_err());
        assert!(decode(&[]).is_err());
    }

    #[test]
    fn merging_adds_inserts_and_drops_what_reaches_zero() {
        let counts = vec![(1, 3), (4, 1), (9, 2)];

        let merged = merge(&counts, &[(0, 2), (4, -1), (9, 5), (12, 1)]);

        assert_eq!(merged, vec![(0, 2), (1, 3), (9, 7), (12, 1)]);
        assert_eq!(merge(&[(1, 1)], &[(1, -1)]), vec![]);
    }
}
