//! `alssim calibrate`: fit the natural-history population to the published targets.

use alssim::calibrate::fit::{self, KNOBS};
use alssim::calibrate::{targets, validate};
use alssim::report::result_dir::write_dir;
use alssim::scenario;
use std::fmt::Write;
use std::path::PathBuf;

/// Options of `alssim calibrate`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "The fit starts from the bundled natural-history population with the built-in defaults. \
    To start elsewhere (for example to reproduce a published fit), give a scenario with --from: its [model] \
    overrides and [population.variability] are the starting values, and its population is the one fitted.\n\n\
    With --posterior, a Bayesian calibration (sequential Monte Carlo ABC with Markov chain moves) draws the posterior of the \
    population parameters instead: progress is kept in a checkpoint folder after every generation (a run that \
    stops resumes where it was when given the same options), and --shard K/N evaluates one share of the pending \
    generation's proposals, for clusters (docs/CALIBRATION.md, docs/CLUSTER.md)."
)]
pub struct Args {
    /// Start from this scenario (its population, [model] overrides and variability) instead of the
    /// bundled natural-history scenario.
    #[arg(long, value_name = "FILE")]
    from: Option<PathBuf>,
    /// Virtual patients per evaluation (the same patients every time for the point fit, a seed
    /// of their own for each proposal of the posterior) [default: 2000, or 1000 with --posterior].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(100..=1_000_000))]
    patients: Option<u64>,
    /// Largest number of cohort evaluations of the point fit (the initial simplex, one more than
    /// the number of fitted quantities, is always evaluated in full; not with --posterior).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 300,
        conflicts_with = "posterior"
    )]
    max_evaluations: usize,
    /// Master seed (default: the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Result folder [default: out/calibration, or out/posterior with --posterior].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1024))]
    threads: Option<u64>,
    /// Replace an existing alssim result folder (a folder with its manifest.json or part.json;
    /// anything else is refused).
    #[arg(long)]
    force: bool,
    /// Draw the posterior of the population parameters (ABC) instead of a point fit.
    #[arg(long)]
    posterior: bool,
    #[command(flatten)]
    abc: super::posterior::PosteriorArgs,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let s = match &args.from {
        Some(file) => super::check::load_or_report(file)?,
        None => validate::natural_history(),
    };
    if args.posterior {
        let out = args.out.unwrap_or_else(|| PathBuf::from("out/posterior"));
        return super::posterior::run(
            s,
            &args.abc,
            super::posterior::Common {
                patients: args.patients.unwrap_or(1000),
                seed: args.seed,
                out,
                threads: super::threads(args.threads),
                force: args.force,
            },
        );
    }
    point_fit(s, &args)
}

/// The point fit: Nelder-Mead from the scenario's values, then its validation.
fn point_fit(s: alssim::scenario::Scenario, args: &Args) -> anyhow::Result<()> {
    let patients = args.patients.unwrap_or(2000);
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out/calibration"));
    let s = super::run::overridden(
        &s,
        &alssim::scenario::Overrides {
            seed: args.seed,
            patients: Some(patients),
            ..Default::default()
        },
    )?;
    let threads = super::threads(args.threads);
    let targets = targets::bundled();
    let (s, notes) = fit::starting_point(&s);
    for note in &notes {
        eprintln!("alssim calibrate: note: {note}");
    }
    let before = fit::distance(&fit::evaluate(&s, &targets, threads)?);
    crate::outln!(
        "alssim calibrate: {} knobs, {} patients per evaluation, at most {} evaluations; starting distance {before:.3}",
        KNOBS.len(),
        patients,
        // The initial simplex is always evaluated in full.
        args.max_evaluations.max(KNOBS.len() + 1)
    );
    let result = fit::fit(&s, &targets, threads, args.max_evaluations)?;
    let trace = trace_csv(&result);
    let cohorts = validate::simulate(&result.scenario, threads)?;
    let checks = validate::check(&cohorts);
    let mut fitted = String::from("| quantity | start | fitted |\n|---|---|---|\n");
    for (k, (start, end)) in KNOBS
        .iter()
        .zip(result.trace[0].values.iter().zip(best_values(&result)))
    {
        let _ = writeln!(fitted, "| `{}` | {start:.4} | {end:.4} |", k.name());
    }
    let report = format!(
        "# Calibration\n\nNelder-Mead over {} quantities, {} evaluations of {} patients (seed {}); distance {before:.3} \
         before, {:.3} after.\n\n{fitted}\n{}",
        KNOBS.len(),
        result.trace.len(),
        patients,
        s.population().seed,
        result.distance,
        validate::to_markdown(&checks, patients, s.population().seed).replace(
            "# Natural-history validation",
            "## Validation of the fitted population"
        )
    );
    let files = [
        (
            "calibrated.toml",
            scenario::to_toml(&result.scenario).into_bytes(),
        ),
        ("trace.csv", trace.into_bytes()),
        ("calibration.md", report.into_bytes()),
        ("validation.csv", validate::to_csv(&checks).into_bytes()),
        (
            "manifest.json",
            alssim::report::result_dir::tool_manifest("calibrate"),
        ),
    ];
    write_dir(&out, &files, args.force)?;
    crate::outln!(
        "distance {before:.3} -> {:.3} after {} evaluations",
        result.distance,
        result.trace.len()
    );
    for (k, v) in KNOBS.iter().zip(best_values(&result)) {
        crate::outln!("  {:<32} {v:.5}", k.name());
    }
    crate::outln!("wrote {}", out.display());
    Ok(())
}

/// `trace.csv`: every evaluation's distance and knob values.
fn trace_csv(result: &fit::Fit) -> String {
    let mut trace = String::from("evaluation,distance");
    for k in &KNOBS {
        let _ = write!(trace, ",{}", k.name());
    }
    trace.push('\n');
    for t in &result.trace {
        let _ = write!(trace, "{},{}", t.evaluation, t.distance);
        for v in &t.values {
            let _ = write!(trace, ",{v}");
        }
        trace.push('\n');
    }
    trace
}

fn best_values(f: &fit::Fit) -> Vec<f64> {
    f.trace
        .iter()
        .filter(|t| t.distance.is_finite())
        .min_by(|a, b| a.distance.total_cmp(&b.distance))
        .map_or_else(Vec::new, |t| t.values.clone())
}
