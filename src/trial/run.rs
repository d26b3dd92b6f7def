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

use super::design::{
    Composite, Eligibility, Endpoint, Exclusion, Factor, Missing, ResponderRule, TrialDesign,
};
use crate::cohort::{ArmCourse, Observation, Outcome};
use crate::model::{Covariates, Region};
use crate::stats::{ancova, cox, dist, joint_rank, km, lmm, responder, slope};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use std::collections::BTreeMap;

/// Mixed into the master seed for the replicates' randomisation and dropout streams, so that
/// they never coincide with a patient's own streams.
const TRIAL_SEED_MIX: u64 = 0x7472_6961_6c5f_7231;

/// Mixed into the master seed for the per-patient draw of the background therapy.
const BACKGROUND_SEED_MIX: u64 = 0x6267_5f74_6865_7261;

/// One eligible patient of the pool.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// Index in the population.
    pub index: u64,
    /// Rated visit at baseline: at enrollment, or at the end of the lead-in.
    pub baseline: &'a Observation,
    /// Months from enrollment (screening) to baseline: 0, or the lead-in.
    pub t0: f64,
    /// The patient's course in every arm, in arm order.
    pub arms: &'a [ArmCourse],
    /// Pre-baseline progression rate ΔFS at screening, points/month.
    pub delta_fs: f64,
    /// ALSFRS-R slope over the lead-in, points/month (`None` without a lead-in).
    pub lead_in_slope: Option<f64>,
    /// The patient's covariates (for stratification).
    pub covariates: &'a Covariates,
    /// Whether the patient takes the trial's background therapy (then `arms` are the
    /// courses with it).
    pub background: bool,
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
    weak: f64,
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
    if let Some((lo, hi)) = e.kings_stage {
        let stage = kings_stage(enrollment, baseline, course);
        if stage < lo || stage > hi {
            return Some(Exclusion::KingsStage);
        }
    }
    if let Some(accepted) = &e.el_escorial {
        let category =
            crate::model::staging::el_escorial(&baseline.items, &baseline.regional, weak);
        if !category.is_some_and(|c| accepted.contains(&c)) {
            return Some(Exclusion::ElEscorial);
        }
    }
    None
}

/// King's stage at screening as a number (0 before any region is involved, 1-3 regions, 4
/// once gastrostomy or non-invasive ventilation is indicated), from the rated items of the
/// screening visit and the events before it.
fn kings_stage(enrollment: f64, baseline: &Observation, course: &ArmCourse) -> u8 {
    use crate::model::staging::{KingsStage, kings};
    let before = |t: Option<f64>| t.is_some_and(|t| t <= enrollment + 1e-9);
    let items = baseline.items.map(f64::from);
    // Rated items are whole numbers: an item rated below 4 is affected whatever the
    // detection threshold (any value between 0 and 1 reads them alike).
    match kings(
        &items,
        0.5,
        before(course.events.gastrostomy),
        before(course.events.niv),
        false,
    ) {
        KingsStage::Presymptomatic => 0,
        KingsStage::One => 1,
        KingsStage::Two => 2,
        KingsStage::Three => 3,
        _ => 4,
    }
}

/// The end of a lead-in for a patient who passed screening: the baseline visit and the lead-in
/// slope, or `None` when the patient was not seen then (died) or fell outside the window.
fn lead_in<'a>(
    design: &TrialDesign,
    screening: &'a Observation,
    course: &'a ArmCourse,
) -> Option<(&'a Observation, f64, Option<f64>)> {
    let Some(l) = design.lead_in else {
        return Some((screening, 0.0, None));
    };
    let end = course
        .visits
        .iter()
        .find(|o| (o.t - l.months).abs() < 1e-6)?;
    let fall = f64::from(screening.total()) - f64::from(end.total());
    if l.decline.is_some_and(|(lo, hi)| fall < lo || fall > hi) {
        return None;
    }
    Some((end, end.t, Some(-fall / l.months)))
}

/// The functional fraction of a region's motor units at which it is weak on examination: where
/// its motor capacity falls to the onset threshold.
pub fn weak_on_examination(p: &crate::model::Params) -> f64 {
    crate::model::neurons::Reserve::new(p.reinnervation_capacity, p.reserve_corner)
        .functional_at(p.onset_capacity)
}

/// Whether patient `index` of a population with master seed `seed` takes a background
/// therapy given to `share` of the patients: one draw from the patient's own stream, the same
/// in every arm and replicate.
pub fn takes_background(seed: u64, index: u64, share: f64) -> bool {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ BACKGROUND_SEED_MIX);
    rng.set_stream(index);
    rng.random::<f64>() < share
}

/// The population a trial's pool is simulated from: the scenario's, with the design's visit
/// window, and with every arm given a second time with the background therapy added when the
/// design has one (arms `0..n` without it, `n..2n` with it, in the same order).
pub fn pool_spec(
    spec: &crate::cohort::CohortSpec,
    design: &TrialDesign,
) -> crate::cohort::CohortSpec {
    let mut out = spec.clone();
    out.simulation.visit_window_months = design.visit_window_days / super::design::DAYS_PER_MONTH;
    // Visits are scheduled from randomisation: the randomisation visit itself, and the lead-in
    // before it, are on the day.
    out.simulation.visit_window_after_months = design.lead_in.map_or(0.0, |l| l.months);
    if let Some(b) = &design.background {
        let with: Vec<crate::cohort::spec::Arm> = spec
            .arms
            .iter()
            .map(|a| {
                let mut arm = a.clone();
                arm.name = format!("{}+background", a.name);
                arm.therapies.extend(b.therapies.iter().cloned());
                arm
            })
            .collect();
        out.arms.extend(with);
    }
    out
}

/// The eligible pool of a population simulated from [`pool_spec`], and the flow that led to
/// it. Eligibility is checked at screening (enrollment); with a lead-in, the patients who pass
/// are followed to its end and randomised there. `seed` is the population's master seed (it
/// draws who takes the background therapy).
pub fn eligible_pool<'a>(
    outcomes: &'a [Outcome],
    design: &TrialDesign,
    seed: u64,
) -> (Vec<Candidate<'a>>, Flow) {
    let e: &Eligibility = &design.eligibility;
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
                let (background, arms) = match &design.background {
                    Some(b) => {
                        let n = arms.len() / 2;
                        let takes = takes_background(seed, draw.index, b.share);
                        (takes, if takes { &arms[n..] } else { &arms[..n] })
                    }
                    None => (false, &arms[..]),
                };
                let course = &arms[0];
                let verdict = match first_exclusion(
                    e,
                    *enrollment,
                    baseline,
                    course,
                    draw.covariates.age_years,
                    weak_on_examination(&draw.params),
                ) {
                    Some(x) => Err(x),
                    None => lead_in(design, baseline, course).ok_or(Exclusion::LeadIn),
                };
                match verdict {
                    Err(x) => {
                        let k = Exclusion::ALL.iter().position(|&y| y == x).unwrap_or(0);
                        excluded[k] += 1;
                    }
                    Ok((start, t0, lead_in_slope)) => pool.push(Candidate {
                        index: draw.index,
                        baseline: start,
                        t0,
                        arms,
                        delta_fs: delta_fs(*enrollment, baseline, course),
                        lead_in_slope,
                        covariates: &draw.covariates,
                        background,
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
    /// Months from screening to baseline (the lead-in; 0 without one). Visit times `t` of the
    /// observations count from screening: `t − t0` is the time since randomisation.
    pub t0: f64,
    /// Follow-up visits seen (after baseline, before dropout, while alive).
    pub visits: Vec<&'a Observation>,
    /// Months from baseline to the end of observation: death, dropout or the end of the
    /// trial, whichever came first.
    pub observed_months: f64,
    /// Whether death or permanent ventilation was observed (at `observed_months`).
    pub died: bool,
    /// Months from baseline to dropout, when the patient dropped out before death and before
    /// the end of the trial (the extension included).
    pub dropped_out: Option<f64>,
    /// The patient's courses in every arm (the paired view).
    pub arms: &'a [ArmCourse],
    /// Pre-baseline progression rate ΔFS, points/month.
    pub delta_fs: f64,
    /// ALSFRS-R slope over the lead-in, points/month.
    pub lead_in_slope: Option<f64>,
    /// The randomisation stratum (0 without stratification).
    pub stratum: u32,
    /// Whether the patient takes the trial's background therapy.
    pub background: bool,
    /// Visits seen in the open-label extension (after the randomised period).
    pub extension_visits: Vec<&'a Observation>,
    /// Months from randomisation to the end of observation including the extension.
    pub extension_observed_months: f64,
    /// Whether death or permanent ventilation was observed, extension included.
    pub extension_died: bool,
}

impl TrialPatient<'_> {
    /// Months since randomisation at which a visit of this patient took place (its scheduled
    /// time, moved within the visit window).
    pub fn months(&self, o: &Observation) -> f64 {
        o.time() - self.t0
    }

    /// Months since randomisation at which a visit was scheduled.
    pub fn scheduled(&self, o: &Observation) -> f64 {
        o.t - self.t0
    }

    /// The follow-up visits seen, as (months since randomisation, ALSFRS-R total).
    fn totals(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.visits
            .iter()
            .map(|o| (self.months(o), f64::from(o.total())))
    }

    /// The visit seen that was scheduled at `months` since randomisation.
    fn seen_at(&self, months: f64) -> Option<&Observation> {
        self.visits
            .iter()
            .copied()
            .find(|o| (self.scheduled(o) - months).abs() < 1e-6)
    }

    /// Time from randomisation of a clinical event of the assigned arm's course, if it
    /// happened after randomisation and while the patient was observed.
    fn event_after_baseline(&self, at: Option<f64>) -> Option<f64> {
        let course = &self.arms[self.arm];
        let t = at? - course.origin - self.t0;
        (t > 1e-9 && t <= self.observed_months + 1e-9).then_some(t)
    }
}

/// ALSFRS-R slope of a course from `t0` (months since screening) on, over every visit while
/// alive: the paired view of a slope.
fn course_slope(course: &ArmCourse, t0: f64) -> Option<f64> {
    let v: Vec<(f64, f64)> = course
        .visits
        .iter()
        .filter(|o| o.t >= t0 - 1e-6)
        .map(|o| (o.time(), f64::from(o.total())))
        .collect();
    slope::slope(&v)
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

/// The stratum of a candidate: the levels of the stratification factors, four bits each (0
/// without stratification).
fn stratum(c: &Candidate<'_>, factors: &[Factor], median_dfs: f64) -> u32 {
    factors.iter().fold(0, |key, f| {
        let level = match f {
            Factor::SiteOfOnset => u32::from(c.covariates.onset_region == Region::Bulbar),
            Factor::Sex => c.covariates.sex as u32,
            Factor::Progression => u32::from(c.delta_fs >= median_dfs),
            Factor::Genotype => c.covariates.genotype as u32,
            Factor::Background => u32::from(c.background),
        };
        (key << 4) | (level & 0xf)
    })
}

/// Arms of the randomised patients, in draw order: fixed arm sizes in a random order without
/// stratification; permuted blocks within each stratum with it.
fn allocate(
    chosen: &[&Candidate<'_>],
    design: &TrialDesign,
    median_dfs: f64,
    rng: &mut ChaCha8Rng,
) -> Vec<usize> {
    if design.stratify.is_empty() {
        // The drawn order is random, so giving the first n₀ to arm 0 and so on is a random
        // allocation with fixed arm sizes.
        let mut arm_of = Vec::with_capacity(chosen.len());
        for (arm, &n) in design.arm_sizes(chosen.len()).iter().enumerate() {
            arm_of.extend(std::iter::repeat_n(arm, n));
        }
        return arm_of;
    }
    let ratio: usize = design.allocation.iter().map(|&a| a as usize).sum();
    let repeats = (design.block_size / ratio.max(1)).max(1);
    let mut pattern = Vec::with_capacity(repeats * ratio);
    for _ in 0..repeats {
        for (arm, &a) in design.allocation.iter().enumerate() {
            pattern.extend(std::iter::repeat_n(arm, a as usize));
        }
    }
    let mut blocks: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    chosen
        .iter()
        .map(|c| {
            let block = blocks
                .entry(stratum(c, &design.stratify, median_dfs))
                .or_default();
            if block.is_empty() {
                // A new block: the pattern in random order, dealt from the back.
                block.extend_from_slice(&pattern);
                for i in (1..block.len()).rev() {
                    let j = rng.random_range(0..=i);
                    block.swap(i, j);
                }
            }
            block.pop().unwrap_or(0)
        })
        .collect()
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
    let mut dfs: Vec<f64> = pool.iter().map(|c| c.delta_fs).collect();
    dfs.sort_by(f64::total_cmp);
    let median_dfs = dfs[dfs.len() / 2].max(1e-6);
    let chosen: Vec<&Candidate<'a>> = order[..sample_size].iter().map(|&k| &pool[k]).collect();
    let arm_of = allocate(&chosen, design, median_dfs, rng);
    let base_rate = if design.dropout_per_year > 0.0 {
        -(1.0 - design.dropout_per_year).ln() / 12.0
    } else {
        0.0
    };
    let patients = chosen
        .iter()
        .zip(arm_of)
        .map(|(c, arm)| {
            let stratum = stratum(c, &design.stratify, median_dfs);
            let u: f64 = rng.random::<f64>();
            let rate =
                base_rate * (c.delta_fs.max(1e-6) / median_dfs).powf(design.informative_dropout);
            let dropout = if rate > 0.0 {
                -(1.0 - u).ln() / rate
            } else {
                f64::INFINITY
            };
            TrialPatient {
                stratum,
                ..observe(c, arm, dropout, design)
            }
        })
        .collect();
    Some(patients)
}

/// What the trial sees of a patient assigned to `arm` who would drop out at `dropout` months
/// after randomisation. With an extension, the control patients follow the delayed-start
/// course (the same as the control's until the switch), and what follows the randomised period
/// is kept apart.
fn observe<'a>(
    c: &Candidate<'a>,
    arm: usize,
    dropout: f64,
    design: &TrialDesign,
) -> TrialPatient<'a> {
    let followed = match design.extension {
        Some(e) if arm == 0 => e.arm,
        _ => arm,
    };
    let course = &c.arms[followed];
    let end = course.follow_up_end - course.origin - c.t0;
    let randomised_end = design.extension.map_or(end, |e| e.after_months.min(end));
    let death = course
        .events
        .death
        .filter(|&d| d <= course.follow_up_end)
        .map(|d| d - course.origin - c.t0);
    // Over the whole trial, extension included.
    let limit = dropout.min(end);
    let (total_months, total_died) = match death {
        Some(d) if d <= limit => (d, true),
        _ => (limit, false),
    };
    // Over the randomised period.
    let (observed_months, died) = if total_months <= randomised_end + 1e-9 {
        (total_months, total_died)
    } else {
        (randomised_end, false)
    };
    let dropped_out = (!total_died && dropout < end).then_some(dropout);
    // A visit is seen when it was scheduled inside the period and took place (within its
    // window) before death and dropout.
    let stop = death.unwrap_or(f64::INFINITY).min(dropout);
    let seen = |from: f64, to: f64| -> Vec<&'a Observation> {
        course
            .visits
            .iter()
            .filter(|o| {
                o.t > c.t0 + from + 1e-9
                    && o.t <= c.t0 + to + 1e-9
                    && o.time() <= c.t0 + stop + 1e-9
            })
            .collect()
    };
    TrialPatient {
        index: c.index,
        arm,
        baseline: c.baseline,
        t0: c.t0,
        visits: seen(0.0, randomised_end),
        observed_months,
        died,
        dropped_out,
        arms: c.arms,
        delta_fs: c.delta_fs,
        lead_in_slope: c.lead_in_slope,
        stratum: 0,
        background: c.background,
        extension_visits: if design.extension.is_some() {
            seen(randomised_end, end)
        } else {
            Vec::new()
        },
        extension_observed_months: total_months,
        extension_died: total_died,
    }
}

/// Time of the last scheduled visit, months after randomisation: the latest visit any pool
/// course has.
pub fn last_visit_time(pool: &[Candidate<'_>]) -> f64 {
    pool.iter()
        .flat_map(|c| c.arms.iter().map(move |a| (a, c.t0)))
        .filter_map(|(a, t0)| a.visits.last().map(|o| o.t - t0))
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
    // The slope model serves two endpoints; fit it once per comparison.
    let mut slopes: Vec<Option<Option<lmm::SlopeTrial>>> = vec![None; arms];
    for &endpoint in &design.endpoints {
        for (arm, cache) in slopes.iter_mut().enumerate().skip(1) {
            let pair: Vec<&TrialPatient<'_>> = patients
                .iter()
                .filter(|p| p.arm == 0 || p.arm == arm)
                .collect();
            let mut slope = || {
                cache
                    .get_or_insert_with(|| slope_fit(&pair, arm, level))
                    .clone()
            };
            let r = match endpoint {
                Endpoint::AlsfrsChange => {
                    alsfrs_change(&pair, arm, last_visit, level, design.missing)
                }
                Endpoint::AlsfrsSlope => alsfrs_slope(&pair, arm, slope()),
                Endpoint::SlopeRatio => slope_ratio(&pair, arm, slope(), level),
                Endpoint::JointRank => joint(&pair, arm),
                Endpoint::Survival => survival(&pair, arm, &Composite::default()),
                Endpoint::Composite => survival(&pair, arm, &design.composite),
                Endpoint::NflRatio => nfl_ratio(&pair, arm, level),
                Endpoint::SurvivalAt => survival_at(
                    &pair,
                    arm,
                    design.survival_month.unwrap_or(last_visit),
                    level,
                ),
                Endpoint::Responder => match design.responder {
                    Some(rule) => {
                        proportions(&pair, arm, level, |p| is_responder(p, rule, last_visit))
                    }
                    None => empty(pair.len()),
                },
                Endpoint::Reversal => proportions(&pair, arm, level, is_reversal),
                Endpoint::DelayedStart => match design.extension {
                    Some(e) => delayed_start(&pair, arm, e.arm, level),
                    None => empty(pair.len()),
                },
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

/// Rated total of a course at visit time `t` (months since screening), if the patient was
/// seen then.
fn total_at(course: &ArmCourse, t: f64) -> Option<f64> {
    course
        .visits
        .iter()
        .find(|o| (o.t - t).abs() < 1e-6)
        .map(|o| f64::from(o.total()))
}

fn alsfrs_change(
    pair: &[&TrialPatient<'_>],
    arm: usize,
    last: f64,
    level: f64,
    missing: Missing,
) -> EndpointResult {
    let seen: Vec<(&TrialPatient<'_>, f64)> = pair
        .iter()
        .filter_map(|p| {
            let at_last = p.seen_at(last);
            let o = match missing {
                Missing::ObservedCases => at_last,
                Missing::Locf => at_last.or_else(|| p.visits.last().copied()),
            }?;
            Some((*p, f64::from(o.total())))
        })
        .collect();
    change_analysis(pair, &seen, arm, 0, last, level)
}

/// ANCOVA of the ALSFRS-R total at a visit on baseline and the randomisation strata (`seen`:
/// the patients analysed, with their total), arm against control, beside the paired effect: the same randomised patients'
/// own course in `arm` minus their own course in `against`, at `months` after randomisation,
/// where both are seen.
fn change_analysis(
    pair: &[&TrialPatient<'_>],
    seen: &[(&TrialPatient<'_>, f64)],
    arm: usize,
    against: usize,
    months: f64,
    level: f64,
) -> EndpointResult {
    let baseline: Vec<f64> = seen
        .iter()
        .map(|(p, _)| f64::from(p.baseline.total()))
        .collect();
    let followup: Vec<f64> = seen.iter().map(|(_, y)| *y).collect();
    let labels: Vec<usize> = seen
        .iter()
        .map(|(p, _)| usize::from(p.arm == arm))
        .collect();
    let paired: Vec<f64> = pair
        .iter()
        .filter_map(|p| {
            let a = total_at(&p.arms[arm], p.t0 + months)?;
            let c = total_at(&p.arms[against], p.t0 + months)?;
            Some(a - c)
        })
        .collect();
    // Adjusted for the randomisation strata (an indicator per stratum but the first; none
    // without stratification), or unadjusted if that design is singular (a stratum too small).
    let strata: std::collections::BTreeSet<u32> = seen.iter().map(|(p, _)| p.stratum).collect();
    let covariates: Vec<Vec<f64>> = strata
        .iter()
        .skip(1)
        .map(|&k| {
            seen.iter()
                .map(|(p, _)| f64::from(u8::from(p.stratum == k)))
                .collect()
        })
        .collect();
    let fit = ancova::ancova_adjusted(&baseline, &followup, &labels, &covariates, level)
        .or_else(|_| ancova::ancova(&baseline, &followup, &labels, level));
    let mut r = empty(seen.len());
    r.paired = mean(&paired);
    if let Ok(fit) = fit
        && let Some(e) = fit.effects.first()
    {
        r.estimate = e.estimate;
        r.lower = e.lower;
        r.upper = e.upper;
        r.p = e.p;
    }
    r
}

/// The slope model of one comparison: baseline and follow-up totals against months since
/// randomisation, adjusted for the randomisation strata (an intercept and a slope shift per
/// stratum but the first; none without stratification), or unadjusted if that design is
/// singular (a stratum too small).
fn slope_fit(pair: &[&TrialPatient<'_>], arm: usize, level: f64) -> Option<lmm::SlopeTrial> {
    let (mut y, mut t, mut s, mut a, mut k) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (i, p) in pair.iter().enumerate() {
        let treated = p.arm == arm;
        for (m, total) in std::iter::once((0.0, f64::from(p.baseline.total()))).chain(p.totals()) {
            y.push(total);
            t.push(m);
            s.push(i);
            a.push(treated);
            k.push(p.stratum);
        }
    }
    let options = lmm::LmmOptions {
        level,
        ..lmm::LmmOptions::default()
    };
    lmm::slope_trial_stratified(&y, &t, &s, &a, &k, false, &options)
        .or_else(|_| lmm::slope_trial(&y, &t, &s, &a, false, &options))
        .ok()
}

/// Mean paired slope difference of the same patients, from randomisation on.
fn paired_slope(pair: &[&TrialPatient<'_>], arm: usize) -> f64 {
    let paired: Vec<f64> = pair
        .iter()
        .filter_map(|p| Some(course_slope(&p.arms[arm], p.t0)? - course_slope(&p.arms[0], p.t0)?))
        .collect();
    mean(&paired)
}

fn alsfrs_slope(
    pair: &[&TrialPatient<'_>],
    arm: usize,
    fit: Option<lmm::SlopeTrial>,
) -> EndpointResult {
    let mut r = empty(pair.len());
    r.paired = paired_slope(pair, arm);
    if let Some(fit) = fit {
        let e = fit.arm_by_time;
        r.estimate = e.estimate;
        r.lower = e.lower;
        r.upper = e.upper;
        r.p = e.p;
    }
    r
}

/// The delayed-start comparison: ALSFRS-R change from baseline to the last extension visit
/// (patients seen then), early start (`arm`) against delayed start (the control patients, in
/// the `delayed` course), ANCOVA on baseline. Paired: the same patients' own course in the arm
/// minus their own delayed-start course at that visit.
fn delayed_start(
    pair: &[&TrialPatient<'_>],
    arm: usize,
    delayed: usize,
    level: f64,
) -> EndpointResult {
    let last = pair
        .iter()
        .flat_map(|p| p.extension_visits.iter().map(|o| p.scheduled(o)))
        .fold(f64::NAN, f64::max);
    let seen: Vec<(&TrialPatient<'_>, f64)> = pair
        .iter()
        .filter_map(|p| {
            let o = p
                .extension_visits
                .iter()
                .find(|o| (p.scheduled(o) - last).abs() < 1e-6)?;
            Some((*p, f64::from(o.total())))
        })
        .collect();
    change_analysis(pair, &seen, arm, delayed, last, level)
}

/// Disease-rate ratio `(b₁ + b₂)/b₁` of the slope model (control slope `b₁`, arm-by-time
/// effect `b₂`), with a delta-method interval; its test is that of `b₂ = 0`. The paired value
/// is the ratio of the same patients' mean slopes in the two arms.
fn slope_ratio(
    pair: &[&TrialPatient<'_>],
    arm: usize,
    fit: Option<lmm::SlopeTrial>,
    level: f64,
) -> EndpointResult {
    let mut r = empty(pair.len());
    let own: Vec<(f64, f64)> = pair
        .iter()
        .filter_map(|p| {
            Some((
                course_slope(&p.arms[arm], p.t0)?,
                course_slope(&p.arms[0], p.t0)?,
            ))
        })
        .collect();
    let (sa, sc) = own.iter().fold((0.0, 0.0), |(a, c), (x, y)| (a + x, c + y));
    if !own.is_empty() && sc != 0.0 {
        r.paired = sa / sc;
    }
    let Some(fit) = fit else {
        return r;
    };
    let p = fit.fit.fixed.len();
    let (b1, b2) = (fit.fit.fixed[1].estimate, fit.arm_by_time.estimate);
    if b1 == 0.0 || fit.fit.fixed_cov.len() < p * p {
        return r;
    }
    let v = |i: usize, j: usize| fit.fit.fixed_cov[i * p + j];
    let (g1, g2) = (-b2 / (b1 * b1), 1.0 / b1);
    let se = (g1 * g1 * v(1, 1) + 2.0 * g1 * g2 * v(1, 2) + g2 * g2 * v(2, 2))
        .max(0.0)
        .sqrt();
    let ratio = (b1 + b2) / b1;
    let crit = dist::t_for_level(level, fit.fit.df as f64).unwrap_or(f64::NAN);
    r.estimate = ratio;
    r.lower = ratio - crit * se;
    r.upper = ratio + crit * se;
    r.p = fit.arm_by_time.p;
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
    // Within the randomisation strata (one stratum without stratification).
    let strata: Vec<u32> = pair.iter().map(|p| p.stratum).collect();
    let mut r = empty(pair.len());
    if let Ok(j) = joint_rank::joint_rank_stratified(&subjects, &treated, &strata) {
        r.estimate = j.z;
        r.p = j.p;
    }
    r
}

/// Time from randomisation to the first event of the composite (death or permanent
/// ventilation always; the design's other events), or to censoring.
fn first_event(p: &TrialPatient<'_>, c: &Composite) -> (f64, bool) {
    let course = &p.arms[p.arm];
    let mut first = p.died.then_some(p.observed_months);
    let mut take = |t: Option<f64>| {
        if let Some(t) = t
            && first.is_none_or(|f| t < f)
        {
            first = Some(t);
        }
    };
    if let Some(fall) = c.alsfrs_fall {
        let base = f64::from(p.baseline.total());
        take(
            p.totals()
                .find(|(_, y)| base - y >= fall - 1e-9)
                .map(|(m, _)| m),
        );
    }
    if c.gastrostomy {
        take(p.event_after_baseline(course.events.gastrostomy));
    }
    if c.niv {
        take(p.event_after_baseline(course.events.niv));
    }
    match first {
        Some(t) => (t, true),
        None => (p.observed_months, false),
    }
}

fn survival(pair: &[&TrialPatient<'_>], arm: usize, composite: &Composite) -> EndpointResult {
    let data: Vec<(f64, bool)> = pair.iter().map(|p| first_event(p, composite)).collect();
    let group = |stratum: u32, treated: bool| -> (Vec<f64>, Vec<bool>) {
        pair.iter()
            .zip(&data)
            .filter(|(p, _)| p.stratum == stratum && (p.arm == arm) == treated)
            .map(|(_, d)| *d)
            .unzip()
    };
    // The log-rank test within the randomisation strata (one stratum without stratification).
    let strata: std::collections::BTreeSet<u32> = pair.iter().map(|p| p.stratum).collect();
    let split: Vec<[(Vec<f64>, Vec<bool>); 2]> = strata
        .iter()
        .map(|&s| [group(s, false), group(s, true)])
        .collect();
    let views: Vec<[(&[f64], &[bool]); 2]> = split
        .iter()
        .map(|[c, a]| [(&c.0[..], &c.1[..]), (&a.0[..], &a.1[..])])
        .collect();
    let refs: Vec<&[(&[f64], &[bool])]> = views.iter().map(|v| &v[..]).collect();
    let mut r = empty(pair.len());
    if let Some(lr) = km::log_rank_stratified(&refs) {
        r.p = lr.p;
    }
    let (times, events): (Vec<f64>, Vec<bool>) = data.iter().copied().unzip();
    let x: Vec<Vec<f64>> = pair
        .iter()
        .map(|p| vec![f64::from(u8::from(p.arm == arm))])
        .collect();
    // The hazard ratio within the randomisation strata, as the log-rank test.
    let labels: Vec<u32> = pair.iter().map(|p| p.stratum).collect();
    if let Ok(fit) = cox::fit_stratified(&times, &events, &x, &labels)
        && let Some(c) = fit.coefficients.first()
    {
        r.estimate = c.hazard_ratio;
        r.lower = c.hr_lower;
        r.upper = c.hr_upper;
    }
    r
}

/// Difference in Kaplan-Meier survival at `month`, arm minus control, with the Greenwood
/// standard errors of the two arms combined (a z test). With a stratified randomisation the
/// difference is taken within each stratum and averaged with weights proportional to the
/// stratum's size, its variance the weighted sum of the strata's (strata with an empty arm are
/// left out; a curve that has reached 0 adds no variance); with one stratum it is the plain
/// difference.
fn survival_at(pair: &[&TrialPatient<'_>], arm: usize, month: f64, level: f64) -> EndpointResult {
    let fit = |stratum: u32, treated: bool| {
        let (t, e): (Vec<f64>, Vec<bool>) = pair
            .iter()
            .filter(|p| p.stratum == stratum && (p.arm == arm) == treated)
            .map(|p| (p.observed_months, p.died))
            .unzip();
        km::KaplanMeier::fit(&t, &e)
    };
    let mut r = empty(pair.len());
    let strata: std::collections::BTreeSet<u32> = pair.iter().map(|p| p.stratum).collect();
    let (mut d, mut var, mut weight) = (0.0, 0.0, 0.0);
    for s in strata {
        let (Some(c), Some(a)) = (fit(s, false), fit(s, true)) else {
            continue;
        };
        // Greenwood's variance is 0·∞ once a curve has reached 0; it is taken as 0 there, so
        // that a small stratum whose arm has died out does not void the whole estimate.
        let variance = |k: &km::KaplanMeier| {
            if k.survival_at(month) == 0.0 {
                0.0
            } else {
                k.se_at(month).powi(2)
            }
        };
        let w = (a.n() + c.n()) as f64;
        d += w * (a.survival_at(month) - c.survival_at(month));
        var += w * w * (variance(&a) + variance(&c));
        weight += w;
    }
    if weight == 0.0 {
        return r;
    }
    let d = d / weight;
    let se = var.sqrt() / weight;
    r.estimate = d;
    if se > 0.0
        && let Some(z) = dist::z_for_level(level)
    {
        r.lower = d - z * se;
        r.upper = d + z * se;
        r.p = 2.0 * dist::normal_sf((d / se).abs());
    } else if se == 0.0 && d == 0.0 {
        r.p = 1.0;
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

/// Whether a patient responded by `rule`. Patients not seen at the last scheduled visit (dead
/// or dropped out) are non-responders, as in trials' responder analyses.
fn is_responder(p: &TrialPatient<'_>, rule: ResponderRule, last: f64) -> bool {
    let base = f64::from(p.baseline.total());
    let points: Vec<(f64, f64)> = std::iter::once((0.0, base)).chain(p.totals()).collect();
    let end = p.seen_at(last).map(|o| f64::from(o.total()));
    responds(rule, &points, end, p.lead_in_slope)
}

/// The responder rule on a patient's totals from baseline (`points`, months since
/// randomisation), the total at the last scheduled visit (`None`: not seen) and the lead-in
/// slope.
fn responds(
    rule: ResponderRule,
    points: &[(f64, f64)],
    end: Option<f64>,
    lead_in: Option<f64>,
) -> bool {
    let (Some(end), Some(&(_, base))) = (end, points.first()) else {
        return false;
    };
    match rule {
        ResponderRule::MaxDecline(x) => base - end <= x + 1e-9,
        ResponderRule::SlopeImprovement(x) => match (slope::slope(points), lead_in) {
            (Some(s), Some(s0)) => s - s0 >= x - 1e-9,
            _ => false,
        },
        ResponderRule::SlopeImprovementPercent(q) => match (slope::slope(points), lead_in) {
            (Some(s), Some(s0)) => s - s0 >= s0.abs() * q / 100.0 - 1e-9,
            _ => false,
        },
    }
}

/// Reversal by the international definition, for a patient's follow-up.
fn is_reversal(p: &TrialPatient<'_>) -> bool {
    let v: Vec<(f64, f64)> = p.totals().collect();
    reversal(f64::from(p.baseline.total()), &v)
}

/// Reversal: an ALSFRS-R total at least 4 points above `base` at a visit and at every visit
/// over the following 6 months, with a visit at least 6 months after the first such one.
/// `visits` are (months, total) in time order.
fn reversal(base: f64, visits: &[(f64, f64)]) -> bool {
    visits.iter().enumerate().any(|(i, &(ti, yi))| {
        yi >= base + 4.0
            && visits[i..]
                .iter()
                .take_while(|(t, _)| *t <= ti + 6.0 + 1e-6)
                .all(|(_, y)| *y >= base + 4.0)
            && visits.last().is_some_and(|(t, _)| *t >= ti + 6.0 - 1e-6)
    })
}

/// Share of patients with a property in the arm and the control: difference with Newcombe's
/// interval and Fisher's exact test (all randomised patients: intention to treat). The paired
/// value is the difference of shares of the same patients in their two courses (not defined:
/// a course of the other arm has no dropout draw, so it is left empty).
fn proportions(
    pair: &[&TrialPatient<'_>],
    arm: usize,
    level: f64,
    has: impl Fn(&TrialPatient<'_>) -> bool,
) -> EndpointResult {
    let (mut k1, mut n1, mut k0, mut n0) = (0usize, 0usize, 0usize, 0usize);
    for p in pair {
        let yes = usize::from(has(p));
        if p.arm == arm {
            n1 += 1;
            k1 += yes;
        } else {
            n0 += 1;
            k0 += yes;
        }
    }
    let mut r = empty(pair.len());
    if let Some(d) = responder::proportion_difference(k1, n1, k0, n0, level) {
        r.estimate = d.difference;
        r.lower = d.lower;
        r.upper = d.upper;
        r.p = responder::fisher_exact(k1, n1, k0, n0);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reversal_needs_four_points_sustained_for_six_months() {
        // Up 4 at month 3 and still up 4 or more at months 6 and 9: a reversal.
        assert!(reversal(30.0, &[(3.0, 34.0), (6.0, 35.0), (9.0, 34.0)]));
        // Up 4 but seen for only 3 more months.
        assert!(!reversal(30.0, &[(3.0, 34.0), (6.0, 35.0)]));
        // Up 4, then back down within the 6 months.
        assert!(!reversal(30.0, &[(3.0, 34.0), (6.0, 33.0), (9.0, 35.0)]));
        // Up 3 only.
        assert!(!reversal(30.0, &[(3.0, 33.0), (6.0, 33.0), (12.0, 33.0)]));
        // A later start of the sustained rise counts.
        assert!(reversal(30.0, &[(1.0, 29.0), (3.0, 34.0), (9.0, 34.0)]));
        assert!(!reversal(30.0, &[]));
    }

    #[test]
    fn responder_rules() {
        let pts = [(0.0, 40.0), (3.0, 38.5), (6.0, 37.0)]; // 0.5 points/month down
        assert!(responds(
            ResponderRule::MaxDecline(3.0),
            &pts,
            Some(37.0),
            None
        ));
        assert!(!responds(
            ResponderRule::MaxDecline(2.9),
            &pts,
            Some(37.0),
            None
        ));
        // Not seen at the last visit: a non-responder.
        assert!(!responds(ResponderRule::MaxDecline(48.0), &pts, None, None));
        // Lead-in slope −1: the treatment slope −0.5 is 0.5 points/month and 50% better.
        assert!(responds(
            ResponderRule::SlopeImprovement(0.5),
            &pts,
            Some(37.0),
            Some(-1.0)
        ));
        assert!(!responds(
            ResponderRule::SlopeImprovement(0.6),
            &pts,
            Some(37.0),
            Some(-1.0)
        ));
        assert!(responds(
            ResponderRule::SlopeImprovementPercent(50.0),
            &pts,
            Some(37.0),
            Some(-1.0)
        ));
        assert!(!responds(
            ResponderRule::SlopeImprovementPercent(51.0),
            &pts,
            Some(37.0),
            Some(-1.0)
        ));
        // No lead-in: a slope rule cannot be met.
        assert!(!responds(
            ResponderRule::SlopeImprovement(0.0),
            &pts,
            Some(37.0),
            None
        ));
    }
}
