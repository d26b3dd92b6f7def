//! Excitotoxicity: extracellular glutamate from release versus astrocytic EAAT2 uptake.
//!
//! For region *i*, extracellular glutamate `G_i` relative to healthy tissue (1 = healthy) is
//! the balance of release and uptake:
//!
//! ```text
//! G_i = ρ · (1 + η · A_i) / (υ · (1 − L · S_i))
//! E_i = max(G_i − 1, 0)                                         excess glutamate
//! ```
//!
//! Release rises with aggregate burden (`η = glutamate_release_gain`, cortical
//! hyperexcitability); uptake falls as astrocytes become reactive and lose EAAT2
//! (`L = eaat2_loss_max`). `ρ` and `υ` are the therapy modulations
//! [`glutamate_release`](super::Modulation::glutamate_release) and
//! [`glutamate_uptake`](super::Modulation::glutamate_uptake). Untreated and healthy, `G = 1`.
//!
//! Glutamate is algebraic (a quasi-steady state), not a state variable: transporters clear
//! synaptic glutamate within milliseconds and the extracellular level follows release and
//! uptake within minutes, against months for every other process of the model. It is the
//! limit of `dG/dt = k_G · (ρ (1 + η A) − υ (1 − L S) G)` as `k_G` grows without bound. A
//! finite `k_G` on the months scale adds nothing the data can see (its Morris and Sobol
//! indices were the smallest of all parameters) but a fast mode that limits an explicit
//! solver's step by stability.

/// Parameters of the glutamate balance.
#[derive(Debug, Clone, Copy)]
pub struct GlutamateRates {
    /// Release gain per unit aggregate `η`.
    pub release_gain: f64,
    /// Maximal fractional EAAT2 loss `L`.
    pub eaat2_loss_max: f64,
}

/// Extracellular glutamate in one region relative to healthy tissue, `G`.
///
/// Positive and finite while `υ > 0` and `L · S < 1` (`eaat2_loss_max` is at most 0.95 and
/// `S` at most 1).
#[inline]
pub fn level(
    k: &GlutamateRates,
    aggregate: f64,
    astrocytes: f64,
    release_factor: f64,
    uptake_factor: f64,
) -> f64 {
    let release = release_factor * (1.0 + k.release_gain * aggregate);
    let uptake = uptake_factor * (1.0 - k.eaat2_loss_max * astrocytes);
    release / uptake
}

/// Excess glutamate above healthy, the excitotoxic drive.
#[inline]
pub fn excess(glutamate: f64) -> f64 {
    (glutamate - 1.0).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: GlutamateRates = GlutamateRates {
        release_gain: 0.3,
        eaat2_loss_max: 0.6,
    };

    #[test]
    fn healthy_tissue_is_at_one() {
        assert!((level(&K, 0.0, 0.0, 1.0, 1.0) - 1.0).abs() < 1e-15);
        assert!(excess(1.0).abs() < 1e-15);
    }

    #[test]
    fn release_and_uptake_loss_multiply() {
        // Saturated aggregate and fully reactive astrocytes: (1 + 0.3) / (1 - 0.6).
        assert!((level(&K, 1.0, 1.0, 1.0, 1.0) - 3.25).abs() < 1e-12);
        // A drug halving release halves glutamate; one doubling uptake halves it too.
        let g = level(&K, 0.5, 0.5, 1.0, 1.0);
        assert!((level(&K, 0.5, 0.5, 0.5, 1.0) - g / 2.0).abs() < 1e-12);
        assert!((level(&K, 0.5, 0.5, 1.0, 2.0) - g / 2.0).abs() < 1e-12);
    }

    #[test]
    fn is_the_limit_of_fast_equilibration() {
        // Integrate dG/dt = k (release - uptake G) with a large k: it settles on `level`.
        let (a, s, rho, ups) = (0.4, 0.3, 0.8, 1.2);
        let target = level(&K, a, s, rho, ups);
        let (k, dt) = (1.0e3, 1.0e-5);
        let mut g = 1.0;
        for _ in 0..10_000 {
            let release = rho * (1.0 + K.release_gain * a);
            let uptake = ups * (1.0 - K.eaat2_loss_max * s);
            g += dt * k * (release - uptake * g);
        }
        assert!((g - target).abs() < 1e-9, "{g} vs {target}");
    }
}
