//! The JSON API of the explorer: a what-if request, checked against its bounds and turned into
//! a scenario (the same TOML `alssim run` reads, so a downloaded scenario runs to the same
//! numbers), and the response the page draws: the estimates of `report.html` as JSON.

use crate::model::Genotype;
use crate::report::figures::median_text;
use crate::report::run::RunError;
use crate::report::tables::run_tables;
use crate::results::estimates::{Differences, Estimates, KEY_MONTHS, Quantiles, REGIONS, STATES};
use crate::results::{ReadError, ResultData};
use crate::scenario::{self, Scenario};
use crate::therapy::library;
use serde::Deserialize;
use serde_json::{Value, json};
use std::fmt::Write as _;

/// Most virtual patients one request may simulate.
pub const MAX_PATIENTS: u64 = 5000;
/// Fewest virtual patients of a request.
pub const MIN_PATIENTS: u64 = 10;
/// Most arms of a request.
pub const MAX_ARMS: usize = 4;
/// Most drugs in one arm.
pub const MAX_DRUGS: usize = 4;
/// Follow-up bounds, months after enrollment.
pub const HORIZON_MONTHS: (f64, f64) = (6.0, 120.0);
/// Largest dose, as a multiple of the standard dose.
pub const MAX_DOSE: f64 = 4.0;
/// Largest seed: the largest integer a browser's numbers hold exactly, so that a link keeps it.
pub const MAX_SEED: u64 = (1 << 53) - 1;
/// Months before onset at which a presymptomatic start enrolls (carriers).
pub const PRESYMPTOMATIC_MONTHS: f64 = 12.0;

/// A population the page offers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Population {
    /// The unselected population of `scenarios/natural-history.toml`.
    #[default]
    Default,
    /// Bulbar onset only (older, more women), as `scenarios/bulbar-onset.toml`.
    Bulbar,
    /// SOD1 carriers (one in ten A4V), as `scenarios/tofersen-sod1.toml`.
    Sod1,
    /// A trial's screen (onset within 24 months, ALSFRS-R ≥ 30, FVC ≥ 60%), as
    /// `scenarios/trial-like.toml`, enrolled 3 months after diagnosis.
    TrialLike,
}

/// When treatment starts: the milestone at which patients are enrolled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Start {
    /// At diagnosis.
    #[default]
    Diagnosis,
    /// At the first symptom.
    Onset,
    /// [`PRESYMPTOMATIC_MONTHS`] before the first symptom (known in a virtual cohort; a
    /// model of carriers followed before onset).
    Presymptomatic,
}

/// One drug of an arm.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrugRequest {
    /// Library drug name (`GET /api/drugs`).
    pub drug: String,
    /// Dose, multiple of the standard dose (default 1).
    #[serde(default)]
    pub dose: Option<f64>,
    /// Share of doses taken, 0 to 1 (default 1).
    #[serde(default)]
    pub adherence: Option<f64>,
    /// Months after enrollment when the drug starts (default 0).
    #[serde(default)]
    pub start_months: Option<f64>,
    /// Months after enrollment when the drug stops (default: never).
    #[serde(default)]
    pub stop_months: Option<f64>,
    /// Drug holidays: months on the drug, then [`DrugRequest::holiday_off_months`] off.
    #[serde(default)]
    pub holiday_on_months: Option<f64>,
    /// Drug holidays: months off the drug.
    #[serde(default)]
    pub holiday_off_months: Option<f64>,
    /// Taken with food (only for drugs with a documented food effect; default: fasting).
    #[serde(default)]
    pub with_food: Option<bool>,
}

/// One arm: untreated without drugs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArmRequest {
    /// Name shown on the page (default: the drugs joined by `_`, or `untreated`).
    #[serde(default)]
    pub name: Option<String>,
    /// Drugs, at most [`MAX_DRUGS`].
    #[serde(default)]
    pub drugs: Vec<DrugRequest>,
}

/// `POST /api/whatif`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhatifRequest {
    /// Arms, 1 to [`MAX_ARMS`]; the first is the reference of the paired comparisons.
    pub arms: Vec<ArmRequest>,
    /// The population.
    #[serde(default)]
    pub population: Population,
    /// Youngest age at onset, years.
    #[serde(default)]
    pub age_min: Option<f64>,
    /// Oldest age at onset, years.
    #[serde(default)]
    pub age_max: Option<f64>,
    /// When treatment starts.
    #[serde(default)]
    pub start: Start,
    /// Virtual patients screened.
    #[serde(default = "default_patients")]
    pub patients: u64,
    /// Master seed: the same seed gives the same patients.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Follow-up after enrollment, months.
    #[serde(default = "default_horizon")]
    pub horizon_months: f64,
}

fn default_patients() -> u64 {
    2000
}

fn default_seed() -> u64 {
    1
}

fn default_horizon() -> f64 {
    60.0
}

/// Why a request is refused (HTTP 400): every problem found.
#[derive(Debug, Clone, PartialEq)]
pub struct BadRequest(pub Vec<String>);

impl std::fmt::Display for BadRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join("; "))
    }
}

fn within(problems: &mut Vec<String>, key: &str, v: f64, lo: f64, hi: f64, unit: &str) {
    if !(v.is_finite() && (lo..=hi).contains(&v)) {
        problems.push(format!(
            "{key}: {v} is out of range; accepted {lo} to {hi}{unit}"
        ));
    }
}

/// Arm names: what the page shows and the scenario's arms are called.
fn arm_name(k: usize, arm: &ArmRequest, problems: &mut Vec<String>) -> String {
    match &arm.name {
        Some(n) => {
            let n = n.trim();
            let ok = !n.is_empty()
                && n.chars().count() <= 40
                && !n.starts_with('.')
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
            if !ok {
                problems.push(format!(
                    "arms[{k}].name: `{}`: accepted 1 to 40 letters, digits, `-`, `_` and `.` \
                     (not first), as arm names become file names",
                    crate::input::clip(n, 40)
                ));
                return format!("arm{}", k + 1);
            }
            n.trim().to_string()
        }
        None if arm.drugs.is_empty() => "untreated".into(),
        None => arm
            .drugs
            .iter()
            .map(|d| d.drug.as_str())
            .collect::<Vec<_>>()
            .join("_"),
    }
}

/// Checks one drug of an arm; writes its therapy entry.
fn drug_entry(k: usize, j: usize, d: &DrugRequest, problems: &mut Vec<String>) -> String {
    let key = format!("arms[{k}].drugs[{j}]");
    if library::find(&d.drug).is_none() {
        let names = library::names();
        let hint = crate::input::did_you_mean(&d.drug, names.iter().copied())
            .map_or(String::new(), |s| format!("did you mean `{s}`? "));
        problems.push(format!(
            "{key}.drug: unknown drug `{}`; {hint}known drugs: {}",
            crate::input::clip(&d.drug, 40),
            names.join(", ")
        ));
        return String::new();
    }
    let mut e = format!("{{ drug = \"{}\"", d.drug);
    let mut num = |name: &str, toml: &str, v: Option<f64>, lo: f64, hi: f64, unit: &str| {
        if let Some(v) = v {
            within(problems, &format!("{key}.{name}"), v, lo, hi, unit);
            let _ = write!(e, ", {toml} = {}", crate::input::readable(v));
        }
    };
    num(
        "dose",
        "dose",
        d.dose,
        0.0,
        MAX_DOSE,
        " × the standard dose",
    );
    num("adherence", "adherence", d.adherence, 0.0, 1.0, "");
    num(
        "start_months",
        "start-months",
        d.start_months,
        0.0,
        HORIZON_MONTHS.1,
        " months",
    );
    num(
        "stop_months",
        "stop-months",
        d.stop_months,
        0.0,
        HORIZON_MONTHS.1,
        " months",
    );
    match (d.holiday_on_months, d.holiday_off_months) {
        (None, None) => {}
        (Some(on), Some(off)) => {
            within(
                problems,
                &format!("{key}.holiday_on_months"),
                on,
                0.5,
                120.0,
                " months",
            );
            within(
                problems,
                &format!("{key}.holiday_off_months"),
                off,
                0.5,
                120.0,
                " months",
            );
            let _ = write!(
                e,
                ", holidays = {{ on-months = {}, off-months = {} }}",
                crate::input::readable(on),
                crate::input::readable(off)
            );
        }
        _ => problems.push(format!(
            "{key}: drug holidays need both holiday_on_months and holiday_off_months"
        )),
    }
    if d.with_food == Some(true) {
        e.push_str(&food_entry(&key, d, problems));
    }
    e.push_str(" }");
    e
}

/// Whether a drug states a food effect.
fn has_food_effect(d: &crate::therapy::Drug) -> bool {
    d.exposure
        .as_ref()
        .and_then(|e| e.pk.as_ref())
        .is_some_and(|p| p.fed_exposure.is_some())
}

/// `, food = "fed"` for a drug taken with food, or a problem when it states no food effect.
fn food_entry(key: &str, d: &DrugRequest, problems: &mut Vec<String>) -> String {
    if library::find(&d.drug).is_some_and(has_food_effect) {
        return ", food = \"fed\"".to_string();
    }
    problems.push(format!(
        "{key}.with_food: `{}` has no documented food effect (drugs with one: {})",
        crate::input::clip(&d.drug, 40),
        library::builtin()
            .iter()
            .filter(|x| has_food_effect(x))
            .map(|x| x.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    String::new()
}

/// The `[population]` table of a request.
fn population_toml(r: &WhatifRequest, problems: &mut Vec<String>) -> String {
    let mut t = format!("[population]\nsize = {}\nseed = {}\n", r.patients, r.seed);
    let enrollment = match (r.start, r.population) {
        (Start::Diagnosis, Population::TrialLike) => {
            "{ at = \"diagnosis\", after-months = 3 }".to_string()
        }
        (Start::Diagnosis, _) => "{ at = \"diagnosis\" }".to_string(),
        (Start::Onset, _) => "{ at = \"onset\" }".to_string(),
        (Start::Presymptomatic, _) => format!(
            "{{ at = \"onset\", after-months = -{} }}",
            crate::input::readable(PRESYMPTOMATIC_MONTHS)
        ),
    };
    let _ = writeln!(t, "enrollment = {enrollment}");
    if r.population == Population::TrialLike {
        t.push_str(
            "\n[population.inclusion]\nmax-months-since-onset = 24\nmin-alsfrs-r = 30\nmin-fvc = 60\n",
        );
    }
    t.push_str("\n[population.covariates]\n");
    let (mean, sd): (f64, f64) = match r.population {
        Population::Bulbar => (66.0, 10.0),
        _ => (62.0, 11.0),
    };
    let lo = r.age_min.unwrap_or(25.0);
    let hi = r.age_max.unwrap_or(90.0);
    within(problems, "age_min", lo, 18.0, 100.0, " years");
    within(problems, "age_max", hi, 18.0, 100.0, " years");
    if lo > hi {
        problems.push(format!("age_min {lo} is above age_max {hi}"));
    }
    let _ = writeln!(
        t,
        "age = {{ mean = {}, sd = {sd}, min = {}, max = {} }}",
        crate::input::readable(mean.clamp(lo, hi.max(lo))),
        crate::input::readable(lo),
        crate::input::readable(hi)
    );
    match r.population {
        Population::Bulbar => {
            t.push_str("female-fraction = 0.55\nonset-region = { bulbar = 1.0 }\n");
        }
        Population::Sod1 => {
            let share = |g: Genotype| match g {
                Genotype::Sod1 => 0.9,
                Genotype::Sod1A4v => 0.1,
                _ => 0.0,
            };
            let list: Vec<String> = Genotype::ALL
                .iter()
                .map(|&g| format!("{} = {}", g.name(), share(g)))
                .collect();
            let _ = writeln!(t, "genotype = {{ {} }}", list.join(", "));
        }
        Population::Default | Population::TrialLike => {}
    }
    t
}

/// The scenario of a request, as TOML text, after checking its bounds (every problem at once).
pub fn scenario_toml(r: &WhatifRequest) -> Result<String, BadRequest> {
    let mut problems = Vec::new();
    if r.arms.is_empty() || r.arms.len() > MAX_ARMS {
        problems.push(format!(
            "arms: {} given; accepted 1 to {MAX_ARMS}",
            r.arms.len()
        ));
    }
    if !(MIN_PATIENTS..=MAX_PATIENTS).contains(&r.patients) {
        problems.push(format!(
            "patients: {} is out of range; accepted {MIN_PATIENTS} to {MAX_PATIENTS}",
            r.patients
        ));
    }
    if r.seed > MAX_SEED {
        problems.push(format!(
            "seed: {} is out of range; accepted 0 to {MAX_SEED}",
            r.seed
        ));
    }
    within(
        &mut problems,
        "horizon_months",
        r.horizon_months,
        HORIZON_MONTHS.0,
        HORIZON_MONTHS.1,
        " months",
    );
    if r.start == Start::Presymptomatic && r.population == Population::TrialLike {
        problems.push(
            "start: a presymptomatic start cannot use the trial-like screen (it screens at \
             diagnosis); choose another population"
                .into(),
        );
    }
    let mut text = format!(
        "[scenario]\nname = \"explorer\"\ndescription = \"A comparison made in the alssim \
         explorer.\"\n\n[simulation]\nhorizon-months = {}\nvisits-every-months = 3\n\
         visits-from = \"enrollment\"\n\n",
        crate::input::readable(r.horizon_months)
    );
    text.push_str(&population_toml(r, &mut problems));
    let mut names: Vec<String> = Vec::new();
    for (k, arm) in r.arms.iter().take(MAX_ARMS).enumerate() {
        let name = arm_name(k, arm, &mut problems);
        if names.contains(&name) {
            problems.push(format!(
                "arms[{k}]: the name `{name}` is used twice; give the arms different names"
            ));
        }
        if arm.drugs.len() > MAX_DRUGS {
            problems.push(format!(
                "arms[{k}].drugs: {} given; accepted at most {MAX_DRUGS}",
                arm.drugs.len()
            ));
        }
        let entries: Vec<String> = arm
            .drugs
            .iter()
            .take(MAX_DRUGS)
            .enumerate()
            .map(|(j, d)| drug_entry(k, j, d, &mut problems))
            .collect();
        let _ = write!(
            text,
            "\n[[arm]]\nname = \"{name}\"\ntherapies = [{}]\n",
            entries.join(", ")
        );
        names.push(name);
    }
    if problems.is_empty() {
        Ok(text)
    } else {
        Err(BadRequest(problems))
    }
}

/// The validated scenario of a request.
pub fn scenario(r: &WhatifRequest) -> Result<Scenario, BadRequest> {
    let text = scenario_toml(r)?;
    let s = scenario::parse("explorer.toml", "explorer", &text).map_err(|e| {
        BadRequest(
            e.diagnostics()
                .iter()
                .map(|d| match &d.help {
                    Some(h) => format!("{}: {} ({h})", d.path, d.message),
                    None => format!("{}: {}", d.path, d.message),
                })
                .collect(),
        )
    })?;
    match scenario::bounds::check(&s).first() {
        Some(p) => Err(BadRequest(vec![p.to_string()])),
        None => Ok(s),
    }
}

/// Why a what-if run failed after its request was accepted (HTTP 500).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunFailed {
    /// The engine failed.
    #[error(transparent)]
    Run(#[from] RunError),
    /// The tables did not read back.
    #[error(transparent)]
    Read(#[from] ReadError),
}

/// Runs a scenario on `threads` threads and returns the page's JSON.
pub fn run(s: &Scenario, threads: usize) -> Result<Value, RunFailed> {
    let started = std::time::Instant::now();
    let n = s.population.size;
    let tables = run_tables::<RunError>(s, 0..n, threads, false, |_| Ok(()))?;
    let seconds = started.elapsed().as_secs_f64();
    let manifest = tables.manifest(s, "serve", threads, seconds);
    let data = tables.result_data(s, manifest)?;
    let est = Estimates::new(&data);
    Ok(response(s, &data, &est, seconds))
}

/// Finite numbers as numbers, the rest as null.
fn nums(v: &[f64]) -> Value {
    Value::Array(
        v.iter()
            .map(|&x| if x.is_finite() { json!(x) } else { Value::Null })
            .collect(),
    )
}

fn opt(x: Option<f64>) -> Value {
    x.filter(|v| v.is_finite())
        .map_or(Value::Null, |v| json!(v))
}

fn fan(q: Option<&Quantiles>) -> Value {
    match q {
        None => Value::Null,
        Some(q) => json!({
            "months": nums(&q.x), "median": nums(&q.median), "mean": nums(&q.mean),
            "q05": nums(&q.q05), "q25": nums(&q.q25), "q75": nums(&q.q75), "q95": nums(&q.q95),
        }),
    }
}

fn histogram(d: &Differences) -> Value {
    json!({
        "edges": nums(&d.edges), "counts": nums(&d.counts), "mean": opt(Some(d.mean)),
        "all_zero": d.all_zero, "patients": d.values.len(),
    })
}

/// Variables of `summary.csv` the page draws as fans or medians.
pub const VARIABLES: [&str; 7] = [
    "alsfrs_r",
    "bulbar",
    "fine_motor",
    "gross_motor",
    "respiratory",
    "fvc_pct",
    "nfl_pg_ml",
];

/// The page's JSON: per arm the key numbers (as `report.html` gives them), the survival
/// curve with numbers at risk, the fans, the mechanism states and drug effects, and the paired
/// benefit against the first arm.
pub fn response(s: &Scenario, data: &ResultData, est: &Estimates, seconds: f64) -> Value {
    let arms: Vec<Value> = data
        .arms
        .iter()
        .enumerate()
        .map(|(k, arm)| {
            let fit = &est.survival[k];
            let key = &est.key[k];
            let series: serde_json::Map<String, Value> = VARIABLES
                .iter()
                .map(|v| ((*v).to_string(), fan(est.series(k, v))))
                .collect();
            let states: serde_json::Map<String, Value> = STATES
                .iter()
                .filter_map(|st| {
                    let (m, v) = est.region_means.get(k)?.get(st)?;
                    Some(((*st).to_string(), json!({"months": nums(m), "mean": nums(v)})))
                })
                .collect();
            let regions: serde_json::Map<String, Value> = REGIONS
                .iter()
                .map(|r| {
                    let name = format!("neurons_{r}");
                    ((*r).to_string(), fan(est.series(k, &name)))
                })
                .collect();
            let effects: Vec<Value> = est.drug_effects[k]
                .iter()
                .map(|e| {
                    json!({"target": e.slot.name(), "months": nums(&e.months), "change_pct": nums(&e.change)})
                })
                .collect();
            let paired = (k > 0)
                .then(|| est.effects.get(k - 1))
                .flatten()
                .map_or(Value::Null, |p| {
                    json!({"survival_months": histogram(&p.survival), "alsfrs_r_12": histogram(&p.alsfrs), "projected": p.projected})
                });
            json!({
                "name": arm,
                "therapies": s.arms[k].therapies.iter().map(|t| t.drug.clone()).collect::<Vec<_>>(),
                "patients": fit.n,
                "deaths": fit.events,
                "median_survival_months": opt(fit.median),
                "median_survival_text": median_text(fit),
                "median_survival_ci": [opt(fit.median_ci.0), opt(fit.median_ci.1)],
                "mean_slope": opt(key.mean_slope),
                "alsfrs_r_at": KEY_MONTHS.iter().zip(&key.alsfrs_at).map(|(m, v)| json!({
                    "month": m, "mean": opt(v.map(|x| x.0)), "median": opt(v.map(|x| x.1)),
                })).collect::<Vec<_>>(),
                "median_baseline_nfl": opt(key.median_baseline_nfl),
                "survival": {
                    "curve": fit.curve.iter().map(|&(t, s, lo, hi)| json!([t, s, lo, hi])).collect::<Vec<_>>(),
                    "at_risk": fit.at_risk,
                },
                "series": series,
                "states": states,
                "neurons": regions,
                "drug_effects": effects,
                "paired": paired,
            })
        })
        .collect();
    json!({
        "scenario": s.meta.name,
        "seed": s.population.seed,
        "screened": data.manifest.screened,
        "enrolled": data.manifest.enrolled,
        "failed": data.manifest.failed,
        "visits_from": data.visits_from(),
        "risk_times": nums(&est.risk_times),
        "key_months": KEY_MONTHS,
        "arms": arms,
        "seconds": seconds,
        "scenario_toml": scenario::to_toml(s),
    })
}

/// `GET /api/drugs`: the library with what each drug does in the model.
pub fn drugs() -> Value {
    Value::Array(
        library::builtin()
            .iter()
            .map(|d| {
                json!({
                    "name": d.name,
                    "title": d.title,
                    "status": d.status.name(),
                    "summary": d.summary,
                    "standard_dose": d.standard_dose,
                    "regimen": d.regimen.kind(),
                    "trigger": d.trigger.map(|t| t.name()),
                    "genotypes": Genotype::ALL.iter().filter(|&&g| d.effects.iter().any(|e| e.target.applies_to(g))).map(|g| g.name()).collect::<Vec<_>>(),
                    "exposure": d.exposure.as_ref().map(|e| exposure_chain(d, e)),
                    "effects": d.effects.iter().zip(d.effects_at(1.0, 1.0, 1.0)).map(|(e, at)| json!({
                        "target": e.target.name(), "meaning": e.target.meaning(), "emax": e.emax,
                        "site": e.site, "at_standard_dose": at,
                    })).collect::<Vec<_>>(),
                    "resistance": d.resistance.iter().map(|r| json!({
                        "mechanism": r.mechanism.name(),
                        // Efflux induction lowers the drug's CNS exposure, so every effect.
                        "target": (!r.mechanism.lowers_exposure()).then(|| r.target.name()),
                        "lowers_exposure": r.mechanism.lowers_exposure(),
                        "ceiling": r.ceiling, "build_up_months": r.build_up_months,
                        "washout_months": r.washout_months, "outlasts_drug": r.rebound,
                    })).collect::<Vec<_>>(),
                    "sources": d.sources.iter().map(|(k, v)| json!({"key": k, "source": v})).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

/// A drug's exposure at the standard dose: plasma (with the swing over a dosing interval and
/// the food effect where the drug states its kinetics) and target tissue.
fn exposure_chain(d: &crate::therapy::Drug, e: &crate::therapy::Exposure) -> Value {
    let pk = e.pk.as_ref().map(|pk| {
        let ss = pk.steady_state();
        json!({
            "route": pk.route.name(), "dose_mg": pk.dose_mg, "interval_hours": pk.interval_hours,
            "half_life_hours": pk.half_life_hours,
            "peak": e.concentration * ss.peak, "trough": e.concentration * ss.trough,
            "days_to_steady_state": pk.days_to_steady_state(0.9),
            "fed_exposure": pk.fed_exposure,
        })
    });
    json!({
        "plasma": e.concentration, "unit": e.unit, "cns_ratio": e.cns_ratio,
        "tissue": d.tissue_concentration(1.0, 1.0, 1.0), "pk": pk,
    })
}

/// `GET /api/limits`: the bounds of a request.
pub fn limits() -> Value {
    json!({
        "patients": [MIN_PATIENTS, MAX_PATIENTS],
        "arms": MAX_ARMS,
        "drugs_per_arm": MAX_DRUGS,
        "horizon_months": [HORIZON_MONTHS.0, HORIZON_MONTHS.1],
        "dose": [0.0, MAX_DOSE],
        "age": [18.0, 100.0],
        "presymptomatic_months": PRESYMPTOMATIC_MONTHS,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(text: &str) -> WhatifRequest {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn every_population_and_start_makes_a_valid_scenario() {
        for population in ["default", "bulbar", "sod1", "trial-like"] {
            for start in ["diagnosis", "onset", "presymptomatic"] {
                let r = request(&format!(
                    r#"{{"arms": [{{}}, {{"drugs": [{{"drug": "tofersen", "start_months": 3,
                    "stop_months": 30}}, {{"drug": "riluzole", "holiday_on_months": 6,
                    "holiday_off_months": 2}}]}}],
                    "population": "{population}", "start": "{start}", "age_min": 40,
                    "age_max": 60}}"#
                ));
                let got = scenario(&r);
                if population == "trial-like" && start == "presymptomatic" {
                    assert!(got.is_err());
                    continue;
                }
                let s = got.unwrap_or_else(|e| panic!("{population}/{start}: {e}"));
                assert_eq!(s.arms.len(), 2);
                assert_eq!(s.arms[1].name, "tofersen_riluzole");
                let age = &s.population.covariates.age;
                assert_eq!((age.min, age.max), (40.0, 60.0));
                assert!((40.0..=60.0).contains(&age.mean));
            }
        }
    }

    #[test]
    fn problems_are_reported_together() {
        let r = request(
            r#"{"arms": [{"name": "a"}, {"name": "a", "drugs": [{"drug": "x"},
            {"drug": "riluzole", "holiday_on_months": 2}]}],
            "patients": 5, "horizon_months": 500, "age_min": 80, "age_max": 70}"#,
        );
        let e = scenario(&r).unwrap_err().0;
        for needle in [
            "patients",
            "horizon_months",
            "age_min 80",
            "used twice",
            "unknown drug",
            "holiday",
        ] {
            assert!(e.iter().any(|p| p.contains(needle)), "{needle}: {e:?}");
        }
    }

    #[test]
    fn a_drug_taken_with_food_uses_its_documented_food_effect() {
        let r = request(
            r#"{"arms": [{}, {"drugs": [{"drug": "riluzole", "with_food": true}]},
            {"drugs": [{"drug": "edaravone-oral", "with_food": false}]}]}"#,
        );
        let s = scenario(&r).unwrap();
        assert_eq!(s.arms[1].therapies[0].food, crate::therapy::pk::Food::Fed);
        assert_eq!(
            s.arms[2].therapies[0].food,
            crate::therapy::pk::Food::Fasted
        );
        let r = request(r#"{"arms": [{"drugs": [{"drug": "masitinib", "with_food": true}]}]}"#);
        let e = scenario(&r).unwrap_err().0;
        assert!(
            e.iter().any(|p| p.contains("arms[0].drugs[0].with_food")
                && p.contains("no documented food effect")
                && p.contains("riluzole, edaravone-oral")),
            "{e:?}"
        );
    }
}
