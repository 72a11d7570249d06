//! camlytics-gateway: signs, paces and serves calls to the Camlytics Cloud REST API for many internal apps.

pub mod api;
pub mod cache;
pub mod callers;
pub mod camlytics;
pub mod cli;
pub mod commands;
pub mod docs;
pub mod error;
pub mod front_door;
pub mod group;
pub mod header_text;
pub mod live;
pub mod mirror;
pub mod ops;
pub mod secret;
pub mod settings;
pub mod settings_values;
pub mod simulator;
pub mod startup;
pub mod upstream;
