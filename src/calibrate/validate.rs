//! `alssim validate`: the untreated default population against published natural history.

use super::metrics::{self, Estimate};
use super::targets::{self, Class, Target};
use crate::cohort::{self, EngineError, Outcome};
use crate::model::Genotype;
use crate::scenario::{self, Scenario};
use std::fmt::Write;

/// The bundled natural-history scenario, the population the targets describe.
pub const NATURAL_HISTORY: &str = include_str!("../../scenarios/natural-history.toml");

/// Size of the separate SOD1 A4V cohort.
pub const SOD1_A4V_PATIENTS: u64 = 400;

/// One target with its simulated value.
#[derive(Debug, Clone)]
pub struct Check {
    /// The target.
    pub target: Target,
    /// The simulated estimate.
    pub estimate: Estimate,
}

impl Check {
    /// Whether the simulated value lies in the acceptance interval.
    pub fn passed(&self) -> bool {
        let v = self.estimate.value;
        v.is_finite() && v >= self.target.accept[0] && v <= self.target.accept[1]
    }
}

/// The bundled natural-history scenario.
pub fn natural_history() -> Scenario {
    // Bundled and checked by the test suite, so it always parses.
    scenario::parse("natural-history.toml", "natural-history", NATURAL_HISTORY).unwrap_or_else(
        |e| {
            unreachable!(
                "the bundled natural-history scenario is invalid: {}",
                e.report()
            )
        },
    )
}

/// The outcomes of the main cohort and of the SOD1 A4V cohort.
pub fn simulate(s: &Scenario, threads: usize) -> Result<(Vec<Outcome>, Vec<Outcome>), EngineError> {
    let main = cohort::run(&s.cohort_spec(), 0..s.population.size, threads)?;
    let mut a4v = s.clone();
    a4v.population.covariates.genotype =
        Genotype::ALL.map(|g| if g == Genotype::Sod1A4v { 1.0 } else { 0.0 });
    // SOD1 carriers start younger (onset about 46-50 years; Bali 2017 JNNP 88:99).
    a4v.population.covariates.age.mean = 48.0;
    let a4v_out = cohort::run(&a4v.cohort_spec(), 0..SOD1_A4V_PATIENTS, threads)?;
    Ok((main, a4v_out))
}

/// Every bundled target against the simulated cohorts.
pub fn check(outcomes: &[Outcome], sod1_a4v: &[Outcome]) -> Vec<Check> {
    targets::bundled()
        .into_iter()
        .map(|target| {
            let estimate =
                metrics::compute(&target.metric, outcomes, sod1_a4v).unwrap_or(Estimate {
                    value: f64::NAN,
                    lo: f64::NAN,
                    hi: f64::NAN,
                });
            Check { target, estimate }
        })
        .collect()
}

fn fmt(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3}")
    } else {
        String::new()
    }
}

/// `validation.csv`.
pub fn to_csv(checks: &[Check]) -> String {
    let mut out = String::from(
        "id,class,statistic,simulated,ci_low,ci_high,published,accept_low,accept_high,pass,population,source\n",
    );
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    for c in checks {
        let t = &c.target;
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{}",
            t.id,
            if t.class == Class::Hard {
                "hard"
            } else {
                "soft"
            },
            q(&t.statistic),
            fmt(c.estimate.value),
            fmt(c.estimate.lo),
            fmt(c.estimate.hi),
            t.value,
            t.accept[0],
            t.accept[1],
            c.passed(),
            q(&t.population),
            q(&t.source)
        );
    }
    out
}

/// `validation.md`: a table for people.
pub fn to_markdown(checks: &[Check], patients: u64, seed: u64) -> String {
    let hard: Vec<_> = checks
        .iter()
        .filter(|c| c.target.class == Class::Hard)
        .collect();
    let soft: Vec<_> = checks
        .iter()
        .filter(|c| c.target.class == Class::Soft)
        .collect();
    let mut out = format!(
        "# Natural-history validation\n\nThe bundled natural-history population ({patients} patients, seed {seed}) against \
         published figures. Hard targets must fall inside their accepted interval; soft targets are reported.\n\n\
         Hard: {} of {} pass. Soft: {} of {} inside their interval.\n\n",
        hard.iter().filter(|c| c.passed()).count(),
        hard.len(),
        soft.iter().filter(|c| c.passed()).count(),
        soft.len()
    );
    for (title, group) in [("Hard targets", hard), ("Soft targets", soft)] {
        let _ = write!(
            out,
            "## {title}\n\n| target | simulated (95% CI) | published | accepted | pass | source |\n|---|---|---|---|---|---|\n"
        );
        for c in group {
            let e = c.estimate;
            let ci = if e.lo.is_finite() && e.hi.is_finite() {
                format!(" ({}-{})", fmt(e.lo), fmt(e.hi))
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "| {} | {}{} | {} | {} to {} | {} | {} |",
                c.target.statistic,
                fmt(e.value),
                ci,
                c.target.value,
                c.target.accept[0],
                c.target.accept[1],
                if c.passed() { "yes" } else { "**no**" },
                c.target.source
            );
        }
        out.push('\n');
    }
    out
}
