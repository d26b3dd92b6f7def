//! Command-line interface.

mod calibrate;
mod check;
mod drugs;
mod params;
mod plot;
mod posterior;
mod run;
mod sensitivity;
mod serve;
mod simulate;
mod table;
mod trial;
mod uncertainty;
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
    /// Run the virtual trial of a scenario's `[trial]` table: randomised arms of distinct
    /// patients, dropout, trial endpoints, and power over replicates (writes out/<name>-trial/).
    Trial(trial::Args),
    /// Compare drugs on the default population without writing a scenario, e.g.
    /// `alssim whatif riluzole edaravone-iv riluzole+edaravone-iv` (a control arm is added).
    Whatif(whatif::Args),
    /// List the drug library, or show one drug with the source of every parameter.
    Drugs(drugs::Args),
    /// Merge the part folders of a sharded run into one result, identical to an unsharded run.
    Merge(run::MergeArgs),
    /// Redraw the figures and report.html of an existing result folder, without simulating.
    Plot(plot::Args),
    /// Check scenario files and report every problem (exit 0 valid, 2 invalid or unreadable);
    /// warn when some drawn patients will break a rule across parameters.
    Check(check::CheckArgs),
    /// Print a scenario with every default filled in, as valid TOML.
    Show(check::ShowArgs),
    /// Fit the natural-history population to the published targets (writes out/calibration/).
    Calibrate(calibrate::Args),
    /// Compare the untreated default population with published natural history
    /// (exit 0 when every hard target passes, 3 when one is missed).
    Validate(validate::Args),
    /// Screen which model parameters drive a scenario's outcomes (Morris elementary effects;
    /// writes out/sensitivity/<scenario>/).
    Sensitivity(sensitivity::Args),
    /// Simulate one virtual patient and print a visit table from clinical onset.
    Simulate(simulate::Args),
    /// List the model parameters with default, unit, range, meaning and source.
    Params(params::Args),
    /// Start the what-if explorer: a local web page for comparing therapies (docs/SERVE.md).
    Serve(serve::Args),
}

/// Exit code of success.
pub const EXIT_SUCCESS: u8 = 0;
/// Exit code of a run that failed: the simulation, a file it had to write, or too many failed
/// patients (README.md, "Exit codes").
pub const EXIT_FAILURE: u8 = 1;
/// Exit code of bad usage or invalid input: a bad flag or value, an unreadable or invalid
/// scenario, an unknown name, an existing output folder without `--force`, a damaged part
/// folder (clap uses the same code for its own errors).
pub const EXIT_USAGE: u8 = 2;
/// Exit code of `alssim validate` when a hard target is missed.
pub const EXIT_VALIDATION: u8 = 3;

/// Runs the command line and maps errors to exit codes.
pub fn main() -> ExitCode {
    // A panic is a bug, never a user mistake; it is reported in one message without a
    // backtrace, whatever RUST_BACKTRACE says (ALSSIM_BACKTRACE=1 keeps the standard report).
    if std::env::var_os("ALSSIM_BACKTRACE").is_none() {
        std::panic::set_hook(Box::new(|info| {
            let text = info.to_string().replace('\n', " ");
            eprintln!(
                "error: internal error in alssim (a bug; please report it with the command \
                 line): {}",
                alssim::input::clip(&text, 1000)
            );
        }));
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Calibrate(args) => calibrate::run(args),
        Command::Whatif(args) => whatif::run(args),
        Command::Trial(args) => trial::run(args),
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
        Command::Serve(args) => serve::run(args),
    };
    match result {
        Ok(()) => ExitCode::from(EXIT_SUCCESS),
        Err(err) if err.is::<Reported>() => {
            ExitCode::from(err.downcast_ref::<Reported>().map_or(EXIT_FAILURE, |r| r.0))
        }
        Err(err) => {
            eprintln!("error: {}", message(&err));
            ExitCode::from(exit_code(&err))
        }
    }
}

/// The exit code of an error, by the table in README.md.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    use alssim::report::result_dir::ResultDirError;
    use alssim::report::run::RunError;
    for cause in err.chain() {
        if cause.is::<UsageError>() || cause.is::<alssim::scenario::ScenarioError>() {
            return EXIT_USAGE;
        }
        // An output folder that exists, or that is not an alssim result, is a wrong --out.
        if let Some(ResultDirError::Exists(_) | ResultDirError::NotAResult { .. }) =
            cause.downcast_ref::<ResultDirError>()
        {
            return EXIT_USAGE;
        }
        if let Some(
            RunError::Merge(_)
            | RunError::Output(ResultDirError::Exists(_) | ResultDirError::NotAResult { .. }),
        ) = cause.downcast_ref::<RunError>()
        {
            return EXIT_USAGE;
        }
    }
    EXIT_FAILURE
}

/// An error and its causes in one message, each cause once: an I/O error that a message
/// already quotes ("cannot read F: No such file or directory (os error 2)") is not repeated.
pub fn message(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let part = cause.to_string();
        if part.is_empty() || text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    // Every line readable: a value echoed from the input is never printed whole when huge.
    text.lines()
        .map(|l| alssim::input::clip(l, 1000))
        .collect::<Vec<_>>()
        .join("\n")
}

/// An error already reported on stderr, with its exit code (a run with too many failed
/// patients says so before its report).
#[derive(Debug, thiserror::Error)]
#[error("exit status {0}")]
pub struct Reported(pub u8);

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
