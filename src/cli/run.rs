//! `alssim run` and `alssim merge`.

use super::check::load_or_report;
use alssim::cohort::ScreenFailure;
use alssim::report::run::{RunOptions, RunReport, merge_parts_with, run_scenario, shard_range};
use alssim::scenario;
use std::path::PathBuf;

/// Options of `alssim run`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  alssim run scenarios/natural-history.toml\n  \
    alssim run scenarios/natural-history.toml --patients 100000 --seed 2 --out out/big\n  \
    alssim run scenarios/natural-history.toml --shard 3/8   (then: alssim merge out/natural-history.part-*-of-8 --out out/natural-history)"
)]
pub struct Args {
    /// Scenario file.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Result folder (default: out/<scenario name>, or out/<scenario name>.part-K-of-N for a shard).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Run only shard K of N (K from 1 to N) and write a part folder for `alssim merge`.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    shard: Option<(u64, u64)>,
    /// Also write every rated visit of every patient to trajectories.parquet.
    #[arg(long)]
    trajectories: bool,
    /// Also run the scenario under N parameter sets drawn from the shipped posterior (each
    /// with its own patients) and print every arm's median survival and ALSFRS-R slope, and
    /// their differences from the first arm, with 95% credible intervals (uncertainty.csv).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(2..=10_000), conflicts_with = "shard")]
    uncertainty: Option<u64>,
    #[command(flatten)]
    cohort: CohortArgs,
}

/// Options shared by the commands that simulate a cohort (`run`, `whatif`).
#[derive(Debug, clap::Args)]
pub struct CohortArgs {
    /// Master seed, replacing `population.seed` (0 to 9223372036854775807, the largest integer a
    /// scenario file can record).
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    pub seed: Option<u64>,
    /// Number of virtual patients screened, replacing `population.size`.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=scenario::MAX_PATIENTS))]
    pub patients: Option<u64>,
    /// Worker threads (1 runs serially; default: all cores). Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
    /// Replace an existing alssim result folder (a folder with its manifest.json or part.json;
    /// anything else is refused).
    #[arg(long)]
    pub force: bool,
    /// Write only the tables: no figures and no report.html.
    #[arg(long)]
    pub no_plots: bool,
    /// Print nothing but errors (no progress bar, no summary line).
    #[arg(long)]
    pub quiet: bool,
    /// Override a model parameter in every arm, NAME=VALUE (repeatable; replaces the scenario's
    /// `[model]` value; `alssim params` lists the names). Recorded in manifest.json.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// Largest fraction of patients who may fail to be simulated (a failed integration, or drawn
    /// parameters that break a rule across parameters) before the run exits with status 1,
    /// replacing `simulation.max-failed-fraction` (default 0.01).
    #[arg(long, value_name = "F", value_parser = parse_fraction)]
    pub max_failed_fraction: Option<f64>,
}

fn parse_fraction(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        Ok(x) => Err(format!(
            "{} is out of range: accepted a fraction from 0 to 1",
            alssim::input::readable(x)
        )),
        Err(_) => Err(format!(
            "`{}` is not a number: accepted a fraction from 0 to 1",
            alssim::input::clip(s, 40)
        )),
    }
}

impl CohortArgs {
    /// Applies `--seed`, `--patients`, `--set` and `--max-failed-fraction` to a scenario, and
    /// checks the resource bounds again (`--patients` multiplies the work).
    pub fn apply(&self, s: &mut scenario::Scenario) -> Result<(), super::UsageError> {
        let overrides = scenario::Overrides {
            seed: self.seed,
            patients: self.patients,
            max_failed_fraction: self.max_failed_fraction,
            set: parse_set_list(&self.set)?,
            ..Default::default()
        };
        *s = overridden(s, &overrides)?;
        Ok(())
    }
}

/// Parses the `--set NAME=VALUE` items of a command line.
pub(crate) fn parse_set_list(
    set: &[String],
) -> Result<Vec<(alssim::model::Param, f64)>, super::UsageError> {
    set.iter()
        .map(|item| super::simulate::parse_set(item))
        .collect()
}

/// The scenario with command-line overrides (`--seed`, `--patients`, `--set`, ...) applied
/// and checked again; a refusal is a usage error naming the option.
pub(crate) fn overridden(
    s: &scenario::Scenario,
    overrides: &scenario::Overrides,
) -> Result<scenario::Scenario, super::UsageError> {
    s.with_overrides(overrides).map_err(|e| {
        super::UsageError(match e {
            scenario::OverridesError::Set(e) => format!("--set: {e}"),
            scenario::OverridesError::Patients(_) => format!("--patients: {e}"),
            scenario::OverridesError::MaxFailedFraction(_) => format!("--max-failed-fraction: {e}"),
            scenario::OverridesError::Variability { .. } => format!("--cv: {e}"),
            other => other.to_string(),
        })
    })
}

/// Patients drawn, at most, to count before a run those whose parameters break a rule.
const RULE_CHECK_LIMIT: u64 = 10_000;

/// Before anything is simulated: when the variability table varies a parameter that a rule
/// across parameters bounds and some drawn patients break the rule, says how many (exactly, for
/// a population of at most 10,000; else the share of the first 10,000) and whether that is over
/// the run's `max-failed-fraction` (`None`: a trial, which has no such limit), on stderr. Such
/// patients cannot be simulated.
pub fn warn_rule_breaks(s: &scenario::Scenario, max_failed_fraction: Option<f64>) {
    let spec = s.cohort_spec();
    let Some(b) = alssim::cohort::rule_breaks(spec.population(), spec.params(), RULE_CHECK_LIMIT)
    else {
        return;
    };
    eprintln!("{}", rule_breaks_message(&b, max_failed_fraction));
}

/// The warning of [`warn_rule_breaks`].
fn rule_breaks_message(b: &alssim::cohort::RuleBreaks, max_failed_fraction: Option<f64>) -> String {
    let names: Vec<&str> = b.params.iter().map(|p| p.name()).collect();
    let percent = 100.0 * b.share();
    let count = if b.exact {
        format!("{} of the {} patients ({percent:.1}%)", b.broken, b.checked)
    } else {
        format!(
            "about {percent:.1}% of the patients ({} of the first {} drawn)",
            b.broken, b.checked
        )
    };
    let verdict = match max_failed_fraction {
        None => "and each trial leaves them out of its patient flow (line `integration-failed`)"
            .to_string(),
        Some(f) if b.share() > f => format!(
            "more than the limit of {}% (`simulation.max-failed-fraction`, `--max-failed-fraction`), \
             so the run will fail",
            100.0 * f
        ),
        Some(f) => format!(
            "within the limit of {}% (`simulation.max-failed-fraction`)",
            100.0 * f
        ),
    };
    format!(
        "warning: [population.variability] varies {}, which a rule across parameters bounds ({}): \
         {count} are drawn with parameters that break it and cannot be simulated, {verdict}; \
         narrow the variability or move the bound (docs/SCENARIOS.md, \"Failed patients\")",
        names.join(", "),
        b.rules.join("; "),
    )
}

/// When more patients could not be simulated than `simulation.max-failed-fraction` allows, says so
/// on stderr (before anything else is printed about the run) and returns the error that makes
/// the exit status 1. The result folder is kept for inspection.
pub fn check_failed(r: &RunReport, fraction: f64, file: &str) -> Result<(), super::Reported> {
    let s = &r.summary;
    if s.failed == 0 || (s.failed as f64) <= fraction * s.screened as f64 {
        return Ok(());
    }
    eprintln!(
        "error: the run failed: {} of {} patients ({:.1}%) could not be simulated, more than the \
         limit of {}% (`simulation.max-failed-fraction`, `--max-failed-fraction`); the result in \
         {} is kept for inspection, with each patient's reason (drawn parameters that break a \
         rule across parameters, or a failed integration) under `failures` in {file}",
        s.failed,
        s.screened,
        100.0 * s.failed as f64 / s.screened.max(1) as f64,
        100.0 * fraction,
        r.dir.display()
    );
    Err(super::Reported(super::EXIT_FAILURE))
}

/// Options of `alssim merge`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  alssim merge out/natural-history.part-*-of-4 --out out/natural-history"
)]
pub struct MergeArgs {
    /// Part folders written by `alssim run --shard K/N`, one for each K.
    #[arg(required = true, value_name = "PART_DIR")]
    parts: Vec<PathBuf>,
    /// Result folder.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Replace an existing alssim result folder (a folder with its manifest.json or part.json;
    /// anything else is refused).
    #[arg(long)]
    force: bool,
    /// Write only the tables: no figures and no report.html.
    #[arg(long)]
    no_plots: bool,
    /// Print nothing but errors.
    #[arg(long)]
    quiet: bool,
    /// Largest fraction of patients who may fail to be simulated before the merge exits with
    /// status 1 (default: the scenario's `simulation.max-failed-fraction`).
    #[arg(long, value_name = "F", value_parser = parse_fraction)]
    max_failed_fraction: Option<f64>,
}

/// `simulation.max-failed-fraction` of the resolved scenario recorded in a result's manifest.
fn recorded_max_failed_fraction(dir: &std::path::Path) -> f64 {
    alssim::results::Manifest::read(&dir.join("manifest.json"))
        .ok()
        .and_then(|m| toml::from_str::<toml::Value>(&m.resolved_scenario).ok())
        .and_then(|t| t.get("simulation")?.get("max-failed-fraction")?.as_float())
        .unwrap_or(alssim::cohort::spec::DEFAULT_MAX_FAILED_FRACTION)
}

pub(crate) fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let bad = || format!("`{s}` is not a shard: expected K/N with 1 <= K <= N, e.g. 3/8");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let (k, n): (u64, u64) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if n == 0 || k == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

fn progress_bar(total: u64, quiet: bool) -> indicatif::ProgressBar {
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    // Draws only when stderr is a terminal.
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {pos}/{len} patients  {per_sec}  ETA {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}

fn print_report(what: &str, name: &str, r: &RunReport, threads: usize) {
    let s = &r.summary;
    crate::outln!(
        "alssim {what}: scenario `{name}`: {} screened, {} enrolled, {} failed, in {:.2} s on {threads} thread{}",
        s.screened,
        s.enrolled,
        s.failed,
        r.wall_seconds,
        if threads == 1 { "" } else { "s" }
    );
    let reasons: Vec<String> = ScreenFailure::ALL
        .iter()
        .zip(s.screen_failures)
        .filter(|(_, n)| *n > 0)
        .map(|(r, n)| format!("{} {n}", r.name()))
        .collect();
    if !reasons.is_empty() {
        crate::outln!("screen failures: {}", reasons.join(", "));
    }
    if r.plot_seconds > 0.0 {
        crate::outln!("drew figures and report.html in {:.2} s", r.plot_seconds);
    }
    crate::outln!("wrote {}", r.dir.display());
}

fn warn_figures(r: &RunReport) {
    for w in &r.warnings {
        eprintln!("warning: figure not drawn (the tables are complete): {w}");
    }
}

fn warn_failures(r: &RunReport, file: &str) {
    let n = r.summary.failed;
    if n > 0 {
        eprintln!(
            "warning: {n} patient{} could not be simulated; see `failures` in {} for why",
            if n == 1 { "" } else { "s" },
            r.dir.join(file).display()
        );
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut s = load_or_report(&args.file)?;
    args.cohort.apply(&mut s)?;
    warn_rule_breaks(&s, Some(s.simulation().max_failed_fraction));
    if s.trial().is_some() && !args.cohort.quiet {
        crate::outln!(
            "note: {} has a [trial] table, which `alssim trial` runs; `alssim run` simulates its \
             population with every patient in every arm (the paired view)",
            args.file.display()
        );
    }
    let threads = super::threads(args.cohort.threads);
    let dir = args.out.clone().unwrap_or_else(|| {
        let name = match args.shard {
            Some((k, n)) => format!("{}.part-{k}-of-{n}", s.meta().name),
            None => s.meta().name.clone(),
        };
        PathBuf::from("out").join(name)
    });
    let total = match args.shard {
        Some((k, n)) => shard_range(s.population().size, k, n).count() as u64,
        None => s.population().size,
    };
    let options = RunOptions {
        threads,
        shard: args.shard,
        trajectories: args.trajectories,
        force: args.cohort.force,
        scenario_file: args.file.display().to_string(),
        plots: !args.cohort.no_plots && args.shard.is_none(),
        command: "run",
        replace_own: false,
    };
    let bar = progress_bar(total, args.cohort.quiet);
    let report = run_scenario(&s, &dir, &options, |done| bar.set_position(done))?;
    bar.finish_and_clear();
    let failed = check_failed(
        &report,
        s.simulation().max_failed_fraction,
        if args.shard.is_some() {
            "part.json"
        } else {
            "manifest.json"
        },
    );
    if !args.cohort.quiet {
        print_report("run", &s.meta().name, &report, threads);
    }
    warn_figures(&report);
    warn_failures(
        &report,
        if args.shard.is_some() {
            "part.json"
        } else {
            "manifest.json"
        },
    );
    failed?;
    if let Some(n) = args.uncertainty {
        super::uncertainty::report(&s, &dir, usize::try_from(n)?, threads, args.cohort.quiet)?;
    }
    Ok(())
}

pub fn merge(args: MergeArgs) -> anyhow::Result<()> {
    let report = merge_parts_with(&args.parts, &args.out, args.force, !args.no_plots)?;
    let fraction = args
        .max_failed_fraction
        .unwrap_or_else(|| recorded_max_failed_fraction(&report.dir));
    let failed = check_failed(&report, fraction, "manifest.json");
    if !args.quiet {
        crate::outln!(
            "alssim merge: {} parts: {} screened, {} enrolled, {} failed",
            args.parts.len(),
            report.summary.screened,
            report.summary.enrolled,
            report.summary.failed
        );
        crate::outln!("wrote {}", report.dir.display());
    }
    warn_figures(&report);
    warn_failures(&report, "manifest.json");
    failed?;
    Ok(())
}
