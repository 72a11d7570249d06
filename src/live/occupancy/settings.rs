//! Occupancy's settings: which triggers count in and out, and where each location's day begins.

use super::rules::{OccupancyRules, DEFAULT_RULES};
use super::zones::LocationZones;

/// Occupancy's flags and environment variables.
#[derive(clap::Args, Debug, Clone)]
pub struct OccupancyArgs {
    /// Which TripwireCrossed triggers count people in and out, by name (any case) or id:
    /// in=Enter,Entrance;out=Exit.
    #[arg(long, env = "GATEWAY_OCCUPANCY_RULES", default_value = DEFAULT_RULES)]
    pub occupancy_rules: String,

    /// The time zone (IANA, e.g. Europe/Berlin) whose midnight resets occupancy; default UTC.
    #[arg(long, env = "GATEWAY_TIMEZONE")]
    pub timezone: Option<String>,

    /// Locations in another zone: 123:Europe/Berlin,456:America/New_York.
    #[arg(long, env = "GATEWAY_LOCATION_TIMEZONES")]
    pub location_timezones: Option<String>,
}

/// Occupancy's validated settings.
#[derive(Debug, Clone, Default)]
pub struct OccupancySettings {
    /// Which triggers count in and out.
    pub rules: OccupancyRules,
    /// Each location's zone.
    pub zones: LocationZones,
}

impl OccupancyArgs {
    /// Validates the values; each error names its setting.
    pub fn validate(&self) -> Result<OccupancySettings, String> {
        Ok(OccupancySettings {
            rules: OccupancyRules::parse(&self.occupancy_rules)?,
            zones: LocationZones::parse(
                self.timezone.as_deref(),
                self.location_timezones.as_deref(),
            )?,
        })
    }
}
