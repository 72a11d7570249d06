//! Answers from the mirror, in the cloud's own shapes: a validated cloud query read as the store's filter
//! and window, the success envelope around the cloud's own bytes, and the two totals lists joined with the
//! dimension lists. Pure functions over what the store and the dimension lists hold: no actix, no I/O, so the
//! API decides when to answer from here and how.

pub mod coverage_text;
pub mod envelope;
pub mod refusals;
pub mod totals;
pub mod window;
