//! The simulated Camlytics Cloud, used by `demo`, `simulate` and the tests.
