//! Validated scenario: metadata and model overrides around the engine's validated settings.

pub use crate::cohort::spec::*;

/// A validated scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// `[scenario]`.
    pub meta: Meta,
    /// `[simulation]`.
    pub simulation: Simulation,
    /// `[population]`.
    pub population: Population,
    /// `[model]`: parameter overrides, in file order.
    pub model: Vec<(crate::model::Param, f64)>,
    /// `[drug.NAME]`: drugs defined or overridden by the scenario, in file order.
    pub drugs: Vec<crate::therapy::Drug>,
    /// `[[arm]]`, in file order.
    pub arms: Vec<Arm>,
    /// `[trial]`: the design of a virtual trial (`alssim trial`), if the file has one.
    pub trial: Option<super::trial_design::TrialDesign>,
}

/// `[scenario]`: name and description.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    /// Name; also the output folder `out/<name>/`.
    pub name: String,
    /// What the scenario is about.
    pub description: String,
}

impl Scenario {
    /// Model parameters: the defaults with the `[model]` overrides applied.
    pub fn params(&self) -> crate::model::Params {
        let mut p = crate::model::Params::default();
        for &(param, value) in &self.model {
            // Every value stored here is in range: the scenario reader and `--set` check it,
            // the sensitivity analysis stores only values `Params::set_value` accepted, and the
            // calibration clamps to the range. A clamped setter keeps that so for overrides
            // written directly (a NaN leaves the default).
            p.set_clamped(param, value);
        }
        p
    }
}
