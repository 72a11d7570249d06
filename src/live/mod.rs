//! Live data: events the cloud POSTs to the gateway's webhook intake, kept in a durable log, fanned out to
//! every subscriber as they arrive, and folded into occupancy and queue counts. The mirror (`crate::mirror`)
//! stays the cloud-verified copy that totals and series read; the live side never changes it.

pub mod event;
pub mod failed_log;
pub mod feed;
pub mod identity;
pub mod intake;
pub mod log;
pub mod occupancy;
pub mod relay;
pub mod service;
pub mod settings;
pub mod sqlite_log;
pub mod stream;
