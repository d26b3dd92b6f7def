//! Cohort result rows: `patients.csv` and the failures of the manifest.
//! `summary.csv` comes from [`crate::cohort::CohortSummary`].
//!
//! Column names and units are documented in `docs/OUTPUTS.md`. Numbers are written with
//! Rust's shortest round-trip formatting, so the same results give the same bytes.

use crate::cohort::summary::num as f;
use crate::cohort::{CohortSpec, Outcome};
use std::fmt::Write;

fn opt(x: Option<f64>) -> String {
    x.map(f).unwrap_or_default()
}

/// Columns of `patients.csv` before the per-parameter columns.
pub const PATIENT_COLUMNS: &str = "index,arm,age,sex,onset_region,genotype,diagnostic_delay_months,\
enrollment_months_since_onset,baseline_alsfrs_r,baseline_fvc_pct,baseline_nfl_pg_ml,\
onset_months_since_initiation,diagnosis_months,second_region_months,third_region_months,gastrostomy_months,niv_months,death_months,\
censored,follow_up_months,alsfrs_r_slope,acting_therapies,dominant_mechanism";

/// Header of `patients.csv`: the fixed columns, then one per parameter with variability.
pub fn patients_header(spec: &CohortSpec) -> String {
    let mut out = String::from(PATIENT_COLUMNS);
    for v in &spec.population.variability {
        out.push(',');
        out.push_str(&v.param);
    }
    out.push('\n');
    out
}

/// Rows of `patients.csv` for a chunk of outcomes: one per enrolled patient and arm, patients in
/// index order and arms in scenario order; event times in months since onset.
pub fn patient_rows(spec: &CohortSpec, outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    for o in outcomes {
        let Outcome::Enrolled {
            draw,
            enrollment,
            baseline,
            arms,
            dominant_mechanism,
        } = o
        else {
            continue;
        };
        for (arm, c) in spec.arms.iter().zip(arms) {
            let cov = &draw.covariates;
            // A therapy started before symptoms may keep onset beyond follow-up in its arm: the
            // columns counted from onset are then empty.
            let onset = c.events.onset.filter(|&t| t <= c.follow_up_end);
            let since = |t: Option<f64>| {
                t.filter(|&t| t <= c.follow_up_end)
                    .and_then(|t| onset.map(|o| t - o))
            };
            let follow_up = c
                .events
                .death
                .filter(|_| c.died())
                .unwrap_or(c.follow_up_end)
                - enrollment;
            let _ = write!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                draw.index,
                arm.name,
                f(cov.age_years),
                cov.sex.name(),
                cov.onset_region.name(),
                cov.genotype.name(),
                f(cov.diagnostic_delay_months),
                opt(onset.map(|o| enrollment - o)),
                baseline.total(),
                f(baseline.fvc),
                f(baseline.nfl),
                opt(onset),
                opt(since(c.events.diagnosis)),
                opt(since(c.events.second_region)),
                opt(since(c.events.third_region)),
                opt(since(c.events.gastrostomy)),
                opt(since(c.events.niv)),
                opt(since(c.events.death)),
                u8::from(!c.died()),
                f(follow_up),
                opt(c.alsfrs_slope()),
                c.acting.join("+"),
                crate::model::neurons::MECHANISMS
                    .get(*dominant_mechanism)
                    .copied()
                    .unwrap_or_default(),
            );
            for v in &spec.population.variability {
                let _ = write!(out, ",{}", opt(draw.params.get(&v.param)));
            }
            out.push('\n');
        }
    }
    out
}

/// The failures of a chunk as JSON objects: index, seed, covariates, parameters and the error.
pub fn failures_json(outcomes: &[Outcome]) -> Vec<serde_json::Value> {
    outcomes
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
        .collect()
}
