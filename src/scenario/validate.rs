//! Raw TOML to validated [`Scenario`]: every problem in the file is reported, none is fatal
//! before the whole file has been read.

use super::error::ScenarioError;
use super::types::*;
use crate::input::Diagnostic;
use crate::input::reader::{self, Ctx, Table, Value, join, opt_number};
use crate::model::params as registry;
use crate::model::{Genotype, Param, Params};
use crate::therapy::{Drug, Trigger};
use toml::de::DeTable;

/// Keys accepted at each level.
const ROOT: &[&str] = reader::SECTIONS;
const META: &[&str] = &["name", "description"];
const SIMULATION: &[&str] = &[
    "horizon-months",
    "visits-every-months",
    "visits-at-months",
    "visits-from",
    "rtol",
    "atol",
    "max-steps",
    "max-failed-fraction",
    "outputs",
    "keep-trajectories",
];
const POPULATION: &[&str] = &[
    "size",
    "seed",
    "enrollment",
    "covariates",
    "variability",
    "correlation",
    "inclusion",
];
const ENROLLMENT: &[&str] = &["at", "after-months"];
const COVARIATES: &[&str] = &[
    "age",
    "female-fraction",
    "onset-region",
    "genotype",
    "diagnostic-delay",
];
const AGE: &[&str] = &["mean", "sd", "min", "max"];
const DELAY: &[&str] = &["median", "cv", "max"];
const CORRELATION: &[&str] = &["params", "rho"];
const INCLUSION: &[&str] = &[
    "max-months-since-onset",
    "min-alsfrs-r",
    "min-fvc",
    "genotypes",
];
const ARM: &[&str] = &["name", "therapies", "interaction", "interactions"];
const PAIR: &[&str] = &["drugs", "target", "factor"];
const THERAPY: &[&str] = &[
    "drug",
    "start-months",
    "stop-months",
    "dose",
    "dose-changes",
    "adherence",
    "food",
    "trigger",
    "cycles",
    "holidays",
];
const HOLIDAYS: &[&str] = &["on-months", "off-months"];
const DOSE_CHANGE: &[&str] = &["at-months", "dose"];
const TRIAL: &[&str] = &[
    "sample-size",
    "allocation",
    "alpha",
    "endpoints",
    "dropout-per-year",
    "informative-dropout",
    "pool",
    "source",
    "eligibility",
    "lead-in",
    "stratify",
    "block-size",
    "responder",
    "composite",
    "survival-month",
    "missing",
    "extension",
    "background",
    "visit-window-days",
];
const BACKGROUND: &[&str] = &["therapies", "share"];
const EXTENSION: &[&str] = &["after-months", "arm"];
const LEAD_IN: &[&str] = &["months", "decline"];
const RESPONDER: &[&str] = &[
    "max-decline",
    "slope-improvement",
    "slope-improvement-percent",
];
const COMPOSITE: &[&str] = &["alsfrs-fall", "events"];
const ELIGIBILITY: &[&str] = &[
    "delta-fs",
    "min-item",
    "age",
    "max-months-since-diagnosis",
    "nfl",
    "kings-stage",
    "el-escorial",
];
/// Largest trial sample size.
pub const MAX_TRIAL_SIZE: u64 = 100_000;
const OUTPUTS: &[(&str, &str)] = &[("summary", "summary"), ("patients", "patients")];

/// Largest population a scenario may ask for.
pub const MAX_PATIENTS: u64 = 100_000_000;
/// Largest seed a scenario may give (the largest TOML integer).
pub const MAX_SEED: u64 = i64::MAX as u64;
/// Tolerance on probabilities summing to 1.
pub const PROBABILITY_TOLERANCE: f64 = 1e-6;

/// Loads and validates a scenario file.
pub fn load(path: &std::path::Path) -> Result<Scenario, ScenarioError> {
    let src = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    parse(&path.display().to_string(), &stem, &src)
}

/// Validates scenario text. `file` names it in messages; `default_name` is the scenario name
/// when the file gives none.
pub fn parse(file: &str, default_name: &str, src: &str) -> Result<Scenario, ScenarioError> {
    let invalid = |diagnostics| ScenarioError::Invalid {
        file: file.to_string(),
        diagnostics,
    };
    let (doc, syntax_errors) = DeTable::parse_recoverable(src);
    if !syntax_errors.is_empty() {
        return Err(invalid(syntax_diagnostics(file, src, &syntax_errors)));
    }
    let mut ctx = Ctx::new(file, src);
    let root = Table::new(doc.get_ref(), "", doc.span(), ROOT);
    root.check_keys(&mut ctx);
    let meta = read_meta(&mut ctx, &root, default_name);
    let simulation = root
        .get("simulation")
        .and_then(|v| reader::table(&mut ctx, v, "simulation", SIMULATION))
        .map_or_else(Simulation::default, |t| read_simulation(&mut ctx, &t));
    let population = root
        .get("population")
        .and_then(|v| reader::table(&mut ctx, v, "population", POPULATION))
        .map_or_else(Population::default, |t| read_population(&mut ctx, &t));
    let model = root
        .get("model")
        .map_or_else(Vec::new, |v| read_model(&mut ctx, v));
    check_early_enrollment(&mut ctx, &root, doc.span(), &population, &simulation);
    let drugs = read_drugs(&mut ctx, root.get("drug"));
    let arms = read_arms(&mut ctx, root.get("arm"), &drugs, simulation.horizon_months);
    check_work(
        &mut ctx,
        &root,
        doc.span(),
        &population,
        &simulation,
        arms.len(),
    );
    let trial = root
        .get("trial")
        .and_then(|v| reader::table(&mut ctx, v, "trial", TRIAL))
        .and_then(|t| read_trial(&mut ctx, &t, &arms, &simulation, &drugs));
    let diagnostics = ctx.finish();
    if diagnostics.is_empty() {
        Ok(Scenario {
            meta,
            simulation,
            population,
            model,
            drugs,
            arms,
            trial,
        })
    } else {
        Err(invalid(diagnostics))
    }
}

/// Enrolling before the milestone (a presymptomatic start) needs visits from enrollment: visit
/// times from onset would be negative before it. `whole` is the span of the file.
fn check_early_enrollment(
    ctx: &mut Ctx<'_>,
    root: &Table<'_, '_>,
    whole: std::ops::Range<usize>,
    population: &Population,
    simulation: &Simulation,
) {
    if population.enrollment.after_months < 0.0 && simulation.visits_from == TimeOrigin::Onset {
        let span = root
            .get("population")
            .and_then(|p| match p.get_ref() {
                toml::de::DeValue::Table(t) => t.get("enrollment"),
                _ => None,
            })
            .map_or(whole.clone(), |e| e.span());
        ctx.error(
            span,
            "population.enrollment.after-months",
            format!(
                "enrollment {} months before {} needs visits counted from enrollment",
                -population.enrollment.after_months,
                population.enrollment.at.name()
            ),
            Some("set `simulation.visits-from = \"enrollment\"`".into()),
        );
    }
}

/// The visits of all arms and the whole run stay within the resource bounds.
fn check_work(
    ctx: &mut Ctx<'_>,
    root: &Table<'_, '_>,
    whole: std::ops::Range<usize>,
    population: &Population,
    simulation: &Simulation,
    arms: usize,
) {
    let visits = super::bounds::visit_count(simulation);
    let n_arms = arms as u64;
    if visits <= super::bounds::MAX_VISITS
        && n_arms.saturating_mul(visits) > super::bounds::MAX_ARM_VISITS
    {
        ctx.error(
            root.get("arm").map_or(whole.clone(), |a| a.span()),
            "arm",
            super::bounds::arm_visits_message(n_arms, visits),
            Some("use fewer arms or fewer visits".into()),
        );
    }
    if population
        .size
        .saturating_mul(n_arms)
        .saturating_mul(visits)
        > super::bounds::MAX_RUN_VISITS
    {
        ctx.error(
            population_span(root, "size").unwrap_or(whole.clone()),
            "population.size",
            super::bounds::run_visits_message(population.size, n_arms, visits),
            None,
        );
    }
}

/// TOML syntax errors, in file order, at most one per line: one mistake (an unclosed array,
/// say) often confuses the parser for the rest of its line. The rest of the file is checked
/// once the syntax is right.
fn syntax_diagnostics(file: &str, src: &str, errors: &[toml::de::Error]) -> Vec<Diagnostic> {
    let mut ds: Vec<Diagnostic> = errors
        .iter()
        .map(|e| {
            let span = e.span().unwrap_or(0..0);
            let message = e.message().trim();
            let text = src.get(span.clone()).unwrap_or("").trim();
            let help = if message.starts_with("string values must be quoted") {
                Some(if text.is_empty() {
                    "a value is missing after `=`".to_string()
                } else {
                    format!("text goes in double quotes, e.g. \"{text}\"")
                })
            } else if message.starts_with("duplicate key") {
                Some("a key may appear only once in a table".to_string())
            } else {
                None
            };
            Diagnostic::at(
                file,
                src,
                span,
                "",
                format!("invalid TOML: {message}"),
                help,
            )
        })
        .collect();
    ds.sort_by_key(|d| (d.line, d.column));
    ds.dedup_by_key(|d| d.line);
    ds
}

fn read_meta(ctx: &mut Ctx<'_>, root: &Table<'_, '_>, default_name: &str) -> Meta {
    let mut meta = Meta {
        name: default_name.to_string(),
        description: String::new(),
    };
    let Some(t) = root
        .get("scenario")
        .and_then(|v| reader::table(ctx, v, "scenario", META))
    else {
        check_name(ctx, &meta.name, root.span.clone(), "scenario.name", true);
        return meta;
    };
    if let Some(v) = t.get("name") {
        if let Some(name) = reader::string(ctx, v, "scenario.name") {
            check_name(ctx, &name, v.span(), "scenario.name", false);
            meta.name = name;
        }
    } else {
        check_name(ctx, &meta.name, t.span.clone(), "scenario.name", true);
    }
    if let Some(v) = t.get("description") {
        meta.description = reader::string(ctx, v, "scenario.description").unwrap_or_default();
    }
    meta
}

/// Checks that `name` can name a folder; `from_file` when it was taken from the file name.
fn check_name(
    ctx: &mut Ctx<'_>,
    name: &str,
    span: std::ops::Range<usize>,
    path: &str,
    from_file: bool,
) {
    if name.chars().count() > super::bounds::MAX_NAME_CHARS {
        ctx.error(
            span,
            path,
            format!(
                "the name `{}` is longer than the limit of {} characters",
                crate::input::clip(name, 40),
                super::bounds::MAX_NAME_CHARS
            ),
            Some(
                "a name is echoed in messages and names an output folder; use a shorter one".into(),
            ),
        );
        return;
    }
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !ok {
        ctx.error(
            span,
            path,
            format!(
                "`{}` cannot name an output folder",
                crate::input::clip(name, 60)
            ),
            Some(if from_file {
                "the name comes from the file name here; set `name` in `[scenario]` \
                 (letters, digits, `-`, `_` and `.`, not first)"
                    .into()
            } else {
                "accepted: letters, digits, `-`, `_` and `.` (not first)".into()
            }),
        );
    }
}

fn read_simulation(ctx: &mut Ctx<'_>, t: &Table<'_, '_>) -> Simulation {
    let d = Simulation::default();
    let horizon =
        opt_number(ctx, t, "horizon-months", 1e-3, 1200.0, "months").unwrap_or(d.horizon_months);
    let visits = read_visits(ctx, t, horizon, &d);
    let visits_from = t
        .get("visits-from")
        .and_then(|v| {
            reader::choice(
                ctx,
                v,
                "simulation.visits-from",
                &[
                    ("enrollment", TimeOrigin::Enrollment),
                    ("onset", TimeOrigin::Onset),
                ],
            )
        })
        .unwrap_or(d.visits_from);
    let rtol = opt_number(ctx, t, "rtol", 1e-12, 1e-2, "").unwrap_or(d.rtol);
    let atol = opt_number(ctx, t, "atol", 1e-15, 1e-2, "").unwrap_or(d.atol);
    let max_steps = t
        .get("max-steps")
        .and_then(|v| reader::integer(ctx, v, "simulation.max-steps", 10, 10_000_000))
        .map_or(d.max_steps, |n| u32::try_from(n).unwrap_or(u32::MAX));
    let max_failed_fraction = opt_number(
        ctx,
        t,
        "max-failed-fraction",
        0.0,
        1.0,
        "(fraction of patients whose integration may fail before the run fails)",
    )
    .unwrap_or(d.max_failed_fraction);
    let (summary, patients) = read_outputs(ctx, t, &d);
    let keep_trajectories = t
        .get("keep-trajectories")
        .and_then(|v| reader::boolean(ctx, v, "simulation.keep-trajectories"))
        .unwrap_or(d.keep_trajectories);
    Simulation {
        horizon_months: horizon,
        visits,
        visits_from,
        rtol,
        atol,
        max_steps,
        // Trials only (`trial.visit-window-days`).
        visit_window_months: 0.0,
        visit_window_after_months: 0.0,
        summary,
        patients,
        keep_trajectories,
        max_failed_fraction,
    }
}

/// `visits-every-months` or `visits-at-months` (not both), within the horizon and the bound
/// on visits; the default interval is shortened to a short horizon.
fn read_visits(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, horizon: f64, d: &Simulation) -> Visits {
    let every = t.get("visits-every-months");
    let at = t.get("visits-at-months");
    match (every, at) {
        (Some(_), Some(v)) => {
            ctx.error(
                v.span(),
                "simulation.visits-at-months",
                "give either `visits-every-months` or `visits-at-months`, not both",
                Some("remove one of the two keys".into()),
            );
            d.visits.clone()
        }
        (Some(v), None) => {
            match reader::number(
                ctx,
                v,
                "simulation.visits-every-months",
                1e-3,
                1200.0,
                "months",
            ) {
                Some(dt) if dt > horizon => {
                    ctx.error(
                        v.span(),
                        "simulation.visits-every-months",
                        format!("the visit interval {dt} is longer than the horizon {horizon}"),
                        Some("accepted: an interval no longer than `horizon-months`".into()),
                    );
                    d.visits.clone()
                }
                Some(dt) => {
                    let n = super::bounds::visit_count(&Simulation {
                        horizon_months: horizon,
                        visits: Visits::Every(dt),
                        ..Simulation::default()
                    });
                    if n > super::bounds::MAX_VISITS {
                        ctx.error(
                            v.span(),
                            "simulation.visits-every-months",
                            super::bounds::visits_message(n),
                            Some(format!(
                                "accepted: an interval of at least {} months for a horizon of {horizon} months",
                                horizon / (super::bounds::MAX_VISITS - 1) as f64
                            )),
                        );
                        d.visits.clone()
                    } else {
                        Visits::Every(dt)
                    }
                }
                None => d.visits.clone(),
            }
        }
        (None, Some(v)) => read_visit_list(ctx, v, horizon).map_or(d.visits.clone(), Visits::At),
        (None, None) => match &d.visits {
            Visits::Every(dt) if *dt > horizon => Visits::Every(horizon),
            other => other.clone(),
        },
    }
}

/// `simulation.outputs`: whether `summary.csv` and `patients.csv` are written.
fn read_outputs(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, d: &Simulation) -> (bool, bool) {
    let (mut summary, mut patients) = (d.summary, d.patients);
    if let Some(v) = t.get("outputs")
        && let Some(items) = reader::array(ctx, v, "simulation.outputs")
    {
        summary = false;
        patients = false;
        for (i, item) in items.iter().enumerate() {
            let p = format!("simulation.outputs[{i}]");
            if matches!(item.get_ref(), toml::de::DeValue::String(s) if s.as_ref() == "trajectories")
            {
                ctx.error(
                    item.span(),
                    &p,
                    "unknown value `trajectories`",
                    Some(
                        "trajectories.parquet is asked for with `keep-trajectories = true`; \
                             accepted here: `summary`, `patients`"
                            .into(),
                    ),
                );
                continue;
            }
            match reader::choice(ctx, item, &p, OUTPUTS) {
                Some("summary") => summary = true,
                Some(_) => patients = true,
                None => {}
            }
        }
    }
    (summary, patients)
}

fn read_visit_list(ctx: &mut Ctx<'_>, v: &Value<'_>, horizon: f64) -> Option<Vec<f64>> {
    let path = "simulation.visits-at-months";
    let items = reader::array(ctx, v, path)?;
    if items.is_empty() {
        ctx.error(
            v.span(),
            path,
            "the visit list is empty",
            Some("accepted: at least one time, e.g. [0, 3, 6, 12]".into()),
        );
        return None;
    }
    if items.len() as u64 > super::bounds::MAX_VISITS {
        ctx.error(
            v.span(),
            path,
            super::bounds::visits_message(items.len() as u64),
            Some(format!(
                "accepted: at most {} times",
                super::bounds::MAX_VISITS
            )),
        );
        return None;
    }
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let p = format!("{path}[{i}]");
        match reader::number(
            ctx,
            item,
            &p,
            0.0,
            horizon,
            "months (from 0 to the horizon)",
        ) {
            Some(x) => {
                if let Some(&prev) = out.last().filter(|&&prev| x <= prev) {
                    ctx.error(
                        item.span(),
                        &p,
                        format!("visit times must be strictly increasing: {x} is not after {prev}"),
                        Some("list each visit once, in time order".into()),
                    );
                    ok = false;
                }
                out.push(x);
            }
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn read_population(ctx: &mut Ctx<'_>, t: &Table<'_, '_>) -> Population {
    let d = Population::default();
    let size = t
        .get("size")
        .and_then(|v| reader::integer(ctx, v, "population.size", 1, MAX_PATIENTS))
        .unwrap_or(d.size);
    let seed = t
        .get("seed")
        // TOML integers are signed 64-bit: a larger seed could not be written back by `show`.
        .and_then(|v| reader::integer(ctx, v, "population.seed", 0, MAX_SEED))
        .unwrap_or(d.seed);
    let enrollment = t
        .get("enrollment")
        .and_then(|v| reader::table(ctx, v, "population.enrollment", ENROLLMENT))
        .map_or(d.enrollment, |e| {
            let at = e
                .get("at")
                .and_then(|v| {
                    reader::choice(
                        ctx,
                        v,
                        "population.enrollment.at",
                        &[("diagnosis", Anchor::Diagnosis), ("onset", Anchor::Onset)],
                    )
                })
                .unwrap_or(d.enrollment.at);
            let after_months = opt_number(
                ctx,
                &e,
                "after-months",
                -600.0,
                600.0,
                "months; negative enrolls before the milestone",
            )
            .unwrap_or(0.0);
            Enrollment { at, after_months }
        });
    let covariates = t
        .get("covariates")
        .and_then(|v| reader::table(ctx, v, "population.covariates", COVARIATES))
        .map_or_else(|| d.covariates.clone(), |c| read_covariates(ctx, &c));
    let variability = t
        .get("variability")
        .map_or(d.variability.clone(), |v| read_variability(ctx, v));
    let correlations = t
        .get("correlation")
        .map_or_else(Vec::new, |v| read_correlations(ctx, v, &variability));
    let inclusion = t
        .get("inclusion")
        .and_then(|v| reader::table(ctx, v, "population.inclusion", INCLUSION))
        .map_or_else(Inclusion::default, |i| read_inclusion(ctx, &i));
    Population {
        size,
        seed,
        covariates,
        variability,
        correlations,
        inclusion,
        enrollment,
    }
}

fn read_covariates(ctx: &mut Ctx<'_>, t: &Table<'_, '_>) -> CovariateDistributions {
    let d = CovariateDistributions::default();
    let age = t
        .get("age")
        .and_then(|v| reader::table(ctx, v, "population.covariates.age", AGE))
        .map_or(d.age, |a| {
            let mean = opt_number(ctx, &a, "mean", 18.0, 100.0, "years").unwrap_or(d.age.mean);
            let sd = opt_number(ctx, &a, "sd", 0.0, 50.0, "years").unwrap_or(d.age.sd);
            let min = opt_number(ctx, &a, "min", 18.0, 100.0, "years").unwrap_or(d.age.min);
            let max = opt_number(ctx, &a, "max", 18.0, 100.0, "years").unwrap_or(d.age.max);
            if min > max {
                ctx.error(
                    a.span.clone(),
                    "population.covariates.age",
                    format!("min ({min}) is above max ({max})"),
                    None,
                );
            } else if mean < min || mean > max {
                ctx.error(
                    a.get("mean").map_or(a.span.clone(), |v| v.span()),
                    "population.covariates.age.mean",
                    format!("mean {mean} lies outside [min, max] = [{min}, {max}]"),
                    None,
                );
            }
            TruncatedNormal { mean, sd, min, max }
        });
    let female_fraction =
        opt_number(ctx, t, "female-fraction", 0.0, 1.0, "").unwrap_or(d.female_fraction);
    let onset_region = t
        .get("onset-region")
        .map_or(Some(d.onset_region), |v| {
            read_probabilities(ctx, v, "population.covariates.onset-region", &REGION_KEYS)
        })
        .unwrap_or(d.onset_region);
    let genotype = t
        .get("genotype")
        .map_or(Some(d.genotype), |v| {
            read_probabilities(ctx, v, "population.covariates.genotype", &genotype_keys())
        })
        .unwrap_or(d.genotype);
    let diagnostic_delay = t
        .get("diagnostic-delay")
        .and_then(|v| reader::table(ctx, v, "population.covariates.diagnostic-delay", DELAY))
        .map_or(d.diagnostic_delay, |dd| {
            let median = opt_number(ctx, &dd, "median", 0.01, 120.0, "months")
                .unwrap_or(d.diagnostic_delay.median);
            let cv = opt_number(ctx, &dd, "cv", 0.0, 5.0, "").unwrap_or(d.diagnostic_delay.cv);
            let max = opt_number(ctx, &dd, "max", 0.01, 120.0, "months")
                .unwrap_or(d.diagnostic_delay.max);
            if median > max {
                ctx.error(
                    dd.span.clone(),
                    "population.covariates.diagnostic-delay",
                    format!("median ({median}) is above max ({max})"),
                    None,
                );
            }
            LogNormal { median, cv, max }
        });
    CovariateDistributions {
        age,
        female_fraction,
        onset_region,
        genotype,
        diagnostic_delay,
    }
}

/// A table of named probabilities (missing names are 0) that must sum to 1.
fn read_probabilities<const N: usize>(
    ctx: &mut Ctx<'_>,
    v: &Value<'_>,
    path: &str,
    names: &[&'static str; N],
) -> Option<[f64; N]> {
    let toml::de::DeValue::Table(t) = v.get_ref() else {
        ctx.error(
            v.span(),
            path,
            format!(
                "expected a table of probabilities, found {}",
                v.get_ref().type_str()
            ),
            None,
        );
        return None;
    };
    let mut p = [0.0; N];
    let mut ok = true;
    for (key, value) in t.iter() {
        let k: &str = key.get_ref();
        let kp = join(path, k);
        match names.iter().position(|n| *n == k) {
            Some(i) => match reader::number(ctx, value, &kp, 0.0, 1.0, "") {
                Some(x) => p[i] = x,
                None => ok = false,
            },
            None => {
                let help = match reader::did_you_mean(k, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`? accepted: {}", reader::list(names)),
                    None => format!("accepted: {}", reader::list(names)),
                };
                ctx.error(key.span(), &kp, format!("unknown key `{k}`"), Some(help));
                ok = false;
            }
        }
    }
    let sum: f64 = p.iter().sum();
    if ok && (sum - 1.0).abs() > PROBABILITY_TOLERANCE {
        // Rounded, so that 0.7 + 0.2 reads as 0.9 rather than 0.8999999999999999.
        let shown = format!("{sum:.9}");
        let shown = shown.trim_end_matches('0').trim_end_matches('.');
        ctx.error(
            v.span(),
            path,
            format!("probabilities sum to {shown}, not 1"),
            Some(format!(
                "the probabilities must add up to 1 (within {PROBABILITY_TOLERANCE}); names left out count as 0"
            )),
        );
        ok = false;
    }
    ok.then_some(p)
}

/// The parameter a key names, or an error naming the key (with the closest name, or what
/// became of a retired one).
fn param_name(
    ctx: &mut Ctx<'_>,
    key: &toml::Spanned<std::borrow::Cow<'_, str>>,
    path: &str,
) -> Option<Param> {
    let k: &str = key.get_ref();
    let param = Param::from_name(k);
    if param.is_none() {
        let help = registry::unknown_help(k);
        ctx.error(
            key.span(),
            &join(path, k),
            format!("unknown model parameter `{k}`"),
            Some(help),
        );
    }
    param
}

fn read_model(ctx: &mut Ctx<'_>, v: &Value<'_>) -> Vec<(Param, f64)> {
    let toml::de::DeValue::Table(t) = v.get_ref() else {
        ctx.error(
            v.span(),
            "model",
            format!(
                "expected a table of parameter values, found {}",
                v.get_ref().type_str()
            ),
            None,
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut params = Params::default();
    let errors_before = ctx.error_count();
    for (key, value) in t.iter() {
        let Some(param) = param_name(ctx, key, "model") else {
            continue;
        };
        let info = param.info();
        let path = join("model", info.name);
        if let Some(x) = reader::number(
            ctx,
            value,
            &path,
            info.min,
            info.max,
            &format!("(unit: {})", info.unit),
        ) {
            // `number` checked the range, so `set_value` accepts it.
            match params.set_value(param, x) {
                Ok(()) => out.push((param, x)),
                Err(e) => ctx.error(value.span(), &path, e.to_string(), None),
            }
        }
    }
    // Only when every override was read: otherwise a rule could fail for a value never set.
    if ctx.error_count() == errors_before
        && let Err(rule) = params.check_consistency()
    {
        ctx.error(v.span(), "model", rule.to_string(), None);
    }
    out
}

fn read_variability(ctx: &mut Ctx<'_>, v: &Value<'_>) -> Vec<Variability> {
    let path = "population.variability";
    let toml::de::DeValue::Table(t) = v.get_ref() else {
        ctx.error(
            v.span(),
            path,
            format!(
                "expected a table of coefficients of variation, found {}",
                v.get_ref().type_str()
            ),
            None,
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in t.iter() {
        let Some(param) = param_name(ctx, key, path) else {
            continue;
        };
        if let Some(cv) = reader::number(
            ctx,
            value,
            &join(path, param.name()),
            0.0,
            super::types::MAX_CV,
            "(coefficient of variation)",
        ) {
            out.push(Variability { param, cv });
        }
    }
    out
}

fn read_correlations(
    ctx: &mut Ctx<'_>,
    v: &Value<'_>,
    variability: &[Variability],
) -> Vec<Correlation> {
    if let toml::de::DeValue::Table(_) = v.get_ref() {
        ctx.error(
            v.span(),
            "population.correlation",
            "expected a list of correlations, found a single table",
            Some(
                "write each correlation as `[[population.correlation]]`, with double brackets"
                    .into(),
            ),
        );
        return Vec::new();
    }
    let Some(items) = reader::array(ctx, v, "population.correlation") else {
        return Vec::new();
    };
    let mut out: Vec<Correlation> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("population.correlation[{i}]");
        if let Some((n, rho)) = read_correlation(ctx, item, &path, variability) {
            if out
                .iter()
                .any(|c| (c.a == n[0] && c.b == n[1]) || (c.a == n[1] && c.b == n[0]))
            {
                ctx.error(
                    item.span(),
                    &path,
                    format!("`{}` and `{}` are correlated twice", n[0], n[1]),
                    Some("keep one correlation per pair of parameters".into()),
                );
                continue;
            }
            out.push(Correlation {
                a: n[0],
                b: n[1],
                rho,
            });
        }
    }
    if !out.is_empty() && crate::cohort::correlation_cholesky(variability, &out).is_none() {
        ctx.error(
            v.span(),
            "population.correlation",
            "the correlations do not form a valid (positive definite) correlation matrix",
            Some(format!(
                "they cannot all hold at once: {}; lower the ones that conflict",
                out.iter()
                    .map(|c| format!("`{}`-`{}` {}", c.a, c.b, c.rho))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        );
    }
    out
}

/// One `[[population.correlation]]` entry: its two parameters and `rho`.
fn read_correlation(
    ctx: &mut Ctx<'_>,
    item: &Value<'_>,
    path: &str,
    variability: &[Variability],
) -> Option<([Param; 2], f64)> {
    let t = reader::table(ctx, item, path, CORRELATION)?;
    let rho = match t.get("rho") {
        Some(r) => reader::number(
            ctx,
            r,
            &t.key_path("rho"),
            -super::types::MAX_CORRELATION,
            super::types::MAX_CORRELATION,
            "",
        ),
        None => {
            ctx.error(
                t.span.clone(),
                path,
                "missing key `rho`",
                Some(format!(
                    "accepted: a correlation from -{0} to {0}",
                    super::types::MAX_CORRELATION
                )),
            );
            None
        }
    };
    let names = match t.get("params") {
        Some(pv) => reader::array(ctx, pv, &t.key_path("params"))
            .and_then(|a| correlated_pair(ctx, pv, a, path, variability)),
        None => {
            ctx.error(
                t.span.clone(),
                path,
                "missing key `params`",
                Some("e.g. `params = [\"agg_growth_rate\", \"spread_contiguous\"]`".into()),
            );
            None
        }
    };
    Some((names?, rho?))
}

/// The two parameter names of a correlation: each must be a model parameter with variability.
fn correlated_pair(
    ctx: &mut Ctx<'_>,
    pv: &Value<'_>,
    items: &[Value<'_>],
    path: &str,
    variability: &[Variability],
) -> Option<[Param; 2]> {
    let params_path = join(path, "params");
    let mut names = Vec::with_capacity(items.len());
    let mut params = Vec::with_capacity(items.len());
    let mut ok = true;
    for (j, x) in items.iter().enumerate() {
        let p = format!("{params_path}[{j}]");
        let Some(n) = reader::string(ctx, x, &p) else {
            ok = false;
            continue;
        };
        let param = Param::from_name(&n);
        if let Some(param) = param
            && variability.iter().any(|v| v.param == param)
        {
            params.push(param);
        } else if param.is_none() {
            let help = registry::unknown_help(&n);
            ctx.error(
                x.span(),
                &p,
                format!("unknown model parameter `{n}`"),
                Some(help),
            );
            ok = false;
        } else {
            let known: Vec<&str> = variability.iter().map(|v| v.param.name()).collect();
            let help = if known.is_empty() {
                "no parameter has variability: `[population.variability]` is empty".to_string()
            } else {
                format!(
                    "add it to `[population.variability]`; parameters with variability: {}",
                    reader::list(&known)
                )
            };
            ctx.error(
                x.span(),
                &p,
                format!("`{n}` has no variability, so it cannot be correlated"),
                Some(help),
            );
            ok = false;
        }
        names.push(n);
    }
    if items.len() != 2 || (names.len() == 2 && names[0] == names[1]) {
        ctx.error(
            pv.span(),
            &params_path,
            "expected two different parameter names",
            Some("e.g. `params = [\"agg_growth_rate\", \"spread_contiguous\"]`".into()),
        );
        return None;
    }
    match (ok, params.as_slice()) {
        (true, &[a, b]) => Some([a, b]),
        _ => None,
    }
}

fn read_inclusion(ctx: &mut Ctx<'_>, t: &Table<'_, '_>) -> Inclusion {
    let genotypes = t.get("genotypes").and_then(|v| {
        let items = reader::array(ctx, v, "population.inclusion.genotypes")?;
        let options: Vec<(&str, Genotype)> = Genotype::ALL.iter().map(|g| (g.name(), *g)).collect();
        let gs: Vec<Genotype> = items
            .iter()
            .enumerate()
            .filter_map(|(i, x)| {
                reader::choice(
                    ctx,
                    x,
                    &format!("population.inclusion.genotypes[{i}]"),
                    &options,
                )
            })
            .collect();
        if items.is_empty() {
            ctx.error(
                v.span(),
                "population.inclusion.genotypes",
                "the list is empty: nobody could be enrolled",
                Some(format!(
                    "leave the key out to accept every genotype; names: {}",
                    reader::list(&genotype_keys())
                )),
            );
        }
        Some(gs)
    });
    Inclusion {
        max_months_since_onset: opt_number(ctx, t, "max-months-since-onset", 0.0, 1200.0, "months"),
        min_alsfrs_r: opt_number(ctx, t, "min-alsfrs-r", 0.0, 48.0, "points"),
        min_fvc: opt_number(ctx, t, "min-fvc", 0.0, 150.0, "% predicted"),
        genotypes,
    }
}

/// A `[lo, hi]` window of two numbers within `[min, max]`, lo ≤ hi.
fn window(
    ctx: &mut Ctx<'_>,
    t: &Table<'_, '_>,
    key: &str,
    min: f64,
    max: f64,
    unit: &str,
) -> Option<(f64, f64)> {
    let v = t.get(key)?;
    let path = t.key_path(key);
    let items = reader::array(ctx, v, &path)?;
    if items.len() != 2 {
        ctx.error(
            v.span(),
            &path,
            format!("expected two numbers, found {}", items.len()),
            Some(format!("write the window as `[low, high]` ({unit})")),
        );
        return None;
    }
    let lo = reader::number(ctx, &items[0], &format!("{path}[0]"), min, max, unit);
    let hi = reader::number(ctx, &items[1], &format!("{path}[1]"), min, max, unit);
    let (lo, hi) = (lo?, hi?);
    if lo > hi {
        ctx.error(
            v.span(),
            &path,
            format!("the low end {lo} is above the high end {hi}"),
            Some("write the window as `[low, high]`".into()),
        );
        return None;
    }
    Some((lo, hi))
}

/// `trial.eligibility.kings-stage`: a window of whole King's stages, 1 to 4.
/// `trial.eligibility.el-escorial`: the accepted categories, each once.
fn el_escorial_list(
    ctx: &mut Ctx<'_>,
    v: &Value<'_>,
) -> Option<Vec<crate::model::staging::ElEscorial>> {
    use crate::model::staging::ElEscorial;
    let path = "trial.eligibility.el-escorial";
    let items = reader::array(ctx, v, path)?;
    let options: Vec<(&str, ElEscorial)> = ElEscorial::ALL.iter().map(|c| (c.name(), *c)).collect();
    let mut out = Vec::new();
    for (i, x) in items.iter().enumerate() {
        let p = format!("{path}[{i}]");
        if let Some(c) = reader::choice(ctx, x, &p, &options) {
            if out.contains(&c) {
                ctx.error(
                    x.span(),
                    &p,
                    format!("`{}` is listed twice", c.name()),
                    None,
                );
            }
            out.push(c);
        }
    }
    if out.is_empty() {
        ctx.error(
            v.span(),
            path,
            "no category is accepted",
            Some("list the accepted categories, e.g. `[\"definite\", \"probable\", \"probable-laboratory-supported\"]`".into()),
        );
        return None;
    }
    Some(out)
}

fn kings_window(ctx: &mut Ctx<'_>, e: &Table<'_, '_>) -> Option<(u8, u8)> {
    let (lo, hi) = window(ctx, e, "kings-stage", 1.0, 4.0, "King's stage")?;
    if lo.fract() != 0.0 || hi.fract() != 0.0 {
        ctx.error(
            e.get("kings-stage").map_or(e.span.clone(), |v| v.span()),
            "trial.eligibility.kings-stage",
            format!("King's stages are whole numbers, found [{lo}, {hi}]"),
            Some("write the window as `[1, 3]` (4: gastrostomy or NIV indicated)".into()),
        );
        return None;
    }
    Some((lo as u8, hi as u8))
}

/// `[trial]`: the design of a virtual trial over the scenario's arms and visit schedule.
fn read_trial(
    ctx: &mut Ctx<'_>,
    t: &Table<'_, '_>,
    arms: &[Arm],
    simulation: &Simulation,
    drugs: &[Drug],
) -> Option<super::trial_design::TrialDesign> {
    use super::trial_design::TrialDesign;
    let n_arms = arms.len();
    let before = ctx.error_count();
    let sample_size = t
        .required(
            ctx,
            "sample-size",
            "a trial needs its sample size",
            "add `sample-size = N`: patients randomised, all arms together",
        )
        .and_then(|v| reader::integer(ctx, v, "trial.sample-size", 2, MAX_TRIAL_SIZE));
    check_trial_frame(ctx, t, n_arms, simulation);
    // An extension's delayed-start arm (the last) is not randomised.
    let randomised = n_arms.saturating_sub(usize::from(t.get("extension").is_some()));
    let allocation = read_allocation(ctx, t, randomised, n_arms);
    let alpha = opt_number(ctx, t, "alpha", 1e-6, 0.5, "").unwrap_or(0.05);
    let endpoints = read_endpoints(ctx, t);
    let dropout_per_year =
        opt_number(ctx, t, "dropout-per-year", 0.0, 0.99, "fraction").unwrap_or(0.0);
    let informative_dropout =
        opt_number(ctx, t, "informative-dropout", 0.0, 10.0, "exponent").unwrap_or(0.0);
    let pool = t
        .get("pool")
        .and_then(|v| reader::integer(ctx, v, "trial.pool", 2, super::bounds::MAX_TRIAL_POOL));
    let source = t
        .get("source")
        .and_then(|v| reader::string(ctx, v, "trial.source"))
        .unwrap_or_default();
    let eligibility = read_eligibility(ctx, t);
    check_pool(ctx, t, sample_size, pool);
    let extra = read_trial_conduct(ctx, t, arms, simulation, allocation.as_deref());
    if let (Some(endpoints), Some(extra)) = (&endpoints, &extra) {
        check_endpoint_options(ctx, t, endpoints, extra);
    }
    let background = read_background(ctx, t, arms, drugs, simulation.horizon_months);
    let visit_window_days = read_visit_window(ctx, t, simulation);
    if let Some(extra) = &extra {
        check_background_stratum(ctx, t, extra);
    }
    if ctx.error_count() > before {
        return None;
    }
    let sample_size = sample_size?;
    let extra = extra?;
    Some(TrialDesign {
        sample_size: sample_size as usize,
        allocation: allocation?,
        alpha,
        endpoints: endpoints?,
        dropout_per_year,
        informative_dropout,
        eligibility,
        pool: pool.unwrap_or(20 * sample_size),
        source,
        lead_in: extra.lead_in,
        stratify: extra.stratify,
        block_size: extra.block_size,
        responder: extra.responder,
        composite: extra.composite,
        survival_month: extra.survival_month,
        missing: extra.missing,
        extension: extra.extension,
        background,
        visit_window_days: visit_window_days?,
    })
}

/// A trial compares at least two arms, with visits counted from randomisation.
fn check_trial_frame(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, n_arms: usize, simulation: &Simulation) {
    if n_arms < 2 {
        ctx.error(
            t.span.clone(),
            "trial",
            format!("a trial compares arms, but the scenario has {n_arms}"),
            Some("add `[[arm]]` tables: the first is the control".into()),
        );
    }
    if simulation.visits_from != crate::cohort::spec::TimeOrigin::Enrollment {
        ctx.error(
            t.span.clone(),
            "trial",
            "trial visits are counted from randomisation",
            Some("set `simulation.visits-from = \"enrollment\"`".into()),
        );
    }
}

/// The screened pool is at least the sample size.
fn check_pool(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, sample_size: Option<u64>, pool: Option<u64>) {
    if let (Some(n), Some(pool)) = (sample_size, pool)
        && pool < n
    {
        ctx.error(
            t.get("pool").map_or(t.span.clone(), |v| v.span()),
            "trial.pool",
            format!("a pool of {pool} screened patients cannot give {n} randomised ones"),
            Some(
                "screen more patients than are randomised (default: 20 times the sample size)"
                    .into(),
            ),
        );
    }
}

/// Stratifying by a background therapy needs one.
fn check_background_stratum(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, extra: &TrialConduct) {
    if extra
        .stratify
        .contains(&super::trial_design::Factor::Background)
        && t.get("background").is_none()
    {
        ctx.error(
            t.get("stratify").map_or(t.span.clone(), |v| v.span()),
            "trial.stratify",
            "`background-therapy` stratifies by a background therapy, but the trial has none",
            Some("add a `[trial.background]` table, or remove the factor".into()),
        );
    }
}

/// `trial.allocation`: one whole-number ratio per randomised arm (1:1:... by default).
fn read_allocation(
    ctx: &mut Ctx<'_>,
    t: &Table<'_, '_>,
    randomised: usize,
    n_arms: usize,
) -> Option<Vec<u32>> {
    match t.get("allocation") {
        Some(v) => reader::array(ctx, v, "trial.allocation").map(|items| {
            if items.len() != randomised {
                ctx.error(
                    v.span(),
                    "trial.allocation",
                    format!("{} ratios for {randomised} randomised arms", items.len()),
                    Some(if randomised == n_arms {
                        "give one whole number per `[[arm]]`, in arm order, e.g. `[1, 2]`".into()
                    } else {
                        "give one whole number per randomised `[[arm]]`, in arm order, without \
                         the extension's delayed-start arm (the last)"
                            .into()
                    }),
                );
            }
            items
                .iter()
                .enumerate()
                .filter_map(|(i, x)| {
                    reader::integer(ctx, x, &format!("trial.allocation[{i}]"), 1, 1000)
                        .map(|n| n as u32)
                })
                .collect::<Vec<u32>>()
        }),
        None => Some(vec![1; randomised]),
    }
}

/// `trial.endpoints`: at least one, each once, the primary first.
fn read_endpoints(
    ctx: &mut Ctx<'_>,
    t: &Table<'_, '_>,
) -> Option<Vec<super::trial_design::Endpoint>> {
    use super::trial_design::Endpoint;
    let options: Vec<(&str, Endpoint)> = Endpoint::ALL.iter().map(|e| (e.name(), *e)).collect();
    match t.get("endpoints") {
        Some(v) => reader::array(ctx, v, "trial.endpoints").map(|items| {
            let mut out: Vec<Endpoint> = Vec::new();
            for (i, x) in items.iter().enumerate() {
                if let Some(e) = reader::choice(ctx, x, &format!("trial.endpoints[{i}]"), &options)
                {
                    if out.contains(&e) {
                        ctx.error(
                            x.span(),
                            &format!("trial.endpoints[{i}]"),
                            format!("`{e}` is listed twice"),
                            None,
                        );
                    }
                    out.push(e);
                }
            }
            if items.is_empty() {
                ctx.error(
                    v.span(),
                    "trial.endpoints",
                    "the list is empty",
                    Some(format!(
                        "name at least one, the primary first: {}",
                        reader::list(&options.iter().map(|o| o.0).collect::<Vec<_>>())
                    )),
                );
            }
            out
        }),
        None => Some(vec![Endpoint::AlsfrsChange]),
    }
}

/// `[trial.eligibility]`: the screening criteria (none by default).
fn read_eligibility(ctx: &mut Ctx<'_>, t: &Table<'_, '_>) -> super::trial_design::Eligibility {
    use super::trial_design::Eligibility;
    t.get("eligibility")
        .and_then(|v| reader::table(ctx, v, "trial.eligibility", ELIGIBILITY))
        .map_or_else(Eligibility::default, |e| Eligibility {
            delta_fs: window(ctx, &e, "delta-fs", 0.0, 48.0, "points/month"),
            min_item: e
                .get("min-item")
                .and_then(|v| reader::integer(ctx, v, "trial.eligibility.min-item", 0, 4))
                .map(|n| n as u8),
            age: window(ctx, &e, "age", 0.0, 120.0, "years"),
            max_months_since_diagnosis: opt_number(
                ctx,
                &e,
                "max-months-since-diagnosis",
                0.0,
                1200.0,
                "months",
            ),
            nfl: window(ctx, &e, "nfl", 0.0, 100_000.0, "pg/mL"),
            kings_stage: kings_window(ctx, &e),
            el_escorial: e.get("el-escorial").and_then(|v| el_escorial_list(ctx, v)),
        })
}

/// `trial.visit-window-days`: the half-width of the window around each scheduled visit. Visits
/// may not swap order, so it stays below half the shortest gap between scheduled visits.
fn read_visit_window(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, simulation: &Simulation) -> Option<f64> {
    let Some(v) = t.get("visit-window-days") else {
        return Some(0.0);
    };
    let days = reader::number(ctx, v, "trial.visit-window-days", 0.0, 30.0, "days")?;
    let times = simulation.visit_times();
    let gap = times
        .windows(2)
        .map(|w| w[1] - w[0])
        .fold(f64::INFINITY, f64::min);
    let gap_days = gap * super::trial_design::DAYS_PER_MONTH;
    if gap.is_finite() && days >= gap_days / 2.0 {
        ctx.error(
            v.span(),
            "trial.visit-window-days",
            format!("a window of ±{days} days lets visits {gap_days:.1} days apart swap order"),
            Some(format!(
                "use less than {:.1} days (half the shortest gap between scheduled visits)",
                gap_days / 2.0
            )),
        );
        return None;
    }
    Some(days)
}

/// `[trial.background]`: therapies that a share of the patients take in every arm.
fn read_background(
    ctx: &mut Ctx<'_>,
    t: &Table<'_, '_>,
    arms: &[Arm],
    drugs: &[Drug],
    horizon: f64,
) -> Option<super::trial_design::Background> {
    let b = reader::table(ctx, t.get("background")?, "trial.background", BACKGROUND)?;
    let share = b
        .required(
            ctx,
            "share",
            "a background therapy needs the share of patients who take it",
            "add `share = 0.8` (0 to 1)",
        )
        .and_then(|v| {
            reader::number(
                ctx,
                v,
                "trial.background.share",
                0.0,
                1.0,
                "share of patients",
            )
        });
    let therapies = b
        .required(
            ctx,
            "therapies",
            "a background therapy needs its therapies",
            "add `therapies = [{ drug = \"riluzole\" }]`",
        )
        .map(|v| {
            let list = read_therapies(ctx, v, "trial.background.therapies", drugs, horizon);
            if list.is_empty() {
                ctx.error(
                    v.span(),
                    "trial.background.therapies",
                    "the background therapy list is empty",
                    Some("give e.g. `therapies = [{ drug = \"riluzole\" }]`".into()),
                );
            }
            for th in &list {
                if let Some(arm) = arms
                    .iter()
                    .find(|a| a.therapies.iter().any(|x| x.drug == th.drug))
                {
                    ctx.error(
                        v.span(),
                        "trial.background.therapies",
                        format!(
                            "`{}` is a background therapy and also a therapy of arm `{}`",
                            th.drug, arm.name
                        ),
                        Some("give it in one place: in every arm (all patients take it) or as background (a share of them)".into()),
                    );
                }
            }
            list
        });
    Some(super::trial_design::Background {
        therapies: therapies?,
        share: share?,
    })
}

/// The parts of `[trial]` beyond sample, endpoints and eligibility.
struct TrialConduct {
    lead_in: Option<super::trial_design::LeadIn>,
    stratify: Vec<super::trial_design::Factor>,
    block_size: usize,
    responder: Option<super::trial_design::ResponderRule>,
    composite: super::trial_design::Composite,
    survival_month: Option<f64>,
    missing: super::trial_design::Missing,
    extension: Option<super::trial_design::Extension>,
}

/// Lead-in, stratification, the responder and composite definitions, the survival landmark
/// and the missing-data rule of `[trial]`.
fn read_trial_conduct(
    ctx: &mut Ctx<'_>,
    t: &Table<'_, '_>,
    arms: &[Arm],
    simulation: &Simulation,
    allocation: Option<&[u32]>,
) -> Option<TrialConduct> {
    use super::trial_design::Missing;
    let before = ctx.error_count();
    let times = simulation.visit_times();
    let last = times.iter().copied().fold(0.0, f64::max);
    let lead_in = read_lead_in(ctx, t, arms, &times, last);
    let stratify = read_stratify(ctx, t);
    let block_size = read_block_size(ctx, t, allocation, stratify.as_deref());
    let responder = read_responder(ctx, t);
    let composite = read_composite(ctx, t);
    let survival_month = opt_number(ctx, t, "survival-month", 1e-3, 1200.0, "months");
    let t0 = lead_in.map_or(0.0, |l| l.months);
    let extension = read_extension(ctx, t, arms, &times, t0);
    let missing = match t.get("missing") {
        Some(v) => reader::choice(
            ctx,
            v,
            "trial.missing",
            &[
                (Missing::ObservedCases.name(), Missing::ObservedCases),
                (Missing::Locf.name(), Missing::Locf),
            ],
        ),
        None => Some(Missing::ObservedCases),
    };
    if ctx.error_count() > before {
        return None;
    }
    Some(TrialConduct {
        lead_in,
        stratify: stratify?,
        block_size: block_size?,
        responder,
        composite: composite?,
        survival_month,
        missing: missing?,
        extension,
    })
}

/// `[trial.lead-in]`: its length ends at a scheduled visit before the last one, and no arm
/// differs from the control before it ends.
fn read_lead_in(
    ctx: &mut Ctx<'_>,
    t: &Table<'_, '_>,
    arms: &[Arm],
    times: &[f64],
    last: f64,
) -> Option<super::trial_design::LeadIn> {
    use super::trial_design::LeadIn;
    t
    .get("lead-in")
    .and_then(|v| reader::table(ctx, v, "trial.lead-in", LEAD_IN))
    .and_then(|l| {
        let months = l
            .required(ctx, "months", "a lead-in needs its length", "add `months = 3`: the visit at that time is the randomisation baseline")
            .and_then(|v| reader::number(ctx, v, "trial.lead-in.months", 1e-3, 1200.0, "months"))?;
        let decline = window(ctx, &l, "decline", -48.0, 48.0, "ALSFRS-R points");
        let span = l.get("months").map_or(l.span.clone(), |v| v.span());
        if !times.iter().any(|&x| (x - months).abs() < 1e-6) {
            ctx.error(
                span,
                "trial.lead-in.months",
                format!("no visit is scheduled at month {months}, the end of the lead-in"),
                Some("add the time to `simulation.visits-at-months`: the visit there is the randomisation baseline".into()),
            );
            return None;
        }
        if months >= last - 1e-9 {
            ctx.error(
                span,
                "trial.lead-in.months",
                format!("the lead-in ({months} months) leaves no visit after randomisation"),
                Some(format!("schedule visits after month {months}")),
            );
            return None;
        }
        // Randomised treatment starts at randomisation: an arm may not differ from the
        // control before the lead-in ends.
        for (a, arm) in arms.iter().enumerate().skip(1) {
            for th in &arm.therapies {
                let in_control = arms[0].therapies.iter().any(|c| c == th);
                if !in_control && th.start_months < months - 1e-9 {
                    ctx.error(
                        span.clone(),
                        "trial.lead-in.months",
                        format!(
                            "arm `{}` (arm {}) starts `{}` at month {}, before the lead-in ends at month {months}",
                            arm.name,
                            a + 1,
                            th.drug,
                            th.start_months
                        ),
                        Some(format!(
                            "give the arm's therapies `start-months = {months}`: treatment starts at randomisation"
                        )),
                    );
                }
            }
        }
        Some(LeadIn { months, decline })
    })
}

/// `trial.stratify`: the stratification factors, each once.
fn read_stratify(ctx: &mut Ctx<'_>, t: &Table<'_, '_>) -> Option<Vec<super::trial_design::Factor>> {
    use super::trial_design::Factor;
    let factors: Vec<(&str, Factor)> = Factor::ALL.iter().map(|f| (f.name(), *f)).collect();
    match t.get("stratify") {
        Some(v) => reader::array(ctx, v, "trial.stratify").map(|items| {
            let mut out = Vec::new();
            for (i, x) in items.iter().enumerate() {
                let path = format!("trial.stratify[{i}]");
                if let Some(f) = reader::choice(ctx, x, &path, &factors) {
                    if out.contains(&f) {
                        ctx.error(
                            x.span(),
                            &path,
                            format!("`{}` is listed twice", f.name()),
                            None,
                        );
                    }
                    out.push(f);
                }
            }
            out
        }),
        None => Some(Vec::new()),
    }
}

/// `trial.block-size`: whole allocation ratios per block, and only with stratification.
fn read_block_size(
    ctx: &mut Ctx<'_>,
    t: &Table<'_, '_>,
    allocation: Option<&[u32]>,
    stratify: Option<&[super::trial_design::Factor]>,
) -> Option<usize> {
    let ratio: u64 = allocation.map_or(2, |a| a.iter().map(|&x| u64::from(x)).sum());
    match t.get("block-size") {
        Some(v) => {
            let b = reader::integer(ctx, v, "trial.block-size", 1, 1000);
            if let Some(b) = b
                && b % ratio.max(1) != 0
            {
                ctx.error(
                    v.span(),
                    "trial.block-size",
                    format!(
                        "a block of {b} cannot hold whole allocation ratios summing to {ratio}"
                    ),
                    Some(format!("use a multiple of {ratio}")),
                );
            }
            if stratify.is_some_and(<[_]>::is_empty) {
                ctx.error(
                    v.span(),
                    "trial.block-size",
                    "blocks are used by stratified randomisation only",
                    Some("add `stratify = [\"site-of-onset\"]` (or another factor), or remove the key".into()),
                );
            }
            b.map(|b| b as usize)
        }
        None => Some(2 * ratio as usize),
    }
}

/// `[trial.responder]`: exactly one rule; slope rules need a lead-in.
fn read_responder(
    ctx: &mut Ctx<'_>,
    t: &Table<'_, '_>,
) -> Option<super::trial_design::ResponderRule> {
    use super::trial_design::ResponderRule;
    t
    .get("responder")
    .and_then(|v| reader::table(ctx, v, "trial.responder", RESPONDER))
    .and_then(|r| {
        let given: Vec<&str> = RESPONDER.iter().copied().filter(|k| r.get(k).is_some()).collect();
        if given.len() != 1 {
            ctx.error(
                r.span.clone(),
                "trial.responder",
                format!("expected exactly one rule, found {}", given.len()),
                Some(format!("give one of {}", reader::list(RESPONDER))),
            );
            return None;
        }
        let rule = match given[0] {
            "max-decline" => ResponderRule::MaxDecline(opt_number(ctx, &r, "max-decline", 0.0, 48.0, "ALSFRS-R points")?),
            "slope-improvement" => ResponderRule::SlopeImprovement(opt_number(ctx, &r, "slope-improvement", 0.0, 48.0, "points/month")?),
            _ => ResponderRule::SlopeImprovementPercent(opt_number(ctx, &r, "slope-improvement-percent", 0.0, 1000.0, "%")?),
        };
        if !matches!(rule, ResponderRule::MaxDecline(_)) && t.get("lead-in").is_none() {
            ctx.error(
                r.span.clone(),
                &format!("trial.responder.{}", given[0]),
                "a slope improvement is measured against the lead-in slope, but the trial has no lead-in",
                Some("add a `[trial.lead-in]` table, or use `max-decline`".into()),
            );
        }
        Some(rule)
    })
}

/// `[trial.composite]`: what adds to death or permanent ventilation in the composite endpoint.
fn read_composite(ctx: &mut Ctx<'_>, t: &Table<'_, '_>) -> Option<super::trial_design::Composite> {
    use super::trial_design::Composite;
    match t.get("composite") {
        Some(v) => reader::table(ctx, v, "trial.composite", COMPOSITE).map(|c| {
            let mut out = Composite {
                alsfrs_fall: opt_number(ctx, &c, "alsfrs-fall", 1.0, 48.0, "ALSFRS-R points"),
                ..Composite::default()
            };
            if let Some(ev) = c.get("events")
                && let Some(items) = reader::array(ctx, ev, "trial.composite.events")
            {
                let options = [("gastrostomy", 0u8), ("niv", 1u8)];
                for (i, x) in items.iter().enumerate() {
                    match reader::choice(ctx, x, &format!("trial.composite.events[{i}]"), &options) {
                        Some(0) => out.gastrostomy = true,
                        Some(_) => out.niv = true,
                        None => {}
                    }
                }
            }
            if out.alsfrs_fall.is_none() && !out.gastrostomy && !out.niv {
                ctx.error(
                    c.span.clone(),
                    "trial.composite",
                    "the composite adds nothing to death or permanent ventilation",
                    Some("give `alsfrs-fall = 6` and/or `events = [\"gastrostomy\", \"niv\"]`, or use the `survival` endpoint".into()),
                );
            }
            out
        }),
        None => Some(Composite::default()),
    }
}

/// `[trial.extension]`: the end of the randomised period and the arm the control patients
/// continue in (the last `[[arm]]`: the control's therapies, then the drug from the switch on).
fn read_extension(
    ctx: &mut Ctx<'_>,
    t: &Table<'_, '_>,
    arms: &[Arm],
    times: &[f64],
    t0: f64,
) -> Option<super::trial_design::Extension> {
    let e = reader::table(ctx, t.get("extension")?, "trial.extension", EXTENSION)?;
    let after = e
        .required(
            ctx,
            "after-months",
            "an extension needs the end of the randomised period",
            "add `after-months = 6`: months after randomisation",
        )
        .and_then(|v| {
            reader::number(
                ctx,
                v,
                "trial.extension.after-months",
                1e-3,
                1200.0,
                "months",
            )
        });
    let names: Vec<(&str, usize)> = arms
        .iter()
        .enumerate()
        .map(|(i, a)| (a.name.as_str(), i))
        .collect();
    let arm = e
        .required(ctx, "arm", "an extension needs the arm the control patients continue in", "add an `[[arm]]` (the last) with the control's therapies and the drug from the switch on, and name it here")
        .and_then(|v| reader::choice(ctx, v, "trial.extension.arm", &names));
    let (after, arm) = (after?, arm?);
    let span = e.get("arm").map_or(e.span.clone(), |v| v.span());
    check_extension_arm(ctx, &span, arms, arm)?;
    let switch = t0 + after;
    let after_span = e.get("after-months").map_or(e.span.clone(), |v| v.span());
    check_extension_visits(ctx, &after_span, times, switch)?;
    check_delayed_start(ctx, &span, &arms[0], &arms[arm], switch);
    Some(super::trial_design::Extension {
        after_months: after,
        arm,
    })
}

/// The delayed-start arm of an extension is the last of three arms.
fn check_extension_arm(
    ctx: &mut Ctx<'_>,
    span: &std::ops::Range<usize>,
    arms: &[Arm],
    arm: usize,
) -> Option<()> {
    if arm + 1 != arms.len() {
        ctx.error(
            span.clone(),
            "trial.extension.arm",
            format!(
                "the delayed-start arm `{}` is not the last `[[arm]]`",
                arms[arm].name
            ),
            Some("move it after the randomised arms".into()),
        );
        return None;
    }
    if arms.len() != 3 {
        ctx.error(
            span.clone(),
            "trial.extension.arm",
            format!("a delayed-start extension needs two randomised arms and the delayed-start arm; the scenario has {} arms", arms.len()),
            Some("give the control, the active arm and the delayed-start arm, in that order".into()),
        );
        return None;
    }
    Some(())
}

/// A visit is scheduled at the switch of an extension, and visits follow it.
fn check_extension_visits(
    ctx: &mut Ctx<'_>,
    after_span: &std::ops::Range<usize>,
    times: &[f64],
    switch: f64,
) -> Option<()> {
    if !times.iter().any(|&x| (x - switch).abs() < 1e-6) {
        ctx.error(
            after_span.clone(),
            "trial.extension.after-months",
            format!("no visit is scheduled at the end of the randomised period (month {switch} of the schedule)"),
            Some("add the time to `simulation.visits-at-months`".into()),
        );
        return None;
    }
    if !times.iter().any(|&x| x > switch + 1e-6) {
        ctx.error(
            after_span.clone(),
            "trial.extension.after-months",
            "no visit is scheduled after the randomised period",
            Some(
                "schedule extension visits after it and extend `simulation.horizon-months`".into(),
            ),
        );
        return None;
    }
    Some(())
}

/// The delayed-start arm keeps every therapy of the control and starts its own at the switch.
fn check_delayed_start(
    ctx: &mut Ctx<'_>,
    span: &std::ops::Range<usize>,
    control: &Arm,
    delayed: &Arm,
    switch: f64,
) {
    for c in &control.therapies {
        if !delayed.therapies.contains(c) {
            ctx.error(
                span.clone(),
                "trial.extension.arm",
                format!(
                    "the delayed-start arm `{}` lacks the control's `{}`",
                    delayed.name, c.drug
                ),
                Some("give it every therapy of the control, unchanged".into()),
            );
        }
    }
    for d in &delayed.therapies {
        if !control.therapies.contains(d) && d.start_months < switch - 1e-9 {
            ctx.error(
                span.clone(),
                "trial.extension.arm",
                format!(
                    "the delayed-start arm `{}` starts `{}` at month {}, before the randomised period ends at month {switch}",
                    delayed.name, d.drug, d.start_months
                ),
                Some(format!("give it `start-months = {switch}`")),
            );
        }
    }
}

/// A definition for an endpoint that is not analysed is an error (never silently ignored), as
/// is an endpoint without the definition it needs.
fn check_endpoint_options(
    ctx: &mut Ctx<'_>,
    t: &Table<'_, '_>,
    endpoints: &[super::trial_design::Endpoint],
    extra: &TrialConduct,
) {
    use super::trial_design::Endpoint;
    let needs = [
        ("responder", Endpoint::Responder),
        ("composite", Endpoint::Composite),
        ("survival-month", Endpoint::SurvivalAt),
    ];
    for (key, endpoint) in needs {
        if let Some(v) = t.get(key)
            && !endpoints.contains(&endpoint)
        {
            ctx.error(
                v.span(),
                &format!("trial.{key}"),
                format!("`{key}` defines the `{endpoint}` endpoint, which is not in `endpoints`"),
                Some(format!(
                    "add \"{endpoint}\" to `trial.endpoints`, or remove `{key}`"
                )),
            );
        }
    }
    if endpoints.contains(&Endpoint::DelayedStart) && t.get("extension").is_none() {
        ctx.error(
            t.get("endpoints").map_or(t.span.clone(), |v| v.span()),
            "trial.endpoints",
            "the `delayed-start` endpoint needs a `[trial.extension]` table",
            Some("add `[trial.extension]` with `after-months` and the delayed-start `arm`".into()),
        );
    }
    if let Some(v) = t.get("missing")
        && !endpoints.contains(&Endpoint::AlsfrsChange)
    {
        ctx.error(
            v.span(),
            "trial.missing",
            "`missing` applies to the `alsfrs-change` endpoint, which is not in `endpoints`",
            Some("add \"alsfrs-change\" to `trial.endpoints`, or remove `missing`".into()),
        );
    }
    let span = t.get("endpoints").map_or(t.span.clone(), |v| v.span());
    if endpoints.contains(&Endpoint::Responder)
        && extra.responder.is_none()
        && t.get("responder").is_none()
    {
        ctx.error(
            span.clone(),
            "trial.endpoints",
            "the `responder` endpoint needs a `[trial.responder]` rule",
            Some("add `[trial.responder]` with `max-decline = 6`, `slope-improvement = 1.25` or `slope-improvement-percent = 20`".into()),
        );
    }
    if endpoints.contains(&Endpoint::Composite) && t.get("composite").is_none() {
        ctx.error(
            span,
            "trial.endpoints",
            "the `composite` endpoint needs a `[trial.composite]` table",
            Some("add `[trial.composite]` with `alsfrs-fall = 6` and/or `events = [\"gastrostomy\", \"niv\"]`".into()),
        );
    }
}

/// `[drug.NAME]` tables: new drugs, or overrides of library drugs, in file order. A new drug
/// may name a drug to inherit from with `based-on`: a library drug or one defined above it in
/// the file, so inheritance can never form a cycle.
fn read_drugs(ctx: &mut Ctx<'_>, v: Option<&Value<'_>>) -> Vec<Drug> {
    let Some(v) = v else {
        return Vec::new();
    };
    let toml::de::DeValue::Table(tables) = v.get_ref() else {
        ctx.error(
            v.span(),
            "drug",
            format!(
                "expected a table of drugs, found {}",
                v.get_ref().type_str()
            ),
            Some("define or override a drug with a `[drug.NAME]` table".into()),
        );
        return Vec::new();
    };
    let names: Vec<&str> = tables
        .iter()
        .map(|(k, _)| -> &str { k.get_ref() })
        .collect();
    let mut out: Vec<Drug> = Vec::new();
    for (i, (key, dv)) in tables.iter().enumerate() {
        let name: &str = key.get_ref();
        let path = join("drug", name);
        check_name(ctx, name, key.span(), &path, false);
        let Some(t) = reader::table(ctx, dv, &path, crate::therapy::read::SCENARIO_DRUG) else {
            continue;
        };
        let (base, based_on) = match t.get("based-on") {
            Some(bv) => match based_on(ctx, bv, &t.key_path("based-on"), name, &out, &names, i) {
                Some(b) => (Some(b), true),
                None => continue,
            },
            None => (crate::therapy::library::find(name).cloned(), false),
        };
        if let Some(mut d) = crate::therapy::read::read_drug(ctx, &t, Some(name), base.as_ref()) {
            if let (true, Some(b)) = (based_on, &base) {
                // A changed drug is no longer the one the base's title and status describe.
                if t.get("title").is_none() {
                    d.title = format!("{name} (based on {})", b.name);
                }
                if t.get("status").is_none() {
                    d.status = crate::therapy::Status::Hypothetical;
                }
            }
            out.push(d);
        }
    }
    out
}

/// The drug a `based-on` key names: one defined earlier in the file (`above`), else a library
/// drug. `names` are the names of every `[drug.NAME]` table in file order, this one at `at`.
fn based_on(
    ctx: &mut Ctx<'_>,
    v: &Value<'_>,
    path: &str,
    name: &str,
    above: &[Drug],
    names: &[&str],
    at: usize,
) -> Option<Drug> {
    let base = reader::string(ctx, v, path)?;
    if crate::therapy::library::find(name).is_some() {
        ctx.error(
            v.span(),
            path,
            format!("`[drug.{name}]` overrides the library's `{name}` and cannot be based on another drug"),
            Some(format!(
                "give the new drug its own name, e.g. `[drug.my-{name}]`, or leave out `based-on` to change `{name}` key by key"
            )),
        );
        return None;
    }
    if base == name {
        ctx.error(
            v.span(),
            path,
            format!("`{name}` cannot be based on itself"),
            Some("name a library drug (`alssim drugs` lists them) or a drug defined above".into()),
        );
        return None;
    }
    if let Some(d) = above.iter().rev().find(|d| d.name == base) {
        return Some(d.clone());
    }
    if let Some(d) = crate::therapy::library::find(&base) {
        return Some(d.clone());
    }
    if names[..at].contains(&base.as_str()) {
        ctx.error(
            v.span(),
            path,
            format!("`{base}` has errors, so `{name}` cannot inherit from it"),
            Some(format!("fix `[drug.{base}]` first")),
        );
        return None;
    }
    if names[at..].contains(&base.as_str()) {
        ctx.error(
            v.span(),
            path,
            format!("`{base}` is defined below `[drug.{name}]`"),
            Some(format!(
                "a drug can be based on a library drug or on one defined above it: move `[drug.{base}]` above `[drug.{name}]`"
            )),
        );
        return None;
    }
    let mut known: Vec<&str> = crate::therapy::library::names();
    known.extend(above.iter().map(|d| d.name.as_str()));
    let hint = match reader::did_you_mean(&base, known.iter().copied()) {
        Some(s) => format!("did you mean `{s}`? "),
        None => String::new(),
    };
    ctx.error(
        v.span(),
        path,
        format!("unknown drug `{base}`"),
        Some(format!(
            "{hint}`based-on` names a library drug (`alssim drugs` lists them) or a drug defined above"
        )),
    );
    None
}

fn read_arms(ctx: &mut Ctx<'_>, v: Option<&Value<'_>>, drugs: &[Drug], horizon: f64) -> Vec<Arm> {
    let Some(v) = v else {
        return vec![Arm {
            name: "untreated".into(),
            therapies: Vec::new(),
            interaction: 1.0,
            interactions: Vec::new(),
        }];
    };
    if let toml::de::DeValue::Table(_) = v.get_ref() {
        ctx.error(
            v.span(),
            "arm",
            "expected a list of arms, found a single table",
            Some("write each arm as `[[arm]]`, with double brackets".into()),
        );
        return Vec::new();
    }
    let Some(items) = reader::array(ctx, v, "arm") else {
        return Vec::new();
    };
    if items.is_empty() {
        ctx.error(
            v.span(),
            "arm",
            "no arms",
            Some("give at least one `[[arm]]` with a `name`, or leave `arm` out for a single untreated arm".into()),
        );
    }
    let mut arms: Vec<Arm> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("arm[{i}]");
        let Some(t) = reader::table(ctx, item, &path, ARM) else {
            continue;
        };
        let name = match t.get("name") {
            Some(n) => reader::string(ctx, n, &t.key_path("name")).inspect(|name| {
                check_name(ctx, name, n.span(), &t.key_path("name"), false);
                if arms.iter().any(|a| &a.name == name) {
                    ctx.error(
                        n.span(),
                        &t.key_path("name"),
                        format!("arm name `{name}` is used twice"),
                        Some("every arm needs a name of its own".into()),
                    );
                }
            }),
            None => {
                ctx.error(
                    t.span.clone(),
                    &path,
                    "missing key `name`",
                    Some("e.g. `name = \"control\"`".into()),
                );
                None
            }
        };
        let therapies = t.get("therapies").map_or_else(Vec::new, |tv| {
            read_therapies(ctx, tv, &t.key_path("therapies"), drugs, horizon)
        });
        let interaction = opt_number(
            ctx,
            &t,
            "interaction",
            0.0,
            10.0,
            "(1 = Bliss independence, above 1 synergy, below 1 antagonism)",
        )
        .unwrap_or(1.0);
        let interactions = t.get("interactions").map_or_else(Vec::new, |v| {
            read_pair_interactions(ctx, v, &t.key_path("interactions"), &therapies)
        });
        if let Some(name) = name {
            arms.push(Arm {
                name,
                therapies,
                interaction,
                interactions,
            });
        }
    }
    arms
}

/// `interactions` of an arm: an interaction factor for a pair of its therapies on a target both
/// act on, e.g. `{ drugs = ["masitinib", "ibudilast"], target = "microglial-activation",
/// factor = 1.5 }`.
fn read_pair_interactions(
    ctx: &mut Ctx<'_>,
    v: &Value<'_>,
    path: &str,
    therapies: &[TherapySpec],
) -> Vec<PairInteraction> {
    let Some(items) = reader::array(ctx, v, path) else {
        return Vec::new();
    };
    let names: Vec<&str> = therapies.iter().map(|t| t.drug.as_str()).collect();
    let mut out: Vec<PairInteraction> = Vec::new();
    if items.len() > crate::model::MAX_PAIRS {
        ctx.error(
            v.span(),
            path,
            format!("{} pair interactions", items.len()),
            Some(format!(
                "an arm takes at most {} pair interactions",
                crate::model::MAX_PAIRS
            )),
        );
        return out;
    }
    for (i, item) in items.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let Some(t) = reader::table(ctx, item, &p, PAIR) else {
            continue;
        };
        let pair = pair_drugs(ctx, &t, &names);
        let target = pair_target(ctx, &t, pair, therapies);
        let factor = t
            .required(
                ctx,
                "factor",
                "a pair interaction needs `factor`",
                "e.g. `factor = 1.5` (1 = independence, above 1 synergy, below 1 antagonism)",
            )
            .and_then(|f| {
                reader::number(
                    ctx,
                    f,
                    &t.key_path("factor"),
                    0.0,
                    10.0,
                    "(1 = independence, above 1 synergy, below 1 antagonism)",
                )
            });
        let (Some((a, b)), Some(target), Some(factor)) = (pair, target, factor) else {
            continue;
        };
        // One pair per drug and mechanism slot (the three synthesis targets share one).
        if let Some(prev) = out.iter().find(|q| {
            q.target.slot() == target.slot()
                && [a, b]
                    .iter()
                    .any(|x| [q.therapies.0, q.therapies.1].contains(x))
        }) {
            ctx.error(
                t.span.clone(),
                &p,
                format!(
                    "`{}` on `{}` is already in the pair {} and {}",
                    if [prev.therapies.0, prev.therapies.1].contains(&a) {
                        names[a]
                    } else {
                        names[b]
                    },
                    target.name(),
                    names[prev.therapies.0],
                    names[prev.therapies.1]
                ),
                Some("a therapy takes part in one pair interaction per target".into()),
            );
            continue;
        }
        out.push(PairInteraction {
            therapies: (a, b),
            target,
            factor,
        });
    }
    out
}

/// The two therapies named by a pair interaction's `drugs`, by position in the arm.
fn pair_drugs(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, names: &[&str]) -> Option<(usize, usize)> {
    let v = t.required(
        ctx,
        "drugs",
        "a pair interaction needs `drugs`",
        "e.g. `drugs = [\"masitinib\", \"ibudilast\"]`, two of the arm's drugs",
    )?;
    let path = t.key_path("drugs");
    let items = reader::array(ctx, v, &path)?;
    if items.len() != 2 {
        ctx.error(
            v.span(),
            &path,
            format!("{} drugs", items.len()),
            Some("a pair interaction names two of the arm's drugs".into()),
        );
        return None;
    }
    let mut found = Vec::new();
    for (k, item) in items.iter().enumerate() {
        let ip = format!("{path}[{k}]");
        let name = reader::string(ctx, item, &ip)?;
        match names.iter().position(|n| *n == name) {
            Some(pos) => found.push(pos),
            None => {
                ctx.error(
                    item.span(),
                    &ip,
                    format!("`{name}` is not a therapy of this arm"),
                    Some(format!("the arm's therapies: {}", reader::list(names))),
                );
                return None;
            }
        }
    }
    if found[0] == found[1] {
        ctx.error(
            v.span(),
            &path,
            "the same drug twice",
            Some("a pair interaction names two different drugs of the arm".into()),
        );
        return None;
    }
    Some((found[0], found[1]))
}

/// The `target` of a pair interaction: one that both drugs act on, not through a shared site.
fn pair_target(
    ctx: &mut Ctx<'_>,
    t: &Table<'_, '_>,
    pair: Option<(usize, usize)>,
    therapies: &[TherapySpec],
) -> Option<crate::therapy::Target> {
    let v = t.required(
        ctx,
        "target",
        "a pair interaction needs `target`",
        "e.g. `target = \"microglial-activation\"`, a target both drugs act on",
    )?;
    let path = t.key_path("target");
    let (a, b) = pair?;
    let effects = |k: usize| &therapies[k].definition.effects;
    let common: Vec<&crate::therapy::Effect> = effects(a)
        .iter()
        .filter(|e| effects(b).iter().any(|f| f.target == e.target))
        .collect();
    let options: Vec<(&str, crate::therapy::Target)> =
        common.iter().map(|e| (e.target.name(), e.target)).collect();
    if options.is_empty() {
        ctx.error(
            v.span(),
            &path,
            format!(
                "`{}` and `{}` act on no target in common",
                therapies[a].drug, therapies[b].drug
            ),
            Some("a pair interaction scales how two drugs combine on a target both act on".into()),
        );
        return None;
    }
    let target = reader::choice(ctx, v, &path, &options)?;
    let site = |k: usize| {
        effects(k)
            .iter()
            .find(|e| e.target == target)
            .and_then(|e| e.site.clone())
    };
    if let (Some(x), Some(y)) = (site(a), site(b))
        && x == y
    {
        ctx.error(
            v.span(),
            &path,
            format!(
                "`{}` and `{}` share the site `{x}` on `{}`: they combine by competing for it",
                therapies[a].drug,
                therapies[b].drug,
                target.name()
            ),
            Some("leave the pair out, or give one drug's effect another `site`".into()),
        );
        return None;
    }
    Some(target)
}

fn read_therapies(
    ctx: &mut Ctx<'_>,
    v: &Value<'_>,
    path: &str,
    drugs: &[Drug],
    horizon: f64,
) -> Vec<TherapySpec> {
    let toml::de::DeValue::Array(items) = v.get_ref() else {
        ctx.error(
            v.span(),
            path,
            format!("expected an array, found {}", v.get_ref().type_str()),
            Some(
                "write a list of therapy tables: `[]` for none, or e.g. `[{ drug = \"riluzole\" }]`"
                    .into(),
            ),
        );
        return Vec::new();
    };
    let known = known_drugs(drugs);
    let mut out: Vec<TherapySpec> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let Some(t) = reader::table(ctx, item, &p, THERAPY) else {
            continue;
        };
        let drug = read_therapy_drug(ctx, &t, &p, drugs, &known, &out);
        let (start, stop) = read_timing(ctx, &t);
        let dose = opt_number(
            ctx,
            &t,
            "dose",
            0.0,
            10.0,
            "(relative to the standard dose)",
        );
        let adherence =
            opt_number(ctx, &t, "adherence", 0.0, 1.0, "(fraction of doses taken)").unwrap_or(1.0);
        let food = match t.get("food") {
            Some(v) => reader::choice(
                ctx,
                v,
                &t.key_path("food"),
                &crate::therapy::pk::Food::ALL.map(|f| (f.name(), f)),
            ),
            None => Some(crate::therapy::pk::Food::Fasted),
        };
        let dose_changes = read_dose_changes(ctx, &t);
        let trigger = read_trigger(ctx, &t);
        let cycles = read_cycles(ctx, &t);
        let holidays = read_holidays(ctx, &t);
        let Some(drug) = drug else {
            continue;
        };
        check_keys_for(ctx, &t, &drug);
        let mut spec = TherapySpec::new(drug);
        if let Some(trigger) = trigger {
            spec.trigger = trigger;
        }
        if let (Some(sv), Some(tr)) = (t.get("stop-months"), spec.trigger) {
            ctx.error(
                sv.span(),
                &t.key_path("stop-months"),
                format!(
                    "a therapy started by `{}` runs to the end of follow-up",
                    tr.name()
                ),
                Some(
                    "leave `stop-months` out, or set `trigger = \"none\"` to give fixed times"
                        .into(),
                ),
            );
        }
        spec.start_months = start;
        spec.stop_months = stop;
        spec.dose = dose.unwrap_or(1.0);
        check_dose_changes_before_stop(ctx, &t, &dose_changes, start, stop);
        spec.dose_changes = dose_changes;
        spec.adherence = adherence;
        spec.food = food.unwrap_or_default();
        spec.cycles = cycles;
        spec.holidays = holidays;
        check_breakpoints(ctx, item, &p, &spec, horizon);
        out.push(spec);
    }
    out
}

/// `start-months` and `stop-months` of one therapy table; a stop not after the start is an
/// error.
fn read_timing(ctx: &mut Ctx<'_>, t: &Table<'_, '_>) -> (f64, Option<f64>) {
    let start = opt_number(
        ctx,
        t,
        "start-months",
        0.0,
        1200.0,
        "months after enrollment",
    )
    .unwrap_or(0.0);
    let stop = opt_number(
        ctx,
        t,
        "stop-months",
        0.0,
        1200.0,
        "months after enrollment",
    );
    if let (Some(stop), Some(sv)) = (stop, t.get("stop-months"))
        && stop <= start
    {
        ctx.error(
            sv.span(),
            &t.key_path("stop-months"),
            format!("stop ({stop}) is not after start ({start})"),
            Some("`stop-months` must be later than `start-months`; leave it out for a therapy that never stops".into()),
        );
    }
    (start, stop)
}

/// `trigger` of one therapy table: `None` when not given (the drug's own trigger stays),
/// `Some(None)` for `"none"` (or a value that is not accepted, reported as an error).
fn read_trigger(ctx: &mut Ctx<'_>, t: &Table<'_, '_>) -> Option<Option<Trigger>> {
    t.get("trigger").map(|v| {
        let mut options: Vec<(&str, Option<Trigger>)> =
            Trigger::ALL.iter().map(|&g| (g.name(), Some(g))).collect();
        options.push(("none", None));
        reader::choice(ctx, v, &t.key_path("trigger"), &options).flatten()
    })
}

/// `cycles` of one therapy table (averaged unless given).
fn read_cycles(ctx: &mut Ctx<'_>, t: &Table<'_, '_>) -> CycleMode {
    t.get("cycles")
        .and_then(|v| {
            reader::choice(
                ctx,
                v,
                &t.key_path("cycles"),
                &[
                    (CycleMode::Averaged.name(), CycleMode::Averaged),
                    (CycleMode::Resolved.name(), CycleMode::Resolved),
                ],
            )
        })
        .unwrap_or_default()
}

/// The drug names a therapy may use: the library's and the scenario's own.
fn known_drugs(drugs: &[Drug]) -> Vec<&str> {
    let mut k = crate::therapy::library::names();
    for d in drugs {
        if !k.contains(&d.name.as_str()) {
            k.push(d.name.as_str());
        }
    }
    k
}

/// The drug of one therapy table: from the scenario's own drugs or the library, not given twice
/// in the arm (`given`).
fn read_therapy_drug(
    ctx: &mut Ctx<'_>,
    t: &Table<'_, '_>,
    p: &str,
    drugs: &[Drug],
    known: &[&str],
    given: &[TherapySpec],
) -> Option<Drug> {
    match t.get("drug") {
        Some(d) => reader::string(ctx, d, &t.key_path("drug")).and_then(|name| {
            let found = drugs
                .iter()
                .find(|x| x.name == name)
                .or_else(|| crate::therapy::library::find(&name));
            if let Some(found) = found {
                if given.iter().any(|o| o.drug == name) {
                    ctx.error(
                        d.span(),
                        &t.key_path("drug"),
                        format!("`{name}` is given twice in this arm"),
                        Some("give each drug once per arm; use `dose` for a different dose".into()),
                    );
                    return None;
                }
                return Some(found.clone());
            }
            let help = match reader::did_you_mean(&name, known.iter().copied()) {
                Some(s) => format!(
                    "did you mean `{s}`? known drugs: {} (`alssim drugs` lists them; a \
                 `[drug.{name}]` table defines a new one)",
                    known.join(", ")
                ),
                None => format!(
                    "known drugs: {} (`alssim drugs` lists them; a `[drug.{name}]` table \
                 defines a new one)",
                    known.join(", ")
                ),
            };
            ctx.error(
                d.span(),
                &t.key_path("drug"),
                format!("unknown drug `{name}`"),
                Some(help),
            );
            None
        }),
        None => {
            ctx.error(
                t.span.clone(),
                p,
                "missing key `drug`",
                Some("every therapy names its drug, e.g. `{ drug = \"riluzole\" }`".into()),
            );
            None
        }
    }
}

/// The `holidays` of one therapy table: positive months on and off the drug.
/// Dose changes must fall while the therapy is given.
fn check_dose_changes_before_stop(
    ctx: &mut Ctx<'_>,
    t: &Table<'_, '_>,
    changes: &[(f64, f64)],
    start: f64,
    stop: Option<f64>,
) {
    if let (Some(stop), Some(&(last, _)), Some(dv)) = (stop, changes.last(), t.get("dose-changes"))
        && start + last >= stop
    {
        ctx.error(
            dv.span(),
            &t.key_path("dose-changes"),
            format!(
                "a dose change at month {last} after the start comes at or after the stop ({} months after the start)",
                stop - start
            ),
            Some("dose changes must fall while the therapy is given".into()),
        );
    }
}

/// `dose-changes`: `[{ at-months, dose }, ...]`, months after the therapy's start, increasing.
fn read_dose_changes(ctx: &mut Ctx<'_>, t: &Table<'_, '_>) -> Vec<(f64, f64)> {
    let Some(v) = t.get("dose-changes") else {
        return Vec::new();
    };
    let path = t.key_path("dose-changes");
    let Some(items) = reader::array(ctx, v, &path) else {
        return Vec::new();
    };
    let mut out: Vec<(f64, f64)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let Some(c) = reader::table(ctx, item, &p, DOSE_CHANGE) else {
            continue;
        };
        let at = opt_number(
            ctx,
            &c,
            "at-months",
            0.0,
            1200.0,
            "months after the therapy's start",
        );
        let dose = opt_number(
            ctx,
            &c,
            "dose",
            0.0,
            10.0,
            "(relative to the standard dose)",
        );
        match (at, dose) {
            (Some(at), Some(dose)) => {
                if at <= 0.0 || out.last().is_some_and(|&(prev, _)| at <= prev) {
                    ctx.error(
                        item.span(),
                        &p,
                        format!("a dose change at month {at} does not come after the one before"),
                        Some(
                            "changes are months after the therapy's start, above 0 and increasing; \
                             the dose at the start is `dose`"
                                .into(),
                        ),
                    );
                    continue;
                }
                out.push((at, dose));
            }
            _ => {
                if c.get("at-months").is_none() || c.get("dose").is_none() {
                    ctx.error(
                        item.span(),
                        &p,
                        "give both `at-months` and `dose`",
                        Some("e.g. `dose-changes = [{ at-months = 0.75, dose = 1 }]`".into()),
                    );
                }
            }
        }
    }
    out
}

fn read_holidays(ctx: &mut Ctx<'_>, t: &Table<'_, '_>) -> Option<(f64, f64)> {
    t.get("holidays").and_then(|hv| {
        let h = reader::table(ctx, hv, &t.key_path("holidays"), HOLIDAYS)?;
        let on = opt_number(ctx, &h, "on-months", 0.0, 1200.0, "months on the drug");
        let off = opt_number(ctx, &h, "off-months", 0.0, 1200.0, "months off the drug");
        match (on, off) {
            (Some(on), Some(off)) if on > 0.0 && off > 0.0 => Some((on, off)),
            (Some(_), Some(_)) => {
                ctx.error(
                    hv.span(),
                    &t.key_path("holidays"),
                    "holiday periods must be positive",
                    Some("e.g. `holidays = { on-months = 6, off-months = 2 }`".into()),
                );
                None
            }
            _ => {
                ctx.error(
                    hv.span(),
                    &t.key_path("holidays"),
                    "give both `on-months` and `off-months`",
                    Some("e.g. `holidays = { on-months = 6, off-months = 2 }`".into()),
                );
                None
            }
        }
    })
}

/// The keys that need the drug's exposure: `dose-changes` (continuous and cyclic regimens of a
/// drug with an exposure) and `food` (a documented food effect).
fn check_exposure_keys_for(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, drug: &Drug) {
    if let Some(dv) = t.get("dose-changes")
        && (drug.exposure.is_none()
            || matches!(
                drug.regimen,
                crate::therapy::Regimen::Doses { .. } | crate::therapy::Regimen::Permanent
            ))
    {
        ctx.error(
            dv.span(),
            &t.key_path("dose-changes"),
            format!(
                "`{}` has {}: dose changes apply to continuous and cyclic regimens of drugs with an exposure",
                drug.name,
                if drug.exposure.is_none() {
                    "no exposure".to_string()
                } else {
                    format!("a `{}` regimen", drug.regimen.kind())
                }
            ),
            Some("for separate doses, set `dose` for the whole course".into()),
        );
    }
    if let Some(fv) = t.get("food")
        && drug
            .exposure
            .as_ref()
            .and_then(|e| e.pk.as_ref())
            .and_then(|p| p.fed_exposure)
            .is_none()
    {
        ctx.error(
            fv.span(),
            &t.key_path("food"),
            format!("`{}` has no documented food effect", drug.name),
            Some(
                "`food` applies to drugs whose `[exposure.pk]` gives `fed-exposure` \
                 (`alssim drugs NAME` shows it)"
                    .into(),
            ),
        );
    }
}

/// Keys that make no sense for this drug are errors, not silently ignored.
fn check_keys_for(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, drug: &Drug) {
    if let (Some(hv), crate::therapy::Regimen::Doses { .. } | crate::therapy::Regimen::Permanent) =
        (t.get("holidays"), &drug.regimen)
    {
        ctx.error(
            hv.span(),
            &t.key_path("holidays"),
            format!(
                "`{}` has a `{}` regimen: holidays apply to continuous and cyclic regimens",
                drug.name,
                drug.regimen.kind()
            ),
            Some("for separate doses, give `stop-months` instead".into()),
        );
    }
    check_exposure_keys_for(ctx, t, drug);
    // Keys that make no sense for this drug are errors, not silently ignored.
    if let (Some(dv), None) = (t.get("dose"), &drug.exposure) {
        ctx.error(
            dv.span(),
            &t.key_path("dose"),
            format!("`{}` has no exposure, so it has no dose", drug.name),
            Some("its effect is scaled by `adherence` alone".into()),
        );
    }
    if let (Some(cv), false) = (
        t.get("cycles"),
        matches!(drug.regimen, crate::therapy::Regimen::Cyclic { .. }),
    ) {
        ctx.error(
            cv.span(),
            &t.key_path("cycles"),
            format!(
                "`{}` has a `{}` regimen, not a cyclic one",
                drug.name,
                drug.regimen.kind()
            ),
            Some("`cycles` applies to cyclic regimens only".into()),
        );
    }
    if let (Some(sv), crate::therapy::Regimen::Permanent) = (t.get("stop-months"), &drug.regimen) {
        ctx.error(
            sv.span(),
            &t.key_path("stop-months"),
            format!("`{}` is permanent: it cannot be stopped", drug.name),
            Some("leave `stop-months` out".into()),
        );
    }
}

/// A therapy that would stop every patient's integration too often is an error.
fn check_breakpoints(
    ctx: &mut Ctx<'_>,
    item: &Value<'_>,
    p: &str,
    spec: &TherapySpec,
    horizon: f64,
) {
    // The same span of follow-up as the arm's plan resolves (`ArmPlan::new`).
    let breakpoints = super::bounds::breakpoint_estimate(
        &spec.definition,
        spec,
        horizon - spec.start_months + 1.0,
    );
    if breakpoints > super::bounds::MAX_BREAKPOINTS as f64 {
        ctx.error(
            item.span(),
            p,
            format!(
                "`{}` would switch on and off about {} times over the follow-up, more than \
             the limit of {} breakpoints per therapy (every patient's integration \
             stops at each one)",
                spec.drug,
                crate::input::readable(breakpoints),
                super::bounds::MAX_BREAKPOINTS
            ),
            Some(
                "use longer cycles, dosing intervals or holidays, `cycles = \"averaged\"`, \
             or a shorter horizon"
                    .into(),
            ),
        );
    }
}

/// The span of `population.KEY`, when the file gives it.
fn population_span(root: &Table<'_, '_>, key: &str) -> Option<std::ops::Range<usize>> {
    let toml::de::DeValue::Table(t) = root.get("population")?.get_ref() else {
        return None;
    };
    t.get(key).map(|v| v.span())
}
