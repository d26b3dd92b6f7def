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
    /// Disease-rate ratio: the arm's ALSFRS-R slope over the control's, from the slope model
    /// (below 1: slower progression).
    SlopeRatio,
    /// Responder share by the design's `[trial.responder]` rule: difference of proportions
    /// with Fisher's exact test.
    Responder,
    /// Time to the first of death or permanent ventilation and the events of the design's
    /// `[trial.composite]` table: log-rank test and Cox hazard ratio.
    Composite,
    /// Kaplan-Meier survival free of death or permanent ventilation at `survival-month`:
    /// difference between arms with Greenwood standard errors.
    SurvivalAt,
    /// Reversal: ALSFRS-R at least 4 points above baseline, sustained for at least 6 months
    /// (the international definition): difference of proportions with Fisher's exact test.
    Reversal,
    /// The delayed-start comparison of an open-label extension: ALSFRS-R change from
    /// baseline to the last extension visit, early start against delayed start, ANCOVA on
    /// baseline.
    DelayedStart,
}

impl Endpoint {
    /// Every endpoint, in the order of reports.
    pub const ALL: [Endpoint; 11] = [
        Endpoint::AlsfrsChange,
        Endpoint::AlsfrsSlope,
        Endpoint::JointRank,
        Endpoint::Survival,
        Endpoint::NflRatio,
        Endpoint::SlopeRatio,
        Endpoint::Responder,
        Endpoint::Composite,
        Endpoint::SurvivalAt,
        Endpoint::Reversal,
        Endpoint::DelayedStart,
    ];

    /// Name in scenario files and tables.
    pub const fn name(self) -> &'static str {
        match self {
            Endpoint::AlsfrsChange => "alsfrs-change",
            Endpoint::AlsfrsSlope => "alsfrs-slope",
            Endpoint::JointRank => "joint-rank",
            Endpoint::Survival => "survival",
            Endpoint::NflRatio => "nfl-ratio",
            Endpoint::SlopeRatio => "slope-ratio",
            Endpoint::Responder => "responder",
            Endpoint::Composite => "composite",
            Endpoint::SurvivalAt => "survival-at",
            Endpoint::Reversal => "reversal",
            Endpoint::DelayedStart => "delayed-start",
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
            Endpoint::SlopeRatio => {
                "disease-rate ratio: ALSFRS-R slope of the arm over that of the control (below 1: slower)"
            }
            Endpoint::Responder => "difference in responder share, arm minus control",
            Endpoint::Composite => {
                "hazard ratio of the composite event (death, permanent ventilation and the design's events), arm against control"
            }
            Endpoint::SurvivalAt => {
                "difference in Kaplan-Meier survival free of death or permanent ventilation at the landmark, arm minus control"
            }
            Endpoint::Reversal => {
                "difference in the share of patients with a reversal (ALSFRS-R ≥ baseline + 4 for ≥ 6 months), arm minus control"
            }
            Endpoint::DelayedStart => {
                "difference in ALSFRS-R change from baseline to the end of the open-label extension, early start minus delayed start, adjusted for baseline (points)"
            }
        }
    }
}

impl Endpoint {
    /// The estimate's value under no effect: 1 for a hazard ratio or a ratio, 0 for a
    /// difference or a z statistic.
    pub const fn no_effect(self) -> f64 {
        match self {
            Endpoint::Survival
            | Endpoint::Composite
            | Endpoint::NflRatio
            | Endpoint::SlopeRatio => 1.0,
            _ => 0.0,
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
    /// Accepted King's stage at screening, inclusive (1-3 regions involved; 4: gastrostomy or
    /// non-invasive ventilation indicated).
    pub kings_stage: Option<(u8, u8)>,
    /// Accepted diagnostic categories of the revised El Escorial criteria at screening
    /// ([`crate::model::staging::el_escorial`]).
    pub el_escorial: Option<Vec<crate::model::staging::ElEscorial>>,
}

/// A trial criterion a patient of the pool can fail, in the order they are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
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
    /// King's stage outside its window.
    KingsStage,
    /// El Escorial category not among the accepted ones.
    ElEscorial,
    /// Died during the lead-in, or its ALSFRS-R fall outside the accepted window.
    LeadIn,
}

impl Exclusion {
    /// Every criterion, in checking order.
    pub const ALL: [Exclusion; 8] = [
        Exclusion::DeltaFs,
        Exclusion::MinItem,
        Exclusion::Age,
        Exclusion::MonthsSinceDiagnosis,
        Exclusion::Nfl,
        Exclusion::KingsStage,
        Exclusion::ElEscorial,
        Exclusion::LeadIn,
    ];

    /// Name in tables (the scenario key).
    pub const fn name(self) -> &'static str {
        match self {
            Exclusion::DeltaFs => "delta-fs",
            Exclusion::MinItem => "min-item",
            Exclusion::Age => "age",
            Exclusion::MonthsSinceDiagnosis => "max-months-since-diagnosis",
            Exclusion::Nfl => "nfl",
            Exclusion::KingsStage => "kings-stage",
            Exclusion::ElEscorial => "el-escorial",
            Exclusion::LeadIn => "lead-in",
        }
    }
}

/// A lead-in: patients are screened at enrollment, observed untreated for a period, and
/// randomised at its end (the trial's baseline), if they are alive and, with a decline window,
/// their ALSFRS-R fell by an accepted amount.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeadIn {
    /// Length of the lead-in, months: the visit at this time is the randomisation baseline.
    pub months: f64,
    /// Accepted ALSFRS-R fall over the lead-in, points, inclusive.
    pub decline: Option<(f64, f64)>,
}

/// An open-label extension: after the randomised period everyone receives the active drug.
/// The control patients then follow the `arm` course (the control's therapies until the switch,
/// then the drug): a delayed start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extension {
    /// End of the randomised period, months after randomisation.
    pub after_months: f64,
    /// The scenario arm the control patients continue in (the last arm; not randomised).
    pub arm: usize,
}

/// Who counts as a responder.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum ResponderRule {
    /// ALSFRS-R fell by at most this many points from baseline to the last scheduled visit
    /// (patients not seen then are non-responders).
    MaxDecline(f64),
    /// The treatment-period ALSFRS-R slope is at least this many points/month better (less
    /// negative) than the lead-in slope (needs a lead-in).
    SlopeImprovement(f64),
    /// The treatment-period slope is at least this percentage better than the lead-in slope:
    /// slope ≥ lead-in slope × (1 − percent/100) (needs a lead-in).
    SlopeImprovementPercent(f64),
}

/// The events of the composite endpoint besides death or permanent ventilation.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Composite {
    /// An ALSFRS-R fall from baseline of at least this many points, at a visit.
    pub alsfrs_fall: Option<f64>,
    /// Gastrostomy indicated.
    pub gastrostomy: bool,
    /// Non-invasive ventilation indicated.
    pub niv: bool,
}

/// How the ALSFRS-R change endpoint treats patients not seen at the last scheduled visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Missing {
    /// Patients seen at the last visit only.
    #[default]
    ObservedCases,
    /// The last observation (after baseline) carried forward, deaths included.
    Locf,
}

impl Missing {
    /// Name in scenario files.
    pub const fn name(self) -> &'static str {
        match self {
            Missing::ObservedCases => "observed-cases",
            Missing::Locf => "locf",
        }
    }
}

impl ResponderRule {
    /// The key of `[trial.responder]` that gives the rule, and its threshold.
    pub const fn key(self) -> (&'static str, f64) {
        match self {
            ResponderRule::MaxDecline(x) => ("max-decline", x),
            ResponderRule::SlopeImprovement(x) => ("slope-improvement", x),
            ResponderRule::SlopeImprovementPercent(x) => ("slope-improvement-percent", x),
        }
    }
}

/// A stratification factor of the randomisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Factor {
    /// Bulbar against spinal onset.
    SiteOfOnset,
    /// Sex.
    Sex,
    /// Pre-baseline progression rate ΔFS at or above the eligible pool's median, or below.
    Progression,
    /// Genotype.
    Genotype,
    /// Whether the patient takes the trial's background therapy (`[trial.background]`).
    Background,
}

impl Factor {
    /// Every factor.
    pub const ALL: [Factor; 5] = [
        Factor::SiteOfOnset,
        Factor::Sex,
        Factor::Progression,
        Factor::Genotype,
        Factor::Background,
    ];

    /// Name in scenario files.
    pub const fn name(self) -> &'static str {
        match self {
            Factor::SiteOfOnset => "site-of-onset",
            Factor::Sex => "sex",
            Factor::Progression => "progression",
            Factor::Genotype => "genotype",
            Factor::Background => "background-therapy",
        }
    }
}

/// A background therapy that only a share of the trial's patients take (for example riluzole
/// in a trial that allows it): in every arm, from screening on.
#[derive(Debug, Clone, PartialEq)]
pub struct Background {
    /// The therapies taken, as in an arm.
    pub therapies: Vec<crate::therapy::TherapySpec>,
    /// Share of the screened patients who take them, 0-1. Whether a patient does is drawn
    /// once per patient, from a stream of its own, so it is the same in every arm and every
    /// replicate.
    pub share: f64,
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
    /// The lead-in before randomisation, if any.
    pub lead_in: Option<LeadIn>,
    /// Stratification factors: randomisation by permuted blocks within each stratum.
    pub stratify: Vec<Factor>,
    /// Block size of stratified randomisation (a multiple of the allocation ratios' sum).
    pub block_size: usize,
    /// The responder rule, for the `responder` endpoint.
    pub responder: Option<ResponderRule>,
    /// The composite endpoint's events.
    pub composite: Composite,
    /// Landmark of the `survival-at` endpoint, months after randomisation (`None`: the last
    /// scheduled visit).
    pub survival_month: Option<f64>,
    /// Missing data in the ALSFRS-R change endpoint.
    pub missing: Missing,
    /// The open-label extension, if any.
    pub extension: Option<Extension>,
    /// A background therapy taken by a share of the patients, if any.
    pub background: Option<Background>,
    /// Half-width of the window around each scheduled visit after screening, days: each visit
    /// takes place at a uniformly drawn time within it (0: on the scheduled day).
    pub visit_window_days: f64,
}

/// Days per month (a mean Gregorian month), for visit windows given in days.
pub const DAYS_PER_MONTH: f64 = 30.4375;

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

    /// The conduct of the design beyond sample size and endpoints, one sentence per feature
    /// used (lead-in, stratification, extension, missing data, definitions), for reports.
    pub fn describe(&self, arm_names: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(l) = self.lead_in {
            let mut line = format!(
                "lead-in: {:.2} months of observation before randomisation",
                l.months
            );
            if let Some((lo, hi)) = l.decline {
                line.push_str(&format!(
                    "; randomised if ALSFRS-R fell {lo} to {hi} points"
                ));
            }
            out.push(line);
        }
        if let Some(b) = &self.background {
            let drugs: Vec<&str> = b.therapies.iter().map(|t| t.drug.as_str()).collect();
            out.push(format!(
                "background therapy: {} in {:.0}% of the patients, in every arm from screening",
                drugs.join(" + "),
                100.0 * b.share
            ));
        }
        if self.visit_window_days > 0.0 {
            out.push(format!(
                "visits within ±{} days of their scheduled time; slopes use the actual times",
                self.visit_window_days
            ));
        }
        if !self.stratify.is_empty() {
            let names: Vec<&str> = self.stratify.iter().map(|f| f.name()).collect();
            out.push(format!(
                "randomisation stratified by {} (permuted blocks of {}); survival tests stratified alike",
                names.join(", "),
                self.block_size
            ));
        }
        if let Some(e) = self.extension {
            out.push(format!(
                "open-label extension after month {:.2} of the randomised period: the control patients continue as `{}` (delayed start)",
                e.after_months,
                arm_names.get(e.arm).map_or("?", String::as_str)
            ));
        }
        if self.missing == Missing::Locf && self.endpoints.contains(&Endpoint::AlsfrsChange) {
            out.push(
                "ALSFRS-R change: the last observation after baseline carried forward for patients not seen at the last visit".into(),
            );
        }
        if let (Some(r), true) = (
            self.responder,
            self.endpoints.contains(&Endpoint::Responder),
        ) {
            let (key, x) = r.key();
            out.push(format!("responder: {key} {x}"));
        }
        let c = &self.composite;
        if self.endpoints.contains(&Endpoint::Composite) {
            let mut parts = vec!["death or permanent ventilation".to_string()];
            if let Some(f) = c.alsfrs_fall {
                parts.push(format!("an ALSFRS-R fall of {f} points"));
            }
            if c.gastrostomy {
                parts.push("gastrostomy".into());
            }
            if c.niv {
                parts.push("non-invasive ventilation".into());
            }
            out.push(format!("composite: the first of {}", parts.join(", ")));
        }
        if let (Some(m), true) = (
            self.survival_month,
            self.endpoints.contains(&Endpoint::SurvivalAt),
        ) {
            out.push(format!("survival-at: landmark month {m}"));
        }
        out
    }

    /// Arms patients are randomised to (the allocation's): all the scenario's arms but an
    /// extension's delayed-start arm.
    pub fn randomised_arms(&self) -> usize {
        self.allocation.len()
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
            lead_in: None,
            stratify: Vec::new(),
            block_size: 4,
            responder: None,
            composite: Composite::default(),
            survival_month: None,
            missing: Missing::ObservedCases,
            extension: None,
            background: None,
            visit_window_days: 0.0,
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
