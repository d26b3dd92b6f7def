//! Reference problems with known closed-form solutions, shared by tests and benchmarks.
//!
//! Each returns a patient model whose couplings are switched off so that one compartment obeys
//! an equation with an exact solution, together with that solution.

use super::aggregation;
use super::{Covariates, Param, Params, PatientModel, Region};

/// Constant-hazard ("one-hit") neuron loss: every damage coupling and every aggregate source is
/// zero, so no unit becomes dysfunctional and `N(t) = exp(−h_0 t)` in every region.
pub fn constant_hazard(h0: f64) -> (PatientModel, impl Fn(f64) -> f64) {
    let mut p = Params::default();
    for param in [
        Param::HazardSoluble,
        Param::HazardLof,
        Param::HazardOxidative,
        Param::HazardExcitotoxic,
        Param::HazardAstrocyte,
        Param::AggGrowthRate,
        Param::AggClearanceRate,
        Param::SpreadContiguous,
        Param::SpreadNoncontiguous,
    ] {
        p.set_value(param, 0.0).expect("0 is in range");
    }
    p.hazard_baseline = h0;
    let model = PatientModel::new(p, Covariates::default()).expect("valid reference model");
    (model, move |t: f64| (-h0 * t).exp())
}

/// Isolated logistic aggregation: no seeding and no oxidative feedback, at age 60 (tempo 1) and
/// sporadic (misfolding 1), so aggregate in the onset region follows the logistic curve of
/// [`aggregation::logistic_solution`]. Neurons are protected (all hazards zero) so the run is
/// not cut short.
pub fn logistic_aggregation(growth: f64, clearance: f64) -> (PatientModel, impl Fn(f64) -> f64) {
    let mut p = Params::default();
    for param in [
        Param::SpreadContiguous,
        Param::SpreadNoncontiguous,
        Param::AggRosEnhancement,
        Param::HazardBaseline,
        Param::HazardSoluble,
        Param::HazardLof,
        Param::HazardOxidative,
        Param::HazardExcitotoxic,
        Param::HazardAstrocyte,
    ] {
        p.set_value(param, 0.0).expect("0 is in range");
    }
    p.agg_growth_rate = growth;
    p.agg_clearance_rate = clearance;
    let a0 = p.agg_initial_seed;
    let model = PatientModel::new(p, Covariates::default()).expect("valid reference model");
    (model, move |t: f64| {
        aggregation::logistic_solution(growth, clearance, a0, t)
    })
}

/// The region whose aggregate the logistic reference follows.
pub fn logistic_region() -> Region {
    Covariates::default().onset_region
}
