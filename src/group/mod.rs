//! Several gateways on one API key, coordinated through Redis: the group lane (a lease with fencing, the group's
//! pace, fair turns across gateways), the group's nonce counter, and the shared second cache level. Everything
//! here implements a trait defined below it (`upstream::lane_trait::UpstreamLane`,
//! `upstream::nonce::NonceAllocator`, `cache::second_level::SecondLevel`) and is chosen in `startup` when
//! `GATEWAY_REDIS_URL` is set ([`crate::startup::Backends::group`]).

mod answer_codec;
pub mod backends;
pub mod coalesce;
mod coalesce_codec;
pub mod connection;
pub mod keys;
pub mod lane;
mod lane_scripts;
mod lane_ticket;
pub mod lane_turn;
pub mod lease;
pub mod live_relay;
pub mod nonce;
mod nonce_scripts;
pub mod quota;
mod quota_script;
pub mod second_level;
pub mod settings;
pub mod sync_lease;
