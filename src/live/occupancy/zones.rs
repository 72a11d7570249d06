//! Where each location's day begins: `GATEWAY_TIMEZONE` (IANA, default UTC) for every location, and
//! `GATEWAY_LOCATION_TIMEZONES` (`123:Europe/Berlin,456:America/New_York`) for those that differ.

use std::collections::HashMap;

use chrono_tz::Tz;

use crate::mirror::series::zone::{day_start, local_date};

/// The time zones of the locations.
#[derive(Debug, Clone, PartialEq)]
pub struct LocationZones {
    default: Tz,
    per_location: HashMap<i64, Tz>,
}

impl Default for LocationZones {
    fn default() -> Self {
        Self {
            default: Tz::UTC,
            per_location: HashMap::new(),
        }
    }
}

fn zone(setting: &str, name: &str) -> Result<Tz, String> {
    name.trim().parse().map_err(|_| {
        format!("{setting}: '{name}' is not an IANA time zone; allowed: names like UTC, Europe/Berlin, America/New_York")
    })
}

impl LocationZones {
    /// Reads the default zone and the per-location list (either may be unset); errors name the setting.
    pub fn parse(default: Option<&str>, per_location: Option<&str>) -> Result<Self, String> {
        let default = match default.filter(|d| !d.trim().is_empty()) {
            Some(name) => zone("GATEWAY_TIMEZONE", name)?,
            None => Tz::UTC,
        };
        let mut zones = HashMap::new();
        for item in per_location
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|i| !i.is_empty())
        {
            let setting = "GATEWAY_LOCATION_TIMEZONES";
            let (location, name) = item.split_once(':').ok_or_else(|| {
                format!(
                    "{setting}: '{item}' is not <location id>:<IANA zone> (e.g. 123:Europe/Berlin)"
                )
            })?;
            let location: i64 = location.trim().parse().map_err(|_| {
                format!("{setting}: '{location}' is not a location id (a whole number)")
            })?;
            zones.insert(location, zone(setting, name)?);
        }
        Ok(Self {
            default,
            per_location: zones,
        })
    }

    /// When the earliest of the zones' current days began: reading events from here finds every
    /// location's events of today.
    pub fn earliest_day_start(&self, now_micros: i64) -> i64 {
        std::iter::once(self.default)
            .chain(self.per_location.values().copied())
            .map(|tz| day_bounds(tz, now_micros).0)
            .min()
            .unwrap_or(now_micros)
    }

    /// The zone of `location`.
    pub fn of(&self, location: i64) -> Tz {
        self.per_location
            .get(&location)
            .copied()
            .unwrap_or(self.default)
    }
}

/// The local day that holds `now_micros` in `tz`: when it began and when the next begins (23 or 25 hours
/// later on a daylight-saving day).
pub fn day_bounds(tz: Tz, now_micros: i64) -> (i64, i64) {
    let date = local_date(tz, now_micros);
    let next = date.succ_opt().unwrap_or(date);
    (day_start(tz, date), day_start(tz, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_listed_has_its_own_zone_and_others_the_default() {
        let zones =
            LocationZones::parse(Some("Europe/Berlin"), Some("456:America/New_York")).unwrap();
        assert_eq!(zones.of(456), chrono_tz::America::New_York);
        assert_eq!(zones.of(1), chrono_tz::Europe::Berlin);
        assert_eq!(LocationZones::parse(None, None).unwrap().of(1), Tz::UTC);
    }

    #[test]
    fn a_daylight_saving_day_in_new_york_is_23_or_25_hours() {
        let ny = chrono_tz::America::New_York;
        let at = |text: &str| {
            chrono::DateTime::parse_from_rfc3339(text)
                .unwrap()
                .timestamp_micros()
        };
        let hour = 3_600_000_000;
        let (since, until) = day_bounds(ny, at("2026-03-08T12:00:00Z"));
        assert_eq!(since, at("2026-03-08T05:00:00Z"));
        assert_eq!(until - since, 23 * hour);
        let (since, until) = day_bounds(ny, at("2026-11-01T12:00:00Z"));
        assert_eq!(since, at("2026-11-01T04:00:00Z"));
        assert_eq!(until - since, 25 * hour);
    }

    #[test]
    fn a_bad_zone_is_refused_naming_the_setting() {
        let error = LocationZones::parse(Some("Mars/Olympus"), None).unwrap_err();
        assert!(error.starts_with("GATEWAY_TIMEZONE:"), "{error}");
        let error = LocationZones::parse(None, Some("x:UTC")).unwrap_err();
        assert!(error.starts_with("GATEWAY_LOCATION_TIMEZONES:"), "{error}");
    }
}
