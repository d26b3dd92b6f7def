//! Resource bounds: every quantity that multiplies the work or the memory of a run has a
//! limit, checked when a scenario is read (so `alssim check` reports it before `run`).
//! `docs/SCENARIOS.md` lists them with their reasons.

use super::types::Scenario;
use crate::cohort::spec::{Simulation, Visits};
use crate::therapy::plan::DAYS_PER_MONTH;
use crate::therapy::{CycleMode, Drug, Regimen, TherapySpec};

/// Largest number of visits per patient and arm.
pub const MAX_VISITS: u64 = 2_500;
/// Largest number of arms × visits: every patient's observed course in every arm is held for
/// a chunk of patients, and `summary.csv` has 7 rows per arm and visit.
pub const MAX_ARM_VISITS: u64 = 2_500;
/// Largest number of rated visits in a whole run (patients × arms × visits): the work.
pub const MAX_RUN_VISITS: u64 = 10_000_000_000;
/// Largest number of exposure breakpoints (segments of the effect timeline) of one therapy
/// over the follow-up: resolved cycles, separate doses and drug holidays each add some, and
/// every patient's integration stops at each one.
pub const MAX_BREAKPOINTS: u64 = 100_000;
/// Longest scenario, arm or drug name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// Visits per patient and arm, counted without listing them.
pub fn visit_count(s: &Simulation) -> u64 {
    match &s.visits {
        Visits::Every(dt) => {
            let n = (s.horizon_months / dt + 1e-9).floor();
            if n.is_finite() && n < 1e18 {
                n as u64 + 1
            } else {
                u64::MAX
            }
        }
        Visits::At(list) => list.len() as u64,
    }
}

/// An upper estimate of the breakpoints of one therapy up to `until` months after its start,
/// computed without building its timeline (which a bad value could make huge).
pub fn breakpoint_estimate(drug: &Drug, t: &TherapySpec, until: f64) -> f64 {
    let stop = t.stop_months.map(|s| s - t.start_months);
    let end = stop.unwrap_or(f64::INFINITY).min(until.max(0.0)).max(0.0);
    let end_days = end * DAYS_PER_MONTH;
    let base = match &drug.regimen {
        Regimen::Continuous | Regimen::Permanent => 2.0,
        Regimen::Cyclic { cycle_days, .. } => match t.cycles {
            CycleMode::Averaged => 3.0,
            CycleMode::Resolved => 4.0 + 2.0 * (end_days / cycle_days).ceil(),
        },
        Regimen::Doses {
            loading_days,
            interval_days,
            ..
        } => {
            loading_days.len() as f64
                + interval_days.map_or(0.0, |iv| (end_days / iv).ceil())
                + 10.0
        }
    };
    match t.holidays {
        Some((on, off)) => base + 2.0 * ((end / (on + off)).ceil() + 1.0),
        None => base,
    }
}

/// Problems of a resolved scenario with the bounds that depend on more than one key (the
/// population size times the visits, say), each with its message. The scenario reader reports
/// these too; commands that change a scenario after reading it (`--patients`) call this.
pub fn check(s: &Scenario) -> Vec<BoundError> {
    let mut out = Vec::new();
    let visits = visit_count(&s.simulation);
    let arms = s.arms.len() as u64;
    if visits > MAX_VISITS {
        out.push(BoundError::Visits { visits });
    }
    let arm_visits = arms.saturating_mul(visits);
    if visits <= MAX_VISITS && arm_visits > MAX_ARM_VISITS {
        out.push(BoundError::ArmVisits { arms, visits });
    }
    let patients = s.population.size;
    if patients.saturating_mul(arm_visits) > MAX_RUN_VISITS {
        out.push(BoundError::RunVisits {
            patients,
            arms,
            visits,
        });
    }
    out
}

/// A resource bound a scenario exceeds; the message says the limit and why it exists.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BoundError {
    /// More than [`MAX_VISITS`] visits per patient and arm.
    #[error("{}", visits_message(*visits))]
    Visits {
        /// Visits per patient and arm.
        visits: u64,
    },
    /// More than [`MAX_ARM_VISITS`] arms × visits.
    #[error("{}", arm_visits_message(*arms, *visits))]
    ArmVisits {
        /// Arms.
        arms: u64,
        /// Visits per patient and arm.
        visits: u64,
    },
    /// More than [`MAX_RUN_VISITS`] rated visits in the run.
    #[error("{}", run_visits_message(*patients, *arms, *visits))]
    RunVisits {
        /// Patients screened.
        patients: u64,
        /// Arms.
        arms: u64,
        /// Visits per patient and arm.
        visits: u64,
    },
}

pub(crate) fn visits_message(visits: u64) -> String {
    format!(
        "{} visits per patient is more than the limit of {MAX_VISITS} (each visit is solved, \
         held and summarised for every patient)",
        count(visits)
    )
}

pub(crate) fn arm_visits_message(arms: u64, visits: u64) -> String {
    format!(
        "{arms} arms × {visits} visits = {} is more than the limit of {MAX_ARM_VISITS} \
         (every patient's course in every arm is held in memory for a chunk of patients, and \
         summary.csv has 7 rows per arm and visit)",
        count(arms.saturating_mul(visits))
    )
}

pub(crate) fn run_visits_message(patients: u64, arms: u64, visits: u64) -> String {
    format!(
        "{patients} patients × {arms} arms × {visits} visits = {} rated visits is more than the \
         limit of 10^10 for one run (the work of a run grows with it: use fewer patients, arms or visits)",
        count(patients.saturating_mul(arms).saturating_mul(visits))
    )
}

fn count(n: u64) -> String {
    if n == u64::MAX {
        "more than 10^19".into()
    } else {
        n.to_string()
    }
}

/// Largest pool of screened patients a trial may simulate.
pub const MAX_TRIAL_POOL: u64 = 10_000_000;
