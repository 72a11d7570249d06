//! The rollups checked against the events: every level's packed counts and the event counter must equal a
//! recount of the events held.

use std::collections::{BTreeMap, HashMap};

use super::super::dims::Key;
use super::super::packed;
use super::super::rollups::Level;
use super::SqliteStore;

/// (level, unit, location, channel, trigger, type, origin) → count.
type Tallies = BTreeMap<(usize, i64, i64, String, String, String, String), u64>;

fn entry(level: Level, unit: i64, key: Key) -> (usize, i64, i64, String, String, String, String) {
    (
        level as usize,
        unit,
        key.location_id,
        key.channel_id,
        key.trigger_id,
        key.event_type,
        key.origin,
    )
}

/// Panics unless every rollup level and the counter equal a recount of the events `store` holds.
pub(super) fn assert_rollups_match_the_events(store: &SqliteStore) {
    let held = store.held.lock().unwrap();
    let conn = &held.conn;
    let mut expected = Tallies::new();
    let mut events = conn
        .prepare("SELECT event_time_us, location_id, channel_id, trigger_id, event_type, origin FROM events")
        .unwrap();
    let mut rows = events.query([]).unwrap();
    let mut count = 0;
    while let Some(row) = rows.next().unwrap() {
        let time: i64 = row.get(0).unwrap();
        let key = Key::read(row, 1).unwrap();
        for level in Level::ALL {
            *expected
                .entry(entry(level, level.unit_of(time), key.clone()))
                .or_default() += 1;
        }
        count += 1;
    }
    let mut keys: HashMap<u32, Key> = HashMap::new();
    let mut dims = conn
        .prepare(
            "SELECT dim, location_id, channel_id, trigger_id, event_type, origin FROM dimensions",
        )
        .unwrap();
    let mut rows = dims.query([]).unwrap();
    while let Some(row) = rows.next().unwrap() {
        keys.insert(row.get(0).unwrap(), Key::read(row, 1).unwrap());
    }
    let mut actual = Tallies::new();
    for level in Level::ALL {
        let sql = format!("SELECT unit, counts FROM {}", level.table());
        let mut units = conn.prepare(&sql).unwrap();
        let mut rows = units.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            let unit: i64 = row.get(0).unwrap();
            let counts = packed::decode(row.get_ref(1).unwrap().as_blob().unwrap()).unwrap();
            assert!(
                !counts.is_empty(),
                "an empty row is kept at {level:?} {unit}"
            );
            for (dim, n) in counts {
                assert!(n > 0, "a zero count is kept at {level:?} {unit}");
                let at = entry(level, unit, keys[&dim].clone());
                assert!(
                    actual.insert(at, n).is_none(),
                    "a combination twice in one unit"
                );
            }
        }
    }
    if let Some((at, n)) = expected.iter().find(|(at, n)| actual.get(*at) != Some(*n)) {
        panic!(
            "{at:?}: the events count {n}, the rollups {:?}",
            actual.get(at)
        );
    }
    assert_eq!(
        actual.len(),
        expected.len(),
        "the rollups hold units without events"
    );
    let counter: i64 = conn
        .query_row("SELECT events FROM held", [], |row| row.get(0))
        .unwrap();
    assert_eq!(counter, count, "the event counter");
}
