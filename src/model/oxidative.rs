//! Oxidative stress: reactive oxygen species from failing mitochondria, cleared by antioxidants.
//!
//! Excess ROS `R_i` (0 = healthy tissue) in region *i* obeys
//!
//! ```text
//! dR_i/dt = μ · (p_A · A_i + p_E · E_i + p_M · M_i) − c · u_c · R_i
//! ```
//!
//! `p_A = ros_from_aggregate`, `p_E = ros_from_glutamate` (with `E_i = max(G_i − 1, 0)` the
//! excess glutamate), `p_M = ros_from_microglia`, `c = ros_clearance_rate`; `μ` and `u_c` are
//! the therapy modulations [`ros_production`](super::Modulation::ros_production) and
//! [`ros_clearance`](super::Modulation::ros_clearance).
//!
//! Clearance (`c = 2`/month by default, a half-life of about 11 days) is several times faster
//! than anything that feeds it: the sources change on the scale of months (aggregate, microglia)
//! or follow the aggregate and astrocytes algebraically (glutamate). The fast equation is linear
//! in `R_i` with the negative coefficient `−c·u_c`, so by Tikhonov's theorem the slow states
//! follow the reduced system with `R_i` at its quasi-steady state,
//!
//! ```text
//! R_i = μ · (p_A · A_i + p_E · E_i + p_M · M_i) / (c · u_c),
//! ```
//!
//! up to a lag of order `1/(c·u_c)` (two weeks) behind its sources ([`level`]). Carried as a
//! state, that mode would bound an explicit solver's step at about 1.6 months by stability and
//! nothing else (docs/MODEL.md, section 4.3). Where a breakpoint (a drug started, stopped or
//! switched between infusion blocks) moves the level at once, the tissue's ROS would still take
//! about two weeks to follow: the solver adds the boundary layer of the quasi-steady state,
//! `Δ_i·exp(−c·u_c·(t − t_0))`, with `Δ_i` the jump of the level at the breakpoint
//! ([`with_lag`], [`relaxation_rate`]), so ROS stays continuous. The clearance modulation `u_c`
//! counts at least [`MIN_CLEARANCE_FACTOR`]: a compensation that turns the patient's
//! antioxidant defences down beyond the drug's effect (a rebound) cannot remove them.

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

/// Smallest clearance modulation `u_c` the level uses: a tenth of the untreated antioxidant
/// capacity. Redundant defences (glutathione, SOD1-3, catalase, peroxiredoxins) are not all
/// lost together, and with clearance near zero the quasi-steady state would no longer hold.
pub const MIN_CLEARANCE_FACTOR: f64 = 0.1;

/// Excess ROS in one region at its quasi-steady state: production over clearance.
#[inline]
pub fn level(
    k: &OxidativeRates,
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
        / (k.clearance * clearance_factor.max(MIN_CLEARANCE_FACTOR))
}

/// Excess ROS with the boundary layer of a breakpoint: the quasi-steady `level` plus the part
/// of the jump at the breakpoint not yet relaxed, `lag` (zero when nothing jumped, which leaves
/// `level` exactly as it is), never below zero.
#[inline]
pub fn with_lag(level: f64, lag: f64) -> f64 {
    (level + lag).max(0.0)
}

/// Relaxation rate of excess ROS, 1/month: clearance times its modulation (at least
/// [`MIN_CLEARANCE_FACTOR`]), the rate at which the boundary layer after a breakpoint decays.
#[inline]
pub fn relaxation_rate(k: &OxidativeRates, clearance_factor: f64) -> f64 {
    k.clearance * clearance_factor.max(MIN_CLEARANCE_FACTOR)
}

/// Whole-body metabolic stress multiplier from loss of bulbar capacity.
#[inline]
pub fn metabolic_stress(gain: f64, bulbar_capacity: f64) -> f64 {
    1.0 + gain * (1.0 - bulbar_capacity)
}

#[cfg(test)]
#[allow(
    clippy::float_cmp,
    reason = "the floor gives exactly the same level, no sources exactly 0, and adding nothing leaves a level exactly as it is"
)]
mod tests {
    use super::*;

    const K: OxidativeRates = OxidativeRates {
        from_aggregate: 1.0,
        from_glutamate: 0.8,
        from_microglia: 0.5,
        clearance: 2.0,
    };

    #[test]
    fn the_level_is_where_production_and_clearance_balance() {
        let (a, e, m, mu, uc) = (0.3, 0.4, 0.2, 0.9, 1.3);
        let r = level(&K, a, e, m, mu, uc);
        let production = mu * (K.from_aggregate * a + K.from_glutamate * e + K.from_microglia * m);
        assert!((production - K.clearance * uc * r).abs() < 1e-15, "{r}");
        // Healthy tissue (no sources) has no excess ROS.
        assert_eq!(level(&K, 0.0, 0.0, 0.0, 1.0, 1.0), 0.0);
    }

    #[test]
    fn the_boundary_layer_adds_to_the_level_and_never_takes_ros_below_zero() {
        let level = level(&K, 0.3, 0.4, 0.2, 1.0, 1.0);
        // No jump leaves the level exactly as it is.
        assert_eq!(with_lag(level, 0.0), level);
        assert_eq!(with_lag(level, 0.05), level + 0.05);
        // ROS just before a jump down is higher, just before a jump up lower; never negative.
        assert_eq!(with_lag(level, -2.0 * level), 0.0);
        // The layer decays at the clearance in force, which counts at least a tenth.
        assert_eq!(relaxation_rate(&K, 1.5), 3.0);
        assert_eq!(relaxation_rate(&K, 0.0), K.clearance * MIN_CLEARANCE_FACTOR);
    }

    #[test]
    fn clearance_turned_down_to_nothing_still_clears_a_tenth() {
        let at_floor = level(&K, 0.3, 0.4, 0.2, 1.0, MIN_CLEARANCE_FACTOR);
        for uc in [0.0, 0.05, MIN_CLEARANCE_FACTOR] {
            let r = level(&K, 0.3, 0.4, 0.2, 1.0, uc);
            assert!(r.is_finite());
            assert_eq!(r, at_floor, "u_c = {uc}");
        }
        assert!(level(&K, 0.3, 0.4, 0.2, 1.0, 0.2) < at_floor);
    }
}
