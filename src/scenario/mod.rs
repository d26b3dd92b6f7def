//! Scenario files: the modeler's TOML interface.
//!
//! A file is read in two stages, as raw TOML (with the span of every key and value) and then
//! into validated types, so that every problem in a file is reported at once with file, line,
//! column, key path, what is wrong and what would be accepted. Unknown keys are errors. The
//! reference of every key is `docs/SCENARIOS.md`; `alssim show` prints a scenario with all
//! defaults filled in, as TOML that reads back to the same scenario.

pub mod bounds;
mod error;
mod show;
pub mod trial_design;
pub mod types;
mod validate;
pub mod whatif;

pub use crate::input::Diagnostic;
pub use bounds::BoundError;
pub use error::ScenarioError;
pub use show::to_toml;
pub use types::{Meta, Overrides, OverridesError, Scenario};
pub use validate::{MAX_PATIENTS, PROBABILITY_TOLERANCE, load, parse};
pub use whatif::WhatifError;

use crate::cohort::CohortSpec;

impl Scenario {
    /// The settings the cohort engine runs.
    pub fn cohort_spec(&self) -> CohortSpec {
        CohortSpec {
            simulation: self.simulation.clone(),
            population: self.population.clone(),
            params: self.params(),
            arms: self.arms.clone(),
        }
    }
}
