//! Who benefits: how each patient characteristic goes with the individual paired benefit of an
//! arm against the first arm (`benefit_survival_months` and `benefit_alsfrs_r_12` of
//! `patients.csv`).
//!
//! Every virtual patient is simulated in every arm, so the benefit of a therapy is known patient
//! by patient, which no trial can observe. Numeric characteristics (age, baseline, progression,
//! the per-patient model parameters such as the mechanism weights `hazard_*`) are summarised by
//! their Spearman rank correlation with the benefit and by the mean benefit in their lowest and
//! highest quarter; categorical ones (sex, onset region, genotype, dominant mechanism) by the
//! mean benefit per level. These are associations within the simulated population: they show
//! what drives a drug's benefit in the model, not subgroups validated in patients.

use super::folder::ResultData;
use super::patients::PatientRow;
use crate::stats::describe::{quantile_sorted, spearman};
use std::collections::{BTreeMap, HashMap};

/// A survival gain at least this large, months, counts as benefiting in
/// [`Responders::share_benefiting`].
pub const BENEFIT_MONTHS: f64 = 1.0;

/// One numeric characteristic against the benefit.
#[derive(Debug, Clone, PartialEq)]
pub struct NumericPredictor {
    /// Column name (a `patients.csv` column, a varying parameter, or a derived quantity).
    pub name: String,
    /// What it is, with its unit.
    pub meaning: String,
    /// Patients with both the characteristic and a survival benefit.
    pub n: usize,
    /// Spearman correlation with the survival benefit (NaN when either is constant).
    pub rho_survival: f64,
    /// Spearman correlation with the ALSFRS-R benefit at 12 months, over patients with one.
    pub rho_alsfrs: f64,
    /// Mean survival benefit, months, in the quarter of patients with the lowest values.
    pub lowest_quarter: f64,
    /// Mean survival benefit, months, in the quarter of patients with the highest values.
    pub highest_quarter: f64,
}

/// One level of a categorical characteristic.
#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    /// The level (`bulbar`, `sod1`, `female`, ...).
    pub value: String,
    /// Patients at this level.
    pub n: usize,
    /// Mean survival benefit, months.
    pub mean_survival: f64,
    /// Mean ALSFRS-R benefit at 12 months over the patients with one (NaN without any).
    pub mean_alsfrs: f64,
}

/// One categorical characteristic against the benefit.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoricalPredictor {
    /// Column name.
    pub name: String,
    /// Its levels, in alphabetical order.
    pub levels: Vec<Level>,
}

/// The individual benefit of one arm against the first, and what goes with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Responders {
    /// The arm.
    pub arm: String,
    /// The first (control) arm.
    pub control: String,
    /// Patients with a survival benefit (every enrolled patient of the arm).
    pub n: usize,
    /// Mean survival benefit, months.
    pub mean: f64,
    /// Median survival benefit, months.
    pub median: f64,
    /// 90th percentile of the survival benefit, months.
    pub p90: f64,
    /// Share of patients gaining at least [`BENEFIT_MONTHS`] of survival.
    pub share_benefiting: f64,
    /// Numeric characteristics, the strongest rank correlation with the survival benefit first.
    pub numeric: Vec<NumericPredictor>,
    /// Categorical characteristics.
    pub categorical: Vec<CategoricalPredictor>,
}

/// Levels with fewer patients are left out of [`Responders::widest_category`].
pub const MIN_LEVEL: usize = 5;

impl Responders {
    /// The categorical characteristic whose levels (of at least [`MIN_LEVEL`] patients) differ
    /// most in mean survival benefit, with its best and worst level.
    pub fn widest_category(&self) -> Option<(&CategoricalPredictor, &Level, &Level)> {
        self.categorical
            .iter()
            .filter_map(|c| {
                let levels = c.levels.iter().filter(|l| l.n >= MIN_LEVEL);
                let best = levels
                    .clone()
                    .max_by(|a, b| a.mean_survival.total_cmp(&b.mean_survival))?;
                let worst = levels.min_by(|a, b| a.mean_survival.total_cmp(&b.mean_survival))?;
                (best.value != worst.value).then_some((c, best, worst))
            })
            .max_by(|a, b| {
                (a.1.mean_survival - a.2.mean_survival)
                    .total_cmp(&(b.1.mean_survival - b.2.mean_survival))
            })
    }

    /// The numeric characteristics with a defined correlation, strongest first, at most `k`.
    pub fn strongest(&self, k: usize) -> impl Iterator<Item = &NumericPredictor> {
        self.numeric
            .iter()
            .filter(|p| p.rho_survival.is_finite())
            .take(k)
    }
}

/// One patient of a treated arm: its row, its row in the first arm, the values of its varying
/// parameters (in [`ResultData::parameters`] order) and its survival benefit.
struct Paired<'a> {
    row: &'a PatientRow,
    control: &'a PatientRow,
    parameters: &'a [Option<f64>],
    gain: f64,
}

/// A characteristic computed from a patient's rows.
type FromRows = fn(&Paired<'_>) -> Option<f64>;

/// How a numeric characteristic is read from a patient.
#[derive(Clone, Copy)]
enum Read {
    /// From the patient's rows.
    Rows(FromRows),
    /// The varying parameter at this position.
    Parameter(usize),
}

impl Read {
    fn of(self, p: &Paired<'_>) -> Option<f64> {
        match self {
            Read::Rows(f) => f(p),
            Read::Parameter(k) => p.parameters.get(k).copied().flatten(),
        }
    }
}

/// The numeric characteristics: name, meaning with unit, and how each is read.
fn numeric_characteristics(data: &ResultData) -> Vec<(String, &'static str, Read)> {
    let rows: [(&str, &'static str, FromRows); 7] = [
        ("age", "age at onset, years", |p| Some(p.row.age)),
        (
            "diagnostic_delay_months",
            "months from onset to diagnosis",
            |p| Some(p.row.diagnostic_delay_months),
        ),
        ("baseline_alsfrs_r", "rated ALSFRS-R at enrollment", |p| {
            Some(f64::from(p.row.baseline_alsfrs_r))
        }),
        (
            "pre_slope",
            "ALSFRS-R points lost per month from onset to enrollment (ΔFS)",
            |p| {
                p.row
                    .enrollment_months_since_onset
                    .filter(|&m| m > 0.0)
                    .map(|m| (48.0 - f64::from(p.row.baseline_alsfrs_r)) / m)
            },
        ),
        (
            "control_decline",
            "ALSFRS-R decline in the first arm, points/month",
            |p| p.control.alsfrs_r_slope.map(|s| -s),
        ),
        ("baseline_fvc_pct", "FVC at enrollment, % predicted", |p| {
            Some(p.row.baseline_fvc_pct)
        }),
        (
            "baseline_nfl_pg_ml",
            "serum NfL at enrollment, pg/mL",
            |p| Some(p.row.baseline_nfl_pg_ml),
        ),
    ];
    rows.into_iter()
        .map(|(name, meaning, f)| (name.to_string(), meaning, Read::Rows(f)))
        .chain(data.parameters.iter().enumerate().map(|(k, name)| {
            (
                name.clone(),
                "model parameter of the patient",
                Read::Parameter(k),
            )
        }))
        .collect()
}

const CATEGORICAL: [&str; 4] = ["sex", "onset_region", "genotype", "dominant_mechanism"];

fn category<'a>(p: &'a PatientRow, name: &str) -> &'a str {
    match name {
        "sex" => &p.sex,
        "onset_region" => &p.onset_region,
        "genotype" => &p.genotype,
        _ => &p.dominant_mechanism,
    }
}

fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let (mut s, mut n) = (0.0, 0usize);
    for x in v {
        s += x;
        n += 1;
    }
    if n == 0 { f64::NAN } else { s / n as f64 }
}

/// Each numeric characteristic against the survival (and ALSFRS-R) benefit, strongest rank
/// correlation first; characteristics known for fewer than 8 patients are left out.
fn numeric_predictors(
    readers: &[(String, &'static str, Read)],
    rows: &[Paired<'_>],
) -> Vec<NumericPredictor> {
    let mut numeric: Vec<NumericPredictor> = readers
        .iter()
        .filter_map(|(name, meaning, read)| {
            let mut pairs: Vec<(f64, f64, Option<f64>)> = rows
                .iter()
                .filter_map(|p| {
                    let x = read.of(p).filter(|x| x.is_finite())?;
                    Some((
                        x,
                        p.gain,
                        p.row.benefit_alsfrs_r_12.filter(|a| a.is_finite()),
                    ))
                })
                .collect();
            if pairs.len() < 8 {
                return None;
            }
            pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
            let xs: Vec<f64> = pairs.iter().map(|p| p.0).collect();
            let gs: Vec<f64> = pairs.iter().map(|p| p.1).collect();
            let (xa, ga): (Vec<f64>, Vec<f64>) =
                pairs.iter().filter_map(|p| Some((p.0, p.2?))).unzip();
            let q = pairs.len() / 4;
            Some(NumericPredictor {
                name: name.clone(),
                meaning: meaning.to_string(),
                n: pairs.len(),
                rho_survival: spearman(&xs, &gs),
                rho_alsfrs: spearman(&xa, &ga),
                lowest_quarter: mean(gs[..q].iter().copied()),
                highest_quarter: mean(gs[gs.len() - q..].iter().copied()),
            })
        })
        .collect();
    // Strongest first; undefined correlations last; ties keep the listed order.
    numeric.sort_by(|a, b| {
        let key = |p: &NumericPredictor| {
            if p.rho_survival.is_finite() {
                -p.rho_survival.abs()
            } else {
                f64::INFINITY
            }
        };
        key(a).total_cmp(&key(b))
    });
    numeric
}

/// The mean benefit per level of each categorical characteristic.
fn categorical_predictors(rows: &[Paired<'_>]) -> Vec<CategoricalPredictor> {
    CATEGORICAL
        .iter()
        .map(|&name| {
            let mut levels: BTreeMap<&str, Vec<(f64, Option<f64>)>> = BTreeMap::new();
            for p in rows {
                levels
                    .entry(category(p.row, name))
                    .or_default()
                    .push((p.gain, p.row.benefit_alsfrs_r_12.filter(|a| a.is_finite())));
            }
            CategoricalPredictor {
                name: name.to_string(),
                levels: levels
                    .into_iter()
                    .map(|(value, v)| Level {
                        value: value.to_string(),
                        n: v.len(),
                        mean_survival: mean(v.iter().map(|x| x.0)),
                        mean_alsfrs: mean(v.iter().filter_map(|x| x.1)),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The responder analysis of every arm after the first whose recorded survival benefits are
/// not all zero. Empty for folders without the benefit columns (written before they existed).
pub fn responders(data: &ResultData) -> Vec<Responders> {
    let Some(control) = data.arms.first() else {
        return Vec::new();
    };
    let base: HashMap<u64, &PatientRow> = data
        .patients
        .iter()
        .filter(|p| p.arm == *control)
        .map(|p| (p.index, p))
        .collect();
    let readers = numeric_characteristics(data);
    let mut out = Vec::new();
    for arm in data.arms.iter().skip(1) {
        let rows: Vec<Paired<'_>> = data
            .patients
            .iter()
            .enumerate()
            .filter(|(_, p)| p.arm == *arm)
            .filter_map(|(i, row)| {
                Some(Paired {
                    row,
                    control: base.get(&row.index)?,
                    parameters: data.parameter_values.get(i).map_or(&[][..], Vec::as_slice),
                    gain: row.benefit_survival_months.filter(|g| g.is_finite())?,
                })
            })
            .collect();
        if rows.is_empty() || rows.iter().all(|r| r.gain.abs() < 1e-9) {
            continue;
        }
        let mut gains: Vec<f64> = rows.iter().map(|r| r.gain).collect();
        gains.sort_by(f64::total_cmp);
        let n = gains.len();
        out.push(Responders {
            arm: arm.clone(),
            control: control.clone(),
            n,
            mean: mean(gains.iter().copied()),
            median: quantile_sorted(&gains, 0.5),
            p90: quantile_sorted(&gains, 0.9),
            share_benefiting: gains.iter().filter(|&&g| g >= BENEFIT_MONTHS).count() as f64
                / n as f64,
            numeric: numeric_predictors(&readers, &rows),
            categorical: categorical_predictors(&rows),
        });
    }
    out
}

/// A combination's per-patient survival gain against what its single drugs' gains predict.
#[derive(Debug, Clone, PartialEq)]
pub struct CombinationCheck {
    /// The combination arm.
    pub arm: String,
    /// The arms of its single drugs.
    pub singles: Vec<String>,
    /// Patients in every one of the arms.
    pub n: usize,
    /// Mean observed survival gain of the combination, months.
    pub observed: f64,
    /// Mean additive expectation: each patient's single-drug gains summed.
    pub additive: f64,
    /// Mean Bliss expectation: each drug slows the patient's course independently, so the
    /// survival ratios to control multiply, `T_ab / T_0 = (T_a / T_0)·(T_b / T_0)`.
    pub bliss: f64,
}

impl CombinationCheck {
    /// How the observed gain compares with the Bliss expectation, within `tolerance` (relative).
    pub fn verdict(&self, tolerance: f64) -> &'static str {
        let band = tolerance * self.bliss.abs().max(1e-9);
        if self.observed > self.bliss + band {
            "more than Bliss (synergy)"
        } else if self.observed < self.bliss - band {
            "less than Bliss (antagonism)"
        } else {
            "as Bliss expects (independent action)"
        }
    }
}

/// Compares the combination arm `arm` with its single-drug arms `singles`, patient by patient:
/// the observed survival gain (months within follow-up, against the first arm) against the
/// additive and the Bliss expectation built from the same patient's single-drug gains. Both
/// expectations are capped at the longest follow-up of the run, as the observed gain is.
/// `None` when an arm is missing or has no recorded benefits.
pub fn combination_check(
    data: &ResultData,
    arm: &str,
    singles: &[String],
) -> Option<CombinationCheck> {
    let control = data.arms.first()?;
    let cap = data
        .patients
        .iter()
        .map(|p| p.follow_up_months)
        .fold(0.0, f64::max);
    let by_arm = |name: &str| -> HashMap<u64, f64> {
        data.patients
            .iter()
            .filter(|p| p.arm == name)
            .filter_map(|p| Some((p.index, p.benefit_survival_months?)))
            .collect()
    };
    let base: HashMap<u64, f64> = data
        .patients
        .iter()
        .filter(|p| p.arm == *control)
        .map(|p| (p.index, p.follow_up_months))
        .collect();
    let combo = by_arm(arm);
    let single: Vec<HashMap<u64, f64>> = singles.iter().map(|s| by_arm(s)).collect();
    if combo.is_empty() || single.iter().any(HashMap::is_empty) {
        return None;
    }
    let mut indices: Vec<u64> = combo.keys().copied().collect();
    indices.sort_unstable();
    let (mut n, mut obs, mut add, mut bliss) = (0usize, 0.0, 0.0, 0.0);
    for i in indices {
        let Some(&t0) = base.get(&i).filter(|t| **t > 0.0) else {
            continue;
        };
        let Some(gains) = single
            .iter()
            .map(|m| m.get(&i).copied())
            .collect::<Option<Vec<f64>>>()
        else {
            continue;
        };
        n += 1;
        obs += combo[&i];
        add += gains.iter().sum::<f64>().min(cap - t0);
        let ratio: f64 = gains.iter().map(|g| (t0 + g) / t0).product();
        bliss += (t0 * ratio).min(cap) - t0;
    }
    (n > 0).then(|| CombinationCheck {
        arm: arm.to_string(),
        singles: singles.to_vec(),
        n,
        observed: obs / n as f64,
        additive: add / n as f64,
        bliss: bliss / n as f64,
    })
}
