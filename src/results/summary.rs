//! `summary.csv` and `sample_trajectories.csv`: their records, built from the exact summaries
//! of a run ([`CohortSummary`]).

use super::table::{num, to_csv};
use crate::cohort::summary::{Variable, mechanism_names};
use crate::cohort::{CohortSpec, CohortSummary};
use serde::{Deserialize, Serialize};

/// One row of `summary.csv`: one arm, visit and variable. The rated variables have every
/// statistic; the model states and modulation factors (`neurons_bulbar`, ...,
/// `modulation_...`) only the mean. Statistics that are not defined (no patient at the visit)
/// are `None`, written as empty cells.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SummaryRow {
    /// Arm name.
    pub arm: String,
    /// Months since the visit origin.
    #[serde(serialize_with = "num::ser")]
    pub month: f64,
    /// Variable name.
    pub variable: String,
    /// Patients enrolled in the arm.
    pub n_enrolled: u64,
    /// Patients contributing to the statistics (alive and rated at the visit).
    pub n_at_risk: u64,
    /// Share of the arm's patients alive at the visit.
    #[serde(serialize_with = "num::ser_opt")]
    pub survival: Option<f64>,
    /// Mean.
    #[serde(serialize_with = "num::ser_opt")]
    pub mean: Option<f64>,
    /// Standard deviation.
    #[serde(serialize_with = "num::ser_opt")]
    pub sd: Option<f64>,
    /// Median.
    #[serde(serialize_with = "num::ser_opt")]
    pub median: Option<f64>,
    /// 5th percentile.
    #[serde(serialize_with = "num::ser_opt")]
    pub q05: Option<f64>,
    /// 25th percentile.
    #[serde(serialize_with = "num::ser_opt")]
    pub q25: Option<f64>,
    /// 75th percentile.
    #[serde(serialize_with = "num::ser_opt")]
    pub q75: Option<f64>,
    /// 95th percentile.
    #[serde(serialize_with = "num::ser_opt")]
    pub q95: Option<f64>,
}

/// The rows of `summary.csv`: per arm (scenario order) and visit, the rated variables
/// ([`Variable::ALL`]) then the means of the model states and modulation factors.
pub fn summary_rows(summary: &CohortSummary, spec: &CohortSpec) -> Vec<SummaryRow> {
    let names = mechanism_names();
    let times = spec.simulation.visit_times();
    let mut out = Vec::new();
    for (arm, acc) in spec.arms.iter().zip(&summary.arms) {
        for (k, &t) in times.iter().enumerate() {
            let survival = if acc.enrolled > 0 {
                Some(acc.alive[k] as f64 / acc.enrolled as f64)
            } else {
                None
            };
            let row = |variable: &str, n_at_risk: u64| SummaryRow {
                arm: arm.name.clone(),
                month: t,
                variable: variable.to_string(),
                n_enrolled: acc.enrolled,
                n_at_risk,
                survival,
                ..SummaryRow::default()
            };
            for v in Variable::ALL {
                let a = &acc.visits[k][v.index()];
                let q = |p| num::finite(a.variable_quantile(v, p));
                out.push(SummaryRow {
                    mean: num::finite(a.mean()),
                    sd: num::finite(a.sd()),
                    median: q(0.5),
                    q05: q(0.05),
                    q25: q(0.25),
                    q75: q(0.75),
                    q95: q(0.95),
                    ..row(v.name(), a.n())
                });
            }
            for (m, name) in acc.mechanisms[k].iter().zip(&names) {
                out.push(SummaryRow {
                    mean: num::finite(m.mean()),
                    ..row(name, m.n())
                });
            }
        }
    }
    out
}

/// The text of `summary.csv`.
pub fn summary_csv(rows: &[SummaryRow]) -> String {
    to_csv(rows)
}

/// One row of `sample_trajectories.csv`: a rated visit of one of the first few enrolled
/// patients.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SampleRow {
    /// Patient index.
    pub index: u64,
    /// Arm name.
    pub arm: String,
    /// Months since the visit origin.
    #[serde(serialize_with = "num::ser")]
    pub month: f64,
    /// Rated ALSFRS-R total.
    pub alsfrs_r: u8,
}

/// The rows of `sample_trajectories.csv`: per sampled patient (index order), arm and visit.
pub fn sample_rows(summary: &CohortSummary, spec: &CohortSpec) -> Vec<SampleRow> {
    let mut out = Vec::new();
    for c in &summary.sample {
        for (arm, visits) in spec.arms.iter().zip(&c.arms) {
            for &(t, total) in visits {
                out.push(SampleRow {
                    index: c.index,
                    arm: arm.name.clone(),
                    month: t,
                    alsfrs_r: u8::try_from(total).unwrap_or(u8::MAX),
                });
            }
        }
    }
    out
}

/// The text of `sample_trajectories.csv`.
pub fn sample_csv(rows: &[SampleRow]) -> String {
    to_csv(rows)
}
