//! Every statistic the figures and `report.html` show, computed once from the records of a
//! result folder ([`Estimates::new`]): Kaplan-Meier fits per arm with their numbers at risk,
//! paired treatment effects per arm, the quantile series of `summary.csv`, the regional means
//! of the model states, the drug effects, the ALSFRS-R fan against the other time origin and
//! the key numbers per arm. The figures only arrange these numbers into charts.

use super::folder::{ResultData, Visit};
use super::patients::PatientRow;
use crate::cohort::summary::Variable;
use crate::stats::km::KaplanMeier;
use std::collections::{BTreeMap, HashMap};

/// Month of the ALSFRS-R compared between arms in the paired treatment effects: the rated
/// visit at this month (from `trajectories.parquet`) or, without trajectories, the projection
/// `baseline + month × slope` for patients followed that long.
pub const EFFECT_MONTH: f64 = 12.0;

/// Months of the ALSFRS-R key numbers of `report.html`.
pub const KEY_MONTHS: [f64; 3] = [6.0, 12.0, 18.0];

/// Bins of the histograms of paired differences.
pub const EFFECT_BINS: usize = 30;

/// Fewest rated visits in a bin of the ALSFRS-R fan against the other time origin
/// ([`other_origin`]) for its quantiles to be drawn.
pub const MIN_BIN_VISITS: usize = 10;
/// Smallest share of an arm's patients with a visit in a bin of the ALSFRS-R fan against the
/// other time origin for its quantiles to be drawn (the sparse tails of the time axis are noise).
pub const MIN_BIN_SHARE: f64 = 0.05;

/// The four regions' names, in report order (the model's region order).
pub const REGIONS: [&str; crate::model::N_REGIONS] = [
    crate::model::Region::ALL[0].name(),
    crate::model::Region::ALL[1].name(),
    crate::model::Region::ALL[2].name(),
    crate::model::Region::ALL[3].name(),
];

/// Model states summarised per region in `summary.csv` (`neurons_bulbar`, ...).
pub const STATES: [&str; 6] = [
    "neurons",
    "aggregate",
    "oxidative",
    "microglia",
    "astrocytes",
    "glutamate",
];

/// Mean, median and quantiles of one variable of one arm at a sequence of times (NaN where
/// undefined).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Quantiles {
    /// Months.
    pub x: Vec<f64>,
    /// Mean.
    pub mean: Vec<f64>,
    /// Median.
    pub median: Vec<f64>,
    /// 5th percentile.
    pub q05: Vec<f64>,
    /// 25th percentile.
    pub q25: Vec<f64>,
    /// 75th percentile.
    pub q75: Vec<f64>,
    /// 95th percentile.
    pub q95: Vec<f64>,
}

impl Quantiles {
    #[allow(clippy::too_many_arguments)]
    fn push(&mut self, x: f64, mean: f64, median: f64, q05: f64, q25: f64, q75: f64, q95: f64) {
        self.x.push(x);
        self.mean.push(mean);
        self.median.push(median);
        self.q05.push(q05);
        self.q25.push(q25);
        self.q75.push(q75);
        self.q95.push(q95);
    }
}

/// Kaplan-Meier summary of one arm (tracheostomy-free survival from enrollment).
#[derive(Debug, Clone)]
pub struct ArmSurvival {
    /// Arm name.
    pub arm: String,
    /// Patients.
    pub n: usize,
    /// Deaths within follow-up.
    pub events: usize,
    /// The fitted curve (None without patients).
    pub km: Option<KaplanMeier>,
    /// Median, months (None when not reached).
    pub median: Option<f64>,
    /// 95% confidence interval of the median.
    pub median_ci: (Option<f64>, Option<f64>),
    /// The step curve: (months, survival, 95% lower, 95% upper), starting at (0, 1, 1, 1), one
    /// point per time with a death.
    pub curve: Vec<(f64, f64, f64, f64)>,
    /// Distinct censoring times.
    pub censor_times: Vec<f64>,
    /// Survival at each censoring time.
    pub censor_survival: Vec<f64>,
    /// Longest follow-up, months.
    pub max_time: f64,
    /// Patients at risk at each of [`Estimates::risk_times`].
    pub at_risk: Vec<usize>,
}

/// The distribution of per-patient paired differences, binned for a histogram.
#[derive(Debug, Clone, PartialEq)]
pub struct Differences {
    /// The differences.
    pub values: Vec<f64>,
    /// Bin edges.
    pub edges: Vec<f64>,
    /// Patients per bin.
    pub counts: Vec<f64>,
    /// Mean difference (0 without any).
    pub mean: f64,
    /// Every difference is zero.
    pub all_zero: bool,
}

impl Differences {
    /// Bins `values` into [`EFFECT_BINS`] bins over their range; all values equal give one bar
    /// of width 1 at the common value with empty bins either side.
    pub fn new(values: Vec<f64>) -> Differences {
        let n = values.len() as f64;
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (edges, counts) = if values.is_empty() || hi - lo < 1e-9 {
            let c = if values.is_empty() { 0.0 } else { lo };
            (
                (0..=5).map(|k| c - 2.5 + f64::from(k)).collect(),
                vec![0.0, 0.0, n, 0.0, 0.0],
            )
        } else {
            let w = (hi - lo) / EFFECT_BINS as f64;
            let edges: Vec<f64> = (0..=EFFECT_BINS).map(|k| lo + w * k as f64).collect();
            let mut counts = vec![0.0; EFFECT_BINS];
            for &v in &values {
                let k = (((v - lo) / w) as usize).min(EFFECT_BINS - 1);
                counts[k] += 1.0;
            }
            (edges, counts)
        };
        let mean = if values.is_empty() {
            0.0
        } else {
            values.iter().sum::<f64>() / n
        };
        let all_zero = values.iter().all(|d| d.abs() < 1e-9);
        Differences {
            values,
            edges,
            counts,
            mean,
            all_zero,
        }
    }
}

/// Paired differences of one arm against the first arm (same patient index).
#[derive(Debug, Clone, PartialEq)]
pub struct PairedEffects {
    /// The arm.
    pub arm: String,
    /// The first (control) arm.
    pub control: String,
    /// Tracheostomy-free survival months gained.
    pub survival: Differences,
    /// Difference in ALSFRS-R at [`EFFECT_MONTH`] (patients alive then in both arms).
    pub alsfrs: Differences,
    /// The ALSFRS-R values were projected from the slope (no `trajectories.parquet`).
    pub projected: bool,
}

/// Key numbers of one arm for `report.html` and `alssim whatif`.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyNumbers {
    /// Mean ALSFRS-R slope over patients with one, points/month.
    pub mean_slope: Option<f64>,
    /// Median baseline NfL, pg/mL.
    pub median_baseline_nfl: Option<f64>,
    /// ALSFRS-R (mean, median) at each of [`KEY_MONTHS`] (None without such a visit; NaN
    /// where no patient was alive).
    pub alsfrs_at: Vec<Option<(f64, f64)>>,
}

/// The ALSFRS-R fan against months since the other time origin ([`other_origin`]).
#[derive(Debug, Clone, PartialEq)]
pub struct OtherOriginFan {
    /// The other time origin: `onset` or `enrollment`.
    pub origin: &'static str,
    /// Visits were moved forward (by the months from onset to enrollment) rather than back.
    pub forward: bool,
    /// Bin width, whole months.
    pub width: f64,
    /// First and last bin drawn (bin `b` covers `[b·width, (b+1)·width)`).
    pub bins: (i64, i64),
    /// Per arm: the quantiles per bin, at the bin centres (NaN in bins left out).
    pub arms: Vec<Quantiles>,
}

/// A line over time: (months, values).
pub type Line = (Vec<f64>, Vec<f64>);

/// The effective drug effect on one mechanism target in one arm.
#[derive(Debug, Clone, PartialEq)]
pub struct DrugEffect {
    /// The target.
    pub slot: crate::model::Slot,
    /// Months.
    pub months: Vec<f64>,
    /// Mean change of the target's factor, percent.
    pub change: Vec<f64>,
}

/// Every statistic of a result folder that the figures and `report.html` show.
#[derive(Debug, Clone)]
pub struct Estimates {
    /// Times of the numbers at risk: 0 and a round step up to the longest follow-up.
    pub risk_times: Vec<f64>,
    /// Kaplan-Meier fit per arm, in arm order.
    pub survival: Vec<ArmSurvival>,
    /// Paired effects of every arm after the first against the first.
    pub effects: Vec<PairedEffects>,
    /// Key numbers per arm, in arm order.
    pub key: Vec<KeyNumbers>,
    /// Per arm: the quantile series of every variable of `summary.csv`.
    pub series: Vec<BTreeMap<String, Quantiles>>,
    /// Per arm and model state ([`STATES`]): the unweighted mean of the four regional means
    /// per visit (months, values).
    pub region_means: Vec<BTreeMap<&'static str, Line>>,
    /// Per arm: for each mechanism target a therapy moves, the mean change of its factor in
    /// percent per visit.
    pub drug_effects: Vec<Vec<DrugEffect>>,
    /// The ALSFRS-R fan against the other time origin (None without trajectories).
    pub other_origin: Option<OtherOriginFan>,
    /// Who benefits: per arm after the first with a non-zero benefit, how the patients'
    /// characteristics go with their individual benefit.
    pub responders: Vec<super::responders::Responders>,
}

impl Estimates {
    /// Computes every estimate from the records of a result folder.
    pub fn new(data: &ResultData) -> Estimates {
        let mut survival = survival(data);
        let max = survival.iter().map(|f| f.max_time).fold(0.0, f64::max);
        let risk_times = risk_times(max);
        for f in &mut survival {
            f.at_risk = risk_times
                .iter()
                .map(|&t| at_risk(data, &f.arm, t))
                .collect();
        }
        let effects = if data.patients.is_empty() {
            Vec::new()
        } else {
            data.arms
                .iter()
                .skip(1)
                .map(|arm| paired_effects(data, arm))
                .collect()
        };
        let series = data
            .arms
            .iter()
            .map(|arm| {
                let mut m: BTreeMap<String, Quantiles> = BTreeMap::new();
                for r in data.summary.iter().filter(|r| r.arm == *arm) {
                    let v = |x: Option<f64>| x.unwrap_or(f64::NAN);
                    m.entry(r.variable.clone()).or_default().push(
                        r.month,
                        v(r.mean),
                        v(r.median),
                        v(r.q05),
                        v(r.q25),
                        v(r.q75),
                        v(r.q95),
                    );
                }
                m
            })
            .collect();
        let region_means = data
            .arms
            .iter()
            .map(|arm| {
                STATES
                    .iter()
                    .map(|&s| (s, region_mean(data, arm, s)))
                    .collect()
            })
            .collect();
        Estimates {
            risk_times,
            key: data.arms.iter().map(|a| key_numbers(data, a)).collect(),
            effects,
            series,
            region_means,
            drug_effects: data.arms.iter().map(|a| drug_effects(data, a)).collect(),
            other_origin: other_origin_fan(data),
            responders: super::responders::responders(data),
            survival,
        }
    }

    /// The quantile series of one arm (by position) and variable.
    pub fn series(&self, arm: usize, variable: &str) -> Option<&Quantiles> {
        self.series.get(arm)?.get(variable)
    }
}

/// Kaplan-Meier fits per arm from `patients.csv` (numbers at risk left empty; see
/// [`Estimates::new`]).
pub fn survival(data: &ResultData) -> Vec<ArmSurvival> {
    data.arms
        .iter()
        .map(|arm| {
            let ps = data.arm_patients(arm);
            let ps: Vec<&&PatientRow> = ps
                .iter()
                .filter(|p| p.follow_up_months.is_finite())
                .collect();
            let times: Vec<f64> = ps.iter().map(|p| p.follow_up_months.max(0.0)).collect();
            let events: Vec<bool> = ps.iter().map(|p| p.died()).collect();
            let km = KaplanMeier::fit(&times, &events);
            let mut censor_times: Vec<f64> = ps
                .iter()
                .filter(|p| p.censored)
                .map(|p| p.follow_up_months.max(0.0))
                .collect();
            censor_times.sort_by(f64::total_cmp);
            censor_times.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
            let mut curve = vec![(0.0, 1.0, 1.0, 1.0)];
            let mut censor_survival = Vec::new();
            if let Some(km) = &km {
                for s in km.steps() {
                    if s.events == 0 {
                        continue;
                    }
                    let (l, h) = km.survival_ci_at(s.time, 0.95);
                    curve.push((
                        s.time,
                        s.survival,
                        if l.is_finite() { l } else { s.survival },
                        if h.is_finite() { h } else { s.survival },
                    ));
                }
                censor_survival = censor_times.iter().map(|&t| km.survival_at(t)).collect();
            }
            ArmSurvival {
                arm: arm.clone(),
                n: ps.len(),
                events: events.iter().filter(|e| **e).count(),
                median: km.as_ref().and_then(KaplanMeier::median),
                median_ci: km.as_ref().map_or((None, None), |k| k.median_ci(0.95)),
                km,
                curve,
                censor_times,
                censor_survival,
                max_time: times.iter().copied().fold(0.0, f64::max),
                at_risk: Vec::new(),
            }
        })
        .collect()
}

/// Patients at risk (follow-up at least `t`) in one arm.
pub fn at_risk(data: &ResultData, arm: &str, t: f64) -> usize {
    data.arm_patients(arm)
        .iter()
        .filter(|p| p.follow_up_months >= t - 1e-9)
        .count()
}

/// Times at which the numbers at risk are shown: 0 and a round step up to `max`.
pub fn risk_times(max: f64) -> Vec<f64> {
    let step = [1.0, 3.0, 6.0, 12.0, 24.0, 60.0]
        .into_iter()
        .find(|s| max / s <= 5.0 + 1e-9)
        .unwrap_or(120.0);
    let mut out = Vec::new();
    let mut t = 0.0;
    while t <= max + 1e-9 {
        out.push(t);
        t += step;
    }
    out
}

/// Paired differences of one arm against the first: survival months gained and the ALSFRS-R
/// difference at [`EFFECT_MONTH`].
pub fn paired_effects(data: &ResultData, arm: &str) -> PairedEffects {
    let first = &data.arms[0];
    let base: HashMap<u64, &PatientRow> = data
        .arm_patients(first)
        .into_iter()
        .map(|p| (p.index, p))
        .collect();
    // The rated ALSFRS-R at the effect month by (index, arm position), when trajectories exist.
    let rated: Option<HashMap<(u64, usize), f64>> = data.visits.as_ref().map(|v| {
        v.iter()
            .filter(|v| (v.month - EFFECT_MONTH).abs() < 1e-9)
            .map(|v| ((v.index, v.arm), f64::from(v.alsfrs_r)))
            .collect()
    });
    let position = |name: &str| data.arms.iter().position(|a| a == name);
    let at = |p: &PatientRow| -> f64 {
        match &rated {
            Some(m) => position(&p.arm)
                .and_then(|a| m.get(&(p.index, a)))
                .copied()
                .unwrap_or(f64::NAN),
            None if p.follow_up_months >= EFFECT_MONTH => {
                let slope = p.alsfrs_r_slope.unwrap_or(f64::NAN);
                (f64::from(p.baseline_alsfrs_r) + EFFECT_MONTH * slope).clamp(0.0, 48.0)
            }
            None => f64::NAN,
        }
    };
    let patients = data.arm_patients(arm);
    // Folders written since `patients.csv` carries the paired benefits have the rated
    // differences there; older ones are read as before.
    let recorded = rated.is_none() && patients.iter().any(|p| p.benefit_survival_months.is_some());
    let mut surv = Vec::new();
    let mut als = Vec::new();
    for p in patients {
        if recorded {
            surv.extend(p.benefit_survival_months.filter(|d| d.is_finite()));
            als.extend(p.benefit_alsfrs_r_12.filter(|d| d.is_finite()));
            continue;
        }
        let Some(b) = base.get(&p.index) else {
            continue;
        };
        let d = p.follow_up_months - b.follow_up_months;
        if d.is_finite() {
            surv.push(d);
        }
        let d = at(p) - at(b);
        if d.is_finite() {
            als.push(d);
        }
    }
    PairedEffects {
        arm: arm.to_string(),
        control: first.clone(),
        survival: Differences::new(surv),
        alsfrs: Differences::new(als),
        projected: rated.is_none() && !recorded,
    }
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => None,
        n if n % 2 == 1 => Some(v[n / 2]),
        n => Some(0.5 * (v[n / 2 - 1] + v[n / 2])),
    }
}

/// Mean ALSFRS-R slope of one arm over the patients with one.
pub fn mean_slope(data: &ResultData, arm: &str) -> Option<f64> {
    let v: Vec<f64> = data
        .arm_patients(arm)
        .iter()
        .filter_map(|p| p.alsfrs_r_slope)
        .filter(|x| x.is_finite())
        .collect();
    mean(&v)
}

fn key_numbers(data: &ResultData, arm: &str) -> KeyNumbers {
    let nfl: Vec<f64> = data
        .arm_patients(arm)
        .iter()
        .map(|p| p.baseline_nfl_pg_ml)
        .filter(|s| s.is_finite())
        .collect();
    let rows = data.rows(arm, Variable::AlsfrsR.name());
    KeyNumbers {
        mean_slope: mean_slope(data, arm),
        median_baseline_nfl: median(nfl),
        alsfrs_at: KEY_MONTHS
            .iter()
            .map(|&month| {
                rows.iter()
                    .find(|r| (r.month - month).abs() < 1e-9)
                    .map(|r| (r.mean.unwrap_or(f64::NAN), r.median.unwrap_or(f64::NAN)))
            })
            .collect(),
    }
}

/// The mean of one model state over the four regions, per visit of one arm: the unweighted
/// mean of the regional means (NaN where some region has none).
pub fn region_mean(data: &ResultData, arm: &str, state: &str) -> Line {
    let mut months: Vec<f64> = Vec::new();
    let mut sums: Vec<(f64, usize)> = Vec::new();
    for region in REGIONS {
        for r in data.rows(arm, &format!("{state}_{region}")) {
            let k = match months.iter().position(|m| (m - r.month).abs() < 1e-9) {
                Some(k) => k,
                None => {
                    months.push(r.month);
                    sums.push((0.0, 0));
                    months.len() - 1
                }
            };
            if let Some(m) = r.mean.filter(|m| m.is_finite()) {
                sums[k].0 += m;
                sums[k].1 += 1;
            }
        }
    }
    let mut points: Vec<(f64, f64)> = months
        .into_iter()
        .zip(sums)
        .map(|(m, (sum, n))| {
            let v = if n == REGIONS.len() {
                sum / n as f64
            } else {
                f64::NAN
            };
            (m, v)
        })
        .collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    points.into_iter().unzip()
}

/// For every mechanism target that a therapy moves in one arm: the mean change of the target's
/// factor among patients alive at each visit, in percent (months, change).
fn drug_effects(data: &ResultData, arm: &str) -> Vec<DrugEffect> {
    crate::model::Slot::ALL
        .into_iter()
        .filter_map(|slot| {
            let rows = data.rows(arm, &format!("modulation_{}", slot.name()));
            if rows.iter().all(|r| {
                r.mean
                    .is_none_or(|m| !m.is_finite() || (m - 1.0).abs() < 1e-6)
            }) {
                return None;
            }
            Some(DrugEffect {
                slot,
                months: rows.iter().map(|r| r.month).collect(),
                change: rows
                    .iter()
                    .map(|r| 100.0 * (r.mean.unwrap_or(f64::NAN) - 1.0))
                    .collect(),
            })
        })
        .collect()
}

/// The time origin other than the visit origin: `onset` for visits counted from enrollment,
/// `enrollment` for visits counted from onset.
pub fn other_origin(data: &ResultData) -> &'static str {
    if data.visits_from() == "onset" {
        "enrollment"
    } else {
        "onset"
    }
}

/// Width in whole months (at least 1) of the bins of the fan against the other origin: the
/// shortest interval between scheduled visits, so that a patient has about one visit per bin.
fn bin_width(visits: &[Visit]) -> f64 {
    let mut months: Vec<f64> = visits.iter().map(|v| v.month).collect();
    months.sort_by(f64::total_cmp);
    months.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
    months
        .windows(2)
        .map(|w| w[1] - w[0])
        .fold(f64::INFINITY, f64::min)
        .ceil()
        .clamp(1.0, 120.0)
}

/// Rated ALSFRS-R total against months since the other time origin ([`other_origin`]), from
/// the visits of `trajectories.parquet`: each visit is moved by the patient's
/// `enrollment_months_since_onset` and the visits are binned by [`bin_width`] months; median,
/// middle 50% and 90% per bin and arm, over bins with visits of at least [`MIN_BIN_SHARE`] of
/// the arm's patients and at least [`MIN_BIN_VISITS`] visits. None without trajectories or
/// without any such bin.
fn other_origin_fan(data: &ResultData) -> Option<OtherOriginFan> {
    let visits = data.visits.as_ref()?;
    let forward = data.visits_from() != "onset";
    let sign = if forward { 1.0 } else { -1.0 };
    let entry: HashMap<(u64, usize), f64> = data
        .patients
        .iter()
        .filter_map(|p| {
            let since = p.enrollment_months_since_onset.filter(|x| x.is_finite())?;
            let arm = data.arms.iter().position(|a| *a == p.arm)?;
            Some(((p.index, arm), sign * since))
        })
        .collect();
    let w = bin_width(visits);
    let mut bins: Vec<HashMap<i64, Vec<f64>>> = vec![HashMap::new(); data.arms.len()];
    for v in visits {
        let Some(shift) = entry.get(&(v.index, v.arm)) else {
            continue;
        };
        let t = v.month + shift;
        if t.is_finite() {
            let b = (t / w + 1e-9).floor() as i64;
            bins[v.arm]
                .entry(b)
                .or_default()
                .push(f64::from(v.alsfrs_r));
        }
    }
    let least: Vec<usize> = (0..data.arms.len())
        .map(|a| {
            let n = entry.keys().filter(|(_, arm)| *arm == a).count();
            MIN_BIN_VISITS.max((MIN_BIN_SHARE * n as f64).ceil() as usize)
        })
        .collect();
    let all: Vec<i64> = bins
        .iter()
        .zip(&least)
        .flat_map(|(m, &least)| {
            m.iter()
                .filter(move |(_, v)| v.len() >= least)
                .map(|(b, _)| *b)
        })
        .collect();
    let (lo, hi) = (*all.iter().min()?, *all.iter().max()?);
    let arms = bins
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let mut q = Quantiles::default();
            for b in lo..=hi {
                let xc = (b as f64 + 0.5) * w;
                match m.get(&b).filter(|v| v.len() >= least[i]) {
                    Some(v) => {
                        let d = crate::stats::describe::describe(v);
                        q.push(xc, d.mean, d.median, d.q05, d.q25, d.q75, d.q95);
                    }
                    None => q.push(
                        xc,
                        f64::NAN,
                        f64::NAN,
                        f64::NAN,
                        f64::NAN,
                        f64::NAN,
                        f64::NAN,
                    ),
                }
            }
            q
        })
        .collect();
    Some(OtherOriginFan {
        origin: other_origin(data),
        forward,
        width: w,
        bins: (lo, hi),
        arms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_times_are_round() {
        assert_eq!(risk_times(18.0), vec![0.0, 6.0, 12.0, 18.0]);
        assert_eq!(risk_times(60.0), vec![0.0, 12.0, 24.0, 36.0, 48.0, 60.0]);
    }

    #[test]
    fn equal_differences_make_one_bar() {
        let d = Differences::new(vec![0.0, 0.0, 0.0]);
        assert!(d.all_zero);
        assert_eq!(d.counts, vec![0.0, 0.0, 3.0, 0.0, 0.0]);
        let d = Differences::new(vec![0.0, 1.0, 3.0]);
        assert_eq!(d.counts.len(), EFFECT_BINS);
        assert!((d.mean - 4.0 / 3.0).abs() < 1e-12);
    }
}
