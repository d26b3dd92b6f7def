//! `alssim whatif`: compare therapies on the default population without writing a file.

use alssim::model::Genotype;
use alssim::report::figures::median_text;
use alssim::report::run::{RunOptions, run_scenario};
use alssim::results::ResultData;
use alssim::results::estimates::{mean_slope, survival};
use alssim::scenario::{self, Scenario};
use std::path::PathBuf;

/// Options of `alssim whatif`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Each ARM is a drug name or drugs joined by `+`; an untreated control arm \
    is added first. Prints per arm the median survival and ALSFRS-R slope against control, who \
    benefits (each patient's survival gain and the characteristics that go with it), and for a \
    combination given beside its single drugs the additive and Bliss expectations.\n\nExamples:\n  alssim whatif riluzole edaravone-iv riluzole+edaravone-iv\n  \
    alssim whatif masitinib+riluzole --patients 5000 --seed 7 --out out/masitinib\n  \
    alssim whatif riluzole --set agg_growth_rate=0.3   (a model parameter for every arm)\n  \
    alssim drugs   (lists the drug names)"
)]
pub struct Args {
    /// Arms to compare: `drug` or `drug+drug+...`, standard dose from enrollment (diagnosis);
    /// in the results the arm is named with `_` for `+`.
    #[arg(required = true, value_name = "ARM")]
    arms: Vec<String>,
    /// Result folder (default: out/whatif); a previous result of `alssim whatif` there is
    /// replaced.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Also run the arms under N parameter sets drawn from the shipped posterior (each with
    /// its own patients) and print every arm's median survival and slope, and their
    /// differences from control, with 95% credible intervals (written to uncertainty.csv).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(2..=10_000))]
    uncertainty: Option<u64>,
    #[command(flatten)]
    cohort: super::run::CohortArgs,
}

/// The default scenario with a control arm and the requested arms.
pub fn scenario(arms: &[String]) -> anyhow::Result<Scenario> {
    Ok(scenario::whatif::whatif(arms).map_err(|e| crate::cli::UsageError(e.to_string()))?)
}

/// Genotypes in which a drug acts: those where at least one of its effects exists.
fn acting_genotypes(d: &alssim::therapy::Drug) -> Vec<Genotype> {
    Genotype::ALL
        .into_iter()
        .filter(|&g| d.effects.iter().any(|e| e.target.applies_to(g)))
        .collect()
}

/// Drugs of the arms that act only in some genotypes, grouped by those genotypes, in arm order.
fn restricted_drugs(s: &Scenario) -> Vec<(Vec<Genotype>, Vec<String>)> {
    let mut out: Vec<(Vec<Genotype>, Vec<String>)> = Vec::new();
    for t in s.arms().iter().flat_map(|a| &a.therapies) {
        let gs = acting_genotypes(&t.definition);
        if gs.len() == Genotype::ALL.len() {
            continue;
        }
        match out.iter_mut().find(|(g, _)| *g == gs) {
            Some((_, names)) => {
                if !names.contains(&t.drug) {
                    names.push(t.drug.clone());
                }
            }
            None => out.push((gs, vec![t.drug.clone()])),
        }
    }
    out
}

/// The comparison table of every arm against the first (control) arm.
fn comparison(data: &ResultData) -> String {
    use super::table::{Align, render};
    let km = survival(data);
    let control = km.first().and_then(|k| k.median);
    let slope_of = |arm: &str| mean_slope(data, arm);
    let control_slope = km.first().and_then(|k| slope_of(&k.arm));
    let rows: Vec<Vec<String>> = km
        .iter()
        .map(|k| {
            let ci = match k.median_ci {
                (Some(lo), Some(hi)) => format!(" ({lo:.1}-{hi:.1})"),
                (Some(lo), None) => format!(" ({lo:.1}-)"),
                _ => String::new(),
            };
            let diff = match (k.median, control) {
                (Some(a), Some(b)) => format!("{:+.1}", a - b),
                _ => "-".into(),
            };
            let slope = slope_of(&k.arm);
            let dslope = match (slope, control_slope) {
                (Some(a), Some(b)) => format!("{:+.3}", a - b),
                _ => "-".into(),
            };
            vec![
                k.arm.clone(),
                k.n.to_string(),
                k.events.to_string(),
                format!("{}{ci}", median_text(k)),
                diff,
                slope.map_or("-".into(), |x| format!("{x:.3}")),
                dslope,
            ]
        })
        .collect();
    render(
        &[
            "arm",
            "patients",
            "deaths",
            "median months (95% CI)",
            "vs control",
            "ALSFRS-R/month",
            "vs control",
        ],
        &[
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
        ],
        &rows,
    )
}

/// One line per treated arm: how much each patient gains and the characteristics that go most
/// strongly with it (report.html has the full tables).
fn who_benefits(data: &ResultData) {
    let responders = alssim::results::responders::responders(data);
    if responders.is_empty() {
        return;
    }
    crate::outln!(
        "\nwho benefits (survival gained per patient against {}, months; ρ: Spearman correlation with it):",
        responders[0].control
    );
    for r in &responders {
        let top: Vec<String> = r
            .strongest(3)
            .map(|p| format!("{} {:+.2}", p.name, p.rho_survival))
            .collect();
        crate::outln!(
            "  {}: mean {:.2}, median {:.2}; {:.0}% gain at least {} month",
            r.arm,
            r.mean,
            r.median,
            100.0 * r.share_benefiting,
            alssim::results::responders::BENEFIT_MONTHS,
        );
        if !top.is_empty() {
            crate::outln!("    strongest ρ: {}", top.join(", "));
        }
        if let Some((c, best, worst)) = r.widest_category() {
            crate::outln!(
                "    widest gap by {}: {} {:.2} vs {} {:.2}",
                c.name,
                best.value,
                best.mean_survival,
                worst.value,
                worst.mean_survival
            );
        }
    }
}

/// Each combination arm against the additive and the Bliss expectation from its single drugs,
/// when those are arms of the run too; otherwise a hint to add them.
fn combinations(s: &Scenario, data: &ResultData) {
    let mut lines = Vec::new();
    for a in s.arms().iter().filter(|a| a.therapies.len() > 1) {
        let singles: Vec<Option<String>> = a
            .therapies
            .iter()
            .map(|t| {
                s.arms()
                    .iter()
                    .find(|b| b.therapies.len() == 1 && b.therapies[0].drug == t.drug)
                    .map(|b| b.name.clone())
            })
            .collect();
        let missing: Vec<&str> = a
            .therapies
            .iter()
            .zip(&singles)
            .filter(|(_, s)| s.is_none())
            .map(|(t, _)| t.drug.as_str())
            .collect();
        let Some(singles) = singles.into_iter().collect::<Option<Vec<String>>>() else {
            lines.push(format!(
                "  {}: add {} as {} of {} own to compare it with its single drugs",
                a.name,
                missing.join(" and "),
                if missing.len() == 1 { "an arm" } else { "arms" },
                if missing.len() == 1 { "its" } else { "their" },
            ));
            continue;
        };
        if let Some(c) = alssim::results::responders::combination_check(data, &a.name, &singles) {
            lines.push(format!(
                "  {}: observed {:.2}; additive {:.2}; Bliss {:.2}: {}",
                c.arm,
                c.observed,
                c.additive,
                c.bliss,
                c.verdict(COMBINATION_TOLERANCE)
            ));
        }
    }
    if !lines.is_empty() {
        crate::outln!(
            "\ncombinations (mean survival gained per patient, months; expectations from each \
             patient's own single-drug gains; Bliss: independent slowing, survival ratios multiply):"
        );
        for l in lines {
            crate::outln!("{l}");
        }
    }
}

/// Relative band around the Bliss expectation within which a combination counts as
/// independent action.
const COMBINATION_TOLERANCE: f64 = 0.05;

/// "a, b or c".
fn or_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut s = scenario(&args.arms)?;
    args.cohort.apply(&mut s)?;
    super::run::warn_rule_breaks(&s, Some(s.simulation().max_failed_fraction));
    let threads = super::threads(args.cohort.threads);
    let dir = args
        .out
        .unwrap_or_else(|| PathBuf::from("out").join("whatif"));
    let options = RunOptions {
        threads,
        shard: None,
        trajectories: false,
        force: args.cohort.force,
        scenario_file: "(alssim whatif)".into(),
        plots: !args.cohort.no_plots,
        command: "whatif",
        // A rerun replaces the previous result of `alssim whatif` (never anything else).
        replace_own: true,
    };
    let report = run_scenario(&s, &dir, &options, |_| {})?;
    super::run::check_failed(&report, s.simulation().max_failed_fraction, "manifest.json")?;
    for w in &report.warnings {
        eprintln!("warning: figure not drawn (the tables are complete): {w}");
    }
    if report.summary.failed > 0 {
        eprintln!(
            "warning: {} patients could not be simulated; see `failures` in {} for why",
            report.summary.failed,
            dir.join("manifest.json").display()
        );
    }
    if args.cohort.quiet {
        if let Some(n) = args.uncertainty {
            super::uncertainty::report(&s, &dir, usize::try_from(n)?, threads, true)?;
        }
        return Ok(());
    }
    let data = ResultData::read(&dir)?;
    crate::outln!(
        "alssim whatif: {} patients screened, {} enrolled at diagnosis (seed {}); survival is \
         death or permanent ventilation after enrollment",
        report.summary.screened,
        report.summary.enrolled,
        s.population().seed
    );
    crate::cli::print_out(&comparison(&data));
    restricted_note(&s, &data);
    who_benefits(&data);
    combinations(&s, &data);
    if let Some(n) = args.uncertainty {
        super::uncertainty::report(&s, &dir, usize::try_from(n)?, threads, false)?;
    }
    let what = if args.cohort.no_plots {
        "tables"
    } else {
        "tables, figures and report.html"
    };
    crate::outln!(
        "the same virtual patients in every arm (paired); {what} in {}",
        dir.display()
    );
    Ok(())
}

/// A drug that acts only in some genotypes is diluted in the whole population: say so, and
/// show the patients it can act in.
fn restricted_note(s: &Scenario, data: &ResultData) {
    for (genotypes, drugs) in restricted_drugs(s) {
        let names: Vec<&str> = genotypes.iter().map(|g| g.name()).collect();
        let share: f64 = genotypes
            .iter()
            .map(|&g| {
                let i = Genotype::ALL.iter().position(|&x| x == g).unwrap_or(0);
                s.population().covariates.genotype[i]
            })
            .sum();
        let parts: Vec<String> = genotypes
            .iter()
            .map(|&g| {
                let i = Genotype::ALL.iter().position(|&x| x == g).unwrap_or(0);
                format!(
                    "{} {:.1}%",
                    g.name(),
                    100.0 * s.population().covariates.genotype[i]
                )
            })
            .collect();
        let mut sub = data.clone();
        sub.retain_patients(|p| names.contains(&p.genotype.as_str()));
        let carriers = sub
            .patients
            .iter()
            .filter(|p| data.arms.first() == Some(&p.arm))
            .count();
        let enrolled = data
            .patients
            .iter()
            .filter(|p| data.arms.first() == Some(&p.arm))
            .count();
        crate::outln!(
            "\nnote: {} {} only in patients with genotype {} ({:.1}% of the population: {}; \
             {carriers} of the {enrolled} enrolled); in the others {} nothing, which dilutes \
             the whole-population result.",
            drugs.join(", "),
            if drugs.len() == 1 { "acts" } else { "act" },
            or_list(&names),
            100.0 * share,
            parts.join(", "),
            if drugs.len() == 1 {
                "it changes"
            } else {
                "they change"
            },
        );
        crate::outln!("patients with genotype {} only:", or_list(&names));
        crate::cli::print_out(&comparison(&sub));
    }
}
