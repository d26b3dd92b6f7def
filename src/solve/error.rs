//! Errors of the integration layer.

/// Why an integration failed. Each variant carries the model time at which it happened and a
/// likely cause, so a failed virtual patient can be reported rather than aborting a cohort.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SolveError {
    /// The step size fell below what floating point can resolve.
    #[error(
        "step size underflow at t = {t:.4} months since initiation; likely cause: a rate parameter \
         far outside the months scale or a discontinuity in the right-hand side"
    )]
    StepSizeUnderflow {
        /// Time of failure, months since initiation.
        t: f64,
    },
    /// More steps were needed than allowed.
    #[error(
        "more than {steps} solver steps needed by t = {t:.4} months; likely cause: very fast rates \
         (above about 100/month) or too strict tolerances"
    )]
    MaxStepsReached {
        /// Time of failure, months since initiation.
        t: f64,
        /// The step limit.
        steps: u32,
    },
    /// The explicit solver detected stiffness.
    #[error(
        "the model became stiff at t = {t:.4} months; likely cause: a rate parameter much faster \
         than the rest (keep rates between weeks and years)"
    )]
    Stiffness {
        /// Time of failure, months since initiation.
        t: f64,
    },
    /// A state became NaN or infinite.
    #[error(
        "state `{state}` became non-finite at t = {t:.4} months; likely cause: an extreme parameter value"
    )]
    NonFinite {
        /// Time of failure, months since initiation.
        t: f64,
        /// Name of the first non-finite state.
        state: String,
    },
    /// The options are not usable.
    #[error("invalid solver options: {0}")]
    Options(&'static str),
    /// The modulation schedule is not usable.
    #[error("invalid modulation schedule: {0}")]
    Schedule(&'static str),
    /// The patient's model could not be built (covariates or parameters out of their rules).
    #[error("the patient's model cannot be built: {0}")]
    Model(#[from] crate::model::ModelError),
    /// A treated course was to resume from the untreated one at a time it does not cover.
    #[error("cannot resume the course at {at} months: outside the integrated range")]
    Resume {
        /// Requested resume time, months since initiation.
        at: f64,
    },
    /// An integration piece ended without taking a step.
    #[error("integration piece from {start} to {end} months took no step")]
    NoStep {
        /// Start of the piece, months since initiation.
        start: f64,
        /// Requested end of the piece, months since initiation.
        end: f64,
    },
}

impl From<ode_solvers::dop_shared::IntegrationError> for SolveError {
    fn from(e: ode_solvers::dop_shared::IntegrationError) -> Self {
        use ode_solvers::dop_shared::IntegrationError as E;
        match e {
            E::MaxNumStepReached { x, n_step } => SolveError::MaxStepsReached {
                t: x,
                steps: n_step,
            },
            E::StepSizeUnderflow { x } => SolveError::StepSizeUnderflow { t: x },
            E::StiffnessDetected { x } => SolveError::Stiffness { t: x },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Covariates, Params, PatientModel};
    use crate::solve::{Schedule, SolverOptions, simulate};

    #[test]
    fn each_cause_has_its_own_variant() {
        // A patient whose model cannot be built.
        let covariates = Covariates {
            age_years: -5.0,
            ..Covariates::default()
        };
        let built = PatientModel::new(Params::default(), covariates).map_err(SolveError::from);
        assert!(matches!(built, Err(SolveError::Model(_))), "{built:?}");
        // Options and schedules are told apart.
        let model = PatientModel::new(Params::default(), Covariates::default()).unwrap();
        let options = SolverOptions {
            rtol: 2.0,
            ..SolverOptions::default()
        };
        let r = simulate(&model, &Schedule::untreated(), &options).err();
        assert!(matches!(r, Some(SolveError::Options(_))), "{r:?}");
        let laws = vec![
            (2.0, crate::solve::ModulationLaw::neutral()),
            (1.0, crate::solve::ModulationLaw::neutral()),
        ];
        let s = Schedule::from_laws(laws).err();
        assert!(matches!(s, Some(SolveError::Schedule(_))), "{s:?}");
    }
}
