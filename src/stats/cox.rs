//! Cox proportional-hazards regression.
//!
//! The partial likelihood is maximised by Newton-Raphson from β = 0, with step halving
//! whenever a step lowers the log-likelihood or makes it non-finite. Covariates are centred
//! on their means and the linear predictor is shifted by its maximum before exponentiating;
//! neither changes the estimates, both keep `exp(xβ)` finite.
//!
//! # Ties
//!
//! Both classical approximations are available through [`Ties`]. [`fit`] uses **Efron's**,
//! which is closer to the exact partial likelihood when many events share a time (as with
//! events detected at scheduled visits) and is the default of R `survival::coxph`;
//! [`Ties::Breslow`] reproduces Stata, SAS `PROC PHREG` defaults and the textbook tables that
//! use them. Without tied event times the two coincide.
//!
//! # Strata
//!
//! [`fit_stratified`] gives each stratum its own baseline hazard and shares the coefficients:
//! the partial likelihood is the sum of the strata's partial likelihoods, each over its own risk
//! sets (Kalbfleisch and Prentice 2002, *The Statistical Analysis of Failure Time Data*, 2nd ed.,
//! section 4.4; R `coxph` with `strata()`). A stratum without events contributes nothing.
//!
//! # Convergence
//!
//! An iteration has converged when the log-likelihood changed by at most `tol × |ℓ|` and the
//! Newton step by at most `√tol × (1 + |βⱼ|)` in every coordinate. The second condition
//! rejects the monotone likelihood of a covariate that separates events perfectly: there the
//! log-likelihood levels off while β keeps moving by about one unit per step towards ±∞, so
//! the fit ends in [`CoxError::NotConverged`] instead of reporting a huge finite coefficient.
//!
//! # Inference
//!
//! Standard errors are the square roots of the diagonal of the inverse observed information
//! at the estimate; Wald `z = β / se` with two-sided normal p-values; hazard ratios `exp(β)`
//! with limits `exp(β ± 1.959964 se)`.

use super::dist::{chi2_sf, normal_sf, z_for_level};
use super::linalg::{Ldl, PIVOT_TOLERANCE};

/// Approximation of the partial likelihood for tied event times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ties {
    /// Breslow (1974): every subject tied at an event time stays in the full risk set.
    Breslow,
    /// Efron (1977): the tied subjects' contribution to the risk set is averaged out over the
    /// tied events.
    #[default]
    Efron,
}

/// Fitting options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoxOptions {
    /// Handling of tied event times.
    pub ties: Ties,
    /// Largest number of Newton-Raphson iterations (20, as R `coxph`).
    pub max_iter: usize,
    /// Relative convergence tolerance on the log-likelihood (1e-9, as R `coxph`).
    pub tol: f64,
}

impl Default for CoxOptions {
    fn default() -> Self {
        CoxOptions {
            ties: Ties::Efron,
            max_iter: 20,
            tol: 1e-9,
        }
    }
}

/// Why a Cox model could not be fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CoxError {
    /// Times, events and covariate rows differ in number.
    #[error(
        "mismatched lengths: {times} times, {events} event flags and {covariates} covariate rows"
    )]
    MismatchedLengths {
        /// Number of times.
        times: usize,
        /// Number of event flags.
        events: usize,
        /// Number of covariate rows.
        covariates: usize,
    },
    /// No subjects, or no covariate columns.
    #[error("nothing to fit: {0}")]
    Empty(&'static str),
    /// A covariate row of a different length than the first.
    #[error("covariate row {row} has {found} values, expected {expected}")]
    RaggedCovariates {
        /// Index of the offending row.
        row: usize,
        /// Length of the first row.
        expected: usize,
        /// Length of this row.
        found: usize,
    },
    /// A non-finite time or covariate.
    #[error("subject {subject} has a non-finite time or covariate")]
    NonFinite {
        /// Index of the offending subject.
        subject: usize,
    },
    /// Every subject is censored.
    #[error("no events: the partial likelihood is constant")]
    NoEvents,
    /// The information matrix is singular.
    #[error(
        "singular information matrix (rank {rank} of {p}): covariates are collinear, or \
         constant among the subjects at risk at the event times"
    )]
    Singular {
        /// Numerical rank found.
        rank: usize,
        /// Number of covariates.
        p: usize,
    },
    /// The iteration limit was reached.
    #[error(
        "no convergence after {iterations} iterations: a coefficient may be infinite \
         (monotone likelihood, as when a covariate separates events perfectly)"
    )]
    NotConverged {
        /// Iterations performed.
        iterations: usize,
    },
    /// Invalid options.
    #[error("invalid options: {0}")]
    Options(&'static str),
}

/// One estimated coefficient.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoxCoef {
    /// Log hazard ratio β.
    pub beta: f64,
    /// Standard error of β.
    pub se: f64,
    /// Hazard ratio exp(β).
    pub hazard_ratio: f64,
    /// Lower 95% limit of the hazard ratio, exp(β − 1.959964 se).
    pub hr_lower: f64,
    /// Upper 95% limit of the hazard ratio, exp(β + 1.959964 se).
    pub hr_upper: f64,
    /// Wald statistic β / se.
    pub z: f64,
    /// Two-sided Wald p-value.
    pub p: f64,
}

/// A fitted Cox model.
#[derive(Debug, Clone, PartialEq)]
pub struct CoxFit {
    /// One entry per covariate column, in input order.
    pub coefficients: Vec<CoxCoef>,
    /// Covariance matrix of β (inverse information), one row per covariate.
    pub covariance: Vec<Vec<f64>>,
    /// Log partial likelihood at the estimate.
    pub loglik: f64,
    /// Log partial likelihood at β = 0.
    pub loglik_null: f64,
    /// Newton-Raphson iterations used.
    pub iterations: usize,
    /// Number of subjects.
    pub n: usize,
    /// Number of events.
    pub events: usize,
    /// Tie handling used.
    pub ties: Ties,
}

impl CoxFit {
    /// Estimated coefficients β.
    pub fn betas(&self) -> Vec<f64> {
        self.coefficients.iter().map(|c| c.beta).collect()
    }

    /// Likelihood-ratio test against the null model: `(statistic, df, p)`.
    pub fn likelihood_ratio(&self) -> (f64, usize, f64) {
        let stat = (2.0 * (self.loglik - self.loglik_null)).max(0.0);
        let df = self.coefficients.len();
        (stat, df, chi2_sf(stat, df as f64))
    }

    /// Confidence interval for the hazard ratio of covariate `j` at `level` (for example
    /// 0.9). `None` for an unknown `j` or a `level` outside (0, 1).
    pub fn hazard_ratio_ci(&self, j: usize, level: f64) -> Option<(f64, f64)> {
        let c = self.coefficients.get(j)?;
        let z = z_for_level(level)?;
        Some(((c.beta - z * c.se).exp(), (c.beta + z * c.se).exp()))
    }
}

/// Fits a Cox model with the default options (Efron ties, 20 iterations, tolerance 1e-9).
///
/// `covariates` holds one row per subject with the same `p ≥ 1` columns in each.
pub fn fit(times: &[f64], events: &[bool], covariates: &[Vec<f64>]) -> Result<CoxFit, CoxError> {
    fit_with(times, events, covariates, &CoxOptions::default())
}

/// Subjects grouped by stratum, then by distinct time in decreasing time, with centred
/// covariates.
struct Data {
    /// Centred covariates, row-major `n × p`, rows by stratum then in decreasing time.
    x: Vec<f64>,
    /// Event flags in the same order.
    event: Vec<bool>,
    /// `[start, end)` row ranges of each distinct time of a stratum, in decreasing time, and
    /// whether the range opens a stratum (its risk sets start empty).
    blocks: Vec<(usize, usize, bool)>,
    n: usize,
    p: usize,
}

/// Log-likelihood, score and information at one β.
struct Eval {
    loglik: f64,
    score: Vec<f64>,
    info: Vec<f64>,
}

/// Fits a Cox model with explicit options.
pub fn fit_with(
    times: &[f64],
    events: &[bool],
    covariates: &[Vec<f64>],
    options: &CoxOptions,
) -> Result<CoxFit, CoxError> {
    fit_inner(times, events, covariates, None, options)
}

/// Fits a Cox model stratified by `strata` (one label per subject): each stratum has its own
/// baseline hazard and the partial likelihood is the sum of the strata's, with the
/// coefficients shared (Kalbfleisch and Prentice 2002, section 4.4; R `coxph` with
/// `strata()`). Efron's approximation for ties.
pub fn fit_stratified(
    times: &[f64],
    events: &[bool],
    covariates: &[Vec<f64>],
    strata: &[u32],
) -> Result<CoxFit, CoxError> {
    fit_stratified_with(times, events, covariates, strata, &CoxOptions::default())
}

/// [`fit_stratified`] with explicit options.
pub fn fit_stratified_with(
    times: &[f64],
    events: &[bool],
    covariates: &[Vec<f64>],
    strata: &[u32],
    options: &CoxOptions,
) -> Result<CoxFit, CoxError> {
    if strata.len() != times.len() {
        return Err(CoxError::MismatchedLengths {
            times: times.len(),
            events: events.len(),
            covariates: strata.len(),
        });
    }
    fit_inner(times, events, covariates, Some(strata), options)
}

fn fit_inner(
    times: &[f64],
    events: &[bool],
    covariates: &[Vec<f64>],
    strata: Option<&[u32]>,
    options: &CoxOptions,
) -> Result<CoxFit, CoxError> {
    if !(options.tol > 0.0 && options.tol < 1.0) {
        return Err(CoxError::Options("tol must be in (0, 1)"));
    }
    if options.max_iter == 0 {
        return Err(CoxError::Options("max_iter must be at least 1"));
    }
    let data = prepare(times, events, covariates, strata)?;
    let n_events = data.event.iter().filter(|&&e| e).count();
    if n_events == 0 {
        return Err(CoxError::NoEvents);
    }
    let p = data.p;
    let mut beta = vec![0.0; p];
    let mut current = evaluate(&data, &beta, options.ties);
    let loglik_null = current.loglik;
    let step_tol = options.tol.sqrt();

    let mut iterations = 0;
    let mut converged = false;
    while iterations < options.max_iter {
        iterations += 1;
        let ldl = Ldl::new(&current.info, p, PIVOT_TOLERANCE)
            .ok_or(CoxError::NotConverged { iterations })?;
        if !ldl.is_full_rank() {
            return Err(CoxError::Singular {
                rank: ldl.rank(),
                p,
            });
        }
        let mut step = ldl.solve(&current.score);
        let mut candidate: Vec<f64>;
        let mut next;
        let mut halvings = 0;
        loop {
            candidate = beta.iter().zip(&step).map(|(b, s)| b + s).collect();
            next = evaluate(&data, &candidate, options.ties);
            let slack = options.tol * current.loglik.abs();
            if next.loglik.is_finite() && next.loglik >= current.loglik - slack {
                break;
            }
            halvings += 1;
            if halvings > 60 {
                return Err(CoxError::NotConverged { iterations });
            }
            step.iter_mut().for_each(|s| *s *= 0.5);
        }
        let small_change =
            (next.loglik - current.loglik).abs() <= options.tol * next.loglik.abs().max(1.0);
        let small_step = step
            .iter()
            .zip(&candidate)
            .all(|(s, b)| s.abs() <= step_tol * (1.0 + b.abs()));
        beta = candidate;
        current = next;
        if small_change && small_step {
            converged = true;
            break;
        }
    }
    if !converged {
        return Err(CoxError::NotConverged { iterations });
    }

    let ldl =
        Ldl::new(&current.info, p, PIVOT_TOLERANCE).ok_or(CoxError::NotConverged { iterations })?;
    if !ldl.is_full_rank() {
        return Err(CoxError::Singular {
            rank: ldl.rank(),
            p,
        });
    }
    let inverse = ldl.inverse();
    let z95 = z_for_level(0.95).unwrap_or(1.959_963_984_540_054);
    let coefficients = (0..p)
        .map(|j| {
            let b = beta[j];
            let se = inverse[j * p + j].max(0.0).sqrt();
            let z = b / se;
            CoxCoef {
                beta: b,
                se,
                hazard_ratio: b.exp(),
                hr_lower: (b - z95 * se).exp(),
                hr_upper: (b + z95 * se).exp(),
                z,
                p: 2.0 * normal_sf(z.abs()),
            }
        })
        .collect();
    let covariance = (0..p)
        .map(|i| inverse[i * p..(i + 1) * p].to_vec())
        .collect();
    Ok(CoxFit {
        coefficients,
        covariance,
        loglik: current.loglik,
        loglik_null,
        iterations,
        n: data.n,
        events: n_events,
        ties: options.ties,
    })
}

/// Validates the input, sorts by stratum and decreasing time and centres the covariates (over
/// all subjects: centring does not change the estimates).
fn prepare(
    times: &[f64],
    events: &[bool],
    covariates: &[Vec<f64>],
    strata: Option<&[u32]>,
) -> Result<Data, CoxError> {
    let n = times.len();
    if events.len() != n || covariates.len() != n {
        return Err(CoxError::MismatchedLengths {
            times: n,
            events: events.len(),
            covariates: covariates.len(),
        });
    }
    if n == 0 {
        return Err(CoxError::Empty("no subjects"));
    }
    let p = covariates[0].len();
    if p == 0 {
        return Err(CoxError::Empty("no covariate columns"));
    }
    for (row, x) in covariates.iter().enumerate() {
        if x.len() != p {
            return Err(CoxError::RaggedCovariates {
                row,
                expected: p,
                found: x.len(),
            });
        }
        if !times[row].is_finite() || x.iter().any(|v| !v.is_finite()) {
            return Err(CoxError::NonFinite { subject: row });
        }
    }
    let means: Vec<f64> = (0..p)
        .map(|j| covariates.iter().map(|x| x[j]).sum::<f64>() / n as f64)
        .collect();
    let stratum = |i: usize| strata.map_or(0, |s| s[i]);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        stratum(a)
            .cmp(&stratum(b))
            .then(times[b].total_cmp(&times[a]))
    });
    let mut x = Vec::with_capacity(n * p);
    let mut event = Vec::with_capacity(n);
    for &i in &order {
        x.extend(covariates[i].iter().zip(&means).map(|(v, m)| v - m));
        event.push(events[i]);
    }
    let mut blocks = Vec::new();
    let mut start = 0;
    let mut opens = true;
    for k in 1..=n {
        let new_stratum = k < n && stratum(order[k]) != stratum(order[start]);
        if k == n || new_stratum || times[order[k]] < times[order[start]] {
            blocks.push((start, k, opens));
            opens = new_stratum;
            start = k;
        }
    }
    Ok(Data {
        x,
        event,
        blocks,
        n,
        p,
    })
}

/// Log partial likelihood, score vector and observed information at `beta`.
fn evaluate(data: &Data, beta: &[f64], ties: Ties) -> Eval {
    let (n, p) = (data.n, data.p);
    let eta: Vec<f64> = (0..n)
        .map(|i| {
            data.x[i * p..(i + 1) * p]
                .iter()
                .zip(beta)
                .map(|(x, b)| x * b)
                .sum()
        })
        .collect();
    // Shifting η by a constant cancels in every risk-set ratio.
    let shift = eta.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let risk: Vec<f64> = eta.iter().map(|e| (e - shift).exp()).collect();

    let mut loglik = 0.0;
    let mut score = vec![0.0; p];
    let mut info = vec![0.0; p * p];
    // Risk-set sums Σ r, Σ r x, Σ r x xᵀ over subjects with time ≥ current time.
    let mut s0 = 0.0;
    let mut s1 = vec![0.0; p];
    let mut s2 = vec![0.0; p * p];
    // The same over the events of the current time.
    let mut d1 = vec![0.0; p];
    let mut d2 = vec![0.0; p * p];
    let mut a = vec![0.0; p];

    for &(start, end, opens) in &data.blocks {
        if opens {
            s0 = 0.0;
            s1.iter_mut().for_each(|v| *v = 0.0);
            s2.iter_mut().for_each(|v| *v = 0.0);
        }
        let mut d0 = 0.0;
        let mut deaths = 0usize;
        d1.iter_mut().for_each(|v| *v = 0.0);
        d2.iter_mut().for_each(|v| *v = 0.0);
        for i in start..end {
            let xi = &data.x[i * p..(i + 1) * p];
            let r = risk[i];
            s0 += r;
            for j in 0..p {
                s1[j] += r * xi[j];
                for k in 0..=j {
                    s2[j * p + k] += r * xi[j] * xi[k];
                }
            }
            if data.event[i] {
                deaths += 1;
                d0 += r;
                loglik += eta[i] - shift;
                for j in 0..p {
                    score[j] += xi[j];
                    d1[j] += r * xi[j];
                    for k in 0..=j {
                        d2[j * p + k] += r * xi[j] * xi[k];
                    }
                }
            }
        }
        if deaths == 0 {
            continue;
        }
        let m = deaths as f64;
        for l in 0..deaths {
            // Breslow keeps the full risk set; Efron removes l/m of the tied events.
            let f = match ties {
                Ties::Breslow => 0.0,
                Ties::Efron => l as f64 / m,
            };
            let den = s0 - f * d0;
            loglik -= den.ln();
            for j in 0..p {
                a[j] = (s1[j] - f * d1[j]) / den;
                score[j] -= a[j];
            }
            for j in 0..p {
                for k in 0..=j {
                    info[j * p + k] += (s2[j * p + k] - f * d2[j * p + k]) / den - a[j] * a[k];
                }
            }
        }
    }
    for j in 0..p {
        for k in 0..j {
            info[k * p + j] = info[j * p + k];
        }
    }
    Eval {
        loglik,
        score,
        info,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    /// Freireich et al. (1963) leukemia remission data (Gehan 1965), group = 1 for placebo and
    /// 0 for 6-MP, as in Kleinbaum & Klein, *Survival Analysis* (3rd ed., 2012), ch. 3.
    fn leukemia() -> (Vec<f64>, Vec<bool>, Vec<Vec<f64>>) {
        let mp = [
            (6., true),
            (6., true),
            (6., true),
            (7., true),
            (10., true),
            (13., true),
            (16., true),
            (22., true),
            (23., true),
            (6., false),
            (9., false),
            (10., false),
            (11., false),
            (17., false),
            (19., false),
            (20., false),
            (25., false),
            (32., false),
            (32., false),
            (34., false),
            (35., false),
        ];
        let placebo = [
            1., 1., 2., 2., 3., 4., 4., 5., 5., 8., 8., 8., 8., 11., 11., 12., 12., 15., 17., 22.,
            23.,
        ];
        let mut t = Vec::new();
        let mut e = Vec::new();
        let mut x = Vec::new();
        for (time, event) in mp {
            t.push(time);
            e.push(event);
            x.push(vec![0.0]);
        }
        for time in placebo {
            t.push(time);
            e.push(true);
            x.push(vec![1.0]);
        }
        (t, e, x)
    }

    #[test]
    fn leukemia_breslow_matches_kleinbaum_klein() {
        // Kleinbaum & Klein, ch. 3 (Stata output, Breslow ties): Rx coefficient 1.509,
        // SE 0.410, HR 4.523, 95% CI (2.027, 10.094), -2 ln L = 172.759 (ℓ = −86.380).
        // R survival coxph(ties = "breslow"): 1.5091914, SE 0.4095644, z 3.68487,
        // p 0.00022882, ℓ(0) = −93.98505, ℓ = −86.37962, LR 15.21.
        let (t, e, x) = leukemia();
        let options = CoxOptions {
            ties: Ties::Breslow,
            ..CoxOptions::default()
        };
        let fit = fit_with(&t, &e, &x, &options).unwrap();
        let c = fit.coefficients[0];
        assert!(close(c.beta, 1.509_191_4, 5e-7), "beta = {}", c.beta);
        assert!(close(c.se, 0.409_564_4, 5e-7), "se = {}", c.se);
        assert!(close(c.hazard_ratio, 4.523, 5e-4));
        assert!(close(c.hr_lower, 2.027, 5e-4) && close(c.hr_upper, 10.094, 5e-4));
        assert!(close(c.z, 3.684_87, 5e-6) && close(c.p, 0.000_228_82, 5e-9));
        assert!(close(-2.0 * fit.loglik, 172.759, 5e-4));
        assert!(close(fit.loglik_null, -93.985_050_48, 1e-7));
        let (lr, df, _) = fit.likelihood_ratio();
        assert!(close(lr, 15.21, 5e-3) && df == 1);
        assert_eq!((fit.n, fit.events, fit.ties), (42, 30, Ties::Breslow));
        assert!(fit.iterations <= 6, "{} iterations", fit.iterations);
    }

    #[test]
    fn leukemia_efron_matches_r_survival() {
        // R survival 3.5 coxph(Surv(time, status) ~ group) with its default Efron ties:
        // coef 1.5721251, SE 0.4123967, HR 4.816874 (2.146508, 10.80931), z 3.81217,
        // p 0.00013775, ℓ = −85.0084246, LR 16.35 on 1 df (p 5.26e-05).
        let (t, e, x) = leukemia();
        let fit = fit(&t, &e, &x).unwrap();
        let c = fit.coefficients[0];
        assert_eq!(fit.ties, Ties::Efron);
        assert!(close(c.beta, 1.572_125_1, 5e-7), "beta = {}", c.beta);
        assert!(close(c.se, 0.412_396_7, 5e-7), "se = {}", c.se);
        assert!(close(c.hazard_ratio, 4.816_874, 5e-6));
        assert!(close(c.hr_lower, 2.146_508, 5e-6) && close(c.hr_upper, 10.809_31, 5e-5));
        assert!(close(c.z, 3.812_17, 5e-6) && close(c.p, 0.000_137_75, 5e-9));
        assert!(close(fit.loglik, -85.008_424_577_4, 1e-8));
        let (lr, _, p) = fit.likelihood_ratio();
        assert!(close(lr, 16.35, 5e-3) && close(p, 5.26e-5, 5e-8));
        let (lo, hi) = fit.hazard_ratio_ci(0, 0.95).unwrap();
        assert!(close(lo, c.hr_lower, 1e-12) && close(hi, c.hr_upper, 1e-12));
        assert!(fit.hazard_ratio_ci(1, 0.95).is_none());
        assert!(fit.hazard_ratio_ci(0, 2.0).is_none());
    }

    #[test]
    fn coding_and_sign_are_consistent() {
        // 6-MP vs placebo coding (1 for 6-MP) flips the sign: HR 1/4.816874 = 0.2076035.
        let (t, e, x) = leukemia();
        let flipped: Vec<Vec<f64>> = x.iter().map(|r| vec![1.0 - r[0]]).collect();
        let c = fit(&t, &e, &flipped).unwrap().coefficients[0];
        assert!(close(c.beta, -1.572_125_1, 5e-7) && close(c.hazard_ratio, 0.207_603_5, 5e-7));
    }

    #[test]
    fn toy_data_by_hand() {
        // Subjects (t, event, x): (1, yes, 1), (2, yes, 0), (3, no, 1); no ties, r = e^β.
        // L(β) = r/(2r + 1) · 1/(1 + r); the score 1 − 2r/(2r + 1) − r/(1 + r) = 0 gives
        // 2r² = 1, β = −ln 2 / 2. Information 2r/(2r + 1)² + r/(1 + r)² = 2(3√2 − 4),
        // so se = (6√2 − 8)^(−1/2) = 1.4355.
        let fit = fit(
            &[1.0, 2.0, 3.0],
            &[true, true, false],
            &[vec![1.0], vec![0.0], vec![1.0]],
        )
        .unwrap();
        let c = fit.coefficients[0];
        assert!(close(c.beta, -0.5 * 2f64.ln(), 1e-9), "beta = {}", c.beta);
        let se = (6.0 * 2f64.sqrt() - 8.0).powf(-0.5);
        assert!(close(c.se, se, 1e-9), "se = {}", c.se);
    }

    #[test]
    fn tied_toy_data_separates_breslow_and_efron() {
        // (1, yes, x = 1), (1, yes, x = 0), (2, no, x = 1), both events tied at t = 1.
        // Breslow: L = r / (2r + 1)², score 1 − 4r/(2r + 1) = 0, r = 1/2, β = −ln 2.
        // Efron: L = r / ((2r + 1)(1.5r + 0.5)), score 1 − 2r/(2r + 1) − 1.5r/(1.5r + 0.5) = 0,
        // 3r² = 1/2, β = −ln 6 / 2. R coxph gives −0.69314718 and −0.89587973.
        let t = [1.0, 1.0, 2.0];
        let e = [true, true, false];
        let x = [vec![1.0], vec![0.0], vec![1.0]];
        let breslow = CoxOptions {
            ties: Ties::Breslow,
            ..CoxOptions::default()
        };
        let b = fit_with(&t, &e, &x, &breslow).unwrap().coefficients[0].beta;
        let f = fit(&t, &e, &x).unwrap().coefficients[0].beta;
        assert!(close(b, -(2f64.ln()), 1e-9), "Breslow {b}");
        assert!(close(f, -0.5 * 6f64.ln(), 1e-9), "Efron {f}");
    }

    #[test]
    fn two_covariates_match_r_survival_ovarian() {
        // R survival data set `ovarian` (Edmonson et al. 1979), coxph(Surv(futime, fustat) ~
        // age + ecog.ps), no tied event times: age 0.16150122 (SE 0.04992259, p 0.0012163),
        // ecog.ps 0.01866186 (SE 0.59908459), ℓ(0) = −34.98494, ℓ = −27.83766.
        let rows: [(f64, bool, f64, f64); 26] = [
            (59., true, 72.3315, 1.),
            (115., true, 74.4932, 1.),
            (156., true, 66.4658, 2.),
            (421., false, 53.3644, 1.),
            (431., true, 50.3397, 1.),
            (448., false, 56.4301, 2.),
            (464., true, 56.9370, 2.),
            (475., true, 59.8548, 2.),
            (477., false, 64.1753, 1.),
            (563., true, 55.1781, 2.),
            (638., true, 56.7562, 2.),
            (744., false, 50.1096, 1.),
            (769., false, 59.6301, 2.),
            (770., false, 57.0521, 1.),
            (803., false, 39.2712, 1.),
            (855., false, 43.1233, 2.),
            (1040., false, 38.8932, 2.),
            (1106., false, 44.6000, 1.),
            (1129., false, 53.9068, 1.),
            (1206., false, 44.2055, 1.),
            (1227., false, 59.5890, 2.),
            (268., true, 74.5041, 2.),
            (329., true, 43.1370, 1.),
            (353., true, 63.2192, 2.),
            (365., true, 64.4247, 1.),
            (377., false, 58.3096, 1.),
        ];
        let t: Vec<f64> = rows.iter().map(|r| r.0).collect();
        let e: Vec<bool> = rows.iter().map(|r| r.1).collect();
        let x: Vec<Vec<f64>> = rows.iter().map(|r| vec![r.2, r.3]).collect();
        let fit = fit(&t, &e, &x).unwrap();
        let (age, ecog) = (fit.coefficients[0], fit.coefficients[1]);
        assert!(close(age.beta, 0.161_501_22, 5e-9) && close(age.se, 0.049_922_59, 5e-9));
        assert!(close(age.p, 0.001_216_29, 5e-9));
        assert!(close(ecog.beta, 0.018_661_86, 5e-9) && close(ecog.se, 0.599_084_59, 5e-9));
        assert!(close(fit.loglik_null, -34.984_940_37, 1e-8));
        assert!(close(fit.loglik, -27.837_661_70, 1e-8));
        // The covariance matrix is symmetric with the squared SEs on its diagonal.
        assert!(close(fit.covariance[0][1], fit.covariance[1][0], 1e-15));
        assert!(close(fit.covariance[1][1].sqrt(), ecog.se, 1e-15));
        // Without ties, Breslow and Efron coincide.
        let breslow = CoxOptions {
            ties: Ties::Breslow,
            ..CoxOptions::default()
        };
        let b = fit_with(&t, &e, &x, &breslow).unwrap();
        assert!(close(b.coefficients[0].beta, age.beta, 1e-12));
    }

    #[test]
    fn degenerate_input_gives_clear_errors() {
        let (t, e, x) = leukemia();
        assert_eq!(
            fit(&t[..3], &e, &x),
            Err(CoxError::MismatchedLengths {
                times: 3,
                events: 42,
                covariates: 42
            })
        );
        assert!(matches!(fit(&[], &[], &[]), Err(CoxError::Empty(_))));
        assert!(matches!(
            fit(&[1.0], &[true], &[vec![]]),
            Err(CoxError::Empty(_))
        ));
        let mut ragged = x.clone();
        ragged[5].push(1.0);
        assert_eq!(
            fit(&t, &e, &ragged),
            Err(CoxError::RaggedCovariates {
                row: 5,
                expected: 1,
                found: 2
            })
        );
        let mut nan = x.clone();
        nan[7][0] = f64::NAN;
        assert_eq!(fit(&t, &e, &nan), Err(CoxError::NonFinite { subject: 7 }));
        let censored = vec![false; t.len()];
        assert_eq!(fit(&t, &censored, &x), Err(CoxError::NoEvents));
        // A duplicated column is collinear; a constant column carries no information.
        let doubled: Vec<Vec<f64>> = x.iter().map(|r| vec![r[0], 2.0 * r[0]]).collect();
        let err = fit(&t, &e, &doubled).unwrap_err();
        assert_eq!(err, CoxError::Singular { rank: 1, p: 2 });
        assert!(err.to_string().contains("collinear"));
        let constant: Vec<Vec<f64>> = x.iter().map(|r| vec![r[0], 3.0]).collect();
        assert!(matches!(
            fit(&t, &e, &constant),
            Err(CoxError::Singular { .. })
        ));
        let bad = CoxOptions {
            tol: 0.0,
            ..CoxOptions::default()
        };
        assert!(matches!(
            fit_with(&t, &e, &x, &bad),
            Err(CoxError::Options(_))
        ));
    }

    #[test]
    fn perfect_separation_does_not_converge() {
        // Every subject with x = 1 fails before every subject with x = 0: β → +∞.
        let t = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let e = [true; 6];
        let x: Vec<Vec<f64>> = [1.0, 1.0, 1.0, 0.0, 0.0, 0.0]
            .iter()
            .map(|&v| vec![v])
            .collect();
        let err = fit(&t, &e, &x).unwrap_err();
        assert!(matches!(err, CoxError::NotConverged { .. }), "{err:?}");
        assert!(err.to_string().contains("infinite"));
    }

    /// A deterministic data set of 48 subjects in 3 strata with a binary and a continuous
    /// covariate, tied times and censoring, written out in full.
    fn stratified_data() -> (Vec<f64>, Vec<bool>, Vec<Vec<f64>>, Vec<u32>) {
        let times = [
            1., 17., 16., 20., 19., 7., 17., 10., 32., 13., 7., 23., 10., 26., 25., 1., 23., 16.,
            26., 19., 13., 17., 16., 9., 19., 7., 29., 10., 9., 25., 7., 23., 22., 3., 25., 13.,
            23., 16., 15., 19., 13., 29., 16., 9., 31., 7., 6., 22.,
        ];
        let censored = [0, 7, 14, 21, 28, 35, 42];
        let events: Vec<bool> = (0..48).map(|i| !censored.contains(&i)).collect();
        let x: Vec<Vec<f64>> = (0..48)
            .map(|i| vec![f64::from(i % 2), f64::from((i * 13) % 10) / 4.0])
            .collect();
        let strata: Vec<u32> = (0..48).map(|i| i % 3).collect();
        (times.to_vec(), events, x, strata)
    }

    #[test]
    fn stratified_fit_matches_lifelines_and_r_strata() {
        // Python lifelines 0.30.3, `CoxPHFitter().fit(d, "t", "e", strata=["s"])` (Efron ties;
        // the same model as R `coxph(Surv(t, e) ~ x + z + strata(s))`): coefficients 0.4479431
        // and -0.1489705, standard errors 0.3449123 and 0.2522645, partial log-likelihood
        // -75.452211.
        let (t, e, x, s) = stratified_data();
        let strat = fit_stratified(&t, &e, &x, &s).unwrap();
        let c = &strat.coefficients;
        assert!(close(c[0].beta, 0.447_943_1, 1e-5), "{}", c[0].beta);
        assert!(close(c[1].beta, -0.148_970_5, 1e-5), "{}", c[1].beta);
        assert!(close(c[0].se, 0.344_912_3, 1e-5), "{}", c[0].se);
        assert!(close(c[1].se, 0.252_264_5, 1e-5), "{}", c[1].se);
        assert!(close(strat.loglik, -75.452_211, 1e-5), "{}", strat.loglik);
        // Unstratified, the same data give another fit (lifelines: 0.4507032, 0.0625206,
        // log-likelihood -117.092444).
        let plain = fit(&t, &e, &x).unwrap();
        assert!(close(plain.coefficients[1].beta, 0.062_520_6, 1e-5));
        assert!(close(plain.loglik, -117.092_444, 1e-5), "{}", plain.loglik);
    }

    #[test]
    fn one_stratum_is_the_unstratified_fit_and_strata_add_their_likelihoods() {
        let (t, e, x, s) = stratified_data();
        let one = fit_stratified(&t, &e, &x, &vec![7; t.len()]).unwrap();
        let plain = fit(&t, &e, &x).unwrap();
        // Bit for bit: the same order, the same sums.
        assert_eq!(
            one.coefficients[0].beta.to_bits(),
            plain.coefficients[0].beta.to_bits()
        );
        assert_eq!(one.loglik.to_bits(), plain.loglik.to_bits());
        // At β = 0 the stratified partial likelihood is the sum of the strata's own.
        let stratified = fit_stratified(&t, &e, &x, &s).unwrap();
        let mut sum = 0.0;
        for k in 0..3 {
            let pick = |v: &[f64]| -> Vec<f64> {
                v.iter()
                    .zip(&s)
                    .filter(|(_, g)| **g == k)
                    .map(|(a, _)| *a)
                    .collect()
            };
            let tk = pick(&t);
            let ek: Vec<bool> = e
                .iter()
                .zip(&s)
                .filter(|(_, g)| **g == k)
                .map(|(a, _)| *a)
                .collect();
            let xk: Vec<Vec<f64>> = x
                .iter()
                .zip(&s)
                .filter(|(_, g)| **g == k)
                .map(|(a, _)| a.clone())
                .collect();
            sum += fit(&tk, &ek, &xk).unwrap().loglik_null;
        }
        assert!(
            close(stratified.loglik_null, sum, 1e-9),
            "{} against {sum}",
            stratified.loglik_null
        );
        assert!(matches!(
            fit_stratified(&t, &e, &x, &s[1..]),
            Err(CoxError::MismatchedLengths { .. })
        ));
    }

    #[test]
    fn stratifying_removes_the_confounding_of_a_prognostic_stratum() {
        // Two strata whose baseline hazards differ tenfold, a treatment without effect given
        // to most of the high-hazard stratum: unstratified, the treatment looks harmful.
        let (mut t, mut e, mut x, mut s) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for stratum in 0..2u32 {
            let scale = if stratum == 0 { 10.0 } else { 1.0 };
            for i in 0..60 {
                let u = (f64::from(i) + 0.5) / 60.0;
                t.push(-scale * (1.0 - u).ln());
                e.push(true);
                // Stratum 1: 4 of every 5 treated; stratum 0: 1 of every 5, spread evenly
                // over the survival quantiles.
                let treated = if stratum == 1 { i % 5 != 0 } else { i % 5 == 0 };
                x.push(vec![f64::from(u8::from(treated))]);
                s.push(stratum);
            }
        }
        let plain = fit(&t, &e, &x).unwrap();
        let stratified = fit_stratified(&t, &e, &x, &s).unwrap();
        assert!(
            plain.coefficients[0].hazard_ratio > 2.0,
            "{}",
            plain.coefficients[0].hazard_ratio
        );
        assert!(
            (stratified.coefficients[0].hazard_ratio - 1.0).abs() < 0.1,
            "{}",
            stratified.coefficients[0].hazard_ratio
        );
    }
}
