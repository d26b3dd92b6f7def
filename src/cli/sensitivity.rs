//! `alssim sensitivity`: Morris screening of a scenario's outcomes to the model parameters.

use super::UsageError;
use super::check::load_or_report;
use alssim::calibrate::sensitivity::{
    self, Analysis, DEFAULT_RANGE_FACTOR, FactorName, MorrisDesign, OUTCOMES, SensitivityError,
    Settings,
};
use alssim::report::result_dir::{Replace, Staging, check_replaceable, tool_manifest};
use alssim::scenario;
use std::path::PathBuf;
use std::time::Instant;

/// Options of `alssim sensitivity`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  alssim sensitivity scenarios/natural-history.toml\n  \
    alssim sensitivity scenarios/bulbar-onset.toml --trajectories 20 --patients 1000\n  \
    alssim sensitivity FILE --params agg_growth_rate,neuronal_vulnerability,hazard_soluble\n  \
    alssim sensitivity scenarios/natural-history.toml --sobol 32 --patients 200\n  \
    alssim sensitivity scenarios/resistance.toml --arm riluzole --params resistance"
)]
pub struct Args {
    /// Scenario file.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Parameters to vary, comma-separated: model parameters (default: every parameter of the
    /// groups aggregation, oxidative, glia, excitotoxicity and neurons), resistance parameters
    /// of the analysed arm's drugs as DRUG.MECHANISM.FIELD (fields ceiling, build-up-months,
    /// washout-months, ceiling-cv), or `resistance` for all of those.
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    params: Option<Vec<String>>,
    /// The arm whose outcomes are screened (default: the scenario's first arm). Every patient
    /// is simulated in it alone; choose a treated arm to screen its drugs' resistance.
    #[arg(long, value_name = "NAME")]
    arm: Option<String>,
    /// Each parameter varies on the log scale over [value / F, value × F], clamped to its
    /// accepted range.
    #[arg(long, value_name = "F", default_value_t = DEFAULT_RANGE_FACTOR)]
    range_factor: f64,
    /// Morris trajectories (each costs one cohort run per factor, plus one).
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u64).range(2..=10_000))]
    trajectories: u64,
    /// Grid levels of the design (even).
    #[arg(long, value_name = "P", default_value_t = 4, value_parser = clap::value_parser!(u64).range(2..=1000))]
    levels: u64,
    /// Virtual patients per evaluation, replacing `population.size` (the same patients every
    /// time).
    #[arg(long, value_name = "N", default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..=scenario::MAX_PATIENTS))]
    patients: u64,
    /// Master seed: replaces `population.seed` and seeds the design (default: the scenario's
    /// `population.seed`).
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    seed: Option<u64>,
    /// Result folder (default: out/sensitivity/<scenario name>).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1024))]
    threads: Option<u64>,
    /// Also compute Sobol first-order and total indices from two random matrices of N rows
    /// (N × (factors + 2) more cohort runs); 0 skips them.
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=100_000))]
    sobol: u64,
    /// Replace an existing alssim result folder (a folder with its manifest.json or part.json;
    /// anything else is refused).
    #[arg(long)]
    force: bool,
    /// Print nothing but errors.
    #[arg(long)]
    quiet: bool,
}

fn usage(e: SensitivityError) -> anyhow::Error {
    match e {
        SensitivityError::Engine(_) => e.into(),
        other => UsageError(other.to_string()).into(),
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let s = super::run::overridden(
        &load_or_report(&args.file)?,
        &alssim::scenario::Overrides {
            seed: args.seed,
            patients: Some(args.patients),
            ..Default::default()
        },
    )?;
    let threads = super::threads(args.threads);
    let too_large = |what: &str| UsageError(format!("--{what} is too large"));
    let settings = Settings {
        trajectories: usize::try_from(args.trajectories).map_err(|_| too_large("trajectories"))?,
        levels: usize::try_from(args.levels).map_err(|_| too_large("levels"))?,
        range_factor: args.range_factor,
        seed: s.population().seed,
        threads,
    };
    let s = match &args.arm {
        Some(name) => sensitivity::only_arm(&s, name).map_err(usage)?,
        None => s,
    };
    let params = chosen_params(&args, &s)?;
    let (factors, skipped) =
        sensitivity::factors(&s, params.as_deref(), args.range_factor).map_err(usage)?;
    // Check the design before anything else, so a bad --levels is reported as such.
    MorrisDesign::new(
        factors.len(),
        settings.trajectories,
        settings.levels,
        settings.seed,
    )
    .map_err(usage)?;
    let dir = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("out")
            .join("sensitivity")
            .join(&s.meta().name)
    });
    // Refuse an existing folder before the (long) computation rather than after it.
    check_replaceable(&dir, Replace::force(args.force))?;
    let total = settings.trajectories * (factors.len() + 1);
    if !args.quiet {
        crate::outln!(
            "alssim sensitivity: scenario `{}`, arm `{}`: {} factors, {} trajectories, {} evaluations of {} patients on {threads} thread{}",
            s.meta().name,
            s.arms().first().map_or("", |a| a.name.as_str()),
            factors.len(),
            settings.trajectories,
            total + 1,
            args.patients,
            if threads == 1 { "" } else { "s" }
        );
        for k in &skipped {
            crate::outln!("  left out `{}`: {}", k.param.name(), k.reason);
        }
    }
    let bar = progress_bar(total as u64, args.quiet);
    let start = Instant::now();
    let analysis = sensitivity::analyse(&s, factors, skipped, &settings, |done| {
        bar.set_position(done as u64);
    })
    .map_err(usage)?;
    bar.finish_and_clear();
    let sobol_rows = usize::try_from(args.sobol).map_err(|_| too_large("sobol"))?;
    let sobol = sobol_indices(&s, &analysis, sobol_rows, threads, args.quiet)?;
    let seconds = start.elapsed().as_secs_f64();
    write_results(&dir, &args, &analysis, sobol.as_ref())?;
    if !args.quiet {
        print_summary(&analysis, seconds);
        if let Some(r) = &sobol {
            print_sobol(&analysis, r);
        }
        crate::outln!("wrote {}", dir.display());
    }
    if analysis.morris.failed_evaluations > 0 {
        eprintln!(
            "warning: {} of {total} evaluations gave a non-finite outcome; their elementary effects are left out (see n_effects)",
            analysis.morris.failed_evaluations
        );
    }
    Ok(())
}

/// The parameters named by `--params`, read here, once: an unknown one is a usage error naming
/// the closest.
fn chosen_params(
    args: &Args,
    s: &alssim::scenario::Scenario,
) -> anyhow::Result<Option<Vec<FactorName>>> {
    let Some(names) = args.params.as_deref() else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for n in names {
        if n == "resistance" {
            let all = sensitivity::resistance_factors(s);
            if all.is_empty() {
                return Err(UsageError(
                    "`resistance`: no drug of the analysed arm carries a resistance term \
                     (choose a treated arm with --arm)"
                        .to_string(),
                )
                .into());
            }
            out.extend(all);
        } else {
            out.push(FactorName::parse(n).map_err(usage)?);
        }
    }
    Ok(Some(out))
}

/// The Sobol indices of the screened factors with `rows` base rows (none when 0).
fn sobol_indices(
    s: &alssim::scenario::Scenario,
    analysis: &sensitivity::Analysis,
    rows: usize,
    threads: usize,
    quiet: bool,
) -> anyhow::Result<Option<alssim::calibrate::sobol::SobolResult>> {
    if rows == 0 {
        return Ok(None);
    }
    let runs = rows * (analysis.factors.len() + 2);
    let bar = progress_bar(runs as u64, quiet);
    let r = alssim::calibrate::sobol::sobol(
        s,
        &analysis.factors,
        rows,
        s.population().seed,
        threads,
        |done| bar.set_position(done as u64),
    )?;
    bar.finish_and_clear();
    Ok(Some(r))
}

/// The folder of an analysis: the Morris tables, the report, the Sobol indices if computed, the
/// figures and the manifest, written whole or not at all.
fn write_results(
    dir: &std::path::Path,
    args: &Args,
    analysis: &sensitivity::Analysis,
    sobol: Option<&alssim::calibrate::sobol::SobolResult>,
) -> anyhow::Result<()> {
    let staging = Staging::new(dir, args.force)?;
    let mut md = sensitivity::to_markdown(analysis, true);
    if let Some(r) = sobol {
        md.push_str(&alssim::calibrate::sobol::to_markdown(
            r,
            &analysis.factors,
            args.patients,
        ));
        staging.write(
            "sobol.csv",
            alssim::calibrate::sobol::to_csv(r, &analysis.factors).as_bytes(),
        )?;
    }
    for (name, contents) in [
        ("sensitivity.csv", sensitivity::to_csv(analysis)),
        ("sensitivity.md", md),
        ("evaluations.csv", sensitivity::evaluations_csv(analysis)),
    ] {
        staging.write(name, contents.as_bytes())?;
    }
    sensitivity::write_figures(analysis, &staging.path(""))?;
    staging.write("manifest.json", &tool_manifest("sensitivity"))?;
    staging.commit()?;
    Ok(())
}

/// The three factors with the largest total Sobol index for each outcome.
fn print_sobol(analysis: &sensitivity::Analysis, r: &alssim::calibrate::sobol::SobolResult) {
    for (o, info) in OUTCOMES.iter().enumerate() {
        let mut order: Vec<usize> = (0..analysis.factors.len()).collect();
        order.sort_by(|&x, &y| r.total[o][y].total_cmp(&r.total[o][x]));
        let top: Vec<String> = order
            .iter()
            .take(3)
            .map(|&i| {
                format!(
                    "{} (total {:.2}, first {:.2})",
                    analysis.factors[i].param.name(),
                    r.total[o][i],
                    r.first[o][i]
                )
            })
            .collect();
        crate::outln!("Sobol, {}: {}", info.label, top.join(", "));
    }
}

fn progress_bar(total: u64, quiet: bool) -> indicatif::ProgressBar {
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    // Draws only when stderr is a terminal.
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} evaluations  ETA {eta}")
    {
        bar.set_style(style);
    }
    bar
}

/// Factors shown per outcome on the terminal.
const TOP: usize = 5;

fn print_summary(a: &Analysis, seconds: f64) {
    crate::outln!(
        "{} evaluations in {seconds:.1} s ({:.2} s each)",
        a.morris.outputs.iter().map(Vec::len).sum::<usize>() + 1,
        seconds / (a.morris.outputs.iter().map(Vec::len).sum::<usize>() + 1) as f64
    );
    for (o, info) in OUTCOMES.iter().enumerate() {
        let eff = &a.morris.summary[o];
        crate::outln!(
            "{} ({}; {:.3} at the scenario's values): top factors by mu*",
            info.label,
            info.unit,
            a.baseline[o]
        );
        for (r, &i) in sensitivity::order_by_mu_star(eff)
            .iter()
            .take(TOP)
            .enumerate()
        {
            let e = eff[i];
            crate::outln!(
                "  {:>2}. {:<30} mu* {:>9.4}   mu {:>9.4}   sigma {:>9.4}",
                r + 1,
                a.factors[i].param.name(),
                e.mu_star,
                e.mu,
                e.sigma
            );
        }
    }
}
