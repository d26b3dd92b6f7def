//! Likelihood-free Bayesian calibration of the population parameters: sequential Monte Carlo
//! ABC with Markov chain moves (the replenishment algorithm of Drovandi & Pettitt 2011,
//! Biometrics 67:225, a resample-move sampler in the sense of Del Moral, Doucet & Jasra 2012,
//! Statistics and Computing 22:1009).
//!
//! The inferred quantities ([`INFERRED`]) have the priors of `priors.toml`; every other input is
//! held at its default. Each proposal is one virtual cohort with a seed of its own, summarised
//! by the natural-history targets of the fit set; its distance from the published values is
//! [`abc_distance`], every residual in units of the target's published uncertainty.
//!
//! Generation 0 draws `particles` proposals from the prior and keeps the `alpha` share
//! closest to the data; the tolerance is the largest kept distance. Each later generation moves
//! the kept particles by one Metropolis-Hastings step of an ABC Markov chain at that tolerance
//! (Marjoram et al. 2003, PNAS 100:15324): proposal `j` starts from kept particle `j mod kept`,
//! steps by a Gaussian random walk on the prior's uniform scale with covariance `2.38² / d`
//! times the kept particles' covariance (`d` quantities; Roberts & Rosenthal 2001, Stat Sci
//! 16:351), and is accepted when it stays inside the prior's support and its cohort lands within
//! the tolerance (on this scale the prior is uniform and the walk symmetric, so that is the
//! whole acceptance rule); otherwise the proposal is a copy of its starting particle. The kept
//! particles and the moved ones (or copies) are all drawn from the ABC posterior at the current
//! tolerance, with equal weights; the `alpha` share closest to the data is kept again, which
//! sets the next tolerance. The weights therefore never degenerate, unlike an importance-weighted
//! population Monte Carlo; how far the chains mix shows in the number of distinct parameter sets
//! among the kept particles ([`Generation::distinct`]). The tolerance stops falling when fewer
//! than `min_acceptance` of a generation's simulated moves are accepted, or after
//! `max_generations`. A sweep moves every kept particle once at the tolerance reached (each
//! particle is replaced by its move or a copy of itself, nothing is dropped): `moves` sweeps
//! follow each generation that lowers the tolerance, so that fewer lineages are lost when the
//! closest half is kept, and `sweeps` more follow the last one, so that the chains mix before
//! the sample is taken.
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
    /// The tolerance stops falling when fewer than this share of a generation's simulated moves
    /// are accepted (within the previous tolerance).
    pub min_acceptance: f64,
    /// Largest number of generations that lower the tolerance (including generation 0).
    pub max_generations: usize,
    /// Sweeps (generations that move every kept particle at the tolerance reached) after each
    /// generation that lowers the tolerance, save the last.
    pub moves: usize,
    /// Sweeps at the final tolerance, after the last generation that lowered it.
    pub sweeps: usize,
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
    /// Weight, not normalised: 1 for every particle of this sampler (kept in the files so that
    /// weighted posteriors read the same way).
    pub weight: f64,
}

/// One completed generation: the kept particles.
#[derive(Debug, Clone, PartialEq)]
pub struct Generation {
    /// Its number, from 0.
    pub index: usize,
    /// The largest kept distance.
    pub epsilon: f64,
    /// Share of its simulated moves accepted (cohorts within the previous generation's
    /// tolerance; 1 for generation 0). A move outside the prior's support is rejected without a
    /// cohort and does not count.
    pub acceptance: f64,
    /// Cohorts simulated in it (a move outside the prior's support is rejected unsimulated).
    pub evaluations: usize,
    /// Cohorts that failed (never kept).
    pub failed: usize,
    /// The kept particles, closest first.
    pub particles: Vec<Particle>,
    /// Whether it is a sweep: every particle moved at the previous tolerance, none dropped.
    pub sweep: bool,
}

/// What a generation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Lower the tolerance: pool the kept particles with their moves and keep the closest.
    Lower,
    /// Move every kept particle once at the tolerance reached.
    Sweep,
}

/// What the next generation after `generations` does; `None` when the run is complete. After
/// each generation that lowers the tolerance, `moves` sweeps move the particles at it; once the
/// tolerance stops falling, `sweeps` more.
pub fn next_step(generations: &[Generation], s: &Settings) -> Option<Step> {
    let lowered: Vec<&Generation> = generations.iter().filter(|g| !g.sweep).collect();
    let Some(last) = lowered.last() else {
        return Some(Step::Lower);
    };
    let since = generations.iter().skip(last.index + 1).count();
    let lowering_done = lowered.len() >= s.max_generations
        || (lowered.len() > 1 && last.acceptance < s.min_acceptance);
    if lowering_done {
        (since < s.sweeps).then_some(Step::Sweep)
    } else if since < s.moves {
        Some(Step::Sweep)
    } else {
        Some(Step::Lower)
    }
}

impl Generation {
    /// The weights, normalised to sum to 1.
    pub fn normalised_weights(&self) -> Vec<f64> {
        let total: f64 = self.particles.iter().map(|p| p.weight).sum();
        self.particles.iter().map(|p| p.weight / total).collect()
    }

    /// Distinct parameter sets among the kept particles (a rejected move leaves a copy of its
    /// starting particle): how many different points the posterior sample holds.
    pub fn distinct(&self) -> usize {
        let mut keys: Vec<(usize, usize)> = self
            .particles
            .iter()
            .map(|p| (p.generation, p.index))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys.len()
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

/// The Markov chain's step of a generation: the kept particles on the prior's uniform scale
/// and the Cholesky factor of `2.38² / d` times their covariance.
struct Kernel {
    centres: Vec<DVector<f64>>,
    chol: DMatrix<f64>,
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
        // The random-walk scale that is optimal for a Gaussian target in d dimensions (about
        // 23% of steps accepted there; Roberts & Rosenthal 2001).
        cov *= 2.38 * 2.38 / k.max(1) as f64;
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
        Kernel { centres, chol }
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

/// A proposal: its place, its cohort seed, its values, the kept particle it moves from and
/// whether it lies in the prior's support.
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
    /// Weight (1).
    pub weight: f64,
    /// The kept particle of the previous generation it moves from (`None` in generation 0).
    pub parent: Option<usize>,
    /// Whether it lies in the prior's support; a move outside it is rejected without a cohort.
    pub inside: bool,
}

/// Proposal `index` of generation `t`: drawn from the prior in generation 0 (no kernel), and
/// after it one random-walk step from kept particle `index mod kept` of generation `t − 1`.
fn proposal_with(
    settings: &Settings,
    dims: &[Dimension],
    kernel: Option<&Kernel>,
    t: usize,
    index: usize,
) -> Proposal {
    let mut rng = proposal_rng(settings.seed, t, index);
    let seed = rng.next_u64();
    let (values, parent, inside) = match kernel {
        Some(kernel) if !kernel.centres.is_empty() => {
            let parent = index % kernel.centres.len();
            let z = DVector::from_iterator(
                dims.len(),
                (0..dims.len()).map(|_| StandardNormal.sample(&mut rng)),
            );
            let y = &kernel.centres[parent] + &kernel.chol * z;
            let values = dims
                .iter()
                .zip(y.iter())
                .map(|(d, v)| d.prior.from_unit_scale(*v))
                .collect();
            (values, Some(parent), self::inside(dims, &y))
        }
        _ => {
            let values = dims
                .iter()
                .map(|d| d.prior.quantile(rng.random::<f64>()).unwrap_or(f64::NAN))
                .collect();
            (values, None, true)
        }
    };
    Proposal {
        generation: t,
        index,
        seed,
        values,
        weight: 1.0,
        parent,
        inside,
    }
}

/// How many proposals generation `t` makes: `particles` in generation 0, `particles − kept`
/// when it lowers the tolerance, one per kept particle in a sweep.
pub fn proposal_count(
    settings: &Settings,
    previous: Option<&Generation>,
    t: usize,
    step: Step,
) -> usize {
    match (step, previous) {
        (Step::Sweep, Some(prev)) => prev.particles.len(),
        _ => settings.proposals(t),
    }
}

/// Every proposal of generation `t` whose index satisfies `take`.
pub fn proposals(
    settings: &Settings,
    dims: &[Dimension],
    previous: Option<&Generation>,
    t: usize,
    step: Step,
    take: impl Fn(usize) -> bool,
) -> Vec<Proposal> {
    let kernel = previous.map(|p| Kernel::new(p, dims));
    (0..proposal_count(settings, previous, t, step))
        .filter(|i| take(*i))
        .map(|i| proposal_with(settings, dims, kernel.as_ref(), t, i))
        .collect()
}

/// Simulates a proposal's cohort and returns its distance (infinite if the cohort failed, and
/// for a move outside the prior's support, which is not simulated).
pub fn evaluate(
    base: &Scenario,
    dims: &[Dimension],
    targets: &[Target],
    settings: &Settings,
    p: &Proposal,
    threads: usize,
) -> Particle {
    let distance = if p.inside {
        let mut s = apply(base, dims, &p.values);
        s.population.size = settings.patients;
        s.population.seed = p.seed;
        match fit::evaluate_targets(&s, targets, threads) {
            Ok(checks) => abc_distance(&checks),
            Err(_) => f64::INFINITY,
        }
    } else {
        f64::INFINITY
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

/// Completes generation `t` from its evaluated proposals (every index, in any order): after
/// generation 0 each proposal is accepted as a move when it lies in the prior's support and its
/// cohort fell within the previous tolerance, and is otherwise replaced by a copy of the kept
/// particle it moved from. A generation that lowers the tolerance pools the kept particles with
/// the moves and keeps the closest; a sweep keeps the moves (or copies) in place of the
/// particles they started from, at the same tolerance.
pub fn fold(
    settings: &Settings,
    dims: &[Dimension],
    previous: Option<&Generation>,
    t: usize,
    step: Step,
    mut evaluated: Vec<Particle>,
) -> Generation {
    evaluated.sort_by_key(|p| p.index);
    // A checkpoint holds each proposal's values and distance, not the particle it started from
    // or whether it lies in the priors; both are drawn again from the proposal's keyed stream,
    // which gives the same proposal.
    let proposals = previous.map(|prev| {
        let kernel = Kernel::new(prev, dims);
        evaluated
            .iter()
            .map(|p| proposal_with(settings, dims, Some(&kernel), t, p.index))
            .collect::<Vec<Proposal>>()
    });
    let (mut evaluations, mut failed, mut accepted) = (0, 0, 0);
    let mut moved = Vec::with_capacity(evaluated.len());
    for (i, p) in evaluated.into_iter().enumerate() {
        let proposal = proposals.as_ref().map(|ps| &ps[i]);
        let inside = proposal.is_none_or(|q| q.inside);
        if inside {
            evaluations += 1;
            if !p.distance.is_finite() {
                failed += 1;
            }
        }
        match (previous, proposal) {
            (Some(prev), Some(q)) => {
                if inside && p.distance <= prev.epsilon {
                    accepted += 1;
                    moved.push(Particle { weight: 1.0, ..p });
                } else if let Some(parent) = q.parent.and_then(|j| prev.particles.get(j)) {
                    moved.push(parent.clone());
                }
            }
            _ => moved.push(Particle { weight: 1.0, ..p }),
        }
    }
    let acceptance = match previous {
        Some(_) if evaluations > 0 => accepted as f64 / evaluations as f64,
        Some(_) => 0.0,
        None => 1.0,
    };
    let sweep = step == Step::Sweep && previous.is_some();
    let mut pool: Vec<Particle> = match previous {
        Some(p) if !sweep => p.particles.clone(),
        _ => Vec::new(),
    };
    pool.extend(moved);
    // Closest first; ties by age, then by index, so the order never depends on chance (a copy
    // and the particle it copies are the same parameter set and sort together).
    pool.sort_by(|a, b| {
        a.distance
            .total_cmp(&b.distance)
            .then(a.generation.cmp(&b.generation))
            .then(a.index.cmp(&b.index))
    });
    pool.retain(|p| p.distance.is_finite());
    let epsilon = match previous {
        Some(prev) if sweep => prev.epsilon,
        _ => {
            pool.truncate(settings.kept());
            pool.last().map_or(f64::INFINITY, |p| p.distance)
        }
    };
    Generation {
        index: t,
        epsilon,
        acceptance,
        evaluations,
        failed,
        particles: pool,
        sweep,
    }
}

/// Runs generation `t` whole on this machine.
#[allow(clippy::too_many_arguments)]
pub fn generation(
    base: &Scenario,
    dims: &[Dimension],
    targets: &[Target],
    settings: &Settings,
    previous: Option<&Generation>,
    t: usize,
    step: Step,
    threads: usize,
) -> Generation {
    let evaluated = proposals(settings, dims, previous, t, step, |_| true)
        .iter()
        .map(|p| evaluate(base, dims, targets, settings, p, threads))
        .collect();
    fold(settings, dims, previous, t, step, evaluated)
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
pub const GENERATIONS_HEADER: &str = "generation,epsilon,acceptance,evaluations,failed,kept,sweep";

/// The generations' statistics as CSV.
pub fn generations_csv(generations: &[Generation]) -> String {
    let mut out = format!("{GENERATIONS_HEADER}\n");
    for g in generations {
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            g.index,
            g.epsilon,
            g.acceptance,
            g.evaluations,
            g.failed,
            g.particles.len(),
            u8::from(g.sweep)
        ));
    }
    out
}

/// One generation's row of [`generations_csv`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GenerationRow {
    /// Tolerance.
    pub epsilon: f64,
    /// Share of simulated moves accepted.
    pub acceptance: f64,
    /// Cohorts simulated.
    pub evaluations: usize,
    /// Cohorts that failed.
    pub failed: usize,
    /// Whether it was a sweep.
    pub sweep: bool,
}

/// Reads the statistics written by [`generations_csv`], one row per generation, in order.
pub fn read_generations(text: &str) -> Result<Vec<GenerationRow>, String> {
    let mut lines = text.lines();
    if lines.next() != Some(GENERATIONS_HEADER) {
        return Err(format!("the header is not `{GENERATIONS_HEADER}`"));
    }
    lines
        .enumerate()
        .map(|(i, line)| {
            let f: Vec<&str> = line.split(',').collect();
            let bad = || format!("line {}: `{line}` is not a generation's row", i + 2);
            if f.len() != 7 || f[0].parse::<usize>().ok() != Some(i) {
                return Err(bad());
            }
            Ok(GenerationRow {
                epsilon: f[1].parse().map_err(|_| bad())?,
                acceptance: f[2].parse().map_err(|_| bad())?,
                evaluations: f[3].parse().map_err(|_| bad())?,
                failed: f[4].parse().map_err(|_| bad())?,
                sweep: match f[6] {
                    "0" => false,
                    "1" => true,
                    _ => return Err(bad()),
                },
            })
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
            moves: 1,
            sweeps: 2,
            patients: 100,
            seed: 7,
        }
    }

    /// Proposal `p` of generation `t` evaluated at `distance`.
    fn scored(t: usize, p: &Proposal, distance: f64) -> Particle {
        Particle {
            generation: t,
            index: p.index,
            seed: p.seed,
            distance,
            values: p.values.clone(),
            weight: 1.0,
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
        let a = proposals(&s, &dims, None, 0, Step::Lower, |_| true);
        let b = proposals(&s, &dims, None, 0, Step::Lower, |i| i % 2 == 1);
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
        let mut gens: Vec<Generation> = Vec::new();
        while let Some(step) = next_step(&gens, &s) {
            let t = gens.len();
            let evaluated = proposals(&s, &dims, gens.last(), t, step, |_| true)
                .iter()
                .map(|p| {
                    let d = if p.inside {
                        dist(&p.values)
                    } else {
                        f64::INFINITY
                    };
                    scored(t, p, d)
                })
                .collect();
            let g = fold(&s, &dims, gens.last(), t, step, evaluated);
            assert_eq!(g.particles.len(), s.kept());
            assert_eq!(g.sweep, step == Step::Sweep);
            gens.push(g);
        }
        // The tolerance falls for max_generations, each fall but the last followed by a sweep
        // that holds it, then the final sweeps hold the last.
        let lowered = s.max_generations;
        assert_eq!(gens.len(), lowered + s.moves * (lowered - 1) + s.sweeps);
        let kinds: Vec<bool> = gens.iter().map(|g| g.sweep).collect();
        let mut expected = vec![false];
        for _ in 1..lowered {
            expected.extend([true, false]);
        }
        expected.extend([true, true]);
        assert_eq!(kinds, expected);
        for w in gens.windows(2) {
            if w[1].sweep {
                assert_eq!(w[1].epsilon.to_bits(), w[0].epsilon.to_bits());
            }
        }
        let eps: Vec<f64> = gens
            .iter()
            .filter(|g| !g.sweep)
            .map(|g| g.epsilon)
            .collect();
        assert!(eps.windows(2).all(|w| w[1] <= w[0]), "{eps:?}");
        assert!(eps[eps.len() - 1] < 0.3 * eps[0], "{eps:?}");
        let g = gens.last().unwrap();
        // Equal weights, every particle within the tolerance, and the chains have moved: most
        // kept particles are distinct parameter sets, not copies of a few.
        assert!(
            g.particles
                .iter()
                .all(|p| p.weight.to_bits() == 1f64.to_bits())
        );
        assert!(g.particles.iter().all(|p| p.distance <= g.epsilon));
        assert!(
            g.distinct() * 2 > g.particles.len(),
            "{} distinct",
            g.distinct()
        );
        let w = g.normalised_weights();
        let x: Vec<f64> = g.particles.iter().map(|p| p.values[0]).collect();
        let median = weighted_quantile(&x, &w, 0.5);
        assert!((median / truth[0]).ln().abs() < 0.15, "{median}");
    }

    /// A move whose cohort lands outside the tolerance (or that leaves the prior's support) is
    /// rejected: the particle it started from is kept in its place, and the acceptance counts
    /// only the accepted moves.
    #[test]
    fn a_rejected_move_leaves_a_copy_of_its_starting_particle() {
        let dims = bundled_dimensions()[..2].to_vec();
        let s = settings();
        let first: Vec<Particle> = proposals(&s, &dims, None, 0, Step::Lower, |_| true)
            .iter()
            .map(|p| scored(0, p, p.index as f64))
            .collect();
        let g0 = fold(&s, &dims, None, 0, Step::Lower, first);
        assert_eq!(g0.epsilon.to_bits(), ((s.kept() - 1) as f64).to_bits());
        let moves = proposals(&s, &dims, Some(&g0), 1, Step::Lower, |_| true);
        assert_eq!(moves.len(), s.proposals(1));
        // Every move's cohort misses the tolerance, except move 0's.
        let evaluated: Vec<Particle> = moves
            .iter()
            .map(|p| scored(1, p, if p.index == 0 { 0.5 } else { 1e9 }))
            .collect();
        let accepted = usize::from(moves[0].inside);
        let simulated = moves.iter().filter(|m| m.inside).count();
        let g1 = fold(&s, &dims, Some(&g0), 1, Step::Lower, evaluated.clone());
        assert_eq!(
            g1.acceptance.to_bits(),
            (accepted as f64 / simulated as f64).to_bits()
        );
        assert_eq!(g1.evaluations, simulated);
        assert_eq!(g1.particles.len(), s.kept());
        // Each kept particle of generation 0 now appears twice (itself and its copy), save the
        // one whose move was accepted; the closest half of that pool is kept.
        let copies = g1.particles.iter().filter(|p| p.generation == 0).count();
        assert_eq!(
            copies + g1.particles.iter().filter(|p| p.generation == 1).count(),
            s.kept()
        );
        assert!(g1.distinct() < g1.particles.len());
        for p in g1.particles.iter().filter(|p| p.generation == 0) {
            let original = g0.particles.iter().find(|q| q.index == p.index).unwrap();
            assert_eq!(p, original);
        }
        // Moves start from the kept particles in turn.
        for m in &moves {
            assert_eq!(m.parent, Some(m.index % s.kept()));
        }
        // A sweep moves every kept particle once and drops none: with every move rejected it
        // holds the same particles at the same tolerance.
        let sweep = proposals(&s, &dims, Some(&g0), 1, Step::Sweep, |_| true);
        assert_eq!(sweep.len(), g0.particles.len());
        let rejected: Vec<Particle> = sweep.iter().map(|p| scored(1, p, 1e9)).collect();
        let g = fold(&s, &dims, Some(&g0), 1, Step::Sweep, rejected);
        assert!(g.sweep);
        assert_eq!((g.epsilon, g.acceptance), (g0.epsilon, 0.0));
        assert_eq!(g.particles, g0.particles);
    }

    /// A move outside the prior's support is rejected without simulating its cohort.
    #[test]
    fn a_move_outside_the_priors_is_not_simulated() {
        let dims = bundled_dimensions();
        let s = settings();
        let mut p = proposals(&s, &dims, None, 0, Step::Lower, |i| i == 0).remove(0);
        p.generation = 1;
        p.inside = false;
        p.parent = Some(0);
        let base = crate::calibrate::validate::natural_history();
        let targets = fit_targets(&crate::calibrate::targets::bundled());
        // The same values inside the support give a cohort and a finite distance.
        let simulated = evaluate(
            &base,
            &dims,
            &targets,
            &s,
            &Proposal {
                inside: true,
                ..p.clone()
            },
            1,
        );
        assert!(simulated.distance.is_finite());
        let q = evaluate(&base, &dims, &targets, &s, &p, 1);
        assert!(q.distance.is_infinite() && q.distance > 0.0);
        assert_eq!((q.generation, q.index, q.seed), (1, p.index, p.seed));
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
