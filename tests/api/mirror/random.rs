//! Seeded random queries of the cloud's routes: scopes that exercise the precedence, types, origins,
//! windows inside coverage (some on events' exact instants), both orders, limits and cursors.

use chrono::{DateTime, Duration, SecondsFormat, Utc};

/// SplitMix64: small, seeded, the same sequence on every machine.
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next number.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `percent` in 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// The ids and instants queries are made of.
pub struct Vocabulary {
    pub locations: Vec<i64>,
    pub channels: Vec<String>,
    pub triggers: Vec<String>,
    /// Event times (RFC 3339, as the cloud writes them) to put window ends exactly on.
    pub instants: Vec<String>,
    /// Event ids, for cursors.
    pub ids: Vec<i64>,
    /// The covered range: windows are drawn inside it.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// A date-time written one of the ways callers write them (percent-encoded for a query).
fn written(rng: &mut Rng, time: DateTime<Utc>) -> String {
    match rng.below(4) {
        0 => time.to_rfc3339_opts(SecondsFormat::Secs, true),
        1 => time.to_rfc3339_opts(SecondsFormat::Millis, true),
        2 => time
            .with_timezone(&chrono::FixedOffset::east_opt(3_600).unwrap())
            .to_rfc3339_opts(SecondsFormat::Nanos, false)
            .replace('+', "%2B"),
        _ => time
            .with_timezone(&chrono::FixedOffset::west_opt(5 * 3_600).unwrap())
            .to_rfc3339_opts(SecondsFormat::Micros, false),
    }
}

impl Vocabulary {
    /// A scope: nothing, or one to three of location, channel and trigger (so precedence decides), now and
    /// then an id the account does not have.
    fn scope(&self, rng: &mut Rng, with_trigger: bool) -> Vec<(String, String)> {
        let mut params = Vec::new();
        if rng.chance(40) {
            let id = if rng.chance(5) {
                999
            } else {
                *rng.pick(&self.locations)
            };
            params.push(("location_id".into(), id.to_string()));
        }
        if rng.chance(30) {
            params.push(("channel_id".into(), rng.pick(&self.channels).clone()));
        }
        if with_trigger && rng.chance(25) {
            params.push(("trigger_id".into(), rng.pick(&self.triggers).clone()));
        }
        params
    }

    /// A window inside the covered range, its ends sometimes exactly on an event's instant.
    fn window(&self, rng: &mut Rng) -> Vec<(String, String)> {
        let range = (self.to - self.from).num_seconds().max(1) as u64;
        let since = self.from + Duration::seconds(rng.below(range) as i64);
        let length = Duration::seconds(match rng.below(3) {
            0 => 60 + rng.below(3_600) as i64,
            1 => 3_600 + rng.below(86_400) as i64,
            _ => 86_400 + rng.below(10 * 86_400) as i64,
        });
        let until = (since + length).min(self.to);
        let exact =
            |rng: &mut Rng, vocabulary: &Self| rng.pick(&vocabulary.instants).replace('+', "%2B");
        let mut since_text = written(rng, since);
        let mut until_text = written(rng, until);
        if rng.chance(20) {
            let a = exact(rng, self);
            let b = exact(rng, self);
            (since_text, until_text) = if a <= b { (a, b) } else { (b, a) };
        }
        vec![("since".into(), since_text), ("until".into(), until_text)]
    }

    /// Type and origin filters, each now and then.
    fn kinds(&self, rng: &mut Rng) -> Vec<(String, String)> {
        let mut params = Vec::new();
        if rng.chance(30) {
            let types = camlytics_gateway::camlytics::model::EVENT_TYPES;
            params.push(("event_type".into(), rng.pick(types).to_string()));
        }
        if rng.chance(30) {
            let origins = camlytics_gateway::camlytics::model::ORIGINS;
            params.push(("origin".into(), rng.pick(origins).to_string()));
        }
        params
    }

    /// A random `/events`, `/totals/triggers` or `/totals/types` query, as `path?query`.
    pub fn query(&self, rng: &mut Rng) -> String {
        let route = *rng.pick(&["/events", "/events", "/totals/triggers", "/totals/types"]);
        let mut params = self.scope(rng, route != "/totals/types");
        params.extend(self.kinds(rng));
        params.extend(self.window(rng));
        if route == "/events" {
            if rng.chance(50) {
                params.push(("order".into(), rng.pick(&["asc", "desc"]).to_string()));
            }
            if rng.chance(70) {
                let limit = *rng.pick(&[1, 5, 37, 100, 250, 1000]);
                params.push(("limit".into(), limit.to_string()));
            }
            if rng.chance(20) {
                let cursor = if rng.chance(10) {
                    5
                } else {
                    *rng.pick(&self.ids)
                };
                params.push(("starting_after".into(), cursor.to_string()));
            }
        }
        // Parameter order is the caller's: shuffle it a little.
        if params.len() > 1 && rng.chance(50) {
            let last = params.len() - 1;
            params.swap(0, last);
        }
        let query: Vec<String> = params.iter().map(|(n, v)| format!("{n}={v}")).collect();
        format!("{route}?{}", query.join("&"))
    }
}
