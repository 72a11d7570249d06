//! A window made to hold exactly the cloud's events (verification's repair), and old events dropped
//! (retention), each inside the caller's transaction with every rollup level adjusted.

use std::collections::HashMap;

use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};

use super::dims::{self, Dims, Fresh, Key};
use super::rollups::{self, Deltas, Level};
use super::write::{Outcome, Writer};
use crate::mirror::event::StoredEvent;
use crate::mirror::store::{Repaired, Span};

/// Makes `span` (inclusive; of `location_id`, or of every location) hold exactly `events`.
pub(super) fn replace_window(
    tx: &Connection,
    dims: &Dims,
    location_id: Option<i64>,
    span: Span,
    events: &[StoredEvent],
) -> rusqlite::Result<(Repaired, Fresh)> {
    let mut sql = String::from(
        "SELECT id, event_time_us, location_id, channel_id, trigger_id, event_type, origin
         FROM events WHERE event_time_us >= ? AND event_time_us <= ?",
    );
    let mut values = vec![
        Value::Integer(span.from_micros),
        Value::Integer(span.to_micros),
    ];
    if let Some(location) = location_id {
        sql.push_str(" AND location_id = ?");
        values.push(Value::Integer(location));
    }
    let mut held: HashMap<i64, (i64, Key)> = tx
        .prepare_cached(&sql)?
        .query_map(params_from_iter(values), |row| {
            Ok((row.get(0)?, (row.get(1)?, Key::read(row, 2)?)))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut writer = Writer::new(tx, dims);
    let mut repaired = Repaired::default();
    for event in events {
        held.remove(&event.id);
        if writer.put(event)? != Outcome::Unchanged {
            repaired.written += 1;
        }
    }
    for (id, (time, key)) in held {
        writer.remove(id, &key, time)?;
        repaired.removed += 1;
    }
    Ok((repaired, writer.finish()?))
}

/// Drops every event before `micros`: whole rollup units before it are deleted as they are, and the one unit
/// of each level that `micros` cuts gives back the counts of the events dropped from it.
pub(super) fn drop_before(
    tx: &Connection,
    dims: &Dims,
    micros: i64,
) -> rusqlite::Result<(u64, Fresh)> {
    let mut fresh = Fresh::default();
    let mut deltas = Deltas::default();
    let day_start = Level::Day.unit_of(micros) * Level::Day.micros();
    let mut statement = tx.prepare_cached(
        "SELECT event_time_us, location_id, channel_id, trigger_id, event_type, origin
         FROM events WHERE event_time_us >= ?1 AND event_time_us < ?2",
    )?;
    let mut rows = statement.query([day_start, micros])?;
    while let Some(row) = rows.next()? {
        let time: i64 = row.get(0)?;
        let dim = dims::intern(tx, dims, &mut fresh, &Key::read(row, 1)?)?;
        for level in Level::ALL {
            // Only the unit `micros` cuts; the units wholly before it go below as they are.
            if level.unit_of(time) == level.unit_of(micros) {
                deltas.add_at(level, level.unit_of(time), dim, -1);
            }
        }
    }
    drop(rows);
    drop(statement);
    deltas.apply(tx)?;
    for level in Level::ALL {
        rollups::delete_before(tx, level, level.unit_of(micros))?;
    }
    let dropped = tx
        .prepare_cached("DELETE FROM events WHERE event_time_us < ?1")?
        .execute([micros])?;
    let dropped = i64::try_from(dropped).unwrap_or(i64::MAX);
    rollups::adjust_held(tx, -dropped)?;
    Ok((u64::try_from(dropped).unwrap_or(0), fresh))
}
