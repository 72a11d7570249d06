//! The mirror ("every event, local"): a durable local copy of the account's events, synced from `/events`
//! in the lane's background class, so that totals, series and event pages can later be answered without
//! spending the upstream budget. This first layer is the store and the sync; it is not wired into `serve` yet.

pub mod coverage;
pub mod event;
pub mod handle;
pub mod postgres;
pub mod sqlite;
pub mod store;
pub mod sync;
