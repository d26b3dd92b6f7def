//! Protein aggregation: autocatalytic growth, proteostatic clearance, prion-like seeding.
//!
//! For region *i* with aggregate burden `A_i` (fraction of the largest possible burden),
//! oxidative stress `R_i` and neighbours *j*:
//!
//! ```text
//! dA_i/dt = g · σ · (1 + c_R · R_i) · A_i · (1 − A_i)        autocatalytic templating
//!         + s · σ · Σ_j A_j · (1 − A_i)                       seeding from neighbours
//!         − κ · u_κ · A_i                                     proteostatic clearance
//! ```
//!
//! `g = agg_growth_rate · f_geno · exp(age_proteostasis_decline · (age − 60))`,
//! `s = agg_seed_rate · f_geno · exp(…)` (same age and genotype factors), `κ = agg_clearance_rate`,
//! `c_R = agg_ros_enhancement`, `σ` = [`Modulation::synthesis`](super::Modulation),
//! `u_κ` = [`Modulation::aggregate_clearance`](super::Modulation).
//!
//! With no seeding and no oxidative stress this is the logistic equation
//! `dA/dt = (g − κ) · A · (1 − A/K)` with carrying capacity `K = 1 − κ/g`, whose closed form
//! [`logistic_solution`] is used to check the solver.

/// Rates of the aggregation equation for one patient, with age and genotype factors applied.
#[derive(Debug, Clone, Copy)]
pub struct AggregationRates {
    /// Effective autocatalytic growth rate `g`, 1/month.
    pub growth: f64,
    /// Effective seeding rate `s`, 1/month.
    pub seeding: f64,
    /// Clearance rate `κ`, 1/month.
    pub clearance: f64,
    /// Oxidative enhancement `c_R`, per unit oxidative stress.
    pub ros_enhancement: f64,
}

/// Time derivative of aggregate burden in one region.
///
/// `seed_in` is the summed aggregate of the region's neighbours; `synthesis` and
/// `clearance_factor` are therapy modulations (1 when untreated).
#[inline]
pub fn rate(
    k: &AggregationRates,
    a: f64,
    ros: f64,
    seed_in: f64,
    synthesis: f64,
    clearance_factor: f64,
) -> f64 {
    let free = 1.0 - a;
    synthesis * (k.growth * (1.0 + k.ros_enhancement * ros) * a + k.seeding * seed_in) * free
        - k.clearance * clearance_factor * a
}

/// Closed-form solution of the isolated compartment (no seeding, no oxidative stress):
/// the logistic curve with net rate `g − κ` and carrying capacity `1 − κ/g`.
pub fn logistic_solution(growth: f64, clearance: f64, a0: f64, t: f64) -> f64 {
    let r = growth - clearance;
    let k = 1.0 - clearance / growth;
    k / (1.0 + (k / a0 - 1.0) * (-r * t).exp())
}
