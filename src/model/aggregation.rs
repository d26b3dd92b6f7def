//! Proteinopathy on two time scales: a soluble misfolded species with fast turnover that feeds
//! a slowly cleared aggregate, templated seeding along the spread graph, and nuclear loss of
//! function.
//!
//! For region *i* with aggregate burden `A_i` (fraction of the largest possible burden),
//! oxidative stress `R_i`, contiguous neighbours *j* and non-contiguous regions *k*:
//!
//! ```text
//! T_i = A_i + Σ_j W_ij · A_j · (1 − N_j)                    templates (seeds) in region i
//! S_i = σ · f_geno · (1 + c_R · R_i) · T_i                  soluble misfolded protein (quasi-steady)
//! dA_i/dt = λ · (g · S_i · (1 − A_i) − κ · u_κ · A_i)       incorporation minus clearance
//! L_i = ℓ · A_i                                              nuclear loss of function
//! ```
//!
//! **Soluble species.** Native protein is converted to a misfolded, soluble (oligomeric) form
//! on templates: the region's own aggregate and seeds imported from other regions. The soluble
//! form turns over in hours to about two days in cultured cells, by degradation (proteasome,
//! autophagy) and by incorporation into aggregates; on the months scale of the disease it sits
//! at the balance of production and turnover. Written as a state it would be
//! `ε · dS/dt = σ (1 + c_R R) T − S` with `ε` its turnover time (about 0.03 months), and by
//! Tikhonov's theorem the slow states follow the reduced system with `S` at its quasi-steady
//! state, with an error of order `ε` relative to the slow rates (about 0.2/month at most):
//! below 1%. `S` is in units of its level in a fully aggregated region. Synthesis `σ`
//! ([`Modulation::synthesis`](super::Modulation)) multiplies it directly, so an antisense drug
//! lowers the soluble species within its turnover (days), not with the aggregate's clearance
//! (years).
//!
//! **Aggregate.** Soluble species are incorporated into aggregates at rate `g` (bounded by the
//! free capacity `1 − A`), and aggregate is cleared by proteostasis at `κ`. The tempo `λ` scales
//! both: `λ = f_geno · (age / 60)^a` with `a = age_tempo_exponent` and `f_geno` the genotype
//! factor (`growth_factor_*`), which also scales the soluble species: an unstable mutant protein
//! (SOD1 A4V) misfolds more readily and builds up faster. Age and genotype therefore change how fast pathology grows, never whether it grows
//! (the burden settles at `1 − κ/g` at every age), so there is no age below which the disease
//! stops, only slower disease in the young.
//!
//! **Spread.** `W_ij = s · d_ij`: `s = s_c = spread_contiguous` for contiguous regions (along
//! the cord and brainstem) and `s_n = spread_noncontiguous` for the others (through the motor
//! cortex and long corticospinal connections). The direction factor `d_ij` is `ρ_b =
//! spread_bulbar_ratio` for seeding from the cord into the bulbar region, `ρ_c =
//! spread_cord_rostral_ratio` for seeding up the cord (from a more caudal spinal region into a
//! more rostral one) and 1 otherwise. Bulbar neurons are relatively spared after limb onset
//! (Gromicho et al. 2020 Ann Clin Transl Neurol 7:1181): bulbar onset reaches the legs in 29%
//! but leg onset reaches bulbar muscles in 5% (Ludolph et al. 2024 J Neurol 271), and bulbar
//! muscles are reached last after limb onset. Along the cord, spread is directed more caudally
//! than rostrally (Ravits et al. 2007 Neurology 68:1571), yet leg onset reaches a second body
//! region no later than arm onset (13.6 against 15.2 months; Fujimura-Kiyono et al. 2011), so the
//! asymmetry along the cord is mild.
//!
//! Seeds leave a region with its degenerating motor neurons: the export of region *j* is its
//! aggregate times the fraction of its neurons lost, `A_j · (1 − N_j)`. Brain-derived
//! insoluble TDP-43 templates new aggregates and spreads between cells partly in exosomes
//! (Nonaka et al. 2013 Cell Rep 4:124), spreads in vivo (Porta et al. 2018 Nat Commun
//! 9:4220), and pTDP-43 pathology advances through the nervous system in sequential stages
//! (Brettschneider et al. 2013 Ann Neurol 74:20); that seeds leave chiefly with degenerating
//! neurons is the model's assumption (rationale, not measured). It is what makes spread
//! sequential: with an export proportional to the aggregate alone, every region would grow
//! from its first imported seed at the source's own exponential rate and catch up with it
//! during the long presymptomatic phase, and all regions would decline side by side. A
//! consequence: anything that slows neuron loss also slows spread.
//!
//! Which degenerating neurons export is a choice: the cumulative loss `1 − N_j`
//! or the units failing now, `D_j`, the dysfunctional (dying-back) pool, with the blend
//! `export_j = (1 − x)·(1 − N_j) + x·c_D·D_j` (`x = spread_export_degenerating`, default 0.8872;
//! `c_D = spread_export_degenerating_gain`). The cumulative loss keeps rising while the source
//! empties, so a region's imports grow through the whole course; the dysfunctional pool peaks
//! while the source degenerates fastest and falls as it empties.
//!
//! **Loss of function.** TDP-43 (and FUS) sequestered into cytoplasmic aggregates leaves the
//! nucleus, and with it splicing control (STMN2, UNC13A cryptic exons; Ma et al. 2022 Nature
//! 603:124; Brown et al. 2022 Nature 603:131). `ℓ = 1` for TDP-43 and FUS proteinopathies and
//! `0` for SOD1, which does not deplete nuclear TDP-43. Loss of function follows the slow
//! aggregate, so lowering synthesis does not relieve it quickly.
//!
//! With no seeding and no oxidative stress the aggregate obeys the logistic equation
//! `dA/dt = λ (g − κ) · A · (1 − A/K)` with carrying capacity `K = 1 − κ/g`, whose closed form
//! [`logistic_solution`] is used to check the solver.

use super::layout::{N_REGIONS, Region};

/// Rates of the aggregation equation for one patient, with age and genotype factors applied.
#[derive(Debug, Clone, Copy)]
pub struct AggregationRates {
    /// Effective incorporation rate `λ g`, 1/month.
    pub growth: f64,
    /// Effective clearance rate `λ κ`, 1/month.
    pub clearance: f64,
    /// Template weight `W_ij` of region *j*'s aggregate in region *i* (zero on the diagonal).
    pub seeding: [[f64; N_REGIONS]; N_REGIONS],
    /// Oxidative enhancement `c_R`, per unit oxidative stress.
    pub ros_enhancement: f64,
    /// Weight of nuclear loss of function, `ℓ` (1 for TDP-43 and FUS, 0 for SOD1).
    pub loss_of_function: f64,
    /// Misfolding propensity of the genotype's protein, `f_geno` (1 for sporadic).
    pub misfolding: f64,
    /// Share `x` of a region's seed export carried by its dysfunctional (degenerating) units.
    pub export_degenerating: f64,
    /// Export `c_D` per unit dysfunctional fraction, relative to that per unit fraction lost.
    pub export_gain: f64,
}

/// Seed export of a region (see the module documentation): `(1 − x)·(1 − N) + x·c_D·D`, with
/// `N` its alive and `D` its dysfunctional fraction of the healthy pool.
#[inline]
pub fn export(k: &AggregationRates, alive: f64, dysfunctional: f64) -> f64 {
    let lost = (1.0 - alive).clamp(0.0, 1.0);
    if k.export_degenerating == 0.0 {
        return lost;
    }
    (1.0 - k.export_degenerating) * lost
        + k.export_degenerating * k.export_gain * dysfunctional.max(0.0)
}

/// The spread graph's template weights: `W_ij = s · d_ij` with `s` the contiguous or
/// non-contiguous weight and `d_ij` the direction factor: `ρ_b = spread_bulbar_ratio` for
/// seeding from a spinal region into the bulbar region, `ρ_c = spread_cord_rostral_ratio` for
/// seeding from a more caudal spinal region into a more rostral one, and 1 otherwise (from the
/// bulbar region into the cord, and down the cord).
pub fn seeding_matrix(
    contiguous: f64,
    noncontiguous: f64,
    bulbar_ratio: f64,
    cord_rostral_ratio: f64,
) -> [[f64; N_REGIONS]; N_REGIONS] {
    std::array::from_fn(|i| {
        std::array::from_fn(|j| {
            let (to, from) = (Region::ALL[i], Region::ALL[j]);
            let s = if from.neighbours().contains(&to) {
                contiguous
            } else if from.distant().contains(&to) {
                noncontiguous
            } else {
                0.0
            };
            if to == Region::Bulbar {
                s * bulbar_ratio
            } else if from.index() > to.index() {
                s * cord_rostral_ratio
            } else {
                s
            }
        })
    })
}

/// Templates available in region `i`: its own aggregate plus seeds imported along the graph,
/// from each region's aggregate in proportion to its `export` (the fraction of its motor
/// neurons lost: seeds leave with degenerating neurons).
#[inline]
pub fn templates(
    k: &AggregationRates,
    i: usize,
    aggregate: &[f64; N_REGIONS],
    export: &[f64; N_REGIONS],
) -> f64 {
    let w = &k.seeding[i];
    aggregate[i]
        + w[0] * aggregate[0] * export[0]
        + w[1] * aggregate[1] * export[1]
        + w[2] * aggregate[2] * export[2]
        + w[3] * aggregate[3] * export[3]
}

/// Soluble misfolded protein (quasi-steady state), in units of its level in a fully
/// aggregated region of a sporadic patient; `synthesis` is the therapy modulation (1 when
/// untreated).
#[inline]
pub fn soluble(k: &AggregationRates, templates: f64, ros: f64, synthesis: f64) -> f64 {
    synthesis * k.misfolding * (1.0 + k.ros_enhancement * ros) * templates
}

/// Time derivative of aggregate burden in one region, from the soluble species `s`.
#[inline]
pub fn rate(k: &AggregationRates, a: f64, s: f64, clearance_factor: f64) -> f64 {
    k.growth * s * (1.0 - a) - k.clearance * clearance_factor * a
}

/// Closed-form solution of the isolated compartment (no seeding, no oxidative stress, tempo 1):
/// the logistic curve with net rate `g − κ` and carrying capacity `1 − κ/g`.
pub fn logistic_solution(growth: f64, clearance: f64, a0: f64, t: f64) -> f64 {
    let r = growth - clearance;
    let k = 1.0 - clearance / growth;
    k / (1.0 + (k / a0 - 1.0) * (-r * t).exp())
}

/// Tempo of the proteinopathy at an age: `(age / 60)^a`.
#[inline]
pub fn age_tempo(age_years: f64, exponent: f64) -> f64 {
    (age_years / 60.0).powf(exponent)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rates with the given spread weights and oxidative enhancement, and the shipped export
    /// (the fraction lost).
    fn rates(seeding: [[f64; N_REGIONS]; N_REGIONS], ros: f64) -> AggregationRates {
        AggregationRates {
            growth: 0.3,
            clearance: 0.05,
            seeding,
            ros_enhancement: ros,
            loss_of_function: 1.0,
            misfolding: 1.0,
            export_degenerating: 0.0,
            export_gain: 12.0,
        }
    }

    #[test]
    fn age_tempo_is_continuous_and_never_stops_the_disease() {
        assert!((age_tempo(60.0, 3.0) - 1.0).abs() < 1e-15);
        let mut prev = 0.0;
        for age in 18..=95 {
            let t = age_tempo(f64::from(age), 3.0);
            assert!(t > prev && t > 0.0);
            prev = t;
        }
    }

    #[test]
    fn synthesis_scales_the_soluble_species_at_once() {
        let k = rates(seeding_matrix(0.02, 0.002, 0.3, 1.0), 0.5);
        let t = templates(&k, 1, &[0.1, 0.4, 0.0, 0.0], &[0.5, 0.0, 0.0, 0.0]);
        assert!((soluble(&k, t, 0.2, 0.5) - 0.5 * soluble(&k, t, 0.2, 1.0)).abs() < 1e-15);
    }

    #[test]
    fn seeds_leave_a_region_with_its_lost_neurons() {
        let k = rates(seeding_matrix(0.5, 0.05, 0.2, 0.6), 0.0);
        let a = [0.8, 0.0, 0.0, 0.0];
        // A bulbar aggregate with no neuron lost exports nothing.
        assert!(templates(&k, 1, &a, &[0.0; N_REGIONS]).abs() < 1e-15);
        // With 30% lost, the cervical region (contiguous, caudal) receives 0.5 · 0.8 · 0.3 and
        // the lumbar region (non-contiguous) 0.05 · 0.8 · 0.3.
        let lost = [0.3, 0.0, 0.0, 0.0];
        assert!((templates(&k, 1, &a, &lost) - 0.12).abs() < 1e-15);
        assert!((templates(&k, 3, &a, &lost) - 0.012).abs() < 1e-15);
        // The thoracic region is not contiguous with the bulbar region.
        assert!((templates(&k, 2, &a, &lost) - 0.012).abs() < 1e-15);
    }

    #[test]
    fn export_blends_the_lost_fraction_and_the_degenerating_units() {
        let mut k = rates(seeding_matrix(0.5, 0.05, 0.2, 0.6), 0.0);
        // By default the fraction lost, whatever the dysfunctional pool.
        assert!((export(&k, 0.7, 0.05) - 0.3).abs() < 1e-15);
        // All through the units failing now: 12 · 0.05; a region emptied of neurons, with no
        // unit left failing, exports nothing.
        k.export_degenerating = 1.0;
        assert!((export(&k, 0.7, 0.05) - 0.6).abs() < 1e-15);
        assert!(export(&k, 0.0, 0.0).abs() < 1e-15);
        // Half and half.
        k.export_degenerating = 0.5;
        assert!((export(&k, 0.7, 0.05) - 0.45).abs() < 1e-15);
    }

    #[test]
    fn bulbar_seeding_and_rostral_seeding_along_the_cord_have_their_own_ratios() {
        use Region::{Bulbar, Cervical, Lumbar, Thoracic};
        let w = seeding_matrix(1.0, 0.5, 0.1, 0.6);
        let at = |to: Region, from: Region| w[to.index()][from.index()];
        // Into the bulbar region: contiguous (cervical) and non-contiguous (lumbar) sources.
        assert!((at(Bulbar, Cervical) - 0.1).abs() < 1e-15);
        assert!((at(Bulbar, Lumbar) - 0.05).abs() < 1e-15);
        // Out of the bulbar region, at full weight.
        assert!((at(Cervical, Bulbar) - 1.0).abs() < 1e-15);
        assert!((at(Lumbar, Bulbar) - 0.5).abs() < 1e-15);
        // Along the cord: down at full weight, up at the cord ratio.
        assert!((at(Lumbar, Cervical) - 1.0).abs() < 1e-15);
        assert!((at(Cervical, Lumbar) - 0.6).abs() < 1e-15);
        assert!((at(Cervical, Thoracic) - 0.6).abs() < 1e-15);
        assert!((at(Thoracic, Cervical) - 1.0).abs() < 1e-15);
        // No region seeds itself.
        for r in Region::ALL {
            assert!(at(r, r).abs() < 1e-15);
        }
    }
}
