//! Each location as the moving mode sees it: its zone, its share of the traffic, its weekly rhythm,
//! and which of its (working) triggers people cross coming in, going out, and in between.

use chrono::{Datelike, NaiveDate};

use super::super::model::{Origin, TriggerKind};
use super::account::{Account, ENTER, EXIT};
use super::fixed::DataSet;
use super::zone::{Zone, NEW_YORK};

/// Per location: (id, share of the account's events, share of vehicles, weekday factors Monday first).
const PROFILES: [(i32, f64, f64, [f64; 7]); 3] = [
    (101, 0.45, 0.05, [1.0, 1.0, 1.0, 1.0, 1.0, 0.7, 0.5]),
    (102, 0.35, 0.10, [1.0, 1.0, 1.0, 1.0, 1.0, 0.7, 0.5]),
    (103, 0.20, 0.40, [1.0, 1.0, 1.0, 1.0, 1.0, 0.4, 0.15]),
];
/// Share of visitors the cameras cannot classify.
const UNKNOWN_SHARE: f64 = 0.05;

/// A location's traffic model and trigger roles (indices into the account's trigger list).
#[derive(Clone, Debug)]
pub(super) struct Site {
    pub(super) location_id: i32,
    pub(super) zone: Zone,
    pub(super) share: f64,
    vehicle_share: f64,
    weekdays: [f64; 7],
    /// Working "Enter" lines.
    pub(super) enters: Vec<u16>,
    /// Working "Exit" lines.
    pub(super) exits: Vec<u16>,
    /// Other working lines (doors inside).
    pub(super) lines: Vec<u16>,
    /// Working zones.
    pub(super) zones: Vec<u16>,
}

impl Site {
    /// The sites of `data`'s locations, in the location list's order.
    pub(super) fn all(data: &DataSet) -> Vec<Site> {
        data.locations
            .iter()
            .map(|location| {
                let profile = PROFILES.iter().find(|p| p.0 == location.id);
                let (_, share, vehicle_share, weekdays) =
                    profile
                        .copied()
                        .unwrap_or((location.id, 0.0, 0.0, [1.0; 7]));
                let mut site = Site {
                    location_id: location.id,
                    zone: NEW_YORK,
                    share,
                    vehicle_share,
                    weekdays,
                    enters: Vec::new(),
                    exits: Vec::new(),
                    lines: Vec::new(),
                    zones: Vec::new(),
                };
                for (index, trigger) in data.triggers.iter().enumerate() {
                    if trigger.location_id != location.id
                        || !Account::working(&data.triggers, &data.channels, index)
                    {
                        continue;
                    }
                    let role = match (trigger.kind, trigger.name.as_str()) {
                        (TriggerKind::Line, ENTER) => &mut site.enters,
                        (TriggerKind::Line, EXIT) => &mut site.exits,
                        (TriggerKind::Line, _) => &mut site.lines,
                        (TriggerKind::Zone, _) => &mut site.zones,
                    };
                    role.push(index as u16);
                }
                site
            })
            .collect()
    }

    /// How busy `date` is against an average day of this site's week.
    pub(super) fn day_factor(&self, date: NaiveDate) -> f64 {
        let mean = self.weekdays.iter().sum::<f64>() / 7.0;
        self.weekdays[date.weekday().num_days_from_monday() as usize] / mean
    }

    /// A visitor's origin for a uniform draw `u` in `[0, 1)`.
    pub(super) fn origin(&self, u: f64) -> Origin {
        if u < UNKNOWN_SHARE {
            Origin::Unknown
        } else if u < UNKNOWN_SHARE + self.vehicle_share {
            Origin::Vehicle
        } else {
            Origin::Pedestrian
        }
    }
}
