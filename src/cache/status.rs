//! How an answer was served, told to the caller in RFC 9211 `Cache-Status` terms.

use actix_web::http::header::HeaderValue;
use actix_web::http::StatusCode;

use crate::header_text::joined;

/// The cache's name in `Cache-Status`.
pub const CACHE_NAME: &str = "camlytics-gateway";

/// The name of the group's shared second level in `Cache-Status`, as a cache of its own nearer the cloud.
pub const GROUP_CACHE_NAME: &str = "camlytics-gateway-group";

/// How one answer was served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Served {
    /// From a fresh copy; no upstream call.
    Hit,
    /// No copy: fetched (`collapsed` when this caller waited on another's fetch).
    Miss {
        /// Whether this caller shared another caller's upstream call.
        collapsed: bool,
    },
    /// The copy had expired: fetched again.
    Refreshed {
        /// Whether this caller shared another caller's upstream call.
        collapsed: bool,
    },
    /// The caller asked for `no-cache`: fetched again.
    Revalidated {
        /// Whether this caller shared another caller's upstream call.
        collapsed: bool,
    },
    /// The cloud failed (with this status): an expired copy was served instead.
    Stale {
        /// The status the failure would have been answered with.
        failure: StatusCode,
    },
    /// Not cacheable (e.g. events of a window that may still change): straight through.
    Bypass,
    /// From the mirror's local copy of every event (a window it holds completely); no upstream call.
    Mirror,
    /// Not in this gateway's cache, but in the group's second level: another gateway had fetched it.
    Shared {
        /// Whether this caller waited on another caller's load.
        collapsed: bool,
    },
}

impl Served {
    /// The metric outcome label.
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::Hit | Self::Mirror => "hit",
            Self::Miss { .. }
            | Self::Refreshed { .. }
            | Self::Revalidated { .. }
            | Self::Shared { .. } => "miss",
            Self::Stale { .. } => "stale",
            Self::Bypass => "bypass",
        }
    }

    /// The `Cache-Status` header value, given the answer's remaining freshness in seconds (negative when stale).
    pub fn header(&self, ttl: i64) -> HeaderValue {
        let mut ttl_text = itoa::Buffer::new();
        let ttl = ttl_text.format(ttl);
        let fetched = |fwd: &str, collapsed: bool| {
            joined(&[
                CACHE_NAME,
                "; fwd=",
                fwd,
                "; fwd-status=200; stored; ttl=",
                ttl,
                if collapsed { "; collapsed" } else { "" },
            ])
        };
        match self {
            Self::Hit => joined(&[CACHE_NAME, "; hit; ttl=", ttl]),
            Self::Miss { collapsed } => fetched("miss", *collapsed),
            Self::Refreshed { collapsed } => fetched("stale", *collapsed),
            Self::Revalidated { collapsed } => fetched("request", *collapsed),
            Self::Stale { failure } => {
                let mut status = itoa::Buffer::new();
                joined(&[
                    CACHE_NAME,
                    "; fwd=stale; fwd-status=",
                    status.format(failure.as_u16()),
                    "; ttl=",
                    ttl,
                    "; detail=stale-if-error",
                ])
            }
            Self::Bypass => joined(&[CACHE_NAME, "; fwd=bypass; detail=uncacheable"]),
            Self::Mirror => HeaderValue::from_static("camlytics-gateway; hit; detail=mirror"),
            // RFC 9211 lists caches from the one nearest the origin: the group's level answered, this one forwarded.
            Self::Shared { collapsed } => joined(&[
                GROUP_CACHE_NAME,
                "; hit; ttl=",
                ttl,
                ", ",
                CACHE_NAME,
                "; fwd=miss; fwd-status=200; stored; ttl=",
                ttl,
                if *collapsed { "; collapsed" } else { "" },
            ]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_from_the_groups_level_names_both_caches_nearest_the_origin_first() {
        assert_eq!(
            Served::Shared { collapsed: false }.header(40),
            "camlytics-gateway-group; hit; ttl=40, camlytics-gateway; fwd=miss; fwd-status=200; stored; ttl=40"
        );
    }

    #[test]
    fn cache_status_follows_rfc_9211() {
        assert_eq!(Served::Hit.header(42), "camlytics-gateway; hit; ttl=42");
        assert_eq!(
            Served::Mirror.header(0),
            "camlytics-gateway; hit; detail=mirror"
        );
        assert_eq!(
            Served::Miss { collapsed: true }.header(60),
            "camlytics-gateway; fwd=miss; fwd-status=200; stored; ttl=60; collapsed"
        );
        assert_eq!(
            Served::Stale {
                failure: StatusCode::BAD_GATEWAY
            }
            .header(-5),
            "camlytics-gateway; fwd=stale; fwd-status=502; ttl=-5; detail=stale-if-error"
        );
    }
}
