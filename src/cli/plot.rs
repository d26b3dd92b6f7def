//! `alssim plot`: figures and report.html of an existing result folder.

use super::UsageError;
use alssim::report::figures::{DrawOptions, GROUPS, draw, formats};
use alssim::report::plot::{DEFAULT_HEIGHT, DEFAULT_WIDTH, FigureOptions, MAX_SIZE, MIN_SIZE};
use std::path::PathBuf;

/// Options of `alssim plot`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Figures: alsfrs_fan (also alsfrs_fan_onset, or alsfrs_fan_enrollment with\n  \
    visits from onset, when trajectories.parquet is present), domains (the four\n  \
    domain subscores in one figure), survival, nfl, fvc, mechanisms\n  \
    (mechanisms_neurons, ...), drug_effects (with therapies), treatment_effects\n  \
    (with two arms or more).\n\
    Examples:\n  alssim plot out/natural-history\n  \
    alssim plot out/trial-like --only survival,alsfrs_fan --format svg"
)]
pub struct Args {
    /// Result folder written by `alssim run` or `alssim merge`.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Draw only these figures or groups (comma-separated).
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    only: Option<Vec<String>>,
    /// Image formats: png, svg or both.
    #[arg(long, value_name = "FORMAT", default_value = "both")]
    format: String,
    /// Figure width in pixels.
    #[arg(long, value_name = "PX", default_value_t = DEFAULT_WIDTH)]
    width: u32,
    /// Figure height in pixels.
    #[arg(long, value_name = "PX", default_value_t = DEFAULT_HEIGHT)]
    height: u32,
    /// Print nothing but errors.
    #[arg(long)]
    quiet: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let formats = formats(&args.format).ok_or_else(|| {
        UsageError(format!(
            "--format `{}`: expected png, svg or both",
            args.format
        ))
    })?;
    for (what, v) in [("--width", args.width), ("--height", args.height)] {
        if !(MIN_SIZE..=MAX_SIZE).contains(&v) {
            return Err(UsageError(format!(
                "{what} {v}: expected {MIN_SIZE} to {MAX_SIZE} pixels"
            ))
            .into());
        }
    }
    if let Some(only) = &args.only {
        for name in only {
            let known = GROUPS.contains(&name.as_str())
                || ["alsfrs_fan_onset", "alsfrs_fan_enrollment"].contains(&name.as_str())
                || name.starts_with("mechanisms_")
                || name.starts_with("treatment_effects");
            if !known {
                return Err(UsageError(format!(
                    "--only: no figure `{name}` (figures: {})",
                    GROUPS.join(", ")
                ))
                .into());
            }
        }
    }
    if !args.dir.is_dir() {
        return Err(UsageError(format!("{} is not a folder", args.dir.display())).into());
    }
    let options = DrawOptions {
        only: args.only,
        figure: FigureOptions {
            width: args.width,
            height: args.height,
            formats,
        },
        html: true,
    };
    let started = std::time::Instant::now();
    let drawn = draw(&args.dir, &args.dir, &options)?;
    for w in &drawn.warnings {
        eprintln!("warning: {w}");
    }
    if !args.quiet {
        crate::outln!(
            "alssim plot: wrote {} files into {} in {:.2} s",
            drawn.written.len(),
            args.dir.display(),
            started.elapsed().as_secs_f64()
        );
    }
    if drawn.written.len() <= 1 && !drawn.warnings.is_empty() {
        anyhow::bail!("no figure could be drawn");
    }
    Ok(())
}
