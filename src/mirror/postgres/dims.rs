//! Dimension combinations (location, channel, trigger, type, origin) interned under small ids, which the
//! packed rollups count by. Ids are given by the database (shared by every gateway on it) and cached here.
//! A combination is interned in its own statement, committed before the transaction that counts it, so no
//! rollup ever names an id that a rolled-back transaction took away.

use std::collections::HashMap;
use std::sync::RwLock;

use deadpool_postgres::Client;
use tokio_postgres::Row;

use super::filter::Params;
use crate::mirror::event::{EventFilter, Scope, StoredEvent};
use crate::mirror::store::Dimension;

/// One combination of an event's dimensions.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct Combo {
    location_id: i64,
    channel_id: String,
    trigger_id: String,
    event_type: String,
    origin: String,
}

impl Combo {
    fn of(event: &StoredEvent) -> Self {
        Self {
            location_id: event.location_id,
            channel_id: event.channel_id.clone(),
            trigger_id: event.trigger_id.clone(),
            event_type: event.event_type.clone(),
            origin: event.origin.clone(),
        }
    }

    /// Reads `id, location_id, channel_id, trigger_id, event_type, origin`.
    fn from_row(row: &Row) -> (u32, Self) {
        let id: i32 = row.get(0);
        let combo = Self {
            location_id: row.get(1),
            channel_id: row.get(2),
            trigger_id: row.get(3),
            event_type: row.get(4),
            origin: row.get(5),
        };
        (u32::try_from(id).unwrap_or(0), combo)
    }

    fn matches(&self, filter: &EventFilter) -> bool {
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

    fn value(&self, dimension: Dimension) -> String {
        match dimension {
            Dimension::Trigger => self.trigger_id.clone(),
            Dimension::Type => self.event_type.clone(),
            Dimension::Origin => self.origin.clone(),
            Dimension::Channel => self.channel_id.clone(),
            Dimension::Location => self.location_id.to_string(),
        }
    }
}

/// The combinations this gateway has seen, both ways.
#[derive(Default)]
struct Known {
    by_id: HashMap<u32, Combo>,
    by_combo: HashMap<Combo, u32>,
}

/// The cache of interned combinations (a lock never held across an await).
#[derive(Default)]
pub(super) struct Dims(RwLock<Known>);

/// What one combination id means to one query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    /// Not seen by this gateway yet: learn it, then ask again.
    Unknown,
    /// Left out by the filter.
    Skip,
    /// Counted in this group (an index into `Selector::groups`).
    Group(u32),
}

/// For one query: each known id's slot.
pub(super) struct Selector {
    by_id: Vec<Slot>,
    /// The groups' values, one per `group_by`.
    pub(super) groups: Vec<Vec<String>>,
}

impl Selector {
    /// A selector from its slots and groups as given (tests of what reads it).
    #[cfg(test)]
    pub(super) fn new(by_id: Vec<Slot>, groups: Vec<Vec<String>>) -> Self {
        Self { by_id, groups }
    }

    /// What `id` means to the query.
    pub(super) fn slot(&self, id: u32) -> Slot {
        self.by_id
            .get(id as usize)
            .copied()
            .unwrap_or(Slot::Unknown)
    }
}

const COLUMNS: &str = "location_id, channel_id, trigger_id, event_type, origin";

impl Dims {
    fn learn(&self, rows: &[Row]) {
        let mut known = self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for row in rows {
            let (id, combo) = Combo::from_row(row);
            known.by_combo.insert(combo.clone(), id);
            known.by_id.insert(id, combo);
        }
    }

    /// Learns every combination the database holds (at start).
    pub(super) async fn load(&self, client: &Client) -> Result<(), tokio_postgres::Error> {
        let rows = client
            .query(&format!("SELECT id, {COLUMNS} FROM mirror_dims"), &[])
            .await?;
        self.learn(&rows);
        Ok(())
    }

    /// Each event's combination id, interning those the database does not hold yet; `None` if one could
    /// not be interned.
    pub(super) async fn ids_for(
        &self,
        client: &Client,
        events: &[StoredEvent],
    ) -> Result<Option<Vec<u32>>, tokio_postgres::Error> {
        let combos: Vec<Combo> = events.iter().map(Combo::of).collect();
        let missing: Vec<&Combo> = {
            let known = self
                .0
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let mut missing: Vec<&Combo> = combos
                .iter()
                .filter(|c| !known.by_combo.contains_key(c))
                .collect();
            missing.sort();
            missing.dedup();
            missing
        };
        if !missing.is_empty() {
            let mut params = Params::default();
            let arrays = [
                params.bind(missing.iter().map(|c| c.location_id).collect::<Vec<i64>>()),
                params.bind(
                    missing
                        .iter()
                        .map(|c| c.channel_id.clone())
                        .collect::<Vec<String>>(),
                ),
                params.bind(
                    missing
                        .iter()
                        .map(|c| c.trigger_id.clone())
                        .collect::<Vec<String>>(),
                ),
                params.bind(
                    missing
                        .iter()
                        .map(|c| c.event_type.clone())
                        .collect::<Vec<String>>(),
                ),
                params.bind(
                    missing
                        .iter()
                        .map(|c| c.origin.clone())
                        .collect::<Vec<String>>(),
                ),
            ];
            let unnest = format!(
                "unnest({}::int8[], {}::text[], {}::text[], {}::text[], {}::text[]) AS u({COLUMNS})",
                arrays[0], arrays[1], arrays[2], arrays[3], arrays[4]
            );
            // Autocommit: the ids are durable before any transaction counts by them.
            let intern = client
                .prepare_cached(&format!(
                    "INSERT INTO mirror_dims ({COLUMNS}) SELECT * FROM {unnest} ON CONFLICT DO NOTHING"
                ))
                .await?;
            client.execute(&intern, &params.values()).await?;
            let read = client
                .prepare_cached(&format!(
                    "SELECT d.id, d.location_id, d.channel_id, d.trigger_id, d.event_type, d.origin
                     FROM mirror_dims d JOIN {unnest} USING ({COLUMNS})"
                ))
                .await?;
            self.learn(&client.query(&read, &params.values()).await?);
        }
        let known = self
            .0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Each combination was interned above; one still unknown means the table was changed under us.
        Ok(combos
            .iter()
            .map(|c| known.by_combo.get(c).copied())
            .collect())
    }

    /// Learns the combinations of `ids` this gateway has not seen (another gateway interned them).
    pub(super) async fn learn_ids(
        &self,
        client: &Client,
        ids: impl IntoIterator<Item = u32>,
    ) -> Result<(), tokio_postgres::Error> {
        let unknown: Vec<i32> = {
            let known = self
                .0
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            ids.into_iter()
                .filter(|id| !known.by_id.contains_key(id))
                .filter_map(|id| i32::try_from(id).ok())
                .collect()
        };
        if unknown.is_empty() {
            return Ok(());
        }
        let read = client
            .prepare_cached(&format!(
                "SELECT id, {COLUMNS} FROM mirror_dims WHERE id = ANY($1)"
            ))
            .await?;
        self.learn(&client.query(&read, &[&unknown]).await?);
        Ok(())
    }

    /// Which ids `filter` keeps, and the group each counts in.
    pub(super) fn selector(&self, filter: &EventFilter, group_by: &[Dimension]) -> Selector {
        let known = self
            .0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let size = known.by_id.keys().max().map_or(0, |&m| m as usize + 1);
        let mut by_id = vec![Slot::Unknown; size];
        let mut groups: Vec<Vec<String>> = Vec::new();
        let mut index: HashMap<Vec<String>, u32> = HashMap::new();
        for (&id, combo) in &known.by_id {
            if !combo.matches(filter) {
                by_id[id as usize] = Slot::Skip;
                continue;
            }
            let group: Vec<String> = group_by.iter().map(|&d| combo.value(d)).collect();
            let next = groups.len() as u32;
            let n = *index.entry(group.clone()).or_insert_with(|| {
                groups.push(group);
                next
            });
            by_id[id as usize] = Slot::Group(n);
        }
        Selector { by_id, groups }
    }

    /// Whether every id is known (else `learn_ids` first).
    pub(super) fn knows_all(&self, ids: impl IntoIterator<Item = u32>) -> bool {
        let known = self
            .0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        ids.into_iter().all(|id| known.by_id.contains_key(&id))
    }
}
