//! Figures, `report.html` and result folders: what a run writes for people, from the records
//! and estimates of [`crate::results`].

pub mod atomic;
pub mod figures;
pub mod html;
pub mod patient_table;
pub mod plot;
pub mod result_dir;
pub mod run;
pub mod tables;
pub mod trial;

pub use atomic::write_atomic;
pub use patient_table::{PatientTable, Row};
