//! The parameters of `/v1/export`: the events filters with their precedence, `order`, and `format`.

use std::sync::LazyLock;

use crate::camlytics::endpoints::{ParamKind, RouteSpec, TOTALS_TRIGGERS};
use crate::camlytics::model::ORDERS;
use crate::camlytics::query::{validate, BadParam};
use crate::mirror::answer::window::{filter_of, param};
use crate::mirror::event::EventFilter;
use crate::mirror::store::{Order, Span};

/// The route's path.
pub const PATH: &str = "/v1/export";
/// What `format` accepts.
pub const FORMATS: &[&str] = &["ndjson", "csv"];

static PARAMS: LazyLock<Vec<(&'static str, ParamKind)>> = LazyLock::new(|| {
    [
        FILTERS.params,
        &[
            ("order", ParamKind::OneOf(ORDERS)),
            ("format", ParamKind::OneOf(FORMATS)),
        ],
    ]
    .concat()
});

/// Every parameter `/v1/export` accepts: the events filters, `order` and `format`.
pub static EXPORT: LazyLock<RouteSpec> = LazyLock::new(|| RouteSpec {
    endpoint: PATH,
    params: PARAMS.as_slice(),
});

/// The filters of `/events` (which are those of `/totals/triggers`), for the document too.
pub const FILTERS: RouteSpec = RouteSpec {
    endpoint: PATH,
    params: TOTALS_TRIGGERS.params,
};

/// How the events are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One event a line, as the cloud's JSON: `application/x-ndjson`.
    Ndjson,
    /// A header row, then one row an event: `text/csv`.
    Csv,
}

impl Format {
    /// The format asked by `format`, else by an `Accept` naming `text/csv` (and not refusing it with
    /// `q=0`), else NDJSON.
    pub fn choose(asked: Option<Format>, accept: &str) -> Format {
        let wants_csv = accept.split(',').any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default();
            let refused = parts
                .any(|p| p.strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()) == Some(0.0));
            media.eq_ignore_ascii_case("text/csv") && !refused
        });
        asked.unwrap_or(if wants_csv {
            Format::Csv
        } else {
            Format::Ndjson
        })
    }

    /// Its `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Ndjson => "application/x-ndjson",
            Self::Csv => "text/csv; charset=utf-8",
        }
    }

    /// Its file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Ndjson => "ndjson",
            Self::Csv => "csv",
        }
    }
}

/// A `/v1/export` query, checked.
#[derive(Debug, Clone)]
pub struct ExportAsk {
    /// Scope (by precedence), type, origin and the window as sent (either end may be missing).
    pub filter: EventFilter,
    /// Oldest first, unless `order=desc`.
    pub order: Order,
    /// The `format` sent, if any.
    pub format: Option<Format>,
}

impl ExportAsk {
    /// The window exported: as sent, with a missing end taken from what the mirror holds completely.
    pub fn window(&self, held: Option<Span>) -> Option<(i64, i64)> {
        let since = self.filter.since_micros.or(held.map(|s| s.from_micros))?;
        let until = self.filter.until_micros.or(held.map(|s| s.to_micros))?;
        Some((since, until))
    }
}

/// Checks a raw `/v1/export` query; the first problem is a 400 naming the parameter.
pub fn parse(raw_query: &str) -> Result<ExportAsk, BadParam> {
    let params = validate(&EXPORT, raw_query)?;
    Ok(ExportAsk {
        filter: filter_of(&params),
        order: match param(&params, "order") {
            Some("desc") => Order::Desc,
            _ => Order::Asc,
        },
        format: match param(&params, "format") {
            Some("csv") => Some(Format::Csv),
            Some(_) => Some(Format::Ndjson),
            None => None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_parameter_beats_accept_which_beats_the_default() {
        assert_eq!(Format::choose(None, ""), Format::Ndjson);
        assert_eq!(
            Format::choose(None, "text/html, text/csv;q=0.9"),
            Format::Csv
        );
        assert_eq!(Format::choose(None, "text/csv;q=0"), Format::Ndjson);
        assert_eq!(
            Format::choose(Some(Format::Ndjson), "text/csv"),
            Format::Ndjson
        );
        assert_eq!(parse("format=csv").unwrap().format, Some(Format::Csv));
    }

    #[test]
    fn a_missing_end_of_the_window_is_what_the_mirror_holds() {
        let ask = parse("since=1970-01-01T00:00:01Z&order=desc").unwrap();
        assert_eq!(ask.order, Order::Desc);
        let held = Span {
            from_micros: 0,
            to_micros: 9_000_000,
        };
        assert_eq!(ask.window(Some(held)), Some((1_000_000, 9_000_000)));
        assert_eq!(ask.window(None), None);
        assert!(parse("format=xml")
            .unwrap_err()
            .to_string()
            .starts_with("format: must be one of ndjson, csv"));
    }
}
