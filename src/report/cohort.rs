//! Cohort result files: `summary.csv`, `patients.csv` and `manifest.json`.
//!
//! Column names and units are documented in `docs/OUTPUTS.md`. Numbers are written with
//! Rust's shortest round-trip formatting, so the same results give the same bytes.

use super::stats::describe;
use crate::cohort::{CohortSpec, Outcome, ScreenFailure};
use crate::model::alsfrs::Domain;
use std::fmt::Write;

/// Reads one variable of a rated visit.
type Getter = fn(&crate::cohort::Observation) -> f64;

/// Columns of `summary.csv`.
pub const SUMMARY_COLUMNS: &str =
    "arm,month,variable,n_enrolled,n_at_risk,survival,mean,sd,median,q05,q25,q75,q95";

fn f(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

fn opt(x: Option<f64>) -> String {
    x.map(f).unwrap_or_default()
}

/// `summary.csv`: per arm, visit and variable, the at-risk count, survival fraction and
/// descriptive statistics of the rated values.
pub fn summary_csv(spec: &CohortSpec, outcomes: &[Outcome]) -> String {
    let mut out = String::from(SUMMARY_COLUMNS);
    out.push('\n');
    let times = spec.simulation.visit_times();
    let variables: [(&str, Getter); 7] = [
        ("alsfrs_r", |o| f64::from(o.total())),
        (Domain::Bulbar.name(), |o| f64::from(o.domains()[0])),
        (Domain::FineMotor.name(), |o| f64::from(o.domains()[1])),
        (Domain::GrossMotor.name(), |o| f64::from(o.domains()[2])),
        (Domain::Respiratory.name(), |o| f64::from(o.domains()[3])),
        ("fvc_pct", |o| o.fvc),
        ("nfl_pg_ml", |o| o.nfl),
    ];
    for (a, arm) in spec.arms.iter().enumerate() {
        let courses: Vec<_> = outcomes
            .iter()
            .filter_map(|o| match o {
                Outcome::Enrolled { arms, .. } => Some(&arms[a]),
                _ => None,
            })
            .collect();
        let n_enrolled = courses.len();
        for (k, &t) in times.iter().enumerate() {
            let alive = courses.iter().filter(|c| c.alive_at(t)).count();
            let survival = if n_enrolled > 0 {
                alive as f64 / n_enrolled as f64
            } else {
                f64::NAN
            };
            // A patient contributes the visit with the same scheduled time, if alive for it.
            let at_visit: Vec<_> = courses
                .iter()
                .filter_map(|c| c.visits.iter().find(|v| (v.t - t).abs() < 1e-9))
                .collect();
            for (name, get) in variables {
                let values: Vec<f64> = at_visit.iter().map(|v| get(v)).collect();
                let d = describe(&values);
                let _ = writeln!(
                    out,
                    "{},{},{},{},{},{},{},{},{},{},{},{},{}",
                    arm.name,
                    f(times[k]),
                    name,
                    n_enrolled,
                    d.n,
                    f(survival),
                    f(d.mean),
                    f(d.sd),
                    f(d.median),
                    f(d.q05),
                    f(d.q25),
                    f(d.q75),
                    f(d.q95)
                );
            }
        }
    }
    out
}

/// Columns of `patients.csv` before the per-parameter columns.
pub const PATIENT_COLUMNS: &str = "index,arm,age,sex,onset_region,genotype,diagnostic_delay_months,\
enrollment_months_since_onset,baseline_alsfrs_r,baseline_fvc_pct,baseline_nfl_pg_ml,\
onset_months_since_initiation,diagnosis_months,gastrostomy_months,niv_months,death_months,\
censored,follow_up_months,alsfrs_r_slope";

/// `patients.csv`: one row per enrolled patient and arm; event times in months since onset.
pub fn patients_csv(spec: &CohortSpec, outcomes: &[Outcome]) -> String {
    let params: Vec<&str> = spec
        .population
        .variability
        .iter()
        .map(|v| v.param.as_str())
        .collect();
    let mut out = String::from(PATIENT_COLUMNS);
    for p in &params {
        out.push(',');
        out.push_str(p);
    }
    out.push('\n');
    for (a, arm) in spec.arms.iter().enumerate() {
        for o in outcomes {
            let Outcome::Enrolled {
                draw,
                enrollment,
                baseline,
                arms,
            } = o
            else {
                continue;
            };
            let c = &arms[a];
            let cov = &draw.covariates;
            let onset = c.events.onset.unwrap_or(f64::NAN);
            let since = |t: Option<f64>| t.filter(|&t| t <= c.follow_up_end).map(|t| t - onset);
            let follow_up = c
                .events
                .death
                .filter(|_| c.died())
                .unwrap_or(c.follow_up_end)
                - enrollment;
            let _ = write!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                draw.index,
                arm.name,
                f(cov.age_years),
                cov.sex.name(),
                cov.onset_region.name(),
                cov.genotype.name(),
                f(cov.diagnostic_delay_months),
                f(enrollment - onset),
                baseline.total(),
                f(baseline.fvc),
                f(baseline.nfl),
                f(onset),
                opt(since(c.events.diagnosis)),
                opt(since(c.events.gastrostomy)),
                opt(since(c.events.niv)),
                opt(since(c.events.death)),
                u8::from(!c.died()),
                f(follow_up),
                opt(c.alsfrs_slope()),
            );
            for p in &params {
                let _ = write!(out, ",{}", opt(draw.params.get(p)));
            }
            out.push('\n');
        }
    }
    out
}

/// Counts over a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// Patients screened.
    pub screened: u64,
    /// Patients enrolled.
    pub enrolled: u64,
    /// Screen failures per criterion, in [`ScreenFailure::ALL`] order.
    pub screen_failures: [u64; 6],
    /// Patients whose integration failed.
    pub failed: u64,
    /// Right-hand-side evaluations over all patients and arms.
    pub rhs_evaluations: u64,
    /// Accepted steps over all patients and arms.
    pub accepted_steps: u64,
    /// Rejected steps.
    pub rejected_steps: u64,
}

/// Counts outcomes in patient order.
pub fn count(outcomes: &[Outcome]) -> Counts {
    let mut c = Counts::default();
    for o in outcomes {
        c.screened += 1;
        match o {
            Outcome::Enrolled { arms, .. } => {
                c.enrolled += 1;
                // Arms without therapy share one integration: count it once.
                if let Some(first) = arms.first() {
                    c.rhs_evaluations += first.stats.rhs_evaluations;
                    c.accepted_steps += first.stats.accepted_steps;
                    c.rejected_steps += first.stats.rejected_steps;
                }
            }
            Outcome::ScreenFailed { reason, .. } => {
                let i = ScreenFailure::ALL
                    .iter()
                    .position(|r| r == reason)
                    .unwrap_or(0);
                c.screen_failures[i] += 1;
            }
            Outcome::Failed { .. } => c.failed += 1,
        }
    }
    c
}

/// JSON string literal.
pub fn json_str(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// The failures as a JSON array: index, seed, covariates, parameters and the error.
pub fn failures_json(outcomes: &[Outcome]) -> serde_json::Value {
    let items = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Failed { draw, seed, error } => {
                let params: serde_json::Map<String, serde_json::Value> = crate::model::PARAMETERS
                    .iter()
                    .filter_map(|p| {
                        draw.params
                            .get(p.name)
                            .map(|v| (p.name.to_string(), serde_json::json!(v)))
                    })
                    .collect();
                Some(serde_json::json!({
                    "index": draw.index,
                    "seed": seed,
                    "age": draw.covariates.age_years,
                    "onset_region": draw.covariates.onset_region.name(),
                    "genotype": draw.covariates.genotype.name(),
                    "error": error.to_string(),
                    "params": params,
                }))
            }
            _ => None,
        })
        .collect();
    serde_json::Value::Array(items)
}
