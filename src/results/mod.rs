//! The files of a result folder as typed records, and the estimates made from them.
//!
//! This layer sits between the cohort engine and the report: every table and file of a result
//! folder has one record type here, whose field names are its column (or key) names, and one
//! function that writes it and one that reads it back.
//!
//! | File | Record | Written by | Read by |
//! |---|---|---|---|
//! | `summary.csv` | [`SummaryRow`] | [`summary::summary_csv`] | [`table::read_csv`] |
//! | `sample_trajectories.csv` | [`SampleRow`] | [`summary::sample_csv`] | [`table::read_csv`] |
//! | `patients.csv` | [`PatientRow`] (and the parameter columns) | [`patients::patients_csv_rows`] | [`patients::read_patients`] |
//! | `manifest.json` | [`Manifest`], [`ToolManifest`] | [`Manifest::to_json`] | [`Manifest::read`] |
//! | `part.json` | [`Part`] | [`Part::seal`] | [`Part::read`] |
//! | `trial.csv` | [`TrialRow`] | [`trial::trial_csv`] | [`table::read_csv`] |
//! | `trajectories.parquet` | [`Visit`] (the rated totals) | [`trajectories::TrajectoryWriter`] | [`ResultData::read`] |
//!
//! [`ResultData::read`] reads a whole folder; [`Estimates::new`] computes from it, once, every
//! statistic the figures and `report.html` show, among them who benefits from each arm
//! ([`responders::responders`]). A cell that does not read as its column's type
//! is an error naming the file, the row and the column ([`ReadError::Cell`]); an empty cell is
//! `None`.

pub mod estimates;
pub mod folder;
pub mod manifest;
pub mod part;
pub mod patients;
pub mod responders;
pub mod summary;
pub mod table;
pub mod trajectories;
pub mod trial;
pub mod uncertainty;

pub use estimates::Estimates;
pub use folder::{ResultData, Visit};
pub use manifest::{Manifest, ToolManifest};
pub use part::Part;
pub use patients::{PatientRow, Patients};
pub use responders::Responders;
pub use summary::{SampleRow, SummaryRow};
pub use table::ReadError;
pub use trial::TrialRow;
