//! The reference's filters as SQL for PostgreSQL: numbered parameters collected as conditions are written.

use tokio_postgres::types::ToSql;

use crate::mirror::event::{EventFilter, Scope};

/// Parameters of one statement, numbered `$1`, `$2`, ... in the order they were bound.
#[derive(Default)]
pub(super) struct Params(Vec<Box<dyn ToSql + Sync + Send>>);

impl Params {
    /// Adds `value` and returns its placeholder.
    pub(super) fn bind(&mut self, value: impl ToSql + Sync + Send + 'static) -> String {
        self.0.push(Box::new(value));
        format!("${}", self.0.len())
    }

    /// The values, as `query` takes them.
    pub(super) fn values(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.0
            .iter()
            .map(|v| v.as_ref() as &(dyn ToSql + Sync))
            .collect()
    }
}

/// Scope, type and origin as conditions on the columns both the events and the rollups have, each ending
/// in ` AND ` so a time condition can follow; empty when the filter has none.
pub(super) fn dimensions(filter: &EventFilter, params: &mut Params) -> String {
    let mut sql = String::new();
    let mut push = |column: &str, placeholder: String| {
        sql.push_str(&format!("{column} = {placeholder} AND "));
    };
    match &filter.scope {
        Scope::All => {}
        Scope::Location(id) => push("location_id", params.bind(*id)),
        Scope::Channel(id) => push("channel_id", params.bind(id.clone())),
        Scope::Trigger(id) => push("trigger_id", params.bind(id.clone())),
    }
    if let Some(t) = &filter.event_type {
        push("event_type", params.bind(t.clone()));
    }
    if let Some(o) = &filter.origin {
        push("origin", params.bind(o.clone()));
    }
    sql
}
