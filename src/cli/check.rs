//! `alssim check` and `alssim show`.

use alssim::scenario::{self, ScenarioError};
use std::path::PathBuf;
use std::process::ExitCode;

/// Options of `alssim check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Scenario files to check.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

/// Options of `alssim show`.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// Scenario file.
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

/// Checks every file; exit 0 if every one is valid, else 2 (unreadable or invalid input).
pub fn check(args: CheckArgs) -> ExitCode {
    let mut unreadable = false;
    let mut invalid = false;
    for file in &args.files {
        match scenario::load(file) {
            Ok(s) => {
                crate::outln!(
                    "{}: ok (scenario `{}`, {} arm{})",
                    file.display(),
                    s.meta().name,
                    s.arms().len(),
                    if s.arms().len() == 1 { "" } else { "s" }
                );
                super::run::warn_rule_breaks(&s, Some(s.simulation().max_failed_fraction));
            }
            Err(e @ ScenarioError::Io { .. }) => {
                unreadable = true;
                eprintln!("error: {e}");
            }
            Err(e) => {
                invalid = true;
                eprintln!("{}\n", e.report());
            }
        }
    }
    if unreadable || invalid {
        ExitCode::from(super::EXIT_USAGE)
    } else {
        ExitCode::from(super::EXIT_SUCCESS)
    }
}

/// Prints the resolved scenario.
pub fn show(args: ShowArgs) -> anyhow::Result<()> {
    let s = load_or_report(&args.file)?;
    crate::cli::print_out(&scenario::to_toml(&s));
    Ok(())
}

/// Loads a scenario; on problems the error carries the full report.
pub fn load_or_report(file: &std::path::Path) -> anyhow::Result<scenario::Scenario> {
    scenario::load(file).map_err(|e| match e {
        ScenarioError::Io { .. } => anyhow::Error::new(e),
        other => super::UsageError(other.report().trim_start_matches("error: ").to_string()).into(),
    })
}
