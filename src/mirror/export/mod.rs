//! `/v1/export`: every matching event held, streamed a page at a time as NDJSON (the cloud's bytes, one
//! event a line) or CSV (a header row, then the Event model's columns). The parameters (`params.rs`), the
//! CSV rows (`csv.rs`) and the paging (`pages.rs`).

pub mod csv;
pub mod pages;
pub mod params;
