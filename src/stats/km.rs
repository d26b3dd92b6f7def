//! Kaplan-Meier estimator and the log-rank test.
//!
//! # Conventions
//!
//! - `events[i] == true` means subject `i` had the event at `times[i]`; `false` means it was
//!   right-censored then.
//! - Ties: at a time with both events and censorings, the events come first, so subjects
//!   censored at `t` are still at risk at `t` (the usual convention, as in R `survival`).
//! - The survival curve is right-continuous: `S(t)` includes the events at `t`.
//! - Standard errors use Greenwood's formula,
//!   `se(S(t)) = S(t) √(Σ_{tᵢ ≤ t} dᵢ / (nᵢ (nᵢ − dᵢ)))`. Where the curve reaches 0 (everyone
//!   left at risk had the event) the sum is infinite and the standard error and confidence
//!   limits are undefined: NaN, as in R `survival`.
//!
//! # Confidence intervals
//!
//! Pointwise intervals for `S(t)` are built on a transformed scale chosen by [`CiTransform`]:
//! log-log (the default here, and of SAS and Stata), log (R `survival`'s default,
//! `conf.type = "log"`) or plain. Intervals for the median and other quantiles use the method
//! of Brookmeyer and Crowley (1982) as implemented in R `survival`: the confidence set is the
//! set of times whose pointwise interval for `S(t)` contains 1 − p. Its lower limit is the
//! first time at which the lower pointwise limit falls to 1 − p or below, its upper limit the
//! first time at which the upper pointwise limit does; `None` when that never happens within
//! follow-up (an open-ended interval).

use super::dist::{chi2_sf, z_for_level};
use super::linalg::{Ldl, PIVOT_TOLERANCE};
use std::cmp::Ordering;

/// Absolute slack when comparing a product of survival factors with 1 − p, so that a curve
/// that reaches exactly 0.5 (for example 5/6 × 3/5) is not pushed past it by rounding.
const SURVIVAL_SLACK: f64 = 1e-12;

/// Scale on which pointwise confidence intervals of the survival function are built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CiTransform {
    /// `S ± z·se`, clipped to [0, 1].
    Plain,
    /// `S · exp(±z·σ)` with `σ² = Σ d/(n(n − d))`, upper limit clipped to 1: R `survival`'s
    /// default (`conf.type = "log"`).
    Log,
    /// `S^{exp(±z·σ / |ln S|)}`: the interval for `ln(−ln S)` mapped back (Kalbfleisch and
    /// Prentice); always within [0, 1]. R `conf.type = "log-log"`, the default of SAS
    /// `PROC LIFETEST` and Stata `sts`.
    #[default]
    LogLog,
}

/// One distinct observed time of a Kaplan-Meier curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// The time.
    pub time: f64,
    /// Subjects at risk just before `time` (including those censored at `time`).
    pub at_risk: usize,
    /// Events at `time`.
    pub events: usize,
    /// Censorings at `time`.
    pub censored: usize,
    /// Kaplan-Meier estimate `S(time)` (after the events at `time`).
    pub survival: f64,
    /// Greenwood standard error of `survival`; NaN once the curve has reached 0.
    pub se: f64,
}

/// A fitted Kaplan-Meier curve.
#[derive(Debug, Clone, PartialEq)]
pub struct KaplanMeier {
    steps: Vec<Step>,
    /// Greenwood sum Σ d/(n(n − d)) up to each step (the variance of −ln S); ∞ at S = 0.
    greenwood: Vec<f64>,
    n: usize,
}

/// Checks lengths and finiteness shared by the fitting functions.
fn valid_input(times: &[f64], events: &[bool]) -> bool {
    !times.is_empty() && times.len() == events.len() && times.iter().all(|t| t.is_finite())
}

/// Whether two finite times are the same time.
fn same_time(a: f64, b: f64) -> bool {
    a.partial_cmp(&b) == Some(Ordering::Equal)
}

/// Indices of `times` sorted by time.
fn sorted_order(times: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..times.len()).collect();
    order.sort_by(|&a, &b| times[a].total_cmp(&times[b]));
    order
}

impl KaplanMeier {
    /// Fits the curve.
    ///
    /// `None` if the slices are empty, of different lengths, or hold a non-finite time.
    /// A sample with no events is valid (a flat curve at 1).
    pub fn fit(times: &[f64], events: &[bool]) -> Option<KaplanMeier> {
        if !valid_input(times, events) {
            return None;
        }
        let order = sorted_order(times);
        let n = times.len();
        let mut steps = Vec::new();
        let mut greenwood = Vec::new();
        let mut survival = 1.0;
        let mut sum = 0.0;
        let mut i = 0;
        while i < n {
            let time = times[order[i]];
            let at_risk = n - i;
            let (mut d, mut c) = (0usize, 0usize);
            while i < n && same_time(times[order[i]], time) {
                if events[order[i]] {
                    d += 1;
                } else {
                    c += 1;
                }
                i += 1;
            }
            if d > 0 {
                survival *= 1.0 - d as f64 / at_risk as f64;
                sum += if d < at_risk {
                    d as f64 / (at_risk as f64 * (at_risk - d) as f64)
                } else {
                    f64::INFINITY
                };
            }
            let se = if survival > 0.0 {
                survival * sum.sqrt()
            } else {
                f64::NAN
            };
            steps.push(Step {
                time,
                at_risk,
                events: d,
                censored: c,
                survival,
                se,
            });
            greenwood.push(sum);
        }
        Some(KaplanMeier {
            steps,
            greenwood,
            n,
        })
    }

    /// All distinct observed times in increasing order, including times with censorings only.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// Number of subjects.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Total number of events.
    pub fn events(&self) -> usize {
        self.steps.iter().map(|s| s.events).sum()
    }

    /// Index of the last step at or before `t`.
    fn step_index(&self, t: f64) -> Option<usize> {
        let k = self.steps.partition_point(|s| s.time <= t);
        k.checked_sub(1)
    }

    /// `S(t)`, right-continuous: 1 before the first event, constant after the last observed
    /// time (defined there only in the sense of the estimator). NaN for NaN.
    pub fn survival_at(&self, t: f64) -> f64 {
        if t.is_nan() {
            return f64::NAN;
        }
        self.step_index(t).map_or(1.0, |k| self.steps[k].survival)
    }

    /// Greenwood standard error of `S(t)`: 0 before the first event, NaN once `S` is 0.
    pub fn se_at(&self, t: f64) -> f64 {
        if t.is_nan() {
            return f64::NAN;
        }
        self.step_index(t).map_or(0.0, |k| self.steps[k].se)
    }

    /// Pointwise confidence interval for `S(t)` on the log-log scale
    /// ([`CiTransform::LogLog`]). See [`survival_ci_at_with`](Self::survival_ci_at_with).
    pub fn survival_ci_at(&self, t: f64, level: f64) -> (f64, f64) {
        self.survival_ci_at_with(t, level, CiTransform::LogLog)
    }

    /// Pointwise confidence interval for `S(t)` at confidence `level` (for example 0.95) on
    /// the given scale.
    ///
    /// `(1, 1)` before the first event; `(NaN, NaN)` once the curve has reached 0, for a
    /// `level` outside (0, 1), or for a NaN `t`.
    pub fn survival_ci_at_with(&self, t: f64, level: f64, transform: CiTransform) -> (f64, f64) {
        let (Some(z), false) = (z_for_level(level), t.is_nan()) else {
            return (f64::NAN, f64::NAN);
        };
        match self.step_index(t) {
            None => (1.0, 1.0),
            Some(k) => self.ci_of_step(k, z, transform),
        }
    }

    /// Pointwise interval at step `k` for the critical value `z`.
    fn ci_of_step(&self, k: usize, z: f64, transform: CiTransform) -> (f64, f64) {
        let s = self.steps[k].survival;
        let sigma = self.greenwood[k].sqrt();
        if s <= 0.0 || !sigma.is_finite() {
            return (f64::NAN, f64::NAN);
        }
        if sigma <= 0.0 {
            return (s, s);
        }
        match transform {
            CiTransform::Plain => {
                let half = z * s * sigma;
                ((s - half).max(0.0), (s + half).min(1.0))
            }
            CiTransform::Log => (s * (-z * sigma).exp(), (s * (z * sigma).exp()).min(1.0)),
            CiTransform::LogLog => {
                // sigma > 0 implies an event, so 0 < s < 1 and ln s < 0.
                let w = z * sigma / s.ln().abs();
                (s.powf(w.exp()), s.powf((-w).exp()))
            }
        }
    }

    /// Smallest time `t` with `S(t) ≤ 1 − p`, the `p`-quantile of the survival time
    /// (`p = 0.5` gives the median). `None` if the curve never falls that low or `p` is not in
    /// (0, 1).
    ///
    /// When the curve sits exactly at 1 − p over an interval this returns the start of the
    /// interval; R `survival` returns its midpoint instead.
    pub fn quantile(&self, p: f64) -> Option<f64> {
        if !(p > 0.0 && p < 1.0) {
            return None;
        }
        let target = 1.0 - p + SURVIVAL_SLACK;
        self.steps
            .iter()
            .find(|s| s.survival <= target)
            .map(|s| s.time)
    }

    /// Median survival time: the smallest `t` with `S(t) ≤ 0.5`; `None` if the curve stays
    /// above one half.
    pub fn median(&self) -> Option<f64> {
        self.quantile(0.5)
    }

    /// Brookmeyer-Crowley confidence interval for the median with log-log pointwise limits.
    /// See [`quantile_ci`](Self::quantile_ci).
    pub fn median_ci(&self, level: f64) -> (Option<f64>, Option<f64>) {
        self.quantile_ci(0.5, level, CiTransform::LogLog)
    }

    /// Brookmeyer-Crowley confidence interval for the `p`-quantile: the first time the lower
    /// pointwise limit of `S` is ≤ 1 − p, and the first time the upper one is. A missing limit
    /// (`None`) means it is not reached within follow-up. Both are `None` for `p` or `level`
    /// outside (0, 1).
    ///
    /// With [`CiTransform::Log`] this reproduces the default `print(survfit(...))` of
    /// R `survival`; with [`CiTransform::LogLog`] its `conf.type = "log-log"`.
    pub fn quantile_ci(
        &self,
        p: f64,
        level: f64,
        transform: CiTransform,
    ) -> (Option<f64>, Option<f64>) {
        let (Some(z), true) = (z_for_level(level), p > 0.0 && p < 1.0) else {
            return (None, None);
        };
        let target = 1.0 - p;
        let mut lower = None;
        let mut upper = None;
        for (k, step) in self.steps.iter().enumerate() {
            let (lo, hi) = self.ci_of_step(k, z, transform);
            if lower.is_none() && lo <= target {
                lower = Some(step.time);
            }
            if upper.is_none() && hi <= target {
                upper = Some(step.time);
                break;
            }
        }
        (lower, upper)
    }
}

/// Result of a log-rank test.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRank {
    /// Chi-square statistic `(O − E)ᵀ V⁻¹ (O − E)` over all groups but the first.
    pub chi2: f64,
    /// Degrees of freedom: the rank of `V`, normally the number of groups minus one.
    pub df: usize,
    /// Upper-tail chi-square p-value.
    pub p: f64,
    /// Observed events per group.
    pub observed: Vec<usize>,
    /// Expected events per group under equal hazards.
    pub expected: Vec<f64>,
}

/// Log-rank (Mantel-Haenszel) test of equal survival in two or more groups, each given as
/// `(times, events)`.
///
/// At each distinct event time with `n` subjects at risk and `d` events, group `g` with
/// `n_g` at risk expects `d n_g / n` events, and the hypergeometric covariance is
/// `V_gh = d (n − d)/(n − 1) · n_g/n · (δ_gh − n_h/n)`. The statistic uses all groups but the
/// first; a rank-deficient `V` (a group never at risk at an event time) lowers `df`, as with a
/// generalised inverse. This is R `survival::survdiff` with `rho = 0`.
///
/// `None` for fewer than two groups, an empty group, mismatched lengths, a non-finite time,
/// or when there is nothing to test (`df = 0`, for example no events at all).
pub fn log_rank(groups: &[(&[f64], &[bool])]) -> Option<LogRank> {
    log_rank_stratified(&[groups])
}

/// Stratified log-rank test: the observed-minus-expected counts and their covariance are
/// computed within each stratum, as in [`log_rank`], and summed over strata before the test
/// (R `survival::survdiff` with `strata()`). This is the analysis that matches a randomisation
/// stratified by a prognostic factor; the unstratified test is conservative there. Every
/// stratum gives the same number of groups; a group may be empty in a stratum, but not in all.
/// `observed` and `expected` are summed over strata.
///
/// `None` as for [`log_rank`], or for strata with different numbers of groups.
pub fn log_rank_stratified(strata: &[&[(&[f64], &[bool])]]) -> Option<LogRank> {
    let k = strata.first()?.len();
    if k < 2
        || strata.iter().any(|g| {
            g.len() != k
                || g.iter()
                    .any(|(t, e)| t.len() != e.len() || t.iter().any(|x| !x.is_finite()))
        })
        || (0..k).any(|g| strata.iter().all(|s| s[g].0.is_empty()))
    {
        return None;
    }
    let mut observed = vec![0usize; k];
    let mut expected = vec![0.0; k];
    let mut v = vec![0.0; k * k];
    for groups in strata {
        accumulate(groups, &mut observed, &mut expected, &mut v);
    }
    let m = k - 1;
    let diff: Vec<f64> = (1..k).map(|g| observed[g] as f64 - expected[g]).collect();
    let sub: Vec<f64> = (1..k)
        .flat_map(|g| (1..k).map(move |h| (g, h)))
        .map(|(g, h)| v[g * k + h])
        .collect();
    let ldl = Ldl::new(&sub, m, PIVOT_TOLERANCE)?;
    let df = ldl.rank();
    if df == 0 {
        return None;
    }
    let solved = ldl.solve(&diff);
    let chi2 = diff
        .iter()
        .zip(&solved)
        .map(|(a, b)| a * b)
        .sum::<f64>()
        .max(0.0);
    Some(LogRank {
        chi2,
        df,
        p: chi2_sf(chi2, df as f64),
        observed,
        expected,
    })
}

/// Adds one stratum's observed and expected event counts and hypergeometric covariance.
fn accumulate(
    groups: &[(&[f64], &[bool])],
    observed: &mut [usize],
    expected: &mut [f64],
    v: &mut [f64],
) {
    let k = groups.len();
    // Pooled (time, event, group), sorted by time.
    let mut pooled: Vec<(f64, bool, usize)> = groups
        .iter()
        .enumerate()
        .flat_map(|(g, (t, e))| t.iter().zip(e.iter()).map(move |(&t, &e)| (t, e, g)))
        .collect();
    pooled.sort_by(|a, b| a.0.total_cmp(&b.0));

    let mut at_risk: Vec<usize> = groups.iter().map(|(t, _)| t.len()).collect();
    let mut deaths = vec![0usize; k];
    let mut leaving = vec![0usize; k];
    let mut i = 0;
    while i < pooled.len() {
        let time = pooled[i].0;
        deaths.iter_mut().for_each(|x| *x = 0);
        leaving.iter_mut().for_each(|x| *x = 0);
        while i < pooled.len() && same_time(pooled[i].0, time) {
            let (_, event, g) = pooled[i];
            leaving[g] += 1;
            if event {
                deaths[g] += 1;
            }
            i += 1;
        }
        let d: usize = deaths.iter().sum();
        let n: usize = at_risk.iter().sum();
        if d > 0 {
            let (nf, df) = (n as f64, d as f64);
            let spread = if n > 1 {
                df * (nf - df) / (nf - 1.0)
            } else {
                0.0
            };
            for g in 0..k {
                observed[g] += deaths[g];
                let share = at_risk[g] as f64 / nf;
                expected[g] += df * share;
                for h in 0..k {
                    let delta = if g == h { 1.0 } else { 0.0 };
                    v[g * k + h] += spread * share * (delta - at_risk[h] as f64 / nf);
                }
            }
        }
        for g in 0..k {
            at_risk[g] -= leaving[g];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Remission times in weeks of the leukemia trial of Freireich et al. (1963), as given by
    /// Gehan (1965) and Kleinbaum & Klein, *Survival Analysis: A Self-Learning Text*
    /// (3rd ed., 2012), ch. 2. Group 1, 6-mercaptopurine; censored times marked `+` there.
    const MP_TIMES: [f64; 21] = [
        6., 6., 6., 7., 10., 13., 16., 22., 23., 6., 9., 10., 11., 17., 19., 20., 25., 32., 32.,
        34., 35.,
    ];
    const MP_EVENTS: [bool; 21] = [
        true, true, true, true, true, true, true, true, true, false, false, false, false, false,
        false, false, false, false, false, false, false,
    ];
    /// Group 2, placebo: all 21 relapsed.
    const PLACEBO_TIMES: [f64; 21] = [
        1., 1., 2., 2., 3., 4., 4., 5., 5., 8., 8., 8., 8., 11., 11., 12., 12., 15., 17., 22., 23.,
    ];
    const PLACEBO_EVENTS: [bool; 21] = [true; 21];

    /// R `survival` data set `aml` (Miller 1981; Embury et al. 1977): acute myelogenous
    /// leukemia, weeks to relapse, maintained chemotherapy vs not.
    const AML_MAINTAINED: ([f64; 11], [bool; 11]) = (
        [9., 13., 13., 18., 23., 28., 31., 34., 45., 48., 161.],
        [
            true, true, false, true, true, false, true, true, false, true, false,
        ],
    );
    const AML_NONMAINTAINED: ([f64; 12], [bool; 12]) = (
        [5., 5., 8., 8., 12., 16., 23., 27., 30., 33., 43., 45.],
        [
            true, true, true, true, true, false, true, true, true, true, true, true,
        ],
    );

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn leukemia_6mp_curve_matches_kleinbaum_klein() {
        // Kleinbaum & Klein, ch. 2, KM table for group 1: S = 0.857, 0.807, 0.753, 0.690,
        // 0.628, 0.538, 0.448 at 6, 7, 10, 13, 16, 22, 23 weeks. Greenwood SEs from R
        // `survival` (summary(survfit(...))): 0.0764, 0.0869, 0.0963, 0.1068, 0.1141, 0.1282,
        // 0.1346. Exact values: S(6) = 18/21, S(7) = 18/21 · 16/17, S(10) = S(7) · 14/15.
        let km = KaplanMeier::fit(&MP_TIMES, &MP_EVENTS).unwrap();
        let table = [
            (6.0, 21, 3, 1, 0.857_143, 0.076_360_4),
            (7.0, 17, 1, 0, 0.806_723, 0.086_935_3),
            (10.0, 15, 1, 1, 0.752_941, 0.096_349_7),
            (13.0, 12, 1, 0, 0.690_196, 0.106_814_7),
            (16.0, 11, 1, 0, 0.627_451, 0.114_053_9),
            (22.0, 7, 1, 0, 0.537_815, 0.128_233_8),
            (23.0, 6, 1, 0, 0.448_179, 0.134_591_5),
        ];
        for (t, n, d, c, s, se) in table {
            let step = km.steps().iter().find(|st| close(st.time, t, 0.0)).unwrap();
            assert_eq!(
                (step.at_risk, step.events, step.censored),
                (n, d, c),
                "t = {t}"
            );
            assert!(close(step.survival, s, 5e-7), "S({t}) = {}", step.survival);
            assert!(close(step.se, se, 5e-8), "se({t}) = {}", step.se);
        }
        assert!(close(
            km.survival_at(10.0),
            18.0 / 21.0 * 16.0 / 17.0 * 14.0 / 15.0,
            1e-15
        ));
        // Right-continuous, flat between events, 1 before the first event.
        assert!(close(
            km.survival_at(9.999),
            18.0 / 21.0 * 16.0 / 17.0,
            1e-15
        ));
        assert!(close(km.survival_at(5.0), 1.0, 0.0));
        assert!(close(km.survival_at(100.0), 0.448_179, 5e-7));
        assert!(close(km.se_at(10.0), 0.096_349_7, 5e-8));
        assert!(km.survival_at(f64::NAN).is_nan());
        assert_eq!((km.n(), km.events()), (21, 9));
        // Censoring-only times are steps with no drop (9, 11, 17, 19, 20, 25, 32, 34, 35).
        assert_eq!(km.steps().len(), 16);
    }

    #[test]
    fn leukemia_medians_and_intervals_match_r_survival() {
        // Medians 23 (6-MP) and 8 (placebo) weeks: Kleinbaum & Klein, ch. 2.
        // Brookmeyer-Crowley 95% limits from R survival 3.5 print(survfit(...)):
        //   conf.type = "log-log": 6-MP (13, NA), placebo (4, 11);
        //   conf.type = "log" (R default): 6-MP (16, NA), placebo (4, 12).
        let mp = KaplanMeier::fit(&MP_TIMES, &MP_EVENTS).unwrap();
        let pl = KaplanMeier::fit(&PLACEBO_TIMES, &PLACEBO_EVENTS).unwrap();
        assert_eq!(mp.median(), Some(23.0));
        assert_eq!(pl.median(), Some(8.0));
        assert_eq!(mp.median_ci(0.95), (Some(13.0), None));
        assert_eq!(pl.median_ci(0.95), (Some(4.0), Some(11.0)));
        assert_eq!(
            mp.quantile_ci(0.5, 0.95, CiTransform::Log),
            (Some(16.0), None)
        );
        assert_eq!(
            pl.quantile_ci(0.5, 0.95, CiTransform::Log),
            (Some(4.0), Some(12.0))
        );
        // Pointwise 95% limits of S(10) for 6-MP, R survival summary(..., times = 10):
        // log-log (0.503200, 0.889362), log (0.5859190, 0.9675748).
        let (lo, hi) = mp.survival_ci_at(10.0, 0.95);
        assert!(
            close(lo, 0.503_200, 5e-7) && close(hi, 0.889_362, 5e-7),
            "{lo} {hi}"
        );
        let (lo, hi) = mp.survival_ci_at_with(10.0, 0.95, CiTransform::Log);
        assert!(
            close(lo, 0.585_919_0, 5e-8) && close(hi, 0.967_574_8, 5e-8),
            "{lo} {hi}"
        );
        // Plain (conf.type = "plain"): 0.752941 ± 1.959964 × 0.0963497 = (0.5640993, 0.9417830).
        let (lo, hi) = mp.survival_ci_at_with(10.0, 0.95, CiTransform::Plain);
        assert!(
            close(lo, 0.564_099_3, 5e-8) && close(hi, 0.941_783_0, 5e-8),
            "{lo} {hi}"
        );
        // Placebo at 1 week, log-log: (0.67004588, 0.975294); before any event: (1, 1).
        let (lo, hi) = pl.survival_ci_at(1.0, 0.95);
        assert!(
            close(lo, 0.670_045_88, 5e-9) && close(hi, 0.975_294, 5e-7),
            "{lo} {hi}"
        );
        assert_eq!(mp.survival_ci_at(1.0, 0.95), (1.0, 1.0));
        // The placebo curve reaches 0 at 23 weeks: SE and limits are undefined there.
        assert!(close(pl.survival_at(23.0), 0.0, 0.0));
        assert!(pl.se_at(23.0).is_nan() && pl.survival_ci_at(30.0, 0.95).0.is_nan());
        assert!(mp.survival_ci_at(10.0, 1.0).0.is_nan());
        assert_eq!(mp.median_ci(1.5), (None, None));
    }

    #[test]
    fn leukemia_log_rank_matches_published_statistic() {
        // Kleinbaum & Klein, ch. 2: log-rank chi-square 16.79 on 1 df, p = 0.0000; R survival
        // survdiff: Chisq = 16.7929, p = 4.169e-05, observed 9 and 21, expected 19.25 and 10.75.
        let lr = log_rank(&[(&MP_TIMES, &MP_EVENTS), (&PLACEBO_TIMES, &PLACEBO_EVENTS)]).unwrap();
        assert!(close(lr.chi2, 16.7929, 5e-5), "chi2 = {}", lr.chi2);
        assert_eq!(lr.df, 1);
        assert!(close(lr.p, 4.169e-5, 5e-9), "p = {}", lr.p);
        assert_eq!(lr.observed, vec![9, 21]);
        assert!(close(lr.expected[0], 19.2505, 5e-5) && close(lr.expected[1], 10.7495, 5e-5));
        // The statistic does not depend on group order.
        let swapped =
            log_rank(&[(&PLACEBO_TIMES, &PLACEBO_EVENTS), (&MP_TIMES, &MP_EVENTS)]).unwrap();
        assert!(close(swapped.chi2, lr.chi2, 1e-10));
    }

    #[test]
    fn aml_matches_r_survival() {
        // R survival `aml`: print(survfit(Surv(time, status) ~ x, aml)) gives medians 31
        // (Maintained) and 23 (Nonmaintained); survdiff gives Chisq = 3.4 on 1 df, p = 0.0653
        // (O = 7, 11; E = 10.69, 7.31).
        let (mt, me) = AML_MAINTAINED;
        let (nt, ne) = AML_NONMAINTAINED;
        let m = KaplanMeier::fit(&mt, &me).unwrap();
        let nm = KaplanMeier::fit(&nt, &ne).unwrap();
        assert_eq!(m.median(), Some(31.0));
        assert_eq!(nm.median(), Some(23.0));
        // 95% limits, R: log (18, NA) and (8, NA); log-log (13, NA) and (5, 33).
        assert_eq!(
            m.quantile_ci(0.5, 0.95, CiTransform::Log),
            (Some(18.0), None)
        );
        assert_eq!(
            nm.quantile_ci(0.5, 0.95, CiTransform::Log),
            (Some(8.0), None)
        );
        assert_eq!(m.median_ci(0.95), (Some(13.0), None));
        assert_eq!(nm.median_ci(0.95), (Some(5.0), Some(33.0)));
        // S(13) for Maintained = 10/11 · 9/10 = 0.818182 (one censored at 13 is still at risk).
        assert!(close(m.survival_at(13.0), 9.0 / 11.0, 1e-15));
        assert!(close(m.se_at(13.0), 0.116_291_3, 5e-8));
        let lr = log_rank(&[(&mt, &me), (&nt, &ne)]).unwrap();
        assert!(
            close(lr.chi2, 3.4, 0.05) && close(lr.p, 0.0653, 5e-5),
            "{lr:?}"
        );
        assert_eq!(lr.observed, vec![7, 11]);
        assert!(close(lr.expected[0], 10.69, 5e-3) && close(lr.expected[1], 7.31, 5e-3));
    }

    #[test]
    fn three_group_log_rank_by_hand() {
        // Groups A = {1}, B = {2}, C = {3}, all events. By hand:
        //   t = 1: n = (1, 1, 1), d = 1: E += (1/3, 1/3, 1/3), V += [[2, −1, −1], …]/9;
        //   t = 2: n = (0, 1, 1), d = 1: E += (0, 1/2, 1/2), V_BB, V_CC += 1/4, V_BC −= 1/4;
        //   t = 3: n = (0, 0, 1), d = 1: E += (0, 0, 1), no variance (n − 1 = 0).
        // O − E over B, C = (1/6, −5/6); V = [[17, −13], [−13, 17]]/36, V⁻¹ = [[5.1, 3.9], [3.9, 5.1]];
        // chi2 = (5.1 · 26 − 7.8 · 5)/36 = 2.6 on 2 df, p = e^{−1.3} (R survdiff agrees).
        let lr = log_rank(&[(&[1.0], &[true]), (&[2.0], &[true]), (&[3.0], &[true])]).unwrap();
        assert!(close(lr.chi2, 2.6, 1e-12));
        assert_eq!(lr.df, 2);
        assert!(close(lr.p, (-1.3f64).exp(), 1e-12));
        assert!(close(lr.expected[2], 11.0 / 6.0, 1e-12));
    }

    #[test]
    fn ties_put_events_before_censorings() {
        // Times 1, 2, 2+, 3: three subjects are at risk at t = 2, including the one censored
        // then, so S(2) = 3/4 · 2/3 = 1/2 and the median is 2.
        let km = KaplanMeier::fit(&[2.0, 1.0, 2.0, 3.0], &[false, true, true, true]).unwrap();
        let s2 = km.steps()[1];
        assert_eq!((s2.at_risk, s2.events, s2.censored), (3, 1, 1));
        assert!(close(km.survival_at(2.0), 0.5, 1e-15));
        assert_eq!(km.median(), Some(2.0));
        assert_eq!(km.quantile(0.25), Some(1.0));
        assert_eq!(km.quantile(0.9), Some(3.0));
        // S(2) = 5/6 · 3/5 = 1/2 in exact arithmetic; rounding must not push the median to
        // the next event (R survival would report the midpoint 2.5 of the flat stretch).
        let km = KaplanMeier::fit(&[1.0, 2.0, 2.0, 3.0, 4.0, 5.0], &[true; 6]).unwrap();
        assert!(close(km.survival_at(2.0), 0.5, 1e-15));
        assert_eq!(km.median(), Some(2.0));
        // S = 5/6, 5/6 · 3/4 = 0.625, 0.625 · 2/3 = 0.41667 at 1, 3, 4: median 4.
        let km = KaplanMeier::fit(
            &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            &[true, false, true, true, true, true],
        )
        .unwrap();
        assert_eq!(km.median(), Some(4.0));
    }

    #[test]
    fn degenerate_input_is_rejected_or_flat() {
        assert!(KaplanMeier::fit(&[], &[]).is_none());
        assert!(KaplanMeier::fit(&[1.0], &[true, false]).is_none());
        assert!(KaplanMeier::fit(&[1.0, f64::NAN], &[true, false]).is_none());
        assert!(KaplanMeier::fit(&[f64::INFINITY], &[true]).is_none());
        let flat = KaplanMeier::fit(&[1.0, 2.0], &[false, false]).unwrap();
        assert!(close(flat.survival_at(5.0), 1.0, 0.0));
        assert_eq!(flat.median(), None);
        assert_eq!(flat.median_ci(0.95), (None, None));
        assert_eq!(flat.survival_ci_at(5.0, 0.95), (1.0, 1.0));
        let one = KaplanMeier::fit(&[3.0], &[true]).unwrap();
        assert_eq!(one.median(), Some(3.0));
        assert!(one.se_at(3.0).is_nan());
        assert_eq!(one.median_ci(0.95), (None, None));

        let t: &[f64] = &[1.0, 2.0];
        let e: &[bool] = &[true, true];
        assert!(log_rank(&[(t, e)]).is_none());
        assert!(log_rank(&[(t, e), (&[], &[])]).is_none());
        assert!(log_rank(&[(t, e), (&[1.0], &[true, false])]).is_none());
        // No events anywhere: nothing to test.
        assert!(log_rank(&[(t, &[false, false]), (&[3.0], &[false])]).is_none());
        // Identical groups: chi2 = 0, p = 1.
        let lr = log_rank(&[(t, e), (t, e)]).unwrap();
        assert!(lr.chi2.abs() < 1e-12 && close(lr.p, 1.0, 1e-12));
    }

    #[test]
    fn group_never_at_risk_at_an_event_lowers_df() {
        // Group C is censored before any event: its row of V is zero, leaving rank 1.
        let lr = log_rank(&[
            (&[2.0, 3.0], &[true, true]),
            (&[4.0, 5.0], &[true, true]),
            (&[0.5], &[false]),
        ])
        .unwrap();
        assert_eq!(lr.df, 1);
        let two = log_rank(&[(&[2.0, 3.0], &[true, true]), (&[4.0, 5.0], &[true, true])]).unwrap();
        assert!(close(lr.chi2, two.chi2, 1e-12));
    }

    #[test]
    fn a_stratified_log_rank_sums_the_strata() {
        // One stratum is the plain test.
        let groups: [(&[f64], &[bool]); 2] =
            [(&MP_TIMES, &MP_EVENTS), (&PLACEBO_TIMES, &PLACEBO_EVENTS)];
        let plain = log_rank(&groups).unwrap();
        let one = log_rank_stratified(&[&groups]).unwrap();
        assert_eq!(plain, one);
        // Two strata by hand. Stratum A: one event, in group 1, at t = 1 with 2 + 2 at risk;
        // for group 2, O = 0, E = 0.5, V = 1·3/3·(2/4)(2/4) = 0.25. Stratum B: 1 + 1 at risk,
        // the event in group 2 at t = 1: O = 1, E = 0.5, V = 0.25.
        let a: [(&[f64], &[bool]); 2] = [
            (&[1.0, 2.0], &[true, false]),
            (&[2.0, 2.0], &[false, false]),
        ];
        let b: [(&[f64], &[bool]); 2] = [(&[3.0], &[false]), (&[1.0], &[true])];
        let s = log_rank_stratified(&[&a, &b]).unwrap();
        // Summed O − E of group 2: (0 − 0.5) + (1 − 0.5) = 0, so χ² = 0.
        assert!(s.chi2.abs() < 1e-12);
        assert_eq!(s.observed, vec![1, 1]);
        // Stratum B twice: O − E = 0.5 + 0.5, V = 0.25 + 0.25, χ² = 1² / 0.5 = 2.
        let twice = log_rank_stratified(&[&b, &b]).unwrap();
        assert!((twice.chi2 - 2.0).abs() < 1e-12);
        // Strata with different numbers of groups are refused.
        let three: [(&[f64], &[bool]); 3] =
            [(&[1.0], &[true]), (&[2.0], &[true]), (&[3.0], &[true])];
        assert!(log_rank_stratified(&[&a, &three]).is_none());
    }
}
