//! Fitting the population to the natural-history targets: a weighted least-squares distance
//! minimised by Nelder-Mead over a few log-scale parameters.
//!
//! Each evaluation simulates the same virtual patients (fixed seed: common random numbers), so
//! the distance changes only through the parameters, which keeps the simplex search stable.
//! The distance is `Σ w_i ((simulated_i − published_i) / half-width_i)²` over the targets, with
//! `w = 4` for hard and `w = 0.25` for soft targets (hard targets count as if their accepted
//! interval were half as wide, which keeps them away from its edges, where another sample of
//! patients could push them out); a target the cohort cannot estimate adds a fixed penalty.

use super::metrics;
use super::targets::{Class, Set, Target};
use crate::cohort::{self, EngineError};
use crate::model::{Param, Params};
use crate::scenario::Scenario;
use crate::scenario::types::Variability;

/// One fitted quantity: a model parameter's typical value or its variability.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Knob {
    /// The typical (population median) value of a model parameter.
    Typical(Param),
    /// The coefficient of variation of a model parameter across patients.
    Cv(Param),
    /// A typical value kept within a narrower interval than the registry allows, where only
    /// part of the range is physiologically defensible.
    Bounded(Param, f64, f64),
}

impl Knob {
    /// A readable name.
    pub fn name(&self) -> String {
        match self {
            Knob::Typical(p) | Knob::Bounded(p, ..) => p.name().to_string(),
            Knob::Cv(p) => format!("cv({p})"),
        }
    }

    /// Its value in `s`.
    pub fn value(&self, s: &Scenario) -> f64 {
        match self {
            Knob::Typical(p) | Knob::Bounded(p, ..) => s.params().value(*p),
            Knob::Cv(p) => s
                .population
                .variability
                .iter()
                .find(|v| v.param == *p)
                .map_or(0.0, |v| v.cv),
        }
    }

    /// Sets it in `s` (clamped to the registry's accepted interval, a coefficient of variation
    /// to 0-3).
    pub fn set_value(&self, s: &mut Scenario, x: f64) {
        match self {
            Knob::Typical(p) | Knob::Bounded(p, ..) => {
                let info = p.info();
                let x = x.clamp(info.min, info.max);
                let x = match self {
                    Knob::Bounded(_, lo, hi) => x.clamp(*lo, *hi),
                    _ => x,
                };
                match s.model.iter_mut().find(|(n, _)| n == p) {
                    Some(slot) => slot.1 = x,
                    None => s.model.push((*p, x)),
                }
            }
            Knob::Cv(p) => {
                let x = x.clamp(0.0, 3.0);
                match s.population.variability.iter_mut().find(|v| v.param == *p) {
                    Some(v) => v.cv = x,
                    None => s
                        .population
                        .variability
                        .push(Variability { param: *p, cv: x }),
                }
            }
        }
    }
}

/// The quantities the calibration fits, with the targets that inform each.
pub const KNOBS: [Knob; 11] = [
    // Pace of the proteinopathy: presymptomatic duration, spread, survival from onset.
    Knob::Typical(Param::AggGrowthRate),
    // Seeding between contiguous regions: the time to a second region.
    Knob::Typical(Param::SpreadContiguous),
    // The typical person's susceptibility: survival and slopes.
    Knob::Typical(Param::NeuronalVulnerability),
    // Its spread across people: long survivors, the slope distribution.
    Knob::Cv(Param::NeuronalVulnerability),
    // Dysphagia-driven metabolic stress: the bulbar-onset hazard ratio.
    Knob::Typical(Param::MetabolicStressGain),
    // Failure of airway protection (aspiration): the bulbar-onset hazard ratio.
    Knob::Typical(Param::AirwayFailureCapacity),
    // Bulbar share of measured vital capacity: bulbar-onset survival and FVC decline. Kept at
    // or below 0.45: measured FVC is mostly diaphragmatic.
    Knob::Bounded(Param::FvcBulbarWeight, 0.05, 0.45),
    // Age tempo: the age gradient.
    Knob::Typical(Param::AgeTempoExponent),
    // C9orf72 misfolding: the C9orf72 hazard ratio.
    Knob::Typical(Param::GrowthFactorC9orf72),
    // Loss at which the disease is recognised: the diagnostic delay.
    Knob::Typical(Param::DiagnosisRecognitionLoss),
    // NfL release per unit of axonal damage: NfL at diagnosis.
    Knob::Typical(Param::NflRelease),
];

/// Weight of a hard target's squared, half-width-scaled residual.
pub const HARD_WEIGHT: f64 = 4.0;
/// Weight of a soft target's squared, half-width-scaled residual.
pub const SOFT_WEIGHT: f64 = 0.25;

/// Penalty for a target the cohort cannot estimate.
const MISSING: f64 = 25.0;

/// Weighted squared distance of the simulated targets from the published ones.
pub fn distance(checks: &[(Target, f64)]) -> f64 {
    checks
        .iter()
        .map(|(t, v)| {
            let w = if t.class == Class::Hard {
                HARD_WEIGHT
            } else {
                SOFT_WEIGHT
            };
            if !v.is_finite() {
                return w * MISSING;
            }
            match t.half_width() {
                Some(half) => w * ((v - t.value) / half).powi(2),
                // One-sided or exact bounds: no scale, so only a miss counts (as a hard target
                // at the edge of a two-sided interval would).
                None if t.accepts(*v) => 0.0,
                None => w,
            }
        })
        .sum()
}

/// Simulates `s` and returns the simulated value of each target of the fit set (`set = "fit"`
/// in `targets.toml`; targets needing a separate cohort, [`super::validate::COHORT_METRICS`],
/// are left out of the fit).
pub fn evaluate(
    s: &Scenario,
    targets: &[Target],
    threads: usize,
) -> Result<Vec<(Target, f64)>, EngineError> {
    evaluate_targets(s, &fit_targets(targets), threads)
}

/// The targets a fit uses: the fit set (`set = "fit"` in `targets.toml`), less those needing
/// a separate cohort ([`super::validate::COHORT_METRICS`]).
pub fn fit_targets(all: &[Target]) -> Vec<Target> {
    all.iter()
        .filter(|t| t.set == Set::Fit && !super::validate::COHORT_METRICS.contains(&t.metric))
        .cloned()
        .collect()
}

/// Simulates `s` and returns the simulated value of each of `targets` (all computable from one
/// cohort: none of [`super::validate::COHORT_METRICS`]); NaN where the cohort cannot estimate one.
pub fn evaluate_targets(
    s: &Scenario,
    targets: &[Target],
    threads: usize,
) -> Result<Vec<(Target, f64)>, EngineError> {
    let outcomes = cohort::run(&s.cohort_spec(), 0..s.population.size, threads)?;
    let main = metrics::Prepared::new(&outcomes);
    Ok(targets
        .iter()
        .map(|t| {
            (
                t.clone(),
                metrics::compute_prepared(t.metric, &main, &[]).map_or(f64::NAN, |e| e.value),
            )
        })
        .collect())
}

/// One step of the search, for the log.
#[derive(Debug, Clone)]
pub struct Trace {
    /// Evaluation number.
    pub evaluation: usize,
    /// Knob values.
    pub values: Vec<f64>,
    /// Distance.
    pub distance: f64,
}

/// Result of a fit.
#[derive(Debug, Clone)]
pub struct Fit {
    /// The scenario with the fitted values.
    pub scenario: Scenario,
    /// Best distance.
    pub distance: f64,
    /// Every evaluation.
    pub trace: Vec<Trace>,
}

/// Nelder-Mead (Lagarias et al. 1998 coefficients: reflection 1, expansion 2, contraction
/// 0.5, shrink 0.5) on `f` from `x0`, with initial steps `step`, for at most `max_evals`
/// evaluations or until the simplex values agree to `ftol`.
pub fn nelder_mead(
    mut f: impl FnMut(&[f64]) -> f64,
    x0: &[f64],
    step: &[f64],
    max_evals: usize,
    ftol: f64,
) -> (Vec<f64>, f64) {
    let n = x0.len();
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n + 1);
    simplex.push((x0.to_vec(), f(x0)));
    for i in 0..n {
        let mut x = x0.to_vec();
        x[i] += step[i];
        let fx = f(&x);
        simplex.push((x, fx));
    }
    let mut evals = n + 1;
    let point = |a: &[f64], b: &[f64], t: f64| {
        a.iter()
            .zip(b)
            .map(|(ai, bi)| ai + t * (bi - ai))
            .collect::<Vec<f64>>()
    };
    while evals < max_evals {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        if (simplex[n].1 - simplex[0].1).abs() <= ftol {
            break;
        }
        let centroid: Vec<f64> = (0..n)
            .map(|j| simplex[..n].iter().map(|p| p.0[j]).sum::<f64>() / n as f64)
            .collect();
        let worst = simplex[n].clone();
        let xr = point(&centroid, &worst.0, -1.0);
        let fr = f(&xr);
        evals += 1;
        if fr < simplex[0].1 {
            let xe = point(&centroid, &worst.0, -2.0);
            let fe = f(&xe);
            evals += 1;
            simplex[n] = if fe < fr { (xe, fe) } else { (xr, fr) };
        } else if fr < simplex[n - 1].1 {
            simplex[n] = (xr, fr);
        } else {
            let (xc, fc) = if fr < worst.1 {
                let xc = point(&centroid, &xr, 0.5);
                let fc = f(&xc);
                (xc, fc)
            } else {
                let xc = point(&centroid, &worst.0, 0.5);
                let fc = f(&xc);
                (xc, fc)
            };
            evals += 1;
            if fc < worst.1.min(fr) {
                simplex[n] = (xc, fc);
            } else {
                let best = simplex[0].0.clone();
                for p in simplex.iter_mut().skip(1) {
                    p.0 = point(&best, &p.0, 0.5);
                    p.1 = f(&p.0);
                    evals += 1;
                }
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (x, fx) = simplex.swap_remove(0);
    (x, fx)
}

/// The scenario the search starts from: `s` with every knob that is zero (which the log scale
/// cannot represent) moved to a positive start, with a note for each: a variability to a CV of
/// 0.5, a typical value to its registry default (or to the middle of its bounded interval if
/// the default is zero too).
pub fn starting_point(s: &Scenario) -> (Scenario, Vec<String>) {
    let mut start = s.clone();
    let mut notes = Vec::new();
    for k in &KNOBS {
        let v = k.value(s);
        if v > 0.0 {
            continue;
        }
        let x = match k {
            Knob::Cv(_) => 0.5,
            Knob::Typical(p) => Some(Params::default().value(*p))
                .filter(|d| *d > 0.0)
                .unwrap_or(1.0),
            Knob::Bounded(p, lo, hi) => Some(Params::default().value(*p))
                .filter(|d| *d > 0.0)
                .unwrap_or(0.5 * (lo + hi)),
        };
        k.set_value(&mut start, x);
        notes.push(format!(
            "`{}` is {v} in the scenario; the log-scale search starts it at {}",
            k.name(),
            k.value(&start)
        ));
    }
    (start, notes)
}

/// Fits the knobs of `s` to `targets`. Knobs are searched on the log scale (all are positive;
/// a zero is moved to the start [`starting_point`] gives).
pub fn fit(
    s: &Scenario,
    targets: &[Target],
    threads: usize,
    max_evals: usize,
) -> Result<Fit, EngineError> {
    let (s, _) = starting_point(s);
    let s = &s;
    let x0: Vec<f64> = KNOBS.iter().map(|k| k.value(s).ln()).collect();
    let step = vec![0.2; KNOBS.len()];
    let mut trace = Vec::new();
    let mut error = None;
    let apply = |x: &[f64]| {
        let mut c = s.clone();
        for (k, &xi) in KNOBS.iter().zip(x) {
            k.set_value(&mut c, xi.exp());
        }
        c
    };
    let (best, d) = nelder_mead(
        |x| {
            let c = apply(x);
            let d = match evaluate(&c, targets, threads) {
                Ok(checks) => distance(&checks),
                Err(e) => {
                    error = Some(e);
                    f64::INFINITY
                }
            };
            // Record the values actually simulated (after clamping to each knob's bounds).
            trace.push(Trace {
                evaluation: trace.len() + 1,
                values: KNOBS.iter().map(|k| k.value(&c)).collect(),
                distance: d,
            });
            d
        },
        &x0,
        &step,
        max_evals,
        1e-3,
    );
    if let Some(e) = error {
        return Err(e);
    }
    Ok(Fit {
        scenario: apply(&best),
        distance: d,
        trace,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_knobs_start_at_a_positive_value_with_a_note() {
        let mut s = crate::calibrate::validate::natural_history();
        Knob::Typical(Param::AirwayFailureCapacity).set_value(&mut s, 0.0);
        s.population
            .variability
            .retain(|v| v.param != Param::NeuronalVulnerability);
        let (start, notes) = starting_point(&s);
        assert_eq!(notes.len(), 2, "{notes:?}");
        let airway = Knob::Typical(Param::AirwayFailureCapacity).value(&start);
        let default = Params::default().airway_failure_capacity;
        assert!((airway - default).abs() < 1e-15, "{airway}");
        assert!((Knob::Cv(Param::NeuronalVulnerability).value(&start) - 0.5).abs() < 1e-15);
        for k in &KNOBS {
            assert!(k.value(&start) > 0.0, "{}", k.name());
        }
        // A scenario without zeros is left as it is.
        let (same, none) = starting_point(&start);
        assert!(none.is_empty());
        assert_eq!(same, start);
    }

    #[test]
    fn nelder_mead_finds_the_minimum_of_rosenbrock() {
        let rosen = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let (x, fx) = nelder_mead(rosen, &[-1.2, 1.0], &[0.5, 0.5], 2000, 1e-14);
        assert!(fx < 1e-8, "{fx}");
        assert!(
            (x[0] - 1.0).abs() < 1e-3 && (x[1] - 1.0).abs() < 1e-3,
            "{x:?}"
        );
    }

    #[test]
    fn distance_weights_hard_over_soft() {
        let t = |class| Target {
            id: "x".into(),
            metric: super::metrics::Metric::Plateau6,
            statistic: "s".into(),
            value: 10.0,
            accept: [8.0, 12.0],
            class,
            population: "p".into(),
            source: "s".into(),
            set: Set::Fit,
            informs: Vec::new(),
        };
        assert!((distance(&[(t(Class::Hard), 12.0)]) - HARD_WEIGHT).abs() < 1e-12);
        assert!((distance(&[(t(Class::Soft), 12.0)]) - SOFT_WEIGHT).abs() < 1e-12);
        assert!((distance(&[(t(Class::Hard), f64::NAN)]) - HARD_WEIGHT * MISSING).abs() < 1e-12);
    }
}
