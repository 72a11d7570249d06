//! The way to the cloud: signing, nonce allocation, the paced and ordered lane, and the HTTP client.

pub mod lane;
pub mod nonce;
pub mod signing;
pub mod target;
