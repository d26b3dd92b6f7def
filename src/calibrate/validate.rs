//! `alssim validate`: the untreated default population against published natural history.

use super::metrics::{self, Estimate, Group, Metric, Origin, SurvivalCurve};
use super::targets::{self, Class, Set, Target};
use crate::cohort::{self, EngineError, Outcome};
use crate::model::Genotype;
use crate::report::plot::{
    Axis, Chart, Colour, Figure, FigureOptions, Histogram, Mark, PlotError, Points, Series,
};
use crate::scenario::{self, Scenario};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The bundled natural-history scenario, the population the targets describe.
pub const NATURAL_HISTORY: &str = include_str!("../../scenarios/natural-history.toml");

/// Size of the separate SOD1 A4V cohort.
pub const SOD1_A4V_PATIENTS: u64 = 400;

/// Size of the separate FUS cohort.
pub const FUS_PATIENTS: u64 = 300;

/// The bundled trial-like scenario, whose screen the trial-like cohort uses.
pub const TRIAL_LIKE: &str = include_str!("../../scenarios/trial-like.toml");

/// Patients screened for the trial-like cohort.
pub const TRIAL_PATIENTS: u64 = 600;

/// Metrics computed on a cohort other than the main one (see [`estimate`]).
pub const COHORT_METRICS: [Metric; 18] = [
    Metric::MedianSurvivalSod1A4v,
    Metric::NflRiseLeadSod1A4v,
    Metric::NflRiseLeadFus,
    Metric::NflRiseLeadC9orf72,
    Metric::NflRiseOrder,
    Metric::FusOnsetAgeMedian,
    Metric::FusMedianSurvivalFromOnset,
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
];

/// One target with its simulated value.
#[derive(Debug, Clone)]
pub struct Check {
    /// The target.
    pub target: Target,
    /// The simulated estimate.
    pub estimate: Estimate,
}

impl Check {
    /// Whether the simulated value lies in the acceptance interval.
    pub fn passed(&self) -> bool {
        self.target.accepts(self.estimate.value)
    }
}

/// The bundled natural-history scenario.
pub fn natural_history() -> Scenario {
    // Bundled and checked by the test suite, so it always parses.
    scenario::parse("natural-history.toml", "natural-history", NATURAL_HISTORY).unwrap_or_else(
        |e| {
            unreachable!(
                "the bundled natural-history scenario is invalid: {}",
                e.report()
            )
        },
    )
}

/// Size of each presymptomatic cohort (serum NfL before onset, by genotype).
pub const PRESYMPTOMATIC_PATIENTS: u64 = 1000;

/// The genotypes followed from disease initiation for the presymptomatic NfL rise.
pub const PRESYMPTOMATIC_GENOTYPES: [Genotype; 3] =
    [Genotype::Sod1A4v, Genotype::Fus, Genotype::C9orf72];

/// The simulated cohorts the targets are computed on.
#[derive(Debug, Clone)]
pub struct Cohorts {
    /// The natural-history population.
    pub main: Vec<Outcome>,
    /// SOD1 A4V carriers drawn like the main population except for genotype (so with the
    /// younger onset of the multistep model), for their survival.
    pub sod1_a4v: Vec<Outcome>,
    /// Carriers followed monthly from disease initiation, by genotype, for NfL before onset
    /// (and, for FUS, onset age and survival from onset).
    pub presymptomatic: Vec<(Genotype, Vec<Outcome>)>,
    /// FUS carriers drawn like the main population except for genotype (age at onset as the
    /// scenario draws it), for their age at onset and survival.
    pub fus: Vec<Outcome>,
    /// A trial-like screened population, untreated, seen monthly from enrollment.
    pub trial: Vec<Outcome>,
}

/// The trial-like population for the trial-like slope targets: the screen, enrollment and
/// visits of `scenarios/trial-like.toml` (onset within 24 months, ALSFRS-R at least 30, FVC at
/// least 60%, enrolled 3 months after diagnosis, seen monthly for 18 months), its first arm
/// only (placebo, untreated), with the model, population make-up and seed of `s`.
pub fn trial_like(s: &Scenario) -> Scenario {
    // Bundled and checked by the test suite, so it always parses.
    let t = scenario::parse("trial-like.toml", "trial-like", TRIAL_LIKE).unwrap_or_else(|e| {
        unreachable!("the bundled trial-like scenario is invalid: {}", e.report())
    });
    let mut p = s.clone();
    p.population.enrollment = t.population.enrollment;
    p.population.inclusion = t.population.inclusion;
    p.simulation = t.simulation;
    p.arms.truncate(1);
    p
}

/// Simulates the main cohort, the SOD1 A4V cohort and the presymptomatic cohorts.
pub fn simulate(s: &Scenario, threads: usize) -> Result<Cohorts, EngineError> {
    let main = cohort::run(&s.cohort_spec(), 0..s.population.size, threads)?;
    let only = |g: Genotype| Genotype::ALL.map(|x| if x == g { 1.0 } else { 0.0 });
    let mut a4v = s.clone();
    a4v.population.covariates.genotype = only(Genotype::Sod1A4v);
    // SOD1 carriers start younger (onset about 46-50 years; Bali 2017 JNNP 88:99): the sampler
    // gives them the onset ages of the multistep model (two steps), from the population's ages.
    let sod1_a4v = cohort::run(&a4v.cohort_spec(), 0..SOD1_A4V_PATIENTS, threads)?;
    let mut presymptomatic = Vec::new();
    for g in PRESYMPTOMATIC_GENOTYPES {
        let mut p = if g == Genotype::Sod1A4v {
            a4v.clone()
        } else {
            s.clone()
        };
        p.population.covariates.genotype = only(g);
        // Enrolled at disease initiation (50 years before onset, clamped to initiation) and
        // seen monthly until well after onset.
        p.population.enrollment = scenario::types::Enrollment {
            at: scenario::types::Anchor::Onset,
            after_months: -600.0,
        };
        p.population.inclusion = scenario::types::Inclusion::default();
        p.simulation.visits = scenario::types::Visits::Every(1.0);
        p.simulation.visits_from = scenario::types::TimeOrigin::Enrollment;
        p.simulation.horizon_months = 600.0;
        let out = cohort::run(&p.cohort_spec(), 0..PRESYMPTOMATIC_PATIENTS, threads)?;
        presymptomatic.push((g, out));
    }
    let mut fus = s.clone();
    fus.population.covariates.genotype = only(Genotype::Fus);
    let fus = cohort::run(&fus.cohort_spec(), 0..FUS_PATIENTS, threads)?;
    let trial = cohort::run(&trial_like(s).cohort_spec(), 0..TRIAL_PATIENTS, threads)?;
    Ok(Cohorts {
        main,
        sod1_a4v,
        presymptomatic,
        fus,
        trial,
    })
}

/// The estimate of one metric from the cohorts; NaN when it cannot be computed.
pub fn estimate(metric: Metric, cohorts: &Cohorts) -> Estimate {
    estimate_prepared(metric, cohorts, &metrics::Prepared::new(&cohorts.main))
}

/// As [`estimate`], with the main cohort prepared once.
fn estimate_prepared(metric: Metric, cohorts: &Cohorts, main: &metrics::Prepared) -> Estimate {
    let nan = Estimate {
        value: f64::NAN,
        lo: f64::NAN,
        hi: f64::NAN,
    };
    let carriers = |g: Genotype| {
        cohorts
            .presymptomatic
            .iter()
            .find(|(x, _)| *x == g)
            .map(|(_, out)| out.as_slice())
    };
    let lead = |g| {
        carriers(g)
            .and_then(metrics::nfl_rise_lead)
            .map_or(f64::NAN, |e| e.value)
    };
    let point = |value| Estimate {
        value,
        lo: f64::NAN,
        hi: f64::NAN,
    };
    match metric {
        Metric::NflRiseLeadSod1A4v => point(lead(Genotype::Sod1A4v)),
        Metric::NflRiseLeadFus => point(lead(Genotype::Fus)),
        Metric::NflRiseLeadC9orf72 => point(lead(Genotype::C9orf72)),
        Metric::NflRiseOrder => {
            // 1 when the rise comes earliest (relative to onset) in C9orf72, then FUS, then
            // SOD1 A4V; 0 otherwise (or when a lead is missing).
            let (a, f, c) = (
                lead(Genotype::Sod1A4v),
                lead(Genotype::Fus),
                lead(Genotype::C9orf72),
            );
            point(if a < f && f < c { 1.0 } else { 0.0 })
        }
        Metric::FusOnsetAgeMedian => point(metrics::onset_cohort(&cohorts.fus).1),
        Metric::FusMedianSurvivalFromOnset => metrics::onset_cohort(&cohorts.fus).0,
        Metric::TrialSlope6 => metrics::mean_decline(&cohorts.trial, 6.0),
        Metric::TrialSlope12 => metrics::mean_decline(&cohorts.trial, 12.0),
        Metric::TrialFvcDecline12 => metrics::mean_fvc_decline(&cohorts.trial, 12.0),
        Metric::TrialRespiratoryLeaves12HighFvc => metrics::respiratory_shares(&cohorts.trial)[0],
        Metric::TrialRespiratoryLeaves12LowFvc => metrics::respiratory_shares(&cohorts.trial)[1],
        Metric::TrialRespiratoryBelow10HighFvc => metrics::respiratory_shares(&cohorts.trial)[2],
        Metric::TrialRespiratoryBelow10LowFvc => metrics::respiratory_shares(&cohorts.trial)[3],
        Metric::TrialPlateau6 => metrics::plateau_share(&cohorts.trial, 6.0),
        Metric::TrialPlateau12 => metrics::plateau_share(&cohorts.trial, 12.0),
        Metric::TrialPlateau18 => metrics::plateau_share(&cohorts.trial, 18.0),
        Metric::TrialPositiveIntervalShare => metrics::positive_interval_share(&cohorts.trial),
        _ => metrics::compute_prepared(metric, main, &cohorts.sod1_a4v).unwrap_or(nan),
    }
}

/// Every bundled target against the simulated cohorts.
pub fn check(cohorts: &Cohorts) -> Vec<Check> {
    let main = metrics::Prepared::new(&cohorts.main);
    targets::bundled()
        .into_iter()
        .map(|target| {
            let estimate = estimate_prepared(target.metric, cohorts, &main);
            Check { target, estimate }
        })
        .collect()
}

fn fmt(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3}")
    } else {
        String::new()
    }
}

/// `validation.csv`.
pub fn to_csv(checks: &[Check]) -> String {
    let mut out = String::from(
        "id,class,set,statistic,simulated,ci_low,ci_high,published,accept_low,accept_high,pass,population,source,informs\n",
    );
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    for c in checks {
        let t = &c.target;
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            t.id,
            t.class.name(),
            t.set.name(),
            q(&t.statistic),
            fmt(c.estimate.value),
            fmt(c.estimate.lo),
            fmt(c.estimate.hi),
            t.value,
            t.accept[0],
            t.accept[1],
            c.passed(),
            q(&t.population),
            q(&t.source),
            q(&t.informs.join(" "))
        );
    }
    out
}

/// `passed/total` of the checks of one set.
fn pass_count(checks: &[&Check], set: Set) -> String {
    let of_set = || checks.iter().filter(|c| c.target.set == set);
    format!(
        "{}/{}",
        of_set().filter(|c| c.passed()).count(),
        of_set().count()
    )
}

/// `validation.md`: a table for people.
pub fn to_markdown(checks: &[Check], patients: u64, seed: u64) -> String {
    let hard: Vec<_> = checks
        .iter()
        .filter(|c| c.target.class == Class::Hard)
        .collect();
    let soft: Vec<_> = checks
        .iter()
        .filter(|c| c.target.class == Class::Soft)
        .collect();
    let mut out = format!(
        "# Natural-history validation\n\nThe bundled natural-history population ({patients} patients, seed {seed}) against \
         published figures. Hard targets must fall inside their accepted interval; soft targets are reported. \
         Targets of the fit set are those `alssim calibrate` fits; the validation set is held out of every fit.\n\n\
         Hard: {} of {} pass (fit set {}, validation set {}). Soft: {} of {} inside their interval.\n\n",
        hard.iter().filter(|c| c.passed()).count(),
        hard.len(),
        pass_count(&hard, Set::Fit),
        pass_count(&hard, Set::Validation),
        soft.iter().filter(|c| c.passed()).count(),
        soft.len()
    );
    for (title, group) in [("Hard targets", hard), ("Soft targets", soft)] {
        let _ = write!(
            out,
            "## {title}\n\n| target | set | simulated (95% CI) | published | accepted | pass | source | informs |\n|---|---|---|---|---|---|---|---|\n"
        );
        for c in group {
            let e = c.estimate;
            let ci = if e.lo.is_finite() && e.hi.is_finite() {
                format!(" ({}-{})", fmt(e.lo), fmt(e.hi))
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "| {} | {} | {}{} | {} | {} | {} | {} | {} |",
                c.target.statistic,
                c.target.set.name(),
                fmt(e.value),
                ci,
                c.target.value,
                targets::accepted_text(c.target.accept),
                if c.passed() { "yes" } else { "**no**" },
                c.target.source,
                c.target
                    .informs
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        out.push('\n');
    }
    out
}

/// Months after diagnosis over which individual ALSFRS-R decline is measured.
pub const DECLINE_MONTHS: f64 = 24.0;

/// Width of a bin of the decline histogram, points/month.
pub const DECLINE_BIN: f64 = 0.1;

/// How far survival curves are drawn, months.
const SURVIVAL_SHOWN: f64 = 120.0;

/// Individual ALSFRS-R declines, binned.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclineHistogram {
    /// Bin edges, points/month ([`DECLINE_BIN`] apart).
    pub edges: Vec<f64>,
    /// Patients per bin.
    pub counts: Vec<f64>,
    /// Patients with a decline (at least three visits in the window).
    pub n: usize,
    /// Patients outside the binned range (the most extreme 0.2% on each side at most).
    pub outside: usize,
    /// Mean decline.
    pub mean: f64,
    /// 2.5th percentile.
    pub p025: f64,
    /// 97.5th percentile.
    pub p975: f64,
}

impl DeclineHistogram {
    /// Bins `values` between the 0.2nd and 99.8th percentiles, widened to include `include`
    /// (published values to show) and rounded out to whole bins. `None` without finite values.
    pub fn new(values: &[f64], include: &[f64]) -> Option<DeclineHistogram> {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let q = |p| crate::stats::describe::quantile_sorted(&v, p);
        let (mut lo, mut hi) = (q(0.002), q(0.998));
        for &x in include.iter().filter(|x| x.is_finite()) {
            lo = lo.min(x);
            hi = hi.max(x);
        }
        let first = (lo / DECLINE_BIN).floor() as i64;
        let mut last = (hi / DECLINE_BIN).ceil() as i64;
        if last <= first {
            last = first + 1;
        }
        let edges: Vec<f64> = (first..=last).map(|k| k as f64 * DECLINE_BIN).collect();
        let mut counts = vec![0.0; edges.len() - 1];
        let mut outside = 0;
        for &x in &v {
            let k = (x / DECLINE_BIN).floor() as i64 - first;
            match usize::try_from(k).ok().filter(|&k| k < counts.len()) {
                Some(k) => counts[k] += 1.0,
                None => outside += 1,
            }
        }
        Some(DeclineHistogram {
            edges,
            counts,
            n: v.len(),
            outside,
            mean: v.iter().sum::<f64>() / v.len() as f64,
            p025: q(0.025),
            p975: q(0.975),
        })
    }
}

/// The numbers behind the validation figures, computed from a simulated cohort.
#[derive(Debug, Clone)]
pub struct ValidationFigures {
    /// The simulated population in words (scenario, size, seed).
    pub population: String,
    /// Kaplan-Meier survival from diagnosis of every enrolled patient.
    pub from_diagnosis: Option<SurvivalCurve>,
    /// Kaplan-Meier survival from onset, bulbar onset.
    pub bulbar: Option<SurvivalCurve>,
    /// Kaplan-Meier survival from onset, spinal onset.
    pub spinal: Option<SurvivalCurve>,
    /// Age-adjusted hazard ratio of death from onset, bulbar vs spinal onset.
    pub bulbar_hazard_ratio: Estimate,
    /// Individual ALSFRS-R decline over the first [`DECLINE_MONTHS`] after diagnosis.
    pub declines: Option<DeclineHistogram>,
    /// Each patient's D50, months (see [`metrics::d50_fits`]).
    pub d50: Vec<f64>,
    /// The published targets the figures show.
    pub targets: Vec<Target>,
}

/// The shape of the decline in detail: the curvature of each patient's course over the first
/// 24 months after the first assessment (whose mean is the `alsfrs-deceleration` target) and
/// the D50 groups (reported without a target: no published shares are at hand). A markdown
/// section for `validation.md`.
pub fn shape_markdown(outcomes: &[Outcome]) -> String {
    let c = metrics::curvatures(outcomes, DECLINE_MONTHS);
    let d50 = metrics::d50_fits(outcomes);
    let mut out = String::from(
        "## Shape of the decline\n\nPublished: the mean course is \
         curvilinear (quadratic fits, not linear; Gordon 2010 J Neurol 257:1713) and decelerates \
         on average over the first 24 months (PRECISION-ALS, van Eijk 2025 ALS-FTD 26(sup1):30; \
         the `alsfrs-deceleration` target); D50 groups below 20, 20-40 and above 40 months (Jena \
         ALS group), reported without a target: no published shares are at hand.\n\n",
    );
    if !c.is_empty() {
        let n = c.len() as f64;
        let mean = c.iter().sum::<f64>() / n;
        let sd = (c.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
        let half = 1.96 * sd / n.sqrt();
        let decelerating = c.iter().filter(|&&x| x > 0.0).count() as f64 / n;
        let _ = writeln!(
            out,
            "- Quadratic coefficient of each patient's rated ALSFRS-R against months after \
             the first assessment, first 24 months, patients with 5 or more visits (n = {}): mean {:.4} \
             points/month² (95% CI {:.4} to {:.4}); decelerating (coefficient above 0) in {:.0}%.",
            c.len(),
            mean,
            mean - half,
            mean + half,
            100.0 * decelerating
        );
        let parts = metrics::curvature_parts(outcomes, DECLINE_MONTHS);
        // Count and mean of the total and of the respiratory part over a group of patients.
        let group = |died: bool| {
            let g: Vec<_> = parts.iter().filter(|p| p.died_in_window == died).collect();
            let n = g.len().max(1) as f64;
            let mean =
                |f: fn(&metrics::CurvatureParts) -> f64| g.iter().map(|p| f(p)).sum::<f64>() / n;
            (g.len(), mean(|p| p.total), mean(|p| p.domains[3]))
        };
        let domain =
            |d: usize| parts.iter().map(|p| p.domains[d]).sum::<f64>() / parts.len().max(1) as f64;
        let (n_died, c_died, r_died) = group(true);
        let (n_lived, c_lived, r_lived) = group(false);
        let _ = writeln!(
            out,
            "- Where the mean comes from (the coefficient is linear in the items, so the parts \
             add up): by domain, bulbar {:.4}, fine motor {:.4}, gross motor {:.4}, respiratory \
             {:.4}; patients who died within the 24 months (n = {}) {:.4} (respiratory {:.4}), \
             patients alive at their end (n = {}) {:.4} (respiratory {:.4}).",
            domain(0),
            domain(1),
            domain(2),
            domain(3),
            n_died,
            c_died,
            r_died,
            n_lived,
            c_lived,
            r_lived
        );
        let _ = writeln!(out, "- {}", onset_domain_split(&parts));
    }
    if let Some(line) = survivor_line(outcomes) {
        let _ = writeln!(out, "- {line}");
    }
    if let Some(line) = regional_loss_line(outcomes) {
        let _ = writeln!(out, "- {line}");
    }
    if !d50.is_empty() {
        let mut v = d50.clone();
        v.sort_by(f64::total_cmp);
        let [fast, mid, slow] = d50_shares(&v);
        let _ = writeln!(
            out,
            "- D50 (months from onset to half the ALSFRS-R, sigmoid fitted per patient; n = {}): \
             median {:.1}; below 20 months {:.0}%, 20-40 {:.0}%, above 40 {:.0}%.",
            v.len(),
            crate::stats::describe::quantile_sorted(&v, 0.5),
            100.0 * fast,
            100.0 * mid,
            100.0 * slow
        );
    }
    out.push('\n');
    out
}

/// Months after the first assessment at which a patient counts as a long survivor in
/// [`survivor_line`].
pub const SURVIVOR_MONTHS: f64 = 60.0;

/// The course of the long survivors (patients seen [`SURVIVOR_MONTHS`] after the first
/// assessment) beside the median of the living, at months 0, 12, 24, 36, 48 and 60, with the
/// fall of each from month 24 to month 60; reported without a target (no published course of
/// long survivors is at hand). `None` when no patient is followed that long.
pub fn survivor_line(outcomes: &[Outcome]) -> Option<String> {
    let months = [0.0, 12.0, 24.0, 36.0, 48.0, SURVIVOR_MONTHS];
    let c = metrics::survivor_course(outcomes, SURVIVOR_MONTHS, &months)?;
    let list = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let fall = |v: &[f64]| v[2] - v[5];
    let dying = metrics::totals_before_death(outcomes);
    let band = if dying.is_empty() {
        String::new()
    } else {
        format!(
            " Patients who died were last seen at a median rated total of {} (quartiles {} and \
             {}; n = {}): the living settle above that band, so their median falls little late \
             in the disease (docs/MODEL.md, section 10).",
            crate::stats::describe::quantile_sorted(&dying, 0.5),
            crate::stats::describe::quantile_sorted(&dying, 0.25),
            crate::stats::describe::quantile_sorted(&dying, 0.75),
            dying.len()
        )
    };
    Some(format!(
        "Long survivors (reported without a target: no published course of long survivors is \
         at hand): the {} patients seen {} months after the first assessment are rated a median \
         of {} at months 0, 12, 24, 36, 48 and 60 (a fall of {} points from month 24 to month \
         60); the median of every patient seen at those months is {} ({} points). A course \
         that is back-loaded loses little in the first year and most later; survivors on a \
         plateau lose little at all.{}",
        c.n,
        SURVIVOR_MONTHS,
        list(&c.survivors),
        fall(&c.survivors),
        list(&c.living),
        fall(&c.living),
        band
    ))
}

/// How evenly the limbs' motor pools are lost by death (patients with limb onset who died): the
/// onset enlargement's loss beside that of the other limb region, against the post-mortem
/// gradient of Ravits et al. 2007; reported without a target (the publication gives a mean and
/// a range, not a distribution per region). `None` when no such patient died.
pub fn regional_loss_line(outcomes: &[Outcome]) -> Option<String> {
    let r = metrics::regional_loss_at_death(outcomes)?;
    let q = |v: &[f64], p: f64| 100.0 * crate::stats::describe::quantile_sorted(v, p);
    Some(format!(
        "Regional loss at death (reported without a target): of the {} patients with arm or leg \
         onset who died, the onset region had lost a median {:.0}% of its motor neurons \
         (5th-95th percentile {:.0}-{:.0}%) and the other limb region {:.0}% ({:.0}-{:.0}%). \
         Counted post mortem (Ravits et al. 2007, Neurology), the loss of spinal lower motor \
         neurons averages 55%, ranges from 8% to 90% and is graded away from the onset region; \
         limb regions that degenerate side by side leave neither limb spared (docs/MODEL.md, \
         section 10).",
        r.onset.len(),
        q(&r.onset, 0.5),
        q(&r.onset, 0.05),
        q(&r.onset, 0.95),
        q(&r.other, 0.5),
        q(&r.other, 0.05),
        q(&r.other, 0.95),
    ))
}

/// The curvature of the domain each patient's onset region serves against that of the domains
/// the disease reaches later, overall and by onset region, with the median rated total at the
/// first assessment: whether the course of the first region decelerates, and how far into it
/// patients are when first assessed.
pub fn onset_domain_split(parts: &[metrics::CurvatureParts]) -> String {
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let own: Vec<f64> = parts.iter().map(|p| p.domains[p.onset_domain()]).collect();
    let others: Vec<f64> = parts
        .iter()
        .map(|p| p.total - p.domains[p.onset_domain()])
        .collect();
    let mut by_region = Vec::new();
    for region in crate::model::Region::ALL {
        let g: Vec<_> = parts.iter().filter(|p| p.onset_region == region).collect();
        if g.is_empty() {
            continue;
        }
        let total: Vec<f64> = g.iter().map(|p| p.total).collect();
        let own: Vec<f64> = g.iter().map(|p| p.domains[p.onset_domain()]).collect();
        by_region.push(format!(
            "{} onset (n = {}) {:.4}, its own domain {:.4}",
            region.name(),
            g.len(),
            mean(&total),
            mean(&own)
        ));
    }
    let mut baseline: Vec<f64> = parts.iter().map(|p| f64::from(p.baseline)).collect();
    baseline.sort_by(f64::total_cmp);
    format!(
        "By onset: the domain the onset region serves (bulbar, fine motor for the arms, gross \
         motor for the legs, respiratory for thoracic onset) {:.4}, the domains reached later \
         {:.4}; {}. Median rated ALSFRS-R at the first assessment {:.0} (published: 38-39 at \
         about 16 months from onset; Witzel 2022 JAMA Neurol 79:121).",
        mean(&own),
        mean(&others),
        by_region.join("; "),
        if baseline.is_empty() {
            f64::NAN
        } else {
            crate::stats::describe::quantile_sorted(&baseline, 0.5)
        }
    )
}

/// Shares of D50 values below 20, from 20 to 40, and above 40 months.
pub fn d50_shares(d50: &[f64]) -> [f64; 3] {
    let n = d50.len().max(1) as f64;
    let fast = d50.iter().filter(|&&d| d < D50_GROUPS[0]).count() as f64;
    let slow = d50.iter().filter(|&&d| d > D50_GROUPS[1]).count() as f64;
    [fast / n, (n - fast - slow) / n, slow / n]
}

/// The figures `alssim validate` writes: file name (without extension), short title and
/// caption.
pub const FIGURES: [(&str, &str, &str); 4] = [
    (
        "survival_from_diagnosis",
        "Survival from diagnosis",
        "Kaplan-Meier survival from diagnosis of the simulated cohort with its 95% pointwise \
         confidence band, against the published survival 1, 2, 3 and 5 years after diagnosis \
         (bars: the interval accepted as a match).",
    ),
    (
        "survival_by_onset",
        "Survival from onset by onset region",
        "Kaplan-Meier survival from symptom onset, bulbar vs spinal onset, with 95% pointwise \
         confidence bands; dashed lines mark the median survival of each group.",
    ),
    (
        "slope_distribution",
        "Distribution of ALSFRS-R decline",
        "Histogram of individual ALSFRS-R decline over the first 24 months after diagnosis, \
         with the simulated mean and the published mean (with its accepted interval) and 95% \
         range.",
    ),
    (
        "d50_distribution",
        "D50: months from onset to half the ALSFRS-R",
        "Histogram of each patient's D50, the time from onset at which a sigmoid fitted to the \
         rated ALSFRS-R reaches 24 points, with the Jena groups (high progression below 20 \
         months, intermediate 20-40, low above 40) and their shares in the subtitle.",
    ),
];

/// D50 group boundaries, months (Jena ALS D50 model).
pub const D50_GROUPS: [f64; 2] = [20.0, 40.0];
/// Width of a D50 histogram bin, months.
pub const D50_BIN: f64 = 5.0;

/// The published source of a target, up to the first `;`.
fn short_source(t: &Target) -> &str {
    t.source.split(';').next().unwrap_or("").trim()
}

fn months(m: Option<f64>) -> String {
    m.map_or_else(|| "not reached".into(), |m| format!("{m:.1}"))
}

impl ValidationFigures {
    /// Computes the figures' numbers from the main cohort; `population` describes it for the
    /// titles (for example `natural-history scenario, 5000 patients, seed 1`).
    pub fn new(outcomes: &[Outcome], population: impl Into<String>) -> ValidationFigures {
        let targets = targets::bundled();
        let include: Vec<f64> = targets
            .iter()
            .filter(|t| t.metric.name().starts_with("slope_"))
            .map(|t| t.value)
            .collect();
        ValidationFigures {
            population: population.into(),
            from_diagnosis: metrics::survival_curve(outcomes, Origin::Diagnosis, Group::All),
            bulbar: metrics::survival_curve(outcomes, Origin::Onset, Group::BulbarOnset),
            spinal: metrics::survival_curve(outcomes, Origin::Onset, Group::SpinalOnset),
            bulbar_hazard_ratio: metrics::compute(Metric::HrBulbarOnset, outcomes, &[]).unwrap_or(
                Estimate {
                    value: f64::NAN,
                    lo: f64::NAN,
                    hi: f64::NAN,
                },
            ),
            declines: DeclineHistogram::new(
                &metrics::alsfrs_declines(outcomes, DECLINE_MONTHS),
                &include,
            ),
            d50: metrics::d50_fits(outcomes),
            targets,
        }
    }

    fn target(&self, metric: Metric) -> Option<&Target> {
        self.targets.iter().find(|t| t.metric == metric)
    }

    /// The figures that have data, each with its file name (without extension).
    pub fn figures(&self) -> Vec<(&'static str, Figure)> {
        let mut out = Vec::new();
        if let Some(f) = self.survival_from_diagnosis() {
            out.push((FIGURES[0].0, f));
        }
        if let Some(f) = self.survival_by_onset() {
            out.push((FIGURES[1].0, f));
        }
        if let Some(f) = self.slope_distribution() {
            out.push((FIGURES[2].0, f));
        }
        if let Some(f) = self.d50_distribution() {
            out.push((FIGURES[3].0, f));
        }
        out
    }

    /// Writes every figure as PNG and SVG (as `options` says) into `dir`.
    pub fn write(&self, dir: &Path, options: &FigureOptions) -> Result<Vec<PathBuf>, PlotError> {
        let mut written = Vec::new();
        for (name, figure) in self.figures() {
            written.extend(figure.save(dir, name, options)?);
        }
        Ok(written)
    }

    fn survival_axes(origin: &str) -> (Axis, Axis) {
        (
            Axis::new(format!("Months since {origin}"))
                .range(0.0, SURVIVAL_SHOWN)
                .tick_step(12.0),
            Axis::new("Tracheostomy-free survival (%)")
                .percent()
                .range(0.0, 1.0)
                .tick_step(0.2),
        )
    }

    fn survival_from_diagnosis(&self) -> Option<Figure> {
        let c = self.from_diagnosis.as_ref()?;
        let (x, y) = Self::survival_axes("diagnosis");
        let mut chart = Chart::new(
            "Survival from diagnosis: simulated cohort vs published register",
            x,
            y,
        )
        .series(
            Series::new(
                format!("Simulated, Kaplan-Meier (n = {}, {} deaths)", c.n, c.events),
                c.time.clone(),
                c.survival.clone(),
            )
            .band(
                c.lower.clone(),
                c.upper.clone(),
                "95% pointwise confidence band",
            ),
        );
        let published: Vec<&Target> = [
            Metric::SurvivalFromDiagnosis12,
            Metric::SurvivalFromDiagnosis24,
            Metric::SurvivalFromDiagnosis36,
            Metric::SurvivalFromDiagnosis60,
        ]
        .into_iter()
        .filter_map(|m| self.target(m))
        .collect();
        let mut sources = String::new();
        if let Some(t) = published.first() {
            let x: Vec<f64> = [12.0, 24.0, 36.0, 60.0][..published.len()].to_vec();
            chart = chart.points(
                Points::new(
                    "Published, with accepted interval",
                    x,
                    published.iter().map(|t| t.value).collect(),
                )
                .interval(
                    published.iter().map(|t| t.accept[0]).collect(),
                    published.iter().map(|t| t.accept[1]).collect(),
                ),
            );
            sources = format!("\nPublished: {}.", short_source(t));
        }
        Some(Figure::Step(chart.subtitle(format!(
            "Untreated {}; death or permanent ventilation, administratively censored.{sources}",
            self.population
        ))))
    }

    fn survival_by_onset(&self) -> Option<Figure> {
        let groups: Vec<(&str, &SurvivalCurve)> = [
            ("Bulbar onset", self.bulbar.as_ref()),
            ("Spinal onset", self.spinal.as_ref()),
        ]
        .into_iter()
        .filter_map(|(l, c)| c.map(|c| (l, c)))
        .collect();
        if groups.is_empty() {
            return None;
        }
        let (x, y) = Self::survival_axes("symptom onset");
        let mut chart = Chart::new("Survival from symptom onset by onset region", x, y);
        let mut longest: f64 = 0.0;
        for (i, (label, c)) in groups.iter().enumerate() {
            chart = chart.series(
                Series::new(
                    format!("{label} (n = {}): median {} months", c.n, months(c.median)),
                    c.time.clone(),
                    c.survival.clone(),
                )
                .band(c.lower.clone(), c.upper.clone(), "")
                .colour(Colour::Series(i)),
            );
            if let Some(m) = c.median {
                longest = longest.max(m);
                chart = chart.mark(
                    Mark::segment((m, 0.0), (m, 0.5), "")
                        .colour(Colour::Series(i))
                        .dashed(),
                );
            }
        }
        if longest > 0.0 {
            chart = chart.mark(Mark::segment((0.0, 0.5), (longest, 0.5), "").dashed());
        }
        let hr = self.bulbar_hazard_ratio;
        let mut text = format!(
            "Untreated {}; enrolled patients; shaded: 95% pointwise confidence bands.",
            self.population
        );
        if hr.value.is_finite() {
            let _ = write!(
                text,
                "\nHazard ratio bulbar vs spinal onset (Cox, age-adjusted): {:.2} (95% CI {:.2}-{:.2})",
                hr.value, hr.lo, hr.hi
            );
            if let Some(t) = self.target(Metric::HrBulbarOnset) {
                let _ = write!(text, "; published {} ({}).", t.value, short_source(t));
            }
        }
        Some(Figure::Step(chart.subtitle(text)))
    }

    fn d50_distribution(&self) -> Option<Figure> {
        if self.d50.is_empty() {
            return None;
        }
        let mut v = self.d50.clone();
        v.sort_by(f64::total_cmp);
        // Up to the 99th percentile, in whole bins, and at least past the last group boundary.
        let top = crate::stats::describe::quantile_sorted(&v, 0.99).max(D50_GROUPS[1] + D50_BIN);
        let bins = (top / D50_BIN).ceil() as usize;
        let edges: Vec<f64> = (0..=bins).map(|k| k as f64 * D50_BIN).collect();
        let mut counts = vec![0.0; bins];
        let mut outside = 0;
        for &d in &v {
            match counts.get_mut((d / D50_BIN) as usize) {
                Some(c) => *c += 1.0,
                None => outside += 1,
            }
        }
        let [fast, mid, slow] = d50_shares(&v);
        let median = crate::stats::describe::quantile_sorted(&v, 0.5);
        let mut hist = Histogram::new(
            "D50: months from onset to half the ALSFRS-R, per patient".to_string(),
            Axis::new("D50 (months from onset)"),
            Axis::new(format!("Patients per {D50_BIN} months")).integer(),
            edges,
            counts,
        )
        .label(format!("Simulated patients (n = {})", v.len()))
        .mark(Mark::vline(median, format!("Median {median:.1}")).colour(Colour::Black));
        for b in D50_GROUPS {
            hist = hist.mark(
                Mark::vline(b, "Group boundaries (20, 40 months)")
                    .colour(Colour::Series(1))
                    .dashed(),
            );
        }
        let mut text = format!(
            "Untreated {}; sigmoid 48/(1 + exp((t - D50)/dx)) fitted per patient to the rated \
             totals (logit least squares, 3 or more visits). High progression (D50 < 20): {:.0}%, \
             intermediate (20-40): {:.0}%, low (> 40): {:.0}%.",
            self.population,
            100.0 * fast,
            100.0 * mid,
            100.0 * slow
        );
        if outside > 0 {
            let _ = write!(text, " {outside} patients beyond the range shown.");
        }
        Some(Figure::Histogram(hist.subtitle(text)))
    }

    fn slope_distribution(&self) -> Option<Figure> {
        let d = self.declines.as_ref()?;
        let mut hist = Histogram::new(
            format!(
                "ALSFRS-R decline in the {DECLINE_MONTHS:.0} months after diagnosis, per patient"
            ),
            Axis::new("Decline of ALSFRS-R total (points/month)"),
            Axis::new(format!("Patients per {DECLINE_BIN} points/month")).integer(),
            d.edges.clone(),
            d.counts.clone(),
        )
        .label(format!("Simulated patients (n = {})", d.n))
        .mark(Mark::vline(d.mean, format!("Simulated mean {:.2}", d.mean)).colour(Colour::Black));
        let mean = self.target(Metric::SlopeMean24);
        let lo = self.target(Metric::SlopeP02524);
        let hi = self.target(Metric::SlopeP97524);
        if let Some(t) = mean {
            hist = hist
                .mark(Mark::vspan(
                    t.accept[0],
                    t.accept[1],
                    format!("Accepted mean {}-{}", t.accept[0], t.accept[1]),
                ))
                .mark(
                    Mark::vline(t.value, format!("Published mean {}", t.value))
                        .colour(Colour::Series(1)),
                );
        }
        if let (Some(lo), Some(hi)) = (lo, hi) {
            let label = format!("Published 95% range {}-{}", lo.value, hi.value);
            for v in [lo.value, hi.value] {
                hist = hist.mark(
                    Mark::vline(v, label.clone())
                        .colour(Colour::Series(1))
                        .dashed(),
                );
            }
        }
        let mut text = format!(
            "Untreated {}; least-squares slope of the rated total, patients with 3 or more visits. \
             Simulated 95% range {:.2}-{:.2}.",
            self.population, d.p025, d.p975
        );
        if d.outside > 0 {
            let _ = write!(text, " {} patients outside the range shown.", d.outside);
        }
        if let Some(t) = mean {
            let _ = write!(text, "\nPublished: {}.", short_source(t));
        }
        Some(Figure::Histogram(hist.subtitle(text)))
    }
}

/// The figures section of `validation.md`, linking the PNG files.
pub fn figures_markdown(names: &[&str]) -> String {
    let mut out = String::from("## Figures\n\n");
    for (name, title, caption) in FIGURES.iter().filter(|(n, ..)| names.contains(n)) {
        let _ = writeln!(
            out,
            "![{title}]({name}.png)\n\n{caption} Also as [SVG]({name}.svg).\n"
        );
    }
    out
}
