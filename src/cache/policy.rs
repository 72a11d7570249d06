//! What is cached, for how long, and under which key.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::settings::CacheSettings;
use crate::camlytics::date_time::parse_date_time;
use crate::camlytics::query::{canonical_key, CanonicalParams};

/// The classes of answers, each with its own freshness (and metric label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// Locations, channels and triggers: fetched whole, filtered here.
    Dimensions,
    /// Totals by trigger or by type, per query.
    Totals,
    /// Event pages of settled windows, per query.
    Events,
}

impl Class {
    /// The metric label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Dimensions => "dimensions",
            Self::Totals => "totals",
            Self::Events => "events",
        }
    }
}

/// How one request is served from the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The endpoint fetched on a miss.
    pub endpoint: &'static str,
    /// Its class.
    pub class: Class,
    /// The cache key: endpoint and normalised parameters (for dimensions, the endpoint alone).
    pub key: String,
    /// The parameters sent upstream on a miss (for dimensions, none: the whole list).
    pub upstream_params: CanonicalParams,
    /// How long a fetched answer stays fresh.
    pub fresh_for: Duration,
}

/// Decides whether and how an endpoint's answer is cached; `None` means it goes upstream every time.
pub fn plan(
    endpoint: &'static str,
    params: &CanonicalParams,
    settings: &CacheSettings,
    now: impl Fn() -> DateTime<Utc>,
) -> Option<Plan> {
    match endpoint {
        "/locations" | "/channels" | "/triggers" => Some(Plan {
            endpoint,
            class: Class::Dimensions,
            key: endpoint.to_string(),
            upstream_params: Vec::new(),
            fresh_for: settings.dimensions_ttl,
        }),
        "/totals/triggers" | "/totals/types" => Some(Plan {
            endpoint,
            class: Class::Totals,
            key: canonical_key(endpoint, params),
            upstream_params: params.clone(),
            fresh_for: if is_settled(params, settings, &now) {
                settings.settled_ttl
            } else {
                settings.totals_ttl
            },
        }),
        "/events" if is_settled(params, settings, &now) => Some(Plan {
            endpoint,
            class: Class::Events,
            key: canonical_key(endpoint, params),
            upstream_params: params.clone(),
            fresh_for: settings.settled_ttl,
        }),
        _ => None,
    }
}

/// A window whose `until` lies further back than the settle delay can no longer change.
fn is_settled(
    params: &CanonicalParams,
    settings: &CacheSettings,
    now: impl Fn() -> DateTime<Utc>,
) -> bool {
    let settle_after =
        chrono::Duration::from_std(settings.settle_after).unwrap_or(chrono::Duration::MAX);
    params
        .iter()
        .find(|(name, _)| *name == "until")
        .and_then(|(_, value)| parse_date_time(value))
        .is_some_and(|until| now().signed_duration_since(until) > settle_after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&'static str, &str)]) -> CanonicalParams {
        pairs.iter().map(|(n, v)| (*n, v.to_string())).collect()
    }

    fn now() -> DateTime<Utc> {
        "2026-01-10T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn equivalent_queries_share_one_key() {
        let a = params(&[("until", "2026-01-01T00:00:00+00:00"), ("location_id", "1")]);
        let b = params(&[("location_id", "1"), ("until", "2026-01-01T00:00:00.000Z")]);
        let c = params(&[("location_id", "1"), ("until", "2026-01-01T01:00:00+01:00")]);
        let key = canonical_key("/totals/types", &a);
        assert_eq!(
            key,
            "/totals/types?location_id=1&until=2026-01-01T00:00:00Z"
        );
        assert_eq!(key, canonical_key("/totals/types", &b));
        assert_eq!(key, canonical_key("/totals/types", &c));
    }

    #[test]
    fn dimension_lists_are_one_entry_whatever_the_filter() {
        let settings = CacheSettings::default();
        let plan = plan(
            "/channels",
            &params(&[("location_id", "5")]),
            &settings,
            now,
        )
        .unwrap();
        assert_eq!(plan.key, "/channels");
        assert!(plan.upstream_params.is_empty());
        assert_eq!(plan.fresh_for, settings.dimensions_ttl);
    }

    #[test]
    fn settled_windows_are_kept_far_longer() {
        let settings = CacheSettings::default();
        let open = plan(
            "/totals/triggers",
            &params(&[("since", "2026-01-01T00:00:00Z")]),
            &settings,
            now,
        )
        .unwrap();
        assert_eq!(open.fresh_for, settings.totals_ttl);
        let recent = params(&[("until", "2026-01-10T11:30:00Z")]);
        assert_eq!(
            plan("/totals/triggers", &recent, &settings, now)
                .unwrap()
                .fresh_for,
            settings.totals_ttl
        );
        let settled = params(&[("until", "2026-01-10T10:00:00Z")]);
        assert_eq!(
            plan("/totals/types", &settled, &settings, now)
                .unwrap()
                .fresh_for,
            settings.settled_ttl
        );
    }

    #[test]
    fn only_settled_event_pages_are_cached() {
        let settings = CacheSettings::default();
        assert!(plan("/events", &params(&[("limit", "10")]), &settings, now).is_none());
        let settled = params(&[("until", "2026-01-01T00:00:00Z"), ("limit", "10")]);
        let plan = plan("/events", &settled, &settings, now).unwrap();
        assert_eq!(plan.class, Class::Events);
        assert_eq!(plan.fresh_for, settings.settled_ttl);
    }
}
