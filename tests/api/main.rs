//! Integration tests: the gateway and the simulated cloud over real HTTP on loopback.

mod cache;
mod callers;
mod cancellation;
mod commands;
mod compression;
mod container;
mod error_docs;
mod fast_path;
mod faults;
mod group;
mod helpers;
mod hostile;
mod hostile_cloud;
mod live;
mod mirror;
mod moving_cloud;
mod nonces;
mod openapi;
mod operations;
mod process;
mod routes;
mod second_level;
mod secrets;
mod settings;
mod signing;
mod validation;
