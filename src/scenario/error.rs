//! Why a scenario could not be loaded.

use crate::input::Diagnostic;

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file was read but has problems; all of them are listed.
    #[error("{} has {} problem{}", .file, .diagnostics.len(), if .diagnostics.len() == 1 { "" } else { "s" })]
    Invalid {
        /// The file.
        file: String,
        /// Every problem found, in file order.
        diagnostics: Vec<Diagnostic>,
    },
}

impl ScenarioError {
    /// The problems, if the file was readable.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            ScenarioError::Io { .. } => &[],
            ScenarioError::Invalid { diagnostics, .. } => diagnostics,
        }
    }

    /// The error with every diagnostic, as printed by `alssim check`.
    pub fn report(&self) -> String {
        match self {
            ScenarioError::Io { .. } => format!("error: {self}"),
            ScenarioError::Invalid { diagnostics, .. } => {
                let mut out = String::new();
                for d in diagnostics {
                    out.push_str(&format!("error: {d}\n\n"));
                }
                out.push_str(&format!("{self}"));
                out
            }
        }
    }
}
