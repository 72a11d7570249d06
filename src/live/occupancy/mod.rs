//! Occupancy and queue as they happen: per location, entries minus exits since local midnight (never
//! below zero), and per zone, joins minus leaves; from the webhook intake and the mirror's synced events,
//! merged by identity so that no event counts twice.

pub mod day;
pub mod feeding;
pub mod late;
pub mod names;
pub mod rules;
pub mod service;
pub mod settings;
pub mod state;
pub mod tracker;
pub mod zones;
