//! Fluid biomarkers: serum neurofilament light (a state) and plasma GFAP (a readout).
//!
//! Serum NfL `F` (pg/mL) is released in proportion to the pool-weighted rate of motor-neuron
//! loss and cleared first-order towards the healthy, age-dependent baseline:
//!
//! ```text
//! dF/dt = ν · Σ_i w_i · h_i · N_i − (ln 2 / t½) · (F − F_0)
//! F_0   = nfl_baseline · exp(nfl_age_rise · (age − 60))
//! ```
//!
//! `ν = nfl_release`, `w_i = pool_weight_<region>`, `t½ = nfl_half_life`; `h_i · N_i` is the
//! regional loss rate (fraction of the pool per month). With a steady loss rate NfL plateaus at
//! `F_0 + ν · loss / k_el`, so it tracks the speed of the disease rather than its stage, as
//! observed (levels roughly stable within a patient; correlation with progression rate).
//!
//! Plasma GFAP is a readout of astrocyte reactivity:
//! `GFAP = gfap_baseline · (1 + gfap_gain · Σ_i w_i · S_i)`.

/// Time derivative of serum NfL.
#[inline]
pub fn nfl_rate(
    release: f64,
    weighted_loss_rate: f64,
    elimination: f64,
    nfl: f64,
    baseline: f64,
) -> f64 {
    release * weighted_loss_rate - elimination * (nfl - baseline)
}

/// Healthy serum NfL at a given age, pg/mL.
pub fn nfl_healthy(baseline_at_60: f64, rise_per_year: f64, age_years: f64) -> f64 {
    baseline_at_60 * (rise_per_year * (age_years - 60.0)).exp()
}

/// Plasma GFAP from pool-weighted astrocyte reactivity, pg/mL.
pub fn gfap(baseline: f64, gain: f64, weighted_reactivity: f64) -> f64 {
    baseline * (1.0 + gain * weighted_reactivity)
}
