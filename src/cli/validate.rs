//! `alssim validate`: the default population against published natural history.

use alssim::calibrate::targets::Class;
use alssim::calibrate::validate::{self, Check, ValidationFigures};
use alssim::report::plot::FigureOptions;
use alssim::report::result_dir::Staging;
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
    /// Result folder.
    #[arg(long, value_name = "DIR", default_value = "out/validation")]
    out: PathBuf,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1024))]
    threads: Option<u64>,
    /// Replace an existing result folder.
    #[arg(long)]
    force: bool,
    /// Print only the verdict.
    #[arg(long)]
    quiet: bool,
    /// Write only the tables, without the figures (PNG and SVG).
    #[arg(long)]
    no_plots: bool,
}

fn line(c: &Check) -> String {
    let e = c.estimate;
    format!(
        "  {:<5} {:<4} {:<30} simulated {:>8.3}   published {:>7}   accepted {} to {}",
        if c.passed() { "ok" } else { "MISS" },
        if c.target.class == Class::Hard {
            "hard"
        } else {
            "soft"
        },
        c.target.id,
        e.value,
        c.target.value,
        c.target.accept[0],
        c.target.accept[1]
    )
}

/// Exit 0 when every hard target passes, 3 when one does not.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut s = validate::natural_history();
    s.population.size = args.patients;
    if let Some(seed) = args.seed {
        s.population.seed = seed;
    }
    let threads = super::threads(args.threads);
    let cohorts = validate::simulate(&s, threads)?;
    let checks = validate::check(&cohorts);
    let main = &cohorts.main;
    let staging = Staging::new(&args.out, args.force)?;
    let mut md = validate::to_markdown(&checks, args.patients, s.population.seed);
    let shape = validate::shape_markdown(main);
    md.push_str(&shape);
    if !args.no_plots {
        let figures = ValidationFigures::new(
            main,
            format!(
                "{} scenario, {} patients, seed {}",
                s.meta.name, args.patients, s.population.seed
            ),
        );
        let dir = staging.path("");
        let options = FigureOptions::default();
        let mut names = Vec::new();
        for (name, figure) in figures.figures() {
            figure.save(&dir, name, &options)?;
            names.push(name);
        }
        md.push_str(&validate::figures_markdown(&names));
    }
    staging.write("validation.csv", validate::to_csv(&checks).as_bytes())?;
    staging.write("validation.md", md.as_bytes())?;
    staging.commit()?;
    let hard_missed: Vec<&Check> = checks
        .iter()
        .filter(|c| c.target.class == Class::Hard && !c.passed())
        .collect();
    if !args.quiet {
        crate::outln!(
            "alssim validate: {} patients, seed {}\n",
            args.patients,
            s.population.seed
        );
        for c in &checks {
            crate::outln!("{}", line(c));
        }
        // The shape of the decline, reported without a target.
        for l in shape.lines().filter(|l| l.starts_with("- ")) {
            crate::outln!("\n{}", &l[2..]);
        }
        crate::outln!("\nwrote {}", args.out.display());
    }
    if hard_missed.is_empty() {
        crate::outln!("every hard target passes");
        Ok(ExitCode::SUCCESS)
    } else {
        let ids: Vec<&str> = hard_missed.iter().map(|c| c.target.id.as_str()).collect();
        crate::outln!(
            "{} hard target{} missed: {}",
            ids.len(),
            if ids.len() == 1 { "" } else { "s" },
            ids.join(", ")
        );
        Ok(ExitCode::from(super::EXIT_VALIDATION))
    }
}
