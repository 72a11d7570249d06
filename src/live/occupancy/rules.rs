//! Which `TripwireCrossed` triggers count people in and which count them out (`GATEWAY_OCCUPANCY_RULES`):
//! `in=Enter,Entrance;out=Exit`. Each item matches a trigger's name without regard to case, or its id
//! exactly. The default counts triggers named "Enter" in and "Exit" out.

/// The setting's name, for messages.
pub const RULES_SETTING: &str = "GATEWAY_OCCUPANCY_RULES";

/// The rules' default value.
pub const DEFAULT_RULES: &str = "in=Enter;out=Exit";

/// Which way a tripwire crossing moves a location's occupancy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// One person more.
    In,
    /// One person fewer.
    Out,
}

/// The validated rules: names and ids that count in, and those that count out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OccupancyRules {
    entries: Vec<String>,
    exits: Vec<String>,
}

impl Default for OccupancyRules {
    fn default() -> Self {
        Self {
            entries: vec!["Enter".into()],
            exits: vec!["Exit".into()],
        }
    }
}

impl OccupancyRules {
    /// Reads `in=a,b;out=c`; the error names the setting and says what is allowed.
    pub fn parse(value: &str) -> Result<Self, String> {
        let shape = "allowed: in=<trigger name or id>,...;out=<trigger name or id>,... (e.g. in=Enter,Entrance;out=Exit)";
        let (mut entries, mut exits) = (None, None);
        for part in value.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, items) = part
                .split_once('=')
                .ok_or_else(|| format!("{RULES_SETTING}: '{part}' has no '='; {shape}"))?;
            let items: Vec<String> = items
                .split(',')
                .map(str::trim)
                .filter(|i| !i.is_empty())
                .map(str::to_owned)
                .collect();
            if items.is_empty() {
                return Err(format!(
                    "{RULES_SETTING}: '{part}' names no trigger; {shape}"
                ));
            }
            let slot = match key.trim().to_ascii_lowercase().as_str() {
                "in" => &mut entries,
                "out" => &mut exits,
                other => return Err(format!("{RULES_SETTING}: unknown key '{other}'; {shape}")),
            };
            if slot.replace(items).is_some() {
                return Err(format!(
                    "{RULES_SETTING}: '{}' given twice; {shape}",
                    key.trim()
                ));
            }
        }
        let (Some(entries), Some(exits)) = (entries, exits) else {
            return Err(format!(
                "{RULES_SETTING}: both 'in' and 'out' are needed; {shape}"
            ));
        };
        if let Some(both) = entries
            .iter()
            .find(|e| exits.iter().any(|x| x.to_lowercase() == e.to_lowercase()))
        {
            return Err(format!(
                "{RULES_SETTING}: '{both}' counts both in and out; {shape}"
            ));
        }
        Ok(Self { entries, exits })
    }

    /// Which way a crossing of the trigger `trigger_id`, named `name` (when its name is known), counts.
    pub fn direction(&self, trigger_id: &str, name: Option<&str>) -> Option<Direction> {
        // Compared char by char: this runs for every crossing, so it allocates nothing.
        let same = |a: &str, b: &str| {
            a.chars()
                .flat_map(char::to_lowercase)
                .eq(b.chars().flat_map(char::to_lowercase))
        };
        let matches = |item: &String| item == trigger_id || name.is_some_and(|n| same(n, item));
        if self.entries.iter().any(matches) {
            Some(Direction::In)
        } else if self.exits.iter().any(matches) {
            Some(Direction::Out)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_without_regard_to_case_and_ids_exactly() {
        let rules = OccupancyRules::parse("in=Enter,Entrance;out=Exit,t-9").unwrap();
        assert_eq!(
            rules.direction("t-1", Some("ENTRANCE")),
            Some(Direction::In)
        );
        assert_eq!(rules.direction("t-1", Some("exit")), Some(Direction::Out));
        assert_eq!(rules.direction("t-9", None), Some(Direction::Out));
        assert_eq!(rules.direction("T-9", None), None);
        assert_eq!(rules.direction("t-1", Some("Zone")), None);
    }

    #[test]
    fn the_default_counts_enter_in_and_exit_out() {
        let rules = OccupancyRules::parse(DEFAULT_RULES).unwrap();
        assert_eq!(rules, OccupancyRules::default());
        assert_eq!(rules.direction("x", Some("enter")), Some(Direction::In));
    }

    #[test]
    fn a_bad_rules_value_is_refused_naming_the_setting() {
        for bad in [
            "in=Enter",
            "in=;out=Exit",
            "sideways=A;in=B;out=C",
            "in=A;out=a",
            "Enter",
        ] {
            let error = OccupancyRules::parse(bad).unwrap_err();
            assert!(error.starts_with(RULES_SETTING), "{bad}: {error}");
            assert!(error.contains("allowed"), "{bad}: {error}");
        }
    }
}
