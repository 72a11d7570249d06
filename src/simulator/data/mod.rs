//! What the simulated cloud knows: the account's dimensions, and its events, either the fixed data set
//! (the default) or the moving timeline made on demand from the seed.

mod account;
mod cache;
mod day;
mod fixed;
mod moving;
mod raw;
mod rhythm;
mod site;
#[cfg(test)]
mod tests;
mod timeline;
mod zone;

pub(super) use day::Rate;
pub(super) use fixed::DataSet;
pub(super) use moving::Moving;
