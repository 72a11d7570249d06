//! The dimension combinations held (location, channel, trigger, type, origin), each under a small id that the
//! packed rollups use. Combinations are never deleted; there are a few hundred in a real account.

use std::collections::HashMap;
use std::sync::Arc;

use rusqlite::{params, Connection, OptionalExtension};

use crate::mirror::event::{EventFilter, Scope, StoredEvent};
use crate::mirror::store::Dimension;

/// One combination of an event's dimensions.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct Key {
    pub location_id: i64,
    pub channel_id: String,
    pub trigger_id: String,
    pub event_type: String,
    pub origin: String,
}

impl Key {
    /// The combination of `event`.
    pub fn of(event: &StoredEvent) -> Self {
        Self {
            location_id: event.location_id,
            channel_id: event.channel_id.clone(),
            trigger_id: event.trigger_id.clone(),
            event_type: event.event_type.clone(),
            origin: event.origin.clone(),
        }
    }

    /// Reads the five dimension columns starting at `first`, in the tables' order.
    pub fn read(row: &rusqlite::Row, first: usize) -> rusqlite::Result<Self> {
        Ok(Self {
            location_id: row.get(first)?,
            channel_id: row.get(first + 1)?,
            trigger_id: row.get(first + 2)?,
            event_type: row.get(first + 3)?,
            origin: row.get(first + 4)?,
        })
    }

    /// Whether an event of this combination passes the scope, type and origin of `filter`.
    pub fn matches(&self, filter: &EventFilter) -> bool {
        let in_scope = match &filter.scope {
            Scope::All => true,
            Scope::Location(id) => self.location_id == *id,
            Scope::Channel(id) => self.channel_id == *id,
            Scope::Trigger(id) => self.trigger_id == *id,
        };
        in_scope
            && filter
                .event_type
                .as_ref()
                .is_none_or(|t| *t == self.event_type)
            && filter.origin.as_ref().is_none_or(|o| *o == self.origin)
    }

    /// This combination's values of `group_by`, in that order.
    pub fn group(&self, group_by: &[Dimension]) -> Vec<String> {
        group_by
            .iter()
            .map(|d| match d {
                Dimension::Trigger => self.trigger_id.clone(),
                Dimension::Type => self.event_type.clone(),
                Dimension::Origin => self.origin.clone(),
                Dimension::Channel => self.channel_id.clone(),
                Dimension::Location => self.location_id.to_string(),
            })
            .collect()
    }
}

/// The combinations known to this connection: a copy of the `dimensions` table, read at open and extended
/// after each commit that added to it.
#[derive(Debug, Default)]
pub(super) struct Dims {
    ids: HashMap<Arc<Key>, u32>,
    keys: Vec<Option<Arc<Key>>>,
}

impl Dims {
    /// Reads the whole table.
    pub fn load(conn: &Connection) -> rusqlite::Result<Self> {
        let mut dims = Self::default();
        let mut statement = conn.prepare(
            "SELECT dim, location_id, channel_id, trigger_id, event_type, origin FROM dimensions",
        )?;
        let rows =
            statement.query_map([], |row| Ok((row.get::<_, u32>(0)?, Key::read(row, 1)?)))?;
        for row in rows {
            let (dim, key) = row?;
            dims.add(dim, key);
        }
        Ok(dims)
    }

    fn add(&mut self, dim: u32, key: Key) {
        let key = Arc::new(key);
        let at = dim as usize;
        if self.keys.len() <= at {
            self.keys.resize(at + 1, None);
        }
        self.keys[at] = Some(Arc::clone(&key));
        self.ids.insert(key, dim);
    }

    /// How many combinations are known.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// One past the largest id known: the length a per-id table needs.
    pub fn end(&self) -> usize {
        self.keys.len()
    }

    /// Every id known with its combination.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &Key)> {
        self.keys
            .iter()
            .enumerate()
            .filter_map(|(dim, key)| Some((dim as u32, key.as_deref()?)))
    }

    /// Adds what a committed transaction interned.
    pub fn publish(&mut self, fresh: Fresh) {
        for (key, dim) in fresh.0 {
            self.add(dim, key);
        }
    }
}

/// Combinations a write transaction added; known to `Dims` only once it committed, since a rolled-back
/// transaction gives their ids back.
#[derive(Debug, Default)]
pub(super) struct Fresh(HashMap<Key, u32>);

/// The id of `key` inside `tx`, adding the combination when new.
pub(super) fn intern(
    tx: &Connection,
    dims: &Dims,
    fresh: &mut Fresh,
    key: &Key,
) -> rusqlite::Result<u32> {
    if let Some(&dim) = dims.ids.get(key).or_else(|| fresh.0.get(key)) {
        return Ok(dim);
    }
    let columns = params![
        key.location_id,
        key.channel_id,
        key.trigger_id,
        key.event_type,
        key.origin
    ];
    // Another process sharing the file may have added it since this connection read the table.
    let held: Option<u32> = tx
        .prepare_cached(
            "SELECT dim FROM dimensions WHERE location_id = ?1 AND channel_id = ?2 AND trigger_id = ?3
             AND event_type = ?4 AND origin = ?5",
        )?
        .query_row(columns, |row| row.get(0))
        .optional()?;
    let dim = match held {
        Some(dim) => dim,
        None => {
            tx.prepare_cached(
                "INSERT INTO dimensions (location_id, channel_id, trigger_id, event_type, origin)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(columns)?;
            u32::try_from(tx.last_insert_rowid())
                .map_err(|_| rusqlite::Error::IntegralValueOutOfRange(0, tx.last_insert_rowid()))?
        }
    };
    fresh.0.insert(key.clone(), dim);
    Ok(dim)
}
