//! One rollup unit's counts as one BLOB: `(dimension id, count)` pairs, ascending by id, each number an
//! unsigned LEB128 varint.
//!
//! Why not a row per (unit, dimension) with the dimension columns: a month of hours holds some 250,000 such
//! rows with realistic dimensions, and SQLite takes hundreds of milliseconds to group them; the same counts
//! packed are 720 rows whose pairs are summed in Rust in about a millisecond. See `bench/mirror_store.rs`.

use rusqlite::types::Type;

/// Counts of one unit, ascending by dimension id, none zero.
pub(super) type Counts = Vec<(u32, u64)>;

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

fn put(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Packs `counts` (ascending ids, no zeros).
pub(super) fn encode(counts: &[(u32, u64)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(counts.len() * 3);
    for &(dim, count) in counts {
        put(&mut out, u64::from(dim));
        put(&mut out, count);
    }
    out
}

/// The pairs of a packed BLOB, read lazily; `Err` on the first malformed number.
pub(super) struct Pairs<'a> {
    bytes: &'a [u8],
}

impl<'a> Pairs<'a> {
    /// Reads `bytes` as packed by [`encode`].
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    fn take(&mut self) -> Option<u64> {
        let mut n: u64 = 0;
        for (i, &byte) in self.bytes.iter().enumerate().take(10) {
            n |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                self.bytes = &self.bytes[i + 1..];
                return Some(n);
            }
        }
        None
    }
}

impl Iterator for Pairs<'_> {
    type Item = rusqlite::Result<(u32, u64)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.bytes.is_empty() {
            return None;
        }
        let pair = self
            .take()
            .and_then(|dim| u32::try_from(dim).ok())
            .zip(self.take());
        match pair {
            Some(pair) => Some(Ok(pair)),
            None => {
                self.bytes = &[];
                Some(Err(corrupt()))
            }
        }
    }
}

/// Decodes a whole BLOB into counts.
pub(super) fn decode(bytes: &[u8]) -> rusqlite::Result<Counts> {
    Pairs::new(bytes).collect()
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
    fn counts_survive_packing_whatever_their_size() {
        let counts = vec![
            (0, 1),
            (1, 127),
            (2, 128),
            (300, 16_384),
            (u32::MAX, u64::MAX),
        ];

        let packed = encode(&counts);

        assert_eq!(decode(&packed).unwrap(), counts);
        assert_eq!(encode(&[(1, 1)]), vec![1, 1]);
    }

    #[test]
    fn a_cut_off_blob_is_an_error_not_a_short_count() {
        let packed = encode(&[(5, 300)]);

        assert!(decode(&packed[..packed.len() - 1]).is_err());
        assert!(decode(&[0xff; 11]).is_err());
    }

    #[test]
    fn merging_adds_inserts_and_drops_what_reaches_zero() {
        let counts = vec![(1, 3), (4, 1), (9, 2)];

        let merged = merge(&counts, &[(0, 2), (4, -1), (9, 5), (12, 1)]);

        assert_eq!(merged, vec![(0, 2), (1, 3), (9, 7), (12, 1)]);
        assert_eq!(merge(&[(1, 1)], &[(1, -1)]), vec![]);
    }
}
