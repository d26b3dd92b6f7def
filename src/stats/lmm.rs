//! Linear mixed model with a random intercept and a random slope per subject, fitted by
//! restricted maximum likelihood (REML): the slope analysis of longitudinal trials.
//!
//! # Model
//!
//! For observation `j` of subject `i` at time `t_ij`,
//!
//! ```text
//! y_ij = x_ijᵀβ + u0_i + u1_i·t_ij + e_ij,   (u0_i, u1_i) ~ N(0, Σ_b),   e_ij ~ N(0, σ²),
//! ```
//!
//! with `Σ_b` an unstructured 2 × 2 covariance. [`slope_trial`] uses the design of a two-arm
//! slope trial, `x_ijᵀβ = b0 + b1·t_ij + b2·arm_i·t_ij (+ b3·arm_i)`, where `b2` is the
//! treatment effect on the rate of change, and [`slope_trial_stratified`] adds an intercept and
//! a slope shift per randomisation stratum; [`fit`] accepts any fixed-effect design.
//!
//! # Profiled REML criterion
//!
//! Following Bates et al. (2015), write `Σ_b = σ² ΛΛᵀ` with `Λ = [[λ₁, 0], [λ₂, λ₃]]`
//! (θ = (λ₁, λ₂, λ₃)). For subject `i` with random-effect design `Zᵢ = [1, tᵢ]`, let
//! `Wᵢ = ΛᵀZᵢᵀZᵢΛ + I` and `Pᵢ = ΛWᵢ⁻¹Λᵀ`; by the Woodbury identity
//! `σ²Vᵢ⁻¹ = I − ZᵢPᵢZᵢᵀ` and `|Vᵢ/σ²| = |Wᵢ|`. With
//!
//! ```text
//! A = Σᵢ XᵢᵀXᵢ − XᵢᵀZᵢ Pᵢ ZᵢᵀXᵢ,   c = Σᵢ Xᵢᵀyᵢ − XᵢᵀZᵢ Pᵢ Zᵢᵀyᵢ,   r² = yᵀσ²V⁻¹y − cᵀA⁻¹c,
//! ```
//!
//! the fixed effects are the generalised least-squares estimate `β̂(θ) = A⁻¹c`, the REML
//! variance `σ̂²(θ) = r²/(n − p)`, and the profiled REML criterion (−2 × restricted
//! log-likelihood) is
//!
//! ```text
//! d(θ) = Σᵢ ln|Wᵢ| + ln|A| + (n − p)·(1 + ln(2π r² / (n − p))),
//! ```
//!
//! the quantity lme4 reports as "REML criterion at convergence". Only per-subject 2 × 2 and
//! 2 × p cross-products enter, so each evaluation costs O(subjects · p²).
//!
//! # Optimisation
//!
//! `d(θ)` is minimised by Nelder-Mead (Lagarias et al. 1998 coefficients) on the three
//! elements of `Λ`, restarted from the best vertex until a restart no longer improves the
//! criterion. Flipping the sign of a column of `Λ` leaves `ΛΛᵀ` unchanged, so the search is
//! unconstrained. Time is scaled to unit root mean square inside the fit (an exact
//! reparametrisation, `Λ` scales with the slope row) so that the starting simplex around
//! `Λ = I` suits any time unit. The fit reports `converged` when the simplex collapsed within
//! the evaluation budget, and `singular` when `Λ` is within 1e-4 of rank deficiency (a
//! variance component or the correlation at its boundary, lme4's `isSingular`).
//!
//! # Inference
//!
//! `Cov(β̂) = σ̂²A⁻¹` at the optimum (the Wald covariance lme4 reports). Intervals and
//! p-values use Student's t with `m − p` degrees of freedom for `m` subjects, a between-subject
//! approximation: in a balanced complete design with an arm main effect, `b̂2` is exactly the
//! difference of the arms' mean per-subject least-squares slopes and the test is the two-sample
//! t-test of those slopes on `m − 2` degrees of freedom; `m − p` is at most one degree of
//! freedom more conservative.
//!
//! # References
//!
//! - Laird NM, Ware JH (1982). Random-effects models for longitudinal data. *Biometrics*
//!   38:963-974.
//! - Bates D, Mächler M, Bolker B, Walker S (2015). Fitting linear mixed-effects models using
//!   lme4. *Journal of Statistical Software* 67(1):1-48 (§3, the profiled criterion).
//! - Lagarias JC, Reeds JA, Wright MH, Wright PE (1998). Convergence properties of the
//!   Nelder-Mead simplex method in low dimensions. *SIAM J Optim* 9:112-147.
//! - Belenky G et al. (2003). Patterns of performance degradation and restoration during sleep
//!   restriction and subsequent recovery. *J Sleep Res* 12:1-12: the `sleepstudy` data of
//!   lme4 used in the tests.

use std::collections::BTreeMap;

use super::ancova::Estimate;
use super::dist::t_for_level;
use super::linalg::{Ldl, PIVOT_TOLERANCE};

/// Why a mixed model could not be fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LmmError {
    /// Responses, times, subjects, arms or design rows differ in number.
    #[error("mismatched lengths: {0}")]
    MismatchedLengths(&'static str),
    /// A non-finite response, time or design entry.
    #[error("observation {observation} has a non-finite response, time or covariate")]
    NonFinite {
        /// Index of the offending observation.
        observation: usize,
    },
    /// The arm changes within a subject.
    #[error("subject label {subject} is in both arms")]
    ArmChangesWithinSubject {
        /// The subject's label.
        subject: usize,
    },
    /// The randomisation stratum changes within a subject.
    #[error("subject label {subject} is in more than one stratum")]
    StratumChangesWithinSubject {
        /// The subject's label.
        subject: usize,
    },
    /// Not enough observations or subjects.
    #[error("too little data: {0}")]
    TooFew(&'static str),
    /// The fixed-effect design does not identify every coefficient.
    #[error("singular fixed-effect design (rank {rank} of {p})")]
    Singular {
        /// Numerical rank found.
        rank: usize,
        /// Number of fixed effects.
        p: usize,
    },
    /// The residual sum of squares vanished or the criterion was not finite.
    #[error("the REML criterion is not finite (the data may fit exactly)")]
    Degenerate,
    /// Invalid options.
    #[error("invalid options: {0}")]
    Options(&'static str),
}

/// Fitting options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LmmOptions {
    /// Confidence level of the intervals (0.95).
    pub level: f64,
    /// Largest number of criterion evaluations over all restarts (4,000).
    pub max_evaluations: usize,
    /// Relative convergence tolerance on the spread of the criterion over the simplex (1e-10;
    /// the criterion is a deviance, so this is far below any meaningful difference).
    pub tol: f64,
}

impl Default for LmmOptions {
    fn default() -> Self {
        LmmOptions {
            level: 0.95,
            max_evaluations: 4000,
            tol: 1e-10,
        }
    }
}

/// A fitted random intercept and slope model.
#[derive(Debug, Clone, PartialEq)]
pub struct LmmFit {
    /// Fixed effects in the order of the design columns, with Wald t inference on `m − p`
    /// degrees of freedom.
    pub fixed: Vec<Estimate>,
    /// Covariance matrix of the fixed effects `σ̂²A⁻¹`, row-major `p × p`.
    pub fixed_cov: Vec<f64>,
    /// Standard deviation of the random intercepts.
    pub sd_intercept: f64,
    /// Standard deviation of the random slopes (per unit of time).
    pub sd_slope: f64,
    /// Correlation of random intercepts and slopes (0 when either variance is 0).
    pub correlation: f64,
    /// Residual standard deviation σ̂.
    pub sigma: f64,
    /// REML criterion at the optimum, −2 × restricted log-likelihood.
    pub reml_criterion: f64,
    /// Number of observations.
    pub n_obs: usize,
    /// Number of subjects.
    pub n_subjects: usize,
    /// Degrees of freedom of the t reference, `m − p`.
    pub df: usize,
    /// Whether the optimiser converged within the evaluation budget.
    pub converged: bool,
    /// Whether the random-effect covariance is (near) singular.
    pub singular: bool,
    /// Number of criterion evaluations used.
    pub evaluations: usize,
}

/// Result of [`slope_trial`].
#[derive(Debug, Clone, PartialEq)]
pub struct SlopeTrial {
    /// The full fit; fixed effects in the order b0 (intercept), b1 (time), b2 (arm × time),
    /// then b3 (arm) when requested, then the strata's intercept and slope shifts (stratified
    /// fits).
    pub fit: LmmFit,
    /// Treatment-by-time effect `b2`: difference in the rate of change, treated minus control.
    pub arm_by_time: Estimate,
}

/// Per-subject cross-products.
struct Subject {
    /// `ZᵀZ` as (Σ1, Σt, Σt²).
    ztz: [f64; 3],
    /// `ZᵀX`, two rows of p.
    ztx: [Vec<f64>; 2],
    /// `Zᵀy`.
    zty: [f64; 2],
}

/// Everything the criterion needs.
struct Problem {
    p: usize,
    n: usize,
    xtx: Vec<f64>,
    xty: Vec<f64>,
    yty: f64,
    subjects: Vec<Subject>,
}

/// Criterion pieces at one θ.
struct Evaluation {
    deviance: f64,
    beta: Vec<f64>,
    a_inverse: Vec<f64>,
    sigma2: f64,
}

impl Problem {
    /// Evaluates the profiled REML criterion at θ; `None` when it is not finite.
    fn evaluate(&self, theta: &[f64; 3], full: bool) -> Option<Evaluation> {
        let p = self.p;
        let [l1, l2, l3] = *theta;
        let mut a = self.xtx.clone();
        let mut c = self.xty.clone();
        let mut d = self.yty;
        let mut log_det_w = 0.0;
        let mut pz0 = vec![0.0; p];
        let mut pz1 = vec![0.0; p];
        for s in &self.subjects {
            let [s00, s01, s11] = s.ztz;
            // M = ΛᵀZᵀZΛ with Λ = [[l1, 0], [l2, l3]].
            let m00 = l1 * l1 * s00 + 2.0 * l1 * l2 * s01 + l2 * l2 * s11;
            let m01 = l3 * (l1 * s01 + l2 * s11);
            let m11 = l3 * l3 * s11;
            let (w00, w01, w11) = (m00 + 1.0, m01, m11 + 1.0);
            let det = w00 * w11 - w01 * w01;
            if det.is_nan() || det <= 0.0 {
                return None;
            }
            log_det_w += det.ln();
            // P = Λ W⁻¹ Λᵀ.
            let (i00, i01, i11) = (w11 / det, -w01 / det, w00 / det);
            let p00 = l1 * l1 * i00;
            let p01 = l1 * (l2 * i00 + l3 * i01);
            let p11 = l2 * l2 * i00 + 2.0 * l2 * l3 * i01 + l3 * l3 * i11;
            // Subtract (ZᵀX)ᵀ P (ZᵀX), (ZᵀX)ᵀ P Zᵀy and (Zᵀy)ᵀ P Zᵀy.
            let (z0, z1) = (&s.ztx[0][..p], &s.ztx[1][..p]);
            for (k, (pk0, pk1)) in pz0.iter_mut().zip(pz1.iter_mut()).enumerate() {
                *pk0 = p00 * z0[k] + p01 * z1[k];
                *pk1 = p01 * z0[k] + p11 * z1[k];
            }
            for r in 0..p {
                let row = &mut a[r * p..(r + 1) * p];
                let (zr0, zr1) = (z0[r], z1[r]);
                for ((ak, pk0), pk1) in row.iter_mut().zip(&pz0).zip(&pz1) {
                    *ak -= zr0 * pk0 + zr1 * pk1;
                }
                c[r] -= pz0[r] * s.zty[0] + pz1[r] * s.zty[1];
            }
            d -= p00 * s.zty[0] * s.zty[0]
                + 2.0 * p01 * s.zty[0] * s.zty[1]
                + p11 * s.zty[1] * s.zty[1];
        }
        let ldl = Ldl::new(&a, p, PIVOT_TOLERANCE)?;
        if !ldl.is_full_rank() {
            return None;
        }
        let beta = ldl.solve(&c);
        let r2 = d - c.iter().zip(&beta).map(|(u, v)| u * v).sum::<f64>();
        let dof = (self.n - p) as f64;
        if r2.is_nan() || r2 <= 0.0 {
            return None;
        }
        let deviance =
            log_det_w + ldl.log_det() + dof * (1.0 + (2.0 * std::f64::consts::PI * r2 / dof).ln());
        if !deviance.is_finite() {
            return None;
        }
        Some(Evaluation {
            deviance,
            a_inverse: if full { ldl.inverse() } else { Vec::new() },
            beta,
            sigma2: r2 / dof,
        })
    }
}

/// Nelder-Mead minimisation of `f` from `start`, with initial steps `step`; returns the best
/// point, its value, evaluations used and whether the simplex collapsed.
fn nelder_mead(
    f: &dyn Fn(&[f64; 3]) -> f64,
    start: [f64; 3],
    step: f64,
    budget: usize,
    tol: f64,
) -> ([f64; 3], f64, usize, bool) {
    let mut simplex: Vec<[f64; 3]> = vec![start; 4];
    for (k, vertex) in simplex.iter_mut().skip(1).enumerate() {
        vertex[k] += step;
    }
    let mut values: Vec<f64> = simplex.iter().map(f).collect();
    let mut evals = 4;
    let mut converged = false;
    while evals < budget {
        let mut order: Vec<usize> = (0..4).collect();
        order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
        simplex = order.iter().map(|&i| simplex[i]).collect();
        values = order.iter().map(|&i| values[i]).collect();
        let spread = values[3] - values[0];
        let size = simplex[1..]
            .iter()
            .flat_map(|v| v.iter().zip(&simplex[0]).map(|(a, b)| (a - b).abs()))
            .fold(0.0, f64::max);
        let extent = simplex[0].iter().fold(1.0, |m: f64, v| m.max(v.abs()));
        if spread.is_finite() && spread <= tol * (1.0 + values[0].abs()) && size <= 1e-7 * extent {
            converged = true;
            break;
        }
        let mut centroid = [0.0; 3];
        for v in &simplex[..3] {
            for k in 0..3 {
                centroid[k] += v[k] / 3.0;
            }
        }
        let towards = |coef: f64| -> [f64; 3] {
            let mut x = [0.0; 3];
            for k in 0..3 {
                x[k] = centroid[k] + coef * (simplex[3][k] - centroid[k]);
            }
            x
        };
        let reflected = towards(-1.0);
        let fr = f(&reflected);
        evals += 1;
        if fr < values[0] {
            let expanded = towards(-2.0);
            let fe = f(&expanded);
            evals += 1;
            if fe < fr {
                simplex[3] = expanded;
                values[3] = fe;
            } else {
                simplex[3] = reflected;
                values[3] = fr;
            }
            continue;
        }
        if fr < values[2] {
            simplex[3] = reflected;
            values[3] = fr;
            continue;
        }
        let (candidate, fc) = if fr < values[3] {
            let x = towards(-0.5);
            (x, f(&x))
        } else {
            let x = towards(0.5);
            (x, f(&x))
        };
        evals += 1;
        if fc < values[3].min(fr) {
            simplex[3] = candidate;
            values[3] = fc;
            continue;
        }
        // Shrink towards the best vertex.
        let best = simplex[0];
        for (vertex, value) in simplex.iter_mut().zip(values.iter_mut()).skip(1) {
            for (v, b) in vertex.iter_mut().zip(&best) {
                *v = b + 0.5 * (*v - b);
            }
            *value = f(vertex);
        }
        evals += 3;
    }
    let best = (0..4)
        .min_by(|&a, &b| values[a].total_cmp(&values[b]))
        .unwrap_or(0);
    (simplex[best], values[best], evals, converged)
}

/// Moment estimate of θ for the starting simplex: per-subject least-squares lines through
/// the residuals of the ordinary least-squares fit `β₀`, whose covariance, less the average
/// sampling covariance `σ²(ZᵢᵀZᵢ)⁻¹`, estimates `Σ_b` (times in the scaled unit).
fn moment_start(
    y: &[f64],
    x: &[f64],
    p: usize,
    time: &[f64],
    scale: f64,
    groups: &BTreeMap<usize, Vec<usize>>,
    beta: &[f64],
) -> Option<[f64; 3]> {
    let mut lines = Vec::new();
    let mut rss = 0.0;
    let mut dof = 0.0;
    let mut sampling = [0.0; 3];
    for rows in groups.values() {
        let [mut s0, mut s1, mut s2, mut r0, mut r1, mut rr] = [0.0; 6];
        for &i in rows {
            let t = time[i] / scale;
            let fitted: f64 = x[i * p..(i + 1) * p]
                .iter()
                .zip(beta)
                .map(|(a, b)| a * b)
                .sum();
            let r = y[i] - fitted;
            s0 += 1.0;
            s1 += t;
            s2 += t * t;
            r0 += r;
            r1 += t * r;
            rr += r * r;
        }
        let det = s0 * s2 - s1 * s1;
        if rows.len() < 3 || det <= 1e-12 * s0 * s2 {
            continue;
        }
        let a = (s2 * r0 - s1 * r1) / det;
        let b = (s0 * r1 - s1 * r0) / det;
        rss += rr - a * r0 - b * r1;
        dof += s0 - 2.0;
        sampling[0] += s2 / det;
        sampling[1] -= s1 / det;
        sampling[2] += s0 / det;
        lines.push((a, b));
    }
    if lines.len() < 3 || dof <= 0.0 {
        return None;
    }
    let k = lines.len() as f64;
    let sigma2 = rss / dof;
    if sigma2.is_nan() || sigma2 <= 0.0 {
        return None;
    }
    let (ma, mb) = lines
        .iter()
        .fold((0.0, 0.0), |(u, v), (a, b)| (u + a / k, v + b / k));
    let mut cov = [0.0; 3];
    for (a, b) in &lines {
        cov[0] += (a - ma) * (a - ma) / (k - 1.0);
        cov[1] += (a - ma) * (b - mb) / (k - 1.0);
        cov[2] += (b - mb) * (b - mb) / (k - 1.0);
    }
    // Relative covariance, with the diagonal floored so that the start is positive definite.
    let v0 = ((cov[0] - sigma2 * sampling[0] / k) / sigma2).max(1e-2);
    let v1 = ((cov[2] - sigma2 * sampling[2] / k) / sigma2).max(1e-2);
    let c01 = ((cov[1] - sigma2 * sampling[1] / k) / sigma2)
        .clamp(-0.9 * (v0 * v1).sqrt(), 0.9 * (v0 * v1).sqrt());
    let l1 = v0.sqrt();
    let l2 = c01 / l1;
    let l3 = (v1 - l2 * l2).sqrt();
    let theta = [l1, l2, l3];
    theta.iter().all(|v| v.is_finite()).then_some(theta)
}

/// Fits `y = Xβ + u0_i + u1_i·t + e` by REML (see the module documentation).
///
/// `x` is the fixed-effect design, row-major with `p` columns and one row per observation
/// (include a column of ones for an intercept); `time` the covariate of the random slope;
/// `subject` a label per observation (observations with equal labels share random effects).
pub fn fit(
    y: &[f64],
    x: &[f64],
    p: usize,
    time: &[f64],
    subject: &[usize],
    options: &LmmOptions,
) -> Result<LmmFit, LmmError> {
    let n = y.len();
    check_inputs(y, x, p, time, subject, options)?;
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, &s) in subject.iter().enumerate() {
        groups.entry(s).or_default().push(i);
    }
    let m = groups.len();
    if m <= p || n <= p + 3 {
        return Err(LmmError::TooFew(
            "need more subjects than fixed effects and more observations than parameters",
        ));
    }
    // Scale time to unit root mean square (an exact reparametrisation of Λ).
    let scale = (time.iter().map(|t| t * t).sum::<f64>() / n as f64).sqrt();
    let scale = if scale > 0.0 { scale } else { 1.0 };
    let (xtx, xty, yty, subjects) = cross_products(y, x, p, time, scale, &groups);
    let ldl = Ldl::new(&xtx, p, PIVOT_TOLERANCE).ok_or(LmmError::Singular { rank: 0, p })?;
    if !ldl.is_full_rank() {
        return Err(LmmError::Singular {
            rank: ldl.rank(),
            p,
        });
    }
    let start = moment_start(y, x, p, time, scale, &groups, &ldl.solve(&xty));
    let problem = Problem {
        p,
        n,
        xtx,
        xty,
        yty,
        subjects,
    };
    let criterion = |theta: &[f64; 3]| -> f64 {
        problem
            .evaluate(theta, false)
            .map_or(f64::INFINITY, |e| e.deviance)
    };
    let (best, evaluations, converged) = minimise(&criterion, start, options);
    let evaluation = problem.evaluate(&best, true).ok_or(LmmError::Degenerate)?;
    let [l1, l2, l3] = best;
    let sigma = evaluation.sigma2.sqrt();
    // Σ_b = σ² D Λ Λᵀ D with D = diag(1, 1/scale) undoing the time scaling.
    let var0 = evaluation.sigma2 * l1 * l1;
    let var1 = evaluation.sigma2 * (l2 * l2 + l3 * l3) / (scale * scale);
    let cov01 = evaluation.sigma2 * l1 * l2 / scale;
    let correlation = if var0 > 0.0 && var1 > 0.0 {
        (cov01 / (var0 * var1).sqrt()).clamp(-1.0, 1.0)
    } else {
        0.0
    };
    // Relative singularity, as lme4's isSingular: a diagonal element of Λ below 1e-4.
    let singular = l1.abs() < 1e-4 || l3.abs() < 1e-4;
    let df = m - p;
    let crit = t_for_level(options.level, df as f64)
        .ok_or(LmmError::Options("confidence level must be in (0, 1)"))?;
    let fixed_cov: Vec<f64> = evaluation
        .a_inverse
        .iter()
        .map(|v| v * evaluation.sigma2)
        .collect();
    let fixed = (0..p)
        .map(|k| {
            Estimate::new(
                evaluation.beta[k],
                fixed_cov[k * p + k].max(0.0).sqrt(),
                crit,
                df as f64,
            )
        })
        .collect();
    Ok(LmmFit {
        fixed,
        fixed_cov,
        sd_intercept: var0.sqrt(),
        sd_slope: var1.sqrt(),
        correlation,
        sigma,
        reml_criterion: evaluation.deviance,
        n_obs: n,
        n_subjects: m,
        df,
        converged,
        singular,
        evaluations,
    })
}

/// Rejects inputs [`fit`] cannot use: no fixed effects, mismatched lengths, options out of
/// range, non-finite values.
fn check_inputs(
    y: &[f64],
    x: &[f64],
    p: usize,
    time: &[f64],
    subject: &[usize],
    options: &LmmOptions,
) -> Result<(), LmmError> {
    let n = y.len();
    if p == 0 {
        return Err(LmmError::TooFew("no fixed-effect columns"));
    }
    if x.len() != n * p || time.len() != n || subject.len() != n {
        return Err(LmmError::MismatchedLengths(
            "design, times and subjects must have one row per response",
        ));
    }
    if !(options.level > 0.0 && options.level < 1.0) {
        return Err(LmmError::Options("confidence level must be in (0, 1)"));
    }
    if !(options.tol.is_finite() && options.tol > 0.0) || options.max_evaluations < 10 {
        return Err(LmmError::Options("tolerance or evaluation budget"));
    }
    if let Some(observation) = (0..n).find(|&i| {
        !(y[i].is_finite()
            && time[i].is_finite()
            && x[i * p..(i + 1) * p].iter().all(|v| v.is_finite()))
    }) {
        return Err(LmmError::NonFinite { observation });
    }
    Ok(())
}

/// The cross-products the criterion needs: `XᵀX`, `Xᵀy`, `yᵀy` over all observations and,
/// per subject, `ZᵀZ`, `ZᵀX` and `Zᵀy` with `Z = [1, t/scale]`.
#[allow(clippy::type_complexity)]
fn cross_products(
    y: &[f64],
    x: &[f64],
    p: usize,
    time: &[f64],
    scale: f64,
    groups: &BTreeMap<usize, Vec<usize>>,
) -> (Vec<f64>, Vec<f64>, f64, Vec<Subject>) {
    let mut xtx = vec![0.0; p * p];
    let mut xty = vec![0.0; p];
    let mut yty = 0.0;
    let mut subjects = Vec::with_capacity(groups.len());
    for rows in groups.values() {
        let mut s = Subject {
            ztz: [0.0; 3],
            ztx: [vec![0.0; p], vec![0.0; p]],
            zty: [0.0; 2],
        };
        for &i in rows {
            let t = time[i] / scale;
            let xi = &x[i * p..(i + 1) * p];
            s.ztz[0] += 1.0;
            s.ztz[1] += t;
            s.ztz[2] += t * t;
            s.zty[0] += y[i];
            s.zty[1] += t * y[i];
            for k in 0..p {
                s.ztx[0][k] += xi[k];
                s.ztx[1][k] += t * xi[k];
                xty[k] += xi[k] * y[i];
                for l in 0..p {
                    xtx[k * p + l] += xi[k] * xi[l];
                }
            }
            yty += y[i] * y[i];
        }
        subjects.push(s);
    }
    (xtx, xty, yty, subjects)
}

/// Minimises the REML criterion over `θ` (the Cholesky factor of `Λ`) by restarted
/// Nelder-Mead from the moment estimate or `Λ = I`: the best `θ`, the criterion evaluations
/// used and whether a restart stopped improving within the budget.
fn minimise(
    criterion: &impl Fn(&[f64; 3]) -> f64,
    start: Option<[f64; 3]>,
    options: &LmmOptions,
) -> ([f64; 3], usize, bool) {
    // Start from the moment estimate when it is admissible, else from Λ = I.
    let mut best = [1.0, 0.0, 1.0];
    let mut best_value = criterion(&best);
    let mut evaluations = 1;
    if let Some(theta) = start {
        let value = criterion(&theta);
        evaluations += 1;
        if value < best_value {
            best = theta;
            best_value = value;
        }
    }
    let mut converged = false;
    let mut step = 0.25;
    while evaluations < options.max_evaluations {
        let budget = options.max_evaluations - evaluations;
        let (x, value, used, collapsed) = nelder_mead(&criterion, best, step, budget, options.tol);
        evaluations += used;
        let improvement = best_value - value;
        if value < best_value {
            best = x;
            best_value = value;
        }
        // Restart from the best vertex until a restart no longer improves the criterion.
        if collapsed && improvement.abs() <= 10.0 * options.tol * (1.0 + best_value.abs()) {
            converged = true;
            break;
        }
        step = 0.1;
    }
    (best, evaluations, converged)
}

/// Fits the slope model of a two-arm trial,
/// `y_ij = b0 + b1·t_ij + b2·arm_i·t_ij (+ b3·arm_i) + u0_i + u1_i·t_ij + e_ij`, and returns
/// the treatment-by-time effect `b2` with its interval and p-value.
///
/// `arm[j]` is the arm of observation `j`'s subject (`true` = treated) and must be constant
/// within a subject. With randomisation the arms share a mean at time 0, so the arm main
/// effect `b3` is usually left out (`arm_main_effect = false`); including it gives the
/// unconstrained-baseline model. [`slope_trial_stratified`] adjusts for randomisation strata.
pub fn slope_trial(
    y: &[f64],
    time: &[f64],
    subject: &[usize],
    arm: &[bool],
    arm_main_effect: bool,
    options: &LmmOptions,
) -> Result<SlopeTrial, LmmError> {
    slope_trial_stratified(y, time, subject, arm, &[], arm_main_effect, options)
}

/// As [`slope_trial`], adjusted for the randomisation strata: every stratum but the first (in
/// label order) adds a fixed intercept shift and a fixed slope shift,
/// `+ Σ_k c_k·[s_i = k] + d_k·[s_i = k]·t_ij`, so that the treatment-by-time effect `b2` is
/// estimated within strata whose patients differ in level and speed (a randomisation
/// stratified by progression rate balances a factor that predicts the slope; leaving it out
/// puts its variance into the random slopes and makes the test conservative).
///
/// `stratum[j]` is the stratum of observation `j`'s subject and must be constant within a
/// subject; an empty slice (or a single label) gives the unstratified model. The strata's
/// columns follow `b0`-`b2` (and `b3`), so `b2` keeps its index.
pub fn slope_trial_stratified(
    y: &[f64],
    time: &[f64],
    subject: &[usize],
    arm: &[bool],
    stratum: &[u32],
    arm_main_effect: bool,
    options: &LmmOptions,
) -> Result<SlopeTrial, LmmError> {
    let n = y.len();
    if time.len() != n || subject.len() != n || arm.len() != n {
        return Err(LmmError::MismatchedLengths(
            "responses, times, subjects and arms must have equal lengths",
        ));
    }
    if !stratum.is_empty() && stratum.len() != n {
        return Err(LmmError::MismatchedLengths(
            "strata must be empty or one per observation",
        ));
    }
    let mut seen: BTreeMap<usize, bool> = BTreeMap::new();
    for (&s, &a) in subject.iter().zip(arm) {
        if *seen.entry(s).or_insert(a) != a {
            return Err(LmmError::ArmChangesWithinSubject { subject: s });
        }
    }
    let mut seen_stratum: BTreeMap<usize, u32> = BTreeMap::new();
    for (&s, &k) in subject.iter().zip(stratum) {
        if *seen_stratum.entry(s).or_insert(k) != k {
            return Err(LmmError::StratumChangesWithinSubject { subject: s });
        }
    }
    // Every label but the smallest gets its own two columns.
    let levels: Vec<u32> = stratum
        .iter()
        .copied()
        .collect::<std::collections::BTreeSet<u32>>()
        .into_iter()
        .skip(1)
        .collect();
    let p = if arm_main_effect { 4 } else { 3 } + 2 * levels.len();
    let mut x = Vec::with_capacity(n * p);
    for (j, (&t, &a)) in time.iter().zip(arm).enumerate() {
        let g = f64::from(u8::from(a));
        x.extend_from_slice(&[1.0, t, g * t]);
        if arm_main_effect {
            x.push(g);
        }
        for &k in &levels {
            let d = f64::from(u8::from(stratum[j] == k));
            x.extend_from_slice(&[d, d * t]);
        }
    }
    let fit = fit(y, &x, p, time, subject, options)?;
    let arm_by_time = fit.fixed[2];
    Ok(SlopeTrial { fit, arm_by_time })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;
    use rand_distr::{Distribution, StandardNormal};

    /// The lme4 `sleepstudy` data: reaction time (ms) of 18 subjects over 10 days of sleep
    /// deprivation (Belenky et al. 2003).
    fn sleepstudy() -> (Vec<f64>, Vec<f64>, Vec<usize>) {
        let text = include_str!("../../tests/fixtures/sleepstudy.csv");
        let mut y = Vec::new();
        let mut days = Vec::new();
        let mut subject = Vec::new();
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split(',').collect();
            y.push(fields[0].parse().unwrap());
            days.push(fields[1].parse().unwrap());
            subject.push(fields[2].parse().unwrap());
        }
        (y, days, subject)
    }

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs()
    }

    #[test]
    fn sleepstudy_matches_lme4() {
        // lmer(Reaction ~ Days + (Days | Subject), sleepstudy) (REML), Bates et al. (2015),
        // §1 and §5: REML criterion 1743.6; fixed effects 251.405 (6.825) and 10.467 (1.546);
        // random intercept SD 24.741, slope SD 5.922, correlation 0.07 (0.066), residual SD
        // 25.592.
        let (y, days, subject) = sleepstudy();
        assert_eq!(y.len(), 180);
        let x: Vec<f64> = days.iter().flat_map(|&d| [1.0, d]).collect();
        let fit = fit(&y, &x, 2, &days, &subject, &LmmOptions::default()).unwrap();
        assert!(fit.converged && !fit.singular, "{fit:?}");
        assert_eq!((fit.n_obs, fit.n_subjects, fit.df), (180, 18, 16));
        assert!(
            (fit.reml_criterion - 1743.628).abs() < 0.005,
            "{}",
            fit.reml_criterion
        );
        assert!(
            rel(fit.fixed[0].estimate, 251.405) < 5e-4,
            "{:?}",
            fit.fixed[0]
        );
        assert!(
            rel(fit.fixed[1].estimate, 10.467) < 5e-4,
            "{:?}",
            fit.fixed[1]
        );
        assert!(rel(fit.fixed[0].se, 6.825) < 5e-4, "{:?}", fit.fixed[0]);
        assert!(rel(fit.fixed[1].se, 1.546) < 5e-4, "{:?}", fit.fixed[1]);
        assert!(rel(fit.sd_intercept, 24.741) < 5e-4, "{}", fit.sd_intercept);
        assert!(rel(fit.sd_slope, 5.922) < 5e-4, "{}", fit.sd_slope);
        assert!(
            (fit.correlation - 0.066).abs() < 0.005,
            "{}",
            fit.correlation
        );
        assert!(rel(fit.sigma, 25.592) < 5e-4, "{}", fit.sigma);
        // The same fit with time in weeks: identical up to the unit of the slope.
        let weeks: Vec<f64> = days.iter().map(|d| d / 7.0).collect();
        let xw: Vec<f64> = weeks.iter().flat_map(|&w| [1.0, w]).collect();
        let fw = super::fit(&y, &xw, 2, &weeks, &subject, &LmmOptions::default()).unwrap();
        assert!(rel(fw.fixed[1].estimate, 7.0 * fit.fixed[1].estimate) < 1e-6);
        assert!(rel(fw.sd_slope, 7.0 * fit.sd_slope) < 1e-4);
        // Scaling a design column by 1/7 scales |A| by 1/49.
        let shifted = fit.reml_criterion - 2.0 * 7f64.ln();
        assert!(
            (fw.reml_criterion - shifted).abs() < 1e-4,
            "{}",
            fw.reml_criterion
        );
    }

    /// Simulates a two-arm slope trial with a balanced visit schedule.
    fn simulate(
        rng: &mut ChaCha8Rng,
        per_arm: usize,
        effect: f64,
    ) -> (Vec<f64>, Vec<f64>, Vec<usize>, Vec<bool>) {
        let visits = [0.0, 3.0, 6.0, 9.0, 12.0];
        let mut z = || -> f64 { StandardNormal.sample(rng) };
        let (mut y, mut t, mut s, mut a) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for i in 0..2 * per_arm {
            let treated = i % 2 == 1;
            // Intercept SD 5, slope SD 0.4/month, correlation −0.3, residual SD 1.5.
            let (z0, z1) = (z(), z());
            let u0 = 5.0 * z0;
            let u1 = 0.4 * (-0.3 * z0 + (1.0f64 - 0.09).sqrt() * z1);
            for &time in &visits {
                let slope = -1.0 + if treated { effect } else { 0.0 } + u1;
                y.push(38.0 + u0 + slope * time + 1.5 * z());
                t.push(time);
                s.push(i);
                a.push(treated);
            }
        }
        (y, t, s, a)
    }

    #[test]
    fn recovers_a_known_slope_effect() {
        let mut rng = ChaCha8Rng::seed_from_u64(17);
        let (y, t, s, a) = simulate(&mut rng, 150, 0.3);
        let trial = slope_trial(&y, &t, &s, &a, false, &LmmOptions::default()).unwrap();
        let fit = &trial.fit;
        assert!(fit.converged, "{fit:?}");
        let b2 = trial.arm_by_time;
        assert!((b2.estimate - 0.3).abs() < 3.0 * b2.se, "{b2:?}");
        assert!(b2.lower < 0.3 && 0.3 < b2.upper && b2.p < 0.001, "{b2:?}");
        assert!((fit.fixed[1].estimate + 1.0).abs() < 3.0 * fit.fixed[1].se);
        assert!((fit.sd_intercept - 5.0).abs() < 0.8, "{}", fit.sd_intercept);
        assert!((fit.sd_slope - 0.4).abs() < 0.08, "{}", fit.sd_slope);
        assert!((fit.sigma - 1.5).abs() < 0.15, "{}", fit.sigma);
        assert!((fit.correlation + 0.3).abs() < 0.25, "{}", fit.correlation);
    }

    #[test]
    fn balanced_design_equals_difference_of_subject_slopes() {
        // With complete balanced visits and an arm main effect, generalised least squares
        // reduces to ordinary least squares per subject: b2 is the difference of the arms'
        // mean per-subject slopes, whatever the variance components.
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let (y, t, s, a) = simulate(&mut rng, 12, 0.2);
        let trial = slope_trial(&y, &t, &s, &a, true, &LmmOptions::default()).unwrap();
        let mut sums = [0.0; 2];
        for i in 0..24 {
            let rows: Vec<usize> = (0..y.len()).filter(|&j| s[j] == i).collect();
            let xs: Vec<f64> = rows.iter().map(|&j| t[j]).collect();
            let ys: Vec<f64> = rows.iter().map(|&j| y[j]).collect();
            let slope = crate::stats::slope::ols(&xs, &ys).unwrap().slope;
            sums[usize::from(a[rows[0]])] += slope / 12.0;
        }
        let expected = sums[1] - sums[0];
        assert!(
            (trial.arm_by_time.estimate - expected).abs() < 1e-8,
            "{} vs {expected}",
            trial.arm_by_time.estimate
        );
    }

    #[test]
    fn type_one_error_is_nominal() {
        // 1,000 null trials of 2 × 20 subjects: the rejection rate at 5% must lie in the
        // binomial 99% interval [32, 68] / 1000.
        let mut rng = ChaCha8Rng::seed_from_u64(99);
        let mut rejections = 0;
        let mut failures = 0;
        for _ in 0..1000 {
            let (y, t, s, a) = simulate(&mut rng, 20, 0.0);
            match slope_trial(&y, &t, &s, &a, false, &LmmOptions::default()) {
                Ok(trial) => rejections += usize::from(trial.arm_by_time.p < 0.05),
                Err(_) => failures += 1,
            }
        }
        assert_eq!(failures, 0);
        assert!((32..=68).contains(&rejections), "{rejections} rejections");
    }

    /// Two strata of `per_arm` treated and `per_arm` control subjects each (balanced within
    /// the stratum, as a stratified randomisation gives); the second stratum starts 4 points
    /// lower and falls 1.5 points/month faster.
    #[allow(clippy::type_complexity)]
    fn simulate_strata(
        rng: &mut ChaCha8Rng,
        per_arm: usize,
        effect: f64,
    ) -> (Vec<f64>, Vec<f64>, Vec<usize>, Vec<bool>, Vec<u32>) {
        let (mut y, mut t, mut s, mut a) = simulate(rng, per_arm, effect);
        let mut k = vec![0; y.len()];
        let (y2, t2, s2, a2) = simulate(rng, per_arm, effect);
        for j in 0..y2.len() {
            y.push(y2[j] - 4.0 - 1.5 * t2[j]);
            t.push(t2[j]);
            s.push(s2[j] + 2 * per_arm);
            a.push(a2[j]);
            k.push(3);
        }
        (y, t, s, a, k)
    }

    #[test]
    fn one_stratum_is_the_plain_slope_model() {
        let mut rng = ChaCha8Rng::seed_from_u64(23);
        let (y, t, s, a) = simulate(&mut rng, 30, 0.2);
        let plain = slope_trial(&y, &t, &s, &a, false, &LmmOptions::default()).unwrap();
        let one = vec![7; y.len()];
        let stratified =
            slope_trial_stratified(&y, &t, &s, &a, &one, false, &LmmOptions::default()).unwrap();
        assert_eq!(plain, stratified);
        // The strata's columns follow b0-b2, so b2 keeps its index.
        let (y, t, s, a, k) = simulate_strata(&mut rng, 30, 0.2);
        let fit = slope_trial_stratified(&y, &t, &s, &a, &k, false, &LmmOptions::default())
            .unwrap()
            .fit;
        assert_eq!(fit.fixed.len(), 5);
        assert!((fit.fixed[4].estimate + 1.5).abs() < 4.0 * fit.fixed[4].se);
        assert!((fit.fixed[2].estimate - 0.2).abs() < 4.0 * fit.fixed[2].se);
    }

    #[test]
    fn strata_adjustment_keeps_the_size_where_the_plain_model_is_conservative() {
        // 600 null trials of two strata of very different speed, balanced within strata: the
        // stratified model rejects at 5% (binomial 99% interval [17, 44] / 600); the plain
        // model counts the strata's difference as slope variance and rejects far less often.
        let mut rng = ChaCha8Rng::seed_from_u64(41);
        let opts = LmmOptions::default();
        let (mut stratified, mut plain) = (0, 0);
        for _ in 0..600 {
            let (y, t, s, a, k) = simulate_strata(&mut rng, 15, 0.0);
            let fit = slope_trial_stratified(&y, &t, &s, &a, &k, false, &opts).unwrap();
            stratified += usize::from(fit.arm_by_time.p < 0.05);
            let fit = slope_trial(&y, &t, &s, &a, false, &opts).unwrap();
            plain += usize::from(fit.arm_by_time.p < 0.05);
        }
        assert!((17..=44).contains(&stratified), "{stratified} rejections");
        assert!(plain < 10, "{plain} rejections without the strata");
        // With an effect the stratified estimate is the more precise.
        let (y, t, s, a, k) = simulate_strata(&mut rng, 40, 0.3);
        let with = slope_trial_stratified(&y, &t, &s, &a, &k, false, &opts).unwrap();
        let without = slope_trial(&y, &t, &s, &a, false, &opts).unwrap();
        assert!(
            with.arm_by_time.se < 0.7 * without.arm_by_time.se,
            "{:?} vs {:?}",
            with.arm_by_time,
            without.arm_by_time
        );
        let mixed = [0, 1].repeat(y.len() / 2);
        assert!(matches!(
            slope_trial_stratified(&y, &t, &s, &a, &mixed, false, &opts),
            Err(LmmError::StratumChangesWithinSubject { .. })
        ));
        assert!(matches!(
            slope_trial_stratified(&y, &t, &s, &a, &k[1..], false, &opts),
            Err(LmmError::MismatchedLengths(_))
        ));
    }

    #[test]
    fn degenerate_input_is_rejected() {
        let opts = LmmOptions::default();
        let y = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        let t = [0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0];
        let s = [0, 0, 1, 1, 2, 2, 3, 3];
        let arm = [false, false, true, true, false, false, true, true];
        assert!(matches!(
            slope_trial(&y, &t[..7], &s, &arm, false, &opts),
            Err(LmmError::MismatchedLengths(_))
        ));
        let mixed = [false, true, true, true, false, false, true, true];
        assert_eq!(
            slope_trial(&y, &t, &s, &mixed, false, &opts),
            Err(LmmError::ArmChangesWithinSubject { subject: 0 })
        );
        let mut bad = y;
        bad[3] = f64::INFINITY;
        assert_eq!(
            slope_trial(&bad, &t, &s, &arm, false, &opts),
            Err(LmmError::NonFinite { observation: 3 })
        );
        // Three subjects for four fixed effects.
        assert!(matches!(
            slope_trial(&y[..6], &t[..6], &s[..6], &arm[..6], true, &opts),
            Err(LmmError::TooFew(_))
        ));
        // All subjects in one arm: arm × time is not identified.
        let ones = [true; 8];
        let many_y: Vec<f64> = (0..8).map(|k| f64::from(k % 3)).collect();
        assert!(matches!(
            slope_trial(&many_y, &t, &s, &ones, true, &opts),
            Err(LmmError::Singular { .. } | LmmError::TooFew(_))
        ));
        let bad_opts = LmmOptions {
            level: 1.5,
            ..LmmOptions::default()
        };
        assert!(matches!(
            slope_trial(&y, &t, &s, &arm, false, &bad_opts),
            Err(LmmError::Options(_))
        ));
    }
}
