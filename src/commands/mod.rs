//! What each subcommand does, once its settings are parsed.

pub mod check;
pub mod demo;
pub mod healthcheck;
pub mod mirror;
mod mirror_progress;
pub mod openapi;
pub mod serve;
pub mod simulate;
