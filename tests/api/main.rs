//! Integration tests: the gateway and the simulated cloud over real HTTP on loopback.

mod cache;
mod callers;
mod cancellation;
mod commands;
mod container;
mod fast_path;
mod faults;
mod group;
mod helpers;
mod hostile;
mod hostile_cloud;
mod nonces;
mod openapi;
mod operations;
mod process;
mod routes;
mod second_level;
mod secrets;
mod signing;
mod validation;
