//! `alssim trial`: run the virtual trial a scenario's `[trial]` table describes.

use super::UsageError;
use alssim::report::plot::{
    Axis, Chart, Figure, FigureOptions, LegendPosition, Mark, PALETTE, Series,
};
use alssim::report::result_dir::{Replace, Staging, tool_manifest};
use alssim::scenario;
use alssim::trial::{self, Endpoint, Power, TrialDesign};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Options of `alssim trial`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  alssim trial scenarios/trial-edaravone-mci186.toml\n  alssim trial \
                  scenarios/trial-edaravone-mci186.toml --replicates 200 --sample-sizes 100,200,300"
)]
pub struct Args {
    /// Scenario file with a `[trial]` table.
    file: PathBuf,
    /// Trials to simulate at each sample size, each with new patients from the pool and a new
    /// randomisation; with more than one, `power.csv` gives the share significant.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    replicates: u64,
    /// Sample sizes to run (all arms together), comma-separated, for a power curve (default:
    /// the design's `sample-size`).
    #[arg(long, value_name = "N,N,...", value_delimiter = ',', value_parser = clap::value_parser!(u64).range(2..=100_000))]
    sample_sizes: Vec<u64>,
    /// Master seed (default: the scenario's `population.seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Result folder (default: out/<scenario>-trial/).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1024))]
    threads: Option<u64>,
    /// Replace an existing result folder written by another command.
    #[arg(long)]
    force: bool,
    /// Print only where the results went.
    #[arg(long)]
    quiet: bool,
    /// Write only the tables, without the power figure.
    #[arg(long)]
    no_plots: bool,
    /// Also run the trial under N parameter sets drawn from the shipped posterior (each with
    /// its own patients) and report the power and the mean estimate of every endpoint and
    /// comparison with 95% credible intervals (uncertainty.csv).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(2..=10_000))]
    uncertainty: Option<u64>,
}

fn fmt(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3}")
    } else {
        "-".into()
    }
}

/// Most lines the power figure draws: as many as its palette has colours.
const MAX_POWER_SERIES: usize = PALETTE.len();

/// The power curve: power against sample size, one line per endpoint and comparison (the
/// primary endpoint's comparisons only when there would be more than [`MAX_POWER_SERIES`]).
fn power_figure(power: &[Power], design: &TrialDesign, arms: &[String], replicates: u64) -> Figure {
    let sizes: Vec<f64> = {
        let mut v: Vec<f64> = power.iter().map(|p| p.sample_size as f64).collect();
        v.sort_by(f64::total_cmp);
        v.dedup();
        v
    };
    let (lo, hi) = (sizes[0], sizes[sizes.len() - 1]);
    let pad = ((hi - lo) * 0.05).max(1.0);
    let mut chart = Chart::new(
        "Power against sample size",
        Axis::new("Patients randomised (all arms)").range(lo - pad, hi + pad),
        Axis::new("Power (share of trials with p < α)")
            .percent()
            .range(0.0, 1.0)
            .tick_step(0.2),
    )
    .subtitle(format!(
        "{replicates} simulated trials per sample size; α = {}; 95% Wilson intervals",
        design.alpha
    ))
    .mark(Mark::hline(0.8, "80% power").dashed())
    .mark(Mark::hline(design.alpha, "α").dashed());
    // Comparisons are between randomised arms only (an extension's delayed-start arm is not).
    let randomised = design.randomised_arms();
    // Beyond what the palette tells apart, the figure keeps the primary endpoint.
    let all = design.endpoints.len() * (randomised - 1);
    let endpoints: &[_] = if all > MAX_POWER_SERIES {
        chart = chart.subtitle(format!(
            "{replicates} simulated trials per sample size; α = {}; 95% Wilson intervals; primary endpoint only (power.csv has every endpoint)",
            design.alpha
        ));
        &design.endpoints[..1]
    } else {
        &design.endpoints
    };
    if endpoints.len() * (randomised - 1) > 4 {
        chart = chart.legend(LegendPosition::Below);
    }
    for &endpoint in endpoints {
        for arm in 1..randomised {
            let rows: Vec<&Power> = power
                .iter()
                .filter(|p| p.endpoint == endpoint && p.arm == arm)
                .collect();
            let label = if randomised > 2 {
                format!("{endpoint}: {} vs {}", arms[arm], arms[0])
            } else {
                endpoint.to_string()
            };
            chart = chart.series(
                Series::new(
                    label,
                    rows.iter().map(|p| p.sample_size as f64).collect(),
                    rows.iter().map(|p| p.power).collect(),
                )
                .band(
                    rows.iter().map(|p| p.power_ci.0).collect(),
                    rows.iter().map(|p| p.power_ci.1).collect(),
                    "",
                )
                .markers(),
            );
        }
    }
    Figure::Line(chart)
}

/// Runs the trial and writes its result folder.
pub fn run(args: Args) -> anyhow::Result<()> {
    let s = scenario::load(&args.file)?;
    let Some(design) = s.trial().cloned() else {
        return Err(UsageError(format!(
            "{} has no [trial] table: `alssim trial` runs a trial design (docs/TRIALS.md); use \
             `alssim run` for a cohort",
            args.file.display()
        ))
        .into());
    };
    let s = super::run::overridden(
        &s,
        &alssim::scenario::Overrides {
            seed: args.seed,
            ..Default::default()
        },
    )?;
    super::run::warn_rule_breaks(&s, None);
    let sizes = sample_sizes(&args, &design)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out").join(format!("{}-trial", s.meta().name)));
    let staging = Staging::with(
        &out,
        Replace {
            force: args.force,
            own: Some("trial"),
        },
    )?;
    let threads = super::threads(args.threads);
    let spec = s.cohort_spec();
    let arm_names: Vec<String> = spec.arms().iter().map(|a| a.name.clone()).collect();
    let result = match trial::run_trial(&spec, &design, &sizes, args.replicates as usize, threads) {
        Err(e @ trial::TrialError::PoolTooSmall { .. }) => {
            return Err(UsageError(format!("{}: {e}", args.file.display())).into());
        }
        r => r?,
    };
    let finished = Finished {
        args: &args,
        s: &s,
        design: &design,
        arm_names: &arm_names,
        sizes: &sizes,
        result: &result,
    };
    write_results(&staging, &finished)?;
    let uncertain = match args.uncertainty {
        Some(n) => {
            let (text, csv) =
                with_uncertainty(&s, &design, &sizes, &args, usize::try_from(n)?, threads)?;
            staging.write("uncertainty.csv", csv.as_bytes())?;
            add_uncertainty_section(&staging, &text)?;
            Some(text)
        }
        None => None,
    };
    staging.commit()?;
    if args.quiet {
        crate::outln!("wrote {}", out.display());
        return Ok(());
    }
    let mut text = summary(&finished);
    if let Some(u) = uncertain {
        text.push_str(&u);
    }
    let _ = writeln!(text, "wrote {}", out.display());
    super::print_out(&text);
    Ok(())
}

/// The sample sizes to run, sorted and without repeats (the design's when none are given), with
/// the total number of randomised patients bounded.
fn sample_sizes(args: &Args, design: &TrialDesign) -> anyhow::Result<Vec<usize>> {
    let sizes: Vec<usize> = if args.sample_sizes.is_empty() {
        vec![design.sample_size]
    } else {
        let mut v: Vec<usize> = args.sample_sizes.iter().map(|&n| n as usize).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let runs = args
        .replicates
        .saturating_mul(sizes.len() as u64)
        .saturating_mul(sizes.iter().copied().max().unwrap_or(0) as u64);
    if runs > 200_000_000 {
        return Err(UsageError(format!(
            "{} replicates of up to {} patients at {} sample sizes is more than 200,000,000 \
             randomised patients; use fewer replicates or smaller samples",
            args.replicates,
            sizes.iter().max().unwrap_or(&0),
            sizes.len()
        ))
        .into());
    }
    Ok(sizes)
}

/// A finished trial run with what it was run from.
#[derive(Clone, Copy)]
struct Finished<'a> {
    args: &'a Args,
    s: &'a scenario::Scenario,
    design: &'a TrialDesign,
    arm_names: &'a [String],
    sizes: &'a [usize],
    result: &'a trial::TrialRun,
}

/// Writes the tables, the power figure and the report into the staging folder.
fn write_results(staging: &Staging, run: &Finished) -> anyhow::Result<()> {
    let (names, result) = (run.arm_names, run.result);
    staging.write(
        "trial.csv",
        trial::output::trial_csv(&result.sizes, names).as_bytes(),
    )?;
    staging.write(
        "power.csv",
        trial::output::power_csv(&result.power, names, run.args.replicates as usize).as_bytes(),
    )?;
    staging.write("flow.csv", trial::output::flow_csv(&result.flow).as_bytes())?;
    staging.write("trial-patients.csv", result.example_patients.as_bytes())?;
    staging.write("manifest.json", &tool_manifest("trial"))?;
    let mut png = None;
    if !run.args.no_plots && run.sizes.len() > 1 {
        let figure = power_figure(&result.power, run.design, names, run.args.replicates);
        figure.save(&staging.path(""), "power", &FigureOptions::default())?;
        png = std::fs::read(staging.path("power.png")).ok();
    }
    let report = alssim::report::trial::report_html(&alssim::report::trial::ReportInput {
        name: &run.s.meta().name,
        description: &run.s.meta().description,
        design: run.design,
        arm_names: names,
        flow: &result.flow,
        conduct: &result.example_conduct,
        sizes: &result.sizes,
        power: &result.power,
        power_png: png.as_deref(),
        seed: run.s.population().seed,
    });
    staging.write("report.html", report.as_bytes())?;
    Ok(())
}

/// The flow of patients, the design and the estimates, as printed on the terminal.
fn summary(run: &Finished) -> String {
    let Finished {
        args,
        s,
        design,
        arm_names,
        sizes,
        result,
    } = *run;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "alssim trial: {} ({}), seed {}\n",
        s.meta().name,
        if design.source.is_empty() {
            "no design source given"
        } else {
            &design.source
        },
        s.population().seed
    );
    flow_lines(&mut text, args, design, arm_names, sizes, &result.flow);
    for line in design.describe(arm_names) {
        let _ = writeln!(text, "{line}");
    }
    let _ = writeln!(
        text,
        "visits to month {:.1}; primary endpoint {}; α = {}\n",
        result.last_visit_months,
        design.primary(),
        design.alpha
    );
    if args.replicates == 1 {
        estimate_table(&mut text, arm_names, result);
    } else {
        power_table(&mut text, arm_names, &result.power);
    }
    let _ = writeln!(
        text,
        "\nestimates: {}",
        design
            .endpoints
            .iter()
            .map(|e: &Endpoint| format!("{e}: {}", e.estimate()))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let _ = writeln!(
        text,
        "paired: the same randomised patients' own course in the arm minus their own course in \
         the control (ALSFRS-R endpoints), which a real trial cannot see"
    );
    text
}

/// The flow line, and a note when the eligible pool is too small for independent trials.
fn flow_lines(
    text: &mut String,
    args: &Args,
    design: &TrialDesign,
    arm_names: &[String],
    sizes: &[usize],
    f: &trial::Flow,
) {
    let failures: u64 = f.screen_failures.iter().map(|x| x.1).sum();
    let excluded: u64 = f.excluded.iter().map(|x| x.1).sum();
    let _ = writeln!(
        text,
        "flow: {} screened, {} failed screening, {} enrolled, {} excluded by the trial's \
         criteria, {} eligible; {} randomised per trial ({})",
        f.screened,
        failures,
        f.enrolled,
        excluded,
        f.eligible,
        sizes
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        design
            .allocation
            .iter()
            .zip(arm_names)
            .map(|(a, n)| format!("{n} {a}"))
            .collect::<Vec<_>>()
            .join(" : ")
    );
    let largest = sizes.iter().copied().max().unwrap_or(0) as u64;
    if args.replicates > 1 && f.eligible < 5 * largest {
        // Two replicates drawing n of N share about n²/N patients.
        let shared = 100.0 * largest as f64 / f.eligible.max(1) as f64;
        let _ = writeln!(
            text,
            "note: each trial draws {largest} of only {} eligible patients, so two trials share about {shared:.0}% of their patients and the spread over trials is too small; raise `trial.pool` (now {})",
            f.eligible,
            design.pool_size()
        );
    }
}

/// One trial: each endpoint's estimate with its interval and p-value.
fn estimate_table(text: &mut String, arm_names: &[String], result: &trial::TrialRun) {
    let _ = writeln!(
        text,
        "{:<14} {:<22} {:>10} {:>22} {:>9} {:>6} {:>10}",
        "endpoint", "comparison", "estimate", "95% CI", "p", "n", "paired"
    );
    for x in result
        .sizes
        .iter()
        .flat_map(|s| s.replicates.iter().flatten())
    {
        let _ = writeln!(
            text,
            "{:<14} {:<22} {:>10} {:>22} {:>9} {:>6} {:>10}",
            x.endpoint.name(),
            format!("{} vs {}", arm_names[x.arm], arm_names[0]),
            fmt(x.estimate),
            format!("{} to {}", fmt(x.lower), fmt(x.upper)),
            fmt(x.p),
            x.n,
            fmt(x.paired)
        );
    }
}

/// Several trials: the share significant at each sample size.
fn power_table(text: &mut String, arm_names: &[String], power: &[Power]) {
    let _ = writeln!(
        text,
        "{:<14} {:<22} {:>7} {:>8} {:>16} {:>12} {:>10} {:>10}",
        "endpoint", "comparison", "size", "power", "95% CI", "mean est.", "sd", "paired"
    );
    for p in power {
        let _ = writeln!(
            text,
            "{:<14} {:<22} {:>7} {:>8} {:>16} {:>12} {:>10} {:>10}",
            p.endpoint.name(),
            format!("{} vs {}", arm_names[p.arm], arm_names[0]),
            p.sample_size,
            fmt(p.power),
            format!("{} to {}", fmt(p.power_ci.0), fmt(p.power_ci.1)),
            fmt(p.estimate_mean),
            fmt(p.estimate_sd),
            fmt(p.paired_mean)
        );
    }
}

/// The trial under `n` parameter sets drawn from the shipped posterior (draw `i` with seed
/// `scenario seed + i + 1`): the power and the mean estimate of every endpoint and comparison,
/// as the median over the draws with a 95% credible interval. Returns the printed text and
/// `uncertainty.csv` (one row per draw, sample size, endpoint and comparison).
fn with_uncertainty(
    s: &alssim::scenario::Scenario,
    design: &alssim::trial::TrialDesign,
    sizes: &[usize],
    args: &Args,
    n: usize,
    threads: usize,
) -> anyhow::Result<(String, String)> {
    use alssim::calibrate::uncertainty::{self, Interval};
    let (dims, particles) = uncertainty::bundled();
    let arm_names: Vec<String> = s.arms().iter().map(|a| a.name.clone()).collect();
    let mut csv = String::from("draw,particle,seed,sample_size,endpoint,arm,power,estimate_mean\n");
    let mut rows: Vec<Vec<trial::output::Power>> = Vec::new();
    for (i, (j, c)) in uncertainty::draws(s, &dims, &particles, n)
        .into_iter()
        .enumerate()
    {
        let run = trial::run_trial(
            &c.cohort_spec(),
            design,
            sizes,
            args.replicates as usize,
            threads,
        )?;
        for p in &run.power {
            let _ = writeln!(
                csv,
                "{},{j},{},{},{},{},{},{}",
                i + 1,
                c.population().seed,
                p.sample_size,
                p.endpoint,
                arm_names[p.arm],
                p.power,
                p.estimate_mean
            );
        }
        rows.push(run.power);
    }
    let mut text = format!(
        "\nwith parameter uncertainty: {n} parameter sets drawn from the posterior, {} trial(s) each; \
         medians over the draws with 95% credible intervals\n",
        args.replicates
    );
    for (k, p) in rows
        .first()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let power = Interval::of(rows.iter().map(|r| r[k].power));
        let estimate = Interval::of(rows.iter().map(|r| r[k].estimate_mean));
        let _ = writeln!(
            text,
            "  {} vs {} at {} patients, {}: power {}; mean estimate {} (no effect: {})",
            arm_names[p.arm],
            arm_names[0],
            p.sample_size,
            p.endpoint,
            power.text(2),
            estimate.text_against(3, p.endpoint.no_effect()),
            p.endpoint.no_effect()
        );
    }
    Ok((text, csv))
}

/// Adds the intervals (the printed lines) to the staged `report.html` as a section of its own.
fn add_uncertainty_section(staging: &Staging, text: &str) -> anyhow::Result<()> {
    use alssim::report::html::escape;
    let path = staging.path("report.html");
    let html = std::fs::read_to_string(&path)?;
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let mut section = format!(
        "<h2 id=\"uncertainty\">With parameter uncertainty</h2>\n<p>{} The model is calibrated to \
         natural history, not to trial results (docs/CALIBRATION.md).</p>\n<ul>\n",
        escape(lines.next().unwrap_or_default().trim())
    );
    for l in lines {
        section.push_str(&format!("<li>{}</li>\n", escape(l.trim())));
    }
    section.push_str("</ul>\n");
    let html = match html.rfind("</body>") {
        Some(at) => format!("{}{section}{}", &html[..at], &html[at..]),
        None => html + &section,
    };
    staging.write("report.html", html.as_bytes())?;
    Ok(())
}
