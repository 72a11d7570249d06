//! `/v1/series`: event counts per time bucket, aligned in a time zone, optionally one series per group.
//! The parameters (`params.rs`), the buckets' edges (`buckets.rs`, on the zone's clock from `zone.rs`),
//! and the answer built from the store's grouped counts (`assemble.rs`).

pub mod assemble;
pub mod buckets;
pub mod params;
pub mod zone;
