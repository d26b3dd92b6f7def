//! `alssim validate`: the default population against published natural history.

use alssim::calibrate::targets::{Class, Set};
use alssim::calibrate::uncertainty::Predictive;
use alssim::calibrate::validate::{self, Check, ValidationFigures};
use alssim::report::plot::FigureOptions;
use alssim::report::result_dir::{Replace, Staging, tool_manifest};
use std::path::PathBuf;
use std::process::ExitCode;

/// Options of `alssim validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Virtual patients in the natural-history cohort.
    #[arg(long, value_name = "N", default_value_t = 5000, value_parser = clap::value_parser!(u64).range(100..=10_000_000))]
    patients: u64,
    /// Master seed (default: the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Result folder; a previous result of `alssim validate` there is replaced.
    #[arg(long, value_name = "DIR", default_value = "out/validation")]
    out: PathBuf,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1024))]
    threads: Option<u64>,
    /// Replace an existing result folder written by another command.
    #[arg(long)]
    force: bool,
    /// Print only the verdict.
    #[arg(long)]
    quiet: bool,
    /// Write only the tables, without the figures (PNG and SVG).
    #[arg(long)]
    no_plots: bool,
    /// Override a model parameter of the default population, NAME=VALUE (repeatable; `alssim
    /// params` lists the names): checks a parameter change against the published targets.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    set: Vec<String>,
    /// Override how much a model parameter varies between the patients of the default
    /// population, NAME=CV: its coefficient of variation, 0 to 3 (repeatable; replaces the
    /// parameter's entry of the default variability table or adds one; 0 makes every patient
    /// typical in that parameter).
    #[arg(long = "cv", value_name = "NAME=CV")]
    cv: Vec<String>,
    /// Correlate the between-patient variability of two parameters of the default population,
    /// NAME,NAME=RHO: the correlation of their log-scale draws, -0.99 to 0.99 (repeatable; both
    /// need variability, from the default table or `--cv`).
    #[arg(long = "correlation", value_name = "NAME,NAME=RHO")]
    correlation: Vec<String>,
    /// Also run the posterior predictive check: the validation under N parameter sets drawn
    /// from the shipped posterior (each with its own patients), and for every target the 95%
    /// interval of its simulated value (predictive.csv; a section of validation.md). The exit
    /// code stays that of the validation at the defaults.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(2..=10_000))]
    uncertainty: Option<u64>,
}

/// Reads the `--cv NAME=CV` items: the parameter and its coefficient of variation (its range is
/// checked when it is applied).
fn parse_cv_list(items: &[String]) -> Result<Vec<(alssim::model::Param, f64)>, super::UsageError> {
    items
        .iter()
        .map(|item| {
            super::simulate::parse_param_number(
                item,
                "--cv",
                "NAME=CV",
                "neuronal_vulnerability=1.2",
            )
        })
        .collect()
}

/// Two parameters and the correlation of their log-scale draws.
type ParamPair = (alssim::model::Param, alssim::model::Param, f64);

/// Reads the `--correlation NAME,NAME=RHO` items (the range and the pair are checked when they
/// are applied).
fn parse_correlation_list(items: &[String]) -> Result<Vec<ParamPair>, super::UsageError> {
    let usage = |item: &str| {
        super::UsageError(format!(
            "--correlation `{item}`: expected NAME,NAME=RHO, e.g. --correlation \
             neuronal_vulnerability,spread_contiguous=0.5"
        ))
    };
    items
        .iter()
        .map(|item| {
            let (names, rho) = item.split_once('=').ok_or_else(|| usage(item))?;
            let (a, b) = names.split_once(',').ok_or_else(|| usage(item))?;
            let rho: f64 = rho.trim().parse().map_err(|_| {
                super::UsageError(format!("--correlation {names}: `{rho}` is not a number"))
            })?;
            let param = |n: &str| {
                n.trim()
                    .parse::<alssim::model::Param>()
                    .map_err(|e| super::UsageError(format!("--correlation: {e}")))
            };
            Ok((param(a)?, param(b)?, rho))
        })
        .collect()
}

fn line(c: &Check) -> String {
    let e = c.estimate;
    format!(
        "  {:<5} {:<4} {:<10} {:<34} simulated {:>8.3}   published {:>7}   accepted {}",
        if c.passed() { "ok" } else { "MISS" },
        c.target.class.name(),
        c.target.set.name(),
        c.target.id,
        e.value,
        c.target.value,
        alssim::calibrate::targets::accepted_text(c.target.accept)
    )
}

/// Exit 0 when every hard target passes, 3 when one does not.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let s = super::run::overridden(
        &validate::natural_history(),
        &alssim::scenario::Overrides {
            seed: args.seed,
            patients: Some(args.patients),
            set: super::run::parse_set_list(&args.set)?,
            variability: parse_cv_list(&args.cv)?,
            correlations: parse_correlation_list(&args.correlation)?,
            ..Default::default()
        },
    )?;
    let threads = super::threads(args.threads);
    // Taken before simulating, so a folder that may not be replaced is refused at once.
    let staging = Staging::with(
        &args.out,
        Replace {
            force: args.force,
            own: Some("validate"),
        },
    )?;
    let cohorts = validate::simulate(&s, threads)?;
    let checks = validate::check(&cohorts);
    let main = &cohorts.main;
    let mut md = validate::to_markdown(&checks, args.patients, s.population().seed);
    if !args.set.is_empty() || !args.cv.is_empty() || !args.correlation.is_empty() {
        // Said at the top, so that a table produced with changed parameters is never mistaken
        // for the defaults.
        let mut said = String::new();
        if !args.set.is_empty() {
            said.push_str(&format!(
                "Model parameters changed from their defaults: {}.\n\n",
                args.set.join(", ")
            ));
        }
        if !args.cv.is_empty() {
            said.push_str(&format!(
                "Between-patient coefficients of variation changed from the default population's: \
                 {}.\n\n",
                args.cv.join(", ")
            ));
        }
        if !args.correlation.is_empty() {
            said.push_str(&format!(
                "Between-patient correlations added to the default population's (log-scale \
                 draws): {}.\n\n",
                args.correlation.join(", ")
            ));
        }
        let at = md.find("\n\n").map_or(md.len(), |i| i + 2);
        md.insert_str(at, &said);
    }
    let shape = validate::shape_markdown(main);
    md.push_str(&shape);
    if !args.no_plots {
        md.push_str(&draw_figures(&staging, &s, main, args.patients)?);
    }
    let predictive = match args.uncertainty {
        Some(n) => {
            let (dims, particles) = alssim::calibrate::uncertainty::bundled();
            let p = alssim::calibrate::uncertainty::predictive_check(
                &s,
                &dims,
                &particles,
                usize::try_from(n)?,
                threads,
                |_| {},
            )?;
            md.push_str(&predictive_markdown(&p, n, args.patients));
            staging.write("predictive.csv", predictive_csv(&p).as_bytes())?;
            Some(p)
        }
        None => None,
    };
    staging.write("validation.csv", validate::to_csv(&checks).as_bytes())?;
    staging.write("validation.md", md.as_bytes())?;
    staging.write("manifest.json", &tool_manifest("validate"))?;
    staging.commit()?;
    let hard_missed: Vec<&Check> = checks
        .iter()
        .filter(|c| c.target.class == Class::Hard && !c.passed())
        .collect();
    if !args.quiet {
        print_checks(&args, &s, &checks, &shape, predictive.as_deref());
    }
    Ok(verdict(&hard_missed))
}

/// The validation figures, drawn into the staging folder; returns their Markdown section.
fn draw_figures(
    staging: &Staging,
    s: &alssim::scenario::Scenario,
    main: &[alssim::cohort::Outcome],
    patients: u64,
) -> anyhow::Result<String> {
    let figures = ValidationFigures::new(
        main,
        format!(
            "{} scenario, {patients} patients, seed {}",
            s.meta().name,
            s.population().seed
        ),
    );
    let dir = staging.path("");
    let options = FigureOptions::default();
    let mut names = Vec::new();
    for (name, figure) in figures.figures() {
        figure.save(&dir, name, &options)?;
        names.push(name);
    }
    Ok(validate::figures_markdown(&names))
}

/// Prints the verdict: exit 0 when every hard target passes, 3 when one does not.
fn verdict(hard_missed: &[&Check]) -> ExitCode {
    if hard_missed.is_empty() {
        crate::outln!("every hard target passes");
        ExitCode::SUCCESS
    } else {
        let ids: Vec<&str> = hard_missed.iter().map(|c| c.target.id.as_str()).collect();
        crate::outln!(
            "{} hard target{} missed: {}",
            ids.len(),
            if ids.len() == 1 { "" } else { "s" },
            ids.join(", ")
        );
        ExitCode::from(super::EXIT_VALIDATION)
    }
}

/// The printed report: every check, the shape of the decline and the predictive check.
fn print_checks(
    args: &Args,
    s: &alssim::scenario::Scenario,
    checks: &[Check],
    shape: &str,
    predictive: Option<&[Predictive]>,
) {
    crate::outln!(
        "alssim validate: {} patients, seed {} (also {} SOD1 A4V and {} FUS carriers, {} \
         carriers of each of {} genotypes followed from disease initiation, {} screened for \
         the trial-like cohort)\n",
        args.patients,
        s.population().seed,
        validate::SOD1_A4V_PATIENTS,
        validate::FUS_PATIENTS,
        validate::PRESYMPTOMATIC_PATIENTS,
        validate::PRESYMPTOMATIC_GENOTYPES.len(),
        validate::TRIAL_PATIENTS
    );
    for c in checks {
        crate::outln!("{}", line(c));
    }
    // The shape of the decline, reported without a target.
    for l in shape.lines().filter(|l| l.starts_with("- ")) {
        crate::outln!("\n{}", &l[2..]);
    }
    if let Some(p) = predictive {
        crate::outln!("\n{}", predictive_summary(p));
    }
    crate::outln!("\nwrote {}", args.out.display());
}

fn predictive_csv(p: &[Predictive]) -> String {
    let mut out = String::from(
        "id,class,set,published,predictive_low,predictive_median,predictive_high,draws,contains_published\n",
    );
    for x in p {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            x.target.id,
            x.target.class.name(),
            x.target.set.name(),
            x.target.value,
            x.interval.lo,
            x.interval.median,
            x.interval.hi,
            x.interval.n,
            x.contains_published()
        ));
    }
    out
}

/// Per set: how many hard targets' predictive intervals contain the published value, and
/// which do not.
fn predictive_summary(p: &[Predictive]) -> String {
    let mut out = String::from("posterior predictive check (95% intervals over the draws):");
    for set in [Set::Fit, Set::Validation] {
        let hard: Vec<&Predictive> = p
            .iter()
            .filter(|x| x.target.class == Class::Hard && x.target.set == set)
            .collect();
        let missed: Vec<&str> = hard
            .iter()
            .filter(|x| !x.contains_published())
            .map(|x| x.target.id.as_str())
            .collect();
        out.push_str(&format!(
            "\n  {} set: {} of {} hard targets contain the published value{}",
            set.name(),
            hard.len() - missed.len(),
            hard.len(),
            if missed.is_empty() {
                String::new()
            } else {
                format!("; not: {}", missed.join(", "))
            }
        ));
    }
    out
}

fn predictive_markdown(p: &[Predictive], n: u64, patients: u64) -> String {
    let mut out = format!(
        "\n## Posterior predictive check\n\nThe same validation under {n} parameter sets drawn from the shipped posterior \
         ({patients} patients each, seeds after the validation's): the 95% interval of each statistic over the draws, and \
         whether it contains the published value.\n\n{}\n\n| target | class | set | published | predictive 95% | contains |\n|---|---|---|---|---|---|\n",
        predictive_summary(p).replace("\n  ", "\n- ")
    );
    for x in p {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {:.3} to {:.3} | {} |\n",
            x.target.id,
            x.target.class.name(),
            x.target.set.name(),
            x.target.value,
            x.interval.lo,
            x.interval.hi,
            if x.contains_published() {
                "yes"
            } else {
                "**no**"
            }
        ));
    }
    out
}
