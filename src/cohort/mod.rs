//! Virtual cohorts: populations, per-patient random streams and the parallel engine.
//!
//! `sample` draws patients from `(master seed, index)`; `engine` simulates, screens and
//! observes them on rayon, returning results in patient order; `spec` holds the validated
//! settings the engine accepts.

pub mod engine;
pub mod sample;
pub mod spec;

pub use engine::{ArmCourse, CohortSpec, Observation, Outcome, ScreenFailure, run};
pub use sample::{Draw, Sampler, correlation_cholesky};
