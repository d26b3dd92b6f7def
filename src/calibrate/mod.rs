//! Calibration of the untreated model to published natural history, and its validation.
//!
//! `targets.toml` holds the published figures (value, accepted interval, hard or soft, source);
//! [`metrics`] computes the same statistics from a simulated cohort; [`validate`] compares them.
//! [`sensitivity`] screens which model parameters drive a scenario's outcomes (Morris elementary
//! effects).

pub mod fit;
pub mod metrics;
pub mod posterior;
pub mod priors;
pub mod sensitivity;
pub mod sobol;
pub mod targets;
pub mod uncertainty;
pub mod validate;
