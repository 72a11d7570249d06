//! The Camlytics Cloud API's vocabulary: its endpoints and their parameters, how a query is checked and put in
//! canonical form, its date-times, and its event model. No actix, no I/O: `api/`, `cache/`, `docs/` and every
//! later capability read it, so the API is described once. The simulator keeps its own copy on purpose.

pub mod date_time;
pub mod endpoints;
pub mod model;
pub mod query;

/// The base path the cloud uses, and so the gateway too.
pub const BASE_PATH: &str = "/service/api/v1";
