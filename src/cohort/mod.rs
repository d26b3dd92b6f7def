//! Virtual cohorts: populations, per-patient random streams and the parallel engine.
//!
//! `sample` draws patients from `(master seed, index)`; `engine` simulates, screens and
//! observes them on rayon, handing results over in patient order, chunk by chunk; `summary`
//! accumulates exact, mergeable statistics; `spec` holds the validated settings the engine
//! accepts.

pub mod engine;
pub mod sample;
pub mod spec;
pub mod summary;

pub use engine::{
    ArmCourse, AtEnd, CohortSpec, EngineError, Observation, Outcome, ScreenFailure, run, run_chunks,
};
pub use sample::{Draw, RULE_BOUND, RuleBreaks, Sampler, correlation_cholesky, rule_breaks};
pub use summary::CohortSummary;
