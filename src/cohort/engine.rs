//! The cohort engine: each virtual patient is drawn, simulated, screened and observed; rayon
//! runs patients in parallel and results come back in patient order.
//!
//! Per patient: draw covariates and parameters from `(seed, index)`; integrate the untreated
//! course from initiation (therapies start at enrollment, so the course before enrollment is
//! the same in every arm); enroll at the milestone plus delay; screen with the inclusion
//! criteria on the rated ALSFRS-R and FVC at enrollment; then, per arm, read visits from the
//! arm's course. Arms without therapies share the untreated course exactly.

use super::sample::{Draw, Sampler, activity_rng, observation_rng};
use super::spec::{Anchor, Arm, Inclusion, Population, Simulation, TimeOrigin};
use super::summary::CohortSummary;
use crate::model::alsfrs::{self, N_ITEMS};
use crate::model::events::Event;
use crate::model::{Params, PatientModel, Slot, State};
use crate::solve::{
    EventTimes, Schedule, Solution, SolveError, SolverOptions, SolverStats, simulate,
};
use crate::therapy::{ArmPlan, Trigger, TriggerTimes};
use rayon::prelude::*;

/// Why a screened patient was not enrolled (the first criterion failed, in this order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ScreenFailure {
    /// Genotype not accepted.
    Genotype,
    /// No clinical onset within the solver's time limit.
    NoOnset,
    /// Died before the enrollment time.
    DiedBeforeEnrollment,
    /// Too long since onset.
    MonthsSinceOnset,
    /// ALSFRS-R below the minimum.
    AlsfrsR,
    /// FVC below the minimum.
    Fvc,
}

impl ScreenFailure {
    /// All reasons, in reporting order.
    pub const ALL: [ScreenFailure; 6] = [
        ScreenFailure::Genotype,
        ScreenFailure::NoOnset,
        ScreenFailure::DiedBeforeEnrollment,
        ScreenFailure::MonthsSinceOnset,
        ScreenFailure::AlsfrsR,
        ScreenFailure::Fvc,
    ];

    /// Name used in the manifest and messages.
    pub const fn name(self) -> &'static str {
        match self {
            ScreenFailure::Genotype => "genotype",
            ScreenFailure::NoOnset => "no-onset",
            ScreenFailure::DiedBeforeEnrollment => "died-before-enrollment",
            ScreenFailure::MonthsSinceOnset => "max-months-since-onset",
            ScreenFailure::AlsfrsR => "min-alsfrs-r",
            ScreenFailure::Fvc => "min-fvc",
        }
    }
}

/// One rated visit.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// Scheduled time of the visit, months since the visit origin.
    pub t: f64,
    /// Months the visit took place after its scheduled time (negative: before); 0 without a
    /// visit window. The rating describes the patient at `t + delay`.
    pub delay: f32,
    /// Rated ALSFRS-R items.
    pub items: [u8; N_ITEMS],
    /// FVC, % predicted.
    pub fvc: f64,
    /// Serum NfL, pg/mL.
    pub nfl: f64,
    /// The model's regional quantities at the visit, region blocks of
    /// [`REGION_REPORTED_NAMES`](crate::model::layout::REGION_REPORTED_NAMES) (the states and
    /// the algebraic levels), single precision: what happened inside.
    pub regional: [f32; REGIONAL],
    /// The therapy modulation factors in force at the visit, in [`Slot::ALL`] order (all 1
    /// without therapy), single precision: the effective drug effect on each target.
    pub modulation: [f32; N_SLOTS],
}

/// Number of modulation factors recorded per visit.
pub const N_SLOTS: usize = Slot::ALL.len();

/// Clinical onset later than this many months after disease initiation counts as no onset (a
/// screen failure, `no-onset`). A patient with onset is integrated as far past it as the
/// scenario's follow-up needs, so follow-up is never cut short by an integration limit.
pub const ONSET_LIMIT_MONTHS: f64 = 600.0;

fn factors(m: &crate::model::Modulation) -> [f32; N_SLOTS] {
    // Narrowing to f32 is deliberate: these feed means for figures.
    std::array::from_fn(|i| m.get(Slot::ALL[i]) as f32)
}

/// Number of regional quantities recorded per visit.
pub const REGIONAL: usize = crate::model::N_REGIONS * crate::model::REGION_REPORTED;

fn regional(
    model: &crate::model::PatientModel,
    state: &crate::model::State,
    m: &crate::model::Modulation,
    ros_lag: &[f64; crate::model::N_REGIONS],
) -> [f32; REGIONAL] {
    // Narrowing to f32 is deliberate: these feed means for figures.
    model
        .regional_report_lagged(state, m, ros_lag)
        .map(|v| v as f32)
}

impl Observation {
    /// Time the visit took place, months since the visit origin: the scheduled time plus the
    /// delay.
    pub fn time(&self) -> f64 {
        self.t + f64::from(self.delay)
    }

    /// Rated total, 0-48.
    pub fn total(&self) -> u32 {
        self.items.iter().map(|&x| u32::from(x)).sum()
    }

    /// Rated domain subscores.
    pub fn domains(&self) -> [u32; 4] {
        alsfrs::domains(&self.items).map(|x| x.round() as u32)
    }
}

/// An enrolled patient's course in one arm.
#[derive(Debug, Clone)]
pub struct ArmCourse {
    /// Visit origin (onset or enrollment), months since initiation.
    pub origin: f64,
    /// Event times, months since initiation.
    pub events: EventTimes,
    /// Visits while alive, in time order.
    pub visits: Vec<Observation>,
    /// End of follow-up, months since initiation.
    pub follow_up_end: f64,
    /// Solver counts.
    pub stats: SolverStats,
    /// The arm's therapies that act in this patient (a drug whose targets do not exist in the
    /// patient's genotype does nothing), in arm order.
    pub acting: Vec<String>,
    /// Surviving motor-neuron fraction of each region (in [`Region::ALL`](crate::model::Region)
    /// order) at death, or at the end of follow-up when alive.
    pub neurons_at_end: [f32; crate::model::N_REGIONS],
    /// What the patient died of and with, read from the model at death (or at the end of
    /// follow-up when alive): for the validation statistics.
    pub at_end: AtEnd,
    /// The King's regions (0 bulbar, 1 upper limb, 2 lower limb) involved first and second,
    /// read from the model at onset and when a second region became involved; `None` where
    /// that did not happen.
    pub spread: [Option<u8>; 2],
}

/// The model's state at death (or at the end of follow-up when alive), as the validation
/// statistics need it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AtEnd {
    /// Latent (continuous, noise-free) respiratory ALSFRS-R subscore, 0-12.
    pub respiratory_subscore: f32,
    /// FVC, % predicted.
    pub fvc: f32,
    /// Whether the death criterion was reached through respiratory failure (the FVC
    /// criterion), rather than loss of airway protection; false when alive.
    pub respiratory_failure: bool,
}

impl ArmCourse {
    /// Whether death or permanent ventilation happened within follow-up.
    pub fn died(&self) -> bool {
        self.events.death.is_some_and(|d| d <= self.follow_up_end)
    }

    /// Whether the patient is alive (free of death or permanent ventilation) `t` months after
    /// the visit origin.
    pub fn alive_at(&self, t: f64) -> bool {
        self.events.death.is_none_or(|d| d > self.origin + t)
    }

    /// Least-squares slope of the rated ALSFRS-R total over follow-up visits, points/month.
    pub fn alsfrs_slope(&self) -> Option<f64> {
        let v: Vec<(f64, f64)> = self
            .visits
            .iter()
            .map(|o| (o.t, f64::from(o.total())))
            .collect();
        crate::stats::slope::slope(&v)
    }
}

/// What happened to one screened patient.
// An outcome is built once per patient and moved into its chunk; boxing the enrolled variant
// would add an allocation per patient for no gain.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Outcome {
    /// Enrolled: baseline and one course per arm.
    Enrolled {
        /// The drawn patient.
        draw: Draw,
        /// Enrollment time, months since initiation.
        enrollment: f64,
        /// Rated visit at enrollment.
        baseline: Observation,
        /// Courses in arm order.
        arms: Vec<ArmCourse>,
        /// The mechanism with the largest share of the damage drive at enrollment (an index
        /// into [`MECHANISMS`](crate::model::neurons::MECHANISMS)).
        dominant_mechanism: usize,
    },
    /// Not enrolled.
    ScreenFailed {
        /// The drawn patient.
        draw: Draw,
        /// The first failed criterion.
        reason: ScreenFailure,
    },
    /// The integration failed; the cohort goes on.
    Failed {
        /// The drawn patient.
        draw: Draw,
        /// Master seed (with the index, enough to reproduce the patient).
        seed: u64,
        /// What went wrong.
        error: SolveError,
    },
}

impl Outcome {
    /// The drawn patient.
    pub fn draw(&self) -> &Draw {
        match self {
            Outcome::Enrolled { draw, .. }
            | Outcome::ScreenFailed { draw, .. }
            | Outcome::Failed { draw, .. } => draw,
        }
    }
}

/// Everything the engine needs for a run, validated: made by
/// [`Scenario::cohort_spec`](crate::scenario::Scenario::cohort_spec) from a validated scenario
/// (or by a virtual trial from its design) and read through its accessors.
#[derive(Debug, Clone)]
pub struct CohortSpec {
    /// Schedule and solver settings.
    pub(crate) simulation: Simulation,
    /// The population.
    pub(crate) population: Population,
    /// Typical model parameters (defaults with scenario overrides).
    pub(crate) params: Params,
    /// Arms.
    pub(crate) arms: Vec<Arm>,
}

impl CohortSpec {
    /// Schedule, solver settings and outputs.
    pub fn simulation(&self) -> &Simulation {
        &self.simulation
    }

    /// The population: size, seed, covariates, variability, enrollment and inclusion.
    pub fn population(&self) -> &Population {
        &self.population
    }

    /// The typical patient's model parameters (defaults with the scenario's overrides); each
    /// virtual patient varies those of the population's variability table.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The arms, in scenario order.
    pub fn arms(&self) -> &[Arm] {
        &self.arms
    }
}

/// Runs patients `indices` of the cohort on `threads` threads (1 runs on the calling
/// thread). Results are in the order of `indices` whatever the thread count.
pub fn run(
    spec: &CohortSpec,
    indices: std::ops::Range<u64>,
    threads: usize,
) -> Result<Vec<Outcome>, EngineError> {
    let mut all = Vec::new();
    run_chunks(spec, indices, threads, 4096, |chunk, _| {
        all.extend_from_slice(chunk);
        Ok::<(), EngineError>(())
    })?;
    Ok(all)
}

/// Why the engine stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The worker threads could not be started.
    #[error("cannot start {threads} worker threads: {source}")]
    Threads {
        /// Requested threads.
        threads: usize,
        /// The cause.
        source: rayon::ThreadPoolBuildError,
    },
}

/// Runs patients `indices` in chunks of `chunk` patients, in parallel within a chunk, and hands
/// each finished chunk to `sink` in patient order, together with the chunk's summary
/// (accumulated in parallel too; exact integer accumulators make the result independent of
/// how the work was split). Memory holds one chunk of outcomes at a time, so it does not grow
/// with the cohort; `sink` decides what to keep.
pub fn run_chunks<E: From<EngineError> + Send>(
    spec: &CohortSpec,
    indices: std::ops::Range<u64>,
    threads: usize,
    chunk: u64,
    mut sink: impl FnMut(&[Outcome], &CohortSummary) -> Result<(), E> + Send,
) -> Result<(), E> {
    let sampler = Sampler::new(&spec.population, &spec.params);
    let plans = arm_plans(spec);
    let one = |i: u64| simulate_patient(spec, &sampler, &plans, i);
    let bounds = chunk_ranges(indices, chunk);
    if threads <= 1 {
        for range in bounds {
            let outcomes: Vec<Outcome> = range.map(one).collect();
            let summary = summarise_pairwise(spec, &outcomes);
            sink(&outcomes, &summary)?;
        }
        return Ok(());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|source| EngineError::Threads { threads, source })?;
    let compute = |range: std::ops::Range<u64>| {
        // Small pieces of work: rayon cannot split a piece it has started, and patients take
        // from microseconds (screened out) to a millisecond (long-lived, treated), so large
        // pieces leave one thread idle at the end of every chunk.
        // (A chunk's length fits in usize: it is at most `chunk` patients held in memory.)
        let len = (range.end - range.start) as usize;
        let outcomes: Vec<Outcome> = (0..len)
            .into_par_iter()
            .with_max_len(4)
            .map(|k| one(range.start + k as u64))
            .collect();
        let summary = outcomes
            .par_chunks(SUMMARY_PIECE)
            .map(|part| summarise(spec, part))
            .reduce(
                || CohortSummary::new(spec),
                |mut a, b| {
                    a.merge(&b);
                    a
                },
            );
        (outcomes, summary)
    };
    // The sink of one chunk (merging, writing rows) runs while the next chunk is simulated;
    // chunks still reach it one at a time and in order.
    let mut pending: Option<(Vec<Outcome>, CohortSummary)> = None;
    for range in bounds {
        let (sunk, next) = pool.install(|| {
            rayon::join(
                || pending.take().map_or(Ok(()), |(o, s)| sink(&o, &s)),
                || compute(range),
            )
        });
        sunk?;
        pending = Some(next);
    }
    match pending {
        Some((o, s)) => sink(&o, &s),
        None => Ok(()),
    }
}

/// Summaries are built from pieces of this many patients and merged pairwise: a summary's
/// quantile bins are a sorted list, cheap to fill while short and to merge with another.
const SUMMARY_PIECE: usize = 64;

/// Consecutive ranges of at most `chunk` (at least 1) patients covering `indices`.
fn chunk_ranges(
    indices: std::ops::Range<u64>,
    chunk: u64,
) -> impl Iterator<Item = std::ops::Range<u64>> {
    let chunk = chunk.max(1);
    let mut start = indices.start;
    std::iter::from_fn(move || {
        (start < indices.end).then(|| {
            let end = indices.end.min(start.saturating_add(chunk));
            let range = start..end;
            start = end;
            range
        })
    })
}

/// The summary of one piece of outcomes.
fn summarise(spec: &CohortSpec, part: &[Outcome]) -> CohortSummary {
    let mut s = CohortSummary::new(spec);
    for o in part {
        s.add(o);
    }
    s
}

/// The summary of a chunk on one thread: pieces of [`SUMMARY_PIECE`] merged pairwise.
fn summarise_pairwise(spec: &CohortSpec, outcomes: &[Outcome]) -> CohortSummary {
    let mut parts: Vec<CohortSummary> = outcomes
        .chunks(SUMMARY_PIECE)
        .map(|part| summarise(spec, part))
        .collect();
    while parts.len() > 1 {
        let mut pairs = parts.into_iter();
        parts = std::iter::from_fn(|| {
            let mut a = pairs.next()?;
            if let Some(b) = pairs.next() {
                a.merge(&b);
            }
            Some(a)
        })
        .collect();
    }
    parts.pop().unwrap_or_else(|| CohortSummary::new(spec))
}

fn passes_genotype(inclusion: &Inclusion, draw: &Draw) -> bool {
    inclusion
        .genotypes
        .as_ref()
        .is_none_or(|g| g.contains(&draw.covariates.genotype))
}

/// The exposure plans of the arms, in arm order (computed once per run).
pub fn arm_plans(spec: &CohortSpec) -> Vec<ArmPlan> {
    spec.arms
        .iter()
        .map(|a| {
            let pairs: Vec<_> = a
                .interactions
                .iter()
                .map(|p| (p.therapies.0, p.therapies.1, p.target, p.factor))
                .collect();
            ArmPlan::new(
                &a.therapies,
                a.interaction,
                spec.simulation.horizon_months + 1.0,
            )
            .with_pairs(&pairs)
        })
        .collect()
}

/// Simulates, screens and observes patient `index`; `plans` are [`arm_plans`].
pub fn simulate_patient(
    spec: &CohortSpec,
    sampler: &Sampler,
    plans: &[ArmPlan],
    index: u64,
) -> Outcome {
    let mut draw = sampler.draw(index);
    match screen_and_observe(spec, plans, &mut draw) {
        Ok(Screened::Enrolled {
            enrollment,
            baseline,
            arms,
            dominant_mechanism,
        }) => Outcome::Enrolled {
            draw,
            enrollment,
            baseline,
            arms,
            dominant_mechanism,
        },
        Ok(Screened::Failed(reason)) => Outcome::ScreenFailed { draw, reason },
        Err(error) => Outcome::Failed {
            draw,
            seed: spec.population.seed,
            error,
        },
    }
}

/// What screening made of a drawn patient whose integration succeeded.
// Built once per patient and moved straight into its `Outcome` (as `Outcome` itself, not boxed).
#[allow(clippy::large_enum_variant)]
enum Screened {
    /// Enrolled, with the courses of every arm.
    Enrolled {
        enrollment: f64,
        baseline: Observation,
        arms: Vec<ArmCourse>,
        dominant_mechanism: usize,
    },
    /// Not enrolled.
    Failed(ScreenFailure),
}

/// The solver options of a patient: integration as far past onset as follow-up needs. Returns
/// them with the latest possible enrollment (months after onset) and the follow-up after onset.
fn patient_options(spec: &CohortSpec, draw: &Draw) -> (SolverOptions, f64, f64) {
    let sim = &spec.simulation;
    let enroll = spec.population.enrollment;
    // Diagnosis comes at the end of the referral delay at the latest (earlier if the disease is
    // recognised first), so the referral delay bounds the time from onset to enrollment. When
    // the referral waits for a deficit to show (`diagnosis_examination_loss` above 0) nothing
    // bounds the wait in advance: a whole horizon of it is added, so that a patient diagnosed
    // up to a horizon after the referral ended is followed for the whole horizon (one who
    // waits longer, for what is left).
    let wait = if draw.params.diagnosis_examination_loss > 0.0 {
        sim.horizon_months
    } else {
        0.0
    };
    let latest_enrollment = match enroll.at {
        Anchor::Onset => 0.0,
        Anchor::Diagnosis => draw.covariates.diagnostic_delay_months + wait,
    } + enroll.after_months;
    let follow_up = match sim.visits_from {
        TimeOrigin::Onset => sim.horizon_months.max(latest_enrollment),
        // Enrollment before onset (a presymptomatic start) may end follow-up before onset.
        TimeOrigin::Enrollment => (latest_enrollment + sim.horizon_months).max(0.0),
    };
    let options = SolverOptions {
        rtol: sim.rtol,
        atol: sim.atol,
        max_steps: sim.max_steps,
        // A visit in its window may fall after the scheduled end of follow-up.
        follow_up_after_onset_months: Some(follow_up + sim.visit_window_months),
        // Onset at the limit and then the whole follow-up, with a margin.
        max_time_months: ONSET_LIMIT_MONTHS + follow_up + 1.0,
        ..SolverOptions::default()
    };
    (options, latest_enrollment, follow_up)
}

/// Simulates the untreated course, screens the patient at enrollment and, if enrolled,
/// observes every arm. The realised diagnostic delay is written into `draw`.
fn screen_and_observe(
    spec: &CohortSpec,
    plans: &[ArmPlan],
    draw: &mut Draw,
) -> Result<Screened, SolveError> {
    match screen(spec, plans, draw)? {
        Ok(enrolled) => observe_arms(spec, plans, draw, enrolled),
        Err(reason) => Ok(Screened::Failed(reason)),
    }
}

/// A screened patient who passed every criterion: the untreated course and the enrollment
/// visit from which each arm's follow-up starts.
struct Enrollable {
    model: PatientModel,
    /// The untreated course, possibly integrated only as far as screening needed.
    untreated: Solution,
    /// Whether `untreated` stops short of the whole follow-up.
    truncated: bool,
    options: SolverOptions,
    enrollment: f64,
    /// The state at enrollment.
    state: State,
    /// Visit-time origin: onset or enrollment, months since initiation.
    origin: f64,
    baseline: Observation,
    /// Position of the rater-noise stream after the baseline visit.
    after_baseline: u128,
}

/// Simulates the untreated course far enough to screen the patient, and rates the baseline
/// visit. `Ok(Err(reason))` is a screen failure, `Err` a failed integration.
fn screen(
    spec: &CohortSpec,
    plans: &[ArmPlan],
    draw: &mut Draw,
) -> Result<Result<Enrollable, ScreenFailure>, SolveError> {
    let inclusion = &spec.population.inclusion;
    if !passes_genotype(inclusion, draw) {
        return Ok(Err(ScreenFailure::Genotype));
    }
    let (options, latest_enrollment, follow_up) = patient_options(spec, draw);
    let model = PatientModel::new(draw.params.clone(), draw.covariates.clone())?
        .with_activity(&mut activity_rng(spec.population.seed, draw.index));
    let genotype = draw.covariates.genotype;
    // A diagnosis that waits for a deficit has no bound known in advance, so the untreated
    // course is integrated as far as follow-up goes whatever the arms: the same patients are
    // diagnosed, at the same times, in every scenario.
    let screening = if draw.params.diagnosis_examination_loss > 0.0 {
        options.clone()
    } else {
        screening_options(plans, genotype, &options, latest_enrollment, follow_up)
    };
    let truncated = screening != options;
    let untreated = simulate(&model, &Schedule::untreated(), &screening)?;
    let Some(onset) = untreated
        .events()
        .onset
        .filter(|&t| t <= ONSET_LIMIT_MONTHS)
    else {
        return Ok(Err(ScreenFailure::NoOnset));
    };
    // The recorded diagnostic delay is the realised one (recognition or referral, whichever
    // came first); a patient who died first keeps the drawn referral delay.
    if let Some(d) = untreated.events().diagnosis {
        draw.covariates.diagnostic_delay_months = d - onset;
    }
    let Some((onset_to_enrollment, enrollment, state)) =
        enroll_on(&untreated, spec.population.enrollment, onset)
    else {
        return Ok(Err(ScreenFailure::DiedBeforeEnrollment));
    };
    let mut rng = observation_rng(spec.population.seed, draw.index);
    let rater = alsfrs::Rater::of(&draw.params);
    let origin = match spec.simulation.visits_from {
        TimeOrigin::Onset => onset,
        TimeOrigin::Enrollment => enrollment,
    };
    let baseline = baseline_visit(&model, &state, enrollment - origin, rater, &mut rng);
    if let Some(reason) = inclusion_failure(inclusion, onset_to_enrollment, &baseline) {
        return Ok(Err(reason));
    }
    Ok(Ok(Enrollable {
        model,
        untreated,
        truncated,
        options,
        enrollment,
        state,
        origin,
        baseline,
        after_baseline: rng.get_word_pos(),
    }))
}

/// Follows an enrolled patient in every arm: the treated courses and their rated visits.
fn observe_arms(
    spec: &CohortSpec,
    plans: &[ArmPlan],
    draw: &Draw,
    e: Enrollable,
) -> Result<Screened, SolveError> {
    let sim = &spec.simulation;
    let seed = spec.population.seed;
    let times = sim.visit_times();
    let offsets = super::sample::visit_offsets(
        seed,
        draw.index,
        &times,
        sim.visit_window_months,
        sim.visit_window_after_months,
    );
    let treated_courses = plans
        .iter()
        .map(|plan| treated_course(plan, &e.untreated, draw, e.enrollment, &e.options, seed))
        .collect::<Result<Vec<_>, _>>()?;
    // An arm that turned out to follow the untreated course needs all of it.
    let full = if e.truncated && treated_courses.iter().any(Option::is_none) {
        Some(simulate(&e.model, &Schedule::untreated(), &e.options)?)
    } else {
        None
    };
    let untreated = full.as_ref().unwrap_or(&e.untreated);
    // Follow-up never ends before enrollment, even when visits count from onset and the
    // horizon is shorter than the time to enrollment.
    let end = (e.origin + sim.horizon_months).max(e.enrollment);
    let course = Course {
        solution: untreated,
        origin: e.origin,
        times: &times,
        offsets: &offsets,
        rater: alsfrs::Rater::of(&draw.params),
        baseline: &e.baseline,
    };
    // Every arm sees the same rater-noise draws visit by visit (common random numbers): each
    // arm's stream resumes where the baseline visit left it.
    let mut rng = observation_rng(seed, draw.index);
    let genotype = draw.covariates.genotype;
    let arms = plans
        .iter()
        .zip(&treated_courses)
        .map(|(plan, treated)| {
            rng.set_word_pos(e.after_baseline);
            let solution = treated.as_ref().unwrap_or(untreated);
            let mut c = Course { solution, ..course }.observe(&mut rng, end);
            c.acting = plan
                .acting(genotype)
                .into_iter()
                .map(String::from)
                .collect();
            c
        })
        .collect();
    Ok(Screened::Enrolled {
        enrollment: e.enrollment,
        dominant_mechanism: e.model.dominant_mechanism(&e.state),
        baseline: e.baseline,
        arms,
    })
}

/// The baseline visit at enrollment (`t` months from the visit origin), rated before the
/// first dose.
fn baseline_visit(
    model: &PatientModel,
    state: &crate::model::State,
    t: f64,
    rater: alsfrs::Rater,
    rng: &mut rand::rngs::ChaCha8Rng,
) -> Observation {
    let readout = model.readout(state);
    Observation {
        t,
        delay: 0.0,
        items: alsfrs::observe(&readout.items, rater, rng),
        fvc: readout.fvc,
        nfl: readout.nfl,
        regional: regional(
            model,
            state,
            &crate::model::Modulation::NEUTRAL,
            &[0.0; crate::model::N_REGIONS],
        ),
        modulation: factors(&crate::model::Modulation::NEUTRAL),
    }
}

/// Months from onset to enrollment, the time of enrollment and the state then, or `None` for a
/// patient who dies before enrollment.
fn enroll_on(
    untreated: &Solution,
    enroll: super::spec::Enrollment,
    onset: f64,
) -> Option<(f64, f64, crate::model::State)> {
    let diagnosis_delay = untreated.events().diagnosis.map(|d| d - onset);
    let onset_to_enrollment = match (enroll.at, diagnosis_delay) {
        (Anchor::Onset, _) => 0.0,
        (Anchor::Diagnosis, Some(d)) => d,
        (Anchor::Diagnosis, None) => return None,
    } + enroll.after_months;
    // Enrolling before onset cannot go back further than disease initiation.
    let enrollment = (onset + onset_to_enrollment).max(0.0);
    let state = untreated
        .state_at(enrollment)
        .filter(|_| untreated.events().death.is_none_or(|d| d > enrollment))?;
    Some((onset_to_enrollment, enrollment, state))
}

/// The solver options of the untreated course. When every arm's course departs from the
/// untreated one at a known time after enrollment, the untreated course is needed only up to
/// there (the integration up to that point is the same either way, step for step).
fn screening_options(
    plans: &[ArmPlan],
    genotype: crate::model::Genotype,
    options: &SolverOptions,
    latest_enrollment: f64,
    follow_up: f64,
) -> SolverOptions {
    let departure = plans
        .iter()
        .map(|p| p.first_start(genotype))
        .try_fold(0.0_f64, |latest, s| s.map(|s| latest.max(s)));
    match departure {
        Some(d) => SolverOptions {
            follow_up_after_onset_months: Some((latest_enrollment + d).clamp(0.0, follow_up)),
            ..options.clone()
        },
        None => options.clone(),
    }
}

/// The first `[population.inclusion]` criterion the baseline visit fails, if any.
fn inclusion_failure(
    inclusion: &Inclusion,
    onset_to_enrollment: f64,
    baseline: &Observation,
) -> Option<ScreenFailure> {
    if inclusion
        .max_months_since_onset
        .is_some_and(|m| onset_to_enrollment > m)
    {
        Some(ScreenFailure::MonthsSinceOnset)
    } else if inclusion
        .min_alsfrs_r
        .is_some_and(|m| f64::from(baseline.total()) < m)
    {
        Some(ScreenFailure::AlsfrsR)
    } else if inclusion.min_fvc.is_some_and(|m| baseline.fvc < m) {
        Some(ScreenFailure::Fvc)
    } else {
        None
    }
}

/// The course of an enrolled patient under an arm's therapies, resumed from the untreated
/// course at enrollment (`None`: no therapy acts in this patient, so the untreated course is
/// the arm's course exactly). Therapies started by a clinical event are added when the event
/// happens on the treated course, resuming from that moment.
fn treated_course(
    plan: &ArmPlan,
    untreated: &Solution,
    draw: &Draw,
    enrollment: f64,
    options: &SolverOptions,
    seed: u64,
) -> Result<Option<Solution>, SolveError> {
    if plan.is_empty() {
        return Ok(None);
    }
    let genotype = draw.covariates.genotype;
    let mut triggers = TriggerTimes::default();
    let mut current: Option<Solution> = None;
    let mut from = enrollment;
    // Each pass adds at most one trigger, so this ends after at most one pass per trigger.
    for _ in 0..=plan.triggers().len() {
        let Some(schedule) = plan.schedule(genotype, enrollment, &triggers, seed, draw.index)?
        else {
            // Nothing acts yet; a trigger may still start something.
            if let Some((tr, t)) =
                next_trigger(plan, current.as_ref().unwrap_or(untreated), &triggers)
            {
                triggers.set(tr, t);
                from = t.max(enrollment);
                continue;
            }
            return Ok(current);
        };
        let base = current.as_ref().unwrap_or(untreated);
        // The course is unchanged until the first phase in which something acts: resuming
        // there keeps everything before it bit for bit, and a therapy that would start only
        // after the course has ended changes nothing at all.
        let first_active = schedule
            .phases()
            .iter()
            .find(|(t, law)| *t >= from && !law.terms().is_empty())
            .map_or(f64::INFINITY, |(t, _)| *t);
        let at = from.max(first_active);
        if at > base.end_time() {
            return Ok(current);
        }
        let resumed = base
            .resume(at, &schedule, options)
            .ok_or(SolveError::Resume { at })??;
        let next = next_trigger(plan, &resumed, &triggers);
        current = Some(resumed);
        match next {
            Some((tr, t)) => {
                triggers.set(tr, t);
                from = t.max(enrollment);
            }
            None => break,
        }
    }
    Ok(current)
}

/// The earliest trigger of the plan that has happened on `course` and is not yet recorded.
fn next_trigger(
    plan: &ArmPlan,
    course: &Solution,
    triggers: &TriggerTimes,
) -> Option<(Trigger, f64)> {
    plan.triggers()
        .into_iter()
        .filter(|&tr| triggers.get(tr).is_none())
        .filter_map(|tr| {
            let event = match tr {
                Trigger::Niv => Event::Niv,
                Trigger::Gastrostomy => Event::Gastrostomy,
            };
            course.events().get(event).map(|t| (tr, t))
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

/// What is needed to rate one arm's visits.
#[derive(Clone, Copy)]
struct Course<'a> {
    solution: &'a Solution,
    origin: f64,
    times: &'a [f64],
    /// Each visit's offset from its scheduled time (the visit window), months.
    offsets: &'a [f64],
    rater: alsfrs::Rater,
    baseline: &'a Observation,
}

impl Course<'_> {
    /// Rates the visits while alive. A visit at the enrollment time is the baseline visit
    /// itself, not a second rating of the same moment.
    fn observe(&self, rng: &mut rand::rngs::ChaCha8Rng, follow_up_end: f64) -> ArmCourse {
        let model = self.solution.model();
        // Visit times are recorded as scheduled (months from the origin), not recomputed from
        // the absolute time, so every patient's month 3 is exactly 3.
        let visits = self
            .times
            .iter()
            .zip(self.offsets)
            .filter_map(|(&t, &offset)| {
                if (t - self.baseline.t).abs() < 1e-9 {
                    return Some(self.baseline.clone());
                }
                let at = self.origin + t + offset;
                let state = self.solution.state_at(at)?;
                let readout = model.readout(&state);
                let m = self.solution.modulation_at(at);
                Some(Observation {
                    t,
                    // Narrowing to f32 is deliberate: a window is days, kept to well below a
                    // second.
                    delay: offset as f32,
                    items: alsfrs::observe(&readout.items, self.rater, rng),
                    fvc: readout.fvc,
                    nfl: readout.nfl,
                    regional: regional(model, &state, &m, &self.solution.ros_lag_at(at)),
                    modulation: factors(&m),
                })
            })
            .collect();
        let events = *self.solution.events();
        let end = events
            .death
            .filter(|&d| d <= follow_up_end)
            .unwrap_or(follow_up_end)
            .min(self.solution.end_time());
        let end_state = self.solution.state_at(end);
        let neurons_at_end = end_state
            .as_ref()
            .map_or([f32::NAN; crate::model::N_REGIONS], |y| {
                crate::model::Region::ALL.map(|r| y[r.neurons()] as f32)
            });
        // Follow-up ends where the integration ended, if that is earlier than planned (it is
        // not, since the integration runs as far as follow-up needs; this keeps the recorded
        // censoring time true regardless).
        let alive_at_end = events.death.is_none_or(|d| d > follow_up_end);
        let follow_up_end = if alive_at_end && self.solution.end_time() < follow_up_end - 1e-6 {
            self.solution.end_time()
        } else {
            follow_up_end
        };
        let at_end = self.at_end(
            end,
            end_state.as_ref(),
            events.death.is_some_and(|d| d <= end),
        );
        let first = self.involved(events.onset, None);
        let second = first.and_then(|f| self.involved(events.second_region, Some(f)));
        ArmCourse {
            origin: self.origin,
            events,
            visits,
            follow_up_end,
            stats: self.solution.stats(),
            acting: Vec::new(),
            neurons_at_end,
            at_end,
            spread: [first, second],
        }
    }

    /// The King's region (0 bulbar, 1 upper limb, 2 lower limb) most involved at `t`, other
    /// than `not`.
    fn involved(&self, t: Option<f64>, not: Option<u8>) -> Option<u8> {
        let model = self.solution.model();
        let y = self.solution.state_at(t?)?;
        let capacities = model.capacities(&y);
        let items = crate::model::readout::items(model, &capacities);
        let m =
            crate::model::staging::involvement_margins(&items, model.params().item_detection_loss);
        // At onset no item has fallen yet (every margin is the same), so the region whose
        // motor pool has lost most decides.
        let c = crate::model::staging::kings_capacities(&capacities);
        (0u8..3).filter(|&k| Some(k) != not).min_by(|&a, &b| {
            let (a, b) = (usize::from(a), usize::from(b));
            m[a].total_cmp(&m[b]).then(c[a].total_cmp(&c[b]))
        })
    }

    /// What the validation needs of the state `y` at `end`; NaN where the solution does not
    /// reach it.
    fn at_end(&self, end: f64, y: Option<&crate::model::State>, dead: bool) -> AtEnd {
        let model = self.solution.model();
        let Some(y) = y else {
            return AtEnd {
                respiratory_subscore: f32::NAN,
                fvc: f32::NAN,
                respiratory_failure: false,
            };
        };
        let p = model.params();
        let capacity = model.capacities(y);
        let items = crate::model::readout::items(model, &capacity);
        let domains = crate::model::alsfrs::domains(&items);
        let fvc = crate::model::readout::fvc(model, &capacity);
        let m = self.solution.modulation_at(end);
        // The two margins of the death criterion (MODEL.md, events), in FVC units.
        let respiratory = fvc - p.death_fvc * m.respiratory_failure_fvc;
        let airway = ((capacity[crate::model::Region::Bulbar.index()] - p.airway_failure_capacity)
            * p.fvc_healthy)
            .max(fvc - p.airway_failure_fvc);
        AtEnd {
            respiratory_subscore: domains[3] as f32,
            fvc: fvc as f32,
            respiratory_failure: dead && respiratory <= airway,
        }
    }
}
