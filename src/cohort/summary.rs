//! Streaming cohort summaries that merge exactly.
//!
//! Every statistic is accumulated in integers, so adding patients in any order, on any number
//! of threads or shards, gives the same bits:
//!
//! - rated ALSFRS-R totals and domains are integers: counts per score give exact means, SDs
//!   and quantiles;
//! - FVC and NfL are rounded to fixed point ([`FIXED_POINT`] = 1e-6 of their unit) for sums of
//!   values and squares (exact `i128` arithmetic), and counted in bins for quantiles: FVC in
//!   bins of [`FVC_BIN`] % predicted, NfL in bins of [`NFL_BIN`] relative width (0.1%).
//!   Quantiles of these two are therefore exact to within one bin (reported at the bin centre).
//!
//! Memory is a fixed number of bins per arm and visit, independent of the cohort size.

use super::engine::CohortSpec;
use super::engine::{ArmCourse, N_SLOTS, Observation, Outcome, REGIONAL, ScreenFailure};

/// Fixed-point resolution of FVC and NfL sums, in units of the variable.
pub const FIXED_POINT: f64 = 1e-6;
/// Width of an FVC quantile bin, % predicted.
pub const FVC_BIN: f64 = 0.01;
/// Relative width of an NfL quantile bin (bins equally spaced in log NfL).
pub const NFL_BIN: f64 = 0.001;

/// A readout summarised per visit in `summary.csv` (the rows after them, the means of the
/// model states and modulation factors, are named by [`mechanism_names`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Variable {
    /// Rated ALSFRS-R total, 0-48.
    AlsfrsR,
    /// Rated bulbar subscore, 0-12.
    Bulbar,
    /// Rated fine-motor subscore, 0-12.
    FineMotor,
    /// Rated gross-motor subscore, 0-12.
    GrossMotor,
    /// Rated respiratory subscore, 0-12.
    Respiratory,
    /// FVC, % predicted.
    FvcPct,
    /// Serum NfL, pg/mL.
    NflPgMl,
}

/// Number of [`Variable`]s.
pub const N_VARIABLES: usize = Variable::ALL.len();

impl Variable {
    /// Every variable in output order.
    pub const ALL: [Variable; 7] = [
        Variable::AlsfrsR,
        Variable::Bulbar,
        Variable::FineMotor,
        Variable::GrossMotor,
        Variable::Respiratory,
        Variable::FvcPct,
        Variable::NflPgMl,
    ];

    /// The four ALSFRS-R domains in scale order.
    pub const DOMAINS: [Variable; 4] = [
        Variable::Bulbar,
        Variable::FineMotor,
        Variable::GrossMotor,
        Variable::Respiratory,
    ];

    /// The `variable` value of its rows in `summary.csv`.
    pub const fn name(self) -> &'static str {
        match self {
            Variable::AlsfrsR => "alsfrs_r",
            Variable::Bulbar => "bulbar",
            Variable::FineMotor => "fine_motor",
            Variable::GrossMotor => "gross_motor",
            Variable::Respiratory => "respiratory",
            Variable::FvcPct => "fvc_pct",
            Variable::NflPgMl => "nfl_pg_ml",
        }
    }

    /// The variable named `name` in `summary.csv`, if it is one.
    pub fn from_name(name: &str) -> Option<Variable> {
        Variable::ALL.into_iter().find(|v| v.name() == name)
    }

    /// Position in [`Variable::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }

    const fn binning(self) -> Binning {
        match self {
            Variable::FvcPct => Binning::Linear(FVC_BIN),
            Variable::NflPgMl => Binning::Log(NFL_BIN),
            _ => Binning::Integer,
        }
    }
}

impl std::fmt::Display for Variable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How a variable is binned.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Binning {
    /// Whole numbers, one bin per value.
    Integer,
    /// Linear bins of a fixed width.
    Linear(f64),
    /// Logarithmic bins of a fixed relative width.
    Log(f64),
}

impl Binning {
    fn bin(self, x: f64) -> i64 {
        match self {
            Binning::Integer => x.round() as i64,
            Binning::Linear(w) => (x / w).floor() as i64,
            Binning::Log(w) => (x.max(1e-12).ln() / w.ln_1p()).floor() as i64,
        }
    }

    fn centre(self, b: i64) -> f64 {
        match self {
            Binning::Integer => b as f64,
            Binning::Linear(w) => (b as f64 + 0.5) * w,
            Binning::Log(w) => ((b as f64 + 0.5) * w.ln_1p()).exp(),
        }
    }
}

/// Exact accumulator of one variable at one visit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Accumulator {
    n: u64,
    sum: i128,
    sum_sq: i128,
    /// Counts of small non-negative bins (rated scores 0-48) by index.
    dense: Vec<u64>,
    /// Counts of all other bins, sorted by bin, each bin once. A sorted vector rather than a
    /// map: summaries are built from small pieces (a few dozen patients) and merged, and two
    /// sorted vectors merge in one linear pass.
    bins: Vec<(i64, u64)>,
}

/// The union of two sorted bin lists, with the counts of a bin in both added.
fn merge_sorted(a: &[(i64, u64)], b: &[(i64, u64)]) -> Vec<(i64, u64)> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while let (Some(&x), Some(&y)) = (a.get(i), b.get(j)) {
        match x.0.cmp(&y.0) {
            std::cmp::Ordering::Less => {
                out.push(x);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(y);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push((x.0, x.1 + y.1));
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// Bins below this go to the dense counts (every rated ALSFRS-R score).
const DENSE_BINS: i64 = 49;

fn binning_is_dense(bin: i64) -> bool {
    (0..DENSE_BINS).contains(&bin)
}

fn fixed(x: f64) -> i128 {
    let q = (x / FIXED_POINT).round();
    // The same integer either way; the conversion through `i64` is a single instruction, the
    // one to `i128` a library call, and every value of a summary takes this path.
    if q.abs() < 9.0e18 {
        i128::from(q as i64)
    } else {
        q as i128
    }
}

impl Accumulator {
    fn add(&mut self, binning: Binning, x: f64) {
        let q = match binning {
            Binning::Integer => i128::from(x.round() as i64) * fixed(1.0),
            _ => fixed(x),
        };
        self.n += 1;
        self.sum += q;
        self.sum_sq += q * q;
        self.count(binning.bin(x), 1);
    }

    fn count(&mut self, bin: i64, c: u64) {
        if binning_is_dense(bin) {
            let i = bin as usize;
            if self.dense.len() <= i {
                self.dense.resize(i + 1, 0);
            }
            self.dense[i] += c;
        } else {
            match self.bins.binary_search_by_key(&bin, |&(b, _)| b) {
                Ok(i) => self.bins[i].1 += c,
                Err(i) => self.bins.insert(i, (bin, c)),
            }
        }
    }

    /// All bins with their counts, in increasing order.
    fn all_bins(&self) -> impl Iterator<Item = (i64, u64)> + '_ {
        let split = self.bins.partition_point(|&(b, _)| b < 0);
        let (below, above) = self.bins.split_at(split);
        let dense = self
            .dense
            .iter()
            .enumerate()
            .filter(|&(_, &c)| c > 0)
            .map(|(i, &c)| (i as i64, c));
        below
            .iter()
            .copied()
            .chain(dense)
            .chain(above.iter().copied())
    }

    fn merge(&mut self, other: &Accumulator) {
        self.n += other.n;
        self.sum += other.sum;
        self.sum_sq += other.sum_sq;
        if self.dense.len() < other.dense.len() {
            self.dense.resize(other.dense.len(), 0);
        }
        for (mine, theirs) in self.dense.iter_mut().zip(&other.dense) {
            *mine += theirs;
        }
        if self.bins.is_empty() {
            self.bins.clone_from(&other.bins);
        } else if !other.bins.is_empty() {
            self.bins = merge_sorted(&self.bins, &other.bins);
        }
    }

    /// Mean of the values added (NaN without any).
    pub fn mean(&self) -> f64 {
        if self.n == 0 {
            f64::NAN
        } else {
            self.sum as f64 * FIXED_POINT / self.n as f64
        }
    }

    /// Sample standard deviation of the values added (NaN with fewer than two).
    pub fn sd(&self) -> f64 {
        if self.n < 2 {
            return f64::NAN;
        }
        let n = self.n as i128;
        // n Σx² − (Σx)² is exact in i128; divide once at the end.
        let num = n * self.sum_sq - self.sum * self.sum;
        ((num as f64 / (n * (n - 1)) as f64).max(0.0)).sqrt() * FIXED_POINT
    }

    /// Values added.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// Quantile `p` (Hyndman & Fan type 7) of the binned values of `variable`.
    pub fn variable_quantile(&self, variable: Variable, p: f64) -> f64 {
        self.quantile(variable.binning(), p)
    }

    /// Quantile (Hyndman & Fan type 7) of the binned values.
    fn quantile(&self, binning: Binning, p: f64) -> f64 {
        if self.n == 0 {
            return f64::NAN;
        }
        let h = (self.n - 1) as f64 * p;
        let lo = h.floor() as u64;
        let frac = h - lo as f64;
        let (a, b) = (
            self.order_statistic(binning, lo),
            self.order_statistic(binning, (lo + 1).min(self.n - 1)),
        );
        a + frac * (b - a)
    }

    /// The k-th smallest value (0-based), as its bin value.
    fn order_statistic(&self, binning: Binning, k: u64) -> f64 {
        let mut seen = 0;
        for (b, c) in self.all_bins() {
            seen += c;
            if k < seen {
                return binning.centre(b);
            }
        }
        f64::NAN
    }
}

/// Exact mean of a model state across patients at one visit (fixed-point sum).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MeanAccumulator {
    n: u64,
    sum: i128,
}

impl MeanAccumulator {
    fn add(&mut self, x: f64) {
        self.n += 1;
        self.sum += fixed(x);
    }

    fn merge(&mut self, other: &MeanAccumulator) {
        self.n += other.n;
        self.sum += other.sum;
    }

    /// Values added.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// Mean of the values added (NaN without any).
    pub fn mean(&self) -> f64 {
        if self.n == 0 {
            f64::NAN
        } else {
            self.sum as f64 * FIXED_POINT / self.n as f64
        }
    }
}

/// Quantities averaged per visit: the regional quantities, then the therapy modulation factors.
pub const MEANS: usize = REGIONAL + N_SLOTS;

/// Names of the quantities averaged per visit: the regional quantities in report order
/// (`neurons_bulbar`, ..., `glutamate_bulbar`, `neurons_cervical`, ...), then the modulation
/// factors (`modulation_glutamate_release`, ...).
pub fn mechanism_names() -> Vec<String> {
    use crate::model::layout::REGION_REPORTED_NAMES;
    use crate::model::{Region, Slot};
    Region::ALL
        .iter()
        .flat_map(|r| {
            REGION_REPORTED_NAMES
                .iter()
                .map(move |v| format!("{v}_{}", r.name()))
        })
        .chain(Slot::ALL.iter().map(|s| format!("modulation_{}", s.name())))
        .collect()
}

/// Accumulators of one arm.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArmSummary {
    /// Patients enrolled.
    pub enrolled: u64,
    /// Per visit: patients alive at the visit time.
    pub alive: Vec<u64>,
    /// Per visit and variable.
    pub visits: Vec<[Accumulator; N_VARIABLES]>,
    /// Per visit: means of the regional model states and of the modulation factors ([`MEANS`]).
    pub mechanisms: Vec<[MeanAccumulator; MEANS]>,
}

/// Counts and accumulators of a whole run (or of one shard).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CohortSummary {
    /// Patients screened.
    pub screened: u64,
    /// Patients enrolled.
    pub enrolled: u64,
    /// Screen failures per criterion, in [`ScreenFailure::ALL`] order.
    pub screen_failures: [u64; 6],
    /// Patients who could not be simulated (a failed integration or a model that could not be
    /// built).
    pub failed: u64,
    /// Right-hand-side evaluations (one integration per patient while arms share it).
    pub rhs_evaluations: u64,
    /// Accepted solver steps.
    pub accepted_steps: u64,
    /// Rejected solver steps.
    pub rejected_steps: u64,
    /// Per arm.
    pub arms: Vec<ArmSummary>,
    /// The rated courses of the [`SAMPLE_PATIENTS`] enrolled patients with the lowest indices,
    /// in index order (drawn faintly behind the ALSFRS-R fans).
    pub sample: Vec<SampleCourse>,
    /// Scheduled visit times (months from the visit origin).
    times: Vec<f64>,
}

/// Enrolled patients whose rated courses a summary keeps.
pub const SAMPLE_PATIENTS: usize = 5;

/// One enrolled patient's rated ALSFRS-R totals, per arm: `(months from the visit origin,
/// total)`.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleCourse {
    /// Patient index.
    pub index: u64,
    /// Per arm, in arm order.
    pub arms: Vec<Vec<(f64, u32)>>,
}

/// Keeps the lowest indices, each once: the result does not depend on the order of merging.
fn keep_lowest(sample: &mut Vec<SampleCourse>) {
    sample.sort_by_key(|c| c.index);
    sample.dedup_by_key(|c| c.index);
    sample.truncate(SAMPLE_PATIENTS);
}

/// The value of each [`Variable`] at a visit, in [`Variable::ALL`] order.
fn observation_values(o: &Observation) -> [f64; N_VARIABLES] {
    let d = o.domains();
    [
        f64::from(o.total()),
        f64::from(d[0]),
        f64::from(d[1]),
        f64::from(d[2]),
        f64::from(d[3]),
        o.fvc,
        o.nfl,
    ]
}

impl CohortSummary {
    /// Empty accumulators for a cohort.
    pub fn new(spec: &CohortSpec) -> Self {
        let times = spec.simulation.visit_times();
        let n = times.len();
        CohortSummary {
            times,
            arms: spec
                .arms
                .iter()
                .map(|_| ArmSummary {
                    enrolled: 0,
                    alive: vec![0; n],
                    visits: vec![Default::default(); n],
                    mechanisms: vec![[MeanAccumulator::default(); MEANS]; n],
                })
                .collect(),
            ..Default::default()
        }
    }

    /// Adds one patient's outcome.
    pub fn add(&mut self, outcome: &Outcome) {
        self.screened += 1;
        match outcome {
            Outcome::Enrolled { draw, arms, .. } => {
                self.enrolled += 1;
                if self.sample.len() < SAMPLE_PATIENTS
                    || self.sample.last().is_some_and(|c| c.index > draw.index)
                {
                    self.sample.push(SampleCourse {
                        index: draw.index,
                        arms: arms
                            .iter()
                            .map(|c| c.visits.iter().map(|o| (o.t, o.total())).collect())
                            .collect(),
                    });
                    keep_lowest(&mut self.sample);
                }
                if let Some(first) = arms.first() {
                    self.rhs_evaluations += first.stats.rhs_evaluations;
                    self.accepted_steps += first.stats.accepted_steps;
                    self.rejected_steps += first.stats.rejected_steps;
                }
                for (acc, course) in self.arms.iter_mut().zip(arms) {
                    add_course(acc, &self.times, course);
                }
            }
            Outcome::ScreenFailed { reason, .. } => {
                let i = ScreenFailure::ALL
                    .iter()
                    .position(|r| r == reason)
                    .unwrap_or(0);
                self.screen_failures[i] += 1;
            }
            Outcome::Failed { .. } => self.failed += 1,
        }
    }

    /// Adds another summary (another chunk or shard). The result does not depend on order.
    pub fn merge(&mut self, other: &CohortSummary) {
        self.screened += other.screened;
        self.enrolled += other.enrolled;
        for (a, b) in self.screen_failures.iter_mut().zip(other.screen_failures) {
            *a += b;
        }
        self.failed += other.failed;
        self.rhs_evaluations += other.rhs_evaluations;
        self.accepted_steps += other.accepted_steps;
        self.rejected_steps += other.rejected_steps;
        self.sample.extend(other.sample.iter().cloned());
        keep_lowest(&mut self.sample);
        for (a, b) in self.arms.iter_mut().zip(&other.arms) {
            a.enrolled += b.enrolled;
            for (x, y) in a.alive.iter_mut().zip(&b.alive) {
                *x += y;
            }
            for (va, vb) in a.visits.iter_mut().zip(&b.visits) {
                for (x, y) in va.iter_mut().zip(vb) {
                    x.merge(y);
                }
            }
            for (ma, mb) in a.mechanisms.iter_mut().zip(&b.mechanisms) {
                for (x, y) in ma.iter_mut().zip(mb) {
                    x.merge(y);
                }
            }
        }
    }
}

fn add_course(acc: &mut ArmSummary, times: &[f64], course: &ArmCourse) {
    acc.enrolled += 1;
    for (k, &t) in times.iter().enumerate() {
        if course.alive_at(t) {
            acc.alive[k] += 1;
        }
    }
    // Visits are a subset of the scheduled times, in order.
    let mut k = 0;
    for o in &course.visits {
        while k < times.len() && (times[k] - o.t).abs() > 1e-9 {
            k += 1;
        }
        if k == times.len() {
            break;
        }
        for (v, x) in Variable::ALL.into_iter().zip(observation_values(o)) {
            acc.visits[k][v.index()].add(v.binning(), x);
        }
        for (m, &x) in acc.mechanisms[k]
            .iter_mut()
            .zip(o.regional.iter().chain(&o.modulation))
        {
            m.add(f64::from(x));
        }
    }
}

// ---- Serialisation of a shard's accumulators (`accumulators.json`). ----

fn acc_json(a: &Accumulator) -> serde_json::Value {
    serde_json::json!({
        "n": a.n,
        "sum": a.sum.to_string(),
        "sum_sq": a.sum_sq.to_string(),
        "bins": a.all_bins().map(|(b, c)| serde_json::json!([b, c])).collect::<Vec<_>>(),
    })
}

fn acc_from_json(v: &serde_json::Value) -> Option<Accumulator> {
    let mut a = Accumulator {
        n: v.get("n")?.as_u64()?,
        sum: v.get("sum")?.as_str()?.parse().ok()?,
        sum_sq: v.get("sum_sq")?.as_str()?.parse().ok()?,
        ..Accumulator::default()
    };
    for pair in v.get("bins")?.as_array()? {
        let p = pair.as_array()?;
        a.count(p.first()?.as_i64()?, p.get(1)?.as_u64()?);
    }
    Some(a)
}

impl CohortSummary {
    /// The accumulators as JSON (integers beyond 64 bits as decimal strings).
    pub fn to_json(&self) -> serde_json::Value {
        let arms: Vec<_> = self
            .arms
            .iter()
            .map(|a| {
                serde_json::json!({
                    "enrolled": a.enrolled,
                    "alive": a.alive,
                    "visits": a.visits.iter().map(|v| v.iter().map(acc_json).collect::<Vec<_>>()).collect::<Vec<_>>(),
                    "mechanisms": a
                        .mechanisms
                        .iter()
                        .map(|v| v.iter().map(|m| serde_json::json!([m.n, m.sum.to_string()])).collect::<Vec<_>>())
                        .collect::<Vec<_>>(),
                })
            })
            .collect();
        serde_json::json!({
            "screened": self.screened,
            "enrolled": self.enrolled,
            "screen_failures": self.screen_failures,
            "failed": self.failed,
            "rhs_evaluations": self.rhs_evaluations,
            "accepted_steps": self.accepted_steps,
            "rejected_steps": self.rejected_steps,
            "arms": arms,
            "sample": self
                .sample
                .iter()
                .map(|c| serde_json::json!({ "index": c.index, "arms": c.arms }))
                .collect::<Vec<_>>(),
        })
    }

    /// Reads accumulators written by [`CohortSummary::to_json`].
    pub fn from_json(v: &serde_json::Value) -> Option<CohortSummary> {
        let u = |k: &str| v.get(k).and_then(|x| x.as_u64());
        let mut screen_failures = [0; 6];
        for (slot, x) in screen_failures
            .iter_mut()
            .zip(v.get("screen_failures")?.as_array()?)
        {
            *slot = x.as_u64()?;
        }
        let mut arms = Vec::new();
        for a in v.get("arms")?.as_array()? {
            let alive = a
                .get("alive")?
                .as_array()?
                .iter()
                .map(|x| x.as_u64())
                .collect::<Option<Vec<_>>>()?;
            let mut visits = Vec::new();
            for visit in a.get("visits")?.as_array()? {
                let accs = visit
                    .as_array()?
                    .iter()
                    .map(acc_from_json)
                    .collect::<Option<Vec<_>>>()?;
                visits.push(<[Accumulator; N_VARIABLES]>::try_from(accs).ok()?);
            }
            let mut mechanisms = Vec::new();
            for visit in a.get("mechanisms")?.as_array()? {
                let mut row = [MeanAccumulator::default(); MEANS];
                let cells = visit.as_array()?;
                if cells.len() != MEANS {
                    return None;
                }
                for (slot, cell) in row.iter_mut().zip(cells) {
                    let pair = cell.as_array()?;
                    *slot = MeanAccumulator {
                        n: pair.first()?.as_u64()?,
                        sum: pair.get(1)?.as_str()?.parse().ok()?,
                    };
                }
                mechanisms.push(row);
            }
            arms.push(ArmSummary {
                enrolled: a.get("enrolled")?.as_u64()?,
                alive,
                visits,
                mechanisms,
            });
        }
        Some(CohortSummary {
            times: Vec::new(),
            screened: u("screened")?,
            enrolled: u("enrolled")?,
            screen_failures,
            failed: u("failed")?,
            rhs_evaluations: u("rhs_evaluations")?,
            accepted_steps: u("accepted_steps")?,
            rejected_steps: u("rejected_steps")?,
            arms,
            sample: sample_from_json(v.get("sample")?)?,
        })
    }
}

fn sample_from_json(v: &serde_json::Value) -> Option<Vec<SampleCourse>> {
    v.as_array()?
        .iter()
        .map(|c| {
            let arms = c
                .get("arms")?
                .as_array()?
                .iter()
                .map(|arm| {
                    arm.as_array()?
                        .iter()
                        .map(|p| {
                            let p = p.as_array()?;
                            Some((
                                p.first()?.as_f64()?,
                                u32::try_from(p.get(1)?.as_u64()?).ok()?,
                            ))
                        })
                        .collect::<Option<Vec<_>>>()
                })
                .collect::<Option<Vec<_>>>()?;
            Some(SampleCourse {
                index: c.get("index")?.as_u64()?,
                arms,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_named_once_and_found_by_name() {
        for (i, v) in Variable::ALL.into_iter().enumerate() {
            assert_eq!(v.index(), i);
            assert_eq!(Variable::from_name(v.name()), Some(v));
            assert_eq!(v.to_string(), v.name());
        }
        assert_eq!(Variable::from_name("alsfrs_r"), Some(Variable::AlsfrsR));
        assert_eq!(Variable::from_name("neurons_bulbar"), None);
        // Rated scores are counted per value, FVC and NfL in bins.
        assert_eq!(Variable::AlsfrsR.binning(), Binning::Integer);
        assert_eq!(Variable::FvcPct.binning(), Binning::Linear(FVC_BIN));
        assert_eq!(Variable::NflPgMl.binning(), Binning::Log(NFL_BIN));
    }

    #[test]
    fn the_sample_keeps_the_lowest_indices_in_any_merge_order() {
        let course = |index| SampleCourse {
            index,
            arms: vec![vec![(0.0, 40)]],
        };
        let part = |ids: &[u64]| CohortSummary {
            sample: ids.iter().map(|&i| course(i)).collect(),
            ..Default::default()
        };
        let (a, b) = (part(&[9, 3, 12]), part(&[1, 7, 4, 2]));
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        let ids: Vec<u64> = ab.sample.iter().map(|c| c.index).collect();
        assert_eq!(ids, vec![1, 2, 3, 4, 7]);
        assert_eq!(ab.sample, ba.sample);
        let back = CohortSummary::from_json(&ab.to_json()).unwrap();
        assert_eq!(back.sample, ab.sample);
    }

    #[test]
    fn integer_statistics_are_exact() {
        let mut a = Accumulator::default();
        for x in [7.0, 1.0, 11.0, 2.0, 4.0] {
            a.add(Binning::Integer, x);
        }
        assert!((a.mean() - 5.0).abs() < 1e-12);
        assert!((a.sd() - 16.5_f64.sqrt()).abs() < 1e-12);
        // R: quantile(c(1, 2, 4, 7, 11), c(.05, .5, .95)) = 1.2 4 10.2
        assert!((a.quantile(Binning::Integer, 0.05) - 1.2).abs() < 1e-12);
        assert!((a.quantile(Binning::Integer, 0.5) - 4.0).abs() < 1e-12);
        assert!((a.quantile(Binning::Integer, 0.95) - 10.2).abs() < 1e-12);
    }

    #[test]
    fn binned_quantiles_are_within_a_bin() {
        let mut a = Accumulator::default();
        let xs: Vec<f64> = (0..1000).map(|i| 20.0 + 0.0731 * f64::from(i)).collect();
        for &x in &xs {
            a.add(Binning::Linear(FVC_BIN), x);
            assert!(
                (Binning::Linear(FVC_BIN).centre(Binning::Linear(FVC_BIN).bin(x)) - x).abs()
                    <= FVC_BIN / 2.0 + 1e-12
            );
        }
        let exact = crate::stats::describe::describe(&xs);
        assert!((a.quantile(Binning::Linear(FVC_BIN), 0.25) - exact.q25).abs() <= FVC_BIN);
        assert!((a.mean() - exact.mean).abs() < 1e-6);
        assert!((a.sd() - exact.sd).abs() < 1e-6);
        let mut n = Accumulator::default();
        for &x in &xs {
            n.add(Binning::Log(NFL_BIN), x);
        }
        let q = n.quantile(Binning::Log(NFL_BIN), 0.5);
        assert!(
            (q / exact.median - 1.0).abs() < NFL_BIN,
            "{q} vs {}",
            exact.median
        );
    }

    #[test]
    fn merging_in_any_order_gives_identical_bits() {
        let xs: Vec<f64> = (0..500)
            .map(|i| (f64::from(i) * 0.618_033_988).fract() * 140.0 + 0.123_456_789)
            .collect();
        let mut whole = Accumulator::default();
        xs.iter()
            .for_each(|&x| whole.add(Binning::Linear(FVC_BIN), x));
        let mut parts = [
            Accumulator::default(),
            Accumulator::default(),
            Accumulator::default(),
        ];
        for (i, &x) in xs.iter().enumerate().rev() {
            parts[i % 3].add(Binning::Linear(FVC_BIN), x);
        }
        let mut merged = parts[2].clone();
        merged.merge(&parts[0]);
        merged.merge(&parts[1]);
        assert_eq!(whole, merged);
        assert_eq!(whole.mean().to_bits(), merged.mean().to_bits());
        assert_eq!(acc_from_json(&acc_json(&whole)), Some(whole));
    }

    #[test]
    fn sparse_bins_stay_sorted_and_merge_like_one_accumulator() {
        // Log bins below 1 are negative, those of 1 to 1.05 fall in the dense range (0-48),
        // larger ones are sparse and positive: every kind of bin, in pieces merged pairwise.
        let xs: Vec<f64> = (0..700)
            .map(|i| 0.01 * (1.0 + (f64::from(i) * 0.754_877_666).fract() * 2.0e4))
            .chain([1.0, 1.01, 1.02, 0.5, 0.5, 200.0, 200.0])
            .collect();
        let log = Binning::Log(NFL_BIN);
        let mut whole = Accumulator::default();
        xs.iter().for_each(|&x| whole.add(log, x));
        assert!(whole.bins.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(whole.bins.iter().any(|&(b, _)| b < 0) && !whole.dense.is_empty());
        let mut parts: Vec<Accumulator> = xs
            .chunks(64)
            .map(|c| {
                let mut a = Accumulator::default();
                c.iter().for_each(|&x| a.add(log, x));
                a
            })
            .collect();
        while parts.len() > 1 {
            let b = parts.pop().unwrap();
            let a = parts.pop().unwrap();
            let mut m = b;
            m.merge(&a);
            parts.insert(0, m);
        }
        assert_eq!(parts[0], whole);
        let direct: Vec<(i64, u64)> = whole.all_bins().collect();
        assert_eq!(direct.iter().map(|&(_, c)| c).sum::<u64>(), xs.len() as u64);
        assert!(direct.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
