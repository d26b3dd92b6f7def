//! Errors of the integration layer.

/// Why an integration failed. Each variant carries the model time at which it happened and a
/// likely cause, so a failed virtual patient can be reported rather than aborting a cohort.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
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
    Options(String),
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
