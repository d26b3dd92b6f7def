//! `alssim run`: a scenario's virtual cohort.

use super::UsageError;
use super::check::load_or_report;
use alssim::cohort;
use alssim::report::cohort::{count, failures_json, patients_csv, summary_csv};
use alssim::report::result_dir::write_dir;
use alssim::scenario;
use anyhow::Context;
use std::path::PathBuf;
use std::time::Instant;

/// Options of `alssim run`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  alssim run scenarios/natural-history.toml --patients 200 --force"
)]
pub struct Args {
    /// Scenario file.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Result folder (default: out/<scenario name>).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Master seed, replacing `population.seed`.
    #[arg(long)]
    seed: Option<u64>,
    /// Number of virtual patients screened, replacing `population.size`.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=scenario::MAX_PATIENTS))]
    patients: Option<u64>,
    /// Worker threads (1 runs serially; default: all cores). Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1024))]
    threads: Option<u64>,
    /// Replace an existing result folder.
    #[arg(long)]
    force: bool,
    /// Print nothing but errors.
    #[arg(long)]
    quiet: bool,
}

/// FNV-1a, 64 bit: a stable fingerprint of the resolved scenario text.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut s = load_or_report(&args.file)?;
    if let Some(seed) = args.seed {
        s.population.seed = seed;
    }
    if let Some(n) = args.patients {
        s.population.size = n;
    }
    let threads = match args.threads {
        Some(t) => usize::try_from(t).map_err(|_| UsageError("--threads is too large".into()))?,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out").join(&s.meta.name));
    if dir.exists() && !args.force {
        anyhow::bail!(
            "{} already exists; use --force to replace it, or --out to choose another folder",
            dir.display()
        );
    }
    let spec = s.cohort_spec();
    let started = Instant::now();
    let outcomes = cohort::run(&spec, 0..s.population.size, threads)
        .context("cannot start the worker threads")?;
    let wall = started.elapsed().as_secs_f64();
    let counts = count(&outcomes);
    let resolved = scenario::to_toml(&s);
    let mut files: Vec<(&str, Vec<u8>)> = Vec::new();
    if s.simulation.summary {
        files.push(("summary.csv", summary_csv(&spec, &outcomes).into_bytes()));
    }
    if s.simulation.patients {
        files.push(("patients.csv", patients_csv(&spec, &outcomes).into_bytes()));
    }
    let failures: serde_json::Map<String, serde_json::Value> = cohort::ScreenFailure::ALL
        .iter()
        .zip(counts.screen_failures)
        .map(|(r, n)| (r.name().to_string(), serde_json::json!(n)))
        .collect();
    let manifest = serde_json::json!({
        "program": "alssim",
        "version": env!("CARGO_PKG_VERSION"),
        "scenario": s.meta.name,
        "scenario_file": args.file.display().to_string(),
        "scenario_hash_fnv1a64": format!("{:016x}", fnv1a(resolved.as_bytes())),
        "seed": s.population.seed,
        "threads": threads,
        "wall_seconds": wall,
        "patients_per_second": counts.screened as f64 / wall.max(1e-9),
        "screened": counts.screened,
        "enrolled": counts.enrolled,
        "screen_failures": failures,
        "failed": counts.failed,
        "failures": failures_json(&outcomes),
        "solver": {
            "rhs_evaluations": counts.rhs_evaluations,
            "accepted_steps": counts.accepted_steps,
            "rejected_steps": counts.rejected_steps,
        },
        "resolved_scenario": resolved,
    });
    let manifest =
        serde_json::to_string_pretty(&manifest).context("cannot encode the manifest")? + "\n";
    files.push(("manifest.json", manifest.into_bytes()));
    write_dir(&dir, &files, args.force)?;
    if !args.quiet {
        println!(
            "alssim run: scenario `{}`: {} screened, {} enrolled, {} failed, in {:.2} s on {} thread{}",
            s.meta.name,
            counts.screened,
            counts.enrolled,
            counts.failed,
            wall,
            threads,
            if threads == 1 { "" } else { "s" }
        );
        let reasons: Vec<String> = cohort::ScreenFailure::ALL
            .iter()
            .zip(counts.screen_failures)
            .filter(|(_, n)| *n > 0)
            .map(|(r, n)| format!("{} {n}", r.name()))
            .collect();
        if !reasons.is_empty() {
            println!("screen failures: {}", reasons.join(", "));
        }
        println!("wrote {}", dir.display());
    }
    if counts.failed > 0 {
        eprintln!(
            "warning: {} patient{} failed to integrate; see `failures` in {}",
            counts.failed,
            if counts.failed == 1 { "" } else { "s" },
            dir.join("manifest.json").display()
        );
    }
    Ok(())
}
