//! Tables and files: what a run writes for people and for analysis tools.

pub mod atomic;
pub mod cohort;
pub mod figures;
pub mod html;
pub mod patient_table;
pub mod plot;
pub mod result_dir;
pub mod run;
pub mod trajectories;
pub mod trial;

pub use atomic::write_atomic;
pub use patient_table::{PatientTable, Row};
