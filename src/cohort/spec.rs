//! Validated settings the cohort engine accepts: simulation schedule, population and arms.
//! The scenario layer builds them from files; every value here has been checked.

use crate::model::{Genotype, N_REGIONS, Param, Region};
// An arm's therapies are described by the therapy layer.
pub use crate::therapy::{CycleMode, TherapySpec};

/// Time origin of the visit schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeOrigin {
    /// Months since clinical onset.
    Onset,
    /// Months since enrollment.
    Enrollment,
}

impl TimeOrigin {
    /// Name in scenario files.
    pub const fn name(self) -> &'static str {
        match self {
            TimeOrigin::Onset => "onset",
            TimeOrigin::Enrollment => "enrollment",
        }
    }
}

/// Visit schedule.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Visits {
    /// Every so many months from the origin (0 included) up to the horizon.
    Every(f64),
    /// An explicit list of months from the origin.
    At(Vec<f64>),
}

/// `[simulation]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    /// Follow-up after the visit origin, months.
    pub horizon_months: f64,
    /// Visit times.
    pub visits: Visits,
    /// Origin of visit times.
    pub visits_from: TimeOrigin,
    /// Solver relative tolerance.
    pub rtol: f64,
    /// Solver absolute tolerance.
    pub atol: f64,
    /// Largest number of solver steps per integration piece; a patient needing more is
    /// reported as failed.
    pub max_steps: u32,
    /// Half-width of the window around each scheduled visit after the baseline, months: a
    /// visit takes place up to this much before or after its scheduled time (0: on the day).
    /// Set by a trial's `visit-window-days`.
    pub visit_window_months: f64,
    /// Visits scheduled at or before this time (months from the origin) are on the day: the
    /// baseline and a trial's lead-in. Set by a trial.
    pub visit_window_after_months: f64,
    /// Write `summary.csv`.
    pub summary: bool,
    /// Write `patients.csv`.
    pub patients: bool,
    /// Keep per-visit trajectories of every patient.
    pub keep_trajectories: bool,
    /// Largest fraction of patients who may fail to be simulated before the run counts as
    /// failed (exit status 1).
    pub max_failed_fraction: f64,
}

/// Default of `simulation.max-failed-fraction`: 1% of the patients.
pub const DEFAULT_MAX_FAILED_FRACTION: f64 = 0.01;

impl Default for Simulation {
    fn default() -> Self {
        Simulation {
            horizon_months: 60.0,
            visits: Visits::Every(3.0),
            visits_from: TimeOrigin::Enrollment,
            rtol: 1e-4,
            atol: 1e-7,
            max_steps: 100_000,
            visit_window_months: 0.0,
            visit_window_after_months: 0.0,
            summary: true,
            patients: true,
            keep_trajectories: false,
            max_failed_fraction: DEFAULT_MAX_FAILED_FRACTION,
        }
    }
}

impl Simulation {
    /// Visit times relative to the origin, in increasing order.
    pub fn visit_times(&self) -> Vec<f64> {
        match &self.visits {
            Visits::Every(dt) => {
                let n = (self.horizon_months / dt + 1e-9).floor() as usize;
                (0..=n).map(|k| k as f64 * dt).collect()
            }
            Visits::At(list) => list.clone(),
        }
    }
}

/// A normal distribution truncated to `[min, max]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TruncatedNormal {
    /// Mean before truncation.
    pub mean: f64,
    /// Standard deviation before truncation.
    pub sd: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

/// A log-normal distribution given by its median and coefficient of variation, capped at `max`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogNormal {
    /// Median.
    pub median: f64,
    /// Coefficient of variation (SD / mean).
    pub cv: f64,
    /// Largest value.
    pub max: f64,
}

/// Covariate distributions of the population.
#[derive(Debug, Clone, PartialEq)]
pub struct CovariateDistributions {
    /// Age at onset, years.
    pub age: TruncatedNormal,
    /// Probability that a patient is female.
    pub female_fraction: f64,
    /// Onset-region probabilities in [`Region::ALL`] order.
    pub onset_region: [f64; N_REGIONS],
    /// Genotype probabilities in [`Genotype::ALL`] order.
    pub genotype: [f64; 6],
    /// Months from onset to diagnosis along the referral path: diagnosis comes at its end, or
    /// earlier when the disease is recognised by its loss of function (docs/MODEL.md, section
    /// 6.1), so realised delays are shorter than drawn ones.
    pub diagnostic_delay: LogNormal,
}

impl Default for CovariateDistributions {
    /// An unselected European-ancestry population:
    /// age at onset mean 62 (Chiò 2013 Neuroepidemiology 41:118);
    /// women 2.4 of 5.4 incident cases per 100,000 (Logroscino 2010 JNNP 81:385);
    /// onset bulbar 28%, trunk 4%, limbs split evenly (US National ALS Registry; Irish and
    /// Italian registers); genotypes from 10% familial with C9orf72 40% (7% of sporadic), SOD1
    /// 12% (2%), TARDBP 4% (1%), FUS 4% (1%) (Zou 2017 JNNP 88:540), a tenth of SOD1 being
    /// A4V; onset ages of sporadic disease (carriers start younger, by the multistep model);
    /// referral delay median 15 months, which with earlier recognition (most patients are
    /// diagnosed when 4 points are lost) gives a realised median diagnostic delay of about
    /// 10.7 months (published 11.5; Paganoni 2014 ALS-FTD 15:453).
    fn default() -> Self {
        CovariateDistributions {
            age: TruncatedNormal {
                mean: 62.0,
                sd: 11.0,
                min: 25.0,
                max: 90.0,
            },
            female_fraction: 0.44,
            onset_region: [0.28, 0.34, 0.04, 0.34],
            genotype: [0.841, 0.103, 0.027, 0.003, 0.013, 0.013],
            diagnostic_delay: LogNormal {
                median: 15.0,
                cv: 0.6,
                max: 120.0,
            },
        }
    }
}

/// Log-normal inter-individual variability of one model parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Variability {
    /// The parameter.
    pub param: Param,
    /// Coefficient of variation.
    pub cv: f64,
}

/// Correlation between the log-scale variability of two parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    /// First parameter.
    pub a: Param,
    /// Second parameter.
    pub b: Param,
    /// Correlation coefficient in (-1, 1).
    pub rho: f64,
}

/// The clinical milestone enrollment is anchored to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Anchor {
    /// Clinical onset.
    Onset,
    /// Diagnosis.
    Diagnosis,
}

impl Anchor {
    /// Name in scenario files.
    pub const fn name(self) -> &'static str {
        match self {
            Anchor::Onset => "onset",
            Anchor::Diagnosis => "diagnosis",
        }
    }
}

/// When a patient enters the study: a number of months after a milestone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Enrollment {
    /// The milestone.
    pub at: Anchor,
    /// Months after the milestone.
    pub after_months: f64,
}

impl Default for Enrollment {
    /// At diagnosis.
    fn default() -> Self {
        Enrollment {
            at: Anchor::Diagnosis,
            after_months: 0.0,
        }
    }
}

/// Inclusion criteria checked at enrollment (screening).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inclusion {
    /// Largest accepted months since onset at enrollment.
    pub max_months_since_onset: Option<f64>,
    /// Smallest accepted ALSFRS-R total at enrollment.
    pub min_alsfrs_r: Option<f64>,
    /// Smallest accepted FVC (% predicted) at enrollment.
    pub min_fvc: Option<f64>,
    /// Accepted genotypes (all when `None`).
    pub genotypes: Option<Vec<Genotype>>,
}

/// `[population]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Population {
    /// Number of virtual patients screened.
    pub size: u64,
    /// Master seed of every random stream.
    pub seed: u64,
    /// Covariate distributions.
    pub covariates: CovariateDistributions,
    /// Inter-individual variability.
    pub variability: Vec<Variability>,
    /// Correlations of variability.
    pub correlations: Vec<Correlation>,
    /// Inclusion criteria.
    pub inclusion: Inclusion,
    /// When patients are enrolled.
    pub enrollment: Enrollment,
}

/// Default inter-individual variability: log-normal CVs on the rates that set the speed of
/// the disease, on the weights of the damage mechanisms (so patients differ in which mechanism
/// drives their disease), on the loss at which the disease is recognised, and on how strongly
/// a patient perceives a ventilatory deficit. The CVs of `neuronal_vulnerability` (the shared
/// part) and `breathlessness_sensitivity` were set with the other defaults by a search against
/// the natural-history targets (docs/CALIBRATION.md, section 0); the others are set by hand.
pub const DEFAULT_VARIABILITY: [(Param, f64); 11] = [
    (Param::AggGrowthRate, 0.2),
    (Param::SpreadContiguous, 0.6),
    (Param::NeuronalVulnerability, 1.475),
    (Param::HazardSoluble, 0.6),
    (Param::HazardLof, 0.6),
    (Param::HazardOxidative, 0.6),
    (Param::HazardExcitotoxic, 0.6),
    (Param::HazardAstrocyte, 0.6),
    (Param::DysfunctionRecoveryRate, 0.3),
    (Param::DiagnosisRecognitionLoss, 0.5),
    (Param::BreathlessnessSensitivity, 1.172),
];

impl Default for Population {
    fn default() -> Self {
        Population {
            size: 1000,
            seed: 1,
            covariates: CovariateDistributions::default(),
            variability: DEFAULT_VARIABILITY
                .iter()
                .map(|&(param, cv)| Variability { param, cv })
                .collect(),
            correlations: Vec::new(),
            inclusion: Inclusion::default(),
            enrollment: Enrollment::default(),
        }
    }
}

/// `[[arm]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Arm {
    /// Arm name (unique).
    pub name: String,
    /// Therapies, in file order.
    pub therapies: Vec<TherapySpec>,
    /// Interaction factor of drugs acting on the same target (1 = Bliss independence).
    pub interaction: f64,
    /// Interaction factors set for single pairs of the arm's therapies on one target.
    pub interactions: Vec<PairInteraction>,
}

/// `[[arm]] interactions`: an interaction factor for one pair of the arm's therapies on one
/// target (docs/THERAPIES.md, section 4).
#[derive(Debug, Clone, PartialEq)]
pub struct PairInteraction {
    /// The two therapies, by position in the arm's `therapies`.
    pub therapies: (usize, usize),
    /// The target both act on.
    pub target: crate::therapy::Target,
    /// 1 = independence, above 1 synergy, below 1 antagonism.
    pub factor: f64,
}

/// Names accepted for onset regions, in [`Region::ALL`] order.
pub const REGION_KEYS: [&str; N_REGIONS] = [
    Region::ALL[0].name(),
    Region::ALL[1].name(),
    Region::ALL[2].name(),
    Region::ALL[3].name(),
];

/// Names accepted for genotypes, in [`Genotype::ALL`] order.
pub fn genotype_keys() -> [&'static str; 6] {
    Genotype::ALL.map(|g| g.name())
}

/// The regions, for iteration alongside [`REGION_KEYS`].
pub const REGIONS: [Region; N_REGIONS] = Region::ALL;
