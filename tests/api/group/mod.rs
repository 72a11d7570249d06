//! Several gateways on one key: the group's pieces against a real redis-server, and real gateway processes.

mod coalesce;
mod connection;
mod fairness;
mod holder_killed;
mod lane;
mod lease;
mod load;
pub mod members;
mod nonce;
mod purges;
mod quota;
mod redis_faults;
pub mod redis_server;
mod second_level;
mod settings;
mod shared;
