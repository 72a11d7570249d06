//! `/totals/triggers` and `/totals/types` from the mirror: counts grouped in the store over the whole window,
//! joined with the dimension lists for the fields the events do not carry (a trigger's name, location and
//! channel), in the lists' order as the cloud gives them. Groups whose trigger or channel the list does not
//! hold are left out, as the cloud leaves them out.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::envelope::success_list;
use crate::camlytics::model::EVENT_TYPES;
use crate::mirror::event::EventFilter;
use crate::mirror::store::{CountQuery, Dimension, GroupCount};

/// The store query of `/totals/triggers`: the whole window as one bucket, per trigger.
pub fn by_trigger_query(filter: &EventFilter, since: i64, until: i64) -> CountQuery {
    whole_window(filter, since, until, vec![Dimension::Trigger])
}

/// The store query of `/totals/types`: the whole window as one bucket, per channel and type.
pub fn by_type_query(filter: &EventFilter, since: i64, until: i64) -> CountQuery {
    whole_window(
        filter,
        since,
        until,
        vec![Dimension::Channel, Dimension::Type],
    )
}

fn whole_window(filter: &EventFilter, since: i64, until: i64, by: Vec<Dimension>) -> CountQuery {
    CountQuery {
        filter: filter.clone(),
        edges: vec![since, until.saturating_add(1)],
        group_by: by,
    }
}

#[derive(Deserialize)]
struct List<'a> {
    #[serde(borrow)]
    result: Option<Vec<&'a RawValue>>,
}

/// One item of `/triggers` or `/channels`: the fields the totals repeat, each as the cloud's bytes.
#[derive(Deserialize)]
struct Item<'a> {
    #[serde(borrow)]
    id: Option<&'a RawValue>,
    #[serde(borrow)]
    name: Option<&'a RawValue>,
    #[serde(borrow)]
    location_id: Option<&'a RawValue>,
    #[serde(borrow)]
    channel_id: Option<&'a RawValue>,
}

/// The items of a dimension list answer (`{"code":0,...,"result":[...]}`), in its order.
fn items(list: &[u8]) -> Result<Vec<Item<'_>>, String> {
    let list: List = serde_json::from_slice(list).map_err(|e| format!("a dimension list: {e}"))?;
    list.result
        .ok_or("a dimension list without a result")?
        .into_iter()
        .map(|raw| serde_json::from_str(raw.get()).map_err(|e| format!("a list item: {e}")))
        .collect()
}

/// An id as the text events carry it: a JSON string's content, or a number's digits.
fn id_text(raw: Option<&RawValue>) -> Option<String> {
    let raw = raw?.get();
    serde_json::from_str::<String>(raw)
        .ok()
        .or_else(|| Some(raw.to_owned()))
}

/// One trigger of the `/triggers` list: its id, name and location, as the events carry them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerInfo {
    /// The trigger's id, as events carry it.
    pub id: String,
    /// Its name ("" when the list gives none).
    pub name: String,
    /// The location its channel belongs to, when given.
    pub location_id: Option<i64>,
}

/// The triggers of a `/triggers` answer, in its order (occupancy matches its rules on their names).
pub fn triggers_of(list: &[u8]) -> Result<Vec<TriggerInfo>, String> {
    Ok(items(list)?
        .iter()
        .filter_map(|item| {
            Some(TriggerInfo {
                id: id_text(item.id)?,
                name: id_text(item.name).unwrap_or_default(),
                location_id: id_text(item.location_id).and_then(|l| l.parse().ok()),
            })
        })
        .collect())
}

/// The `/totals/triggers` answer: one row per trigger of `triggers` (the `/triggers` answer) with events,
/// `{"trigger_id","trigger_name","location_id","channel_id","count"}` in the list's order.
pub fn by_trigger_body(counts: &[GroupCount], triggers: &[u8]) -> Result<Vec<u8>, String> {
    let mut per_trigger: HashMap<&str, u64> = HashMap::new();
    for count in counts {
        if let Some(trigger) = count.group.first() {
            *per_trigger.entry(trigger).or_default() += count.count;
        }
    }
    let rows: Vec<String> = items(triggers)?
        .iter()
        .filter_map(|item| {
            let count = per_trigger.get(id_text(item.id)?.as_str())?;
            Some(format!(
                r#"{{"trigger_id":{},"trigger_name":{},"location_id":{},"channel_id":{},"count":{count}}}"#,
                raw_or_null(item.id),
                raw_or_null(item.name),
                raw_or_null(item.location_id),
                raw_or_null(item.channel_id),
            ))
        })
        .collect();
    Ok(success_list(rows.iter().map(String::as_str)))
}

/// The `/totals/types` answer: per channel of `channels` (the `/channels` answer), in its order, one row
/// per event type with events, `{"type","channel_id","count"}`, types in the reference's order (any type
/// the reference does not list after those, by name).
pub fn by_type_body(counts: &[GroupCount], channels: &[u8]) -> Result<Vec<u8>, String> {
    let mut per_channel: HashMap<&str, Vec<(&str, u64)>> = HashMap::new();
    for count in counts {
        if let [channel, event_type, ..] = count.group.as_slice() {
            per_channel
                .entry(channel)
                .or_default()
                .push((event_type, count.count));
        }
    }
    let mut rows = Vec::new();
    for item in items(channels)? {
        let Some(types) = id_text(item.id).and_then(|id| per_channel.remove(id.as_str())) else {
            continue;
        };
        let mut totals: HashMap<&str, u64> = HashMap::new();
        for (event_type, count) in types {
            *totals.entry(event_type).or_default() += count;
        }
        let mut ordered: Vec<(&str, u64)> = totals.into_iter().collect();
        ordered.sort_by_key(|(event_type, _)| type_rank(event_type));
        for (event_type, count) in ordered {
            rows.push(format!(
                r#"{{"type":{},"channel_id":{},"count":{count}}}"#,
                serde_json::Value::from(event_type),
                raw_or_null(item.id),
            ));
        }
    }
    Ok(success_list(rows.iter().map(String::as_str)))
}

/// Sorts the reference's types in its order, and any other after them by name.
fn type_rank(event_type: &str) -> (usize, &str) {
    let known = EVENT_TYPES.iter().position(|t| *t == event_type);
    (known.unwrap_or(EVENT_TYPES.len()), event_type)
}

fn raw_or_null(raw: Option<&RawValue>) -> &str {
    raw.map_or("null", RawValue::get)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(group: &[&str], count: u64) -> GroupCount {
        GroupCount {
            bucket: 0,
            group: group.iter().map(|g| g.to_string()).collect(),
            count,
        }
    }

    const TRIGGERS: &str = r#"{"code":0,"msg":"success","result":[
        {"id":"t2","location_id":101,"channel_id":"c1","name":"Exit \"B\"","type":"Line","active":1},
        {"id":"t1","location_id":101,"channel_id":"c1","name":"Enter","type":"Line","active":1},
        {"id":"t3","location_id":102,"channel_id":"c2","name":"Idle","type":"Zone","active":0}]}"#;

    #[test]
    fn trigger_rows_follow_the_lists_order_and_keep_its_bytes() {
        let counts = [count(&["t1"], 3), count(&["t2"], 5), count(&["gone"], 9)];

        let body =
            String::from_utf8(by_trigger_body(&counts, TRIGGERS.as_bytes()).unwrap()).unwrap();

        assert_eq!(
            body,
            concat!(
                r#"{"code":0,"msg":"success","result":["#,
                r#"{"trigger_id":"t2","trigger_name":"Exit \"B\"","location_id":101,"channel_id":"c1","count":5},"#,
                r#"{"trigger_id":"t1","trigger_name":"Enter","location_id":101,"channel_id":"c1","count":3}]}"#
            )
        );
    }

    #[test]
    fn type_rows_go_by_channel_in_list_order_then_by_the_references_type_order() {
        let channels = r#"{"code":0,"msg":"success","result":[{"id":"c2"},{"id":"c1"}]}"#;
        let counts = [
            count(&["c1", "Sabotage"], 1),
            count(&["c1", "TripwireCrossed"], 4),
            count(&["c2", "RegionLeave"], 2),
            count(&["c2", "RegionJoin"], 6),
        ];

        let body = String::from_utf8(by_type_body(&counts, channels.as_bytes()).unwrap()).unwrap();

        assert_eq!(
            body,
            concat!(
                r#"{"code":0,"msg":"success","result":["#,
                r#"{"type":"RegionJoin","channel_id":"c2","count":6},"#,
                r#"{"type":"RegionLeave","channel_id":"c2","count":2},"#,
                r#"{"type":"TripwireCrossed","channel_id":"c1","count":4},"#,
                r#"{"type":"Sabotage","channel_id":"c1","count":1}]}"#
            )
        );
    }

    #[test]
    fn a_list_that_is_not_an_envelope_is_an_error() {
        assert!(by_trigger_body(&[], b"<html>").is_err());
        assert!(by_type_body(&[], br#"{"code":0,"result":null}"#).is_err());
    }

    #[test]
    fn the_whole_window_is_one_bucket_ending_just_after_until() {
        let query = by_type_query(&EventFilter::default(), 10, 20);
        assert_eq!(query.edges, vec![10, 21]);
        assert_eq!(query.group_by, vec![Dimension::Channel, Dimension::Type]);
        assert_eq!(
            by_trigger_query(&EventFilter::default(), 0, i64::MAX).edges[1],
            i64::MAX
        );
    }
}
