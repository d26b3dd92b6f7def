//! Global sensitivity analysis of a scenario's outcomes to the model parameters: Morris
//! elementary effects.
//!
//! The method (Morris 1991 Technometrics 33:161) screens `k` factors with `r` one-at-a-time
//! trajectories through a grid of `p` levels on the unit cube `[0, 1]^k`. A trajectory starts at
//! a random grid point and moves each factor once, in random order, by `±Δ` with
//! `Δ = p / (2 (p − 1))`, so it costs `k + 1` evaluations. The step of factor `i` gives one
//! elementary effect
//!
//! ```text
//! EE_i = (y(x + e_i Δ) − y(x)) / Δ
//! ```
//!
//! and the `r` effects of a factor are summarised, following Campolongo, Cariboni & Saltelli
//! 2007 (Environ Model Softw 22:1509), by `μ* = mean |EE_i|` (overall importance, immune to
//! effects of opposite sign cancelling), `μ = mean EE_i` (direction) and `σ`, their standard
//! deviation (non-linearity or interaction with other factors).
//!
//! [`MorrisDesign`] and [`morris`] are generic over any function of the unit cube; the rest of
//! the module maps the unit cube onto model parameters ([`Factor`]), runs the scenario's cohort
//! at each point ([`analyse`]) and writes the tables ([`to_csv`], [`to_markdown`]).
//!
//! Each factor is varied on the log scale between `centre / F` and `centre × F` (the range
//! factor `F`, default 2), clamped to the registry range, where `centre` is the scenario's own
//! value of the parameter (the registry default unless the scenario's `[model]` overrides it).
//! The unit coordinate `u` maps to `low × (high / low)^u`, so an elementary effect is the
//! change of the outcome per whole explored range of the factor on the log scale (from `low` to
//! `high`, a factor `F²` when unclamped): `EE = Δy / Δu = Δy / (Δ ln θ / ln(high / low))`.
//! A factor whose centre is 0 has no log scale and is left out (and reported).
//!
//! The generic design, the parameters-as-factors with their cohort runs, and the written
//! report are in files of their own.

mod morris;
mod report;

pub use morris::{
    FactorEffect, MorrisDesign, MorrisResult, Trajectory, morris, order_by_mu_star, ranks,
};
pub use report::{evaluations_csv, figure_name, to_csv, to_markdown, write_figures};

use super::metrics;
use crate::cohort::{self, EngineError};
use crate::model::params::ParamError;
use crate::model::{Param, Params};
use crate::scenario::Scenario;
use crate::therapy::{Mechanism, Resistance};

/// Why a sensitivity analysis cannot be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SensitivityError {
    /// The number of grid levels is odd or below 2.
    #[error("the number of levels must be even and at least 2 (got {0})")]
    Levels(usize),
    /// Fewer than two trajectories (σ needs two effects per factor).
    #[error("at least 2 trajectories are needed (got {0})")]
    Trajectories(usize),
    /// No factor to vary.
    #[error("no factor to vary")]
    NoFactors,
    /// The range factor is not a finite number above 1.
    #[error("the range factor must be a finite number above 1 (got {0})")]
    RangeFactor(f64),
    /// A parameter name that the registry does not know.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// A parameter that cannot be varied on its own.
    #[error("parameter `{param}` cannot be varied: {reason}")]
    Factor {
        /// The parameter's name.
        param: String,
        /// Why not.
        reason: String,
    },
    /// A factor named twice.
    #[error("parameter `{0}` is listed twice")]
    Duplicate(String),
    /// A name with a dot that is not `DRUG.MECHANISM.FIELD`.
    #[error("`{name}` is not a resistance parameter DRUG.MECHANISM.FIELD: {reason}")]
    DrugFactorName {
        /// The name given.
        name: String,
        /// What is wrong, with what is accepted.
        reason: String,
    },
    /// A resistance parameter of a term that no drug of the analysed arm carries.
    #[error("`{name}` is not a resistance parameter of arm `{arm}`: {reason}")]
    DrugFactor {
        /// The name given.
        name: String,
        /// The analysed arm.
        arm: String,
        /// What is wrong, with what is accepted.
        reason: String,
    },
    /// `--arm` names no arm of the scenario.
    #[error("the scenario has no arm `{name}` (its arms: {arms})")]
    Arm {
        /// The name given.
        name: String,
        /// The scenario's arms.
        arms: String,
    },
    /// The cohort engine could not run.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Parameter groups varied by default: the mechanisms. Genotype multipliers, biomarker
/// read-outs and the function map are left out.
pub const DEFAULT_GROUPS: [&str; 5] = [
    "aggregation",
    "oxidative",
    "glia",
    "excitotoxicity",
    "neurons",
];

/// Default range factor `F`: each factor spans `[centre / F, centre × F]`.
pub const DEFAULT_RANGE_FACTOR: f64 = 2.0;

/// A field of a drug's resistance term that a sensitivity analysis can vary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResistanceField {
    /// `ceiling`.
    Ceiling,
    /// `build-up-months`.
    BuildUp,
    /// `washout-months`.
    Washout,
    /// `ceiling-cv`.
    CeilingCv,
}

impl ResistanceField {
    /// Every field.
    pub const ALL: [ResistanceField; 4] = [
        ResistanceField::Ceiling,
        ResistanceField::BuildUp,
        ResistanceField::Washout,
        ResistanceField::CeilingCv,
    ];

    /// Name in drug files.
    pub const fn name(self) -> &'static str {
        match self {
            ResistanceField::Ceiling => "ceiling",
            ResistanceField::BuildUp => "build-up-months",
            ResistanceField::Washout => "washout-months",
            ResistanceField::CeilingCv => "ceiling-cv",
        }
    }

    /// The accepted range of the field (as the drug reader accepts it; time constants above 0).
    const fn range(self) -> (f64, f64) {
        use crate::therapy::read::{MAX_CEILING_CV, MAX_MONTHS};
        match self {
            ResistanceField::Ceiling => (0.0, 1.0),
            ResistanceField::BuildUp | ResistanceField::Washout => (0.0, MAX_MONTHS),
            ResistanceField::CeilingCv => (0.0, MAX_CEILING_CV),
        }
    }

    fn get(self, r: &Resistance) -> f64 {
        match self {
            ResistanceField::Ceiling => r.ceiling,
            ResistanceField::BuildUp => r.build_up_months,
            ResistanceField::Washout => r.washout_months,
            ResistanceField::CeilingCv => r.ceiling_cv,
        }
    }

    fn set(self, r: &mut Resistance, v: f64) {
        match self {
            ResistanceField::Ceiling => r.ceiling = v,
            ResistanceField::BuildUp => r.build_up_months = v,
            ResistanceField::Washout => r.washout_months = v,
            ResistanceField::CeilingCv => r.ceiling_cv = v,
        }
    }
}

/// What a factor varies: a model parameter, or a field of a resistance term of a drug given in
/// the analysed arm (named `DRUG.MECHANISM.FIELD`, e.g. `riluzole.efflux-induction.ceiling`).
#[derive(Debug, Clone, PartialEq)]
pub enum FactorName {
    /// A model parameter of the registry.
    Model(Param),
    /// A field of one resistance term of one drug.
    Resistance {
        /// The drug.
        drug: String,
        /// The term's mechanism.
        mechanism: Mechanism,
        /// The field.
        field: ResistanceField,
    },
}

impl FactorName {
    /// The name in tables and on the command line.
    pub fn name(&self) -> String {
        match self {
            FactorName::Model(p) => p.name().to_string(),
            FactorName::Resistance {
                drug,
                mechanism,
                field,
            } => format!("{drug}.{}.{}", mechanism.name(), field.name()),
        }
    }

    /// Reads a `--params` name: a model parameter, or `DRUG.MECHANISM.FIELD`.
    pub fn parse(name: &str) -> Result<FactorName, SensitivityError> {
        if !name.contains('.') {
            return Ok(FactorName::Model(name.parse::<Param>()?));
        }
        let bad = |reason: String| SensitivityError::DrugFactorName {
            name: name.to_string(),
            reason,
        };
        let parts: Vec<&str> = name.split('.').collect();
        let [drug, mechanism, field] = parts[..] else {
            return Err(bad("write DRUG.MECHANISM.FIELD".to_string()));
        };
        let mechanism = Mechanism::ALL
            .into_iter()
            .find(|m| m.name() == mechanism)
            .ok_or_else(|| {
                bad(format!(
                    "mechanisms: {}",
                    Mechanism::ALL.map(Mechanism::name).join(", ")
                ))
            })?;
        let field = ResistanceField::ALL
            .into_iter()
            .find(|f| f.name() == field)
            .ok_or_else(|| {
                bad(format!(
                    "fields: {}",
                    ResistanceField::ALL.map(ResistanceField::name).join(", ")
                ))
            })?;
        Ok(FactorName::Resistance {
            drug: drug.to_string(),
            mechanism,
            field,
        })
    }
}

/// A parameter varied on the log scale over `[low, high]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    /// What is varied.
    pub param: FactorName,
    /// Registry group.
    pub group: &'static str,
    /// The scenario's value.
    pub centre: f64,
    /// Value at unit coordinate 0.
    pub low: f64,
    /// Value at unit coordinate 1.
    pub high: f64,
}

impl Factor {
    /// Parameter value at unit coordinate `u`: `low × (high / low)^u`, exact at both ends.
    pub fn value(&self, u: f64) -> f64 {
        if u <= 0.0 {
            self.low
        } else if u >= 1.0 {
            self.high
        } else {
            (self.low.ln() + u * (self.high / self.low).ln()).exp()
        }
    }
}

/// A parameter left out of the default factor set, with the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    /// The parameter.
    pub param: FactorName,
    /// Why.
    pub reason: String,
}

fn factor(param: Param, p: &Params, range_factor: f64) -> Result<Factor, String> {
    let info = param.info();
    if matches!(
        param,
        Param::PoolWeightBulbar
            | Param::PoolWeightCervical
            | Param::PoolWeightThoracic
            | Param::PoolWeightLumbar
    ) {
        return Err(
            "the four pool weights must sum to 1, so one cannot change on its own".to_string(),
        );
    }
    if param == Param::SpreadExportDegeneratingGain && p.spread_export_degenerating == 0.0 {
        return Err(
            "it has no effect while spread_export_degenerating is 0 (set that above 0 in \
             [model] to vary it)"
                .to_string(),
        );
    }
    let centre = p.value(param);
    if centre.is_nan() || centre <= 0.0 {
        return Err(format!(
            "its value is {centre}, which has no log scale (set it above 0 in [model] to vary it)"
        ));
    }
    let low = (centre / range_factor).max(info.min);
    let high = (centre * range_factor).min(info.max);
    if high.is_nan() || low.is_nan() || high <= low {
        return Err(format!(
            "its range [{}, {}] leaves nothing to vary around {centre}",
            info.min, info.max
        ));
    }
    Ok(Factor {
        param: FactorName::Model(param),
        group: info.group,
        centre,
        low,
        high,
    })
}

/// Group of the resistance factors in the tables.
pub const RESISTANCE_GROUP: &str = "resistance";

/// The resistance term `mechanism` of `drug` in the scenario's only arm.
fn resistance_of<'a>(s: &'a Scenario, drug: &str, mechanism: Mechanism) -> Option<&'a Resistance> {
    s.arms
        .first()?
        .therapies
        .iter()
        .find(|t| t.drug == drug)?
        .definition
        .resistance
        .iter()
        .find(|r| r.mechanism == mechanism)
}

fn drug_factor(
    s: &Scenario,
    drug: &str,
    mechanism: Mechanism,
    field: ResistanceField,
    range_factor: f64,
) -> Result<Factor, SensitivityError> {
    let name = FactorName::Resistance {
        drug: drug.to_string(),
        mechanism,
        field,
    };
    let arm = s.arms.first().map_or(String::new(), |a| a.name.clone());
    let bad = |reason: String| SensitivityError::DrugFactor {
        name: name.name(),
        arm: arm.clone(),
        reason,
    };
    let Some(r) = resistance_of(s, drug, mechanism) else {
        let terms = resistance_names(s);
        return Err(bad(if terms.is_empty() {
            "no drug of this arm carries a resistance term (choose another arm with --arm)"
                .to_string()
        } else {
            format!("its resistance terms: {}", terms.join(", "))
        }));
    };
    let centre = field.get(r);
    if centre.is_nan() || centre <= 0.0 {
        return Err(bad(format!(
            "its value is {centre}, which has no log scale"
        )));
    }
    let (min, max) = field.range();
    let low = (centre / range_factor).max(min);
    let high = (centre * range_factor).min(max);
    if high <= low {
        return Err(bad(format!(
            "its range [{min}, {max}] leaves nothing to vary around {centre}"
        )));
    }
    Ok(Factor {
        param: name,
        group: RESISTANCE_GROUP,
        centre,
        low,
        high,
    })
}

/// `DRUG.MECHANISM` of every resistance term of the drugs of the scenario's only arm.
fn resistance_names(s: &Scenario) -> Vec<String> {
    resistance_factors(s)
        .iter()
        .filter_map(|f| match f {
            FactorName::Resistance {
                drug,
                mechanism,
                field: ResistanceField::Ceiling,
            } => Some(format!("{drug}.{}", mechanism.name())),
            _ => None,
        })
        .collect()
}

/// Every field of every resistance term of the drugs of the scenario's only arm, as factor
/// names (`--params resistance`).
pub fn resistance_factors(s: &Scenario) -> Vec<FactorName> {
    let Some(arm) = s.arms.first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for t in &arm.therapies {
        for r in &t.definition.resistance {
            for field in ResistanceField::ALL {
                out.push(FactorName::Resistance {
                    drug: t.drug.clone(),
                    mechanism: r.mechanism,
                    field,
                });
            }
        }
    }
    out
}

/// `s` reduced to its arm `name` (the arm the outcomes are computed on).
pub fn only_arm(s: &Scenario, name: &str) -> Result<Scenario, SensitivityError> {
    let Some(arm) = s.arms.iter().find(|a| a.name == name) else {
        return Err(SensitivityError::Arm {
            name: name.to_string(),
            arms: s
                .arms
                .iter()
                .map(|a| format!("`{}`", a.name))
                .collect::<Vec<_>>()
                .join(", "),
        });
    };
    let mut c = s.clone();
    c.arms = vec![arm.clone()];
    Ok(c)
}

/// The factors of `s`: the parameters in `params` (every one must be variable), or by default
/// every parameter of [`DEFAULT_GROUPS`] (those that cannot be varied are returned as skipped).
pub fn factors(
    s: &Scenario,
    params: Option<&[FactorName]>,
    range_factor: f64,
) -> Result<(Vec<Factor>, Vec<Skipped>), SensitivityError> {
    if !(range_factor.is_finite() && range_factor > 1.0) {
        return Err(SensitivityError::RangeFactor(range_factor));
    }
    let p = s.params();
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    match params {
        Some(params) => {
            for param in params {
                if out.iter().any(|f: &Factor| f.param == *param) {
                    return Err(SensitivityError::Duplicate(param.name()));
                }
                let f = match param {
                    FactorName::Model(param) => {
                        factor(*param, &p, range_factor).map_err(|reason| {
                            SensitivityError::Factor {
                                param: param.name().to_string(),
                                reason,
                            }
                        })?
                    }
                    FactorName::Resistance {
                        drug,
                        mechanism,
                        field,
                    } => drug_factor(s, drug, *mechanism, *field, range_factor)?,
                };
                out.push(f);
            }
        }
        None => {
            for param in Param::ALL
                .into_iter()
                .filter(|p| DEFAULT_GROUPS.contains(&p.info().group))
            {
                match factor(param, &p, range_factor) {
                    Ok(f) => out.push(f),
                    Err(reason) => skipped.push(Skipped {
                        param: FactorName::Model(param),
                        reason,
                    }),
                }
            }
        }
    }
    if out.is_empty() {
        return Err(SensitivityError::NoFactors);
    }
    Ok((out, skipped))
}

/// An outcome of the analysis: a natural-history metric of the simulated cohort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutcomeInfo {
    /// The metric; its name is the `outcome` column of the CSV.
    pub metric: metrics::Metric,
    /// Readable name.
    pub label: &'static str,
    /// Unit.
    pub unit: &'static str,
    /// What a positive change does, as a verb ("lengthens").
    pub up: &'static str,
    /// What a negative change does ("shortens").
    pub down: &'static str,
}

/// The outcomes: median tracheostomy-free survival from onset (Kaplan-Meier) and the mean
/// ALSFRS-R decline over the first 24 months after enrollment (positive = losing points).
pub const OUTCOMES: [OutcomeInfo; 2] = [
    OutcomeInfo {
        metric: metrics::Metric::MedianSurvivalFromOnset,
        label: "Median survival from onset",
        unit: "months",
        up: "lengthens",
        down: "shortens",
    },
    OutcomeInfo {
        metric: metrics::Metric::SlopeMean24,
        label: "Mean ALSFRS-R decline over 24 months",
        unit: "points/month",
        up: "speeds",
        down: "slows",
    },
];

/// `s` with the factors set to the unit coordinates `u`, as `[model]` overrides; `None` when
/// the values break a rule across parameters ([`Params::check_consistency`]).
pub fn apply(s: &Scenario, factors: &[Factor], u: &[f64]) -> Option<Scenario> {
    let mut c = s.clone();
    let mut p = s.params();
    for (f, &ui) in factors.iter().zip(u) {
        let v = f.value(ui);
        match &f.param {
            FactorName::Model(param) => {
                p.set_value(*param, v).ok()?;
                match c.model.iter_mut().find(|(n, _)| n == param) {
                    Some(slot) => slot.1 = v,
                    None => c.model.push((*param, v)),
                }
            }
            FactorName::Resistance {
                drug,
                mechanism,
                field,
            } => {
                for arm in &mut c.arms {
                    for t in arm.therapies.iter_mut().filter(|t| t.drug == *drug) {
                        for r in t
                            .definition
                            .resistance
                            .iter_mut()
                            .filter(|r| r.mechanism == *mechanism)
                        {
                            field.set(r, v);
                        }
                    }
                }
            }
        }
    }
    p.check_consistency().ok()?;
    Some(c)
}

/// Simulates `s` (patients `0..population.size`, the scenario's seed) and computes
/// [`OUTCOMES`] (NaN when a metric cannot be estimated).
pub fn outcomes(s: &Scenario, threads: usize) -> Result<Vec<f64>, EngineError> {
    let out = cohort::run(&s.cohort_spec(), 0..s.population.size, threads)?;
    Ok(OUTCOMES
        .iter()
        .map(|o| metrics::compute(o.metric, &out, &[]).map_or(f64::NAN, |e| e.value))
        .collect())
}

/// Settings of [`analyse`].
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Trajectories `r`.
    pub trajectories: usize,
    /// Grid levels `p`.
    pub levels: usize,
    /// Range factor `F`.
    pub range_factor: f64,
    /// Seed of the design (the patients use the scenario's `population.seed`).
    pub seed: u64,
    /// Worker threads of each cohort run.
    pub threads: usize,
}

/// Result of [`analyse`].
#[derive(Debug, Clone)]
pub struct Analysis {
    /// Scenario name.
    pub scenario: String,
    /// The arm whose outcomes are screened (the scenario's first).
    pub arm: String,
    /// Virtual patients per evaluation.
    pub patients: u64,
    /// Seed of the virtual patients.
    pub population_seed: u64,
    /// The settings.
    pub settings: Settings,
    /// The factors.
    pub factors: Vec<Factor>,
    /// Default parameters that could not be varied.
    pub skipped: Vec<Skipped>,
    /// Outcomes at the scenario's own parameter values.
    pub baseline: Vec<f64>,
    /// The screening.
    pub morris: MorrisResult,
    /// Design points whose parameter values broke a rule across parameters.
    pub inconsistent: usize,
}

/// Runs the Morris screening of the scenario's [`OUTCOMES`] to `factors`. Every evaluation
/// simulates the same virtual patients (common random numbers), so outcomes differ only
/// through the parameters. The design points are independent cohort runs and are spread over
/// `settings.threads` threads, one point per thread at a time; the result does not depend on
/// the thread count. `progress` is called with the number of evaluations done.
pub fn analyse(
    s: &Scenario,
    factors: Vec<Factor>,
    skipped: Vec<Skipped>,
    settings: &Settings,
    progress: impl Fn(usize) + Sync,
) -> Result<Analysis, SensitivityError> {
    let design = MorrisDesign::new(
        factors.len(),
        settings.trajectories,
        settings.levels,
        settings.seed,
    )?;
    let trajectories = design.trajectories();
    progress(0);
    let baseline = outcomes(s, 1)?;
    let points: Vec<&[f64]> = trajectories
        .iter()
        .flat_map(|tr| tr.points.iter().map(Vec::as_slice))
        .collect();
    let (values, inconsistent) =
        evaluate_points(s, &factors, &points, settings.threads, &progress)?;
    let mut values = values.into_iter();
    let outputs: Vec<Vec<Vec<f64>>> = trajectories
        .iter()
        .map(|tr| values.by_ref().take(tr.points.len()).collect())
        .collect();
    Ok(Analysis {
        scenario: s.meta.name.clone(),
        arm: s.arms.first().map_or(String::new(), |a| a.name.clone()),
        patients: s.population.size,
        population_seed: s.population.seed,
        settings: settings.clone(),
        factors,
        skipped,
        baseline,
        morris: MorrisResult::new(trajectories, outputs, OUTCOMES.len()),
        inconsistent,
    })
}

/// The [`OUTCOMES`] at each design point (unit-cube coordinates of `factors`), in the order of
/// `points`, with the number of points whose values broke a rule across parameters (their
/// outcomes are NaN). Each point is a cohort run on one thread; the points are spread over
/// `threads`, so the result does not depend on the thread count. `progress` gets the number of
/// points done.
pub(super) fn evaluate_points(
    s: &Scenario,
    factors: &[Factor],
    points: &[&[f64]],
    threads: usize,
    progress: &(impl Fn(usize) + Sync),
) -> Result<(Vec<Vec<f64>>, usize), EngineError> {
    use rayon::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let threads = threads.max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|source| EngineError::Threads { threads, source })?;
    let done = AtomicUsize::new(0);
    let inconsistent = AtomicUsize::new(0);
    let values: Result<Vec<Vec<f64>>, EngineError> = pool.install(|| {
        points
            .par_iter()
            .map(|u| {
                let y = match apply(s, factors, u) {
                    Some(c) => outcomes(&c, 1)?,
                    None => {
                        inconsistent.fetch_add(1, Ordering::Relaxed);
                        vec![f64::NAN; OUTCOMES.len()]
                    }
                };
                progress(done.fetch_add(1, Ordering::Relaxed) + 1);
                Ok(y)
            })
            .collect()
    });
    Ok((values?, inconsistent.into_inner()))
}

impl Analysis {
    /// Factor indices in the order of the tables: decreasing `μ*` of median survival.
    pub fn order(&self) -> Vec<usize> {
        order_by_mu_star(&self.morris.summary[0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_of_four_levels_is_two_thirds() {
        let d = MorrisDesign::new(3, 2, 4, 1).unwrap();
        assert!((d.delta() - 2.0 / 3.0).abs() < 1e-15);
        assert_eq!(d.evaluations(), 8);
    }

    #[test]
    fn bad_designs_are_refused() {
        assert!(matches!(
            MorrisDesign::new(3, 2, 3, 1),
            Err(SensitivityError::Levels(3))
        ));
        assert!(matches!(
            MorrisDesign::new(3, 1, 4, 1),
            Err(SensitivityError::Trajectories(1))
        ));
        assert!(matches!(
            MorrisDesign::new(0, 2, 4, 1),
            Err(SensitivityError::NoFactors)
        ));
    }

    #[test]
    fn factor_values_span_the_log_range() {
        let f = Factor {
            param: FactorName::Model(Param::AggGrowthRate),
            group: "g",
            centre: 1.0,
            low: 0.5,
            high: 2.0,
        };
        assert!((f.value(0.5) - 1.0).abs() < 1e-12);
        assert_eq!(f.value(0.0).to_bits(), 0.5_f64.to_bits());
        assert_eq!(f.value(1.0).to_bits(), 2.0_f64.to_bits());
    }

    #[test]
    fn pool_weights_and_repeated_parameters_are_refused() {
        let s = super::super::validate::natural_history();
        assert!(matches!(
            factors(&s, Some(&[FactorName::Model(Param::PoolWeightBulbar)]), 2.0),
            Err(SensitivityError::Factor { ref param, .. }) if param == "pool_weight_bulbar"
        ));
        assert!(matches!(
            factors(
                &s,
                Some(&[
                    FactorName::Model(Param::AggGrowthRate),
                    FactorName::Model(Param::AggGrowthRate)
                ]),
                2.0
            ),
            Err(SensitivityError::Duplicate(ref p)) if p == "agg_growth_rate"
        ));
        // At the defaults every default-group parameter can be varied.
        let (f, skipped) = factors(&s, None, 2.0).unwrap();
        assert!(skipped.is_empty(), "{skipped:?}");
        assert_eq!(
            f.len(),
            crate::model::PARAMETERS
                .iter()
                .filter(|p| DEFAULT_GROUPS.contains(&p.group))
                .count()
        );
        // Parameters set to 0 (no log scale), and the gain of an export that is switched off,
        // are left out and listed.
        let mut zeroed = s.clone();
        crate::scenario::whatif::set_params(
            &mut zeroed,
            &[
                (Param::SpreadExportDegenerating, 0.0),
                (Param::UnitVulnerabilityFloor, 0.0),
            ],
        )
        .unwrap();
        let (f, skipped) = factors(&zeroed, None, 2.0).unwrap();
        let names: Vec<String> = skipped.iter().map(|k| k.param.name()).collect();
        assert_eq!(
            names,
            [
                "spread_export_degenerating",
                "spread_export_degenerating_gain",
                "unit_vulnerability_floor"
            ]
        );
        assert!(
            skipped[1]
                .reason
                .contains("no effect while spread_export_degenerating is 0")
        );
        for k in [&skipped[0], &skipped[2]] {
            assert!(k.reason.contains("no log scale"), "{}", k.reason);
        }
        assert_eq!(
            f.len() + skipped.len(),
            crate::model::PARAMETERS
                .iter()
                .filter(|p| DEFAULT_GROUPS.contains(&p.group))
                .count()
        );
        // Clamped to the registry range: eaat2_loss_max 0.6 × 2 > 0.95.
        let e = f
            .iter()
            .find(|f| f.param == FactorName::Model(Param::Eaat2LossMax))
            .unwrap();
        assert!((e.high - 0.95).abs() < 1e-12 && (e.low - 0.3).abs() < 1e-12);
    }

    #[test]
    fn inconsistent_values_are_not_applied() {
        let s = super::super::validate::natural_history();
        let f = Factor {
            param: FactorName::Model(Param::DeathFvc),
            group: "function",
            centre: 25.0,
            low: 12.5,
            high: 60.0,
        };
        assert!(apply(&s, std::slice::from_ref(&f), &[0.0]).is_some());
        assert!(apply(&s, &[f], &[1.0]).is_none());
    }
}
