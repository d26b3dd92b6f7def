//! Running a trial: the eligible pool, randomisation, dropout and the endpoint analyses of
//! each replicate.
//!
//! The pool is a simulated screened population (the scenario's population, every arm's course
//! for every patient). A replicate draws `sample_size` distinct patients from the eligible pool
//! without replacement, allocates them at random to the arms in the design's ratio (fixed arm
//! sizes, random order), and keeps for each patient only the course of the assigned arm: the
//! arms hold different patients, as in a real trial. Dropout times are drawn per patient;
//! visits after dropout are not seen, and death after dropout is censored at dropout. Because
//! every pool patient was also simulated in the other arms, each replicate also reports the
//! paired effect a real trial cannot see: the mean, over the same randomised patients, of the
//! difference between their own courses under the two arms.

use super::design::{Eligibility, Endpoint, Exclusion, TrialDesign};
use crate::cohort::{ArmCourse, Observation, Outcome};
use crate::stats::{ancova, cox, joint_rank, km, lmm, responder};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

/// Mixed into the master seed for the replicates' randomisation and dropout streams, so that
/// they never coincide with a patient's own streams.
const TRIAL_SEED_MIX: u64 = 0x7472_6961_6c5f_7231;

/// One eligible patient of the pool.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// Index in the population.
    pub index: u64,
    /// Rated visit at baseline (enrollment).
    pub baseline: &'a Observation,
    /// The patient's course in every arm, in arm order.
    pub arms: &'a [ArmCourse],
    /// Pre-baseline progression rate ΔFS, points/month.
    pub delta_fs: f64,
}

/// Counts of the screening and eligibility flow (CONSORT).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Flow {
    /// Patients screened.
    pub screened: u64,
    /// Screen failures of the population's screening, by reason.
    pub screen_failures: Vec<(String, u64)>,
    /// Patients whose integration failed.
    pub failed: u64,
    /// Enrolled by the population's screening.
    pub enrolled: u64,
    /// Excluded by each trial criterion (the first failed).
    pub excluded: Vec<(Exclusion, u64)>,
    /// Eligible for randomisation.
    pub eligible: u64,
}

/// ΔFS of an enrolled patient: (48 − baseline ALSFRS-R) / months from onset to baseline.
fn delta_fs(enrollment: f64, baseline: &Observation, course: &ArmCourse) -> f64 {
    let onset = course.events.onset.unwrap_or(enrollment);
    let months = (enrollment - onset).max(1e-9);
    (48.0 - f64::from(baseline.total())) / months
}

fn first_exclusion(
    e: &Eligibility,
    enrollment: f64,
    baseline: &Observation,
    course: &ArmCourse,
    age: f64,
) -> Option<Exclusion> {
    let inside = |x: f64, w: Option<(f64, f64)>| w.is_none_or(|(lo, hi)| x >= lo && x <= hi);
    if !inside(delta_fs(enrollment, baseline, course), e.delta_fs) {
        return Some(Exclusion::DeltaFs);
    }
    if e.min_item
        .is_some_and(|m| baseline.items.iter().any(|&x| x < m))
    {
        return Some(Exclusion::MinItem);
    }
    if !inside(age, e.age) {
        return Some(Exclusion::Age);
    }
    if let Some(max) = e.max_months_since_diagnosis {
        let dx = course.events.diagnosis.unwrap_or(enrollment);
        if enrollment - dx > max + 1e-9 {
            return Some(Exclusion::MonthsSinceDiagnosis);
        }
    }
    if !inside(baseline.nfl, e.nfl) {
        return Some(Exclusion::Nfl);
    }
    None
}

/// The eligible pool of a simulated population, and the flow that led to it.
pub fn eligible_pool<'a>(outcomes: &'a [Outcome], e: &Eligibility) -> (Vec<Candidate<'a>>, Flow) {
    let mut flow = Flow {
        screened: outcomes.len() as u64,
        ..Flow::default()
    };
    let mut excluded = [0u64; Exclusion::ALL.len()];
    let mut failures: Vec<(String, u64)> = Vec::new();
    let mut pool = Vec::new();
    for o in outcomes {
        match o {
            Outcome::Enrolled {
                draw,
                enrollment,
                baseline,
                arms,
                ..
            } => {
                flow.enrolled += 1;
                let course = &arms[0];
                match first_exclusion(e, *enrollment, baseline, course, draw.covariates.age_years) {
                    Some(x) => {
                        let k = Exclusion::ALL.iter().position(|&y| y == x).unwrap_or(0);
                        excluded[k] += 1;
                    }
                    None => pool.push(Candidate {
                        index: draw.index,
                        baseline,
                        arms,
                        delta_fs: delta_fs(*enrollment, baseline, course),
                    }),
                }
            }
            Outcome::ScreenFailed { reason, .. } => {
                let name = reason.name().to_string();
                match failures.iter_mut().find(|(n, _)| *n == name) {
                    Some(f) => f.1 += 1,
                    None => failures.push((name, 1)),
                }
            }
            Outcome::Failed { .. } => flow.failed += 1,
        }
    }
    failures.sort();
    flow.screen_failures = failures;
    flow.excluded = Exclusion::ALL
        .iter()
        .zip(excluded)
        .map(|(&x, n)| (x, n))
        .collect();
    flow.eligible = pool.len() as u64;
    (pool, flow)
}

/// One randomised patient, as the trial sees them.
#[derive(Debug, Clone)]
pub struct TrialPatient<'a> {
    /// Index in the population.
    pub index: u64,
    /// Assigned arm.
    pub arm: usize,
    /// Rated visit at baseline.
    pub baseline: &'a Observation,
    /// Follow-up visits seen (after baseline, before dropout, while alive).
    pub visits: Vec<&'a Observation>,
    /// Months from baseline to the end of observation: death, dropout or the end of the
    /// trial, whichever came first.
    pub observed_months: f64,
    /// Whether death or permanent ventilation was observed (at `observed_months`).
    pub died: bool,
    /// Months from baseline to dropout, when the patient dropped out before death and before
    /// the end of the trial.
    pub dropped_out: Option<f64>,
    /// The patient's courses in every arm (the paired view).
    pub arms: &'a [ArmCourse],
    /// Pre-baseline progression rate ΔFS, points/month.
    pub delta_fs: f64,
}

/// The analysis of one endpoint for one comparison (an arm against the control) in one
/// replicate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EndpointResult {
    /// The endpoint.
    pub endpoint: Endpoint,
    /// The compared arm (1, 2, …; the control is arm 0).
    pub arm: usize,
    /// Estimate (see [`Endpoint::estimate`]); NaN when it could not be computed.
    pub estimate: f64,
    /// Lower confidence limit at level 1 − α (NaN when the method gives none).
    pub lower: f64,
    /// Upper confidence limit.
    pub upper: f64,
    /// Two-sided p-value (NaN when it could not be computed).
    pub p: f64,
    /// Patients in the analysis (both arms).
    pub n: usize,
    /// The paired effect on the same patients (their own course in the arm minus their own
    /// course in the control), for the ALSFRS-R endpoints; NaN otherwise.
    pub paired: f64,
}

impl EndpointResult {
    /// Whether the comparison is significant at `alpha`.
    pub fn significant(&self, alpha: f64) -> bool {
        self.p.is_finite() && self.p < alpha
    }
}

/// The random generator of replicate `replicate` for master seed `seed`.
pub fn replicate_rng(seed: u64, replicate: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ TRIAL_SEED_MIX);
    rng.set_stream(replicate);
    rng
}

/// Randomises `sample_size` patients of the pool and applies dropout. `None` when the pool is
/// smaller than the sample.
pub fn randomise<'a>(
    pool: &[Candidate<'a>],
    design: &TrialDesign,
    sample_size: usize,
    rng: &mut ChaCha8Rng,
) -> Option<Vec<TrialPatient<'a>>> {
    if pool.len() < sample_size {
        return None;
    }
    // Distinct patients: a partial Fisher-Yates shuffle of the pool's positions.
    let mut order: Vec<usize> = (0..pool.len()).collect();
    for i in 0..sample_size {
        let j = rng.random_range(i..order.len());
        order.swap(i, j);
    }
    // The drawn order is random, so giving the first n₀ to arm 0 and so on is a random
    // allocation with fixed arm sizes.
    let sizes = design.arm_sizes(sample_size);
    let mut arm_of = Vec::with_capacity(sample_size);
    for (arm, &n) in sizes.iter().enumerate() {
        arm_of.extend(std::iter::repeat_n(arm, n));
    }
    let mut dfs: Vec<f64> = pool.iter().map(|c| c.delta_fs).collect();
    dfs.sort_by(f64::total_cmp);
    let median_dfs = dfs[dfs.len() / 2].max(1e-6);
    let base_rate = if design.dropout_per_year > 0.0 {
        -(1.0 - design.dropout_per_year).ln() / 12.0
    } else {
        0.0
    };
    let patients = order[..sample_size]
        .iter()
        .zip(arm_of)
        .map(|(&k, arm)| {
            let c = &pool[k];
            let u: f64 = rng.random::<f64>();
            let rate =
                base_rate * (c.delta_fs.max(1e-6) / median_dfs).powf(design.informative_dropout);
            let dropout = if rate > 0.0 {
                -(1.0 - u).ln() / rate
            } else {
                f64::INFINITY
            };
            observe(c, arm, dropout)
        })
        .collect();
    Some(patients)
}

/// What the trial sees of a patient assigned to `arm` who would drop out at `dropout` months.
fn observe<'a>(c: &Candidate<'a>, arm: usize, dropout: f64) -> TrialPatient<'a> {
    let course = &c.arms[arm];
    let end = course.follow_up_end - course.origin;
    let death = course
        .events
        .death
        .filter(|&d| d <= course.follow_up_end)
        .map(|d| d - course.origin);
    let limit = dropout.min(end);
    let (observed_months, died) = match death {
        Some(d) if d <= limit => (d, true),
        _ => (limit, false),
    };
    let dropped_out = (!died && dropout < end).then_some(dropout);
    let visits = course
        .visits
        .iter()
        .filter(|o| o.t > 1e-9 && o.t <= observed_months + 1e-9)
        .collect();
    TrialPatient {
        index: c.index,
        arm,
        baseline: c.baseline,
        visits,
        observed_months,
        died,
        dropped_out,
        arms: c.arms,
        delta_fs: c.delta_fs,
    }
}

/// Time of the last scheduled visit: the latest visit any pool course has.
pub fn last_visit_time(pool: &[Candidate<'_>]) -> f64 {
    pool.iter()
        .flat_map(|c| c.arms.iter())
        .filter_map(|a| a.visits.last().map(|o| o.t))
        .fold(0.0, f64::max)
}

/// Analyses every endpoint of the design for every arm against the control.
pub fn analyse(
    patients: &[TrialPatient<'_>],
    design: &TrialDesign,
    arms: usize,
    last_visit: f64,
) -> Vec<EndpointResult> {
    let level = 1.0 - design.alpha;
    let mut out = Vec::new();
    for &endpoint in &design.endpoints {
        for arm in 1..arms {
            let pair: Vec<&TrialPatient<'_>> = patients
                .iter()
                .filter(|p| p.arm == 0 || p.arm == arm)
                .collect();
            let r = match endpoint {
                Endpoint::AlsfrsChange => alsfrs_change(&pair, arm, last_visit, level),
                Endpoint::AlsfrsSlope => alsfrs_slope(&pair, arm, level),
                Endpoint::JointRank => joint(&pair, arm),
                Endpoint::Survival => survival(&pair, arm),
                Endpoint::NflRatio => nfl_ratio(&pair, arm, level),
            };
            out.push(EndpointResult { endpoint, arm, ..r });
        }
    }
    out
}

fn empty(n: usize) -> EndpointResult {
    EndpointResult {
        endpoint: Endpoint::AlsfrsChange,
        arm: 0,
        estimate: f64::NAN,
        lower: f64::NAN,
        upper: f64::NAN,
        p: f64::NAN,
        n,
        paired: f64::NAN,
    }
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// Rated total of a course at visit time `t`, if the patient was seen then.
fn total_at(course: &ArmCourse, t: f64) -> Option<f64> {
    course
        .visits
        .iter()
        .find(|o| (o.t - t).abs() < 1e-6)
        .map(|o| f64::from(o.total()))
}

fn alsfrs_change(pair: &[&TrialPatient<'_>], arm: usize, last: f64, level: f64) -> EndpointResult {
    let seen: Vec<(&TrialPatient<'_>, f64)> = pair
        .iter()
        .filter_map(|p| {
            p.visits
                .iter()
                .find(|o| (o.t - last).abs() < 1e-6)
                .map(|o| (*p, f64::from(o.total())))
        })
        .collect();
    let baseline: Vec<f64> = seen
        .iter()
        .map(|(p, _)| f64::from(p.baseline.total()))
        .collect();
    let followup: Vec<f64> = seen.iter().map(|(_, y)| *y).collect();
    let labels: Vec<usize> = seen
        .iter()
        .map(|(p, _)| usize::from(p.arm == arm))
        .collect();
    // Paired: the same randomised patients, both of their courses, where both are seen.
    let paired: Vec<f64> = pair
        .iter()
        .filter_map(|p| {
            let a = total_at(&p.arms[arm], last)?;
            let c = total_at(&p.arms[0], last)?;
            Some(a - c)
        })
        .collect();
    let mut r = empty(seen.len());
    r.paired = mean(&paired);
    if let Ok(fit) = ancova::ancova(&baseline, &followup, &labels, level)
        && let Some(e) = fit.effects.first()
    {
        r.estimate = e.estimate;
        r.lower = e.lower;
        r.upper = e.upper;
        r.p = e.p;
    }
    r
}

fn alsfrs_slope(pair: &[&TrialPatient<'_>], arm: usize, level: f64) -> EndpointResult {
    let (mut y, mut t, mut s, mut a) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (k, p) in pair.iter().enumerate() {
        let treated = p.arm == arm;
        y.push(f64::from(p.baseline.total()));
        t.push(0.0);
        s.push(k);
        a.push(treated);
        for o in &p.visits {
            y.push(f64::from(o.total()));
            t.push(o.t);
            s.push(k);
            a.push(treated);
        }
    }
    let paired: Vec<f64> = pair
        .iter()
        .filter_map(|p| Some(p.arms[arm].alsfrs_slope()? - p.arms[0].alsfrs_slope()?))
        .collect();
    let mut r = empty(pair.len());
    r.paired = mean(&paired);
    let options = lmm::LmmOptions {
        level,
        ..lmm::LmmOptions::default()
    };
    if let Ok(fit) = lmm::slope_trial(&y, &t, &s, &a, false, &options) {
        let e = fit.arm_by_time;
        r.estimate = e.estimate;
        r.lower = e.lower;
        r.upper = e.upper;
        r.p = e.p;
    }
    r
}

fn joint(pair: &[&TrialPatient<'_>], arm: usize) -> EndpointResult {
    let subjects: Vec<joint_rank::JointSubject> = pair
        .iter()
        .map(|p| joint_rank::JointSubject {
            time: p.observed_months,
            died: p.died,
            function: p
                .visits
                .last()
                .map(|o| f64::from(o.total()) - f64::from(p.baseline.total())),
        })
        .collect();
    let treated: Vec<bool> = pair.iter().map(|p| p.arm == arm).collect();
    let mut r = empty(pair.len());
    if let Ok(j) = joint_rank::joint_rank(&subjects, &treated) {
        r.estimate = j.z;
        r.p = j.p;
    }
    r
}

fn survival(pair: &[&TrialPatient<'_>], arm: usize) -> EndpointResult {
    let group = |a: usize| -> (Vec<f64>, Vec<bool>) {
        pair.iter()
            .filter(|p| (p.arm == arm) == (a == arm))
            .map(|p| (p.observed_months, p.died))
            .unzip()
    };
    let (t0, e0) = group(0);
    let (t1, e1) = group(arm);
    let mut r = empty(pair.len());
    if let Some(lr) = km::log_rank(&[(&t0, &e0), (&t1, &e1)]) {
        r.p = lr.p;
    }
    let times: Vec<f64> = pair.iter().map(|p| p.observed_months).collect();
    let events: Vec<bool> = pair.iter().map(|p| p.died).collect();
    let x: Vec<Vec<f64>> = pair
        .iter()
        .map(|p| vec![f64::from(u8::from(p.arm == arm))])
        .collect();
    if let Ok(fit) = cox::fit(&times, &events, &x)
        && let Some(c) = fit.coefficients.first()
    {
        r.estimate = c.hazard_ratio;
        r.lower = c.hr_lower;
        r.upper = c.hr_upper;
    }
    r
}

fn nfl_ratio(pair: &[&TrialPatient<'_>], arm: usize, level: f64) -> EndpointResult {
    let ratio = |p: &TrialPatient<'_>| p.visits.last().map(|o| o.nfl / p.baseline.nfl);
    let treated: Vec<f64> = pair
        .iter()
        .filter(|p| p.arm == arm)
        .filter_map(|p| ratio(p))
        .collect();
    let control: Vec<f64> = pair
        .iter()
        .filter(|p| p.arm == 0)
        .filter_map(|p| ratio(p))
        .collect();
    let mut r = empty(treated.len() + control.len());
    if let Some(g) = responder::geometric_mean_ratio(&treated, &control, level) {
        r.estimate = g.ratio;
        r.lower = g.lower;
        r.upper = g.upper;
        r.p = g.p;
    }
    r
}
