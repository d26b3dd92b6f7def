//! The Morris design and elementary effects, generic over any function of the unit cube
//! (Morris 1991; the summary of Campolongo, Cariboni & Saltelli 2007). Nothing here knows about
//! the model: [`super::analyse`] maps the unit cube onto model parameters.

use super::SensitivityError;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

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
