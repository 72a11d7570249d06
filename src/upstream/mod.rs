//! The way to the cloud: signing, nonce allocation, the paced and ordered lane, and the HTTP client.

pub mod client;
pub mod floor;
pub mod lane;
pub mod lane_trait;
pub mod nonce;
pub mod response;
pub mod settings;
pub mod shared;
pub mod signing;
pub mod target;
pub mod waiting_room;

pub use client::{Fetch, UpstreamClient};
pub use shared::{Upstream, UpstreamAnswer, UpstreamRequest};
