//! Oxidative stress: reactive oxygen species from failing mitochondria, cleared by antioxidants.
//!
//! For region *i*, excess ROS `R_i` (0 = healthy tissue):
//!
//! ```text
//! dR_i/dt = μ · m_b · (p_A · A_i + p_E · E_i + p_M · M_i) − c · u_c · R_i
//! m_b     = 1 + metabolic_stress_gain · (1 − C_bulbar)
//! ```
//!
//! `p_A = ros_from_aggregate`, `p_E = ros_from_glutamate` (with `E_i = max(G_i − 1, 0)` the
//! excess glutamate), `p_M = ros_from_microglia`, `c = ros_clearance_rate`; `μ` and `u_c` are
//! the therapy modulations [`ros_production`](super::Modulation::ros_production) and
//! [`ros_clearance`](super::Modulation::ros_clearance). `m_b` is the whole-body metabolic stress
//! of dysphagia and weight loss: it grows as bulbar motor capacity `C_bulbar` is lost, which is
//! why bulbar-onset disease runs faster.

/// Rates of the oxidative-stress equation.
#[derive(Debug, Clone, Copy)]
pub struct OxidativeRates {
    /// Production per unit aggregate, 1/month.
    pub from_aggregate: f64,
    /// Production per unit excess glutamate, 1/month.
    pub from_glutamate: f64,
    /// Production per unit activated microglia, 1/month.
    pub from_microglia: f64,
    /// Clearance rate, 1/month.
    pub clearance: f64,
}

/// Time derivative of excess ROS in one region.
#[inline]
pub fn rate(
    k: &OxidativeRates,
    ros: f64,
    aggregate: f64,
    excess_glutamate: f64,
    microglia: f64,
    production_factor: f64,
    clearance_factor: f64,
) -> f64 {
    production_factor
        * (k.from_aggregate * aggregate
            + k.from_glutamate * excess_glutamate
            + k.from_microglia * microglia)
        - k.clearance * clearance_factor * ros
}

/// Whole-body metabolic stress multiplier from loss of bulbar capacity.
#[inline]
pub fn metabolic_stress(gain: f64, bulbar_capacity: f64) -> f64 {
    1.0 + gain * (1.0 - bulbar_capacity)
}
