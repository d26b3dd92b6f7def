//! Reference problems with known closed-form solutions, shared by tests and benchmarks.
//!
//! Each returns a patient model whose couplings are switched off so that one compartment obeys
//! an equation with an exact solution, together with that solution.

use super::aggregation;
use super::{Covariates, Params, PatientModel, Region};

/// Constant-hazard ("one-hit") neuron loss: every damage coupling and every aggregate source is
/// zero, so no unit becomes dysfunctional and `N(t) = exp(−h_0 t)` in every region.
pub fn constant_hazard(h0: f64) -> (PatientModel, impl Fn(f64) -> f64) {
    let mut p = Params::default();
    for name in [
        "hazard_soluble",
        "hazard_lof",
        "hazard_oxidative",
        "hazard_excitotoxic",
        "hazard_astrocyte",
        "agg_growth_rate",
        "agg_clearance_rate",
        "spread_contiguous",
        "spread_noncontiguous",
    ] {
        p.set(name, 0.0).expect("registered parameter");
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
    for name in [
        "spread_contiguous",
        "spread_noncontiguous",
        "agg_ros_enhancement",
        "hazard_baseline",
        "hazard_soluble",
        "hazard_lof",
        "hazard_oxidative",
        "hazard_excitotoxic",
        "hazard_astrocyte",
    ] {
        p.set(name, 0.0).expect("registered parameter");
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
