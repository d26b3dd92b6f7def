//! Likelihood-free Bayesian calibration of the population parameters: adaptive population Monte
//! Carlo ABC (APMC; Lenormand, Jabot & Deffuant 2013, Computational Statistics 28:2521).
//!
//! The inferred quantities ([`INFERRED`]) have the priors of `priors.toml`; every other input is
//! held at its default. Each proposal is one virtual cohort with a seed of its own, summarised
//! by the natural-history targets of the fit set; its distance from the published values is
//! [`abc_distance`], every residual in units of the target's published uncertainty.
//!
//! Generation 0 draws `particles` proposals from the prior and keeps the `alpha` share
//! closest to the data; the tolerance is the largest kept distance. Each later generation draws
//! `particles − kept` proposals from the kept ones (chosen by weight, moved by a Gaussian
//! kernel with twice their weighted covariance, redrawn until inside the prior's support),
//! weighs each new one by prior / proposal density, pools them with the kept ones and again
//! keeps the closest `alpha` share. The run stops when fewer than `min_acceptance` of a
//! generation's proposals fall within the previous tolerance, or after `max_generations`.
//!
//! Everything random is drawn from streams keyed by (seed, generation, proposal index), and
//! proposals are pooled in index order, so the result does not depend on the number of
//! threads, on how a run was interrupted and resumed, or on how a generation's proposals were
//! split between processes (shards).

use super::fit::{self, Knob};
use super::priors::{self, Kind, Prior, VARIABILITY_PREFIX};
use super::targets::{Class, Target};
use crate::model::Param;
use crate::scenario::Scenario;
use nalgebra::{DMatrix, DVector};
use rand::rngs::ChaCha8Rng;
use rand::{Rng, RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

/// The quantities the posterior is inferred over: the point fit's knobs and the weights of the
/// five damage mechanisms (whose split no measurement fixes).
pub const INFERRED: [&str; 16] = [
    "agg_growth_rate",
    "spread_contiguous",
    "neuronal_vulnerability",
    "population.variability.neuronal_vulnerability",
    "metabolic_stress_gain",
    "airway_failure_capacity",
    "fvc_bulbar_weight",
    "age_tempo_exponent",
    "growth_factor_c9orf72",
    "diagnosis_recognition_loss",
    "nfl_release",
    "hazard_soluble",
    "hazard_lof",
    "hazard_oxidative",
    "hazard_excitotoxic",
    "hazard_astrocyte",
];

/// One inferred quantity with its prior.
#[derive(Debug, Clone, PartialEq)]
pub struct Dimension {
    /// Where the value goes in a scenario.
    pub knob: Knob,
    /// Its prior.
    pub prior: Prior,
}

impl Dimension {
    /// The name (the prior's).
    pub fn name(&self) -> &str {
        &self.prior.name
    }
}

/// Why the dimensions could not be formed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DimensionError {
    /// A name with no prior, or with a measured one.
    #[error("`{0}` has no prior range in the priors file (it must be log-uniform or uniform)")]
    NoPrior(String),
    /// Not a parameter nor a coefficient of variation.
    #[error("`{0}` is not a model parameter nor `population.variability.NAME`")]
    Unknown(String),
}

/// The dimensions named by `names`, with their priors from `priors`.
pub fn dimensions(names: &[&str], priors: &[Prior]) -> Result<Vec<Dimension>, DimensionError> {
    names
        .iter()
        .map(|name| {
            let prior = priors::find(priors, name)
                .filter(|p| p.kind != Kind::Measured && p.range.is_some())
                .ok_or_else(|| DimensionError::NoPrior((*name).to_string()))?;
            let knob = match name.strip_prefix(VARIABILITY_PREFIX) {
                Some(p) => Knob::Cv(
                    Param::from_name(p)
                        .ok_or_else(|| DimensionError::Unknown((*name).to_string()))?,
                ),
                None => Knob::Typical(
                    Param::from_name(name)
                        .ok_or_else(|| DimensionError::Unknown((*name).to_string()))?,
                ),
            };
            Ok(Dimension {
                knob,
                prior: prior.clone(),
            })
        })
        .collect()
}

/// The bundled inferred dimensions ([`INFERRED`] with the bundled priors).
pub fn bundled_dimensions() -> Vec<Dimension> {
    // Both lists are part of the program and checked by the tests.
    dimensions(&INFERRED, &priors::bundled()).unwrap_or_default()
}

/// Options of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Proposals of generation 0, and particles pooled in each later generation.
    pub particles: usize,
    /// Share of the pooled particles kept in each generation (the posterior sample has
    /// `alpha × particles` members).
    pub alpha: f64,
    /// A run stops when fewer than this share of a generation's proposals fall within the
    /// previous tolerance.
    pub min_acceptance: f64,
    /// Largest number of generations (including generation 0).
    pub max_generations: usize,
    /// Virtual patients per proposal.
    pub patients: u64,
    /// Master seed.
    pub seed: u64,
}

impl Settings {
    /// Particles kept in each generation.
    pub fn kept(&self) -> usize {
        ((self.alpha * self.particles as f64).floor() as usize)
            .clamp(2, self.particles.saturating_sub(1).max(2))
    }

    /// Proposals made in generation `t`.
    pub fn proposals(&self, t: usize) -> usize {
        if t == 0 {
            self.particles
        } else {
            self.particles - self.kept()
        }
    }
}

/// One evaluated parameter set.
#[derive(Debug, Clone, PartialEq)]
pub struct Particle {
    /// The generation that proposed it.
    pub generation: usize,
    /// Its index among that generation's proposals.
    pub index: usize,
    /// The seed of its virtual cohort.
    pub seed: u64,
    /// The value of each dimension, natural scale.
    pub values: Vec<f64>,
    /// Distance from the targets ([`abc_distance`]); infinite when the cohort failed.
    pub distance: f64,
    /// Importance weight (prior / proposal density), not normalised.
    pub weight: f64,
}

/// One completed generation: the kept particles.
#[derive(Debug, Clone, PartialEq)]
pub struct Generation {
    /// Its number, from 0.
    pub index: usize,
    /// The largest kept distance.
    pub epsilon: f64,
    /// Share of its proposals within the previous generation's tolerance (1 for generation 0).
    pub acceptance: f64,
    /// Cohorts simulated in it.
    pub evaluations: usize,
    /// Cohorts that failed (never kept).
    pub failed: usize,
    /// The kept particles, closest first.
    pub particles: Vec<Particle>,
}

impl Generation {
    /// Whether the run stops after this generation.
    pub fn is_last(&self, s: &Settings) -> bool {
        self.index + 1 >= s.max_generations
            || (self.index > 0 && self.acceptance < s.min_acceptance)
    }

    /// The weights, normalised to sum to 1.
    pub fn normalised_weights(&self) -> Vec<f64> {
        let total: f64 = self.particles.iter().map(|p| p.weight).sum();
        self.particles.iter().map(|p| p.weight / total).collect()
    }
}

/// The uncertainty of a target in the distance: a hard target's accepted interval is read as
/// its published value ± 2 standard errors, a soft target's as ± 1 (soft figures are less
/// certain). `None` for a one-sided or exact bound.
pub fn target_sd(t: &Target) -> Option<f64> {
    let half = t.half_width()?;
    Some(if t.class == Class::Hard {
        half / 2.0
    } else {
        half
    })
}

/// Contribution of a target the cohort could not estimate.
const MISSING_Z: f64 = 10.0;

/// Root-mean-square standardised residual of the simulated targets from the published ones:
/// `sqrt(Σ ((simulated − published) / sd)² / n)`, `sd` from [`target_sd`]. A one-sided or
/// exact bound counts 0 when met and 2 standard units when missed; a target the cohort cannot
/// estimate counts 10.
pub fn abc_distance(checks: &[(Target, f64)]) -> f64 {
    if checks.is_empty() {
        return 0.0;
    }
    let sum: f64 = checks
        .iter()
        .map(|(t, v)| {
            if !v.is_finite() {
                return MISSING_Z * MISSING_Z;
            }
            match target_sd(t) {
                Some(sd) => ((v - t.value) / sd).powi(2),
                None if t.accepts(*v) => 0.0,
                None => 4.0,
            }
        })
        .sum();
    (sum / checks.len() as f64).sqrt()
}

/// The targets a posterior is fitted to: [`fit::fit_targets`].
pub use super::fit::fit_targets;

/// Mixed into the master seed for the proposal streams.
const PROPOSAL_SEED_MIX: u64 = 0x6162_635f_736d_6321;

fn proposal_rng(seed: u64, generation: usize, index: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ PROPOSAL_SEED_MIX);
    rng.set_stream(((generation as u64) << 32) | index as u64);
    rng
}

/// `s` with the values of the dimensions set.
pub fn apply(base: &Scenario, dims: &[Dimension], values: &[f64]) -> Scenario {
    let mut s = base.clone();
    for (d, &v) in dims.iter().zip(values) {
        d.knob.set_value(&mut s, v);
    }
    s
}

/// The perturbation kernel of a generation: the kept particles on the prior's uniform scale,
/// their normalised weights and the Cholesky factor of twice their weighted covariance.
struct Kernel {
    centres: Vec<DVector<f64>>,
    weights: Vec<f64>,
    chol: DMatrix<f64>,
    log_norm: f64,
}

impl Kernel {
    fn new(previous: &Generation, dims: &[Dimension]) -> Kernel {
        let k = dims.len();
        let weights = previous.normalised_weights();
        let centres: Vec<DVector<f64>> = previous
            .particles
            .iter()
            .map(|p| {
                DVector::from_iterator(
                    k,
                    dims.iter()
                        .zip(&p.values)
                        .map(|(d, v)| d.prior.to_unit_scale(*v)),
                )
            })
            .collect();
        let mut mean = DVector::zeros(k);
        for (c, w) in centres.iter().zip(&weights) {
            mean += c * *w;
        }
        let mut cov = DMatrix::zeros(k, k);
        for (c, w) in centres.iter().zip(&weights) {
            let d = c - &mean;
            cov += &d * d.transpose() * *w;
        }
        cov *= 2.0;
        // A floor on each variance keeps the factor defined when particles coincide: a
        // thousandth of the prior's width.
        for (i, d) in dims.iter().enumerate() {
            let [lo, hi] = d.prior.unit_range().unwrap_or([0.0, 1.0]);
            let floor = (1e-3 * (hi - lo)).powi(2);
            if cov[(i, i)] < floor {
                cov[(i, i)] = floor;
            }
        }
        let chol = nalgebra::linalg::Cholesky::new(cov.clone())
            .map(|c| c.l())
            .unwrap_or_else(|| DMatrix::from_diagonal(&cov.diagonal().map(f64::sqrt)));
        let log_det: f64 = chol.diagonal().iter().map(|x| x.ln()).sum();
        let log_norm = -0.5 * k as f64 * (2.0 * std::f64::consts::PI).ln() - log_det;
        Kernel {
            centres,
            weights,
            chol,
            log_norm,
        }
    }

    /// The proposal density at `y` (prior's uniform scale), logarithm.
    fn log_density(&self, y: &DVector<f64>) -> f64 {
        let terms: Vec<f64> = self
            .centres
            .iter()
            .zip(&self.weights)
            .map(|(c, w)| {
                let z = self
                    .chol
                    .solve_lower_triangular(&(y - c))
                    .unwrap_or_else(|| DVector::zeros(y.len()));
                w.ln() + self.log_norm - 0.5 * z.norm_squared()
            })
            .collect();
        let max = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        max + terms.iter().map(|t| (t - max).exp()).sum::<f64>().ln()
    }
}

/// Whether `y` (prior's uniform scale) lies in the prior's support.
fn inside(dims: &[Dimension], y: &DVector<f64>) -> bool {
    dims.iter().zip(y.iter()).all(|(d, v)| {
        d.prior
            .unit_range()
            .is_some_and(|[lo, hi]| (lo..=hi).contains(v))
    })
}

/// A proposal: its place, its cohort seed, its values and its importance weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// Generation.
    pub generation: usize,
    /// Index in the generation.
    pub index: usize,
    /// Seed of its cohort.
    pub seed: u64,
    /// Values, natural scale.
    pub values: Vec<f64>,
    /// Importance weight.
    pub weight: f64,
}

/// Proposal `index` of generation `t`: drawn from the prior in generation 0 (no kernel), and
/// from `kernel`, the kept particles of generation `t − 1`, after it.
fn proposal_with(
    settings: &Settings,
    dims: &[Dimension],
    kernel: Option<&Kernel>,
    t: usize,
    index: usize,
) -> Proposal {
    let mut rng = proposal_rng(settings.seed, t, index);
    let seed = rng.next_u64();
    let (values, weight) = match kernel {
        Some(kernel) => {
            // The ancestor, by weight.
            let centre = &kernel.centres[pick(&kernel.weights, rng.random())];
            // Kept at the ancestor in the (practically impossible) case that no move within
            // 10,000 tries lands inside the prior's support.
            let mut y = centre.clone();
            for _ in 0..10_000 {
                let z = DVector::from_iterator(
                    dims.len(),
                    (0..dims.len()).map(|_| StandardNormal.sample(&mut rng)),
                );
                let candidate = centre + &kernel.chol * z;
                if inside(dims, &candidate) {
                    y = candidate;
                    break;
                }
            }
            // The prior is uniform on this scale: its density is 1 / the volume of its box,
            // and the weight is prior / proposal density (generation 0, drawn from the prior,
            // has weight 1 on the same footing).
            let log_volume: f64 = dims
                .iter()
                .map(|d| d.prior.unit_range().map_or(0.0, |[lo, hi]| (hi - lo).ln()))
                .sum();
            let weight = (-log_volume - kernel.log_density(&y)).exp();
            let values = dims
                .iter()
                .zip(y.iter())
                .map(|(d, v)| d.prior.from_unit_scale(*v))
                .collect();
            (values, weight)
        }
        None => {
            let values = dims
                .iter()
                .map(|d| d.prior.quantile(rng.random::<f64>()).unwrap_or(f64::NAN))
                .collect();
            (values, 1.0)
        }
    };
    Proposal {
        generation: t,
        index,
        seed,
        values,
        weight,
    }
}

/// Every proposal of generation `t` whose index satisfies `take`.
pub fn proposals(
    settings: &Settings,
    dims: &[Dimension],
    previous: Option<&Generation>,
    t: usize,
    take: impl Fn(usize) -> bool,
) -> Vec<Proposal> {
    let kernel = previous.map(|p| Kernel::new(p, dims));
    (0..settings.proposals(t))
        .filter(|i| take(*i))
        .map(|i| proposal_with(settings, dims, kernel.as_ref(), t, i))
        .collect()
}

/// Simulates a proposal's cohort and returns its distance (infinite if the cohort failed).
pub fn evaluate(
    base: &Scenario,
    dims: &[Dimension],
    targets: &[Target],
    settings: &Settings,
    p: &Proposal,
    threads: usize,
) -> Particle {
    let mut s = apply(base, dims, &p.values);
    s.population.size = settings.patients;
    s.population.seed = p.seed;
    let distance = match fit::evaluate_targets(&s, targets, threads) {
        Ok(checks) => abc_distance(&checks),
        Err(_) => f64::INFINITY,
    };
    Particle {
        generation: p.generation,
        index: p.index,
        seed: p.seed,
        values: p.values.clone(),
        distance,
        weight: p.weight,
    }
}

/// Completes generation `t` from its evaluated proposals (every index, in any order).
pub fn fold(
    settings: &Settings,
    previous: Option<&Generation>,
    t: usize,
    mut evaluated: Vec<Particle>,
) -> Generation {
    evaluated.sort_by_key(|p| p.index);
    let evaluations = evaluated.len();
    let failed = evaluated.iter().filter(|p| !p.distance.is_finite()).count();
    let acceptance = match previous {
        Some(prev) if evaluations > 0 => {
            evaluated
                .iter()
                .filter(|p| p.distance < prev.epsilon)
                .count() as f64
                / evaluations as f64
        }
        _ => 1.0,
    };
    let mut pool: Vec<Particle> = previous.map(|p| p.particles.clone()).unwrap_or_default();
    pool.extend(evaluated);
    // Closest first; ties by age, then by index, so the order never depends on chance.
    pool.sort_by(|a, b| {
        a.distance
            .total_cmp(&b.distance)
            .then(a.generation.cmp(&b.generation))
            .then(a.index.cmp(&b.index))
    });
    pool.retain(|p| p.distance.is_finite());
    pool.truncate(settings.kept());
    let epsilon = pool.last().map_or(f64::INFINITY, |p| p.distance);
    Generation {
        index: t,
        epsilon,
        acceptance,
        evaluations,
        failed,
        particles: pool,
    }
}

/// Runs generation `t` whole on this machine.
pub fn generation(
    base: &Scenario,
    dims: &[Dimension],
    targets: &[Target],
    settings: &Settings,
    previous: Option<&Generation>,
    t: usize,
    threads: usize,
) -> Generation {
    let evaluated = proposals(settings, dims, previous, t, |_| true)
        .iter()
        .map(|p| evaluate(base, dims, targets, settings, p, threads))
        .collect();
    fold(settings, previous, t, evaluated)
}

/// The CSV header of particle files: `generation,index,seed,distance,weight` and the
/// dimensions' names.
pub fn csv_header(dims: &[Dimension]) -> String {
    let mut h = String::from("generation,index,seed,distance,weight");
    for d in dims {
        h.push(',');
        h.push_str(d.name());
    }
    h
}

/// Particles as CSV (full precision: every number reads back exactly).
pub fn particles_csv(dims: &[Dimension], particles: &[Particle]) -> String {
    let mut out = csv_header(dims);
    out.push('\n');
    for p in particles {
        out.push_str(&format!(
            "{},{},{},{},{}",
            p.generation, p.index, p.seed, p.distance, p.weight
        ));
        for v in &p.values {
            out.push_str(&format!(",{v}"));
        }
        out.push('\n');
    }
    out
}

/// Reads particles written by [`particles_csv`] with the same dimensions.
pub fn read_particles(dims: &[Dimension], text: &str) -> Result<Vec<Particle>, String> {
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    if header != csv_header(dims) {
        return Err(format!(
            "the header is `{header}`; expected `{}`",
            csv_header(dims)
        ));
    }
    lines
        .enumerate()
        .map(|(i, line)| {
            let bad = |what: &str| format!("line {}: {what}", i + 2);
            let f: Vec<&str> = line.split(',').collect();
            if f.len() != 5 + dims.len() {
                return Err(bad(&format!(
                    "{} fields, expected {}",
                    f.len(),
                    5 + dims.len()
                )));
            }
            let num = |j: usize| {
                f[j].parse::<f64>()
                    .map_err(|_| bad(&format!("`{}` is not a number", f[j])))
            };
            let int = |j: usize| {
                f[j].parse::<u64>()
                    .map_err(|_| bad(&format!("`{}` is not a whole number", f[j])))
            };
            Ok(Particle {
                generation: int(0)? as usize,
                index: int(1)? as usize,
                seed: int(2)?,
                distance: num(3)?,
                weight: num(4)?,
                values: (5..f.len()).map(num).collect::<Result<_, _>>()?,
            })
        })
        .collect()
}

/// The header of the generations table.
pub const GENERATIONS_HEADER: &str = "generation,epsilon,acceptance,evaluations,failed,kept";

/// The generations' statistics as CSV.
pub fn generations_csv(generations: &[Generation]) -> String {
    let mut out = format!("{GENERATIONS_HEADER}\n");
    for g in generations {
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            g.index,
            g.epsilon,
            g.acceptance,
            g.evaluations,
            g.failed,
            g.particles.len()
        ));
    }
    out
}

/// Reads the statistics written by [`generations_csv`]: (epsilon, acceptance, evaluations,
/// failed) per generation, in order.
pub fn read_generations(text: &str) -> Result<Vec<(f64, f64, usize, usize)>, String> {
    let mut lines = text.lines();
    if lines.next() != Some(GENERATIONS_HEADER) {
        return Err(format!("the header is not `{GENERATIONS_HEADER}`"));
    }
    lines
        .enumerate()
        .map(|(i, line)| {
            let f: Vec<&str> = line.split(',').collect();
            let bad = || format!("line {}: `{line}` is not a generation's row", i + 2);
            if f.len() != 6 || f[0].parse::<usize>().ok() != Some(i) {
                return Err(bad());
            }
            Ok((
                f[1].parse().map_err(|_| bad())?,
                f[2].parse().map_err(|_| bad())?,
                f[3].parse().map_err(|_| bad())?,
                f[4].parse().map_err(|_| bad())?,
            ))
        })
        .collect()
}

/// Weighted quantile `q` of `values`.
pub fn weighted_quantile(values: &[f64], weights: &[f64], q: f64) -> f64 {
    let mut pairs: Vec<(f64, f64)> = values
        .iter()
        .copied()
        .zip(weights.iter().copied())
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = pairs.iter().map(|p| p.1).sum();
    let mut acc = 0.0;
    for (v, w) in &pairs {
        acc += w / total;
        if acc >= q {
            return *v;
        }
    }
    pairs.last().map_or(f64::NAN, |p| p.0)
}

/// Draws `n` members of the posterior sample by weight (with replacement), reproducibly.
pub fn draw(particles: &[Particle], n: usize, seed: u64) -> Vec<usize> {
    let total: f64 = particles.iter().map(|p| p.weight).sum();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ PROPOSAL_SEED_MIX);
    rng.set_stream(u64::MAX);
    let weights: Vec<f64> = particles.iter().map(|p| p.weight).collect();
    (0..n)
        .map(|_| pick(&weights, rng.random::<f64>() * total))
        .collect()
}

/// The first index at which the running sum of `weights` exceeds `u` (the last index if none
/// does): a draw by weight for `u` uniform between 0 and the sum.
fn pick(weights: &[f64], u: f64) -> usize {
    let mut acc = 0.0;
    for (i, w) in weights.iter().enumerate() {
        acc += w;
        if u < acc {
            return i;
        }
    }
    weights.len().saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::targets::Set;

    fn settings() -> Settings {
        Settings {
            particles: 40,
            alpha: 0.5,
            min_acceptance: 0.05,
            max_generations: 3,
            patients: 100,
            seed: 7,
        }
    }

    #[test]
    fn the_inferred_quantities_have_priors() {
        let d = bundled_dimensions();
        assert_eq!(d.len(), INFERRED.len());
        for x in &d {
            assert!(x.prior.range.is_some(), "{}", x.name());
        }
    }

    #[test]
    fn prior_draws_stay_inside_and_are_reproducible() {
        let dims = bundled_dimensions();
        let s = settings();
        let a = proposals(&s, &dims, None, 0, |_| true);
        let b = proposals(&s, &dims, None, 0, |i| i % 2 == 1);
        assert_eq!(a.len(), 40);
        assert_eq!(b.len(), 20);
        assert_eq!(a[3], b[1]);
        for p in &a {
            for (d, v) in dims.iter().zip(&p.values) {
                let [lo, hi] = d.prior.range.unwrap();
                assert!((lo..=hi).contains(v), "{} {v}", d.name());
            }
        }
    }

    /// ABC on a toy problem with a known posterior: one dimension, a distance that is the
    /// distance of the parameter from a value; the kept particles close in on it.
    #[test]
    fn generations_close_in_on_the_best_values() {
        let dims = bundled_dimensions()[..2].to_vec();
        let s = Settings {
            max_generations: 6,
            ..settings()
        };
        let truth: [f64; 2] = [0.2, 1.0];
        let dist = |v: &[f64]| {
            ((v[0].ln() - truth[0].ln()).powi(2) + (v[1].ln() - truth[1].ln()).powi(2)).sqrt()
        };
        let mut prev: Option<Generation> = None;
        let mut eps = Vec::new();
        for t in 0..s.max_generations {
            let evaluated = proposals(&s, &dims, prev.as_ref(), t, |_| true)
                .into_iter()
                .map(|p| Particle {
                    generation: t,
                    index: p.index,
                    seed: p.seed,
                    distance: dist(&p.values),
                    values: p.values,
                    weight: p.weight,
                })
                .collect();
            let g = fold(&s, prev.as_ref(), t, evaluated);
            assert_eq!(g.particles.len(), s.kept());
            assert!(
                g.particles
                    .iter()
                    .all(|p| p.weight.is_finite() && p.weight > 0.0)
            );
            eps.push(g.epsilon);
            prev = Some(g);
        }
        assert!(eps.windows(2).all(|w| w[1] <= w[0]), "{eps:?}");
        assert!(eps[eps.len() - 1] < 0.3 * eps[0], "{eps:?}");
        let g = prev.unwrap();
        let w = g.normalised_weights();
        let x: Vec<f64> = g.particles.iter().map(|p| p.values[0]).collect();
        let median = weighted_quantile(&x, &w, 0.5);
        assert!((median / truth[0]).ln().abs() < 0.15, "{median}");
    }

    #[test]
    fn the_distance_reads_residuals_in_published_uncertainty() {
        let t = |class, accept: [f64; 2]| Target {
            id: "x".into(),
            metric: super::super::metrics::Metric::Plateau6,
            statistic: "s".into(),
            value: 10.0,
            accept,
            class,
            population: "p".into(),
            source: "s".into(),
            set: Set::Fit,
            informs: Vec::new(),
        };
        // At the edge of a hard target's interval: 2 standard units.
        assert!((abc_distance(&[(t(Class::Hard, [8.0, 12.0]), 12.0)]) - 2.0).abs() < 1e-12);
        // At the edge of a soft one: 1.
        assert!((abc_distance(&[(t(Class::Soft, [8.0, 12.0]), 12.0)]) - 1.0).abs() < 1e-12);
        // A one-sided bound met counts 0, missed 2.
        assert!(abc_distance(&[(t(Class::Hard, [f64::NEG_INFINITY, 12.0]), 11.0)]).abs() < 1e-15);
        assert!(
            (abc_distance(&[(t(Class::Hard, [f64::NEG_INFINITY, 12.0]), 13.0)]) - 2.0).abs()
                < 1e-12
        );
        assert!((abc_distance(&[(t(Class::Hard, [8.0, 12.0]), f64::NAN)]) - 10.0).abs() < 1e-12);
    }

    #[test]
    fn draws_follow_the_weights() {
        let p = |w| Particle {
            generation: 0,
            index: 0,
            seed: 0,
            values: vec![],
            distance: 0.0,
            weight: w,
        };
        let ps = [p(1.0), p(3.0)];
        let d = draw(&ps, 4000, 1);
        let ones = d.iter().filter(|i| **i == 1).count();
        assert!((2800..3200).contains(&ones), "{ones}");
        assert_eq!(d, draw(&ps, 4000, 1));
    }
}
