//! `patients.csv`: one row per enrolled patient and arm, then one column per parameter with
//! inter-patient variability (named by the scenario, so not part of the record's fixed columns).

use super::estimates::EFFECT_MONTH;
use super::table::{RawTable, ReadError, bit, columns, header_csv, line, num, plus_list};
use crate::cohort::{ArmCourse, CohortSpec, Outcome};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The fixed columns of one row of `patients.csv`. Event times count from onset, in months;
/// an empty cell (`None`) is an event that did not happen within follow-up.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PatientRow {
    /// Patient index.
    pub index: u64,
    /// Arm name.
    pub arm: String,
    /// Age at onset, years.
    #[serde(serialize_with = "num::ser")]
    pub age: f64,
    /// `female` or `male`.
    pub sex: String,
    /// Region of onset.
    pub onset_region: String,
    /// Genotype name.
    #[serde(default)]
    pub genotype: String,
    /// Months from onset to diagnosis as drawn.
    #[serde(serialize_with = "num::ser")]
    pub diagnostic_delay_months: f64,
    /// Months from onset to enrollment.
    #[serde(serialize_with = "num::ser_opt", default)]
    pub enrollment_months_since_onset: Option<f64>,
    /// Rated ALSFRS-R total at enrollment.
    pub baseline_alsfrs_r: u32,
    /// FVC at enrollment, % predicted.
    #[serde(serialize_with = "num::ser")]
    pub baseline_fvc_pct: f64,
    /// Serum NfL at enrollment, pg/mL.
    #[serde(serialize_with = "num::ser")]
    pub baseline_nfl_pg_ml: f64,
    /// Onset, months since disease initiation.
    #[serde(serialize_with = "num::ser_opt")]
    pub onset_months_since_initiation: Option<f64>,
    /// Diagnosis.
    #[serde(serialize_with = "num::ser_opt")]
    pub diagnosis_months: Option<f64>,
    /// Spread to a second region.
    #[serde(serialize_with = "num::ser_opt")]
    pub second_region_months: Option<f64>,
    /// Spread to a third region.
    #[serde(serialize_with = "num::ser_opt")]
    pub third_region_months: Option<f64>,
    /// Gastrostomy.
    #[serde(serialize_with = "num::ser_opt")]
    pub gastrostomy_months: Option<f64>,
    /// Non-invasive ventilation.
    #[serde(serialize_with = "num::ser_opt")]
    pub niv_months: Option<f64>,
    /// Death or permanent ventilation.
    #[serde(serialize_with = "num::ser_opt")]
    pub death_months: Option<f64>,
    /// Alive at the end of follow-up (`1`) or dead within it (`0`).
    #[serde(with = "bit")]
    pub censored: bool,
    /// Months from enrollment to death or the end of follow-up.
    #[serde(serialize_with = "num::ser")]
    pub follow_up_months: f64,
    /// ALSFRS-R slope, points/month (`None` when undefined).
    #[serde(serialize_with = "num::ser_opt")]
    pub alsfrs_r_slope: Option<f64>,
    /// Therapies acting in the arm, written joined by `+`.
    #[serde(with = "plus_list")]
    pub acting_therapies: Vec<String>,
    /// The mechanism dominating the patient's neuron loss.
    pub dominant_mechanism: String,
    /// Months of tracheostomy-free survival within follow-up gained in this arm against the
    /// first arm by the same patient (`None` in the first arm; older folders lack the column).
    #[serde(serialize_with = "num::ser_opt", default)]
    pub benefit_survival_months: Option<f64>,
    /// Rated ALSFRS-R at [`EFFECT_MONTH`] months after the visit origin in this arm minus the
    /// same patient's in the first arm (`None` in the first arm, or unless alive at that visit
    /// in both).
    #[serde(serialize_with = "num::ser_opt", default)]
    pub benefit_alsfrs_r_12: Option<f64>,
}

impl PatientRow {
    /// Died (or needed permanent ventilation) within follow-up.
    pub fn died(&self) -> bool {
        !self.censored
    }
}

/// The rows of `patients.csv` with the values of the varying parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Patients {
    /// Names of the varying parameters: the columns after the fixed ones.
    pub parameters: Vec<String>,
    /// Rows, patients in index order and arms in scenario order.
    pub rows: Vec<PatientRow>,
    /// Per row, the value of each parameter of [`Patients::parameters`].
    pub values: Vec<Vec<Option<f64>>>,
}

/// The header of `patients.csv`: the fixed columns, then one per parameter with variability.
pub fn patients_header(spec: &CohortSpec) -> String {
    let params: Vec<String> = spec
        .population
        .variability
        .iter()
        .map(|v| v.param.name().to_string())
        .collect();
    header_csv::<PatientRow>(&params)
}

/// Death within follow-up, or the end of follow-up, months since initiation.
fn end_of(c: &ArmCourse) -> f64 {
    c.events
        .death
        .filter(|_| c.died())
        .unwrap_or(c.follow_up_end)
}

/// The rated ALSFRS-R total at the visit [`EFFECT_MONTH`] months after the visit origin, if
/// the patient was alive for it.
fn rated_at_effect_month(c: &ArmCourse) -> Option<f64> {
    c.visits
        .iter()
        .find(|v| (v.t - EFFECT_MONTH).abs() < 1e-9)
        .map(|v| f64::from(v.total()))
}

/// The rows of `patients.csv` of a chunk of outcomes, with their parameter values.
pub fn patient_records(
    spec: &CohortSpec,
    outcomes: &[Outcome],
) -> Vec<(PatientRow, Vec<Option<f64>>)> {
    let mut out = Vec::new();
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
        let control = arms.first();
        for (k, (arm, c)) in spec.arms.iter().zip(arms).enumerate() {
            let cov = &draw.covariates;
            let paired = |f: &dyn Fn(&ArmCourse) -> Option<f64>| {
                control
                    .filter(|_| k > 0)
                    .and_then(|b| Some(f(c)? - f(b)?))
                    .and_then(num::finite)
            };
            // A therapy started before symptoms may keep onset beyond follow-up in its arm: the
            // columns counted from onset are then empty.
            let onset = c.events.onset.filter(|&t| t <= c.follow_up_end);
            let since = |t: Option<f64>| {
                t.filter(|&t| t <= c.follow_up_end)
                    .and_then(|t| onset.map(|o| t - o))
                    .and_then(num::finite)
            };
            let follow_up = end_of(c) - enrollment;
            let row = PatientRow {
                index: draw.index,
                arm: arm.name.clone(),
                age: cov.age_years,
                sex: cov.sex.name().to_string(),
                onset_region: cov.onset_region.name().to_string(),
                genotype: cov.genotype.name().to_string(),
                diagnostic_delay_months: cov.diagnostic_delay_months,
                enrollment_months_since_onset: onset.map(|o| enrollment - o).and_then(num::finite),
                baseline_alsfrs_r: baseline.total(),
                baseline_fvc_pct: baseline.fvc,
                baseline_nfl_pg_ml: baseline.nfl,
                onset_months_since_initiation: onset.and_then(num::finite),
                diagnosis_months: since(c.events.diagnosis),
                second_region_months: since(c.events.second_region),
                third_region_months: since(c.events.third_region),
                gastrostomy_months: since(c.events.gastrostomy),
                niv_months: since(c.events.niv),
                death_months: since(c.events.death),
                censored: !c.died(),
                follow_up_months: follow_up,
                alsfrs_r_slope: c.alsfrs_slope().and_then(num::finite),
                acting_therapies: c.acting.clone(),
                dominant_mechanism: crate::model::neurons::MECHANISMS
                    .get(*dominant_mechanism)
                    .copied()
                    .unwrap_or_default()
                    .to_string(),
                benefit_survival_months: paired(&|c| Some(end_of(c))),
                benefit_alsfrs_r_12: paired(&rated_at_effect_month),
            };
            let values = spec
                .population
                .variability
                .iter()
                .map(|v| num::finite(draw.params.value(v.param)))
                .collect();
            out.push((row, values));
        }
    }
    out
}

/// The lines of `patients.csv` (without the header) of some records.
pub fn patients_csv_rows(records: &[(PatientRow, Vec<Option<f64>>)]) -> String {
    let mut out = String::new();
    for (row, values) in records {
        out.push_str(&line(row));
        for v in values {
            out.push(',');
            out.push_str(&v.map(num::shortest).unwrap_or_default());
        }
        out.push('\n');
    }
    out
}

/// Reads `patients.csv`: the fixed columns into [`PatientRow`]s, the others as parameter
/// values.
pub fn read_patients(path: &Path) -> Result<Patients, ReadError> {
    patients_of(RawTable::read(path)?)
}

/// Reads `patients.csv` held in memory (`path` names it in messages).
pub fn parse_patients(path: &Path, text: &str) -> Result<Patients, ReadError> {
    patients_of(RawTable::parse(path, text)?)
}

fn patients_of(table: RawTable) -> Result<Patients, ReadError> {
    let fixed = columns::<PatientRow>();
    let extra: Vec<(usize, String)> = table
        .header
        .iter()
        .enumerate()
        .filter(|(_, h)| !fixed.iter().any(|f| f == h))
        .map(|(i, h)| (i, h.to_string()))
        .collect();
    let rows = table.records::<PatientRow>()?;
    let values = (0..table.rows.len())
        .map(|i| {
            extra
                .iter()
                .map(|&(c, _)| table.number(i, c))
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Patients {
        parameters: extra.into_iter().map(|(_, h)| h).collect(),
        rows,
        values,
    })
}
