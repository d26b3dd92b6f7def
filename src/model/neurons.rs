//! Motor-neuron survival: a death hazard built from the damage terms, and functional reserve.
//!
//! For region *i*, surviving fraction `N_i` of the healthy lower-motor-neuron pool:
//!
//! ```text
//! h_i     = u_h · (h_0 + v · (k_A · A_i + k_R · R_i + u_E · k_E · E_i + k_S · S_i))
//! dN_i/dt = −h_i · N_i
//! ```
//!
//! `h_0 = hazard_baseline`; `k_A`, `k_R`, `k_E`, `k_S` are `hazard_aggregate`,
//! `hazard_oxidative`, `hazard_excitotoxic` and `hazard_astrocyte`; `v =
//! neuronal_vulnerability` scales every damage term at once: a person's susceptibility of motor
//! neurons to the same damage (genetic modifiers, motor-neuron size and activity), the main
//! source of between-patient differences in speed. `u_h` is the therapy
//! modulation [`death_hazard`](super::Modulation::death_hazard) (neurotrophic support) and `u_E`
//! is [`excitotoxic_sensitivity`](super::Modulation::excitotoxic_sensitivity). With all damage
//! couplings at zero the hazard is the constant `h_0` and `N(t) = exp(−h_0 t)`: the one-hit
//! model of neuronal death (Clarke et al. 2000 Nature 406:195). Because `h_i ≥ 0`, survival
//! never rises: the model has no regeneration.
//!
//! Functional reserve: surviving neurons reinnervate orphaned muscle fibres, so a region's motor
//! capacity stays near normal until much of the pool is lost:
//!
//! ```text
//! C(N) = N^n · (1 + θ^n) / (N^n + θ^n)
//! ```
//!
//! with `θ = reserve_half_survival` and `n = reserve_steepness`; `C(1) = 1`, `C(θ) ≈ 1/2`,
//! `C(0) = 0`, and `C` rises monotonically with `N`.

/// Weights of the damage terms in the death hazard.
#[derive(Debug, Clone, Copy)]
pub struct HazardRates {
    /// Damage-independent hazard `h_0`, 1/month.
    pub baseline: f64,
    /// Per unit aggregate, 1/month.
    pub aggregate: f64,
    /// Per unit oxidative stress, 1/month.
    pub oxidative: f64,
    /// Per unit excess glutamate, 1/month.
    pub excitotoxic: f64,
    /// Per unit astrocyte reactivity, 1/month.
    pub astrocyte: f64,
    /// Multiplier of every damage term (not of the baseline).
    pub vulnerability: f64,
}

/// Damage state of one region that feeds the hazard.
#[derive(Debug, Clone, Copy)]
pub struct Damage {
    /// Aggregate burden.
    pub aggregate: f64,
    /// Excess ROS.
    pub oxidative: f64,
    /// Excess glutamate.
    pub excess_glutamate: f64,
    /// Astrocyte reactivity.
    pub astrocytes: f64,
}

/// Death hazard of motor neurons in one region, 1/month.
#[inline]
pub fn hazard(k: &HazardRates, d: &Damage, hazard_factor: f64, excitotoxic_factor: f64) -> f64 {
    hazard_factor
        * (k.baseline
            + k.vulnerability
                * (k.aggregate * d.aggregate
                    + k.oxidative * d.oxidative
                    + excitotoxic_factor * k.excitotoxic * d.excess_glutamate
                    + k.astrocyte * d.astrocytes))
}

/// Reserve curve: motor capacity of a region from its surviving fraction of neurons.
#[derive(Debug, Clone, Copy)]
pub struct Reserve {
    /// Survival at half capacity `θ`.
    pub half_survival: f64,
    /// Hill exponent `n`.
    pub steepness: f64,
    theta_n: f64,
    integer_steepness: Option<i32>,
}

impl Reserve {
    /// The reserve curve with half-capacity survival `θ` and Hill exponent `n`.
    pub fn new(half_survival: f64, steepness: f64) -> Self {
        // Whole exponents (the default is 4) use the much cheaper `powi`.
        let integer_steepness =
            (steepness.fract().abs() < 1e-12 && steepness.abs() < 64.0).then_some(steepness as i32);
        Reserve {
            half_survival,
            steepness,
            theta_n: half_survival.powf(steepness),
            integer_steepness,
        }
    }

    /// Motor capacity `C(N)` in [0, 1].
    #[inline]
    pub fn capacity(&self, neurons: f64) -> f64 {
        let n = neurons.clamp(0.0, 1.0);
        let x = match self.integer_steepness {
            // The default exponent, as two multiplications (`powi` with a run-time exponent is
            // a library call).
            Some(4) => {
                let n2 = n * n;
                n2 * n2
            }
            Some(k) => n.powi(k),
            None => n.powf(self.steepness),
        };
        x * (1.0 + self.theta_n) / (x + self.theta_n)
    }

    /// Survival fraction at which capacity equals `c` (the inverse of [`Reserve::capacity`]).
    pub fn survival_at(&self, c: f64) -> f64 {
        let c = c.clamp(0.0, 1.0);
        let theta_n = self.theta_n;
        // c (x + θⁿ) = x (1 + θⁿ)  ⇒  x = c θⁿ / (1 + θⁿ − c)
        (c * theta_n / (1.0 + theta_n - c)).powf(1.0 / self.steepness)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserve_curve_shape() {
        let r = Reserve::new(0.3, 4.0);
        assert!((r.capacity(1.0) - 1.0).abs() < 1e-12);
        assert!(r.capacity(0.0).abs() < 1e-12);
        assert!((r.capacity(0.3) - 0.5).abs() < 0.01);
        // Half the pool lost costs only a little function: the reserve.
        assert!(r.capacity(0.5) > 0.85);
        let mut prev = 0.0;
        for i in 1..=100 {
            let c = r.capacity(f64::from(i) / 100.0);
            assert!(c > prev);
            prev = c;
        }
    }

    #[test]
    fn whole_and_fractional_exponents_agree() {
        let whole = Reserve::new(0.3, 4.0);
        let near = Reserve::new(0.3, 4.0 + 1e-9);
        for i in 0..=20 {
            let n = f64::from(i) / 20.0;
            assert!((whole.capacity(n) - near.capacity(n)).abs() < 1e-8);
        }
    }

    #[test]
    fn survival_at_inverts_capacity() {
        let r = Reserve::new(0.3, 4.0);
        for c in [0.05, 0.25, 0.5, 0.9, 0.99] {
            assert!((r.capacity(r.survival_at(c)) - c).abs() < 1e-12);
        }
    }
}
