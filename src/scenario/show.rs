//! The fully resolved scenario as TOML: every default written out.

use super::types::*;
use crate::model::Genotype;
use toml::{Table, Value};

fn num(x: f64) -> Value {
    Value::Float(x)
}

/// An array of names.
fn names<'a>(list: impl IntoIterator<Item = &'a str>) -> Value {
    Value::Array(list.into_iter().map(|n| Value::String(n.into())).collect())
}

/// An array of integers.
fn ints<T: Into<i64>>(list: impl IntoIterator<Item = T>) -> Value {
    Value::Array(list.into_iter().map(|i| Value::Integer(i.into())).collect())
}

fn table(entries: Vec<(&str, Value)>) -> Value {
    let mut t = Table::new();
    for (k, v) in entries {
        t.insert(k.to_string(), v);
    }
    Value::Table(t)
}

/// The scenario as TOML text that `alssim check` accepts and that reproduces the same run.
pub fn to_toml(s: &Scenario) -> String {
    let mut root = Table::new();
    root.insert(
        "scenario".into(),
        table(vec![
            ("name", Value::String(s.meta.name.clone())),
            ("description", Value::String(s.meta.description.clone())),
        ]),
    );
    root.insert("simulation".into(), simulation_table(&s.simulation));

    root.insert("population".into(), population_table(&s.population));
    root.insert(
        "model".into(),
        table(s.model.iter().map(|(k, v)| (k.name(), num(*v))).collect()),
    );
    if !s.drugs.is_empty() {
        let mut drugs = Table::new();
        for d in &s.drugs {
            drugs.insert(
                d.name.clone(),
                Value::Table(crate::therapy::write::drug_table(d, false)),
            );
        }
        root.insert("drug".into(), Value::Table(drugs));
    }
    let arms = s
        .arms
        .iter()
        .map(|a| {
            let therapies = a.therapies.iter().map(therapy_table).collect();
            let mut arm = vec![
                ("name", Value::String(a.name.clone())),
                ("therapies", Value::Array(therapies)),
                ("interaction", num(a.interaction)),
            ];
            if !a.interactions.is_empty() {
                let pairs = a
                    .interactions
                    .iter()
                    .map(|p| {
                        table(vec![
                            (
                                "drugs",
                                names([
                                    a.therapies[p.therapies.0].drug.as_str(),
                                    a.therapies[p.therapies.1].drug.as_str(),
                                ]),
                            ),
                            ("target", Value::String(p.target.name().into())),
                            ("factor", num(p.factor)),
                        ])
                    })
                    .collect();
                arm.push(("interactions", Value::Array(pairs)));
            }
            table(arm)
        })
        .collect();
    root.insert("arm".into(), Value::Array(arms));
    if let Some(t) = &s.trial {
        let names: Vec<String> = s.arms.iter().map(|a| a.name.clone()).collect();
        root.insert("trial".into(), trial_table(t, &names));
    }
    let body =
        toml::to_string(&root).unwrap_or_else(|e| format!("# cannot render scenario: {e}\n"));
    format!(
        "# Resolved scenario `{}`: every default written out.\n{body}",
        s.meta.name
    )
}

/// `[simulation]` with every default written out.
fn simulation_table(sim: &Simulation) -> Value {
    let mut simulation = vec![("horizon-months", num(sim.horizon_months))];
    match &sim.visits {
        Visits::Every(dt) => simulation.push(("visits-every-months", num(*dt))),
        Visits::At(list) => simulation.push((
            "visits-at-months",
            Value::Array(list.iter().map(|&x| num(x)).collect()),
        )),
    }
    simulation.push(("visits-from", Value::String(sim.visits_from.name().into())));
    simulation.push(("rtol", num(sim.rtol)));
    simulation.push(("atol", num(sim.atol)));
    simulation.push(("max-steps", Value::Integer(i64::from(sim.max_steps))));
    simulation.push(("max-failed-fraction", num(sim.max_failed_fraction)));
    let mut outputs = Vec::new();
    if sim.summary {
        outputs.push(Value::String("summary".into()));
    }
    if sim.patients {
        outputs.push(Value::String("patients".into()));
    }
    simulation.push(("outputs", Value::Array(outputs)));
    simulation.push(("keep-trajectories", Value::Boolean(sim.keep_trajectories)));
    table(simulation)
}

/// `[population]` with every default written out.
fn population_table(p: &Population) -> Value {
    let covariates = covariates_table(&p.covariates);
    let mut inclusion = Vec::new();
    let inc = &p.inclusion;
    if let Some(x) = inc.max_months_since_onset {
        inclusion.push(("max-months-since-onset", num(x)));
    }
    if let Some(x) = inc.min_alsfrs_r {
        inclusion.push(("min-alsfrs-r", num(x)));
    }
    if let Some(x) = inc.min_fvc {
        inclusion.push(("min-fvc", num(x)));
    }
    if let Some(g) = &inc.genotypes {
        inclusion.push(("genotypes", names(g.iter().map(|g| g.name()))));
    }
    let mut population = vec![
        // Integers beyond i64 cannot be written as TOML integers; seeds and sizes stay below.
        (
            "size",
            Value::Integer(i64::try_from(p.size).unwrap_or(i64::MAX)),
        ),
        (
            "seed",
            Value::Integer(i64::try_from(p.seed).unwrap_or(i64::MAX)),
        ),
        (
            "enrollment",
            table(vec![
                ("at", Value::String(p.enrollment.at.name().into())),
                ("after-months", num(p.enrollment.after_months)),
            ]),
        ),
        ("covariates", covariates),
        (
            "variability",
            table(
                p.variability
                    .iter()
                    .map(|v| (v.param.name(), num(v.cv)))
                    .collect(),
            ),
        ),
        ("inclusion", table(inclusion)),
    ];
    if !p.correlations.is_empty() {
        let corr = p
            .correlations
            .iter()
            .map(|c| {
                table(vec![
                    (
                        "params",
                        Value::Array(vec![
                            Value::String(c.a.name().to_string()),
                            Value::String(c.b.name().to_string()),
                        ]),
                    ),
                    ("rho", num(c.rho)),
                ])
            })
            .collect();
        population.push(("correlation", Value::Array(corr)));
    }
    table(population)
}

/// `[population.covariates]` with every default written out.
fn covariates_table(c: &CovariateDistributions) -> Value {
    let regions = REGION_KEYS
        .iter()
        .zip(c.onset_region)
        .map(|(k, x)| (*k, num(x)))
        .collect();
    let genotypes = Genotype::ALL
        .iter()
        .zip(c.genotype)
        .map(|(g, x)| (g.name(), num(x)))
        .collect();
    table(vec![
        (
            "age",
            table(vec![
                ("mean", num(c.age.mean)),
                ("sd", num(c.age.sd)),
                ("min", num(c.age.min)),
                ("max", num(c.age.max)),
            ]),
        ),
        ("female-fraction", num(c.female_fraction)),
        ("onset-region", table(regions)),
        ("genotype", table(genotypes)),
        (
            "diagnostic-delay",
            table(vec![
                ("median", num(c.diagnostic_delay.median)),
                ("cv", num(c.diagnostic_delay.cv)),
                ("max", num(c.diagnostic_delay.max)),
            ]),
        ),
    ])
}

/// The `[trial]` table with every default written out.
/// One therapy of an arm (or of a trial's background) with every default written out.
fn therapy_table(t: &crate::therapy::TherapySpec) -> Value {
    let mut e = vec![
        ("drug", Value::String(t.drug.clone())),
        ("start-months", num(t.start_months)),
        ("adherence", num(t.adherence)),
    ];
    if t.definition.exposure.is_some() {
        e.push(("dose", num(t.dose)));
    }
    if !t.dose_changes.is_empty() {
        e.push((
            "dose-changes",
            Value::Array(
                t.dose_changes
                    .iter()
                    .map(|&(at, dose)| {
                        let mut c = toml::map::Map::new();
                        c.insert("at-months".into(), num(at));
                        c.insert("dose".into(), num(dose));
                        Value::Table(c)
                    })
                    .collect(),
            ),
        ));
    }
    if t.definition
        .exposure
        .as_ref()
        .and_then(|x| x.pk.as_ref())
        .is_some_and(|p| p.fed_exposure.is_some())
    {
        e.push(("food", Value::String(t.food.name().into())));
    }
    if let Some(stop) = t.stop_months {
        e.push(("stop-months", num(stop)));
    }
    e.push((
        "trigger",
        Value::String(t.trigger.map_or("none", |g| g.name()).into()),
    ));
    if let Some((on, off)) = t.holidays {
        e.push((
            "holidays",
            table(vec![("on-months", num(on)), ("off-months", num(off))]),
        ));
    }
    if matches!(t.definition.regimen, crate::therapy::Regimen::Cyclic { .. }) {
        e.push(("cycles", Value::String(t.cycles.name().into())));
    }
    table(e)
}

fn trial_table(t: &super::trial_design::TrialDesign, arm_names: &[String]) -> Value {
    let pair = |(lo, hi): (f64, f64)| Value::Array(vec![num(lo), num(hi)]);
    let mut root = vec![
        ("source", Value::String(t.source.clone())),
        ("sample-size", Value::Integer(t.sample_size as i64)),
        ("allocation", ints(t.allocation.iter().copied())),
        ("alpha", num(t.alpha)),
        ("endpoints", names(t.endpoints.iter().map(|e| e.name()))),
        ("dropout-per-year", num(t.dropout_per_year)),
        ("informative-dropout", num(t.informative_dropout)),
        ("pool", Value::Integer(t.pool_size() as i64)),
    ];
    if t.endpoints
        .contains(&super::trial_design::Endpoint::AlsfrsChange)
    {
        root.push(("missing", Value::String(t.missing.name().into())));
    }
    if !t.stratify.is_empty() {
        root.push(("stratify", names(t.stratify.iter().map(|f| f.name()))));
        root.push(("block-size", Value::Integer(t.block_size as i64)));
    }
    if t.visit_window_days > 0.0 {
        root.push(("visit-window-days", num(t.visit_window_days)));
    }
    if let Some(b) = &t.background {
        root.push((
            "background",
            table(vec![
                (
                    "therapies",
                    Value::Array(b.therapies.iter().map(therapy_table).collect()),
                ),
                ("share", num(b.share)),
            ]),
        ));
    }
    if let Some(m) = t.survival_month {
        root.push(("survival-month", num(m)));
    }
    root.push(("eligibility", eligibility_table(&t.eligibility)));
    if let Some(l) = t.lead_in {
        let mut lead = vec![("months", num(l.months))];
        if let Some(w) = l.decline {
            lead.push(("decline", pair(w)));
        }
        root.push(("lead-in", table(lead)));
    }
    if let Some(r) = t.responder {
        let (key, x) = r.key();
        root.push(("responder", table(vec![(key, num(x))])));
    }
    if let Some(e) = t.extension {
        root.push((
            "extension",
            table(vec![
                ("after-months", num(e.after_months)),
                ("arm", Value::String(arm_names[e.arm].clone())),
            ]),
        ));
    }
    if let Some(c) = composite_table(&t.composite) {
        root.push(("composite", c));
    }
    table(root)
}

/// `[trial.eligibility]`: the criteria given.
fn eligibility_table(e: &super::trial_design::Eligibility) -> Value {
    let pair = |(lo, hi): (f64, f64)| Value::Array(vec![num(lo), num(hi)]);
    let mut eligibility: Vec<(&str, Value)> = Vec::new();
    if let Some(w) = e.delta_fs {
        eligibility.push(("delta-fs", pair(w)));
    }
    if let Some(m) = e.min_item {
        eligibility.push(("min-item", Value::Integer(i64::from(m))));
    }
    if let Some(w) = e.age {
        eligibility.push(("age", pair(w)));
    }
    if let Some(m) = e.max_months_since_diagnosis {
        eligibility.push(("max-months-since-diagnosis", num(m)));
    }
    if let Some(w) = e.nfl {
        eligibility.push(("nfl", pair(w)));
    }
    if let Some((lo, hi)) = e.kings_stage {
        eligibility.push(("kings-stage", ints([lo, hi])));
    }
    if let Some(list) = &e.el_escorial {
        eligibility.push(("el-escorial", names(list.iter().map(|c| c.name()))));
    }
    table(eligibility)
}

/// `[trial.composite]`, when the composite adds anything to death.
fn composite_table(c: &super::trial_design::Composite) -> Option<Value> {
    (c.alsfrs_fall.is_some() || c.gastrostomy || c.niv).then(|| {
        let mut composite = Vec::new();
        if let Some(f) = c.alsfrs_fall {
            composite.push(("alsfrs-fall", num(f)));
        }
        let events: Vec<Value> = [("gastrostomy", c.gastrostomy), ("niv", c.niv)]
            .iter()
            .filter(|e| e.1)
            .map(|e| Value::String(e.0.into()))
            .collect();
        composite.push(("events", Value::Array(events)));
        table(composite)
    })
}
