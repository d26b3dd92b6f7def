//! Natural-history statistics of a simulated cohort, computed the way the published studies
//! computed them.
//!
//! Survival is tracheostomy-free survival (death or permanent ventilation), administratively
//! censored at the end of follow-up. Survival from onset is computed among diagnosed patients,
//! as registers do. Cox models use Efron's handling of tied event times (see
//! [`crate::stats::cox`]).

use crate::cohort::{ArmCourse, Outcome};
use crate::model::{Genotype, Region};
use crate::stats::{cox, km, slope, summary};

/// An estimate with a confidence interval (NaN bounds when none is available).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Point estimate.
    pub value: f64,
    /// Lower bound of the 95% interval.
    pub lo: f64,
    /// Upper bound of the 95% interval.
    pub hi: f64,
}

impl Estimate {
    fn point(value: f64) -> Estimate {
        Estimate {
            value,
            lo: f64::NAN,
            hi: f64::NAN,
        }
    }
}

/// A statistic of a simulated cohort that a natural-history target compares with a published
/// figure. Its name (the `metric` of `targets.toml`, the `outcome` of the sensitivity tables)
/// is [`Metric::name`]. Most are computed from the main cohort by [`compute`]; those in
/// [`validate::COHORT_METRICS`](super::validate::COHORT_METRICS) need a separate cohort and are
/// computed by `validate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Metric {
    /// `median_survival_from_onset`.
    MedianSurvivalFromOnset,
    /// `survival_from_onset_120`.
    SurvivalFromOnset120,
    /// `survival_from_diagnosis_12`.
    SurvivalFromDiagnosis12,
    /// `survival_from_diagnosis_24`.
    SurvivalFromDiagnosis24,
    /// `survival_from_diagnosis_36`.
    SurvivalFromDiagnosis36,
    /// `survival_from_diagnosis_60`.
    SurvivalFromDiagnosis60,
    /// `hr_bulbar_onset`.
    HrBulbarOnset,
    /// `hr_age_75_vs_49`.
    HrAge75Vs49,
    /// `hr_age_70_74_vs_49`.
    HrAge7074Vs49,
    /// `hr_age_65_69_vs_49`.
    HrAge6569Vs49,
    /// `median_survival_onset_under_45`.
    MedianSurvivalOnsetUnder45,
    /// `hr_c9orf72`.
    HrC9orf72,
    /// `median_survival_sod1_a4v`.
    MedianSurvivalSod1A4v,
    /// `slope_mean_24`.
    SlopeMean24,
    /// `slope_p975_24`.
    SlopeP97524,
    /// `slope_p025_24`.
    SlopeP02524,
    /// `delta_fs_median`.
    DeltaFsMedian,
    /// `fvc_decline_mean_12`.
    FvcDeclineMean12,
    /// `plateau_12`.
    Plateau12,
    /// `nfl_median_at_diagnosis`.
    NflMedianAtDiagnosis,
    /// `nfl_delta_fs_correlation`.
    NflDeltaFsCorrelation,
    /// `onset_age_mean`.
    OnsetAgeMean,
    /// `bulbar_onset_share`.
    BulbarOnsetShare,
    /// `diagnostic_delay_median`.
    DiagnosticDelayMedian,
    /// `median_survival_dfs_slow`.
    MedianSurvivalDfsSlow,
    /// `median_survival_dfs_mid`.
    MedianSurvivalDfsMid,
    /// `median_survival_dfs_fast`.
    MedianSurvivalDfsFast,
    /// `plateau_6`.
    Plateau6,
    /// `plateau_18`.
    Plateau18,
    /// `sustained_gain_share`.
    SustainedGainShare,
    /// `positive_interval_share`.
    PositiveIntervalShare,
    /// `alsfrs_quadratic_mean_24`.
    AlsfrsQuadraticMean24,
    /// `second_region_median`.
    SecondRegionMedian,
    /// `second_region_median_bulbar`.
    SecondRegionMedianBulbar,
    /// `second_region_median_upper_limb`.
    SecondRegionMedianUpperLimb,
    /// `second_region_median_lower_limb`.
    SecondRegionMedianLowerLimb,
    /// `second_region_bulbar_lead`.
    SecondRegionBulbarLead,
    /// `second_region_before_death_share`.
    SecondRegionBeforeDeathShare,
    /// `noncontiguous_spread_share`.
    NoncontiguousSpreadShare,
    /// `survival_on_spread_slope`.
    SurvivalOnSpreadSlope,
    /// `kings_stage1_median`.
    KingsStage1Median,
    /// `kings_stage2_median`.
    KingsStage2Median,
    /// `kings_stage3_median`.
    KingsStage3Median,
    /// `kings_stage4_median`.
    KingsStage4Median,
    /// `lmn_loss_at_death_mean`.
    LmnLossAtDeathMean,
    /// `nfl_rise_lead_sod1_a4v`.
    NflRiseLeadSod1A4v,
    /// `nfl_rise_lead_fus`.
    NflRiseLeadFus,
    /// `nfl_rise_lead_c9orf72`.
    NflRiseLeadC9orf72,
    /// `nfl_rise_order`.
    NflRiseOrder,
    /// `fus_onset_age_median`.
    FusOnsetAgeMedian,
    /// `fus_median_survival_from_onset`.
    FusMedianSurvivalFromOnset,
    /// `hr_delay_6_12_vs_longer`.
    HrDelay612VsLonger,
    /// `death_before_diagnosis_share`.
    DeathBeforeDiagnosisShare,
    /// `respiratory_death_subscore_12_count`.
    RespiratoryDeathSubscore12Count,
    /// `trial_slope_6`.
    TrialSlope6,
    /// `trial_slope_12`.
    TrialSlope12,
    /// `trial_fvc_decline_12`.
    TrialFvcDecline12,
    /// `trial_respiratory_leaves_12_high_fvc`.
    TrialRespiratoryLeaves12HighFvc,
    /// `trial_respiratory_leaves_12_low_fvc`.
    TrialRespiratoryLeaves12LowFvc,
    /// `trial_respiratory_below_10_high_fvc`.
    TrialRespiratoryBelow10HighFvc,
    /// `trial_respiratory_below_10_low_fvc`.
    TrialRespiratoryBelow10LowFvc,
    /// `trial_plateau_6`.
    TrialPlateau6,
    /// `trial_plateau_12`.
    TrialPlateau12,
    /// `trial_plateau_18`.
    TrialPlateau18,
    /// `trial_positive_interval_share`.
    TrialPositiveIntervalShare,
    /// `fvc_first_visit_died_12_48`.
    FvcFirstVisitDied1248,
}

impl Metric {
    /// Every metric, in the order of the validation report.
    pub const ALL: [Metric; 66] = [
        Metric::MedianSurvivalFromOnset,
        Metric::SurvivalFromOnset120,
        Metric::SurvivalFromDiagnosis12,
        Metric::SurvivalFromDiagnosis24,
        Metric::SurvivalFromDiagnosis36,
        Metric::SurvivalFromDiagnosis60,
        Metric::HrBulbarOnset,
        Metric::HrAge75Vs49,
        Metric::HrAge7074Vs49,
        Metric::HrAge6569Vs49,
        Metric::MedianSurvivalOnsetUnder45,
        Metric::HrC9orf72,
        Metric::MedianSurvivalSod1A4v,
        Metric::SlopeMean24,
        Metric::SlopeP97524,
        Metric::SlopeP02524,
        Metric::DeltaFsMedian,
        Metric::FvcDeclineMean12,
        Metric::Plateau12,
        Metric::NflMedianAtDiagnosis,
        Metric::NflDeltaFsCorrelation,
        Metric::OnsetAgeMean,
        Metric::BulbarOnsetShare,
        Metric::DiagnosticDelayMedian,
        Metric::MedianSurvivalDfsSlow,
        Metric::MedianSurvivalDfsMid,
        Metric::MedianSurvivalDfsFast,
        Metric::Plateau6,
        Metric::Plateau18,
        Metric::SustainedGainShare,
        Metric::PositiveIntervalShare,
        Metric::AlsfrsQuadraticMean24,
        Metric::SecondRegionMedian,
        Metric::SecondRegionMedianBulbar,
        Metric::SecondRegionMedianUpperLimb,
        Metric::SecondRegionMedianLowerLimb,
        Metric::SecondRegionBulbarLead,
        Metric::SecondRegionBeforeDeathShare,
        Metric::NoncontiguousSpreadShare,
        Metric::SurvivalOnSpreadSlope,
        Metric::KingsStage1Median,
        Metric::KingsStage2Median,
        Metric::KingsStage3Median,
        Metric::KingsStage4Median,
        Metric::LmnLossAtDeathMean,
        Metric::NflRiseLeadSod1A4v,
        Metric::NflRiseLeadFus,
        Metric::NflRiseLeadC9orf72,
        Metric::NflRiseOrder,
        Metric::FusOnsetAgeMedian,
        Metric::FusMedianSurvivalFromOnset,
        Metric::HrDelay612VsLonger,
        Metric::DeathBeforeDiagnosisShare,
        Metric::RespiratoryDeathSubscore12Count,
        Metric::TrialSlope6,
        Metric::TrialSlope12,
        Metric::TrialFvcDecline12,
        Metric::TrialRespiratoryLeaves12HighFvc,
        Metric::TrialRespiratoryLeaves12LowFvc,
        Metric::TrialRespiratoryBelow10HighFvc,
        Metric::TrialRespiratoryBelow10LowFvc,
        Metric::TrialPlateau6,
        Metric::TrialPlateau12,
        Metric::TrialPlateau18,
        Metric::TrialPositiveIntervalShare,
        Metric::FvcFirstVisitDied1248,
    ];

    /// The metric's name.
    pub const fn name(self) -> &'static str {
        match self {
            Metric::MedianSurvivalFromOnset => "median_survival_from_onset",
            Metric::SurvivalFromOnset120 => "survival_from_onset_120",
            Metric::SurvivalFromDiagnosis12 => "survival_from_diagnosis_12",
            Metric::SurvivalFromDiagnosis24 => "survival_from_diagnosis_24",
            Metric::SurvivalFromDiagnosis36 => "survival_from_diagnosis_36",
            Metric::SurvivalFromDiagnosis60 => "survival_from_diagnosis_60",
            Metric::HrBulbarOnset => "hr_bulbar_onset",
            Metric::HrAge75Vs49 => "hr_age_75_vs_49",
            Metric::HrAge7074Vs49 => "hr_age_70_74_vs_49",
            Metric::HrAge6569Vs49 => "hr_age_65_69_vs_49",
            Metric::MedianSurvivalOnsetUnder45 => "median_survival_onset_under_45",
            Metric::HrC9orf72 => "hr_c9orf72",
            Metric::MedianSurvivalSod1A4v => "median_survival_sod1_a4v",
            Metric::SlopeMean24 => "slope_mean_24",
            Metric::SlopeP97524 => "slope_p975_24",
            Metric::SlopeP02524 => "slope_p025_24",
            Metric::DeltaFsMedian => "delta_fs_median",
            Metric::FvcDeclineMean12 => "fvc_decline_mean_12",
            Metric::Plateau12 => "plateau_12",
            Metric::NflMedianAtDiagnosis => "nfl_median_at_diagnosis",
            Metric::NflDeltaFsCorrelation => "nfl_delta_fs_correlation",
            Metric::OnsetAgeMean => "onset_age_mean",
            Metric::BulbarOnsetShare => "bulbar_onset_share",
            Metric::DiagnosticDelayMedian => "diagnostic_delay_median",
            Metric::MedianSurvivalDfsSlow => "median_survival_dfs_slow",
            Metric::MedianSurvivalDfsMid => "median_survival_dfs_mid",
            Metric::MedianSurvivalDfsFast => "median_survival_dfs_fast",
            Metric::Plateau6 => "plateau_6",
            Metric::Plateau18 => "plateau_18",
            Metric::SustainedGainShare => "sustained_gain_share",
            Metric::PositiveIntervalShare => "positive_interval_share",
            Metric::AlsfrsQuadraticMean24 => "alsfrs_quadratic_mean_24",
            Metric::SecondRegionMedian => "second_region_median",
            Metric::SecondRegionMedianBulbar => "second_region_median_bulbar",
            Metric::SecondRegionMedianUpperLimb => "second_region_median_upper_limb",
            Metric::SecondRegionMedianLowerLimb => "second_region_median_lower_limb",
            Metric::SecondRegionBulbarLead => "second_region_bulbar_lead",
            Metric::SecondRegionBeforeDeathShare => "second_region_before_death_share",
            Metric::NoncontiguousSpreadShare => "noncontiguous_spread_share",
            Metric::SurvivalOnSpreadSlope => "survival_on_spread_slope",
            Metric::KingsStage1Median => "kings_stage1_median",
            Metric::KingsStage2Median => "kings_stage2_median",
            Metric::KingsStage3Median => "kings_stage3_median",
            Metric::KingsStage4Median => "kings_stage4_median",
            Metric::LmnLossAtDeathMean => "lmn_loss_at_death_mean",
            Metric::NflRiseLeadSod1A4v => "nfl_rise_lead_sod1_a4v",
            Metric::NflRiseLeadFus => "nfl_rise_lead_fus",
            Metric::NflRiseLeadC9orf72 => "nfl_rise_lead_c9orf72",
            Metric::NflRiseOrder => "nfl_rise_order",
            Metric::FusOnsetAgeMedian => "fus_onset_age_median",
            Metric::FusMedianSurvivalFromOnset => "fus_median_survival_from_onset",
            Metric::HrDelay612VsLonger => "hr_delay_6_12_vs_longer",
            Metric::DeathBeforeDiagnosisShare => "death_before_diagnosis_share",
            Metric::RespiratoryDeathSubscore12Count => "respiratory_death_subscore_12_count",
            Metric::TrialSlope6 => "trial_slope_6",
            Metric::TrialSlope12 => "trial_slope_12",
            Metric::TrialFvcDecline12 => "trial_fvc_decline_12",
            Metric::TrialRespiratoryLeaves12HighFvc => "trial_respiratory_leaves_12_high_fvc",
            Metric::TrialRespiratoryLeaves12LowFvc => "trial_respiratory_leaves_12_low_fvc",
            Metric::TrialRespiratoryBelow10HighFvc => "trial_respiratory_below_10_high_fvc",
            Metric::TrialRespiratoryBelow10LowFvc => "trial_respiratory_below_10_low_fvc",
            Metric::TrialPlateau6 => "trial_plateau_6",
            Metric::TrialPlateau12 => "trial_plateau_12",
            Metric::TrialPlateau18 => "trial_plateau_18",
            Metric::TrialPositiveIntervalShare => "trial_positive_interval_share",
            Metric::FvcFirstVisitDied1248 => "fvc_first_visit_died_12_48",
        }
    }

    /// The metric of a name, if there is one.
    pub fn parse(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Metric {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Metric::parse(&name).ok_or_else(|| {
            let known: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
            serde::de::Error::custom(format!(
                "unknown metric `{name}`; accepted: {}",
                known.join(", ")
            ))
        })
    }
}

/// One enrolled patient, reduced to what the statistics need.
#[derive(Debug, Clone)]
struct Subject {
    age: f64,
    delay: f64,
    bulbar: bool,
    region: Region,
    genotype: Genotype,
    /// Months from onset to death or censoring.
    from_onset: f64,
    /// Months from diagnosis (enrollment) to death or censoring.
    from_diagnosis: f64,
    died: bool,
    delta_fs: f64,
    nfl: f64,
    course: ArmCourse,
}

fn subjects(outcomes: &[Outcome]) -> Vec<Subject> {
    outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Enrolled {
                draw,
                enrollment,
                baseline,
                arms,
                ..
            } => {
                let c = arms.first()?;
                let onset = c.events.onset?;
                let end = if c.died() {
                    c.events.death?
                } else {
                    c.follow_up_end
                };
                let since_onset = enrollment - onset;
                Some(Subject {
                    age: draw.covariates.age_years,
                    delay: draw.covariates.diagnostic_delay_months,
                    bulbar: draw.covariates.onset_region == Region::Bulbar,
                    region: draw.covariates.onset_region,
                    genotype: draw.covariates.genotype,
                    from_onset: end - onset,
                    from_diagnosis: end - enrollment,
                    died: c.died(),
                    delta_fs: if since_onset > 0.0 {
                        (48.0 - f64::from(baseline.total())) / since_onset
                    } else {
                        f64::NAN
                    },
                    nfl: baseline.nfl,
                    course: c.clone(),
                })
            }
            _ => None,
        })
        .collect()
}

/// Follow-up times (from onset or from diagnosis) and event flags of the subjects.
fn times_events(subjects: &[&Subject], from_onset: bool) -> (Vec<f64>, Vec<bool>) {
    subjects
        .iter()
        .map(|s| {
            (
                if from_onset {
                    s.from_onset
                } else {
                    s.from_diagnosis
                },
                s.died,
            )
        })
        .unzip()
}

fn km_of(subjects: &[&Subject], from_onset: bool) -> Option<km::KaplanMeier> {
    let (t, e) = times_events(subjects, from_onset);
    km::KaplanMeier::fit(&t, &e)
}

fn survival_at(subjects: &[&Subject], from_onset: bool, t: f64) -> Estimate {
    match km_of(subjects, from_onset) {
        Some(k) => {
            let (lo, hi) = k.survival_ci_at(t, 0.95);
            Estimate {
                value: k.survival_at(t),
                lo,
                hi,
            }
        }
        None => Estimate::point(f64::NAN),
    }
}

fn median_survival(subjects: &[&Subject]) -> Estimate {
    match km_of(subjects, true) {
        Some(k) => {
            let (lo, hi) = k.median_ci(0.95);
            Estimate {
                value: k.median().unwrap_or(f64::NAN),
                lo: lo.unwrap_or(f64::NAN),
                hi: hi.unwrap_or(f64::NAN),
            }
        }
        None => Estimate::point(f64::NAN),
    }
}

/// Hazard ratio of the first covariate of a Cox model.
fn hazard_ratio(
    subjects: &[&Subject],
    from_onset: bool,
    covariates: impl Fn(&Subject) -> Vec<f64>,
    which: usize,
) -> Estimate {
    let (t, e) = times_events(subjects, from_onset);
    let x: Vec<Vec<f64>> = subjects.iter().map(|s| covariates(s)).collect();
    match cox::fit(&t, &e, &x) {
        Ok(fit) => {
            let c = &fit.coefficients[which];
            Estimate {
                value: c.hazard_ratio,
                lo: c.hr_lower,
                hi: c.hr_upper,
            }
        }
        Err(_) => Estimate::point(f64::NAN),
    }
}

/// A subject's visits within `months` of enrollment, if there are at least `min` of them.
fn visits_within(s: &Subject, months: f64, min: usize) -> Option<Vec<&crate::cohort::Observation>> {
    let v: Vec<_> = s
        .course
        .visits
        .iter()
        .filter(|o| o.t <= months + 1e-9)
        .collect();
    (v.len() >= min).then_some(v)
}

/// Per-patient decline (negative least-squares slope) of rated ALSFRS-R over visits within
/// `months` of enrollment, for patients with at least three such visits.
fn declines(
    subjects: &[Subject],
    months: f64,
    value: impl Fn(&crate::cohort::Observation) -> f64,
) -> Vec<f64> {
    subjects
        .iter()
        .filter_map(|s| {
            let v = visits_within(s, months, 3)?;
            let x: Vec<f64> = v.iter().map(|o| o.t).collect();
            let y: Vec<f64> = v.iter().map(|o| value(o)).collect();
            slope::ols(&x, &y).map(|f| -f.slope)
        })
        .collect()
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.retain(|x| x.is_finite());
    v.sort_by(f64::total_cmp);
    v
}

fn quantile(v: &[f64], p: f64) -> f64 {
    crate::stats::describe::quantile_sorted(v, p)
}

fn mean_estimate(v: &[f64]) -> Estimate {
    match summary::mean_ci(v, 0.95) {
        Some((m, lo, hi)) => Estimate { value: m, lo, hi },
        None => Estimate::point(f64::NAN),
    }
}

fn share(k: usize, n: usize) -> Estimate {
    if n == 0 {
        return Estimate::point(f64::NAN);
    }
    let (lo, hi) = summary::proportion_ci(k, n, 0.95).unwrap_or((f64::NAN, f64::NAN));
    Estimate {
        value: k as f64 / n as f64,
        lo,
        hi,
    }
}

/// Computes a metric of the main cohort. `sod1_a4v` is a separate cohort of SOD1 A4V carriers
/// (for the genotype-specific target). Unknown names give `None`.
pub fn compute(metric: Metric, outcomes: &[Outcome], sod1_a4v: &[Outcome]) -> Option<Estimate> {
    compute_prepared(metric, &Prepared::new(outcomes), sod1_a4v)
}

/// A main cohort reduced once to what the statistics need, for computing many metrics.
#[derive(Debug, Clone)]
pub struct Prepared<'a> {
    outcomes: &'a [Outcome],
    subj: Vec<Subject>,
}

impl<'a> Prepared<'a> {
    /// Reduces a cohort.
    pub fn new(outcomes: &'a [Outcome]) -> Prepared<'a> {
        Prepared {
            outcomes,
            subj: subjects(outcomes),
        }
    }
}

/// As [`compute`], on a prepared main cohort.
pub fn compute_prepared(metric: Metric, main: &Prepared, sod1_a4v: &[Outcome]) -> Option<Estimate> {
    survival_metric(metric, main, sod1_a4v)
        .or_else(|| course_metric(metric, main))
        .or_else(|| spread_metric(metric, main))
        .or_else(|| population_metric(metric, main))
}

/// Survival from onset or diagnosis, and hazard ratios.
fn survival_metric(metric: Metric, main: &Prepared, sod1_a4v: &[Outcome]) -> Option<Estimate> {
    let subj = &main.subj;
    let all: Vec<&Subject> = subj.iter().collect();
    let e = match metric {
        Metric::MedianSurvivalFromOnset => median_survival(&all),
        Metric::SurvivalFromOnset120 => survival_at(&all, true, 120.0),
        Metric::SurvivalFromDiagnosis12 => survival_at(&all, false, 12.0),
        Metric::SurvivalFromDiagnosis24 => survival_at(&all, false, 24.0),
        Metric::SurvivalFromDiagnosis36 => survival_at(&all, false, 36.0),
        Metric::SurvivalFromDiagnosis60 => survival_at(&all, false, 60.0),
        Metric::HrBulbarOnset => hazard_ratio(
            &all,
            true,
            |s| vec![f64::from(u8::from(s.bulbar)), s.age / 10.0],
            0,
        ),
        Metric::HrAge75Vs49 => hr_age_group(&all, 3),
        Metric::HrAge7074Vs49 => hr_age_group(&all, 2),
        Metric::HrAge6569Vs49 => hr_age_group(&all, 1),
        Metric::MedianSurvivalOnsetUnder45 => {
            median_survival(&subj.iter().filter(|s| s.age < 45.0).collect::<Vec<_>>())
        }
        Metric::HrC9orf72 => {
            let sub: Vec<&Subject> = subj
                .iter()
                .filter(|s| matches!(s.genotype, Genotype::Sporadic | Genotype::C9orf72))
                .collect();
            hazard_ratio(
                &sub,
                true,
                |s| {
                    vec![
                        f64::from(u8::from(s.genotype == Genotype::C9orf72)),
                        s.age / 10.0,
                    ]
                },
                0,
            )
        }
        Metric::HrDelay612VsLonger => {
            // Among patients diagnosed 6 months or more after onset: 6-12 months against
            // longer, adjusted for age, from diagnosis (as the Lombardy register reports it).
            let sub: Vec<&Subject> = subj.iter().filter(|s| s.delay >= 6.0).collect();
            hazard_ratio(
                &sub,
                false,
                |s| vec![f64::from(u8::from(s.delay < 12.0)), s.age / 10.0],
                0,
            )
        }
        Metric::MedianSurvivalSod1A4v => {
            let s = subjects(sod1_a4v);
            median_survival(&s.iter().collect::<Vec<_>>())
        }
        // Labra 2016 groups by the pre-slope at the first visit (here: diagnosis).
        Metric::MedianSurvivalDfsSlow => median_survival_dfs(subj, f64::NEG_INFINITY, 0.47),
        Metric::MedianSurvivalDfsMid => median_survival_dfs(subj, 0.47, 1.11),
        Metric::MedianSurvivalDfsFast => median_survival_dfs(subj, 1.11, f64::INFINITY),
        _ => return None,
    };
    Some(e)
}

/// Hazard ratio from diagnosis of age group `which` (1: 65-69, 2: 70-74, 3: 75 and older)
/// against under 50, with 50-64 as a group of its own.
fn hr_age_group(all: &[&Subject], which: usize) -> Estimate {
    let groups = |s: &Subject| {
        let a = s.age;
        vec![
            f64::from(u8::from((50.0..65.0).contains(&a))),
            f64::from(u8::from((65.0..70.0).contains(&a))),
            f64::from(u8::from((70.0..75.0).contains(&a))),
            f64::from(u8::from(a >= 75.0)),
        ]
    };
    hazard_ratio(all, false, groups, which)
}

/// Median survival from diagnosis of the patients whose ΔFS at diagnosis lies in `[lo, hi)`.
fn median_survival_dfs(subj: &[Subject], lo: f64, hi: f64) -> Estimate {
    let group: Vec<&Subject> = subj
        .iter()
        .filter(|s| s.delta_fs >= lo && s.delta_fs < hi)
        .collect();
    let km = km_of(&group, false);
    Estimate {
        value: km
            .as_ref()
            .and_then(km::KaplanMeier::median)
            .unwrap_or(f64::NAN),
        lo: f64::NAN,
        hi: f64::NAN,
    }
}

/// The course of function and of NfL: slopes, ΔFS, plateaus, curvature, gains and NfL.
fn course_metric(metric: Metric, main: &Prepared) -> Option<Estimate> {
    let subj = &main.subj;
    let e = match metric {
        Metric::SlopeMean24 => mean_estimate(&declines(subj, 24.0, |o| f64::from(o.total()))),
        Metric::SlopeP97524 => Estimate::point(quantile(
            &sorted(declines(subj, 24.0, |o| f64::from(o.total()))),
            0.975,
        )),
        Metric::SlopeP02524 => Estimate::point(quantile(
            &sorted(declines(subj, 24.0, |o| f64::from(o.total()))),
            0.025,
        )),
        Metric::DeltaFsMedian => Estimate::point(quantile(
            &sorted(subj.iter().map(|s| s.delta_fs).collect()),
            0.5,
        )),
        Metric::FvcDeclineMean12 => mean_estimate(&declines(subj, 12.0, |o| o.fvc)),
        Metric::FvcFirstVisitDied1248 => Estimate::point(quantile(
            &sorted(first_fvc_of_deaths(subj, 12.0, 48.0)),
            0.5,
        )),
        Metric::Plateau6 => plateau(subj, 6.0),
        Metric::Plateau12 => plateau(subj, 12.0),
        Metric::Plateau18 => plateau(subj, 18.0),
        Metric::AlsfrsQuadraticMean24 => mean_estimate(&curvatures_of(subj, DECLINE_WINDOW)),
        Metric::SustainedGainShare => {
            let v: Vec<bool> = subj
                .iter()
                .filter_map(|s| sustained_gain(&s.course.visits, 4, 12.0))
                .collect();
            share(v.iter().filter(|&&g| g).count(), v.len())
        }
        Metric::PositiveIntervalShare => positive_interval_share_of(subj),
        Metric::NflMedianAtDiagnosis => {
            Estimate::point(quantile(&sorted(subj.iter().map(|s| s.nfl).collect()), 0.5))
        }
        Metric::NflDeltaFsCorrelation => {
            let pairs: Vec<(f64, f64)> = subj
                .iter()
                .filter(|s| s.delta_fs.is_finite())
                .map(|s| (s.nfl, s.delta_fs))
                .collect();
            let x: Vec<f64> = pairs.iter().map(|p| p.0).collect();
            let y: Vec<f64> = pairs.iter().map(|p| p.1).collect();
            Estimate::point(crate::stats::describe::spearman(&x, &y))
        }
        _ => return None,
    };
    Some(e)
}

/// FVC (% predicted) at the first visit of the patients who died between `from` and `to`
/// months after diagnosis (enrollment), `from` included: the vital capacity at presentation of
/// patients whose survival from diagnosis lies in that range, as population cohorts report it
/// by survival group.
fn first_fvc_of_deaths(subj: &[Subject], from: f64, to: f64) -> Vec<f64> {
    first_fvc_in_survival_range(
        subj.iter().map(|s| {
            (
                s.died,
                s.from_diagnosis,
                s.course.visits.first().map(|o| o.fvc),
            )
        }),
        from,
        to,
    )
}

/// [`first_fvc_of_deaths`] on rows of (died, months from diagnosis to death or censoring, FVC
/// at the first visit if there was one).
fn first_fvc_in_survival_range(
    rows: impl Iterator<Item = (bool, f64, Option<f64>)>,
    from: f64,
    to: f64,
) -> Vec<f64> {
    rows.filter(|&(died, t, _)| died && t >= from && t < to)
        .filter_map(|(_, _, fvc)| fvc)
        .collect()
}

/// Spread to other regions, King's stages and the state at death.
fn spread_metric(metric: Metric, main: &Prepared) -> Option<Estimate> {
    let subj = &main.subj;
    let e = match metric {
        Metric::SecondRegionMedian
        | Metric::SecondRegionMedianBulbar
        | Metric::SecondRegionMedianUpperLimb
        | Metric::SecondRegionMedianLowerLimb => {
            let site = match metric {
                Metric::SecondRegionMedianBulbar => Some(Region::Bulbar),
                Metric::SecondRegionMedianUpperLimb => Some(Region::Cervical),
                Metric::SecondRegionMedianLowerLimb => Some(Region::Lumbar),
                _ => None,
            };
            Estimate::point(median(&to_second_region(subj, site)))
        }
        Metric::SecondRegionBulbarLead => {
            // How much sooner bulbar-onset disease reaches a second region than the faster of
            // upper- and lower-limb onset (medians): positive when bulbar onset is shortest.
            let m = |r| median(&to_second_region(subj, Some(r)));
            Estimate::point(m(Region::Cervical).min(m(Region::Lumbar)) - m(Region::Bulbar))
        }
        Metric::SecondRegionBeforeDeathShare => second_region_before_death(subj),
        Metric::NoncontiguousSpreadShare => noncontiguous_spread(subj),
        Metric::SurvivalOnSpreadSlope => survival_on_spread(subj),
        Metric::RespiratoryDeathSubscore12Count => {
            // Deaths by respiratory failure (the FVC criterion, not loss of airway protection)
            // whose latent respiratory subscore at death rounds to 12 of 12.
            let k = subj
                .iter()
                .filter(|s| {
                    let a = &s.course.at_end;
                    s.died && a.respiratory_failure && a.respiratory_subscore.round() >= 12.0
                })
                .count();
            Estimate::point(k as f64)
        }
        Metric::KingsStage1Median
        | Metric::KingsStage2Median
        | Metric::KingsStage3Median
        | Metric::KingsStage4Median => {
            let stage = match metric {
                Metric::KingsStage1Median => 1,
                Metric::KingsStage2Median => 2,
                Metric::KingsStage3Median => 3,
                _ => 4,
            };
            Estimate::point(quantile(
                &sorted(
                    subj.iter()
                        .filter_map(|s| kings_duration(s, stage))
                        .collect(),
                ),
                0.5,
            ))
        }
        Metric::LmnLossAtDeathMean => lmn_loss_at_death(subj),
        _ => return None,
    };
    Some(e)
}

/// Share of the patients who died whose disease had reached a second region by death.
fn second_region_before_death(subj: &[Subject]) -> Estimate {
    let died: Vec<&Subject> = subj.iter().filter(|s| s.died).collect();
    let k = died
        .iter()
        .filter(|s| {
            let e = &s.course.events;
            e.second_region.zip(e.death).is_some_and(|(r, d)| r <= d)
        })
        .count();
    share(k, died.len())
}

/// How survival from onset depends on the time to the first spread, in lower-limb-onset
/// patients who died within follow-up after reaching a second King's region: the least-squares
/// slope of months from onset to death against months from onset to the second region, with its
/// 95% interval. A slope of 1 means that, whenever the disease spreads, about the same time is
/// left after it.
fn survival_on_spread(subj: &[Subject]) -> Estimate {
    survival_on_spread_of(subj.iter().map(|s| {
        let e = &s.course.events;
        SpreadCase {
            lower_limb_onset: s.region == Region::Lumbar,
            died: s.died,
            onset: e.onset,
            second_region: e.second_region,
            death: e.death,
        }
    }))
}

/// What [`survival_on_spread`] reads of one patient (event times on one clock).
#[derive(Debug, Clone, Copy)]
struct SpreadCase {
    lower_limb_onset: bool,
    died: bool,
    onset: Option<f64>,
    second_region: Option<f64>,
    death: Option<f64>,
}

fn survival_on_spread_of(cases: impl Iterator<Item = SpreadCase>) -> Estimate {
    let (x, y): (Vec<f64>, Vec<f64>) = cases
        .filter(|c| c.died && c.lower_limb_onset)
        .filter_map(|c| {
            let (onset, second, death) = (c.onset?, c.second_region?, c.death?);
            (second <= death).then_some((second - onset, death - onset))
        })
        .unzip();
    match slope::ols(&x, &y) {
        Some(fit) => Estimate {
            value: fit.slope,
            lo: fit.slope - 1.96 * fit.se_slope,
            hi: fit.slope + 1.96 * fit.se_slope,
        },
        None => Estimate::point(f64::NAN),
    }
}

/// Share of first spreads that skip a region. King's regions 0 bulbar, 1 upper limb, 2 lower
/// limb: the upper limb lies between the other two, so first spread between bulbar and lower
/// limb skips a region.
fn noncontiguous_spread(subj: &[Subject]) -> Estimate {
    let pairs: Vec<(u8, u8)> = subj
        .iter()
        .filter(|s| {
            s.course
                .events
                .second_region
                .is_some_and(|t| t <= s.course.follow_up_end)
        })
        .filter_map(|s| s.course.spread[0].zip(s.course.spread[1]))
        .collect();
    let k = pairs.iter().filter(|&&(a, b)| a.abs_diff(b) == 2).count();
    share(k, pairs.len())
}

/// Mean loss of lower motor neurons at death, counted in the spinal cord (cervical, thoracic,
/// lumbar).
fn lmn_loss_at_death(subj: &[Subject]) -> Estimate {
    let v: Vec<f64> = subj
        .iter()
        .filter(|s| s.died)
        .map(|s| {
            let n = &s.course.neurons_at_end;
            1.0 - (f64::from(n[1]) + f64::from(n[2]) + f64::from(n[3])) / 3.0
        })
        .filter(|x| x.is_finite())
        .collect();
    mean_estimate(&v)
}

/// The drawn population: onset age, bulbar onset, diagnostic delay, deaths before diagnosis.
fn population_metric(metric: Metric, main: &Prepared) -> Option<Estimate> {
    let outcomes = main.outcomes;
    let draws: Vec<_> = outcomes.iter().map(|o| o.draw()).collect();
    let e = match metric {
        Metric::DeathBeforeDiagnosisShare => {
            // Among drawn patients with clinical onset (whatever became of them), those who
            // died before diagnosis, the enrollment time of the natural-history population.
            use crate::cohort::ScreenFailure as F;
            let with_onset = outcomes
                .iter()
                .filter(|o| match o {
                    Outcome::Enrolled { .. } => true,
                    Outcome::ScreenFailed { reason, .. } => {
                        !matches!(reason, F::NoOnset | F::Genotype)
                    }
                    Outcome::Failed { .. } => false,
                })
                .count();
            let died = outcomes
                .iter()
                .filter(|o| {
                    matches!(
                        o,
                        Outcome::ScreenFailed {
                            reason: F::DiedBeforeEnrollment,
                            ..
                        }
                    )
                })
                .count();
            share(died, with_onset)
        }
        Metric::OnsetAgeMean => mean_estimate(
            &draws
                .iter()
                .map(|d| d.covariates.age_years)
                .collect::<Vec<_>>(),
        ),
        Metric::BulbarOnsetShare => share(
            draws
                .iter()
                .filter(|d| d.covariates.onset_region == Region::Bulbar)
                .count(),
            draws.len(),
        ),
        Metric::DiagnosticDelayMedian => Estimate::point(quantile(
            &sorted(
                draws
                    .iter()
                    .map(|d| d.covariates.diagnostic_delay_months)
                    .collect(),
            ),
            0.5,
        )),
        _ => return None,
    };
    Some(e)
}

/// Months after the first assessment over which the curvature of the decline is measured.
pub const DECLINE_WINDOW: f64 = 24.0;

/// Median of the finite values; NaN when there are none.
fn median(v: &[f64]) -> f64 {
    let v = sorted(v.to_vec());
    if v.is_empty() {
        f64::NAN
    } else {
        quantile(&v, 0.5)
    }
}

/// Months from onset to a second King's region, of the patients (of one onset region, or all)
/// in whom it happened within follow-up.
fn to_second_region(subj: &[Subject], site: Option<Region>) -> Vec<f64> {
    subj.iter()
        .filter(|s| site.is_none_or(|r| s.region == r))
        .filter_map(|s| {
            let e = &s.course.events;
            e.second_region
                .filter(|&t| t <= s.course.follow_up_end)
                .zip(e.onset)
                .map(|(t, o)| t - o)
        })
        .collect()
}

/// Per patient, the quadratic coefficient of the rated total against months over the visits
/// within `months` of the first assessment (patients with at least five such visits).
fn curvatures_of(subj: &[Subject], months: f64) -> Vec<f64> {
    subj.iter()
        .filter_map(|s| {
            let (x, w) = curvature_window(s, months)?;
            let y: Vec<f64> = w.iter().map(|o| f64::from(o.total())).collect();
            quadratic_coefficient(&x, &y)
        })
        .collect()
}

/// The visits within `months` of a subject's first assessment and their times since it, if
/// there are at least five (enough for a curvature).
fn curvature_window(
    s: &Subject,
    months: f64,
) -> Option<(Vec<f64>, Vec<&crate::cohort::Observation>)> {
    let v = &s.course.visits;
    let t0 = first_t(v);
    let w: Vec<_> = v.iter().filter(|o| o.t - t0 <= months + 1e-9).collect();
    (w.len() >= 5).then(|| (w.iter().map(|o| o.t - t0).collect(), w))
}

/// Whether rated visits show a sustained gain: a total at least `points` above an earlier
/// total, and every visit of the following `months` (which must have been seen) still that far
/// above it. `None` when the visits span less than `months` (no gain could be seen).
pub fn sustained_gain(
    visits: &[crate::cohort::Observation],
    points: u32,
    months: f64,
) -> Option<bool> {
    let (first, last) = (visits.first()?, visits.last()?);
    if last.t - first.t < months - 1e-9 {
        return None;
    }
    let mut lowest = u32::MAX;
    for (j, b) in visits.iter().enumerate() {
        if lowest != u32::MAX && b.total() >= lowest + points && last.t >= b.t + months - 1e-9 {
            let level = lowest + points;
            let held = visits[j..]
                .iter()
                .take_while(|o| o.t <= b.t + months + 1e-9)
                .all(|o| o.total() >= level);
            if held {
                return Some(true);
            }
        }
        lowest = lowest.min(b.total());
    }
    Some(false)
}

/// Whether any window of `months` between rated visits (from a visit to the last visit within
/// `months` of it, the window fully observed) has a positive least-squares slope of the total.
/// `None` when no window of that length was observed.
pub fn positive_interval(visits: &[crate::cohort::Observation], months: f64) -> Option<bool> {
    let mut seen = false;
    for (i, a) in visits.iter().enumerate() {
        let w: Vec<_> = visits[i..]
            .iter()
            .take_while(|o| o.t <= a.t + months + 1e-9)
            .collect();
        if w.last().is_none_or(|o| o.t < a.t + months - 1e-9) {
            continue;
        }
        seen = true;
        let x: Vec<f64> = w.iter().map(|o| o.t).collect();
        let y: Vec<f64> = w.iter().map(|o| f64::from(o.total())).collect();
        if slope::ols(&x, &y).is_some_and(|f| f.slope > 0.0) {
            return Some(true);
        }
    }
    seen.then_some(false)
}

/// Share of patients with a rising 6-month window of rated visits ([`positive_interval`]),
/// among those with at least one fully observed window: [`Metric::PositiveIntervalShare`] over
/// the whole follow-up of the main cohort, [`Metric::TrialPositiveIntervalShare`] over the
/// trial-like cohort's 18 monthly-visit months (the design of the PRO-ACT trials).
pub fn positive_interval_share(outcomes: &[Outcome]) -> Estimate {
    positive_interval_share_of(&subjects(outcomes))
}

fn positive_interval_share_of(subj: &[Subject]) -> Estimate {
    let v: Vec<bool> = subj
        .iter()
        .filter_map(|s| positive_interval(&s.course.visits, 6.0))
        .collect();
    share(v.iter().filter(|&&g| g).count(), v.len())
}

/// Mean per-patient decline (points/month, least squares on the rated total) over the first
/// `months` after enrollment, patients with at least three visits then: the trial-like slope.
pub fn mean_decline(outcomes: &[Outcome], months: f64) -> Estimate {
    mean_estimate(&declines(&subjects(outcomes), months, |o| {
        f64::from(o.total())
    }))
}

/// Share of patients whose rated ALSFRS-R total `months` after their first visit is at least
/// its first value, among those seen then (the plateaus of [`Metric::Plateau6`] and its kin,
/// for any cohort: the trial-like one for [`Metric::TrialPlateau6`]).
pub fn plateau_share(outcomes: &[Outcome], months: f64) -> Estimate {
    plateau(&subjects(outcomes), months)
}

/// Mean FVC decline (% predicted per month) over the first `months` after enrollment: least
/// squares per patient, patients with at least 3 visits in the window.
pub fn mean_fvc_decline(outcomes: &[Outcome], months: f64) -> Estimate {
    mean_estimate(&declines(&subjects(outcomes), months, |o| o.fvc))
}

/// Weeks over which the respiratory subscore is followed after enrollment (EMPOWER's 48).
pub const RESPIRATORY_WEEKS: f64 = 48.0;

/// The respiratory subscore against FVC at enrollment, as Jackson et al. (2018) split the
/// placebo patients of EMPOWER at the median upright SVC: among the enrolled patients with a
/// visit after enrollment, split at the median FVC of their first visit (above the median,
/// then at or below it), the share whose rated respiratory subscore falls below 12 at a visit
/// within [`RESPIRATORY_WEEKS`] among those rated 12 at the first visit, and the share whose
/// subscore falls below 10 among those rated 10 or more at it:
/// `[leaves 12 above, leaves 12 at or below, below 10 above, below 10 at or below]`.
pub fn respiratory_shares(outcomes: &[Outcome]) -> [Estimate; 4] {
    let window = RESPIRATORY_WEEKS * 7.0 / crate::therapy::plan::DAYS_PER_MONTH;
    // (FVC at the first visit, first subscore, lowest subscore within the window)
    let rows: Vec<(f64, u32, u32)> = subjects(outcomes)
        .iter()
        .filter_map(|s| respiratory_row(&s.course.visits, window))
        .collect();
    respiratory_shares_of(&rows)
}

fn respiratory_row(v: &[crate::cohort::Observation], window: f64) -> Option<(f64, u32, u32)> {
    let respiratory = |o: &crate::cohort::Observation| {
        crate::model::alsfrs::ITEMS
            .iter()
            .zip(&o.items)
            .filter(|(spec, _)| spec.domain == crate::model::alsfrs::Domain::Respiratory)
            .map(|(_, &x)| u32::from(x))
            .sum::<u32>()
    };
    let first = v.first()?;
    let later = v
        .iter()
        .skip(1)
        .filter(|o| o.t - first.t <= window + 1e-9)
        .map(respiratory)
        .min()?;
    let baseline = respiratory(first);
    Some((first.fvc, baseline, later.min(baseline)))
}

fn respiratory_shares_of(rows: &[(f64, u32, u32)]) -> [Estimate; 4] {
    let fvc: Vec<f64> = rows.iter().map(|r| r.0).collect();
    let nan = Estimate::point(f64::NAN);
    if fvc.is_empty() {
        return [nan, nan, nan, nan];
    }
    let m = median(&fvc);
    let of = |high: bool, from: u32, below: u32| {
        let group: Vec<&(f64, u32, u32)> = rows
            .iter()
            .filter(|r| (r.0 > m) == high && r.1 >= from)
            .collect();
        share(group.iter().filter(|r| r.2 < below).count(), group.len())
    };
    [
        of(true, 12, 12),
        of(false, 12, 12),
        of(true, 10, 10),
        of(false, 10, 10),
    ]
}

/// Median survival from onset (Kaplan-Meier) and median age at onset of the enrolled patients
/// of a cohort (diagnosed patients, as registers count them).
pub fn onset_cohort(outcomes: &[Outcome]) -> (Estimate, f64) {
    let subj = subjects(outcomes);
    let ages: Vec<f64> = subj.iter().map(|s| s.age).collect();
    (
        median_survival(&subj.iter().collect::<Vec<_>>()),
        median(&ages),
    )
}

/// Share of patients whose rated ALSFRS-R total at `months` after the first visit is at least
/// its first value (no decline), among those with a visit then.
fn plateau(subj: &[Subject], months: f64) -> Estimate {
    let mut k = 0;
    let mut n = 0;
    for s in subj {
        let v = &s.course.visits;
        let (Some(first), Some(later)) = (
            v.first(),
            v.iter().find(|o| (o.t - first_t(v) - months).abs() < 1e-9),
        ) else {
            continue;
        };
        n += 1;
        if later.total() >= first.total() {
            k += 1;
        }
    }
    share(k, n)
}

fn first_t(v: &[crate::cohort::Observation]) -> f64 {
    v.first().map_or(0.0, |o| o.t)
}

/// Months a subject spent in King's stage 1, 2, 3 or 4, if the stage was entered and left
/// within follow-up. Stage 1 starts at onset, 2 and 3 when a second and third region are
/// involved, 4 at the first of gastrostomy and NIV (which overrides the region count); death
/// ends stage 4 (or any earlier stage).
fn kings_duration(s: &Subject, stage: usize) -> Option<f64> {
    let e = &s.course.events;
    let end = s.course.follow_up_end;
    let within = |t: Option<f64>| t.filter(|&t| t <= end);
    let four = match (within(e.gastrostomy), within(e.niv)) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let death = within(e.death);
    let entries = [
        within(e.onset),
        within(e.second_region),
        within(e.third_region),
        four,
    ];
    let start = entries[stage - 1]?;
    if stage < 4 && four.is_some_and(|f| f <= start) {
        // Stage 4 came first: this stage was never clinically distinct.
        return None;
    }
    let next = entries[stage..]
        .iter()
        .flatten()
        .chain(death.iter())
        .copied()
        .filter(|&t| t > start)
        .fold(f64::INFINITY, f64::min);
    next.is_finite().then_some(next - start)
}

/// Median months by which the presymptomatic rise of serum NfL precedes clinical onset, in a
/// cohort seen monthly from disease initiation: the rise is the first visit at which NfL is at
/// least twice its value at the first visit (the healthy level), and only patients with onset
/// within follow-up count. `None` when no patient qualifies.
pub fn nfl_rise_lead(outcomes: &[Outcome]) -> Option<Estimate> {
    let mut leads: Vec<f64> = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Enrolled { arms, .. } => arms.first(),
            _ => None,
        })
        .filter_map(|c| {
            let onset = c.events.onset.filter(|&t| t <= c.follow_up_end)?;
            let healthy = c.visits.first()?.nfl;
            let rise = c.visits.iter().find(|v| v.nfl >= 2.0 * healthy)?;
            Some(onset - (c.origin + rise.t))
        })
        .collect();
    if leads.is_empty() {
        return None;
    }
    leads.sort_by(f64::total_cmp);
    Some(Estimate::point(quantile(&leads, 0.5)))
}

/// The time origin of a survival curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// Months from diagnosis (enrollment).
    Diagnosis,
    /// Months from clinical onset.
    Onset,
}

/// The patients a survival curve describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Group {
    /// Every enrolled patient.
    All,
    /// Bulbar onset.
    BulbarOnset,
    /// Spinal onset: cervical, thoracic or lumbar.
    SpinalOnset,
}

/// A Kaplan-Meier curve of tracheostomy-free survival, reduced to the points where it changes,
/// with 95% pointwise confidence limits (log-log) and the median.
#[derive(Debug, Clone, PartialEq)]
pub struct SurvivalCurve {
    /// Patients.
    pub n: usize,
    /// Deaths or permanent ventilations.
    pub events: usize,
    /// Months: 0, every event time, and the last follow-up time if later.
    pub time: Vec<f64>,
    /// Survival from `time[i]` until `time[i + 1]`.
    pub survival: Vec<f64>,
    /// Lower 95% pointwise limit (NaN where undefined, once survival reaches 0).
    pub lower: Vec<f64>,
    /// Upper 95% pointwise limit (NaN where undefined).
    pub upper: Vec<f64>,
    /// Median survival, months; `None` if the curve stays above one half.
    pub median: Option<f64>,
    /// Brookmeyer-Crowley 95% interval of the median (`None` where not reached).
    pub median_ci: (Option<f64>, Option<f64>),
}

/// The Kaplan-Meier curve of a group of enrolled patients from `origin`; `None` when the group
/// is empty.
pub fn survival_curve(outcomes: &[Outcome], origin: Origin, group: Group) -> Option<SurvivalCurve> {
    let subj = subjects(outcomes);
    let chosen: Vec<&Subject> = subj
        .iter()
        .filter(|s| match group {
            Group::All => true,
            Group::BulbarOnset => s.bulbar,
            Group::SpinalOnset => !s.bulbar,
        })
        .collect();
    let k = km_of(&chosen, origin == Origin::Onset)?;
    let mut curve = SurvivalCurve {
        n: k.n(),
        events: k.events(),
        time: vec![0.0],
        survival: vec![1.0],
        lower: vec![1.0],
        upper: vec![1.0],
        median: k.median(),
        median_ci: k.median_ci(0.95),
    };
    let steps = k.steps();
    for (i, step) in steps.iter().enumerate() {
        let last = i + 1 == steps.len();
        if step.events == 0 && !(last && step.time > 0.0) {
            continue;
        }
        let (lo, hi) = k.survival_ci_at(step.time, 0.95);
        curve.time.push(step.time);
        curve.survival.push(step.survival);
        curve.lower.push(lo);
        curve.upper.push(hi);
    }
    Some(curve)
}

/// Each enrolled patient's D50: the months from onset at which the sigmoid
/// `ALSFRS-R(t) = 48 / (1 + exp((t − D50)/dx))` fitted to the rated totals reaches 24 (the D50
/// model of the Jena ALS group; Gordon 2010 J Neurol 257:1713 for the curvilinear course). The
/// fit is the least-squares line of the logit `ln(48/y − 1) = (t − D50)/dx` on the visits with
/// a total strictly between 0 and 48, for patients with at least three such visits and a
/// falling course (`dx > 0`); others are left out.
pub fn d50_fits(outcomes: &[Outcome]) -> Vec<f64> {
    subjects(outcomes)
        .iter()
        .filter_map(|s| {
            let c = &s.course;
            let onset = c.events.onset?;
            let pts: Vec<(f64, u32)> = c
                .visits
                .iter()
                .map(|o| (c.origin + o.t - onset, o.total()))
                .collect();
            d50_of(&pts)
        })
        .collect()
}

/// Quadratic coefficient `c` of the least-squares fit `y = a + b·t + c·t²`; `None` with fewer
/// than four points or a singular design.
pub fn quadratic_coefficient(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() < 4 || x.len() != y.len() {
        return None;
    }
    // Centre time for conditioning; the quadratic coefficient does not change.
    let m = x.iter().sum::<f64>() / x.len() as f64;
    let mut ata = nalgebra::Matrix3::<f64>::zeros();
    let mut aty = nalgebra::Vector3::<f64>::zeros();
    for (&t, &v) in x.iter().zip(y) {
        let u = t - m;
        let row = nalgebra::Vector3::new(1.0, u, u * u);
        ata += row * row.transpose();
        aty += row * v;
    }
    let beta = ata.lu().solve(&aty)?;
    beta[2].is_finite().then_some(beta[2])
}

/// Per patient, the quadratic coefficient of the rated ALSFRS-R total against months after
/// the first assessment over the first `months` (patients with at least five visits then):
/// positive when the decline slows down (a curvilinear, decelerating course), negative when it
/// speeds up. `alsfrs_quadratic_mean_24` is their mean over 24 months.
pub fn curvatures(outcomes: &[Outcome], months: f64) -> Vec<f64> {
    curvatures_of(&subjects(outcomes), months)
}

/// The curvature of one patient's course (see [`curvatures`]) and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurvatureParts {
    /// Quadratic coefficient of the rated total, points/month².
    pub total: f64,
    /// The same for each domain subscore, in the order bulbar, fine motor, gross motor,
    /// respiratory. The coefficient is linear in the data, so these sum to `total`.
    pub domains: [f64; 4],
    /// Whether the patient died before the end of the window (months after the first
    /// assessment), so that the fit covers the last months of life.
    pub died_in_window: bool,
    /// Region of onset.
    pub onset_region: Region,
    /// Rated total at the first assessment.
    pub baseline: u32,
}

impl CurvatureParts {
    /// Index in [`CurvatureParts::domains`] of the domain the onset region serves: bulbar for
    /// bulbar onset, fine motor for cervical (arms), gross motor for lumbar (legs) and
    /// respiratory for thoracic onset.
    pub fn onset_domain(&self) -> usize {
        match self.onset_region {
            Region::Bulbar => 0,
            Region::Cervical => 1,
            Region::Lumbar => 2,
            Region::Thoracic => 3,
        }
    }
}

/// Per patient with at least five visits within `months` of the first assessment, the
/// curvature of the rated total, of each domain subscore, and whether death came within the
/// window: where the mean of [`curvatures`] comes from.
pub fn curvature_parts(outcomes: &[Outcome], months: f64) -> Vec<CurvatureParts> {
    subjects(outcomes)
        .iter()
        .filter_map(|s| {
            let (x, w) = curvature_window(s, months)?;
            let of = |y: Vec<f64>| quadratic_coefficient(&x, &y);
            let total = of(w.iter().map(|o| f64::from(o.total())).collect())?;
            let mut domains = [0.0; 4];
            for (d, part) in domains.iter_mut().enumerate() {
                let y = w
                    .iter()
                    .map(|o| {
                        o.items[3 * d..3 * d + 3]
                            .iter()
                            .map(|&i| f64::from(i))
                            .sum()
                    })
                    .collect();
                *part = of(y)?;
            }
            Some(CurvatureParts {
                total,
                domains,
                died_in_window: s.died && s.from_diagnosis <= months + 1e-9,
                onset_region: s.region,
                baseline: w[0].total(),
            })
        })
        .collect()
}

/// The course of the long survivors beside that of everyone alive, read from the rated
/// ALSFRS-R total at fixed months after the first assessment.
#[derive(Debug, Clone, PartialEq)]
pub struct SurvivorCourse {
    /// Months after the first assessment at which the totals are read.
    pub months: Vec<f64>,
    /// Patients with a visit at the survival landmark (see [`survivor_course`]).
    pub n: usize,
    /// Their median rated total at each of `months` (NaN where none of them was seen then).
    pub survivors: Vec<f64>,
    /// The median rated total of every patient seen at each of `months`: the median of the
    /// living, which mixes patients who die soon with those who live on.
    pub living: Vec<f64>,
}

/// The course of the patients still seen `alive_at` months after their first assessment (the
/// long survivors), as their median rated total at each of `months`, beside the median of every
/// patient seen at those months. A course that is back-loaded shows little fall in the first
/// year and most of it later; one that stops shows survivors on a plateau. `None` when no
/// patient is seen at `alive_at`.
pub fn survivor_course(
    outcomes: &[Outcome],
    alive_at: f64,
    months: &[f64],
) -> Option<SurvivorCourse> {
    let subj = subjects(outcomes);
    let courses: Vec<&[crate::cohort::Observation]> =
        subj.iter().map(|s| s.course.visits.as_slice()).collect();
    survivor_course_of(&courses, alive_at, months)
}

/// The rated total of the visit exactly `months` after the first visit, if there is one.
fn total_at(visits: &[crate::cohort::Observation], months: f64) -> Option<f64> {
    let t0 = first_t(visits);
    visits
        .iter()
        .find(|o| (o.t - t0 - months).abs() < 1e-9)
        .map(|o| f64::from(o.total()))
}

fn survivor_course_of(
    courses: &[&[crate::cohort::Observation]],
    alive_at: f64,
    months: &[f64],
) -> Option<SurvivorCourse> {
    let long: Vec<&[crate::cohort::Observation]> = courses
        .iter()
        .copied()
        .filter(|v| total_at(v, alive_at).is_some())
        .collect();
    if long.is_empty() {
        return None;
    }
    let median_at = |group: &[&[crate::cohort::Observation]], m: f64| {
        let x = sorted(group.iter().filter_map(|v| total_at(v, m)).collect());
        if x.is_empty() {
            f64::NAN
        } else {
            quantile(&x, 0.5)
        }
    };
    Some(SurvivorCourse {
        months: months.to_vec(),
        n: long.len(),
        survivors: months.iter().map(|&m| median_at(&long, m)).collect(),
        living: months.iter().map(|&m| median_at(courses, m)).collect(),
    })
}

/// The rated total at the last visit of each patient who died within follow-up, sorted: the
/// band of function in which patients die. The living settle above it, which bounds how far the
/// median of the living can fall late in the disease (docs/MODEL.md, section 10).
pub fn totals_before_death(outcomes: &[Outcome]) -> Vec<f64> {
    let subj = subjects(outcomes);
    let courses: Vec<(&[crate::cohort::Observation], bool)> = subj
        .iter()
        .map(|s| (s.course.visits.as_slice(), s.died))
        .collect();
    totals_before_death_of(&courses)
}

/// Motor neurons lost by death in the two limb enlargements of the patients with limb onset
/// who died: the onset region's loss and that of the other limb region, per patient. The
/// respiratory region is left out: it is defined by function (the phrenic pool with the
/// intercostal ones) and its failure ends tracheostomy-free survival, so its loss at death is
/// set by the death criterion rather than by the spread.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionalLoss {
    /// Loss of the onset region (fraction of its pool), sorted.
    pub onset: Vec<f64>,
    /// Loss of the other limb region, sorted.
    pub other: Vec<f64>,
}

/// [`RegionalLoss`] of the patients who died; `None` when none had limb onset.
pub fn regional_loss_at_death(outcomes: &[Outcome]) -> Option<RegionalLoss> {
    let subj = subjects(outcomes);
    regional_loss_of(
        subj.iter()
            .filter(|s| s.died)
            .map(|s| (s.region, s.course.neurons_at_end)),
    )
}

fn regional_loss_of(
    died: impl Iterator<Item = (Region, [f32; crate::model::N_REGIONS])>,
) -> Option<RegionalLoss> {
    let (mut onset, mut other) = (Vec::new(), Vec::new());
    for (region, n) in died {
        let far = match region {
            Region::Cervical => Region::Lumbar,
            Region::Lumbar => Region::Cervical,
            Region::Bulbar | Region::Thoracic => continue,
        };
        let loss = |r: Region| 1.0 - f64::from(n[r.index()]);
        if !(loss(region).is_finite() && loss(far).is_finite()) {
            continue;
        }
        onset.push(loss(region));
        other.push(loss(far));
    }
    (!onset.is_empty()).then(|| RegionalLoss {
        onset: sorted(onset),
        other: sorted(other),
    })
}

fn totals_before_death_of(courses: &[(&[crate::cohort::Observation], bool)]) -> Vec<f64> {
    sorted(
        courses
            .iter()
            .filter(|(_, died)| *died)
            .filter_map(|(v, _)| v.last().map(|o| f64::from(o.total())))
            .collect(),
    )
}

/// D50 (months) of one course `(months from onset, rated total)` by the logit least-squares
/// fit of [`d50_fits`]; `None` with fewer than three usable visits or no fall.
pub fn d50_of(course: &[(f64, u32)]) -> Option<f64> {
    let pts: Vec<(f64, f64)> = course
        .iter()
        .filter(|(_, y)| (1..48).contains(y))
        .map(|&(t, y)| (t, (48.0 / f64::from(y) - 1.0).ln()))
        .collect();
    if pts.len() < 3 {
        return None;
    }
    let b = slope::slope(&pts)?;
    let n = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    if b <= 0.0 {
        return None;
    }
    // z = b (t − D50): zero at t = mx − my / b.
    let d50 = mx - my / b;
    (d50.is_finite() && d50 > 0.0).then_some(d50)
}

/// Individual ALSFRS-R decline (points/month, positive when the score falls): the negative
/// least-squares slope of the rated total over the visits within `months` of diagnosis, for
/// each patient with at least three such visits (as `slope_mean_24` uses them).
pub fn alsfrs_declines(outcomes: &[Outcome], months: f64) -> Vec<f64> {
    declines(&subjects(outcomes), months, |o| f64::from(o.total()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cohort::Observation;

    #[test]
    fn regional_loss_reads_the_onset_enlargement_and_the_other_one() {
        // Neurons left at death, bulbar to lumbar.
        let died: [(Region, [f32; 4]); 4] = [
            (Region::Cervical, [0.9, 0.2, 0.5, 0.7]),
            (Region::Lumbar, [0.3, 0.6, 0.8, 0.1]),
            // Bulbar and respiratory onset are left out: the gradient is read between the limbs.
            (Region::Bulbar, [0.1, 0.9, 0.9, 0.9]),
            (Region::Thoracic, [0.9, 0.9, 0.1, 0.9]),
        ];
        let r = regional_loss_of(died.into_iter()).unwrap();
        let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-6);
        assert_eq!(r.onset.len(), 2);
        assert!(close(&r.onset, &[0.8, 0.9]), "{:?}", r.onset);
        assert!(close(&r.other, &[0.3, 0.4]), "{:?}", r.other);
        assert!(regional_loss_of(std::iter::empty()).is_none());
    }

    /// Visits at the given months with the given rated totals (the total spread over items).
    fn visits(course: &[(f64, u32)]) -> Vec<Observation> {
        course
            .iter()
            .map(|&(t, total)| {
                let mut items = [0u8; crate::model::alsfrs::N_ITEMS];
                let mut left = total;
                for x in &mut items {
                    let k = left.min(4);
                    *x = k as u8;
                    left -= k;
                }
                Observation {
                    t,
                    delay: 0.0,
                    items,
                    fvc: 100.0,
                    nfl: 10.0,
                    regional: [0.0; crate::cohort::engine::REGIONAL],
                    modulation: [1.0; crate::cohort::engine::N_SLOTS],
                }
            })
            .collect()
    }

    #[test]
    fn sustained_gain_needs_four_points_held_for_twelve_months() {
        let held = visits(&[
            (0.0, 40),
            (3.0, 44),
            (6.0, 44),
            (9.0, 45),
            (12.0, 44),
            (15.0, 44),
        ]);
        assert_eq!(sustained_gain(&held, 4, 12.0), Some(true));
        assert_eq!(held[1].total(), 44);
        // A dip below the gained level within the 12 months.
        let dip = visits(&[
            (0.0, 40),
            (3.0, 44),
            (6.0, 43),
            (9.0, 45),
            (12.0, 44),
            (15.0, 44),
        ]);
        assert_eq!(sustained_gain(&dip, 4, 12.0), Some(false));
        // Three points are not a gain.
        let small = visits(&[
            (0.0, 40),
            (3.0, 43),
            (6.0, 43),
            (9.0, 43),
            (12.0, 43),
            (15.0, 43),
        ]);
        assert_eq!(sustained_gain(&small, 4, 12.0), Some(false));
        // The 12 months after the gain were not seen.
        let short = visits(&[(0.0, 40), (3.0, 44), (6.0, 44), (9.0, 44), (12.0, 44)]);
        assert_eq!(sustained_gain(&short, 4, 12.0), Some(false));
        // Visits spanning less than 12 months say nothing.
        assert_eq!(sustained_gain(&short[..4], 4, 12.0), None);
    }

    #[test]
    fn positive_interval_needs_a_fully_observed_rising_window() {
        let falling = visits(&[(0.0, 40), (3.0, 39), (6.0, 37), (9.0, 36)]);
        assert_eq!(positive_interval(&falling, 6.0), Some(false));
        let rise = visits(&[(0.0, 40), (3.0, 39), (6.0, 41), (9.0, 38), (12.0, 36)]);
        assert_eq!(positive_interval(&rise, 6.0), Some(true));
        // A rise in a window that was not observed to its end does not count.
        let open = visits(&[(0.0, 40), (3.0, 38), (6.0, 36), (9.0, 37)]);
        assert_eq!(positive_interval(&open, 6.0), Some(false));
        assert_eq!(positive_interval(&open[..2], 6.0), None);
    }

    #[test]
    fn respiratory_shares_split_at_the_median_fvc() {
        // Four patients above the median FVC (90.5) and four below it.
        let rows = [
            (100.0, 12, 12),
            (95.0, 12, 11),
            (92.0, 12, 9),
            (91.0, 11, 11),
            (90.0, 12, 12),
            (80.0, 12, 8),
            (70.0, 9, 7),
            (65.0, 10, 10),
        ];
        let [l_hi, l_lo, b_hi, b_lo] = respiratory_shares_of(&rows);
        // Above: 3 rated 12 at baseline, 2 left 12; all 4 at 10 or more, 1 fell below 10.
        assert!((l_hi.value - 2.0 / 3.0).abs() < 1e-12, "{l_hi:?}");
        assert!((b_hi.value - 0.25).abs() < 1e-12, "{b_hi:?}");
        // Below: 2 rated 12, 1 left; 3 at 10 or more (the one at FVC 70 started at 9), 1 fell
        // below 10.
        assert!((l_lo.value - 0.5).abs() < 1e-12, "{l_lo:?}");
        assert!((b_lo.value - 1.0 / 3.0).abs() < 1e-12, "{b_lo:?}");
        assert!(respiratory_shares_of(&[])[0].value.is_nan());
    }

    #[test]
    fn fvc_at_presentation_reads_the_deaths_in_the_survival_range() {
        let rows = [
            (true, 6.0, Some(70.0)),  // died too soon
            (true, 12.0, Some(92.0)), // from included
            (true, 30.0, Some(96.0)),
            (true, 47.9, None),        // no visit
            (true, 48.0, Some(99.0)),  // to excluded
            (false, 30.0, Some(50.0)), // censored
        ];
        let v = first_fvc_in_survival_range(rows.into_iter(), 12.0, 48.0);
        assert_eq!(v, vec![92.0, 96.0]);
        assert!(quantile(&sorted(Vec::new()), 0.5).is_nan());
    }

    #[test]
    fn quadratic_coefficient_of_an_exact_parabola() {
        let x: Vec<f64> = (0..9).map(|k| 3.0 * f64::from(k)).collect();
        let y: Vec<f64> = x.iter().map(|t| 40.0 - 1.2 * t + 0.02 * t * t).collect();
        let c = quadratic_coefficient(&x, &y).unwrap();
        assert!((c - 0.02).abs() < 1e-12, "{c}");
        assert_eq!(quadratic_coefficient(&x[..3], &y[..3]), None);
    }

    #[test]
    fn totals_before_death_read_the_last_visit_of_those_who_died() {
        let a = visits(&[(0.0, 40), (3.0, 30), (6.0, 22)]);
        let b = visits(&[(0.0, 44), (3.0, 26)]);
        let alive = visits(&[(0.0, 45), (3.0, 44)]);
        let none = visits(&[]);
        let courses: Vec<(&[Observation], bool)> =
            vec![(&a, true), (&b, true), (&alive, false), (&none, true)];
        assert_eq!(totals_before_death_of(&courses), vec![22.0, 26.0]);
        assert!(totals_before_death_of(&[(&alive, false)]).is_empty());
    }

    #[test]
    fn survivor_course_follows_only_the_patients_seen_at_the_landmark() {
        // Two long survivors (seen at month 24), one patient seen only to month 12.
        let a = visits(&[(5.0, 46), (17.0, 44), (29.0, 40)]);
        let b = visits(&[(2.0, 40), (14.0, 36), (26.0, 30)]);
        let short = visits(&[(0.0, 30), (12.0, 20)]);
        let courses: Vec<&[Observation]> = vec![&a, &b, &short];
        let c = survivor_course_of(&courses, 24.0, &[0.0, 12.0, 24.0]).unwrap();
        assert_eq!(c.n, 2);
        assert_eq!(c.survivors, vec![43.0, 40.0, 35.0]);
        // The median of the living includes the patient who was not seen at month 24.
        assert_eq!(c.living, vec![40.0, 36.0, 35.0]);
        // No one is seen at month 36; no visit falls on month 6.
        assert_eq!(survivor_course_of(&courses, 36.0, &[0.0]), None);
        let c = survivor_course_of(&courses, 24.0, &[6.0]).unwrap();
        assert!(c.survivors[0].is_nan() && c.living[0].is_nan());
    }

    #[test]
    fn survival_on_spread_reads_lower_limb_onset_deaths_after_spread() {
        let case = |lower: bool, died: bool, second: f64, death: f64| SpreadCase {
            lower_limb_onset: lower,
            died,
            onset: Some(100.0),
            second_region: Some(100.0 + second),
            death: died.then_some(100.0 + death),
        };
        // About two years left after the first spread, whenever it comes: slope 1.
        let turner = [
            case(true, true, 6.0, 30.0),
            case(true, true, 12.0, 37.0),
            case(true, true, 24.0, 47.0),
            case(true, true, 36.0, 60.0),
        ];
        let e = survival_on_spread_of(turner.iter().copied());
        assert!((e.value - 519.0 / 531.0).abs() < 1e-12, "{}", e.value);
        assert!(e.lo < e.value && e.value < e.hi);
        // Left out: the living, other onset regions, and a death before the spread.
        let others = [
            case(true, false, 2.0, 0.0),
            case(false, true, 2.0, 90.0),
            case(true, true, 50.0, 40.0),
        ];
        let e2 = survival_on_spread_of(turner.iter().chain(&others).copied());
        assert_eq!(e2.value.to_bits(), e.value.to_bits());
        // A whole course at one speed: survival proportional to the time to spread.
        let scaled = [6.0, 12.0, 24.0, 36.0].map(|t| case(true, true, t, 2.2 * t));
        let e3 = survival_on_spread_of(scaled.iter().copied());
        assert!((e3.value - 2.2).abs() < 1e-9);
        assert!(
            survival_on_spread_of(turner[..2].iter().copied())
                .value
                .is_nan()
        );
    }

    #[test]
    fn d50_of_a_sampled_sigmoid() {
        // ALSFRS-R = 48 / (1 + exp((t − 30)/8)), rated every 3 months from 6 to 60, rounded.
        let course: Vec<(f64, u32)> = (2..=20)
            .map(|k| {
                let t = 3.0 * f64::from(k);
                (t, (48.0 / (1.0 + ((t - 30.0) / 8.0).exp())).round() as u32)
            })
            .collect();
        let d = d50_of(&course).unwrap();
        assert!((d - 30.0).abs() < 1.0, "{d}");
        // A flat course has no D50.
        assert_eq!(d50_of(&[(1.0, 40), (2.0, 40), (3.0, 40)]), None);
    }
}
