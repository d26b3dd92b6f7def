//! Propagating what we do not know: a scenario run under parameter sets drawn from the shipped
//! posterior (outer loop) with its own virtual patients under each (inner loop), so that every
//! key number carries a credible interval that combines parameter uncertainty with patient
//! variability.
//!
//! Without uncertainty a run uses the shipped defaults (the representative point; see
//! docs/CALIBRATION.md) and is exactly as fast and reproducible as before.

use super::posterior::{self, Dimension, Particle};
use crate::cohort::{self, EngineError, Outcome};
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

/// The four numbers of one arm in one draw: median survival, mean slope, and their paired
/// differences from the first arm.
pub type ArmRow = [f64; 4];

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

/// One arm's credible intervals over the draws.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ArmIntervals {
    /// Median survival from enrollment, months.
    pub median_survival: Interval,
    /// Mean ALSFRS-R slope, points/month.
    pub mean_slope: Interval,
    /// Paired difference of the median survival from the first arm's.
    pub median_survival_vs_first: Interval,
    /// Paired difference of the mean slope from the first arm's.
    pub slope_vs_first: Interval,
}

impl ArmIntervals {
    /// The intervals of an arm's rows.
    pub fn of(rows: &[ArmRow]) -> ArmIntervals {
        let col = |j: usize| Interval::of(rows.iter().map(|r| r[j]));
        ArmIntervals {
            median_survival: col(0),
            mean_slope: col(1),
            median_survival_vs_first: col(2),
            slope_vs_first: col(3),
        }
    }
}

/// The header of `uncertainty.csv` (run and whatif).
pub const CSV_HEADER: &str = "draw,particle,seed,arm,median_survival_months,mean_alsfrs_r_slope,median_survival_vs_first_arm,slope_vs_first_arm";

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

/// Reads `uncertainty.csv`: each arm (in order of first appearance) with its rows; `None` if
/// the text is not such a table.
pub fn read_draws_csv(text: &str) -> Option<Vec<(String, Vec<ArmRow>)>> {
    let mut lines = text.lines();
    if lines.next()? != CSV_HEADER {
        return None;
    }
    let mut arms: Vec<(String, Vec<ArmRow>)> = Vec::new();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != 8 {
            return None;
        }
        let x = |i: usize| f[i].parse::<f64>().unwrap_or(f64::NAN);
        let row = [x(4), x(5), x(6), x(7)];
        match arms.iter_mut().find(|(a, _)| a == f[3]) {
            Some((_, rows)) => rows.push(row),
            None => arms.push((f[3].to_string(), vec![row])),
        }
    }
    Some(arms)
}

/// A credible interval: the 2.5th, 50th and 97.5th percentiles over the draws (NaN draws left
/// out), with the number of draws used.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// 2.5th percentile.
    pub lo: f64,
    /// Median.
    pub median: f64,
    /// 97.5th percentile.
    pub hi: f64,
    /// Draws with a value.
    pub n: usize,
}

impl Interval {
    /// The interval of `values`.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Interval {
        let mut v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        let q = |p: f64| crate::stats::describe::quantile_sorted(&v, p);
        Interval {
            lo: q(0.025),
            median: q(0.5),
            hi: q(0.975),
            n: v.len(),
        }
    }

    /// `median (lo to hi)` with `digits` decimals, or `-` without draws.
    pub fn text(&self, digits: usize) -> String {
        if self.n == 0 {
            "-".to_string()
        } else {
            format!(
                "{:.d$} ({:.d$} to {:.d$})",
                self.median,
                self.lo,
                self.hi,
                d = digits
            )
        }
    }

    /// [`Interval::text`] followed by whether the interval includes `no_effect`.
    pub fn text_against(&self, digits: usize, no_effect: f64) -> String {
        if self.n == 0 {
            return self.text(digits);
        }
        format!(
            "{}: {} {no_effect}",
            self.text(digits),
            if self.includes(no_effect) {
                "includes"
            } else {
                "excludes"
            }
        )
    }

    /// Whether the interval contains zero.
    pub fn includes_zero(&self) -> bool {
        self.includes(0.0)
    }

    /// Whether the interval contains `x`.
    pub fn includes(&self, x: f64) -> bool {
        self.lo <= x && self.hi >= x
    }
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
    fn intervals_skip_missing_values() {
        let i = Interval::of((0..=100).map(f64::from).chain([f64::NAN]));
        assert_eq!(i.n, 101);
        assert!((i.median - 50.0).abs() < 1e-9);
        assert!(
            i.lo > 1.0 && i.lo < 4.0 && i.hi > 96.0 && i.hi < 99.0,
            "{i:?}"
        );
        assert!(!i.includes_zero());
        assert!(Interval::of([-1.0, 1.0]).includes_zero());
    }
}
