//! The mirror ("every event, local"): a durable local copy of the account's events, synced from `/events`
//! in the lane's background class within its own share of the budget, so that totals, series and event pages
//! can be answered without spending the upstream budget. `service` is what startup builds and runs;
//! `route` is `GET /v1/mirror`.

pub mod answer;
pub mod budget;
pub mod coverage;
pub mod coverage_note;
pub mod event;
pub mod export;
pub mod failed_store;
pub mod forward;
pub mod handle;
pub mod lazy_store;
pub mod lease;
pub mod locations;
pub mod open;
pub mod paced;
pub mod postgres;
pub mod report;
pub mod route;
pub mod runner;
pub mod runner_state;
pub mod series;
pub mod service;
pub mod settings;
pub mod sqlite;
pub mod store;
pub mod sync;
pub mod tail;
pub mod tally;
pub mod verify;
pub mod verify_plan;
pub mod window;
