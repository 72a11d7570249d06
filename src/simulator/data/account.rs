//! The account's dimensions (locations, channels, triggers), drawn from the seed; both modes share them.

use super::super::base64::base64;
use super::super::model::{Channel, Location, Trigger, TriggerKind};
use super::super::prng::SplitMix64;

const LOCATIONS: [(i32, &str); 3] = [
    (101, "Manhattan store"),
    (102, "Brooklyn store"),
    (103, "Queens warehouse"),
];
const CHANNEL_NAMES: [&str; 6] = [
    "Lobby",
    "Entrance",
    "Checkout",
    "Parking",
    "Back door",
    "Aisle 4",
];
const EXTRA_TRIGGERS: [(&str, TriggerKind); 4] = [
    ("Exit", TriggerKind::Line),
    ("Counter zone", TriggerKind::Zone),
    ("Door line", TriggerKind::Line),
    ("Waiting area", TriggerKind::Zone),
];

/// The line people are counted on when they come in.
pub(in crate::simulator) const ENTER: &str = "Enter";
/// The line people are counted on when they leave.
pub(in crate::simulator) const EXIT: &str = "Exit";

/// The dimension lists, and the id maker in the state it was left in (the fixed set goes on drawing from it).
pub(super) struct Account {
    pub(super) locations: Vec<Location>,
    pub(super) channels: Vec<Channel>,
    pub(super) triggers: Vec<Trigger>,
    ids: IdMaker,
}

impl Account {
    /// Draws the dimensions from `rng`; the draws are the same ones the fixed data set always made.
    pub(super) fn draw(rng: &mut SplitMix64) -> Self {
        let mut ids = IdMaker { serial: 0x15E2 };
        let locations: Vec<Location> = LOCATIONS
            .iter()
            .map(|&(id, name)| Location {
                id,
                name: name.to_owned(),
                version: "3.2.1".to_owned(),
                hash: base64(&(0..48).map(|_| rng.below(256) as u8).collect::<Vec<_>>()),
            })
            .collect();
        let mut channels = Vec::new();
        for location in &locations {
            for n in 0..2 + rng.below(3) as usize {
                channels.push(Channel {
                    id: ids.next(rng),
                    location_id: location.id,
                    name: CHANNEL_NAMES[n % CHANNEL_NAMES.len()].to_owned(),
                    active: 1,
                    paid: i32::from(rng.below(4) != 0),
                });
            }
        }
        // One switched-off camera, as real accounts have.
        if let Some(last) = channels.last_mut() {
            last.active = 0;
        }
        let mut triggers = Vec::new();
        for channel in &channels {
            for n in 0..2 + rng.below(3) as usize {
                let (name, kind) = match n {
                    0 => (ENTER, TriggerKind::Line),
                    1 => ("Queue zone", TriggerKind::Zone),
                    _ => EXTRA_TRIGGERS[rng.below(EXTRA_TRIGGERS.len() as u64) as usize],
                };
                triggers.push(Trigger {
                    id: ids.next(rng),
                    location_id: channel.location_id,
                    channel_id: channel.id.clone(),
                    name: name.to_owned(),
                    kind,
                    active: i32::from(rng.below(10) != 0),
                });
            }
        }
        Self {
            locations,
            channels,
            triggers,
            ids,
        }
    }

    /// The moving mode counts people in and out of every location, so each needs a working "Enter" and
    /// "Exit" line: one is added (active, on the location's first active channel) where the draw left none.
    pub(super) fn with_doors(mut self, rng: &mut SplitMix64) -> Self {
        for location in self.locations.iter().map(|l| l.id).collect::<Vec<_>>() {
            for name in [ENTER, EXIT] {
                if self.working_line(location, name) {
                    continue;
                }
                let Some(channel) = self
                    .channels
                    .iter()
                    .find(|c| c.location_id == location && c.active == 1)
                else {
                    continue;
                };
                let trigger = Trigger {
                    id: self.ids.next(rng),
                    location_id: location,
                    channel_id: channel.id.clone(),
                    name: name.to_owned(),
                    kind: TriggerKind::Line,
                    active: 1,
                };
                self.triggers.push(trigger);
            }
        }
        self
    }

    /// Whether the trigger at `index` is switched on, on a camera that is switched on.
    pub(super) fn working(triggers: &[Trigger], channels: &[Channel], index: usize) -> bool {
        let trigger = &triggers[index];
        trigger.active == 1
            && channels
                .iter()
                .any(|c| c.id == trigger.channel_id && c.active == 1)
    }

    fn working_line(&self, location: i32, name: &str) -> bool {
        (0..self.triggers.len()).any(|i| {
            let t = &self.triggers[i];
            t.location_id == location
                && t.name == name
                && t.kind == TriggerKind::Line
                && Self::working(&self.triggers, &self.channels, i)
        })
    }
}

/// Makes ids in the reference's shape ("47576ahb-56656-45786-acb45_000015E2"); the serial suffix keeps them unique.
struct IdMaker {
    serial: u32,
}

impl IdMaker {
    fn next(&mut self, rng: &mut SplitMix64) -> String {
        self.serial += 1;
        format!(
            "{:08x}-{:05}-{:05}-{:05x}_{:08X}",
            rng.below(1 << 32),
            rng.below(100_000),
            rng.below(100_000),
            rng.below(1 << 20),
            self.serial
        )
    }
}
