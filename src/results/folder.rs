//! A finished result folder read back through its records.

use super::manifest::Manifest;
use super::patients::{PatientRow, Patients, parse_patients, read_patients};
use super::summary::{SampleRow, SummaryRow};
use super::table::{ReadError, parse_csv, read_csv};
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
        let existing = |name: &str| Some(dir.join(name)).filter(|p| p.exists());
        let summary = match existing("summary.csv") {
            Some(p) => read_csv(&p)?,
            None => Vec::new(),
        };
        let patients = match existing("patients.csv") {
            Some(p) => read_patients(&p)?,
            None => Patients::default(),
        };
        let sample = match existing("sample_trajectories.csv") {
            Some(p) => Some((p.clone(), read_csv(&p)?)),
            None => None,
        };
        let tpath = dir.join("trajectories.parquet");
        ResultData::assemble(manifest, summary, patients, sample, |arms| {
            tpath
                .exists()
                .then(|| read_visits(&tpath, arms))
                .transpose()
        })
    }

    /// The records of a run held in memory: its manifest and the text of `summary.csv`,
    /// `patients.csv` and `sample_trajectories.csv` (each when written), without
    /// trajectories.
    pub fn from_text(
        manifest: Manifest,
        summary: Option<&str>,
        patients: Option<&str>,
        sample: Option<&str>,
    ) -> Result<ResultData, ReadError> {
        let summary = match summary {
            Some(t) => parse_csv(Path::new("summary.csv"), t)?,
            None => Vec::new(),
        };
        let patients = match patients {
            Some(t) => parse_patients(Path::new("patients.csv"), t)?,
            None => Patients::default(),
        };
        let sample = match sample {
            Some(t) => {
                let p = std::path::PathBuf::from("sample_trajectories.csv");
                let rows = parse_csv(&p, t)?;
                Some((p, rows))
            }
            None => None,
        };
        ResultData::assemble(manifest, summary, patients, sample, |_| Ok(None))
    }

    /// The records from the tables read; `visits` reads the trajectories (adding arms found
    /// only there).
    fn assemble(
        manifest: Manifest,
        summary: Vec<SummaryRow>,
        patients: Patients,
        sample: Option<(std::path::PathBuf, Vec<SampleRow>)>,
        visits: impl FnOnce(&mut Vec<String>) -> Result<Option<Vec<Visit>>, ReadError>,
    ) -> Result<ResultData, ReadError> {
        let mut arms = manifest.arms.clone();
        let Patients {
            parameters,
            rows: patients,
            values: parameter_values,
        } = patients;
        for a in summary
            .iter()
            .map(|r| &r.arm)
            .chain(patients.iter().map(|p| &p.arm))
        {
            if !arms.contains(a) {
                arms.push(a.clone());
            }
        }
        let visits = visits(&mut arms)?;
        let sample = match sample {
            Some((spath, rows)) => {
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
            }
            None => None,
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
