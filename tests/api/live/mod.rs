//! The live side: occupancy and queue counts from the intake log and the mirror.

mod occupancy;
mod occupancy_app;
