//! One rollup unit's counts as one `bytea`: `(dimension id, count)` pairs, ascending by id, each number an
//! unsigned LEB128 varint (the SQLite store packs its rollups the same way).
//!
//! Why not a row per (unit, dimension combination): a month of hours holds some 230,000 such rows with
//! realistic dimensions, and PostgreSQL takes tens of milliseconds to group them; packed, it is 720 rows whose
//! pairs are summed here in about a millisecond.

use std::collections::BTreeMap;

/// Counts of one unit, ascending by dimension id, none zero.
pub(super) type Counts = Vec<(u32, u64)>;

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

/// Reads one varint from the front of `bytes`, advancing it.
fn take(bytes: &mut &[u8]) -> Option<u64> {
    let mut n: u64 = 0;
    for (i, &byte) in bytes.iter().enumerate().take(10) {
        n |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            *bytes = &bytes[i + 1..];
            return Some(n);
        }
    }
    None
}

/// Calls `each` with every pair of a packed value; `None` when it does not decode (something other than
/// this store wrote it).
pub(super) fn for_each(mut bytes: &[u8], mut each: impl FnMut(u32, u64)) -> Option<()> {
    while !bytes.is_empty() {
        let dim = u32::try_from(take(&mut bytes)?).ok()?;
        each(dim, take(&mut bytes)?);
    }
    Some(())
}

/// `packed` with `deltas` added; pairs reaching zero or below are left out.
pub(super) fn merge(packed: &[u8], deltas: &BTreeMap<u32, i64>) -> Option<Counts> {
    let mut all: BTreeMap<u32, i128> = BTreeMap::new();
    for_each(packed, |dim, n| {
        all.insert(dim, i128::from(n));
    })?;
    for (&dim, &delta) in deltas {
        *all.entry(dim).or_default() += i128::from(delta);
    }
    Some(
        all.into_iter()
            .filter(|&(_, n)| n > 0)
            .map(|(dim, n)| (dim, u64::try_from(n).unwrap_or(u64::MAX)))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Option<Counts> {
        let mut out = Vec::new();
        for_each(bytes, |dim, n| out.push((dim, n)))?;
        Some(out)
    }

    #[test]
    fn counts_survive_packing_whatever_their_size() {
        let counts = vec![
            (0, 1),
            (1, 127),
            (2, 128),
            (300, 16_384),
            (u32::MAX, u64::MAX),
        ];

        assert_eq!(decode(&encode(&counts)), Some(counts));
        assert_eq!(encode(&[(1, 1)]), vec![1, 1]);
    }

    #[test]
    fn a_cut_off_value_does_not_decode() {
        let packed = encode(&[(5, 300)]);

        assert_eq!(decode(&packed[..packed.len() - 1]), None);
        assert_eq!(decode(&[0xff; 11]), None);
    }

    #[test]
    fn merging_adds_inserts_and_drops_what_reaches_zero() {
        let packed = encode(&[(1, 3), (4, 1), (9, 2)]);
        let deltas = BTreeMap::from([(0, 2), (4, -1), (9, 5), (12, 1)]);

        assert_eq!(
            merge(&packed, &deltas),
            Some(vec![(0, 2), (1, 3), (9, 7), (12, 1)])
        );
        assert_eq!(
            merge(&encode(&[(1, 1)]), &BTreeMap::from([(1, -1)])),
            Some(vec![])
        );
    }
}
