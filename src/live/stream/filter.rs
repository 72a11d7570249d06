//! What a subscriber asked for: the filters of `/v1/events/stream`, checked as the API's own parameters are
//! (a 400 naming the parameter), and where to resume.

use crate::callers::gate::ACCESS_TOKEN;
use crate::camlytics::endpoints::{RouteSpec, EVENTS};
use crate::camlytics::query::{validate, BadParam};
use crate::live::event::LiveEvent;

/// The query form of the `Last-Event-ID` header.
pub const LAST_EVENT_ID: &str = "last_event_id";

/// The stream's filters: the first five of `/events` (its window, paging and order mean nothing on a
/// stream); `access_token` and `last_event_id` are read apart (see [`StreamAsk::parse`]).
pub const STREAM: RouteSpec = RouteSpec {
    endpoint: "/v1/events/stream",
    params: EVENTS.params.split_at(5).0,
};

/// Which events a subscriber gets: every filter given must match (unlike totals, no filter overrides
/// another: a stream filtered by channel and trigger wants that trigger on that channel).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamFilter {
    /// Only this location's events.
    pub location_id: Option<i64>,
    /// Only this channel's.
    pub channel_id: Option<String>,
    /// Only this trigger's.
    pub trigger_id: Option<String>,
    /// Only this event type.
    pub event_type: Option<String>,
    /// Only this origin.
    pub origin: Option<String>,
}

impl StreamFilter {
    /// Whether `event` passes every filter given.
    pub fn matches(&self, event: &LiveEvent) -> bool {
        self.location_id.is_none_or(|l| l == event.location_id)
            && self
                .channel_id
                .as_ref()
                .is_none_or(|c| *c == event.channel_id)
            && self
                .trigger_id
                .as_ref()
                .is_none_or(|t| *t == event.trigger_id)
            && self
                .event_type
                .as_ref()
                .is_none_or(|t| *t == event.event_type)
            && self.origin.as_ref().is_none_or(|o| *o == event.origin)
    }
}

/// A subscription request: its filter and the seq it resumes after, if any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamAsk {
    /// Which events.
    pub filter: StreamFilter,
    /// Resume after this seq (`Last-Event-ID`); `None`: only events from now on.
    pub resume_after: Option<u64>,
}

impl StreamAsk {
    /// Reads the query and the `Last-Event-ID` header (which wins over the query parameter: a browser
    /// reconnecting keeps its first URL but sends the last id it saw in the header).
    pub fn parse(raw_query: &str, last_event_id_header: Option<&str>) -> Result<Self, BadParam> {
        let mut filters = form_urlencoded::Serializer::new(String::new());
        let mut from_query = None;
        for (name, value) in form_urlencoded::parse(raw_query.as_bytes()) {
            match &*name {
                // Checked by the gate; its value goes nowhere else.
                ACCESS_TOKEN => {}
                LAST_EVENT_ID => {
                    if from_query.is_some() {
                        return Err(BadParam::new(LAST_EVENT_ID, "given more than once"));
                    }
                    from_query = Some(parse_seq(LAST_EVENT_ID, &value)?);
                }
                _ => {
                    filters.append_pair(&name, &value);
                }
            }
        }
        let mut filter = StreamFilter::default();
        for (name, value) in validate(&STREAM, &filters.finish())? {
            match name {
                "location_id" => filter.location_id = value.parse().ok(),
                "channel_id" => filter.channel_id = Some(value),
                "trigger_id" => filter.trigger_id = Some(value),
                "event_type" => filter.event_type = Some(value),
                _ => filter.origin = Some(value),
            }
        }
        let resume_after = match last_event_id_header {
            Some(header) => Some(parse_seq("Last-Event-ID", header.trim())?),
            None => from_query,
        };
        Ok(Self {
            filter,
            resume_after,
        })
    }
}

/// A seq: digits only, as the stream's `id:` lines carry them.
fn parse_seq(name: &str, value: &str) -> Result<u64, BadParam> {
    value
        .parse::<u64>()
        .ok()
        .filter(|_| !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            BadParam::new(
                name,
                format!(
                    "must be the id of an event this stream sent (a whole number), got '{value}'"
                ),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_read_and_checked_like_the_apis_own() {
        let ask =
            StreamAsk::parse("location_id=7&event_type=RegionJoin&origin=Vehicle", None).unwrap();
        assert_eq!(ask.filter.location_id, Some(7));
        assert_eq!(ask.filter.event_type.as_deref(), Some("RegionJoin"));
        assert_eq!(ask.filter.origin.as_deref(), Some("Vehicle"));
        assert_eq!(ask.resume_after, None);
        assert_eq!(
            StreamAsk::parse("event_type=Teleport", None)
                .unwrap_err()
                .name,
            "event_type"
        );
        assert_eq!(
            StreamAsk::parse("location_id=-1", None).unwrap_err().name,
            "location_id"
        );
        assert_eq!(StreamAsk::parse("limit=5", None).unwrap_err().name, "limit");
    }

    #[test]
    fn the_filters_are_the_events_routes_own_filters() {
        let names: Vec<&str> = STREAM.params.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            names,
            [
                "location_id",
                "channel_id",
                "trigger_id",
                "event_type",
                "origin"
            ]
        );
    }

    #[test]
    fn the_token_is_no_filter_and_appears_in_no_refusal() {
        let ask = StreamAsk::parse("access_token=t0p-s3cret&channel_id=c1", None).unwrap();
        assert_eq!(ask.filter.channel_id.as_deref(), Some("c1"));
        let refusal = StreamAsk::parse("access_token=t0p-s3cret&origin=Cat", None).unwrap_err();
        assert!(!refusal.to_string().contains("t0p-s3cret"));
    }

    #[test]
    fn the_header_resume_point_wins_over_the_query_one() {
        assert_eq!(
            StreamAsk::parse("last_event_id=5", None)
                .unwrap()
                .resume_after,
            Some(5)
        );
        assert_eq!(
            StreamAsk::parse("last_event_id=5", Some("9"))
                .unwrap()
                .resume_after,
            Some(9)
        );
        assert_eq!(
            StreamAsk::parse("last_event_id=x", None).unwrap_err().name,
            "last_event_id"
        );
        assert_eq!(
            StreamAsk::parse("", Some("-3")).unwrap_err().name,
            "Last-Event-ID"
        );
    }
}
