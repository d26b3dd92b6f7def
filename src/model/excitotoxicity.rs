//! Excitotoxicity: extracellular glutamate from release versus astrocytic EAAT2 uptake.
//!
//! For region *i*, extracellular glutamate `G_i` relative to healthy tissue (1 = healthy):
//!
//! ```text
//! dG_i/dt = k_G · (ρ · (1 + η · A_i) − υ · (1 − L · S_i) · G_i)
//! E_i     = max(G_i − 1, 0)                                     excess glutamate
//! ```
//!
//! Release rises with aggregate burden (`η = glutamate_release_gain`, cortical
//! hyperexcitability); uptake falls as astrocytes become reactive and lose EAAT2
//! (`L = eaat2_loss_max`). `k_G = glutamate_equilibration_rate`; `ρ` and `υ` are the therapy
//! modulations [`glutamate_release`](super::Modulation::glutamate_release) and
//! [`glutamate_uptake`](super::Modulation::glutamate_uptake). At steady state
//! `G = ρ (1 + η A) / (υ (1 − L S))`; untreated and healthy, `G = 1`.

/// Rates of the glutamate equation.
#[derive(Debug, Clone, Copy)]
pub struct GlutamateRates {
    /// Equilibration rate `k_G`, 1/month.
    pub equilibration: f64,
    /// Release gain per unit aggregate `η`.
    pub release_gain: f64,
    /// Maximal fractional EAAT2 loss `L`.
    pub eaat2_loss_max: f64,
}

/// Time derivative of extracellular glutamate in one region.
#[inline]
pub fn rate(
    k: &GlutamateRates,
    glutamate: f64,
    aggregate: f64,
    astrocytes: f64,
    release_factor: f64,
    uptake_factor: f64,
) -> f64 {
    let release = release_factor * (1.0 + k.release_gain * aggregate);
    let uptake = uptake_factor * (1.0 - k.eaat2_loss_max * astrocytes);
    k.equilibration * (release - uptake * glutamate)
}

/// Excess glutamate above healthy, the excitotoxic drive.
#[inline]
pub fn excess(glutamate: f64) -> f64 {
    (glutamate - 1.0).max(0.0)
}
