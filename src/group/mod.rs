//! Several gateways on one API key, coordinated through Redis: the group's nonce counter, the shared second
//! cache level, and (later) the group lane. Everything here implements a trait defined below it
//! (`upstream::nonce::NonceAllocator`, `cache::second_level::SecondLevel`) and is chosen in `startup`.
//!
//! Preview: the pieces exist and are tested against a real Redis, but nothing wires them in yet, so a group
//! of gateways is not usable: until the group lane is wired, gateways must not share a key.

mod answer_codec;
pub mod coalesce;
mod coalesce_codec;
pub mod connection;
pub mod keys;
pub mod lease;
pub mod nonce;
mod nonce_scripts;
pub mod quota;
mod quota_script;
pub mod second_level;
pub mod settings;
