//! A finished result folder read back through its records.

use super::manifest::Manifest;
use super::patients::{PatientRow, Patients, read_patients};
use super::summary::{SampleRow, SummaryRow};
use super::table::{ReadError, read_csv};
use std::path::Path;

/// One rated ALSFRS-R total of `trajectories.parquet` (or of `sample_trajectories.csv`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Visit {
    /// Patient index.
    pub index: u64,
    /// Position of the arm in [`ResultData::arms`].
    pub arm: usize,
    /// Months since the visit origin.
    pub month: f64,
    /// Rated ALSFRS-R total.
    pub alsfrs_r: u8,
}

/// The records of a result folder: what the estimates, figures and report are made from.
#[derive(Debug, Clone)]
pub struct ResultData {
    /// The manifest.
    pub manifest: Manifest,
    /// Arm names in scenario order (arms found only in the tables follow).
    pub arms: Vec<String>,
    /// Rows of `summary.csv` (empty when the file was not written).
    pub summary: Vec<SummaryRow>,
    /// Rows of `patients.csv` (empty when the file was not written).
    pub patients: Vec<PatientRow>,
    /// Names of the varying parameters of `patients.csv` (its columns after the fixed ones).
    pub parameters: Vec<String>,
    /// Per row of [`ResultData::patients`], the value of each of [`ResultData::parameters`].
    pub parameter_values: Vec<Vec<Option<f64>>>,
    /// Every rated ALSFRS-R total, from `trajectories.parquet` when present.
    pub visits: Option<Vec<Visit>>,
    /// Rated visits of the first few enrolled patients, from `sample_trajectories.csv` (when
    /// written).
    pub sample: Option<Vec<Visit>>,
}

impl ResultData {
    /// Reads the result folder `dir`. `manifest.json` is required; `summary.csv`,
    /// `patients.csv`, `sample_trajectories.csv` and `trajectories.parquet` are used when
    /// present.
    pub fn read(dir: &Path) -> Result<ResultData, ReadError> {
        let mpath = dir.join("manifest.json");
        if !mpath.exists() {
            return Err(ReadError::file(
                &mpath,
                format!(
                    "no such file (is {} a result folder of `alssim run`?)",
                    dir.display()
                ),
            ));
        }
        let manifest = Manifest::read(&mpath)?;
        let mut arms = manifest.arms.clone();
        let spath = dir.join("summary.csv");
        let summary: Vec<SummaryRow> = if spath.exists() {
            read_csv(&spath)?
        } else {
            Vec::new()
        };
        let ppath = dir.join("patients.csv");
        let Patients {
            parameters,
            rows: patients,
            values: parameter_values,
        } = if ppath.exists() {
            read_patients(&ppath)?
        } else {
            Patients::default()
        };
        for a in summary
            .iter()
            .map(|r| &r.arm)
            .chain(patients.iter().map(|p| &p.arm))
        {
            if !arms.contains(a) {
                arms.push(a.clone());
            }
        }
        let tpath = dir.join("trajectories.parquet");
        let visits = if tpath.exists() {
            Some(read_visits(&tpath, &mut arms)?)
        } else {
            None
        };
        let spath = dir.join("sample_trajectories.csv");
        let sample = if spath.exists() {
            let rows: Vec<SampleRow> = read_csv(&spath)?;
            let mut out = Vec::with_capacity(rows.len());
            for (i, r) in rows.iter().enumerate() {
                let Some(arm) = arms.iter().position(|a| *a == r.arm) else {
                    return Err(ReadError::Cell {
                        path: spath.clone(),
                        row: i as u64 + 1,
                        column: "arm".into(),
                        message: format!("unknown arm `{}`", r.arm),
                    });
                };
                out.push(Visit {
                    index: r.index,
                    arm,
                    month: r.month,
                    alsfrs_r: r.alsfrs_r,
                });
            }
            Some(out)
        } else {
            None
        };
        Ok(ResultData {
            manifest,
            arms,
            summary,
            patients,
            parameters,
            parameter_values,
            visits,
            sample,
        })
    }

    /// Scenario name.
    pub fn name(&self) -> &str {
        &self.manifest.scenario
    }

    /// Scenario description.
    pub fn description(&self) -> &str {
        &self.manifest.description
    }

    /// Origin of visit times: `enrollment` or `onset`.
    pub fn visits_from(&self) -> &str {
        &self.manifest.visits_from
    }

    /// The rows of one arm and variable, in month order.
    pub fn rows(&self, arm: &str, variable: &str) -> Vec<&SummaryRow> {
        self.summary
            .iter()
            .filter(|r| r.arm == arm && r.variable == variable)
            .collect()
    }

    /// The patients of one arm.
    pub fn arm_patients(&self, arm: &str) -> Vec<&PatientRow> {
        self.patients.iter().filter(|p| p.arm == arm).collect()
    }

    /// Keeps the patients (and their parameter values) for which `keep` is true.
    pub fn retain_patients(&mut self, keep: impl Fn(&PatientRow) -> bool) {
        let mut values = std::mem::take(&mut self.parameter_values).into_iter();
        let rows = std::mem::take(&mut self.patients);
        for row in rows {
            let v = values.next();
            if keep(&row) {
                self.patients.push(row);
                if let Some(v) = v {
                    self.parameter_values.push(v);
                }
            }
        }
    }

    /// The last visit month of `summary.csv` (0 without it).
    pub fn last_month(&self) -> f64 {
        self.summary.iter().map(|r| r.month).fold(0.0, f64::max)
    }
}

/// The rated ALSFRS-R totals of `trajectories.parquet`; arms not yet in `arms` are added.
fn read_visits(path: &Path, arms: &mut Vec<String>) -> Result<Vec<Visit>, ReadError> {
    use arrow_array::{Array, Float64Array, StringArray, UInt8Array, UInt64Array};
    let batches = super::trajectories::read_all(path).map_err(|e| ReadError::file(path, e))?;
    let mut out = Vec::with_capacity(super::trajectories::row_count(&batches));
    for b in &batches {
        let col = |n: &str| {
            b.column_by_name(n)
                .ok_or_else(|| ReadError::file(path, format!("no column `{n}`")))
        };
        let bad = |n: &str| ReadError::file(path, format!("column `{n}`: unexpected type"));
        let index = col("index")?
            .as_any()
            .downcast_ref::<UInt64Array>()
            .ok_or_else(|| bad("index"))?;
        let arm = col("arm")?
            .as_any()
            .downcast_ref::<StringArray>()
            .ok_or_else(|| bad("arm"))?;
        let month = col("month")?
            .as_any()
            .downcast_ref::<Float64Array>()
            .ok_or_else(|| bad("month"))?;
        let total = col("alsfrs_r")?
            .as_any()
            .downcast_ref::<UInt8Array>()
            .ok_or_else(|| bad("alsfrs_r"))?;
        let mut last: Option<(String, usize)> = None;
        for i in 0..b.num_rows() {
            if arm.is_null(i) || total.is_null(i) {
                continue;
            }
            let name = arm.value(i);
            let k = match &last {
                Some((n, k)) if n == name => *k,
                _ => {
                    let k = arms.iter().position(|a| a == name).unwrap_or_else(|| {
                        arms.push(name.to_string());
                        arms.len() - 1
                    });
                    last = Some((name.to_string(), k));
                    k
                }
            };
            out.push(Visit {
                index: index.value(i),
                arm: k,
                month: month.value(i),
                alsfrs_r: total.value(i),
            });
        }
    }
    Ok(out)
}
