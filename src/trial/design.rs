//! A trial design: who is eligible, how many are randomised to which arm, who drops out, and
//! which endpoints are analysed. The arms, the visit schedule and the follow-up come from the
//! scenario's `[[arm]]` and `[simulation]` tables; this is the scenario's `[trial]` table.

/// An endpoint of a trial, analysed in every replicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    /// ALSFRS-R change from baseline to the last scheduled visit, ANCOVA on baseline
    /// (patients observed at that visit).
    AlsfrsChange,
    /// ALSFRS-R slope: linear mixed model with random intercept and slope, the arm-by-time
    /// effect (points/month).
    AlsfrsSlope,
    /// Joint rank test of survival and function (Finkelstein-Schoenfeld), with CAFS.
    JointRank,
    /// Time to death or permanent ventilation: log-rank test and Cox hazard ratio.
    Survival,
    /// Serum NfL at the last observed visit relative to baseline: geometric mean ratio
    /// between arms.
    NflRatio,
}

impl Endpoint {
    /// Every endpoint, in the order of reports.
    pub const ALL: [Endpoint; 5] = [
        Endpoint::AlsfrsChange,
        Endpoint::AlsfrsSlope,
        Endpoint::JointRank,
        Endpoint::Survival,
        Endpoint::NflRatio,
    ];

    /// Name in scenario files and tables.
    pub const fn name(self) -> &'static str {
        match self {
            Endpoint::AlsfrsChange => "alsfrs-change",
            Endpoint::AlsfrsSlope => "alsfrs-slope",
            Endpoint::JointRank => "joint-rank",
            Endpoint::Survival => "survival",
            Endpoint::NflRatio => "nfl-ratio",
        }
    }

    /// What the estimate of the endpoint is, with its unit.
    pub const fn estimate(self) -> &'static str {
        match self {
            Endpoint::AlsfrsChange => {
                "difference in ALSFRS-R change from baseline, arm minus control, adjusted for baseline (points)"
            }
            Endpoint::AlsfrsSlope => {
                "difference in ALSFRS-R slope, arm minus control (points/month)"
            }
            Endpoint::JointRank => {
                "Finkelstein-Schoenfeld z statistic (positive: the arm does better)"
            }
            Endpoint::Survival => {
                "hazard ratio of death or permanent ventilation, arm against control"
            }
            Endpoint::NflRatio => {
                "ratio of geometric mean NfL ratios (last visit / baseline), arm over control"
            }
        }
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Trial eligibility beyond the population's screening (`[population.inclusion]`), checked on
/// the rated baseline visit of each enrolled patient.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Eligibility {
    /// Accepted pre-baseline progression rate ΔFS = (48 − ALSFRS-R) / months since onset,
    /// points/month, inclusive.
    pub delta_fs: Option<(f64, f64)>,
    /// Lowest accepted score of every ALSFRS-R item.
    pub min_item: Option<u8>,
    /// Accepted age at onset, years, inclusive.
    pub age: Option<(f64, f64)>,
    /// Longest accepted time from diagnosis to baseline, months.
    pub max_months_since_diagnosis: Option<f64>,
    /// Accepted serum NfL at baseline, pg/mL, inclusive.
    pub nfl: Option<(f64, f64)>,
}

/// A trial criterion a patient of the pool can fail, in the order they are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exclusion {
    /// ΔFS outside its window.
    DeltaFs,
    /// An ALSFRS-R item below the minimum.
    MinItem,
    /// Age outside its window.
    Age,
    /// Too long since diagnosis.
    MonthsSinceDiagnosis,
    /// NfL outside its window.
    Nfl,
}

impl Exclusion {
    /// Every criterion, in checking order.
    pub const ALL: [Exclusion; 5] = [
        Exclusion::DeltaFs,
        Exclusion::MinItem,
        Exclusion::Age,
        Exclusion::MonthsSinceDiagnosis,
        Exclusion::Nfl,
    ];

    /// Name in tables (the scenario key).
    pub const fn name(self) -> &'static str {
        match self {
            Exclusion::DeltaFs => "delta-fs",
            Exclusion::MinItem => "min-item",
            Exclusion::Age => "age",
            Exclusion::MonthsSinceDiagnosis => "max-months-since-diagnosis",
            Exclusion::Nfl => "nfl",
        }
    }
}

/// The scenario's `[trial]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialDesign {
    /// Patients randomised in each replicate, all arms together.
    pub sample_size: usize,
    /// Allocation ratio, one positive integer per arm in arm order (the first arm is the
    /// control every other arm is compared with).
    pub allocation: Vec<u32>,
    /// Two-sided significance level.
    pub alpha: f64,
    /// Endpoints analysed, the primary first.
    pub endpoints: Vec<Endpoint>,
    /// Dropout probability over a year for a patient of average progression.
    pub dropout_per_year: f64,
    /// How much faster-progressing patients drop out: the dropout hazard is multiplied by
    /// `(ΔFS / median ΔFS of the pool)^informative_dropout`.
    pub informative_dropout: f64,
    /// Eligibility beyond the population's screening.
    pub eligibility: Eligibility,
    /// Screened patients simulated for the pool each replicate samples from (in files, 20
    /// times the sample size by default).
    pub pool: u64,
    /// Where the design comes from (a citation); copied into the outputs.
    pub source: String,
}

impl TrialDesign {
    /// The primary endpoint.
    pub fn primary(&self) -> Endpoint {
        self.endpoints[0]
    }

    /// Patients per arm for `sample_size` patients: the allocation ratio, rounded down, with
    /// the remainder given to the arms in order.
    pub fn arm_sizes(&self, sample_size: usize) -> Vec<usize> {
        let total: u64 = self.allocation.iter().map(|&a| u64::from(a)).sum();
        let mut sizes: Vec<usize> = self
            .allocation
            .iter()
            .map(|&a| (sample_size as u64 * u64::from(a) / total.max(1)) as usize)
            .collect();
        let mut rest = sample_size - sizes.iter().sum::<usize>();
        let n = sizes.len();
        let mut i = 0;
        while rest > 0 && n > 0 {
            sizes[i % n] += 1;
            rest -= 1;
            i += 1;
        }
        sizes
    }

    /// Screened patients to simulate for the pool.
    pub fn pool_size(&self) -> u64 {
        self.pool
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn design(allocation: Vec<u32>) -> TrialDesign {
        TrialDesign {
            sample_size: 10,
            allocation,
            alpha: 0.05,
            endpoints: vec![Endpoint::AlsfrsChange],
            dropout_per_year: 0.0,
            informative_dropout: 0.0,
            eligibility: Eligibility::default(),
            pool: 200,
            source: String::new(),
        }
    }

    #[test]
    fn arm_sizes_follow_the_allocation_and_add_up() {
        assert_eq!(design(vec![1, 1]).arm_sizes(10), vec![5, 5]);
        assert_eq!(design(vec![1, 2]).arm_sizes(10), vec![4, 6]);
        assert_eq!(design(vec![1, 1, 1]).arm_sizes(10), vec![4, 3, 3]);
        assert_eq!(design(vec![3, 1]).arm_sizes(250), vec![188, 62]);
        for n in 0..50 {
            assert_eq!(design(vec![2, 1, 1]).arm_sizes(n).iter().sum::<usize>(), n);
        }
    }
}
