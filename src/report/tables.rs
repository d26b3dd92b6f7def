//! A run of a scenario (or of one shard of it) held in memory: the tables `alssim run` writes,
//! as the same bytes, for a caller that wants them without a result folder (a notebook, a
//! server). Shards merge in memory into the tables of the unsharded run, byte for byte.
//!
//! ```
//! use alssim::report::tables::{Tables, run_tables};
//! use alssim::report::run::RunError;
//!
//! let text = "[population]\nsize = 60\nseed = 3\n\n[[arm]]\nname = \"untreated\"\n";
//! let s = alssim::scenario::parse("small.toml", "small", text)?;
//! let whole = run_tables::<RunError>(&s, 0..60, 1, true, |_| Ok(()))?;
//! let parts = [0..25, 25..60]
//!     .into_iter()
//!     .map(|r| run_tables::<RunError>(&s, r, 2, true, |_| Ok(())))
//!     .collect::<Result<Vec<_>, _>>()?;
//! let merged = Tables::merge(parts)?;
//! assert_eq!(merged.summary_csv(&s), whole.summary_csv(&s));
//! assert_eq!(merged.patients_csv, whole.patients_csv);
//! assert_eq!(merged.trajectories, whole.trajectories);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::run::{MergeError, RunError};
use crate::cohort::{CohortSpec, CohortSummary, EngineError, Outcome, run_chunks};
use crate::results::manifest::{self, Failure, Manifest, RunMeta, fnv1a};
use crate::results::patients::{patient_records, patients_csv_rows, patients_header};
use crate::results::summary::{sample_csv, sample_rows, summary_csv, summary_rows};
use crate::results::trajectories::{TrajectoryError, TrajectoryWriter};
use crate::results::{ReadError, ResultData};
use crate::scenario::{self, Scenario};
use std::ops::Range;

/// Patients simulated between two calls of the progress callback of [`run_tables`]: small, so
/// that a caller can stop a run promptly.
pub const CHUNK: u64 = 256;

/// The tables of patients `range` of a scenario, held in memory.
#[derive(Debug, Clone)]
pub struct Tables {
    /// The patient indices simulated.
    pub range: Range<u64>,
    /// FNV-1a hash of the resolved scenario (parts of different scenarios do not merge).
    pub scenario_hash: u64,
    /// The exact summary accumulators (those of `summary.csv`).
    pub summary: CohortSummary,
    /// `patients.csv`, header included (`None` when the scenario does not write it).
    pub patients_csv: Option<String>,
    /// The bytes of `trajectories.parquet` (`None` unless asked for).
    pub trajectories: Option<Vec<u8>>,
    /// Patients whose integration failed.
    pub failures: Vec<Failure>,
}

/// Simulates patients `range` of `s` on `threads` threads into [`Tables`]. After each chunk of
/// [`CHUNK`] patients, `progress` is called with the number finished; an error it returns
/// stops the run (a caller's interruption).
pub fn run_tables<E>(
    s: &Scenario,
    range: Range<u64>,
    threads: usize,
    trajectories: bool,
    mut progress: impl FnMut(u64) -> Result<(), E> + Send,
) -> Result<Tables, E>
where
    E: From<EngineError> + From<TrajectoryError> + Send,
{
    let spec = s.cohort_spec();
    let mut patients = s.simulation.patients.then(|| patients_header(&spec));
    let mut writer = if trajectories {
        Some(TrajectoryWriter::in_memory()?)
    } else {
        None
    };
    let (summary, failures) = fold_chunks(&spec, range.clone(), threads, CHUNK, |chunk, done| {
        if let Some(p) = &mut patients {
            p.push_str(&patients_csv_rows(&patient_records(&spec, chunk)));
        }
        if let Some(w) = &mut writer {
            w.push(&spec, chunk)?;
        }
        progress(done)
    })?;
    Ok(Tables {
        range,
        scenario_hash: scenario_hash(s),
        summary,
        patients_csv: patients,
        trajectories: writer.map(TrajectoryWriter::finish).transpose()?,
        failures,
    })
}

/// Simulates patients `range` in chunks of `chunk` patients, folding each chunk into the exact
/// summary and the list of failed patients; `rows` is then handed the chunk (to write its rows)
/// and the number of patients finished so far. An error from `rows` stops the run.
pub(crate) fn fold_chunks<E>(
    spec: &CohortSpec,
    range: Range<u64>,
    threads: usize,
    chunk: u64,
    mut rows: impl FnMut(&[Outcome], u64) -> Result<(), E> + Send,
) -> Result<(CohortSummary, Vec<Failure>), E>
where
    E: From<EngineError> + Send,
{
    let mut summary = CohortSummary::new(spec);
    let mut failures = Vec::new();
    let mut done = 0;
    run_chunks(spec, range, threads, chunk, |outcomes, part| {
        summary.merge(part);
        failures.extend(manifest::failures(outcomes));
        done += outcomes.len() as u64;
        rows(outcomes, done)
    })?;
    Ok((summary, failures))
}

/// FNV-1a hash of the resolved scenario, as recorded in a manifest.
pub fn scenario_hash(s: &Scenario) -> u64 {
    fnv1a(scenario::to_toml(s).as_bytes())
}

impl Tables {
    /// `summary.csv` (`None` when the scenario does not write it).
    pub fn summary_csv(&self, s: &Scenario) -> Option<String> {
        s.simulation
            .summary
            .then(|| summary_csv(&summary_rows(&self.summary, &s.cohort_spec())))
    }

    /// `sample_trajectories.csv` (`None` when the scenario does not write the summary).
    pub fn sample_csv(&self, s: &Scenario) -> Option<String> {
        s.simulation
            .summary
            .then(|| sample_csv(&sample_rows(&self.summary, &s.cohort_spec())))
    }

    /// The manifest `alssim run` would write for these tables (`command` as recorded, e.g.
    /// `run` or `whatif`).
    pub fn manifest(
        &self,
        s: &Scenario,
        command: &str,
        threads: usize,
        wall_seconds: f64,
    ) -> Manifest {
        let resolved = scenario::to_toml(s);
        let meta = RunMeta {
            command,
            scenario: s,
            scenario_file: "",
            resolved: &resolved,
            threads,
            wall_seconds,
        };
        Manifest::new(&meta, &self.summary, self.failures.clone(), None)
    }

    /// The records the estimates, figures and report are made from, as
    /// [`ResultData::read`] reads them from the folder of the same run (without
    /// trajectories).
    pub fn result_data(&self, s: &Scenario, manifest: Manifest) -> Result<ResultData, ReadError> {
        ResultData::from_text(
            manifest,
            self.summary_csv(s).as_deref(),
            self.patients_csv.as_deref(),
            self.sample_csv(s).as_deref(),
        )
    }

    /// Merges the tables of consecutive ranges of one scenario, given in any order, into those
    /// of their union, byte for byte what one run of the union gives.
    pub fn merge(mut parts: Vec<Tables>) -> Result<Tables, RunError> {
        parts.sort_by_key(|p| p.range.start);
        let mut iter = parts.into_iter();
        let mut out = iter.next().ok_or(MergeError::NoParts)?;
        let mut writer = match out.trajectories.take() {
            Some(bytes) => {
                let mut w = TrajectoryWriter::in_memory()?;
                w.append_bytes(bytes, "part 1")?;
                Some(w)
            }
            None => None,
        };
        for (k, p) in iter.enumerate() {
            if p.scenario_hash != out.scenario_hash {
                return Err(MergeError::OtherScenario {
                    expected: format!("{:016x}", out.scenario_hash),
                    found: format!("{:016x}", p.scenario_hash),
                }
                .into());
            }
            if p.range.start != out.range.end {
                return Err(MergeError::NotConsecutive {
                    end: out.range.end,
                    start: p.range.start,
                }
                .into());
            }
            out.range.end = p.range.end;
            out.summary.merge(&p.summary);
            out.failures.extend(p.failures);
            match (&mut out.patients_csv, p.patients_csv) {
                (Some(all), Some(more)) => {
                    let header_end = more.find('\n').map_or(more.len(), |i| i + 1);
                    all.push_str(&more[header_end..]);
                }
                (None, None) => {}
                _ => return Err(MergeError::Tables("patients.csv").into()),
            }
            match (&mut writer, p.trajectories) {
                (Some(w), Some(bytes)) => w.append_bytes(bytes, &format!("part {}", k + 2))?,
                (None, None) => {}
                _ => return Err(MergeError::Tables("trajectories.parquet").into()),
            }
        }
        out.trajectories = writer.map(TrajectoryWriter::finish).transpose()?;
        Ok(out)
    }
}
