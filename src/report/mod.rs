//! Tables and files: what a run writes for people and for analysis tools.

pub mod atomic;
pub mod patient_table;

pub use atomic::write_atomic;
pub use patient_table::{PatientTable, Row};
