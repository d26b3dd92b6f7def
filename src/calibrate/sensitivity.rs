//! Global sensitivity analysis of a scenario's outcomes to the model parameters: Morris
//! elementary effects.
//!
//! The method (Morris 1991 Technometrics 33:161) screens `k` factors with `r` one-at-a-time
//! trajectories through a grid of `p` levels on the unit cube `[0, 1]^k`. A trajectory starts at
//! a random grid point and moves each factor once, in random order, by `±Δ` with
//! `Δ = p / (2 (p − 1))`, so it costs `k + 1` evaluations. The step of factor `i` gives one
//! elementary effect
//!
//! ```text
//! EE_i = (y(x + e_i Δ) − y(x)) / Δ
//! ```
//!
//! and the `r` effects of a factor are summarised, following Campolongo, Cariboni & Saltelli
//! 2007 (Environ Model Softw 22:1509), by `μ* = mean |EE_i|` (overall importance, immune to
//! effects of opposite sign cancelling), `μ = mean EE_i` (direction) and `σ`, their standard
//! deviation (non-linearity or interaction with other factors).
//!
//! [`MorrisDesign`] and [`morris`] are generic over any function of the unit cube; the rest of
//! the module maps the unit cube onto model parameters ([`Factor`]), runs the scenario's cohort
//! at each point ([`analyse`]) and writes the tables ([`to_csv`], [`to_markdown`]).
//!
//! Each factor is varied on the log scale between `centre / F` and `centre × F` (the range
//! factor `F`, default 2), clamped to the registry range, where `centre` is the scenario's own
//! value of the parameter (the registry default unless the scenario's `[model]` overrides it).
//! The unit coordinate `u` maps to `low × (high / low)^u`, so an elementary effect is the
//! change of the outcome per whole explored range of the factor on the log scale (from `low` to
//! `high`, a factor `F²` when unclamped): `EE = Δy / Δu = Δy / (Δ ln θ / ln(high / low))`.
//! A factor whose centre is 0 has no log scale and is left out (and reported).

use super::metrics;
use crate::cohort::{self, EngineError};
use crate::model::params::ParamError;
use crate::model::{Param, Params};
use crate::scenario::Scenario;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use std::fmt::Write;

/// Why a sensitivity analysis cannot be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SensitivityError {
    /// The number of grid levels is odd or below 2.
    #[error("the number of levels must be even and at least 2 (got {0})")]
    Levels(usize),
    /// Fewer than two trajectories (σ needs two effects per factor).
    #[error("at least 2 trajectories are needed (got {0})")]
    Trajectories(usize),
    /// No factor to vary.
    #[error("no factor to vary")]
    NoFactors,
    /// The range factor is not a finite number above 1.
    #[error("the range factor must be a finite number above 1 (got {0})")]
    RangeFactor(f64),
    /// A parameter name that the registry does not know.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// A parameter that cannot be varied on its own.
    #[error("model parameter `{param}` cannot be varied: {reason}")]
    Factor {
        /// The parameter.
        param: Param,
        /// Why not.
        reason: String,
    },
    /// A factor named twice.
    #[error("model parameter `{0}` is listed twice")]
    Duplicate(Param),
    /// The cohort engine could not run.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

// ---------------------------------------------------------------------------------------------
// The Morris design and elementary effects, generic over a function of the unit cube.
// ---------------------------------------------------------------------------------------------

/// Settings of a Morris design on the unit cube.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MorrisDesign {
    /// Number of factors `k`.
    pub factors: usize,
    /// Number of trajectories `r`.
    pub trajectories: usize,
    /// Number of grid levels `p` (even).
    pub levels: usize,
    /// Seed of the ChaCha8 generator that draws the trajectories.
    pub seed: u64,
}

/// One trajectory: `k + 1` points, consecutive points differing in one factor by `±Δ`.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    /// The points, each a vector of `k` coordinates on the grid `{0, 1/(p−1), …, 1}`.
    pub points: Vec<Vec<f64>>,
    /// `order[j]` is the factor that changes between `points[j]` and `points[j + 1]`.
    pub order: Vec<usize>,
}

impl MorrisDesign {
    /// A design, checked: at least one factor, at least two trajectories, an even number of
    /// levels of at least 2.
    pub fn new(
        factors: usize,
        trajectories: usize,
        levels: usize,
        seed: u64,
    ) -> Result<MorrisDesign, SensitivityError> {
        if factors == 0 {
            return Err(SensitivityError::NoFactors);
        }
        if trajectories < 2 {
            return Err(SensitivityError::Trajectories(trajectories));
        }
        if levels < 2 || !levels.is_multiple_of(2) {
            return Err(SensitivityError::Levels(levels));
        }
        Ok(MorrisDesign {
            factors,
            trajectories,
            levels,
            seed,
        })
    }

    /// The step `Δ = p / (2 (p − 1))`.
    pub fn delta(&self) -> f64 {
        self.levels as f64 / (2.0 * (self.levels as f64 - 1.0))
    }

    /// Number of function evaluations: `r (k + 1)`.
    pub fn evaluations(&self) -> usize {
        self.trajectories * (self.factors + 1)
    }

    /// The trajectories (Morris 1991): per trajectory, a random base level for each factor
    /// among those from which `+Δ` stays on the grid, a random direction per factor (a factor
    /// moving down starts `Δ` higher), and a random order in which the factors move. Grid
    /// positions are kept as integers, so every coordinate is exactly `level / (p − 1)`.
    pub fn trajectories(&self) -> Vec<Trajectory> {
        let k = self.factors;
        let p = self.levels;
        let step = p / 2; // Δ in grid units
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let coordinate = |level: usize| level as f64 / (p - 1) as f64;
        (0..self.trajectories)
            .map(|_| {
                let mut levels: Vec<usize> = Vec::with_capacity(k);
                let mut up: Vec<bool> = Vec::with_capacity(k);
                for _ in 0..k {
                    let base = rng.random_range(0..p - step);
                    let rising = rng.random::<bool>();
                    levels.push(if rising { base } else { base + step });
                    up.push(rising);
                }
                let mut order: Vec<usize> = (0..k).collect();
                for i in (1..k).rev() {
                    let j = rng.random_range(0..=i);
                    order.swap(i, j);
                }
                let mut points = Vec::with_capacity(k + 1);
                points.push(levels.iter().map(|&l| coordinate(l)).collect::<Vec<f64>>());
                for &i in &order {
                    if up[i] {
                        levels[i] += step;
                    } else {
                        levels[i] -= step;
                    }
                    points.push(levels.iter().map(|&l| coordinate(l)).collect());
                }
                Trajectory { points, order }
            })
            .collect()
    }
}

/// Summary of one factor's elementary effects on one outcome.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FactorEffect {
    /// Mean absolute elementary effect (Campolongo 2007).
    pub mu_star: f64,
    /// Mean elementary effect (Morris 1991).
    pub mu: f64,
    /// Standard deviation of the elementary effects (divisor `n − 1`; NaN with fewer than 2).
    pub sigma: f64,
    /// Elementary effects that entered the summary.
    pub n_effects: usize,
    /// Elementary effects left out because an outcome at either end was not finite.
    pub failed: usize,
}

impl FactorEffect {
    /// Summary of a set of elementary effects (non-finite ones are counted as failed).
    pub fn from_effects(effects: &[f64]) -> FactorEffect {
        let ok: Vec<f64> = effects.iter().copied().filter(|e| e.is_finite()).collect();
        let n = ok.len();
        let failed = effects.len() - n;
        if n == 0 {
            return FactorEffect {
                mu_star: f64::NAN,
                mu: f64::NAN,
                sigma: f64::NAN,
                n_effects: 0,
                failed,
            };
        }
        let nf = n as f64;
        let mu = ok.iter().sum::<f64>() / nf;
        let mu_star = ok.iter().map(|e| e.abs()).sum::<f64>() / nf;
        let sigma = if n > 1 {
            (ok.iter().map(|e| (e - mu).powi(2)).sum::<f64>() / (nf - 1.0)).sqrt()
        } else {
            f64::NAN
        };
        FactorEffect {
            mu_star,
            mu,
            sigma,
            n_effects: n,
            failed,
        }
    }
}

/// Result of [`morris`].
#[derive(Debug, Clone, PartialEq)]
pub struct MorrisResult {
    /// The trajectories evaluated.
    pub trajectories: Vec<Trajectory>,
    /// Outputs at every point: `outputs[t][j][o]` for trajectory `t`, point `j`, outcome `o`.
    pub outputs: Vec<Vec<Vec<f64>>>,
    /// Elementary effects: `effects[o][i]` lists factor `i`'s effects on outcome `o`, one per
    /// trajectory (NaN when an end point's output was not finite).
    pub effects: Vec<Vec<Vec<f64>>>,
    /// Summaries: `summary[o][i]`.
    pub summary: Vec<Vec<FactorEffect>>,
    /// Evaluations with at least one non-finite output.
    pub failed_evaluations: usize,
}

/// Runs the Morris screening of `f`, a function of the unit cube returning `outcomes` values
/// (a non-finite value marks a failed evaluation; the effects it touches are left out and
/// counted). `f` is called once per design point, trajectory by trajectory, in order.
pub fn morris(
    design: &MorrisDesign,
    outcomes: usize,
    mut f: impl FnMut(&[f64]) -> Vec<f64>,
) -> MorrisResult {
    let trajectories = design.trajectories();
    let outputs = trajectories
        .iter()
        .map(|t| t.points.iter().map(|x| f(x)).collect())
        .collect();
    MorrisResult::new(trajectories, outputs, outcomes)
}

impl MorrisResult {
    /// Elementary effects and their summaries from the outputs at every design point
    /// (`outputs[t][j]` for point `j` of trajectory `t`, each with `outcomes` values; missing
    /// values count as non-finite).
    pub fn new(
        trajectories: Vec<Trajectory>,
        mut outputs: Vec<Vec<Vec<f64>>>,
        outcomes: usize,
    ) -> MorrisResult {
        let k = trajectories.first().map_or(0, |t| t.order.len());
        let mut effects = vec![vec![Vec::with_capacity(trajectories.len()); k]; outcomes];
        let mut failed_evaluations = 0;
        for (t, ys) in trajectories.iter().zip(outputs.iter_mut()) {
            ys.resize(t.points.len(), Vec::new());
            for y in ys.iter_mut() {
                y.resize(outcomes, f64::NAN);
                if y.iter().any(|v| !v.is_finite()) {
                    failed_evaluations += 1;
                }
            }
            for (j, &i) in t.order.iter().enumerate() {
                let dx = t.points[j + 1][i] - t.points[j][i];
                for (o, per_factor) in effects.iter_mut().enumerate() {
                    let dy = ys[j + 1][o] - ys[j][o];
                    per_factor[i].push(if dy.is_finite() { dy / dx } else { f64::NAN });
                }
            }
        }
        let summary = effects
            .iter()
            .map(|per_factor| {
                per_factor
                    .iter()
                    .map(|e| FactorEffect::from_effects(e))
                    .collect()
            })
            .collect();
        MorrisResult {
            trajectories,
            outputs,
            effects,
            summary,
            failed_evaluations,
        }
    }
}

/// Ranks by decreasing `μ*` (1 = most influential); factors without any effect rank last.
pub fn ranks(effects: &[FactorEffect]) -> Vec<usize> {
    let order = order_by_mu_star(effects);
    let mut rank = vec![0; effects.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r + 1;
    }
    rank
}

/// Factor indices by decreasing `μ*`, NaN last, ties in factor order.
pub fn order_by_mu_star(effects: &[FactorEffect]) -> Vec<usize> {
    let key = |i: usize| {
        let m = effects[i].mu_star;
        if m.is_finite() { m } else { f64::NEG_INFINITY }
    };
    let mut order: Vec<usize> = (0..effects.len()).collect();
    order.sort_by(|&a, &b| key(b).total_cmp(&key(a)).then(a.cmp(&b)));
    order
}

// ---------------------------------------------------------------------------------------------
// Model parameters as factors, and the scenario's outcomes.
// ---------------------------------------------------------------------------------------------

/// Parameter groups varied by default: the mechanisms. Genotype multipliers, biomarker
/// read-outs and the function map are left out.
pub const DEFAULT_GROUPS: [&str; 5] = [
    "aggregation",
    "oxidative",
    "glia",
    "excitotoxicity",
    "neurons",
];

/// Default range factor `F`: each factor spans `[centre / F, centre × F]`.
pub const DEFAULT_RANGE_FACTOR: f64 = 2.0;

/// A model parameter varied on the log scale over `[low, high]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    /// The parameter.
    pub param: Param,
    /// Registry group.
    pub group: &'static str,
    /// The scenario's value.
    pub centre: f64,
    /// Value at unit coordinate 0.
    pub low: f64,
    /// Value at unit coordinate 1.
    pub high: f64,
}

impl Factor {
    /// Parameter value at unit coordinate `u`: `low × (high / low)^u`, exact at both ends.
    pub fn value(&self, u: f64) -> f64 {
        if u <= 0.0 {
            self.low
        } else if u >= 1.0 {
            self.high
        } else {
            (self.low.ln() + u * (self.high / self.low).ln()).exp()
        }
    }
}

/// A parameter left out of the default factor set, with the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    /// The parameter.
    pub param: Param,
    /// Why.
    pub reason: String,
}

fn factor(param: Param, p: &Params, range_factor: f64) -> Result<Factor, String> {
    let info = param.info();
    if matches!(
        param,
        Param::PoolWeightBulbar
            | Param::PoolWeightCervical
            | Param::PoolWeightThoracic
            | Param::PoolWeightLumbar
    ) {
        return Err(
            "the four pool weights must sum to 1, so one cannot change on its own".to_string(),
        );
    }
    let centre = p.value(param);
    if centre.is_nan() || centre <= 0.0 {
        return Err(format!(
            "its value is {centre}, which has no log scale (set it above 0 in [model] to vary it)"
        ));
    }
    let low = (centre / range_factor).max(info.min);
    let high = (centre * range_factor).min(info.max);
    if high.is_nan() || low.is_nan() || high <= low {
        return Err(format!(
            "its range [{}, {}] leaves nothing to vary around {centre}",
            info.min, info.max
        ));
    }
    Ok(Factor {
        param,
        group: info.group,
        centre,
        low,
        high,
    })
}

/// The factors of `s`: the parameters in `params` (every one must be variable), or by default
/// every parameter of [`DEFAULT_GROUPS`] (those that cannot be varied are returned as skipped).
pub fn factors(
    s: &Scenario,
    params: Option<&[Param]>,
    range_factor: f64,
) -> Result<(Vec<Factor>, Vec<Skipped>), SensitivityError> {
    if !(range_factor.is_finite() && range_factor > 1.0) {
        return Err(SensitivityError::RangeFactor(range_factor));
    }
    let p = s.params();
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    match params {
        Some(params) => {
            for &param in params {
                if out.iter().any(|f: &Factor| f.param == param) {
                    return Err(SensitivityError::Duplicate(param));
                }
                let f = factor(param, &p, range_factor)
                    .map_err(|reason| SensitivityError::Factor { param, reason })?;
                out.push(f);
            }
        }
        None => {
            for param in Param::ALL
                .into_iter()
                .filter(|p| DEFAULT_GROUPS.contains(&p.info().group))
            {
                match factor(param, &p, range_factor) {
                    Ok(f) => out.push(f),
                    Err(reason) => skipped.push(Skipped { param, reason }),
                }
            }
        }
    }
    if out.is_empty() {
        return Err(SensitivityError::NoFactors);
    }
    Ok((out, skipped))
}

/// An outcome of the analysis: a natural-history metric of the simulated cohort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutcomeInfo {
    /// The metric; its name is the `outcome` column of the CSV.
    pub metric: metrics::Metric,
    /// Readable name.
    pub label: &'static str,
    /// Unit.
    pub unit: &'static str,
    /// What a positive change does, as a verb ("lengthens").
    pub up: &'static str,
    /// What a negative change does ("shortens").
    pub down: &'static str,
}

/// The outcomes: median tracheostomy-free survival from onset (Kaplan-Meier) and the mean
/// ALSFRS-R decline over the first 24 months after enrollment (positive = losing points).
pub const OUTCOMES: [OutcomeInfo; 2] = [
    OutcomeInfo {
        metric: metrics::Metric::MedianSurvivalFromOnset,
        label: "Median survival from onset",
        unit: "months",
        up: "lengthens",
        down: "shortens",
    },
    OutcomeInfo {
        metric: metrics::Metric::SlopeMean24,
        label: "Mean ALSFRS-R decline over 24 months",
        unit: "points/month",
        up: "speeds",
        down: "slows",
    },
];

/// `s` with the factors set to the unit coordinates `u`, as `[model]` overrides; `None` when
/// the values break a rule across parameters ([`Params::check_consistency`]).
pub fn apply(s: &Scenario, factors: &[Factor], u: &[f64]) -> Option<Scenario> {
    let mut c = s.clone();
    let mut p = s.params();
    for (f, &ui) in factors.iter().zip(u) {
        let v = f.value(ui);
        p.set_value(f.param, v).ok()?;
        match c.model.iter_mut().find(|(n, _)| *n == f.param) {
            Some(slot) => slot.1 = v,
            None => c.model.push((f.param, v)),
        }
    }
    p.check_consistency().ok()?;
    Some(c)
}

/// Simulates `s` (patients `0..population.size`, the scenario's seed) and computes
/// [`OUTCOMES`] (NaN when a metric cannot be estimated).
pub fn outcomes(s: &Scenario, threads: usize) -> Result<Vec<f64>, EngineError> {
    let out = cohort::run(&s.cohort_spec(), 0..s.population.size, threads)?;
    Ok(OUTCOMES
        .iter()
        .map(|o| metrics::compute(o.metric, &out, &[]).map_or(f64::NAN, |e| e.value))
        .collect())
}

/// Settings of [`analyse`].
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Trajectories `r`.
    pub trajectories: usize,
    /// Grid levels `p`.
    pub levels: usize,
    /// Range factor `F`.
    pub range_factor: f64,
    /// Seed of the design (the patients use the scenario's `population.seed`).
    pub seed: u64,
    /// Worker threads of each cohort run.
    pub threads: usize,
}

/// Result of [`analyse`].
#[derive(Debug, Clone)]
pub struct Analysis {
    /// Scenario name.
    pub scenario: String,
    /// Virtual patients per evaluation.
    pub patients: u64,
    /// Seed of the virtual patients.
    pub population_seed: u64,
    /// The settings.
    pub settings: Settings,
    /// The factors.
    pub factors: Vec<Factor>,
    /// Default parameters that could not be varied.
    pub skipped: Vec<Skipped>,
    /// Outcomes at the scenario's own parameter values.
    pub baseline: Vec<f64>,
    /// The screening.
    pub morris: MorrisResult,
    /// Design points whose parameter values broke a rule across parameters.
    pub inconsistent: usize,
}

/// Runs the Morris screening of the scenario's [`OUTCOMES`] to `factors`. Every evaluation
/// simulates the same virtual patients (common random numbers), so outcomes differ only
/// through the parameters. The design points are independent cohort runs and are spread over
/// `settings.threads` threads, one point per thread at a time; the result does not depend on
/// the thread count. `progress` is called with the number of evaluations done.
pub fn analyse(
    s: &Scenario,
    factors: Vec<Factor>,
    skipped: Vec<Skipped>,
    settings: &Settings,
    progress: impl Fn(usize) + Sync,
) -> Result<Analysis, SensitivityError> {
    let design = MorrisDesign::new(
        factors.len(),
        settings.trajectories,
        settings.levels,
        settings.seed,
    )?;
    let trajectories = design.trajectories();
    progress(0);
    let baseline = outcomes(s, 1)?;
    let points: Vec<&[f64]> = trajectories
        .iter()
        .flat_map(|tr| tr.points.iter().map(Vec::as_slice))
        .collect();
    let (values, inconsistent) =
        evaluate_points(s, &factors, &points, settings.threads, &progress)?;
    let mut values = values.into_iter();
    let outputs: Vec<Vec<Vec<f64>>> = trajectories
        .iter()
        .map(|tr| values.by_ref().take(tr.points.len()).collect())
        .collect();
    Ok(Analysis {
        scenario: s.meta.name.clone(),
        patients: s.population.size,
        population_seed: s.population.seed,
        settings: settings.clone(),
        factors,
        skipped,
        baseline,
        morris: MorrisResult::new(trajectories, outputs, OUTCOMES.len()),
        inconsistent,
    })
}

/// The [`OUTCOMES`] at each design point (unit-cube coordinates of `factors`), in the order of
/// `points`, with the number of points whose values broke a rule across parameters (their
/// outcomes are NaN). Each point is a cohort run on one thread; the points are spread over
/// `threads`, so the result does not depend on the thread count. `progress` gets the number of
/// points done.
pub(super) fn evaluate_points(
    s: &Scenario,
    factors: &[Factor],
    points: &[&[f64]],
    threads: usize,
    progress: &(impl Fn(usize) + Sync),
) -> Result<(Vec<Vec<f64>>, usize), EngineError> {
    use rayon::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let threads = threads.max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|source| EngineError::Threads { threads, source })?;
    let done = AtomicUsize::new(0);
    let inconsistent = AtomicUsize::new(0);
    let values: Result<Vec<Vec<f64>>, EngineError> = pool.install(|| {
        points
            .par_iter()
            .map(|u| {
                let y = match apply(s, factors, u) {
                    Some(c) => outcomes(&c, 1)?,
                    None => {
                        inconsistent.fetch_add(1, Ordering::Relaxed);
                        vec![f64::NAN; OUTCOMES.len()]
                    }
                };
                progress(done.fetch_add(1, Ordering::Relaxed) + 1);
                Ok(y)
            })
            .collect()
    });
    Ok((values?, inconsistent.into_inner()))
}

impl Analysis {
    /// Factor indices in the order of the tables: decreasing `μ*` of median survival.
    pub fn order(&self) -> Vec<usize> {
        order_by_mu_star(&self.morris.summary[0])
    }
}

fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.6}")
    } else {
        String::new()
    }
}

fn sig(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".to_string();
    }
    let a = x.abs();
    if a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else if a >= 1.0 {
        format!("{x:.2}")
    } else if a >= 0.01 {
        format!("{x:.3}")
    } else if a == 0.0 {
        "0".to_string()
    } else {
        format!("{x:.2e}")
    }
}

/// `sensitivity.csv`: one row per outcome and factor (factors in decreasing `μ*` of median
/// survival); `rank` is the factor's rank by `μ*` for that outcome; `low` and `high` are the
/// explored parameter range. Empty cells are values that could not be computed.
pub fn to_csv(a: &Analysis) -> String {
    let mut out = String::from("factor,group,outcome,mu_star,mu,sigma,n_effects,rank,low,high\n");
    let order = a.order();
    for (o, info) in OUTCOMES.iter().enumerate() {
        let rank = ranks(&a.morris.summary[o]);
        for &i in &order {
            let f = &a.factors[i];
            let e = a.morris.summary[o][i];
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{}",
                f.param.name(),
                f.group,
                info.metric,
                num(e.mu_star),
                num(e.mu),
                num(e.sigma),
                e.n_effects,
                rank[i],
                f.low,
                f.high
            );
        }
    }
    out
}

/// `evaluations.csv`: every design point with its parameter values and outcomes.
pub fn evaluations_csv(a: &Analysis) -> String {
    let mut out = String::from("trajectory,step,moved");
    for f in &a.factors {
        let _ = write!(out, ",{}", f.param.name());
    }
    for o in &OUTCOMES {
        let _ = write!(out, ",{}", o.metric);
    }
    out.push('\n');
    for (t, (traj, ys)) in a
        .morris
        .trajectories
        .iter()
        .zip(&a.morris.outputs)
        .enumerate()
    {
        for (j, (x, y)) in traj.points.iter().zip(ys).enumerate() {
            let moved = if j == 0 {
                ""
            } else {
                a.factors[traj.order[j - 1]].param.name()
            };
            let _ = write!(out, "{},{j},{moved}", t + 1);
            for (f, &u) in a.factors.iter().zip(x) {
                let _ = write!(out, ",{}", f.value(u));
            }
            for &v in y {
                let _ = write!(out, ",{}", num(v));
            }
            out.push('\n');
        }
    }
    out
}

fn list(names: &[String]) -> String {
    match names.len() {
        0 => String::new(),
        1 => names[0].clone(),
        n => format!("{} and {}", names[..n - 1].join(", "), names[n - 1]),
    }
}

/// The direction of each leading factor's effect on outcome `o`: monotone when the mean effect
/// is nearly all of μ*.
fn directions(a: &Analysis, o: usize, leading: &[usize]) -> String {
    let (info, eff) = (OUTCOMES[o], &a.morris.summary[o]);
    let directions: Vec<String> = leading
        .iter()
        .map(|&i| {
            let e = eff[i];
            if e.mu_star > 0.0 && e.mu.abs() >= 0.8 * e.mu_star {
                format!(
                    "raising `{}` {} it",
                    a.factors[i].param.name(),
                    if e.mu > 0.0 { info.up } else { info.down }
                )
            } else {
                format!(
                    "`{}` acts in both directions depending on the other factors",
                    a.factors[i].param.name()
                )
            }
        })
        .collect();
    format!("Across the explored ranges, {}. ", list(&directions))
}

/// How the summed μ* of outcome `o` splits between mechanism groups (empty with one group).
fn groups(a: &Analysis, o: usize, finite: &[usize], total: f64) -> String {
    let eff = &a.morris.summary[o];
    let mut groups: Vec<(&str, f64)> = Vec::new();
    for &i in finite {
        let g = a.factors[i].group;
        match groups.iter_mut().find(|(n, _)| *n == g) {
            Some(slot) => slot.1 += eff[i].mu_star,
            None => groups.push((g, eff[i].mu_star)),
        }
    }
    groups.sort_by(|x, y| y.1.total_cmp(&x.1));
    if total > 0.0 && groups.len() > 1 {
        let parts: Vec<String> = groups
            .iter()
            .map(|(g, m)| format!("{g} {:.0}%", 100.0 * m / total))
            .collect();
        format!("By mechanism, the summed μ* splits {}. ", parts.join(", "))
    } else {
        String::new()
    }
}

/// Which leading factors of outcome `o` act non-linearly or interact (σ above μ*).
fn nonlinearity(a: &Analysis, o: usize, finite: &[usize]) -> String {
    let eff = &a.morris.summary[o];
    let mut text = String::new();
    // Non-linearity or interactions, among the factors that matter.
    let lead = eff[finite[0]].mu_star;
    let nonlinear: Vec<String> = finite
        .iter()
        .filter(|&&i| eff[i].mu_star >= 0.25 * lead && eff[i].sigma > eff[i].mu_star)
        .map(|&i| format!("`{}`", a.factors[i].param.name()))
        .collect();
    let unknown_sigma = finite
        .iter()
        .any(|&i| eff[i].mu_star >= 0.25 * lead && !eff[i].sigma.is_finite());
    if nonlinear.is_empty() && unknown_sigma {
        let _ = write!(
            text,
            "σ needs at least two elementary effects per factor and could not be estimated for \
             every leading factor. "
        );
    } else if nonlinear.is_empty() {
        let _ = write!(
            text,
            "None of the factors with μ* above a quarter of the largest has σ above its μ*, so their \
             effects are close to additive over these ranges. "
        );
    } else {
        let _ = write!(
            text,
            "Among the factors with μ* above a quarter of the largest, {} {} σ above μ*: {} effect \
             depends on where the other factors sit (non-linearity or interaction). ",
            list(&nonlinear),
            if nonlinear.len() == 1 { "has" } else { "have" },
            if nonlinear.len() == 1 { "its" } else { "their" }
        );
    }
    text
}

/// The factors of outcome `o` whose effect is negligible (μ* below 5% of the largest).
fn negligible(a: &Analysis, o: usize, finite: &[usize]) -> String {
    let eff = &a.morris.summary[o];
    let lead = eff[finite[0]].mu_star;
    let mut text = String::new();
    // Negligible factors.
    let small: Vec<String> = finite
        .iter()
        .filter(|&&i| eff[i].mu_star < 0.05 * lead)
        .map(|&i| format!("`{}`", a.factors[i].param.name()))
        .collect();
    if !small.is_empty() {
        let _ = write!(
            text,
            "{} of the {} factors have μ* below 5% of the largest ({}) and could be fixed at their values for this outcome.",
            small.len(),
            finite.len(),
            list(&small)
        );
    }
    text
}

/// The one-paragraph reading of what drives outcome `o`.
fn reading(a: &Analysis, o: usize) -> String {
    let info = OUTCOMES[o];
    let eff = &a.morris.summary[o];
    let order = order_by_mu_star(eff);
    let finite: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&i| eff[i].mu_star.is_finite())
        .collect();
    if finite.is_empty() {
        return format!(
            "No elementary effect of {} could be computed: every evaluation failed to estimate it.",
            info.label.to_lowercase()
        );
    }
    let total: f64 = finite.iter().map(|&i| eff[i].mu_star).sum();
    let top = finite.len().min(3);
    let share = |set: &[usize]| {
        if total > 0.0 {
            100.0 * set.iter().map(|&i| eff[i].mu_star).sum::<f64>() / total
        } else {
            f64::NAN
        }
    };
    let mut text = format!(
        "{} is {} {} at the scenario's own parameter values. ",
        info.label,
        sig(a.baseline[o]),
        info.unit
    );
    let named: Vec<String> = finite[..top]
        .iter()
        .map(|&i| {
            format!(
                "`{}` ({}, μ* {})",
                a.factors[i].param.name(),
                a.factors[i].group,
                sig(eff[i].mu_star)
            )
        })
        .collect();
    if finite.len() > top {
        let _ = write!(
            text,
            "The largest effects come from {}, which together carry {:.0}% of the summed μ* of the {} factors. ",
            list(&named),
            share(&finite[..top]),
            finite.len()
        );
    } else {
        let _ = write!(text, "In decreasing order of effect: {}. ", list(&named));
    }
    text.push_str(&directions(a, o, &finite[..top]));
    text.push_str(&groups(a, o, &finite, total));
    text.push_str(&nonlinearity(a, o, &finite));
    text.push_str(&negligible(a, o, &finite));
    text.trim_end().to_string()
}

/// `sensitivity.md`: settings, then per outcome a table sorted by that outcome's `μ*` and a
/// one-paragraph reading; with `figures`, a link to the outcome's figure
/// ([`figure_name`]`.png`, drawn by [`write_figures`]).
pub fn to_markdown(a: &Analysis, figures: bool) -> String {
    let s = &a.settings;
    let design_evals = a.morris.trajectories.len() * (a.factors.len() + 1);
    let mut out = format!(
        "# Sensitivity of `{}` to the model parameters\n\n\
         Morris elementary effects (Morris 1991; μ* of Campolongo, Cariboni & Saltelli 2007): {} factors, \
         {} trajectories, {} levels (Δ = {:.3}), {} cohort evaluations plus one at the scenario's own values; \
         {} virtual patients per evaluation (population seed {}, the same patients every time), design seed {}.\n\n\
         Each factor varies on the log scale over [value / {f}, value × {f}] around the scenario's value, clamped \
         to the parameter's accepted range. An elementary effect is the change of the outcome per whole explored \
         range of the factor (from `low` to `high`), so μ* and σ are in the outcome's unit and comparable across \
         factors. μ* ranks overall importance, the sign of μ gives the direction (μ close to ±μ* means the effect \
         keeps its sign), and σ large against μ* marks non-linearity or interactions.\n\n",
        a.scenario,
        a.factors.len(),
        s.trajectories,
        s.levels,
        MorrisDesign {
            factors: a.factors.len(),
            trajectories: s.trajectories,
            levels: s.levels,
            seed: s.seed
        }
        .delta(),
        design_evals,
        a.patients,
        a.population_seed,
        s.seed,
        f = s.range_factor,
    );
    if a.morris.failed_evaluations > 0 {
        let _ = writeln!(
            out,
            "{} of {design_evals} evaluations gave a non-finite outcome{}; the elementary effects touching them \
             are left out (the `n` column counts those kept).\n",
            a.morris.failed_evaluations,
            if a.inconsistent > 0 {
                format!(
                    " ({} because the values broke a rule across parameters)",
                    a.inconsistent
                )
            } else {
                String::new()
            }
        );
    }
    if !a.skipped.is_empty() {
        out.push_str("Parameters of the default groups left out:\n\n");
        for k in &a.skipped {
            let _ = writeln!(out, "- `{}`: {}", k.param.name(), k.reason);
        }
        out.push('\n');
    }
    for o in 0..OUTCOMES.len() {
        outcome_section(&mut out, a, o, figures);
    }
    out
}

/// The section of outcome `o`: its reading and the table of factors by μ*.
fn outcome_section(out: &mut String, a: &Analysis, o: usize, figures: bool) {
    let info = &OUTCOMES[o];
    let eff = &a.morris.summary[o];
    let _ = write!(
        out,
        "## {} ({}, `{}`)\n\n{}\n\n\
         | rank | factor | group | low | high | μ* | μ | σ | n |\n|---|---|---|---|---|---|---|---|---|\n",
        info.label,
        info.unit,
        info.metric,
        reading(a, o)
    );
    for (r, &i) in order_by_mu_star(eff).iter().enumerate() {
        let f = &a.factors[i];
        let e = eff[i];
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} | {} | {} | {} | {} |",
            r + 1,
            f.param.name(),
            f.group,
            sig(f.low),
            sig(f.high),
            sig(e.mu_star),
            sig(e.mu),
            sig(e.sigma),
            e.n_effects
        );
    }
    if figures && eff.iter().any(|e| e.mu_star.is_finite()) {
        let _ = write!(
            out,
            "\n![μ* and σ: {}]({}.png)\n",
            info.label,
            figure_name(o)
        );
    }
    out.push('\n');
}

/// File name (without extension) of the figure of outcome `o`.
pub fn figure_name(o: usize) -> String {
    format!("mu_star_{}", OUTCOMES[o].metric)
}

/// Draws one bar chart per outcome into the existing folder `dir`: `μ*` as bars (largest at the
/// top) with whiskers of `±σ`, factors without a finite `μ*` left out. Returns the files
/// written.
pub fn write_figures(
    a: &Analysis,
    dir: &std::path::Path,
) -> Result<Vec<std::path::PathBuf>, crate::report::plot::PlotError> {
    use crate::report::plot::{Axis, Bars, Figure, FigureOptions};
    let mut written = Vec::new();
    for (o, info) in OUTCOMES.iter().enumerate() {
        let eff = &a.morris.summary[o];
        let shown: Vec<usize> = order_by_mu_star(eff)
            .into_iter()
            .filter(|&i| eff[i].mu_star.is_finite())
            .collect();
        if shown.is_empty() {
            continue;
        }
        let labels = shown
            .iter()
            .map(|&i| a.factors[i].param.name().to_string())
            .collect();
        let values = shown.iter().map(|&i| eff[i].mu_star).collect();
        let sigma = shown
            .iter()
            .map(|&i| {
                let s = eff[i].sigma;
                if s.is_finite() { s } else { 0.0 }
            })
            .collect();
        let bars = Bars::new(
            format!("{}: Morris μ* of `{}`", info.label, a.scenario),
            labels,
            values,
            Axis::new(format!("μ* ({} per explored range)", info.unit)),
        )
        .subtitle(format!(
            "{} trajectories, {} patients per evaluation, each factor over [value / {f}, value × {f}] \
             on the log scale; whiskers ±σ",
            a.settings.trajectories,
            a.patients,
            f = a.settings.range_factor
        ))
        .error(sigma);
        let height = u32::try_from(300 + 28 * shown.len())
            .unwrap_or(u32::MAX)
            .clamp(800, 3000);
        written.extend(Figure::Bars(bars).save(
            dir,
            &figure_name(o),
            &FigureOptions::sized(1200, height),
        )?);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_of_four_levels_is_two_thirds() {
        let d = MorrisDesign::new(3, 2, 4, 1).unwrap();
        assert!((d.delta() - 2.0 / 3.0).abs() < 1e-15);
        assert_eq!(d.evaluations(), 8);
    }

    #[test]
    fn bad_designs_are_refused() {
        assert!(matches!(
            MorrisDesign::new(3, 2, 3, 1),
            Err(SensitivityError::Levels(3))
        ));
        assert!(matches!(
            MorrisDesign::new(3, 1, 4, 1),
            Err(SensitivityError::Trajectories(1))
        ));
        assert!(matches!(
            MorrisDesign::new(0, 2, 4, 1),
            Err(SensitivityError::NoFactors)
        ));
    }

    #[test]
    fn factor_values_span_the_log_range() {
        let f = Factor {
            param: Param::AggGrowthRate,
            group: "g",
            centre: 1.0,
            low: 0.5,
            high: 2.0,
        };
        assert!((f.value(0.5) - 1.0).abs() < 1e-12);
        assert_eq!(f.value(0.0).to_bits(), 0.5_f64.to_bits());
        assert_eq!(f.value(1.0).to_bits(), 2.0_f64.to_bits());
    }

    #[test]
    fn pool_weights_and_repeated_parameters_are_refused() {
        let s = super::super::validate::natural_history();
        assert!(matches!(
            factors(&s, Some(&[Param::PoolWeightBulbar]), 2.0),
            Err(SensitivityError::Factor {
                param: Param::PoolWeightBulbar,
                ..
            })
        ));
        assert!(matches!(
            factors(&s, Some(&[Param::AggGrowthRate, Param::AggGrowthRate]), 2.0),
            Err(SensitivityError::Duplicate(Param::AggGrowthRate))
        ));
        let (f, skipped) = factors(&s, None, 2.0).unwrap();
        assert!(skipped.is_empty());
        assert_eq!(
            f.len(),
            crate::model::PARAMETERS
                .iter()
                .filter(|p| DEFAULT_GROUPS.contains(&p.group))
                .count()
        );
        // Clamped to the registry range: eaat2_loss_max 0.6 × 2 > 0.95.
        let e = f.iter().find(|f| f.param == Param::Eaat2LossMax).unwrap();
        assert!((e.high - 0.95).abs() < 1e-12 && (e.low - 0.3).abs() < 1e-12);
    }

    #[test]
    fn inconsistent_values_are_not_applied() {
        let s = super::super::validate::natural_history();
        let f = Factor {
            param: Param::DeathFvc,
            group: "function",
            centre: 25.0,
            low: 12.5,
            high: 60.0,
        };
        assert!(apply(&s, std::slice::from_ref(&f), &[0.0]).is_some());
        assert!(apply(&s, &[f], &[1.0]).is_none());
    }
}
