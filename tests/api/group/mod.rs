//! Several gateways on one key: the group's pieces against a real redis-server.

mod coalesce;
mod connection;
mod lease;
mod nonce;
mod purges;
mod quota;
mod redis_server;
mod second_level;
