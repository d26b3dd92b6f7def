//! Command-line interface.

mod calibrate;
mod check;
mod drugs;
mod params;
mod plot;
mod run;
mod sensitivity;
mod simulate;
mod table;
mod validate;
mod whatif;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// alssim: a mechanistic disease-progression simulator for amyotrophic lateral sclerosis.
///
/// It couples motor-neuron survival with protein aggregation, oxidative stress, glial
/// inflammation and excitotoxicity in four regions along the neuraxis, and reads out what
/// clinics and trials measure: ALSFRS-R, FVC, serum neurofilament light, staging, survival.
#[derive(Debug, Parser)]
#[command(
    name = "alssim",
    version,
    propagate_version = true,
    max_term_width = 100
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario: simulate its virtual cohort and write the results to out/<scenario>/.
    Run(run::Args),
    /// Compare drugs on the default population without writing a scenario, e.g.
    /// `alssim whatif riluzole edaravone-iv riluzole+edaravone-iv` (a control arm is added).
    Whatif(whatif::Args),
    /// List the drug library, or show one drug with the source of every parameter.
    Drugs(drugs::Args),
    /// Merge the part folders of a sharded run into one result, identical to an unsharded run.
    Merge(run::MergeArgs),
    /// Redraw the figures and report.html of an existing result folder, without simulating.
    Plot(plot::Args),
    /// Check scenario files and report every problem (exit 0 valid, 1 invalid, 2 unreadable).
    Check(check::CheckArgs),
    /// Print a scenario with every default filled in, as valid TOML.
    Show(check::ShowArgs),
    /// Fit the natural-history population to the published targets (writes out/calibration/).
    Calibrate(calibrate::Args),
    /// Compare the untreated default population with published natural history
    /// (exit 0 when every hard target passes, 1 when one is missed).
    Validate(validate::Args),
    /// Screen which model parameters drive a scenario's outcomes (Morris elementary effects;
    /// writes out/sensitivity/<scenario>/).
    Sensitivity(sensitivity::Args),
    /// Simulate one virtual patient and print a visit table from clinical onset.
    Simulate(simulate::Args),
    /// List the model parameters with default, unit, range, meaning and source.
    Params(params::Args),
}

/// Exit code of a run that failed for a reason other than bad usage.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code of bad usage (clap uses the same).
pub const EXIT_USAGE: u8 = 2;

/// Runs the command line and maps errors to exit codes.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Calibrate(args) => calibrate::run(args),
        Command::Whatif(args) => whatif::run(args),
        Command::Drugs(args) => drugs::run(args),
        Command::Merge(args) => run::merge(args),
        Command::Plot(args) => plot::run(args),
        Command::Check(args) => return check::check(args),
        Command::Validate(args) => match validate::run(args) {
            Ok(code) => return code,
            Err(e) => Err(e),
        },
        Command::Show(args) => check::show(args),
        Command::Sensitivity(args) => sensitivity::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Params(args) => params::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let code = err
                .downcast_ref::<UsageError>()
                .map_or(EXIT_FAILURE, |_| EXIT_USAGE);
            eprintln!("error: {err:#}");
            ExitCode::from(code)
        }
    }
}

/// Writes text to standard output. A closed pipe (`alssim params | head`) ends the program
/// quietly with success, as command-line tools do, instead of a panic.
pub fn print_out(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to standard output: {e}");
        std::process::exit(i32::from(EXIT_FAILURE));
    }
}

/// `println!` through [`print_out`].
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => { $crate::cli::print_out(&format!("{}\n", format!($($arg)*))) };
}

/// Worker threads: the `--threads` value (range-checked by clap, at most 1024), or all cores.
pub fn threads(option: Option<u64>) -> usize {
    match option {
        // clap limits --threads to 1..=1024, which fits any usize.
        Some(t) => usize::try_from(t).unwrap_or(1),
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    }
}

/// A mistake in the arguments that clap cannot see (for example a bad `--set` value).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);
