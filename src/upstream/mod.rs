//! The way to the cloud: signing, nonce allocation, the paced and ordered lane, and the HTTP client.

pub mod client;
pub mod lane;
pub mod nonce;
pub mod response;
pub mod settings;
pub mod signing;
pub mod target;

pub use client::{Fetch, Upstream, UpstreamAnswer, UpstreamClient, UpstreamRequest};
