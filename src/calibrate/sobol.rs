//! Variance-based (Sobol) sensitivity indices of a scenario's outcomes to the model parameters.
//!
//! With `k` factors on the unit hypercube (the same log-scale ranges as the Morris screening,
//! [`super::sensitivity::Factor`]), two independent random matrices `A` and `B` of `n` rows, and
//! `A_B^(i)` equal to `A` with column `i` taken from `B`, the first-order index (Saltelli 2010,
//! Comput Phys Commun 181:259) and the total index (Jansen 1999) of factor `i` are
//!
//! ```text
//! S_i  = mean_j( (f(B_j) − f̄) · (f(A_B^(i)_j) − f(A_j)) ) / V
//! ST_i = mean_j( (f(A_j) − f(A_B^(i)_j))² ) / (2 V)
//! ```
//!
//! with `f̄` and `V` the mean and variance of the outcome over the rows of `A` and `B` (centring
//! `f(B)` leaves the estimator unbiased and lowers its variance). `S_i` is the share of the
//! outcome's variance explained by factor `i` alone, `ST_i` the share in which it takes part,
//! interactions included. The design costs `n (k + 2)` cohort runs.

use super::sensitivity::{Factor, OUTCOMES, evaluate_points};
use crate::cohort::EngineError;
use crate::scenario::Scenario;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use std::fmt::Write;

/// Mixed into the design seed so the Sobol matrices differ from the Morris trajectories.
const SOBOL_SEED_MIX: u64 = 0x736f_626f_6c5f_6d78;

/// The two base matrices: `n` rows of `k` uniform coordinates each.
pub fn design(k: usize, n: usize, seed: u64) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ SOBOL_SEED_MIX);
    let mut draw = |_| (0..k).map(|_| rng.random::<f64>()).collect::<Vec<f64>>();
    let a: Vec<Vec<f64>> = (0..n).map(&mut draw).collect();
    let b: Vec<Vec<f64>> = (0..n).map(&mut draw).collect();
    (a, b)
}

/// First-order and total indices of each factor from the outcome values at the rows of `A`,
/// `B` and each `A_B^(i)` (`fab[i][j]`). Rows with a non-finite value are left out (per factor).
pub fn indices(fa: &[f64], fb: &[f64], fab: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>) {
    let all: Vec<f64> = fa
        .iter()
        .chain(fb)
        .copied()
        .filter(|x| x.is_finite())
        .collect();
    let n = all.len() as f64;
    let mean = all.iter().sum::<f64>() / n;
    let var = all.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let mut first = Vec::with_capacity(fab.len());
    let mut total = Vec::with_capacity(fab.len());
    for col in fab {
        let rows: Vec<(f64, f64, f64)> = fa
            .iter()
            .zip(fb)
            .zip(col)
            .map(|((&a, &b), &ab)| (a, b, ab))
            .filter(|(a, b, ab)| a.is_finite() && b.is_finite() && ab.is_finite())
            .collect();
        if rows.is_empty() || var.is_nan() || var <= 0.0 {
            first.push(f64::NAN);
            total.push(f64::NAN);
            continue;
        }
        let m = rows.len() as f64;
        // Centring f(B) on the overall mean leaves the estimator's expectation unchanged
        // (the mean of f(A_B) − f(A) is zero) and removes most of its noise when the outcome
        // is far from zero (survival in months).
        first.push(
            rows.iter()
                .map(|(a, b, ab)| (b - mean) * (ab - a))
                .sum::<f64>()
                / m
                / var,
        );
        total.push(rows.iter().map(|(a, _, ab)| (a - ab).powi(2)).sum::<f64>() / m / 2.0 / var);
    }
    (first, total)
}

/// Sobol indices of every [`OUTCOMES`] entry.
#[derive(Debug, Clone)]
pub struct SobolResult {
    /// Rows of each base matrix.
    pub n: usize,
    /// First-order indices, `[outcome][factor]`.
    pub first: Vec<Vec<f64>>,
    /// Total indices, `[outcome][factor]`.
    pub total: Vec<Vec<f64>>,
    /// Evaluations whose parameter values broke a rule across parameters (outcomes left out).
    pub inconsistent: usize,
}

/// Runs the `n (k + 2)` cohort evaluations (each on the scenario's own patients, on one
/// thread; the points spread over `threads`) and computes the indices. The result does not
/// depend on the thread count. `progress` gets the number of evaluations done.
pub fn sobol(
    s: &Scenario,
    factors: &[Factor],
    n: usize,
    seed: u64,
    threads: usize,
    progress: impl Fn(usize) + Sync,
) -> Result<SobolResult, EngineError> {
    let k = factors.len();
    let (a, b) = design(k, n, seed);
    let mut points: Vec<Vec<f64>> = Vec::with_capacity(n * (k + 2));
    points.extend(a.iter().cloned());
    points.extend(b.iter().cloned());
    for i in 0..k {
        for j in 0..n {
            let mut p = a[j].clone();
            p[i] = b[j][i];
            points.push(p);
        }
    }
    let points: Vec<&[f64]> = points.iter().map(Vec::as_slice).collect();
    let (values, inconsistent) = evaluate_points(s, factors, &points, threads, &progress)?;
    let (mut first, mut total) = (Vec::new(), Vec::new());
    for o in 0..OUTCOMES.len() {
        let f =
            |r: std::ops::Range<usize>| -> Vec<f64> { values[r].iter().map(|v| v[o]).collect() };
        let fa = f(0..n);
        let fb = f(n..2 * n);
        let fab: Vec<Vec<f64>> = (0..k).map(|i| f((2 + i) * n..(3 + i) * n)).collect();
        let (s1, st) = indices(&fa, &fb, &fab);
        first.push(s1);
        total.push(st);
    }
    Ok(SobolResult {
        n,
        first,
        total,
        inconsistent,
    })
}

fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3}")
    } else {
        String::new()
    }
}

/// `sobol.csv`: one row per outcome and factor.
pub fn to_csv(r: &SobolResult, factors: &[Factor]) -> String {
    let mut out = String::from("outcome,parameter,group,first_order,total\n");
    for (o, info) in OUTCOMES.iter().enumerate() {
        for (i, f) in factors.iter().enumerate() {
            let _ = writeln!(
                out,
                "{},{},{},{},{}",
                info.metric,
                f.param.name(),
                f.group,
                num(r.first[o][i]),
                num(r.total[o][i])
            );
        }
    }
    out
}

/// A markdown section: per outcome, the factors by decreasing total index.
pub fn to_markdown(r: &SobolResult, factors: &[Factor], patients: u64) -> String {
    let mut out = format!(
        "\n## Sobol indices\n\nVariance-based indices from two random matrices of {} rows ({} \
         cohort runs of {} patients; first order by Saltelli 2010, total by Jansen 1999). The first-order \
         index is the share of the outcome's variance a parameter explains alone, the total \
         index the share it takes part in, interactions included. With this few rows the \
         indices of weak parameters are noise around 0 (they can come out slightly negative); \
         the ranking of the strong ones is what to read.\n",
        r.n,
        r.n * (factors.len() + 2),
        patients
    );
    if r.inconsistent > 0 {
        let _ = writeln!(
            out,
            "\n{} evaluations broke a rule across parameters and were left out.",
            r.inconsistent
        );
    }
    for (o, info) in OUTCOMES.iter().enumerate() {
        let mut order: Vec<usize> = (0..factors.len()).collect();
        order.sort_by(|&x, &y| {
            let (a, b) = (r.total[o][x], r.total[o][y]);
            b.partial_cmp(&a).unwrap_or(std::cmp::Ordering::Equal)
        });
        let _ = writeln!(
            out,
            "\n### {} ({})\n\n| parameter | group | first order | total |\n|---|---|---|---|",
            info.label, info.unit
        );
        for i in order {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                factors[i].param.name(),
                factors[i].group,
                num(r.first[o][i]),
                num(r.total[o][i])
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Ishigami function (a = 7, b = 0.1) on [−π, π]³, whose indices are known in closed
    /// form: S = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437).
    fn ishigami(u: &[f64]) -> f64 {
        let x: Vec<f64> = u
            .iter()
            .map(|v| std::f64::consts::PI * (2.0 * v - 1.0))
            .collect();
        x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
    }

    #[test]
    fn ishigami_indices_are_recovered() {
        let n = 20_000;
        let (a, b) = design(3, n, 1);
        let fa: Vec<f64> = a.iter().map(|r| ishigami(r)).collect();
        let fb: Vec<f64> = b.iter().map(|r| ishigami(r)).collect();
        let fab: Vec<Vec<f64>> = (0..3)
            .map(|i| {
                (0..n)
                    .map(|j| {
                        let mut p = a[j].clone();
                        p[i] = b[j][i];
                        ishigami(&p)
                    })
                    .collect()
            })
            .collect();
        let (s1, st) = indices(&fa, &fb, &fab);
        for (got, want) in s1.iter().zip([0.3139, 0.4424, 0.0]) {
            assert!((got - want).abs() < 0.04, "S1 {s1:?}");
        }
        for (got, want) in st.iter().zip([0.5576, 0.4424, 0.2437]) {
            assert!((got - want).abs() < 0.04, "ST {st:?}");
        }
    }
}
