//! `trial.csv` of `alssim trial`: one row per sample size, replicate, endpoint and comparison.

use super::table::{num, to_csv};
use serde::{Deserialize, Serialize};

/// One row of `trial.csv`. Numbers are written with six decimals; an estimate, interval or
/// p-value that could not be computed is `None` (an empty cell).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrialRow {
    /// Patients randomised per replicate.
    pub sample_size: usize,
    /// Replicate, from 1.
    pub replicate: usize,
    /// Endpoint name.
    pub endpoint: String,
    /// The compared arm.
    pub arm: String,
    /// The control arm.
    pub control: String,
    /// Estimate of the treatment effect.
    #[serde(serialize_with = "num::ser_opt6")]
    pub estimate: Option<f64>,
    /// Lower bound of its 95% confidence interval.
    #[serde(serialize_with = "num::ser_opt6")]
    pub ci_low: Option<f64>,
    /// Upper bound of its 95% confidence interval.
    #[serde(serialize_with = "num::ser_opt6")]
    pub ci_high: Option<f64>,
    /// Two-sided p-value.
    #[serde(serialize_with = "num::ser_opt6")]
    pub p: Option<f64>,
    /// Patients analysed.
    pub n: usize,
    /// Mean paired (same patient, other arm) effect, where defined.
    #[serde(serialize_with = "num::ser_opt6")]
    pub paired: Option<f64>,
}

/// The text of `trial.csv`.
pub fn trial_csv(rows: &[TrialRow]) -> String {
    to_csv(rows)
}
