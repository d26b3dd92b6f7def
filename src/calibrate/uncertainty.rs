//! Propagating what we do not know: a scenario run under parameter sets drawn from the shipped
//! posterior (outer loop) with its own virtual patients under each (inner loop), so that every
//! key number carries a credible interval that combines parameter uncertainty with patient
//! variability.
//!
//! Without uncertainty a run uses the shipped defaults (the representative point; see
//! docs/CALIBRATION.md) and is exactly as fast and reproducible as before.

use super::posterior::{self, Dimension, Particle};
use crate::cohort::{self, EngineError, Outcome};
pub use crate::results::uncertainty::{ArmIntervals, ArmRow, CSV_HEADER, Interval, read_draws_csv};
use crate::scenario::Scenario;
use crate::stats::km::KaplanMeier;

/// The shipped posterior sample (`alssim calibrate --posterior`, default options).
pub const POSTERIOR_CSV: &str = include_str!("posterior.csv");

/// The shipped posterior: its dimensions and particles.
pub fn bundled() -> (Vec<Dimension>, Vec<Particle>) {
    let dims = posterior::bundled_dimensions();
    let body: String = POSTERIOR_CSV
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    // Part of the program and checked by the tests, so it always reads.
    let particles = posterior::read_particles(&dims, &body).unwrap_or_default();
    (dims, particles)
}

/// Months from enrollment at which [`ArmNumbers::survival`] is read: 0 to 60, monthly.
pub const SURVIVAL_MONTHS: usize = 61;

/// The key numbers of one arm of one run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ArmNumbers {
    /// Kaplan-Meier survival from enrollment at 0, 1, ..., 60 months (NaN past the last
    /// follow-up).
    pub survival: [f64; SURVIVAL_MONTHS],
    /// Median survival from enrollment, months (Kaplan-Meier; NaN if not reached).
    pub median_survival: f64,
    /// Mean of the patients' least-squares ALSFRS-R slopes, points/month.
    pub mean_slope: f64,
}

/// The key numbers of every arm of a cohort.
pub fn arm_numbers(outcomes: &[Outcome], arms: usize) -> Vec<ArmNumbers> {
    (0..arms)
        .map(|a| {
            let mut times = Vec::new();
            let mut events = Vec::new();
            let mut slopes = Vec::new();
            for o in outcomes {
                let Outcome::Enrolled {
                    enrollment,
                    arms: courses,
                    ..
                } = o
                else {
                    continue;
                };
                let c = &courses[a];
                let died = c.died();
                let end = if died {
                    c.events.death.unwrap_or(c.follow_up_end)
                } else {
                    c.follow_up_end
                };
                times.push((end - enrollment).max(0.0));
                events.push(died);
                if let Some(s) = c.alsfrs_slope().filter(|s| s.is_finite()) {
                    slopes.push(s);
                }
            }
            let km = KaplanMeier::fit(&times, &events);
            let last = times.iter().copied().fold(0.0, f64::max);
            let mut survival = [f64::NAN; SURVIVAL_MONTHS];
            if let Some(k) = &km {
                for (m, x) in survival.iter_mut().enumerate() {
                    if m as f64 <= last {
                        *x = k.survival_at(m as f64);
                    }
                }
            }
            ArmNumbers {
                survival,
                median_survival: km.and_then(|k| k.median()).unwrap_or(f64::NAN),
                mean_slope: if slopes.is_empty() {
                    f64::NAN
                } else {
                    slopes.iter().sum::<f64>() / slopes.len() as f64
                },
            }
        })
        .collect()
}

/// One draw of the outer loop: the posterior member used and the key numbers per arm.
#[derive(Debug, Clone, PartialEq)]
pub struct Draw {
    /// Index of the posterior particle.
    pub particle: usize,
    /// Seed of the draw's patients.
    pub seed: u64,
    /// Key numbers per arm.
    pub arms: Vec<ArmNumbers>,
}

/// `n` parameter sets drawn from `particles` by weight (reproducibly from the scenario's seed),
/// each applied to `s` with patients of their own (draw `i` has seed `scenario seed + i + 1`):
/// (particle index, scenario) per draw.
pub fn draws(
    s: &Scenario,
    dims: &[Dimension],
    particles: &[Particle],
    n: usize,
) -> Vec<(usize, Scenario)> {
    posterior::draw(particles, n, s.population.seed)
        .into_iter()
        .enumerate()
        .map(|(i, j)| {
            let mut c = posterior::apply(s, dims, &particles[j].values);
            c.population.seed = s.population.seed.wrapping_add(i as u64 + 1);
            (j, c)
        })
        .collect()
}

/// Runs `s` under `n` parameter sets drawn (by weight, reproducibly from the scenario's seed)
/// from `particles`; the patients of draw `i` have seed `scenario seed + i + 1`, so draws differ
/// in patients as well as in parameters.
pub fn propagate(
    s: &Scenario,
    dims: &[Dimension],
    particles: &[Particle],
    n: usize,
    threads: usize,
    mut progress: impl FnMut(usize),
) -> Result<Vec<Draw>, EngineError> {
    let mut out = Vec::with_capacity(n);
    for (i, (j, c)) in draws(s, dims, particles, n).into_iter().enumerate() {
        let outcomes = cohort::run(&c.cohort_spec(), 0..c.population.size, threads)?;
        out.push(Draw {
            particle: j,
            seed: c.population.seed,
            arms: arm_numbers(&outcomes, c.arms.len()),
        });
        progress(i + 1);
    }
    Ok(out)
}

/// Every draw's [`ArmRow`] for arm `arm`.
pub fn arm_rows(draws: &[Draw], arm: usize) -> Vec<ArmRow> {
    draws
        .iter()
        .map(|d| {
            let (x, c) = (d.arms[arm], d.arms[0]);
            [
                x.median_survival,
                x.mean_slope,
                x.median_survival - c.median_survival,
                x.mean_slope - c.mean_slope,
            ]
        })
        .collect()
}

/// `uncertainty.csv`: one row per draw and arm.
pub fn draws_csv(arms: &[String], draws: &[Draw]) -> String {
    let mut out = format!("{CSV_HEADER}\n");
    for (a, arm) in arms.iter().enumerate() {
        for (i, (d, r)) in draws.iter().zip(arm_rows(draws, a)).enumerate() {
            out.push_str(&format!(
                "{},{},{},{arm},{},{},{},{}\n",
                i + 1,
                d.particle,
                d.seed,
                r[0],
                r[1],
                r[2],
                r[3]
            ));
        }
    }
    out
}

/// One target's posterior predictive interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Predictive {
    /// The target.
    pub target: super::targets::Target,
    /// Its simulated value over the draws.
    pub interval: Interval,
}

impl Predictive {
    /// Whether the 95% predictive interval contains the published value; for a bound (a
    /// one-sided or exact interval, or a published figure at an end of its accepted interval,
    /// such as "at most 120 months"), whether it reaches into the accepted interval.
    pub fn contains_published(&self) -> bool {
        let i = self.interval;
        if i.n == 0 {
            return false;
        }
        let t = &self.target;
        let bound = t.half_width().is_none()
            || t.value.total_cmp(&t.accept[0]).is_eq()
            || t.value.total_cmp(&t.accept[1]).is_eq();
        if !bound {
            i.lo <= t.value && t.value <= i.hi
        } else {
            i.lo <= t.accept[1] && i.hi >= t.accept[0]
        }
    }
}

/// The posterior predictive check: the natural-history validation (`alssim validate`) of `s`
/// under `n` parameter sets drawn from `particles` (patients of draw `i` with seed `scenario
/// seed + i + 1`), and for each target the 95% interval of its simulated value over the draws.
pub fn predictive_check(
    s: &Scenario,
    dims: &[Dimension],
    particles: &[Particle],
    n: usize,
    threads: usize,
    mut progress: impl FnMut(usize),
) -> Result<Vec<Predictive>, EngineError> {
    let mut values: Vec<Vec<f64>> = Vec::new();
    let mut targets = Vec::new();
    for (i, (_, c)) in draws(s, dims, particles, n).into_iter().enumerate() {
        let checks = super::validate::check(&super::validate::simulate(&c, threads)?);
        if targets.is_empty() {
            targets = checks.iter().map(|c| c.target.clone()).collect();
            values = vec![Vec::new(); checks.len()];
        }
        for (v, c) in values.iter_mut().zip(&checks) {
            v.push(c.estimate.value);
        }
        progress(i + 1);
    }
    Ok(targets
        .into_iter()
        .zip(values)
        .map(|(target, v)| Predictive {
            target,
            interval: Interval::of(v),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_posterior_reads_whole() {
        let (dims, particles) = bundled();
        assert_eq!(dims.len(), posterior::INFERRED.len());
        assert!(particles.len() >= 100, "{}", particles.len());
        for p in &particles {
            assert!(p.weight > 0.0 && p.distance.is_finite());
            for (d, v) in dims.iter().zip(&p.values) {
                let [lo, hi] = d.prior.range.unwrap();
                assert!((lo..=hi).contains(v), "{} {v}", d.name());
            }
        }
    }

    #[test]
    fn the_draws_table_reads_back_per_arm() {
        let arm = |m: f64, s: f64| ArmNumbers {
            survival: [f64::NAN; SURVIVAL_MONTHS],
            median_survival: m,
            mean_slope: s,
        };
        let draws = vec![
            Draw {
                particle: 3,
                seed: 9,
                arms: vec![arm(20.0, -1.0), arm(22.5, -0.9)],
            },
            Draw {
                particle: 1,
                seed: 10,
                arms: vec![arm(21.0, -1.1), arm(f64::NAN, -1.0)],
            },
        ];
        let names = vec!["control".to_string(), "drug".to_string()];
        let text = draws_csv(&names, &draws);
        let arms = read_draws_csv(&text).unwrap();
        assert_eq!(arms.len(), 2);
        assert_eq!(arms[0].0, "control");
        for (got, want) in arms[1].1[0].iter().zip([22.5, -0.9, 2.5, 0.1]) {
            assert!((got - want).abs() < 1e-12, "{got} {want}");
        }
        assert!(arms[0].1[1][2].abs() < 1e-15);
        let i = ArmIntervals::of(&arms[1].1);
        assert_eq!(i.median_survival.n, 1);
        assert!(read_draws_csv("x,y\n").is_none());
    }

    #[test]
    fn intervals_skip_missing_values() {
        let i = Interval::of((0..=100).map(f64::from).chain([f64::NAN]));
        assert_eq!(i.n, 101);
        assert!((i.median - 50.0).abs() < 1e-9);
        assert!(
            i.lo > 1.0 && i.lo < 4.0 && i.hi > 96.0 && i.hi < 99.0,
            "{i:?}"
        );
        assert!(!i.includes(0.0));
        assert!(Interval::of([-1.0, 1.0]).includes(0.0));
    }
}
