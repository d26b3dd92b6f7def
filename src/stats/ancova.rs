//! Analysis of covariance (ANCOVA) of the change from baseline, the primary analysis of most
//! trials with a continuous endpoint measured before and after treatment.
//!
//! # Model
//!
//! For subject `i` with baseline `xᵢ`, follow-up `yᵢ` and arm `gᵢ ∈ {0, 1, …, k − 1}` (0 is the
//! reference, usually placebo), the change `dᵢ = yᵢ − xᵢ` is modelled as
//!
//! ```text
//! dᵢ = α + γ·xᵢ + Σ_{g ≥ 1} τ_g·[gᵢ = g] + εᵢ,     εᵢ ~ N(0, σ²) independent,
//! ```
//!
//! fitted by ordinary least squares, `β̂ = (XᵀX)⁻¹Xᵀd`. The treatment effect of arm `g` is `τ_g`,
//! the difference in mean change between arm `g` and the reference at a common baseline.
//! Analysing the change or the follow-up value itself gives the same `τ̂` and standard error
//! (only `γ` shifts by one), so the choice is a matter of presentation (Vickers & Altman 2001).
//!
//! # Inference
//!
//! `σ̂² = SSE / (n − k − 1)`, `Var(β̂) = σ̂² (XᵀX)⁻¹`; with two arms the residual degrees of
//! freedom are `n − 3`. The `level` confidence interval is `τ̂ ± t_{n−k−1}((1 + level)/2)·se`
//! and the p-value is two-sided from Student's t with `n − k − 1` degrees of freedom.
//!
//! The baseline is centred on its mean before forming the normal equations, which keeps them
//! well conditioned for baselines far from zero; the LDLᵀ solve of the shared `linalg` module flags a
//! design that does not identify every coefficient (an empty arm, a constant baseline).
//!
//! # References
//!
//! - Vickers AJ, Altman DG (2001). Analysing controlled trials with baseline and follow up
//!   measurements. *BMJ* 323:1123-1124.
//! - EMA (2015). Guideline on adjustment for baseline covariates in clinical trials
//!   (EMA/CHMP/295050/2013).
//! - Venables WN, Ripley BD (2002). *Modern Applied Statistics with S*, 4th ed., §7.1: the
//!   `anorexia` data of Hand et al. (1994), analysed as `Postwt ~ Prewt + Treat +
//!   offset(Prewt)`, the example checked in the tests.

use super::dist::{t_for_level, t_two_sided_p};
use super::linalg::{Ldl, PIVOT_TOLERANCE};

/// Why an ANCOVA could not be fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AncovaError {
    /// Baselines, follow-ups and arms differ in number.
    #[error("mismatched lengths: {baseline} baselines, {followup} follow-ups, {arm} arms")]
    MismatchedLengths {
        /// Number of baselines.
        baseline: usize,
        /// Number of follow-up values.
        followup: usize,
        /// Number of arm labels.
        arm: usize,
    },
    /// A non-finite baseline or follow-up value.
    #[error("subject {subject} has a non-finite baseline or follow-up value")]
    NonFinite {
        /// Index of the offending subject.
        subject: usize,
    },
    /// Fewer than two arms.
    #[error("only one arm: no treatment effect to estimate")]
    OneArm,
    /// No residual degree of freedom.
    #[error("{n} subjects leave no residual degree of freedom for {p} coefficients")]
    TooFewSubjects {
        /// Number of subjects.
        n: usize,
        /// Number of coefficients.
        p: usize,
    },
    /// The design does not identify every coefficient.
    #[error("singular design (rank {rank} of {p}): an arm is empty or the baseline is constant")]
    Singular {
        /// Numerical rank found.
        rank: usize,
        /// Number of coefficients.
        p: usize,
    },
    /// The confidence level is not in (0, 1).
    #[error("confidence level must be in (0, 1)")]
    Level,
}

/// One estimated coefficient with its t-based inference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Point estimate.
    pub estimate: f64,
    /// Standard error.
    pub se: f64,
    /// Lower confidence limit.
    pub lower: f64,
    /// Upper confidence limit.
    pub upper: f64,
    /// t statistic `estimate / se`.
    pub t: f64,
    /// Two-sided p-value from Student's t with the residual degrees of freedom.
    pub p: f64,
}

impl Estimate {
    /// Inference for `estimate` with standard error `se`, critical value `crit` and `df`
    /// degrees of freedom.
    pub(crate) fn new(estimate: f64, se: f64, crit: f64, df: f64) -> Self {
        let t = estimate / se;
        let p = if se > 0.0 {
            t_two_sided_p(t, df)
        } else if estimate == 0.0 {
            1.0
        } else {
            0.0
        };
        Estimate {
            estimate,
            se,
            lower: estimate - crit * se,
            upper: estimate + crit * se,
            t,
            p,
        }
    }
}

/// Result of [`ancova`].
#[derive(Debug, Clone, PartialEq)]
pub struct Ancova {
    /// Number of subjects.
    pub n: usize,
    /// Residual degrees of freedom `n − k − 1` (`n − 3` with two arms).
    pub df: usize,
    /// Intercept `α`: mean change in the reference arm at a baseline of zero.
    pub intercept: Estimate,
    /// Baseline coefficient `γ` of the change model.
    pub baseline: Estimate,
    /// Treatment effects `τ_g` of arms 1, 2, …, k − 1 against arm 0, in arm order.
    pub effects: Vec<Estimate>,
    /// Residual standard deviation `σ̂`.
    pub sigma: f64,
    /// Confidence level of the intervals.
    pub level: f64,
}

impl Ancova {
    /// Effect of arm 1 against arm 0, the treatment effect of a two-arm trial.
    pub fn treatment(&self) -> Estimate {
        self.effects[0]
    }
}

/// Fits the ANCOVA of the change from baseline `followup − baseline` on arm, adjusted for
/// baseline (see the module documentation).
///
/// `arm[i]` labels subject `i`'s arm as `0` (reference), `1`, …; every label from 0 to the
/// largest must occur. `level` is the confidence level of the intervals (0.95 usually).
pub fn ancova(
    baseline: &[f64],
    followup: &[f64],
    arm: &[usize],
    level: f64,
) -> Result<Ancova, AncovaError> {
    ancova_adjusted(baseline, followup, arm, &[], level)
}

/// [`ancova`] with further covariates: each of `covariates` is one column with a value per
/// subject (for example an indicator of a randomisation stratum), added to the model after the
/// arm indicators, `dᵢ = α + γ·xᵢ + Σ τ_g·[gᵢ = g] + Σ β_c·zᵢc + εᵢ`. The residual degrees of
/// freedom fall by one per column. Adjusting for the factors the randomisation was stratified
/// by keeps the test at its nominal size (EMA 2015). The intercept is then the mean change in
/// the reference arm at a baseline of zero and the covariates at their means.
pub fn ancova_adjusted(
    baseline: &[f64],
    followup: &[f64],
    arm: &[usize],
    covariates: &[Vec<f64>],
    level: f64,
) -> Result<Ancova, AncovaError> {
    let n = baseline.len();
    if followup.len() != n || arm.len() != n {
        return Err(AncovaError::MismatchedLengths {
            baseline: n,
            followup: followup.len(),
            arm: arm.len(),
        });
    }
    if !(level > 0.0 && level < 1.0) {
        return Err(AncovaError::Level);
    }
    if let Some(subject) = (0..n).find(|&i| {
        !(baseline[i].is_finite()
            && followup[i].is_finite()
            && covariates
                .iter()
                .all(|c| c.get(i).is_some_and(|z| z.is_finite())))
    }) {
        return Err(AncovaError::NonFinite { subject });
    }
    let arms = arm.iter().max().map_or(0, |&m| m + 1);
    if arms < 2 {
        return Err(AncovaError::OneArm);
    }
    let q = arms + 1;
    let p = q + covariates.len();
    if n <= p {
        return Err(AncovaError::TooFewSubjects { n, p });
    }
    let change: Vec<f64> = followup.iter().zip(baseline).map(|(y, x)| y - x).collect();
    let centre = baseline.iter().sum::<f64>() / n as f64;
    // Columns: 1, x − x̄, [arm = 1], …, [arm = k − 1], then the covariates centred.
    let centres: Vec<f64> = covariates
        .iter()
        .map(|c| c.iter().sum::<f64>() / n as f64)
        .collect();
    let row = |i: usize| -> Vec<f64> {
        let mut r = vec![0.0; p];
        r[0] = 1.0;
        r[1] = baseline[i] - centre;
        if arm[i] > 0 {
            r[arm[i] + 1] = 1.0;
        }
        for (c, (z, m)) in covariates.iter().zip(&centres).enumerate() {
            r[q + c] = z[i] - m;
        }
        r
    };
    let mut xtx = vec![0.0; p * p];
    let mut xty = vec![0.0; p];
    for (i, d) in change.iter().enumerate() {
        let r = row(i);
        for a in 0..p {
            xty[a] += r[a] * d;
            for b in 0..p {
                xtx[a * p + b] += r[a] * r[b];
            }
        }
    }
    let ldl = Ldl::new(&xtx, p, PIVOT_TOLERANCE).ok_or(AncovaError::Singular { rank: 0, p })?;
    if !ldl.is_full_rank() {
        return Err(AncovaError::Singular {
            rank: ldl.rank(),
            p,
        });
    }
    let beta = ldl.solve(&xty);
    let inv = ldl.inverse();
    let sse: f64 = change
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let fit: f64 = row(i).iter().zip(&beta).map(|(a, b)| a * b).sum();
            (d - fit) * (d - fit)
        })
        .sum();
    let df = n - p;
    let s2 = sse / df as f64;
    let crit = t_for_level(level, df as f64).ok_or(AncovaError::Level)?;
    let est = |value: f64, var: f64| Estimate::new(value, var.max(0.0).sqrt(), crit, df as f64);
    // Back from the centred baseline: α = β₀ − γ x̄, Var(α) = V₀₀ − 2x̄V₀₁ + x̄²V₁₁.
    let alpha = beta[0] - beta[1] * centre;
    let var_alpha = s2 * (inv[0] - 2.0 * centre * inv[1] + centre * centre * inv[p + 1]);
    let intercept = est(alpha, var_alpha);
    let slope = est(beta[1], s2 * inv[p + 1]);
    let effects = (2..q).map(|j| est(beta[j], s2 * inv[j * p + j])).collect();
    Ok(Ancova {
        n,
        df,
        intercept,
        baseline: slope,
        effects,
        sigma: s2.sqrt(),
        level,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;
    use rand_distr::{Distribution, StandardNormal};

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    /// The `anorexia` data (Hand et al. 1994, data set 285; R package MASS): weights in lb
    /// before and after treatment of 72 young women; arm 0 = cognitive behavioural
    /// treatment (CBT, 29), 1 = control (26), 2 = family therapy (FT, 17).
    #[rustfmt::skip]
    const ANOREXIA: [(usize, f64, f64); 72] = [
        (1, 80.7, 80.2), (1, 89.4, 80.1), (1, 91.8, 86.4), (1, 74.0, 86.3), (1, 78.1, 76.1),
        (1, 88.3, 78.1), (1, 87.3, 75.1), (1, 75.1, 86.7), (1, 80.6, 73.5), (1, 78.4, 84.6),
        (1, 77.6, 77.4), (1, 88.7, 79.5), (1, 81.3, 89.6), (1, 78.1, 81.4), (1, 70.5, 81.8),
        (1, 77.3, 77.3), (1, 85.2, 84.2), (1, 86.0, 75.4), (1, 84.1, 79.5), (1, 79.7, 73.0),
        (1, 85.5, 88.3), (1, 84.4, 84.7), (1, 79.6, 81.4), (1, 77.5, 81.2), (1, 72.3, 88.2),
        (1, 89.0, 78.8),
        (0, 80.5, 82.2), (0, 84.9, 85.6), (0, 81.5, 81.4), (0, 82.6, 81.9), (0, 79.9, 76.4),
        (0, 88.7, 103.6), (0, 94.9, 98.4), (0, 76.3, 93.4), (0, 81.0, 73.4), (0, 80.5, 82.1),
        (0, 85.0, 96.7), (0, 89.2, 95.3), (0, 81.3, 82.4), (0, 76.5, 72.5), (0, 70.0, 90.9),
        (0, 80.4, 71.3), (0, 83.3, 85.4), (0, 83.0, 81.6), (0, 87.7, 89.1), (0, 84.2, 83.9),
        (0, 86.4, 82.7), (0, 76.5, 75.7), (0, 80.2, 82.6), (0, 87.8, 100.4), (0, 83.3, 85.2),
        (0, 79.7, 83.6), (0, 84.5, 84.6), (0, 80.8, 96.2), (0, 87.4, 86.7),
        (2, 83.8, 95.2), (2, 83.3, 94.3), (2, 86.0, 91.5), (2, 82.5, 91.9), (2, 86.7, 100.3),
        (2, 79.6, 76.7), (2, 76.9, 76.8), (2, 94.2, 101.6), (2, 73.4, 94.9), (2, 80.5, 75.2),
        (2, 81.6, 77.8), (2, 82.1, 95.5), (2, 77.6, 90.7), (2, 83.5, 92.5), (2, 89.9, 93.8),
        (2, 86.0, 91.7), (2, 87.3, 98.0),
    ];

    fn columns(rows: &[(usize, f64, f64)]) -> (Vec<f64>, Vec<f64>, Vec<usize>) {
        (
            rows.iter().map(|r| r.1).collect(),
            rows.iter().map(|r| r.2).collect(),
            rows.iter().map(|r| r.0).collect(),
        )
    }

    #[test]
    fn anorexia_matches_venables_ripley() {
        // Venables & Ripley (2002), §7.1, glm(Postwt ~ Prewt + Treat + offset(Prewt)):
        //   (Intercept) 49.7711 (13.3910), Prewt −0.5655 (0.1612), TreatCont −4.0971
        //   (1.8935, t −2.164, p 0.0340), TreatFT 4.5631 (2.1333, t 2.139, p 0.0360);
        //   dispersion 48.69504 on 68 degrees of freedom.
        let (x, y, g) = columns(&ANOREXIA);
        let fit = ancova(&x, &y, &g, 0.95).unwrap();
        assert_eq!((fit.n, fit.df), (72, 68));
        assert!(close(fit.intercept.estimate, 49.7711, 5e-5));
        assert!(close(fit.intercept.se, 13.3910, 5e-5));
        assert!(close(fit.baseline.estimate, -0.5655, 5e-5));
        assert!(close(fit.baseline.se, 0.1612, 5e-5));
        let [cont, ft] = [fit.effects[0], fit.effects[1]];
        assert!(close(cont.estimate, -4.0971, 5e-5) && close(cont.se, 1.8935, 5e-5));
        assert!(close(cont.t, -2.164, 5e-4) && close(cont.p, 0.0340, 5e-5));
        assert!(close(ft.estimate, 4.5631, 5e-5) && close(ft.se, 2.1333, 5e-5));
        assert!(close(ft.t, 2.139, 5e-4) && close(ft.p, 0.0360, 5e-5));
        assert!(close(fit.sigma * fit.sigma, 48.69504, 5e-5));
        // 95% interval: τ ± t₆₈(0.975)·se = −4.0971 ± 1.995469·1.8935.
        assert!(close(cont.lower, -4.0971 - 1.995_469 * 1.8935, 2e-4));
        assert!(close(cont.upper, -4.0971 + 1.995_469 * 1.8935, 2e-4));
    }

    #[test]
    fn two_arm_example_by_hand() {
        // Baselines (0, 1, 2) in both arms, changes (1, 1, 1) under control and (3, 3, 3)
        // under treatment plus a residual pattern orthogonal to the design: the effect is 2,
        // the baseline slope 0. Residuals e = (1, −2, 1) in each arm: SSE = 12, df = 3,
        // σ̂² = 4; (XᵀX)⁻¹ for the arm column is 1/3 + 1/3 = 2/3, so se = √(8/3).
        let x = [0.0, 1.0, 2.0, 0.0, 1.0, 2.0];
        let y = [2.0, 0.0, 4.0, 4.0, 2.0, 6.0];
        let fit = ancova(&x, &y, &[0, 0, 0, 1, 1, 1], 0.95).unwrap();
        assert_eq!(fit.df, 3);
        let t = fit.treatment();
        assert!(close(t.estimate, 2.0, 1e-13) && close(fit.baseline.estimate, 0.0, 1e-13));
        assert!(close(t.se, (8.0f64 / 3.0).sqrt(), 1e-13));
        // t = 2 / 1.632993 = 1.224745 on 3 df; with u = t/√3 the t₃ distribution function is
        // 1/2 + (u/(1 + u²) + atan u)/π, so the two-sided p-value is 0.308068.
        assert!(close(t.p, 0.308_068, 1e-6), "{}", t.p);
    }

    #[test]
    fn degenerate_input_is_rejected() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [1.0, 2.0, 2.0, 4.0, 5.0];
        assert!(matches!(
            ancova(&x, &y[..4], &[0, 1, 0, 1, 0], 0.95),
            Err(AncovaError::MismatchedLengths { .. })
        ));
        assert_eq!(ancova(&x, &y, &[0; 5], 0.95), Err(AncovaError::OneArm));
        assert!(matches!(
            ancova(&x, &y, &[0, 2, 0, 2, 0], 0.95),
            Err(AncovaError::Singular { .. })
        ));
        assert!(matches!(
            ancova(&[2.0; 5], &y, &[0, 1, 0, 1, 0], 0.95),
            Err(AncovaError::Singular { .. })
        ));
        assert!(matches!(
            ancova(&x[..3], &y[..3], &[0, 1, 0], 0.95),
            Err(AncovaError::TooFewSubjects { .. })
        ));
        let mut bad = y;
        bad[2] = f64::NAN;
        assert_eq!(
            ancova(&x, &bad, &[0, 1, 0, 1, 0], 0.95),
            Err(AncovaError::NonFinite { subject: 2 })
        );
        assert_eq!(
            ancova(&x, &y, &[0, 1, 0, 1, 0], 1.0),
            Err(AncovaError::Level)
        );
        // A perfect fit has zero standard error and does not panic.
        let exact: Vec<f64> = x.iter().map(|v| 2.0 * v + 1.0).collect();
        let fit = ancova(&x, &exact, &[0, 1, 0, 1, 0], 0.95).unwrap();
        assert!(fit.treatment().se < 1e-12 && fit.treatment().p.is_finite());
    }

    #[test]
    fn type_one_error_is_nominal() {
        // 1,000 null trials of 2 × 20 subjects with correlated baseline and follow-up: the
        // rejection rate at 5% must lie in the binomial 99% interval [32, 68] / 1000.
        let mut rng = ChaCha8Rng::seed_from_u64(2024);
        let mut z = || -> f64 { StandardNormal.sample(&mut rng) };
        let arm: Vec<usize> = (0..40).map(|i| i % 2).collect();
        let mut rejections = 0;
        for _ in 0..1000 {
            let x: Vec<f64> = (0..40).map(|_| 38.0 + 5.0 * z()).collect();
            let y: Vec<f64> = x.iter().map(|b| 0.8 * b + 3.0 + 3.0 * z()).collect();
            let fit = ancova(&x, &y, &arm, 0.95).unwrap();
            rejections += usize::from(fit.treatment().p < 0.05);
        }
        assert!((32..=68).contains(&rejections), "{rejections} rejections");
    }

    #[test]
    fn covariate_adjustment_matches_a_direct_least_squares_fit() {
        // Change = 1 + 0.3·x − 2·arm + 4·z + noise, z a 0/1 stratum: the adjusted fit equals
        // nalgebra's least-squares solution of the same design, with its covariance.
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let n = 80;
        let mut x = Vec::new();
        let mut y = Vec::new();
        let mut g = Vec::new();
        let mut z = Vec::new();
        for i in 0..n {
            let xi = 30.0 + 10.0 * f64::from(u8::try_from(i % 7).unwrap()) / 7.0;
            let gi = i % 2;
            let zi = f64::from(u8::from(i % 5 < 2));
            let e: f64 = StandardNormal.sample(&mut rng);
            x.push(xi);
            g.push(gi);
            z.push(zi);
            y.push(xi + 1.0 + 0.3 * xi - 2.0 * gi as f64 + 4.0 * zi + e);
        }
        let fit = ancova_adjusted(&x, &y, &g, &[z.clone()], 0.95).unwrap();
        let design = nalgebra::DMatrix::from_fn(n, 4, |i, j| match j {
            0 => 1.0,
            1 => x[i],
            2 => g[i] as f64,
            _ => z[i],
        });
        let d = nalgebra::DVector::from_fn(n, |i, _| y[i] - x[i]);
        let xtx = design.transpose() * &design;
        let inv = xtx.clone().try_inverse().unwrap();
        let beta = &inv * design.transpose() * &d;
        let resid = &d - &design * &beta;
        let s2 = resid.dot(&resid) / (n - 4) as f64;
        assert_eq!(fit.df, n - 4);
        assert!(close(fit.treatment().estimate, beta[2], 1e-9));
        assert!(close(fit.treatment().se, (s2 * inv[(2, 2)]).sqrt(), 1e-9));
        assert!(close(fit.baseline.estimate, beta[1], 1e-9));
        // Without the covariate the residual variance is larger.
        let plain = ancova(&x, &y, &g, 0.95).unwrap();
        assert!(
            plain.sigma > fit.sigma + 0.5,
            "{} {}",
            plain.sigma,
            fit.sigma
        );
        // A covariate collinear with the intercept is refused.
        let constant = vec![1.0; n];
        assert!(matches!(
            ancova_adjusted(&x, &y, &g, &[constant], 0.95),
            Err(AncovaError::Singular { .. })
        ));
    }
}
