//! `alssim simulate`: one virtual patient.

use super::UsageError;
use alssim::model::patient::{AGE_RANGE, DIAGNOSTIC_DELAY_RANGE};
use alssim::model::{Covariates, Genotype, Param, Params, Region, Sex};
use alssim::report::patient_table::{OnePatientError, simulate_one};
use alssim::report::write_atomic;
use anyhow::Context;
use std::path::PathBuf;

/// Options of `alssim simulate`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  alssim simulate --onset-region bulbar --age 70 --csv bulbar.csv"
)]
pub struct Args {
    /// Region where the disease starts: bulbar, cervical (arms), thoracic (respiratory) or
    /// lumbar (legs).
    #[arg(long, default_value = "cervical", value_parser = parse_region)]
    onset_region: Region,
    /// Genetic background: sporadic, c9orf72, sod1, sod1-a4v, tardbp or fus.
    #[arg(long, default_value = "sporadic", value_parser = parse_genotype)]
    genotype: Genotype,
    /// Age at onset, years (18-100).
    #[arg(long, default_value_t = 60.0, value_parser = parse_age)]
    age: f64,
    /// Sex: female or male (recorded; no effect on the dynamics at present).
    #[arg(long, default_value = "male", value_parser = parse_sex)]
    sex: Sex,
    /// Referral delay: months from onset to diagnosis, unless the disease is recognised sooner
    /// by its loss of function (0-120).
    #[arg(long, default_value_t = 15.0, value_parser = parse_delay)]
    diagnostic_delay: f64,
    /// Months of follow-up after onset (the table stops earlier at death).
    #[arg(long, default_value_t = 120.0, value_parser = parse_positive)]
    horizon: f64,
    /// Months between visits.
    #[arg(long, default_value_t = 1.0, value_parser = parse_positive)]
    interval: f64,
    /// Seed of the rater noise of the observed ALSFRS-R items and, on a stream of its own, of the
    /// patient's disease activity over time.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Override a model parameter, NAME=VALUE (repeatable; `alssim params` lists the names).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    set: Vec<String>,
    /// Also write the table as CSV to this file (written whole or not at all).
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Also print the model states of every region at each visit: motor units alive and
    /// dysfunctional, motor capacity, aggregate, soluble species, oxidative stress, microglia,
    /// astrocytes and glutamate.
    #[arg(long)]
    states: bool,
    /// Write the regional states as long-form CSV (one row per visit and region) to this file
    /// (written whole or not at all).
    #[arg(long, value_name = "FILE")]
    states_csv: Option<PathBuf>,
}

/// Columns of the regional state table.
const STATE_COLUMNS: [&str; 12] = [
    "months_since_onset",
    "region",
    "neurons",
    "dysfunctional",
    "functional",
    "capacity",
    "aggregate",
    "soluble",
    "oxidative",
    "microglia",
    "astrocytes",
    "glutamate",
];

/// One row per visit and region: the states of the model (untreated, so no drug modulation).
fn state_rows(solution: &alssim::solve::Solution, onset: f64, months: &[f64]) -> Vec<Vec<String>> {
    let model = solution.model();
    let m = alssim::model::Modulation::default();
    let mut rows = Vec::new();
    for &t in months {
        let Some(y) = solution.state_at(onset + t) else {
            continue;
        };
        let capacity = model.capacities(&y);
        for region in Region::ALL {
            use alssim::model::RegionVar as V;
            let values = [
                y[region.neurons()],
                y[region.dysfunctional()],
                model.functional(&y, region),
                capacity[region.index()],
                y[region.aggregate()],
                model.soluble(&y, region, &m),
                model.oxidative(&y, region, &m),
                y[region.idx(V::Microglia)],
                y[region.idx(V::Astrocytes)],
                model.glutamate(&y, region, &m),
            ];
            let mut row = vec![format!("{t:.1}"), region.to_string()];
            row.extend(values.iter().map(|v| format!("{v:.4}")));
            rows.push(row);
        }
    }
    rows
}

fn parse_region(s: &str) -> Result<Region, String> {
    Region::parse(s).ok_or_else(|| {
        format!("unknown region `{s}`; accepted: bulbar, cervical, thoracic, lumbar")
    })
}

fn parse_genotype(s: &str) -> Result<Genotype, String> {
    Genotype::parse(s).ok_or_else(|| {
        let names: Vec<_> = Genotype::ALL.iter().map(|g| g.name()).collect();
        format!("unknown genotype `{s}`; accepted: {}", names.join(", "))
    })
}

fn parse_sex(s: &str) -> Result<Sex, String> {
    Sex::parse(s).ok_or_else(|| format!("unknown sex `{s}`; accepted: female, male"))
}

fn parse_in(s: &str, lo: f64, hi: f64, unit: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is out of range: accepted {lo} to {hi} {unit}"))
    }
}

fn parse_age(s: &str) -> Result<f64, String> {
    parse_in(s, AGE_RANGE.0, AGE_RANGE.1, "years")
}

fn parse_delay(s: &str) -> Result<f64, String> {
    parse_in(
        s,
        DIAGNOSTIC_DELAY_RANGE.0,
        DIAGNOSTIC_DELAY_RANGE.1,
        "months",
    )
}

fn parse_positive(s: &str) -> Result<f64, String> {
    let v = parse_in(s, 0.0, 1200.0, "months")?;
    if v > 0.0 {
        Ok(v)
    } else {
        Err("must be greater than 0".into())
    }
}

/// Reads one `--set NAME=VALUE` argument: the parameter and the value (its range is checked
/// when it is applied).
pub(crate) fn parse_set(item: &str) -> Result<(Param, f64), UsageError> {
    parse_param_number(item, "--set", "NAME=VALUE", "agg_growth_rate=0.3")
}

/// Reads one `OPTION NAME=NUMBER` argument naming a model parameter (`--set`, `--cv`); errors
/// name the option and show `example` of the accepted form `form`.
pub(crate) fn parse_param_number(
    item: &str,
    option: &str,
    form: &str,
    example: &str,
) -> Result<(Param, f64), UsageError> {
    let (name, value) = item.split_once('=').ok_or_else(|| {
        UsageError(format!(
            "{option} `{item}`: expected {form}, e.g. {option} {example}"
        ))
    })?;
    let value: f64 = value
        .trim()
        .parse()
        .map_err(|_| UsageError(format!("{option} {name}: `{value}` is not a number")))?;
    let param = name
        .trim()
        .parse()
        .map_err(|e| UsageError(format!("{option}: {e}")))?;
    Ok((param, value))
}

/// Most rows `simulate` prints: a table longer than this is a mistake in `--interval`.
pub const MAX_ROWS: f64 = 100_000.0;

pub fn run(args: Args) -> anyhow::Result<()> {
    let rows = (args.horizon / args.interval).floor() + 1.0;
    if rows > MAX_ROWS {
        return Err(UsageError(format!(
            "--interval {}: {} rows over a horizon of {} months is more than the limit of {} \
             rows; accepted: an interval of at least {:.6} months",
            alssim::input::readable(args.interval),
            alssim::input::readable(rows),
            args.horizon,
            MAX_ROWS,
            args.horizon / (MAX_ROWS - 1.0) + 5e-7
        ))
        .into());
    }
    let set = args
        .set
        .iter()
        .map(|item| parse_set(item))
        .collect::<Result<Vec<_>, _>>()?;
    let mut params = Params::default();
    params
        .set_all(&set)
        .map_err(|e| UsageError(format!("--set: {e}")))?;
    let covariates = Covariates {
        age_years: args.age,
        sex: args.sex,
        onset_region: args.onset_region,
        genotype: args.genotype,
        diagnostic_delay_months: args.diagnostic_delay,
    };
    let (solution, table) =
        match simulate_one(params, covariates, args.horizon, args.interval, args.seed) {
            Ok(done) => done,
            Err(OnePatientError::Model(e)) => return Err(UsageError(e.to_string()).into()),
            Err(e) => return Err(e.into()),
        };
    crate::outln!(
        "alssim simulate: {} onset, {}, age {}, {} (seed {})\n",
        args.onset_region,
        args.genotype,
        args.age,
        args.sex.name(),
        args.seed
    );
    crate::cli::print_out(&table.to_text());
    print_events(&solution);
    let ev = solution.events();
    let onset = ev.onset.unwrap_or(0.0);
    if args.states || args.states_csv.is_some() {
        let months: Vec<f64> = (0..rows as usize)
            .map(|i| i as f64 * args.interval)
            .filter(|&t| ev.death.is_none_or(|d| onset + t <= d))
            .collect();
        write_states(&args, &state_rows(&solution, onset, &months))?;
    }
    if let Some(path) = &args.csv {
        write_atomic(path, table.to_csv().as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        crate::outln!("\nwrote {}", path.display());
    }
    Ok(())
}

/// The located events, in months since onset and since disease initiation.
fn print_events(solution: &alssim::solve::Solution) {
    crate::outln!("\nEvents (months since onset; since disease initiation in brackets):");
    let ev = solution.events();
    let onset = ev.onset.unwrap_or(0.0);
    // Why an event has no time: death came first, or follow-up ended.
    let missing = |t: Option<f64>| match (t, ev.death) {
        (Some(_), _) => String::new(),
        (None, Some(_)) => "not indicated before death".to_string(),
        (None, None) => "not reached within follow-up".to_string(),
    };
    let fmt = |t: Option<f64>, what: &str, why: &str| match t {
        Some(t) => format!("  {what:<34} {:7.2}  ({t:.2})", t - onset),
        None => format!("  {what:<34}       -  ({why})"),
    };
    crate::outln!(
        "{}",
        fmt(ev.onset, "clinical onset", "not reached within follow-up")
    );
    if let Some(region) = solution.onset_region() {
        crate::outln!("  {:<34} {region}", "onset region");
    }
    let diagnosis_why = if ev.diagnosis.is_none() && ev.death.is_some() {
        "died before diagnosis".to_string()
    } else {
        missing(ev.diagnosis)
    };
    crate::outln!("{}", fmt(ev.diagnosis, "diagnosis", &diagnosis_why));
    crate::outln!(
        "{}",
        fmt(
            ev.gastrostomy,
            "gastrostomy indicated (King's 4A)",
            &missing(ev.gastrostomy)
        )
    );
    crate::outln!(
        "{}",
        fmt(ev.niv, "NIV indicated (King's 4B)", &missing(ev.niv))
    );
    crate::outln!(
        "{}",
        fmt(
            ev.death,
            "death or permanent ventilation",
            "not reached within follow-up"
        )
    );
}

/// The regional states: printed with `--states`, written with `--states-csv`.
fn write_states(args: &Args, state_table: &[Vec<String>]) -> anyhow::Result<()> {
    if args.states {
        crate::outln!(
            "\nModel states by region (fractions of the healthy pool; aggregate, soluble \
             species, oxidative stress and glutamate relative to their scales in docs/MODEL.md):\n"
        );
        use crate::cli::table::{Align, render};
        let mut header = STATE_COLUMNS;
        header[0] = "month";
        let mut align = [Align::Right; STATE_COLUMNS.len()];
        align[1] = Align::Left;
        crate::cli::print_out(&render(&header, &align, state_table));
    }
    if let Some(path) = &args.states_csv {
        let mut csv = STATE_COLUMNS.join(",");
        csv.push('\n');
        for row in state_table {
            csv.push_str(&row.join(","));
            csv.push('\n');
        }
        write_atomic(path, csv.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        crate::outln!("\nwrote {}", path.display());
    }
    Ok(())
}
