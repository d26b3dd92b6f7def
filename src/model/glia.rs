//! Glial inflammation: microglial activation and astrocyte reactivity.
//!
//! For region *i*, activated microglia `M_i` and reactive astrocytes `S_i` (fractions):
//!
//! ```text
//! dM_i/dt = a_M · u_M · (A_i + w_D · h_i · N_i) · (1 − M_i) − r_M · M_i
//! dS_i/dt = a_S · u_S · (M_i + w_A · A_i) · (1 − S_i) − r_S · S_i
//! ```
//!
//! Microglia respond to aggregate and to dying neurons: `h_i · N_i` is the regional rate of
//! neuron loss (fraction of the pool per month, see [`neurons`](super::neurons)), the source of
//! debris and damage signals, weighted by `w_D = microglia_damage_weight` (months). The
//! stimulus is the *rate* of loss, not the cumulative loss `1 − N_i`: debris is cleared, and a
//! cumulative stimulus would make age-related loss alone ignite a self-sustaining loop in healthy
//! regions; activated microglia convert astrocytes to a
//! reactive state (`a_S = astrocyte_activation_rate`), with a smaller direct drive by aggregate
//! (`w_A = astrocyte_aggregate_weight`). `a_M = microglia_activation_rate`,
//! `r_M = microglia_resolution_rate`, `r_S = astrocyte_resolution_rate`; `u_M`, `u_S` are the
//! therapy modulations [`microglial_activation`](super::Modulation::microglial_activation) and
//! [`astrocyte_reactivity`](super::Modulation::astrocyte_reactivity). Both fractions stay in
//! [0, 1] because the activation term vanishes at 1 and the resolution term at 0.

/// Rates of the glial equations.
#[derive(Debug, Clone, Copy)]
pub struct GliaRates {
    /// Microglial activation rate, 1/month.
    pub microglia_activation: f64,
    /// Weight of the neuron loss rate in the microglial stimulus, months.
    pub damage_weight: f64,
    /// Microglial resolution rate, 1/month.
    pub microglia_resolution: f64,
    /// Astrocyte activation rate per unit microglia, 1/month.
    pub astrocyte_activation: f64,
    /// Direct astrocyte drive per unit aggregate.
    pub astrocyte_aggregate_weight: f64,
    /// Astrocyte resolution rate, 1/month.
    pub astrocyte_resolution: f64,
}

/// Time derivative of activated microglia in one region.
#[inline]
pub fn microglia_rate(
    k: &GliaRates,
    microglia: f64,
    aggregate: f64,
    loss_rate: f64,
    activation_factor: f64,
) -> f64 {
    let stimulus = aggregate + k.damage_weight * loss_rate;
    k.microglia_activation * activation_factor * stimulus * (1.0 - microglia)
        - k.microglia_resolution * microglia
}

/// Time derivative of reactive astrocytes in one region.
#[inline]
pub fn astrocyte_rate(
    k: &GliaRates,
    astrocytes: f64,
    microglia: f64,
    aggregate: f64,
    reactivity_factor: f64,
) -> f64 {
    let stimulus = microglia + k.astrocyte_aggregate_weight * aggregate;
    k.astrocyte_activation * reactivity_factor * stimulus * (1.0 - astrocytes)
        - k.astrocyte_resolution * astrocytes
}
