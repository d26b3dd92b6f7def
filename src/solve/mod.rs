//! Integration of one patient: piecewise Dopri5 between breakpoints, visits from the
//! continuous output, and clinical events located inside solver steps.
//!
//! This is the only module that knows `ode_solvers`. The model is integrated from disease
//! initiation (t = 0) with the explicit Dormand-Prince 5(4) method. Between two breakpoints of
//! the [`Schedule`] (therapy start, stop, regimen change) the modulation is constant and one
//! stepper runs, restarting from the last state at the next breakpoint, so no step straddles a
//! discontinuity. States at visit times come from the stepper's continuous output model (its
//! default dense grid extrapolates its last point). Events are found as sign changes of their
//! functions at step ends and then located on the continuous output inside that step, by a
//! bracketed root search (false position with bisection as the safeguard).
//!
//! Integration stops at death (end of tracheostomy-free survival), once a requested follow-up
//! after clinical onset is covered, or at the time limit, whichever comes first.

mod error;
mod locate;

pub use error::SolveError;

use crate::model::events::{self, Event};
use crate::model::layout::N_REGIONS;
use crate::model::{
    DIM, Modulation, ModulationLaw, PatientModel, Readout, Region, RegionVar, State,
};
use ode_solvers::continuous_output_model::ContinuousOutputModel;
use ode_solvers::dop_shared::SolverResult;
use ode_solvers::{Dopri5, System};
use std::cell::Cell;
use std::sync::Arc;

/// Solver settings.
///
/// The default tolerances (rtol 1e-4, atol 1e-7) were chosen against a reference run at
/// rtol 1e-10 for all four onset regions of the default patient: latent ALSFRS-R differed by
/// at most 9e-5 points and onset and death times by at most 5e-5 months (measured with excess
/// ROS algebraic), three to four orders of magnitude below rater noise and visit spacing.
#[derive(Debug, Clone, PartialEq)]
pub struct SolverOptions {
    /// Relative tolerance of the step-size control.
    pub rtol: f64,
    /// Absolute tolerance of the step-size control.
    pub atol: f64,
    /// Largest number of steps per integration piece.
    pub max_steps: u32,
    /// Hard limit on integration time, months since initiation.
    pub max_time_months: f64,
    /// Stop this many months after clinical onset (when alive); `None` runs to death or the limit.
    pub follow_up_after_onset_months: Option<f64>,
    /// Width of the bracket within which events are located, months.
    pub event_tolerance_months: f64,
}

impl Default for SolverOptions {
    fn default() -> Self {
        SolverOptions {
            rtol: 1e-4,
            atol: 1e-7,
            max_steps: 100_000,
            max_time_months: 600.0,
            follow_up_after_onset_months: None,
            event_tolerance_months: 1e-9,
        }
    }
}

impl SolverOptions {
    fn check(&self) -> Result<(), SolveError> {
        let bad = |what: &'static str| Err(SolveError::Options(what));
        if !(self.rtol > 0.0 && self.rtol < 1.0) {
            return bad("rtol must be in (0, 1)");
        }
        if !(self.atol > 0.0 && self.atol.is_finite()) {
            return bad("atol must be positive and finite");
        }
        if !(self.max_time_months > 0.0 && self.max_time_months.is_finite()) {
            return bad("max_time_months must be positive and finite");
        }
        if let Some(f) = self.follow_up_after_onset_months
            && !(f >= 0.0 && f.is_finite())
        {
            return bad("follow_up_after_onset_months must be non-negative and finite");
        }
        if self.event_tolerance_months.is_nan() || self.event_tolerance_months <= 0.0 {
            return bad("event_tolerance_months must be positive");
        }
        Ok(())
    }
}

/// The modulation over time: phases that start at breakpoints (therapy start, stop, regimen
/// change), each with its own [`ModulationLaw`] (constant, or drifting smoothly as tissue
/// compensation builds up or washes out).
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// `(start time in months since initiation, law from then on)`, sorted by start; the first
    /// starts at 0.
    phases: Vec<(f64, ModulationLaw)>,
}

impl Schedule {
    /// No therapy at any time.
    pub fn untreated() -> Self {
        Schedule {
            phases: vec![(0.0, ModulationLaw::neutral())],
        }
    }

    /// A schedule of constant modulations `(start, modulation)`; see [`Schedule::from_laws`].
    pub fn from_phases(phases: Vec<(f64, Modulation)>) -> Result<Self, SolveError> {
        Self::from_laws(
            phases
                .into_iter()
                .map(|(t, m)| (t, ModulationLaw::constant(m)))
                .collect(),
        )
    }

    /// A schedule from phases `(start, law)`. Starts must be finite, non-negative and strictly
    /// increasing; a neutral phase from 0 is added if the first starts later.
    pub fn from_laws(mut phases: Vec<(f64, ModulationLaw)>) -> Result<Self, SolveError> {
        if phases.iter().any(|(t, _)| !(t.is_finite() && *t >= 0.0)) {
            return Err(SolveError::Schedule(
                "phase starts must be finite and non-negative",
            ));
        }
        if phases.windows(2).any(|w| w[1].0 <= w[0].0) {
            return Err(SolveError::Schedule(
                "phase starts must be strictly increasing",
            ));
        }
        if phases.first().is_none_or(|(t, _)| *t > 0.0) {
            phases.insert(0, (0.0, ModulationLaw::neutral()));
        }
        Ok(Schedule { phases })
    }

    /// The phases.
    pub fn phases(&self) -> &[(f64, ModulationLaw)] {
        &self.phases
    }

    /// The law in force at time `t` (breakpoints belong to the later phase).
    pub fn law_at(&self, t: f64) -> &ModulationLaw {
        let k = self.phases.partition_point(|(s, _)| *s <= t).max(1);
        &self.phases[k - 1].1
    }
}

/// Counts from the integrator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SolverStats {
    /// Right-hand-side evaluations.
    pub rhs_evaluations: u64,
    /// Accepted steps.
    pub accepted_steps: u64,
    /// Rejected steps.
    pub rejected_steps: u64,
    /// Integration pieces (one per schedule phase reached).
    pub pieces: u32,
}

/// Event times of one patient, months since disease initiation.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EventTimes {
    /// Clinical onset.
    pub onset: Option<f64>,
    /// A second King's region involved (King's stage 2).
    pub second_region: Option<f64>,
    /// All three King's regions involved (King's stage 3).
    pub third_region: Option<f64>,
    /// Diagnosis (the earlier of recognition and onset plus the referral delay, the latter no
    /// earlier than the examination event), if alive by then.
    pub diagnosis: Option<f64>,
    /// Gastrostomy indicated.
    pub gastrostomy: Option<f64>,
    /// Non-invasive ventilation indicated.
    pub niv: Option<f64>,
    /// Death or permanent ventilation.
    pub death: Option<f64>,
    /// Loss of function at which the disease is recognised.
    pub recognition: Option<f64>,
    /// Loss of function a neurologist needs to see to diagnose at the end of the referral
    /// delay (`None` when `diagnosis_examination_loss` is 0: not located, any loss will do).
    pub examination: Option<f64>,
}

impl EventTimes {
    /// Time of a located event.
    pub fn get(&self, e: Event) -> Option<f64> {
        match e {
            Event::Onset => self.onset,
            Event::SecondRegion => self.second_region,
            Event::ThirdRegion => self.third_region,
            Event::Gastrostomy => self.gastrostomy,
            Event::Niv => self.niv,
            Event::Death => self.death,
            Event::Recognition => self.recognition,
            Event::Examination => self.examination,
        }
    }

    fn set(&mut self, e: Event, t: Option<f64>) {
        match e {
            Event::Onset => self.onset = t,
            Event::SecondRegion => self.second_region = t,
            Event::ThirdRegion => self.third_region = t,
            Event::Gastrostomy => self.gastrostomy = t,
            Event::Niv => self.niv = t,
            Event::Death => self.death = t,
            Event::Recognition => self.recognition = t,
            Event::Examination => self.examination = t,
        }
    }
}

/// The boundary layer of excess ROS after a breakpoint: excess ROS is taken at its
/// quasi-steady level (docs/MODEL.md, section 4.3), which jumps when a breakpoint changes its
/// production, its clearance or its sources (glutamate), while the ROS of the tissue would move
/// there at its clearance rate. The composite expansion adds the jump's unrelaxed part,
/// `Δ_i·exp(−k·(t − t_0))`, with `Δ_i` the region's ROS just before the breakpoint minus its new
/// level just after, and `k` the relaxation rate at the start of the piece.
#[derive(Debug, Clone, Copy, PartialEq)]
struct RosLag {
    t0: f64,
    delta: [f64; N_REGIONS],
    rate: f64,
    /// From this time on the layer is below `exp(−LAG_SPAN)` of its jump and counts as zero.
    until: f64,
}

/// Relaxation times (`1/rate`) after which the layer counts as zero: `exp(−20)` is 2e-9 of the
/// jump, a change of the right-hand side far below the solver's tolerances (rtol 1e-4, atol
/// 1e-7) and the error of the quasi-steady state itself; from then on a piece runs as if
/// nothing had jumped.
const LAG_SPAN: f64 = 20.0;

impl RosLag {
    /// The layer at the start of a piece that begins at `t0` in state `y`, after a piece whose
    /// modulation at `t0` was `before`, with its own layer `before_lag` still unrelaxed; `after`
    /// is the new law's value at `t0`. `None` when the level did not move (then nothing changes
    /// at all).
    #[allow(
        clippy::float_cmp,
        reason = "an unmoved level is computed from the same numbers and is exactly equal"
    )]
    fn at_breakpoint(
        model: &PatientModel,
        y: &State,
        t0: f64,
        (before, before_lag): (&Modulation, [f64; N_REGIONS]),
        after: &Modulation,
    ) -> Option<RosLag> {
        let delta = Region::ALL.map(|r| {
            model.oxidative_lagged(y, r, before, before_lag[r.index()])
                - model.oxidative(y, r, after)
        });
        let rate = model.ros_relaxation_rate(after);
        (delta != [0.0; N_REGIONS]).then(|| RosLag {
            t0,
            delta,
            rate,
            until: t0 + LAG_SPAN / rate,
        })
    }

    /// Whether the layer still counts at time `t`.
    #[inline]
    fn acts(&self, t: f64) -> bool {
        t < self.until
    }

    /// The unrelaxed part at time `t`, per region (zero once it no longer counts).
    #[inline]
    fn at(&self, t: f64) -> [f64; N_REGIONS] {
        if !self.acts(t) {
            return [0.0; N_REGIONS];
        }
        let decay = (-self.rate * (t - self.t0)).exp();
        self.delta.map(|d| d * decay)
    }
}

/// One integration piece: its continuous output and its accepted step ends (the stepper's own
/// record, taken over rather than copied). The continuous output is shared with the courses
/// resumed from this one, which keep it unchanged.
struct Piece {
    start: f64,
    law: ModulationLaw,
    lag: Option<RosLag>,
    start_state: State,
    dense: Arc<ContinuousOutputModel<f64, State>>,
    steps: SolverResult<f64, State>,
}

impl Piece {
    /// The ROS boundary layer of the piece at time `t` (zero where it has none).
    fn ros_lag_at(&self, t: f64) -> [f64; N_REGIONS] {
        self.lag.map_or([0.0; N_REGIONS], |l| l.at(t))
    }

    /// Times of the accepted step ends.
    fn step_times(&self) -> &[f64] {
        self.steps.get().0
    }

    /// States at the accepted step ends.
    fn step_states(&self) -> &[State] {
        self.steps.get().1
    }
}

/// The integrated course of one patient.
pub struct Solution {
    model: PatientModel,
    pieces: Vec<Piece>,
    end_time: f64,
    events: EventTimes,
    onset_region: Option<Region>,
    stats: SolverStats,
}

/// A state at a visit with its readouts.
#[derive(Debug, Clone)]
pub struct Visit {
    /// Months since disease initiation.
    pub t: f64,
    /// The model state.
    pub state: State,
    /// Latent readouts.
    pub readout: Readout,
}

/// The right-hand side as ode_solvers sees it, with the stopping rules in `solout`.
struct Rhs<'a> {
    model: &'a PatientModel,
    law: &'a ModulationLaw,
    /// The law's value when it is constant (the usual case), to skip re-evaluation.
    constant: Option<Modulation>,
    /// The ROS boundary layer of the piece, if its start moved the ROS level.
    lag: Option<RosLag>,
    follow_up: Option<f64>,
    onset_seen: &'a Cell<Option<f64>>,
    stopped: &'a Cell<Stop>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Stop {
    No,
    Death,
    FollowUp,
    NonFinite(f64, usize),
}

impl System<f64, State> for Rhs<'_> {
    fn system(&self, t: f64, y: &State, dy: &mut State) {
        if let Some(lag) = self.lag.as_ref().filter(|l| l.acts(t)) {
            return self.system_lagged(t, y, dy, lag);
        }
        match &self.constant {
            Some(m) => self.model.rhs(t, y, dy, m),
            None => self.model.rhs(t, y, dy, &self.law.at(t)),
        }
    }

    fn solout(&mut self, t: f64, y: &State, _dy: &State) -> bool {
        if let Some(i) = y.iter().position(|v| !v.is_finite()) {
            self.stopped.set(Stop::NonFinite(t, i));
            return true;
        }
        // FVC is a weighted geometric mean of thoracic and bulbar capacity, so it is at least
        // fvc_healthy · min(C_thoracic, C_bulbar): the exact check (two `powf`) is needed only
        // when that cheap bound no longer rules death out.
        let p = self.model.params();
        let reserve = self.model.reserve();
        let bulbar = reserve.capacity(self.model.functional(y, Region::Bulbar));
        let weakest = reserve
            .capacity(self.model.functional(y, Region::Thoracic))
            .min(bulbar);
        // Ventilatory support only lowers the threshold, so the untreated one bounds it.
        let may_die = p.fvc_healthy * weakest <= p.death_fvc || bulbar <= p.airway_failure_capacity;
        if may_die && self.death_function(t, y) <= 0.0 {
            self.stopped.set(Stop::Death);
            return true;
        }
        if self.onset_seen.get().is_none() && Event::Onset.function(self.model, y) <= 0.0 {
            self.onset_seen.set(Some(t));
        }
        if let (Some(onset_bound), Some(f)) = (self.onset_seen.get(), self.follow_up)
            && t >= onset_bound + f
        {
            self.stopped.set(Stop::FollowUp);
            return true;
        }
        false
    }
}

impl Rhs<'_> {
    /// The right-hand side within the ROS boundary layer of the piece.
    fn system_lagged(&self, t: f64, y: &State, dy: &mut State, lag: &RosLag) {
        let law_now;
        let m = match &self.constant {
            Some(m) => m,
            None => {
                law_now = self.law.at(t);
                &law_now
            }
        };
        self.model.rhs_lagged(t, y, dy, m, &lag.at(t));
    }

    fn death_function(&self, t: f64, y: &State) -> f64 {
        // Event functions do not read excess ROS, so the boundary layer is left out.
        let m = match &self.constant {
            Some(m) => *m,
            None => self.law.at(t),
        };
        Event::Death.function_under(self.model, y, &m)
    }
}

/// Not part of the documented API: the benchmarks use it to time a bare integration with
/// exactly the settings of [`simulate`].
///
/// The Dopri5 stepper alssim integrates every piece with, from `start` to `end`: continuous
/// output, the tolerances and step budget of `options`, the initial step chosen by the method
/// (the largest allowed step is the whole piece), stiffness checked every 1000 steps.
#[doc(hidden)]
pub fn stepper<F: System<f64, State>>(
    f: F,
    start: f64,
    end: f64,
    y: State,
    options: &SolverOptions,
) -> Dopri5<f64, State, F> {
    Dopri5::from_param(
        f,
        start,
        end,
        end - start,
        y,
        options.rtol,
        options.atol,
        0.9,
        0.04,
        0.2,
        10.0,
        end - start,
        0.0,
        options.max_steps,
        1000,
        ode_solvers::OutputType::Continuous,
    )
}

/// Integrates one patient from disease initiation under a schedule.
pub fn simulate(
    model: &PatientModel,
    schedule: &Schedule,
    options: &SolverOptions,
) -> Result<Solution, SolveError> {
    options.check()?;
    integrate(
        model,
        schedule,
        options,
        Vec::new(),
        model.initial_state(),
        0.0,
        SolverStats::default(),
        None,
    )
}

/// What a resumed course knows of the course it resumes: the events located before the
/// resumption time `at`, in the first `pieces` pieces it keeps. They are the same in both
/// courses (the kept pieces are the same integration), so they are not searched for again.
#[derive(Clone, Copy)]
struct Known {
    pieces: usize,
    at: f64,
    events: EventTimes,
}

impl Known {
    /// The event's time if it came before `at`. `None` otherwise: the kept pieces hold no
    /// crossing of it then, so the resumed course searches its new pieces only.
    fn before(&self, e: Event) -> Option<f64> {
        self.events.get(e).filter(|&t| t < self.at)
    }
}

/// Integrates the pieces of `schedule` from time `from` and state `y`, after the pieces
/// already in `pieces` (a resumed course, with what it knows of them in `known`).
#[allow(
    clippy::too_many_arguments,
    reason = "one private function with two callers, each passing every argument"
)]
fn integrate(
    model: &PatientModel,
    schedule: &Schedule,
    options: &SolverOptions,
    mut pieces: Vec<Piece>,
    mut y: State,
    from: f64,
    mut stats: SolverStats,
    known: Option<Known>,
) -> Result<Solution, SolveError> {
    let stopped = Cell::new(Stop::No);
    // Onset before `from` is known from the course resumed.
    let onset_seen = Cell::new(known.and_then(|k| k.before(Event::Onset)));
    let mut end_time = from;
    let phases = schedule.phases();
    for (k, (start, law)) in phases.iter().enumerate() {
        let end = phases.get(k + 1).map_or(options.max_time_months, |next| {
            next.0.min(options.max_time_months)
        });
        if end <= from {
            continue;
        }
        let start = start.max(from);
        if start >= options.max_time_months {
            break;
        }
        // Excess ROS is continuous across the breakpoint: its jump of level relaxes (the
        // course's first piece starts from the healthy state, where nothing jumps).
        let lag = pieces.last().and_then(|prev| {
            let before = (&prev.law.at(start), prev.ros_lag_at(start));
            RosLag::at_breakpoint(model, &y, start, before, &law.at(start))
        });
        let rhs = Rhs {
            model,
            law,
            constant: law.is_constant().then(|| law.at(start)),
            lag,
            follow_up: options.follow_up_after_onset_months,
            onset_seen: &onset_seen,
            stopped: &stopped,
        };
        let mut stepper = stepper(rhs, start, end, y, options);
        let mut dense = ContinuousOutputModel::default();
        let s = stepper.integrate_with_continuous_output_model(&mut dense)?;
        stats.rhs_evaluations += u64::from(s.num_eval);
        stats.accepted_steps += u64::from(s.accepted_steps);
        stats.rejected_steps += u64::from(s.rejected_steps);
        stats.pieces += 1;
        let steps: SolverResult<f64, State> = stepper.into();
        let (Some(&t_last), Some(&y_last)) = (steps.get().0.last(), steps.get().1.last()) else {
            return Err(SolveError::NoStep { start, end });
        };
        pieces.push(Piece {
            start,
            law: law.clone(),
            lag,
            start_state: y,
            dense: Arc::new(dense),
            steps,
        });
        y = y_last;
        end_time = t_last;
        match stopped.get() {
            Stop::No => {}
            Stop::NonFinite(t, i) => {
                return Err(SolveError::NonFinite {
                    t,
                    state: state_name(i),
                });
            }
            Stop::Death | Stop::FollowUp => break,
        }
    }
    let mut solution = Solution {
        model: model.clone(),
        pieces,
        end_time,
        events: EventTimes::default(),
        onset_region: None,
        stats,
    };
    solution.locate_events(options.event_tolerance_months, known);
    Ok(solution)
}

/// First time an event function reaches zero over the pieces, located on the continuous
/// output inside the step where it changes sign (bracketed false position with bisection as
/// the safeguard, [`locate::first_zero`]).
///
/// The step is found by binary search over the accepted steps for the first one that ends at or
/// below zero, which is the first crossing when the function, once below zero, stays there
/// within the piece. Event functions fall while the damage drive holds (they read the
/// functional motor units; see [`crate::model::events`]); when the drive falls (a therapy, a
/// lull of disease activity) recovering units can lift one back above zero. On 600 patients
/// with `activity_cv` 0.97 and six events each, and again with a therapy cutting the drive to a
/// tenth and tripling recovery from 3-9 months after onset, every located event was the first
/// crossing: it matched a scan of its function every 0.02 months, or, twice, came before it
/// within a dip shorter than the scan's spacing (checked on a finer grid) or in the course's
/// last 0.02 months; under the therapy 10 of the 3,600 functions rose again after crossing.
/// Ventilatory support may lower the death threshold at a breakpoint, which is why each piece
/// is checked from its own start.
fn first_crossing(pieces: &[Piece], model: &PatientModel, event: Event, tol: f64) -> Option<f64> {
    for piece in pieces {
        // A constant law is evaluated once per piece, a drifting one only for an event function
        // that reads it. Event functions do not read excess ROS, so the boundary layer is left
        // out.
        let constant = piece.law.is_constant().then(|| piece.law.at(piece.start));
        let g = |t: f64, y: &State| {
            let m = if event.reads_modulation() {
                constant.unwrap_or_else(|| piece.law.at(t))
            } else {
                Modulation::NEUTRAL
            };
            event.function_under(model, y, &m)
        };
        if g(piece.start, &piece.start_state) <= 0.0 {
            return Some(piece.start);
        }
        let (times, states) = (piece.step_times(), piece.step_states());
        let (Some(&t_last), Some(last)) = (times.last(), states.last()) else {
            continue;
        };
        if g(t_last, last) > 0.0 {
            continue;
        }
        let (mut k, mut hi) = (0, times.len() - 1);
        while k < hi {
            let mid = (k + hi) / 2;
            if g(times[mid], &states[mid]) > 0.0 {
                k = mid + 1;
            } else {
                hi = mid;
            }
        }
        let t_lo = if k == 0 { piece.start } else { times[k - 1] };
        let t_hi = times[k];
        let g_hi = g(t_hi, &states[k]);
        let f = |s: f64| piece.dense.evaluate(s).map_or(g_hi, |y| g(s, &y));
        return Some(locate::first_zero(f, t_lo, t_hi, g_hi, tol));
    }
    None
}

/// Name of a state by index, for messages (`neurons_bulbar`, `nfl`).
pub fn state_name(i: usize) -> String {
    use crate::model::layout::{GLOBAL_OFFSET, REGION_VARS};
    if i < GLOBAL_OFFSET {
        let region = Region::ALL[i / REGION_VARS];
        let var = RegionVar::ALL[i % REGION_VARS];
        format!("{}_{}", var.name(), region.name())
    } else if i < DIM {
        "nfl".to_string()
    } else {
        format!("state {i}")
    }
}

impl Solution {
    /// The patient model that was integrated.
    pub fn model(&self) -> &PatientModel {
        &self.model
    }

    /// Last time covered by the solution, months since initiation.
    pub fn end_time(&self) -> f64 {
        self.end_time
    }

    /// Located event times.
    pub fn events(&self) -> &EventTimes {
        &self.events
    }

    /// Region where symptoms began, if onset happened.
    pub fn onset_region(&self) -> Option<Region> {
        self.onset_region
    }

    /// Integrator counts (a resumed course includes those of the course it resumed from).
    pub fn stats(&self) -> SolverStats {
        self.stats
    }

    /// The modulation in force at time `t` (months since initiation); breakpoints belong to the
    /// later piece. Neutral outside the integrated range.
    pub fn modulation_at(&self, t: f64) -> Modulation {
        self.pieces
            .iter()
            .rev()
            .find(|p| p.start <= t)
            .map_or(Modulation::NEUTRAL, |p| p.law.at(t))
    }

    /// The boundary layer of excess ROS at time `t`, per region: the part of the jump of its
    /// quasi-steady level at the last breakpoint not yet relaxed (docs/MODEL.md, section 4.3),
    /// to add to the level computed under [`modulation_at`](Self::modulation_at) (as
    /// [`PatientModel::oxidative_lagged`] and [`PatientModel::regional_report_lagged`] do).
    /// Zero where nothing jumped, and untreated.
    pub fn ros_lag_at(&self, t: f64) -> [f64; N_REGIONS] {
        self.pieces
            .iter()
            .rev()
            .find(|p| p.start <= t)
            .map_or([0.0; N_REGIONS], |p| p.ros_lag_at(t))
    }

    /// Start times of the integration pieces, months since initiation: 0 and every schedule
    /// breakpoint reached.
    pub fn piece_starts(&self) -> Vec<f64> {
        self.pieces.iter().map(|p| p.start).collect()
    }

    /// State at time `t` (months since initiation), from the continuous output. `None` outside
    /// the integrated range.
    pub fn state_at(&self, t: f64) -> Option<State> {
        // The last step lands on the end time up to rounding of the accumulated step sizes.
        let slack = 1e-9 * self.end_time.max(1.0);
        if !(0.0..=self.end_time + slack).contains(&t) {
            return None;
        }
        let t = t.min(self.end_time);
        // The last piece whose start is at or before t; breakpoints belong to the later piece.
        let piece = self.pieces.iter().rev().find(|p| p.start <= t)?;
        if t <= piece.start {
            return Some(piece.start_state);
        }
        piece.dense.evaluate(t)
    }

    /// States and readouts at the requested times; times after the end of the solution (after
    /// death) are skipped.
    pub fn visits(&self, times: &[f64]) -> Vec<Visit> {
        times
            .iter()
            .filter_map(|&t| {
                self.state_at(t).map(|state| Visit {
                    t,
                    readout: self.model.readout(&state),
                    state,
                })
            })
            .collect()
    }

    fn locate_events(&mut self, tol: f64, known: Option<Known>) {
        let mut events = EventTimes::default();
        let examined = self.model.params().diagnosis_examination_loss > 0.0;
        for e in Event::ALL {
            if e == Event::Examination && !examined {
                continue;
            }
            // An event of a resumed course is either known from before the resumption or
            // searched for in the new pieces only.
            let t = match known {
                Some(k) => k
                    .before(e)
                    .or_else(|| first_crossing(&self.pieces[k.pieces..], &self.model, e, tol)),
                None => first_crossing(&self.pieces, &self.model, e, tol),
            };
            events.set(e, t);
        }
        // The last step ends after the located death: nothing is reported beyond it.
        if let Some(death) = events.death {
            self.end_time = self.end_time.min(death);
        }
        // An event located in the last step, beyond death or the end of follow-up, did not
        // happen (death from airway failure can come before NIV is ever indicated).
        for e in [
            Event::Onset,
            Event::SecondRegion,
            Event::ThirdRegion,
            Event::Gastrostomy,
            Event::Niv,
            Event::Recognition,
            Event::Examination,
        ] {
            if events.get(e).is_some_and(|t| t > self.end_time) {
                events.set(e, None);
            }
        }
        if let Some(onset) = events.onset {
            // The referral ends in a diagnosis only once a deficit can be shown (the
            // examination event; always, when no loss is asked for).
            let referral = onset + self.model.covariates().diagnostic_delay_months;
            let referral = if examined {
                events
                    .examination
                    .map_or(f64::INFINITY, |e| referral.max(e))
            } else {
                referral
            };
            let dx = events
                .recognition
                .map_or(referral, |r| r.max(onset).min(referral));
            if events.death.is_none_or(|d| dx <= d) && dx <= self.end_time {
                events.diagnosis = Some(dx);
            }
            self.onset_region = self
                .state_at(onset)
                .map(|y| events::weakest_region(&self.model, &y));
        }
        self.events = events;
    }

    /// The course from time `at` on under another schedule: the integration up to `at` is
    /// kept exactly (a therapy that starts at `at` cannot change the past) and the rest is
    /// integrated afresh from the state at `at`. `None` if `at` is outside the solution.
    ///
    /// Phases of `schedule` that start before `at` are clipped to start at `at`.
    pub fn resume(
        &self,
        at: f64,
        schedule: &Schedule,
        options: &SolverOptions,
    ) -> Option<Result<Solution, SolveError>> {
        if let Err(e) = options.check() {
            return Some(Err(e));
        }
        let y = self.state_at(at)?;
        let mut pieces: Vec<Piece> = Vec::with_capacity(self.pieces.len() + 1);
        for piece in &self.pieces {
            if piece.start >= at {
                break;
            }
            // Keep the steps before `at` and close the piece with the state at `at`, so that
            // event location never looks past the resumption point in the old course.
            let keep = piece.step_times().partition_point(|&t| t < at);
            let mut steps = SolverResult::new(
                piece.step_times()[..keep].to_vec(),
                piece.step_states()[..keep].to_vec(),
            );
            if at > piece.start {
                steps.push(at, piece.dense.evaluate(at).unwrap_or(y));
            }
            pieces.push(Piece {
                start: piece.start,
                law: piece.law.clone(),
                lag: piece.lag,
                start_state: piece.start_state,
                dense: Arc::clone(&piece.dense),
                steps,
            });
        }
        let known = Known {
            pieces: pieces.len(),
            at,
            events: self.events,
        };
        Some(integrate(
            &self.model,
            schedule,
            options,
            pieces,
            y,
            at,
            self.stats,
            Some(known),
        ))
    }
}
