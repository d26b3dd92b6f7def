//! Input files: spanned TOML read with typed getters, and diagnostics that say where each
//! problem is and what would be accepted.
//!
//! Scenario files and drug files are both read through this module, which depends on nothing
//! but [`crate::model`] (for the names of its parameters), so that the therapy and scenario
//! layers can share it.

pub mod diag;
pub mod reader;
pub mod text;

pub use diag::Diagnostic;
pub use reader::did_you_mean;
pub use text::{clip, readable};
