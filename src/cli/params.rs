//! `alssim params`: the parameter registry.

use alssim::model::params::{self, PARAMETERS};

/// Options of `alssim params`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print a Markdown table (as in docs/MODEL.md) instead of one line per parameter.
    #[arg(long)]
    markdown: bool,
    /// Print the priors of the parameters and of their between-patient spread (a Markdown
    /// table, as in docs/MODEL.md; the bundled `priors.toml` of the Bayesian calibration).
    #[arg(long)]
    priors: bool,
    /// Show only the parameters whose name contains this text.
    filter: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if args.priors {
        crate::cli::print_out(&alssim::calibrate::priors::markdown_table(
            &alssim::calibrate::priors::bundled(),
        ));
        return Ok(());
    }
    if args.markdown {
        crate::cli::print_out(&params::markdown_table());
        return Ok(());
    }
    let matching: Vec<_> = PARAMETERS
        .iter()
        .filter(|p| args.filter.as_deref().is_none_or(|f| p.name.contains(f)))
        .collect();
    if matching.is_empty() {
        return Err(crate::cli::UsageError(format!(
            "no parameter name contains `{}`; `alssim params` lists all {}",
            alssim::input::clip(&args.filter.unwrap_or_default(), 60),
            PARAMETERS.len()
        ))
        .into());
    }
    for p in matching {
        crate::outln!("{p}\n    source: {}", p.source);
    }
    Ok(())
}
