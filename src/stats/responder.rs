//! Two-arm summaries for responder and biomarker endpoints: the difference of two proportions
//! with Newcombe's hybrid score interval, and the ratio of geometric means (for example of
//! neurofilament light chain, NfL, relative to baseline) with a t interval.
//!
//! # Difference of proportions
//!
//! For `k₁/n₁` and `k₂/n₂` with Wilson score limits `(l₁, u₁)` and `(l₂, u₂)` (see
//! [`super::summary::proportion_ci`]), the estimate `d = p₁ − p₂` has limits
//!
//! ```text
//! L = d − √((p₁ − l₁)² + (u₂ − p₂)²),     U = d + √((u₁ − p₁)² + (p₂ − l₂)²)
//! ```
//!
//! (Newcombe 1998b, method 10). Unlike the Wald interval it stays within [−1, 1], is defined
//! for 0 or n responders and keeps its coverage near the boundaries.
//!
//! # Geometric mean ratio
//!
//! With `x` the positive values of the treated arm and `y` those of the control arm (ratios
//! to baseline, say), the log-scale difference `Δ = mean(ln x) − mean(ln y)` has the pooled
//! standard error `s·√(1/n₁ + 1/n₂)` with `s²` the pooled variance of the logs on
//! `n₁ + n₂ − 2` degrees of freedom. The ratio of geometric means is `exp(Δ)`, with limits
//! `exp(Δ ± t·se)` and the two-sided p-value of the two-sample t-test on the logs.
//!
//! # References
//!
//! - Newcombe RG (1998a). Two-sided confidence intervals for the single proportion:
//!   comparison of seven methods. *Statistics in Medicine* 17:857-872.
//! - Newcombe RG (1998b). Interval estimation for the difference between independent
//!   proportions: comparison of eleven methods. *Statistics in Medicine* 17:873-890.
//! - Kirkwood TBL (1979). Geometric means and measures of dispersion. *Biometrics*
//!   35:908-909.

use super::dist::{ln_gamma, t_for_level, t_two_sided_p};
use super::summary::proportion_ci;

/// Difference of two proportions with its interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProportionDifference {
    /// `p₁ − p₂`.
    pub difference: f64,
    /// Lower limit.
    pub lower: f64,
    /// Upper limit.
    pub upper: f64,
}

/// Difference `k1/n1 − k2/n2` with Newcombe's hybrid score interval (method 10).
///
/// `None` for an empty arm, more responders than subjects, or `level` outside (0, 1).
pub fn proportion_difference(
    k1: usize,
    n1: usize,
    k2: usize,
    n2: usize,
    level: f64,
) -> Option<ProportionDifference> {
    let (l1, u1) = proportion_ci(k1, n1, level)?;
    let (l2, u2) = proportion_ci(k2, n2, level)?;
    let p1 = k1 as f64 / n1 as f64;
    let p2 = k2 as f64 / n2 as f64;
    let d = p1 - p2;
    let lower = d - ((p1 - l1).powi(2) + (u2 - p2).powi(2)).sqrt();
    let upper = d + ((u1 - p1).powi(2) + (p2 - l2).powi(2)).sqrt();
    Some(ProportionDifference {
        difference: d,
        lower: lower.max(-1.0),
        upper: upper.min(1.0),
    })
}

/// Ratio of geometric means with its interval and test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeometricMeanRatio {
    /// `exp(mean ln x − mean ln y)`.
    pub ratio: f64,
    /// Lower limit of the ratio.
    pub lower: f64,
    /// Upper limit of the ratio.
    pub upper: f64,
    /// Standard error of the log ratio.
    pub se_log: f64,
    /// Two-sided p-value of the pooled two-sample t-test on the logs.
    pub p: f64,
    /// Degrees of freedom `n₁ + n₂ − 2`.
    pub df: usize,
}

/// Ratio of the geometric mean of `treated` to that of `control` (see the module
/// documentation).
///
/// `None` for a non-positive or non-finite value, fewer than 3 values in total or an empty
/// arm, or `level` outside (0, 1).
pub fn geometric_mean_ratio(
    treated: &[f64],
    control: &[f64],
    level: f64,
) -> Option<GeometricMeanRatio> {
    let (n1, n2) = (treated.len(), control.len());
    if n1 == 0 || n2 == 0 || n1 + n2 < 3 {
        return None;
    }
    if treated
        .iter()
        .chain(control)
        .any(|v| !(v.is_finite() && *v > 0.0))
    {
        return None;
    }
    let logs = |v: &[f64]| -> (f64, f64) {
        let m = v.iter().map(|x| x.ln()).sum::<f64>() / v.len() as f64;
        let ss = v.iter().map(|x| (x.ln() - m).powi(2)).sum::<f64>();
        (m, ss)
    };
    let (m1, ss1) = logs(treated);
    let (m2, ss2) = logs(control);
    let df = n1 + n2 - 2;
    let s2 = (ss1 + ss2) / df as f64;
    let se_log = (s2 * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt();
    let crit = t_for_level(level, df as f64)?;
    let delta = m1 - m2;
    let p = if se_log > 0.0 {
        t_two_sided_p(delta / se_log, df as f64)
    } else if delta.abs() > 0.0 {
        0.0
    } else {
        1.0
    };
    Some(GeometricMeanRatio {
        ratio: delta.exp(),
        lower: (delta - crit * se_log).exp(),
        upper: (delta + crit * se_log).exp(),
        se_log,
        p,
        df,
    })
}

/// Two-sided p-value of Fisher's exact test for the 2×2 table of `k1` of `n1` against `k2`
/// of `n2`: the total hypergeometric probability, given the margins, of the tables no more
/// likely than the observed one (the convention of R's `fisher.test`, with its relative
/// tolerance of 10⁻⁷ for ties). NaN for an empty arm or more events than subjects.
pub fn fisher_exact(k1: usize, n1: usize, k2: usize, n2: usize) -> f64 {
    if n1 == 0 || n2 == 0 || k1 > n1 || k2 > n2 {
        return f64::NAN;
    }
    let k = k1 + k2;
    let n = n1 + n2;
    let ln_choose = |a: usize, b: usize| -> f64 {
        ln_gamma(a as f64 + 1.0) - ln_gamma(b as f64 + 1.0) - ln_gamma((a - b) as f64 + 1.0)
    };
    let ln_p = |x: usize| ln_choose(n1, x) + ln_choose(n2, k - x) - ln_choose(n, k);
    let lo = k.saturating_sub(n2);
    let hi = k.min(n1);
    let observed = ln_p(k1);
    let p: f64 = (lo..=hi)
        .map(ln_p)
        .filter(|&l| l <= observed + 1e-7_f64.ln_1p())
        .map(f64::exp)
        .sum();
    p.min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn newcombe_difference_examples() {
        // Newcombe (1998b), Table II, method 10 (hybrid score, no continuity correction),
        // 95% limits for the eight worked examples (a)-(h).
        for (k1, n1, k2, n2, lo, hi) in [
            (56, 70, 48, 80, 0.0524, 0.3339),
            (9, 10, 3, 10, 0.1705, 0.8090),
            (6, 7, 2, 7, 0.0582, 0.8062),
            (5, 56, 0, 29, -0.0381, 0.1926),
            (0, 10, 0, 20, -0.1611, 0.2775),
            (0, 10, 0, 10, -0.2775, 0.2775),
            (10, 10, 0, 20, 0.6791, 1.0),
            (10, 10, 0, 10, 0.6075, 1.0),
        ] {
            let d = proportion_difference(k1, n1, k2, n2, 0.95).unwrap();
            assert!(
                close(d.lower, lo, 5e-5) && close(d.upper, hi, 5e-5),
                "{k1}/{n1} − {k2}/{n2}: {d:?}"
            );
        }
        let d = proportion_difference(56, 70, 48, 80, 0.95).unwrap();
        assert!(close(d.difference, 0.2, 1e-15));
        assert!(proportion_difference(1, 0, 1, 2, 0.95).is_none());
        assert!(proportion_difference(3, 2, 1, 2, 0.95).is_none());
        assert!(proportion_difference(1, 2, 1, 2, 1.0).is_none());
    }

    #[test]
    fn geometric_mean_ratio_by_hand() {
        // Treated (1, e, e²): log mean 1, SS 2; control (e, e², e³): log mean 2, SS 2.
        // Δ = −1, ratio e⁻¹; s² = 4/4 = 1; se = √(2/3) = 0.8164966; t = −1.2247449 on 4 df:
        // the t₄ tail in closed form, P(|T| > t) = 1 − (t/√(4+t²))·(1 + 2/(4+t²)), gives
        // p = 0.2878641. Limits exp(−1 ± 2.7764451·0.8164966) = (0.038122, 3.550037).
        let e = std::f64::consts::E;
        let r = geometric_mean_ratio(&[1.0, e, e * e], &[e, e * e, e * e * e], 0.95).unwrap();
        assert_eq!(r.df, 4);
        assert!(close(r.ratio, (-1.0f64).exp(), 1e-14));
        assert!(close(r.se_log, (2.0f64 / 3.0).sqrt(), 1e-14));
        assert!(close(r.p, 0.287_864_1, 1e-7), "{}", r.p);
        let crit = 2.776_445_105;
        assert!(close(r.lower, (-1.0 - crit * r.se_log).exp(), 1e-8));
        assert!(close(r.upper, (-1.0 + crit * r.se_log).exp(), 1e-8));
        assert!(close(r.lower, 0.038_122, 1e-6) && close(r.upper, 3.550_037, 1e-6));
        assert!(geometric_mean_ratio(&[1.0, 0.0], &[1.0], 0.95).is_none());
        assert!(geometric_mean_ratio(&[1.0, 2.0], &[], 0.95).is_none());
        assert!(geometric_mean_ratio(&[1.0], &[2.0], 0.95).is_none());
        assert!(geometric_mean_ratio(&[1.0, f64::NAN], &[2.0], 0.95).is_none());
        // Identical constant arms: ratio 1, p = 1.
        let r = geometric_mean_ratio(&[2.0, 2.0], &[2.0, 2.0], 0.95).unwrap();
        assert!(close(r.ratio, 1.0, 0.0) && close(r.p, 1.0, 0.0));
    }

    #[test]
    fn fisher_exact_matches_r() {
        // fisher.test(matrix(c(3, 1, 1, 3), 2)): the lady tasting tea, p = 0.4857.
        assert!((fisher_exact(3, 4, 1, 4) - 0.485_714_3).abs() < 1e-6);
        // fisher.test(matrix(c(1, 11, 9, 3), 2)): p = 0.002759.
        assert!((fisher_exact(1, 10, 11, 14) - 0.002_759_456).abs() < 1e-8);
        assert!((fisher_exact(0, 50, 0, 50) - 1.0).abs() < 1e-12);
        assert!(fisher_exact(3, 0, 1, 4).is_nan());
        // Symmetric in the arms.
        assert!((fisher_exact(7, 20, 2, 25) - fisher_exact(2, 25, 7, 20)).abs() < 1e-12);
    }
}
