//! The two totals endpoints: matching events counted per trigger, and per (event type, channel), from
//! either mode's tallies.

use std::collections::HashMap;

use super::data::DataSet;
use super::filter::matching_events;
use super::model::{EventType, TotalByTrigger, TotalByType};
use super::query::Filters;

/// Matching events counted together: (trigger id, channel id, event type, how many).
pub(super) type Tally<'d> = (&'d str, &'d str, EventType, u64);

/// `/totals/triggers` over the fixed data set.
pub(super) fn totals_by_trigger(data: &DataSet, filters: &Filters) -> Vec<TotalByTrigger> {
    by_trigger(data, fixed_tallies(data, filters))
}

/// `/totals/types` over the fixed data set.
pub(super) fn totals_by_type(data: &DataSet, filters: &Filters) -> Vec<TotalByType> {
    by_type(data, fixed_tallies(data, filters))
}

fn fixed_tallies<'d>(data: &'d DataSet, filters: &'d Filters) -> impl Iterator<Item = Tally<'d>> {
    matching_events(data, filters).map(|e| {
        (
            e.trigger_id.as_str(),
            e.channel_id.as_str(),
            e.event_type,
            1,
        )
    })
}

/// `/totals/triggers`: matching events counted per trigger, triggers without events left out.
pub(super) fn by_trigger<'d>(
    data: &DataSet,
    tallies: impl Iterator<Item = Tally<'d>>,
) -> Vec<TotalByTrigger> {
    let mut counts: HashMap<&str, u64> = HashMap::new();
    for (trigger_id, _, _, n) in tallies {
        *counts.entry(trigger_id).or_default() += n;
    }
    data.triggers
        .iter()
        .filter_map(|t| {
            counts.get(t.id.as_str()).map(|&count| TotalByTrigger {
                trigger_id: t.id.clone(),
                trigger_name: t.name.clone(),
                location_id: t.location_id,
                channel_id: t.channel_id.clone(),
                count,
            })
        })
        .collect()
}

/// `/totals/types`: matching events counted per (event type, channel), empty groups left out.
pub(super) fn by_type<'d>(
    data: &DataSet,
    tallies: impl Iterator<Item = Tally<'d>>,
) -> Vec<TotalByType> {
    let mut counts: HashMap<(&str, EventType), u64> = HashMap::new();
    for (_, channel_id, event_type, n) in tallies {
        *counts.entry((channel_id, event_type)).or_default() += n;
    }
    let mut totals = Vec::new();
    for channel in &data.channels {
        for event_type in EventType::ALL {
            if let Some(&count) = counts.get(&(channel.id.as_str(), event_type)) {
                totals.push(TotalByType {
                    event_type,
                    channel_id: channel.id.clone(),
                    count,
                });
            }
        }
    }
    totals
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulator::filter::tests::{data, with};

    #[test]
    fn totals_add_up_to_the_number_of_matching_events() {
        let data = data();
        let filters = with(|f| f.event_type = Some(EventType::RegionJoin));
        let expected = data
            .events
            .iter()
            .filter(|e| e.event_type == EventType::RegionJoin)
            .count() as u64;
        assert_eq!(
            totals_by_trigger(data, &filters)
                .iter()
                .map(|t| t.count)
                .sum::<u64>(),
            expected
        );
        let by_type = totals_by_type(data, &filters);
        assert_eq!(by_type.iter().map(|t| t.count).sum::<u64>(), expected);
        assert!(by_type
            .iter()
            .all(|t| t.event_type == EventType::RegionJoin));
    }

    #[test]
    fn a_trigger_id_overrides_channel_and_location_for_trigger_totals() {
        let data = data();
        let trigger = data.triggers.last().unwrap();
        let totals = totals_by_trigger(
            data,
            &with(|f| {
                f.location_id = Some(-1);
                f.channel_id = Some("no such channel".into());
                f.trigger_id = Some(trigger.id.clone());
            }),
        );
        assert_eq!(totals.len(), 1);
        assert_eq!(totals[0].trigger_id, trigger.id);
    }

    #[test]
    fn a_channel_id_overrides_a_location_id_for_type_totals() {
        let data = data();
        let channel = data.channels.last().unwrap();
        let totals = totals_by_type(
            data,
            &with(|f| {
                f.location_id = Some(101);
                f.channel_id = Some(channel.id.clone());
            }),
        );
        assert!(!totals.is_empty());
        assert!(totals.iter().all(|t| t.channel_id == channel.id));
    }
}
