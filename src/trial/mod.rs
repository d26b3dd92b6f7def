//! Virtual clinical trials: randomised arms of distinct patients drawn from an eligible pool,
//! dropout, trial endpoints analysed as trials analyse them, and power over replicates.
//!
//! A scenario with a `[trial]` table describes the design ([`TrialDesign`]); `alssim trial`
//! runs it. The statistics live in [`crate::stats`]; this module decides who is in the trial,
//! what the trial sees of each patient, and which analysis each endpoint gets.

/// The design types, which a scenario holds (its validated `[trial]` table).
pub use crate::scenario::trial_design as design;
pub mod output;
pub mod run;

pub use design::{
    Composite, Eligibility, Endpoint, Exclusion, Extension, Factor, LeadIn, Missing, ResponderRule,
    TrialDesign,
};
pub use output::{Power, SizeResults};
pub use run::{
    Candidate, EndpointResult, Flow, TrialPatient, analyse, eligible_pool, pool_spec, randomise,
    takes_background,
};

use crate::cohort::{CohortSpec, EngineError};
use rayon::prelude::*;

/// Why a trial could not be run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrialError {
    /// Simulating the pool failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The eligible pool is smaller than a sample.
    #[error(
        "only {eligible} of {screened} screened patients are eligible, fewer than the {needed} to \
         randomise; raise `trial.pool` or widen the eligibility"
    )]
    PoolTooSmall {
        /// Screened patients.
        screened: u64,
        /// Eligible patients.
        eligible: u64,
        /// Patients needed for one replicate.
        needed: usize,
    },
    /// The worker threads could not be started.
    #[error("cannot start {0} worker threads")]
    Threads(usize),
}

/// Everything a trial run produced.
#[derive(Debug, Clone)]
pub struct TrialRun {
    /// The screening and eligibility flow of the pool.
    pub flow: Flow,
    /// Results at each sample size.
    pub sizes: Vec<SizeResults>,
    /// Power of each endpoint and comparison at each sample size.
    pub power: Vec<Power>,
    /// The tidy per-patient data of the first replicate at the first sample size.
    pub example_patients: String,
    /// What happened in each arm of that replicate.
    pub example_conduct: Vec<output::ArmConduct>,
    /// Time of the last scheduled visit, months after randomisation.
    pub last_visit_months: f64,
}

/// Runs a trial: simulates the pool (patients `0..pool` of the scenario's population, every
/// arm, and every arm again with the background therapy when the design has one), then `replicates` randomised trials at each sample size. Replicate `r` at sample size
/// `n` uses its own random stream, so results do not depend on `threads`.
pub fn run_trial(
    spec: &CohortSpec,
    design: &TrialDesign,
    sample_sizes: &[usize],
    replicates: usize,
    threads: usize,
) -> Result<TrialRun, TrialError> {
    let outcomes = crate::cohort::run(&pool_spec(spec, design), 0..design.pool_size(), threads)?;
    let (pool, flow) = eligible_pool(&outcomes, design, spec.population.seed);
    let needed = sample_sizes.iter().copied().max().unwrap_or(0);
    if (pool.len()) < needed {
        return Err(TrialError::PoolTooSmall {
            screened: flow.screened,
            eligible: flow.eligible,
            needed,
        });
    }
    let arms = design.randomised_arms();
    let last = match design.extension {
        Some(e) => e.after_months,
        None => run::last_visit_time(&pool),
    };
    let seed = spec.population.seed;
    let workers = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|_| TrialError::Threads(threads))?;
    let mut sizes = Vec::new();
    let mut example_patients = String::new();
    let mut example_conduct = Vec::new();
    let arm_names: Vec<String> = spec.arms.iter().map(|a| a.name.clone()).collect();
    for (k, &n) in sample_sizes.iter().enumerate() {
        let stream = |r: usize| ((k as u64) << 40) | r as u64;
        let results: Vec<Vec<EndpointResult>> = workers.install(|| {
            (0..replicates)
                .into_par_iter()
                .map(|r| {
                    let mut rng = run::replicate_rng(seed, stream(r));
                    let patients = randomise(&pool, design, n, &mut rng).unwrap_or_default();
                    analyse(&patients, design, arms, last)
                })
                .collect()
        });
        if k == 0 {
            let mut rng = run::replicate_rng(seed, stream(0));
            let patients = randomise(&pool, design, n, &mut rng).unwrap_or_default();
            example_patients = output::patients_csv(&patients, &arm_names);
            example_conduct = output::conduct(&patients, arms, last);
        }
        sizes.push(SizeResults {
            sample_size: n,
            replicates: results,
        });
    }
    let power = sizes
        .iter()
        .flat_map(|s| output::power(s, design, arms))
        .collect();
    Ok(TrialRun {
        flow,
        sizes,
        power,
        example_patients,
        example_conduct,
        last_visit_months: last,
    })
}
