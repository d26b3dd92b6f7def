//! Virtual patients drawn from a population, each from its own random stream.
//!
//! Patient `i` of master seed `s` uses the ChaCha8 generator seeded with `s` on stream `i`, so
//! its covariates and parameters depend on `(s, i)` only: the same index is the same person in
//! every arm, on any thread, in any shard. Rater noise uses a second generator (seed `s`
//! scrambled, stream `i`), so the number of visits never shifts the patient's draws.
//!
//! Draw order (fixed): sex, age, genotype, onset region, diagnostic delay, then one standard
//! normal per variable parameter in the order of `[population.variability]`.
//!
//! Sex and age shape the covariates as registers report: onset comes [`FEMALE_ONSET_AGE_SHIFT`]
//! years later in women, bulbar onset is more common in women (odds ratio
//! [`FEMALE_BULBAR_ODDS_RATIO`]) and at older onset (odds ratio [`BULBAR_ODDS_RATIO_PER_DECADE`]
//! per decade), so that older women have the most bulbar onset. The sex effects are applied so
//! that the mean onset age and the bulbar share stay those of `[population.covariates]`; the
//! genotype effect below then makes carriers younger, which lowers the population's mean.
//!
//! Genotype shapes the onset age by the multistep model: incidence rises with a power of age
//! one less than the number of steps to disease ([`Genotype::multistep_steps`]), so a carrier,
//! for whom the mutation is one of the steps, has an onset-age density of the sporadic one
//! (`[population.covariates] age`, for the sex) times `(age / mean)^(n_g − 6)`. The age drawn
//! for a carrier is carried to the same quantile of the carrier's distribution
//! ([`CarrierAges`]), so a carrier's draw uses the same random numbers as a sporadic patient's
//! and the onset region follows the carrier's age.

use super::spec::{Correlation, CovariateDistributions, Population, Variability};
use crate::model::{Covariates, Genotype, Param, Params, Region, Sex};
use nalgebra::{DMatrix, DVector};
use rand::rngs::ChaCha8Rng;
use rand::{Rng, RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

/// Years by which onset comes later in women than in men: 61.2 against 59.0 years in 910
/// German patients (Ludolph et al. 2024 J Neurol 271) and 66.0 against 63.8 in the Swabian
/// register (Uenal et al. 2014 PLoS One 9:e93932).
pub const FEMALE_ONSET_AGE_SHIFT: f64 = 2.2;

/// Odds ratio of bulbar onset in women against men: 30% against 19% of 1,438 PRO-ACT patients
/// ((0.30/0.70)/(0.19/0.81) = 1.83; the PRO-ACT "ALS Course Map" study); bulbar ALS incidence
/// is about equal in the sexes while spinal forms are commoner in men (Chiò et al. 2011 JNNP
/// 82:740).
pub const FEMALE_BULBAR_ODDS_RATIO: f64 = 1.83;

/// Odds ratio of bulbar onset per decade of onset age. Bulbar onset is 38% of the 223 patients
/// aged 80 or more among 1,613 incident cases (Gianferrari et al. 2023 Life 13:942) against 28%
/// in the whole population, whose mean onset age is about 62 years: logit(0.38) − logit(0.28) =
/// 0.455 over about 22 years, 0.21 per decade. Older onset brings more dysarthria and dysphagia
/// at onset (648 Japanese patients; Yokoi et al. 2016 J Neurol).
pub const BULBAR_ODDS_RATIO_PER_DECADE: f64 = 1.23;

/// Odd constant that separates the observation streams from the patient streams.
const OBSERVATION_SEED_MIX: u64 = 0x9E37_79B9_7F4A_7C15;

/// The generator of patient `index` for master seed `seed`.
pub fn patient_rng(seed: u64, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index);
    rng
}

/// The rater-noise generator of patient `index` for master seed `seed`.
pub fn observation_rng(seed: u64, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ OBSERVATION_SEED_MIX);
    rng.set_stream(index);
    rng
}

/// Mixed into the master seed for the disease-activity stream.
const ACTIVITY_SEED_MIX: u64 = 0x6163_7469_7669_7479;

/// The disease-activity generator of patient `index` for master seed `seed` (its own stream, so
/// the activity is the same in every arm and drawing it shifts no other draw).
pub fn activity_rng(seed: u64, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ ACTIVITY_SEED_MIX);
    rng.set_stream(index);
    rng
}

/// Mixed into the master seed for the visit-window stream.
const VISIT_WINDOW_SEED_MIX: u64 = 0x7669_7369_745f_7769;

/// How far each visit of patient `index` falls from its scheduled time, months: uniform within
/// `± window` for every visit scheduled after `after` months (the baseline, at enrollment or at
/// the end of a lead-in, and the visits before it are on the day), drawn from a stream of the
/// patient's own (so the same in every arm, and independent of the rater noise). All zero
/// without a window.
pub fn visit_offsets(seed: u64, index: u64, times: &[f64], window: f64, after: f64) -> Vec<f64> {
    if window <= 0.0 {
        return vec![0.0; times.len()];
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ VISIT_WINDOW_SEED_MIX);
    rng.set_stream(index);
    times
        .iter()
        .map(|&t| {
            let u = window * (2.0 * rng.random::<f64>() - 1.0);
            if t > after + 1e-9 { u } else { 0.0 }
        })
        .collect()
}

/// One drawn patient.
#[derive(Debug, Clone)]
pub struct Draw {
    /// Index in the population.
    pub index: u64,
    /// Covariates.
    pub covariates: Covariates,
    /// Parameters after inter-individual variability.
    pub params: Params,
}

/// Lower Cholesky factor of the correlation matrix of the variable parameters, or `None` when
/// the correlations do not form a positive-definite matrix.
pub fn correlation_cholesky(
    variability: &[Variability],
    correlations: &[Correlation],
) -> Option<DMatrix<f64>> {
    let n = variability.len();
    let mut m = DMatrix::<f64>::identity(n, n);
    let pos = |param: Param| variability.iter().position(|v| v.param == param);
    for c in correlations {
        let (i, j) = (pos(c.a)?, pos(c.b)?);
        m[(i, j)] = c.rho;
        m[(j, i)] = c.rho;
    }
    nalgebra::linalg::Cholesky::new(m).map(|c| c.l())
}

/// Draws patients of one population.
#[derive(Debug, Clone)]
pub struct Sampler {
    population: Population,
    base: Params,
    cholesky: Option<DMatrix<f64>>,
    /// Onset-region probabilities of men and of women, by age.
    regions: [OnsetRegions; 2],
    /// Onset ages of carriers, of men and of women.
    carriers: [CarrierAges; 2],
}

impl Sampler {
    /// A sampler over `population` around the typical parameters `base`.
    pub fn new(population: &Population, base: &Params) -> Self {
        let cholesky = if population.correlations.is_empty() {
            None
        } else {
            correlation_cholesky(&population.variability, &population.correlations)
        };
        let c = &population.covariates;
        Sampler {
            population: population.clone(),
            base: base.clone(),
            cholesky,
            regions: [OnsetRegions::new(c, false), OnsetRegions::new(c, true)],
            carriers: [CarrierAges::new(c, false), CarrierAges::new(c, true)],
        }
    }

    /// Patient `index`.
    pub fn draw(&self, index: u64) -> Draw {
        let mut rng = patient_rng(self.population.seed, index);
        let covariates = draw_covariates(
            &self.population.covariates,
            &self.regions,
            &self.carriers,
            &mut rng,
        );
        let n = self.population.variability.len();
        let z =
            DVector::<f64>::from_iterator(n, (0..n).map(|_| rng.sample::<f64, _>(StandardNormal)));
        let z = match &self.cholesky {
            Some(l) => l * z,
            None => z,
        };
        let mut p = self.base.clone();
        for (v, &zi) in self.population.variability.iter().zip(z.iter()) {
            // θ_i = θ · exp(ω z), ω² = ln(1 + CV²): log-normal with the typical value as median.
            let omega = (1.0 + v.cv * v.cv).ln().sqrt();
            // Clamped into the registry range, so the draw cannot be refused.
            p.set_clamped(v.param, p.value(v.param) * (omega * zi).exp());
        }
        Draw {
            index,
            covariates,
            params: p,
        }
    }
}

/// Parameters that a rule across parameters bounds ([`Params::check_consistency`]): the pool
/// weights (which must sum to 1), `agg_clearance_rate < agg_growth_rate` and `death_fvc <
/// niv_fvc < fvc_healthy`. A between-patient variability on one of them can draw patients
/// whose parameters break the rule; such a patient cannot be simulated.
pub const RULE_BOUND: [Param; 9] = [
    Param::PoolWeightBulbar,
    Param::PoolWeightCervical,
    Param::PoolWeightThoracic,
    Param::PoolWeightLumbar,
    Param::AggClearanceRate,
    Param::AggGrowthRate,
    Param::DeathFvc,
    Param::NivFvc,
    Param::FvcHealthy,
];

/// Drawn patients whose parameters break a rule across parameters, found before any is
/// simulated: see [`rule_breaks`].
#[derive(Debug, Clone, PartialEq)]
pub struct RuleBreaks {
    /// The varied parameters that a rule bounds, in the order of `[population.variability]`.
    pub params: Vec<Param>,
    /// Patients drawn to look: the first `checked` of the population.
    pub checked: u64,
    /// How many of them break a rule.
    pub broken: u64,
    /// Whether `checked` is the whole population, so that `broken` is the count of the run
    /// rather than an estimate of its share.
    pub exact: bool,
    /// The rules broken, each once, in words (`death_fvc < niv_fvc`).
    pub rules: Vec<String>,
}

impl RuleBreaks {
    /// The share of the patients checked that break a rule.
    pub fn share(&self) -> f64 {
        self.broken as f64 / self.checked.max(1) as f64
    }
}

/// The patients of `population` (the first `limit` of them) whose drawn parameters break a rule
/// across parameters, when its variability table varies a parameter of [`RULE_BOUND`] and at
/// least one patient breaks a rule; `None` otherwise. Drawing parameters costs microseconds per
/// patient, so a run can say before it starts how many of its patients cannot be simulated.
pub fn rule_breaks(population: &Population, base: &Params, limit: u64) -> Option<RuleBreaks> {
    let params: Vec<Param> = population
        .variability
        .iter()
        .map(|v| v.param)
        .filter(|p| RULE_BOUND.contains(p))
        .collect();
    if params.is_empty() {
        return None;
    }
    let sampler = Sampler::new(population, base);
    let checked = population.size.min(limit);
    let mut broken = 0;
    let mut rules: Vec<String> = Vec::new();
    for index in 0..checked {
        if let Err(e) = sampler.draw(index).params.check_consistency() {
            broken += 1;
            let rule = match e {
                crate::model::ParamRuleError::NotBelow { low, high, .. } => {
                    format!("{} < {}", low.name(), high.name())
                }
                _ => "the four pool weights sum to 1".to_string(),
            };
            if !rules.contains(&rule) {
                rules.push(rule);
            }
        }
    }
    (broken > 0).then_some(RuleBreaks {
        params,
        checked,
        broken,
        exact: checked == population.size,
        rules,
    })
}

fn categorical<R: Rng + ?Sized>(p: &[f64], rng: &mut R) -> usize {
    let u: f64 = rng.random();
    let mut acc = 0.0;
    for (i, &pi) in p.iter().enumerate() {
        acc += pi;
        if u < acc {
            return i;
        }
    }
    // Rounding can leave u above the last partial sum: take the last category with weight.
    p.iter().rposition(|&x| x > 0.0).unwrap_or(0)
}

/// Bulbar-onset probabilities of men and women whose mix (female fraction `f`) is `share` and
/// whose odds ratio is `or`.
fn bulbar_by_sex(share: f64, f: f64, or: f64) -> (f64, f64) {
    let female = |pm: f64| or * pm / (1.0 - pm + or * pm);
    // The mix rises with the men's probability: bisection on [0, 1].
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if f * female(mid) + (1.0 - f) * mid < share {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let pm = 0.5 * (lo + hi);
    (pm, female(pm))
}

/// Onset-region probabilities for one sex, by onset age.
#[derive(Debug, Clone)]
struct OnsetRegions {
    /// The sex's probabilities: the bulbar share moved to the sex's value, the other regions
    /// scaled to keep their proportions.
    probs: Vec<f64>,
    /// Log-odds of bulbar onset at the sex's mean onset age, chosen so that the sex's bulbar
    /// share averaged over its onset ages is `probs[bulbar]`; `None` when bulbar onset is
    /// impossible or certain (no age effect).
    intercept: Option<f64>,
    /// The sex's mean onset age, years.
    mean_age: f64,
}

impl OnsetRegions {
    fn new(d: &CovariateDistributions, female: bool) -> Self {
        let mean_age = sex_mean_age(d, female);
        let bulbar = d.onset_region[Region::Bulbar.index()];
        if bulbar <= 0.0 || bulbar >= 1.0 {
            return OnsetRegions {
                probs: d.onset_region.to_vec(),
                intercept: None,
                mean_age,
            };
        }
        let (men, women) = bulbar_by_sex(bulbar, d.female_fraction, FEMALE_BULBAR_ODDS_RATIO);
        let b = if female { women } else { men };
        OnsetRegions {
            probs: with_bulbar(&d.onset_region, b),
            intercept: Some(age_intercept(b, mean_age, d)),
            mean_age,
        }
    }

    /// The probabilities at onset age `age`: bulbar onset by its age trend, the other regions
    /// scaled to keep their proportions.
    fn at(&self, age: f64) -> Vec<f64> {
        let Some(c) = self.intercept else {
            return self.probs.clone();
        };
        let b = logistic(c + bulbar_age_slope() * (age - self.mean_age));
        with_bulbar(&self.probs, b)
    }
}

/// Onset-region probabilities with the bulbar share set to `b` and the other regions scaled to
/// keep their proportions (`probs` must have a bulbar share below 1).
fn with_bulbar(probs: &[f64], b: f64) -> Vec<f64> {
    let scale = (1.0 - b) / (1.0 - probs[Region::Bulbar.index()]);
    probs
        .iter()
        .enumerate()
        .map(|(i, &p)| {
            if i == Region::Bulbar.index() {
                b
            } else {
                p * scale
            }
        })
        .collect()
}

/// Log-odds of bulbar onset per year of onset age.
fn bulbar_age_slope() -> f64 {
    BULBAR_ODDS_RATIO_PER_DECADE.ln() / 10.0
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Mean onset age of one sex: women later by the shift, men earlier, so that the mean stays
/// `age.mean`.
fn sex_mean_age(d: &CovariateDistributions, female: bool) -> f64 {
    if female {
        d.age.mean + FEMALE_ONSET_AGE_SHIFT * (1.0 - d.female_fraction)
    } else {
        d.age.mean - FEMALE_ONSET_AGE_SHIFT * d.female_fraction
    }
}

/// The log-odds `c` at the mean age for which the bulbar probability `logistic(c + slope·(a −
/// mean))`, averaged over the truncated normal onset ages of the sex, equals `share`. The
/// average rises with `c`: bisection, with the age density on a 400-point grid.
fn age_intercept(share: f64, mean: f64, d: &CovariateDistributions) -> f64 {
    let (lo_age, hi_age) = (d.age.min, d.age.max);
    let n = 400;
    let grid: Vec<(f64, f64)> = (0..=n)
        .map(|k| {
            let a = lo_age + (hi_age - lo_age) * k as f64 / n as f64;
            let z = if d.age.sd > 0.0 {
                (a - mean) / d.age.sd
            } else {
                0.0
            };
            (a, (-0.5 * z * z).exp())
        })
        .collect();
    let total: f64 = grid.iter().map(|&(_, w)| w).sum();
    let slope = bulbar_age_slope();
    let average = |c: f64| {
        grid.iter()
            .map(|&(a, w)| w * logistic(c + slope * (a - mean)))
            .sum::<f64>()
            / total
    };
    let logit = (share / (1.0 - share)).ln();
    if !(total > 0.0 && total.is_finite()) {
        return logit;
    }
    let (mut lo, mut hi) = (logit - 10.0, logit + 10.0);
    for _ in 0..80 {
        let mid = 0.5 * (lo + hi);
        if average(mid) < share {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Number of grid intervals of the onset-age distributions.
const AGE_GRID: usize = 800;

/// Onset ages of carriers for one sex: the cumulative distribution of the sporadic onset age
/// (the sex's truncated normal from `[population.covariates] age`) and of each genotype's (the
/// same density times `(age / mean)^(n_g − 6)`, the multistep model), on a grid of ages; a
/// sporadic age is carried to the same quantile of the genotype's distribution.
#[derive(Debug, Clone)]
pub struct CarrierAges {
    /// Grid ages, years.
    ages: Vec<f64>,
    /// Cumulative distribution of each genotype (in the order of [`Genotype::ALL`]) on the grid,
    /// from 0 to 1; `None` when the age distribution has no width (every age the same).
    cdf: Option<Vec<Vec<f64>>>,
}

impl CarrierAges {
    /// The tables of one sex of the population `d`.
    pub fn new(d: &CovariateDistributions, female: bool) -> Self {
        let mean = sex_mean_age(d, female);
        let (lo, hi) = (d.age.min, d.age.max);
        let ages: Vec<f64> = (0..=AGE_GRID)
            .map(|k| lo + (hi - lo) * k as f64 / AGE_GRID as f64)
            .collect();
        if !(d.age.sd > 0.0 && hi > lo && lo > 0.0 && mean > 0.0) {
            return CarrierAges { ages, cdf: None };
        }
        let cdf: Vec<Vec<f64>> = Genotype::ALL
            .iter()
            .map(|g| {
                let power = g.multistep_steps() - crate::model::SPORADIC_STEPS;
                let density: Vec<f64> = ages
                    .iter()
                    .map(|&a| {
                        let z = (a - mean) / d.age.sd;
                        (-0.5 * z * z).exp() * (a / mean).powf(power)
                    })
                    .collect();
                let mut acc = vec![0.0; ages.len()];
                for k in 1..ages.len() {
                    acc[k] = acc[k - 1] + 0.5 * (density[k - 1] + density[k]);
                }
                let total = acc[ages.len() - 1];
                acc.iter().map(|c| c / total).collect()
            })
            .collect();
        let usable = cdf.iter().flatten().all(|c| c.is_finite());
        CarrierAges {
            ages,
            cdf: usable.then_some(cdf),
        }
    }

    /// The onset age of a carrier of `genotype` drawn at the quantile of the sporadic age `age`.
    pub fn carry(&self, age: f64, genotype: Genotype) -> f64 {
        let Some(cdf) = &self.cdf else {
            return age;
        };
        if genotype == Genotype::Sporadic {
            return age;
        }
        let g = Genotype::ALL
            .iter()
            .position(|&x| x == genotype)
            .unwrap_or(0);
        let u = interpolate(&self.ages, &cdf[0], age);
        interpolate(&cdf[g], &self.ages, u)
    }
}

/// Linear interpolation of `ys` over the non-decreasing `xs` at `x` (clamped to the ends; a
/// flat stretch of `xs` takes its first point).
fn interpolate(xs: &[f64], ys: &[f64], x: f64) -> f64 {
    let n = xs.len();
    if x <= xs[0] {
        return ys[0];
    }
    if x >= xs[n - 1] {
        return ys[n - 1];
    }
    let k = xs.partition_point(|&v| v <= x).clamp(1, n - 1);
    let (x0, x1) = (xs[k - 1], xs[k]);
    if x1 <= x0 {
        return ys[k - 1];
    }
    ys[k - 1] + (ys[k] - ys[k - 1]) * (x - x0) / (x1 - x0)
}

fn draw_covariates<R: Rng + ?Sized>(
    d: &CovariateDistributions,
    regions: &[OnsetRegions; 2],
    carriers: &[CarrierAges; 2],
    rng: &mut R,
) -> Covariates {
    let female = rng.random::<f64>() < d.female_fraction;
    let mean = sex_mean_age(d, female);
    // Truncated normal by rejection, with a bounded number of tries then clamping, so a narrow
    // window far in the tail cannot loop for long.
    let mut age = mean;
    for _ in 0..64 {
        let z: f64 = StandardNormal.sample(rng);
        let x = mean + d.age.sd * z;
        if (d.age.min..=d.age.max).contains(&x) {
            age = x;
            break;
        }
        age = x.clamp(d.age.min, d.age.max);
    }
    let genotype = Genotype::ALL[categorical(&d.genotype, rng)];
    let age = carriers[usize::from(female)].carry(age, genotype);
    let region = Region::ALL[categorical(&regions[usize::from(female)].at(age), rng)];
    let z: f64 = StandardNormal.sample(rng);
    let omega = (1.0 + d.diagnostic_delay.cv * d.diagnostic_delay.cv)
        .ln()
        .sqrt();
    let delay = (d.diagnostic_delay.median * (omega * z).exp()).min(d.diagnostic_delay.max);
    Covariates {
        age_years: age,
        sex: if female { Sex::Female } else { Sex::Male },
        onset_region: region,
        genotype,
        diagnostic_delay_months: delay,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_index_same_patient_other_index_other_patient() {
        let s = Sampler::new(&Population::default(), &Params::default());
        let a = s.draw(17);
        let b = s.draw(17);
        let c = s.draw(18);
        assert_eq!(a.covariates, b.covariates);
        assert_eq!(a.params, b.params);
        assert_ne!(a.params, c.params);
    }

    /// `RULE_BOUND` lists exactly the parameters a rule of `Params::check_consistency` bounds:
    /// each of them breaks a rule somewhere in its accepted range, no other parameter does.
    #[test]
    fn rule_bound_parameters_are_those_the_rules_bound() {
        for info in crate::model::PARAMETERS {
            let param = Param::from_name(info.name).unwrap();
            // A linear grid over the range, and points ever closer to either end.
            let span = info.max - info.min;
            let near_ends = (1..=12).flat_map(|j| {
                let d = span * 10f64.powi(-j);
                [info.min + d, info.max - d]
            });
            let breaks = (0..=100)
                .map(|k| info.min + span * f64::from(k) / 100.0)
                .chain(near_ends)
                .any(|v| {
                    let mut p = Params::default();
                    p.set_clamped(param, v);
                    p.check_consistency().is_err()
                });
            assert_eq!(breaks, RULE_BOUND.contains(&param), "{}", info.name);
        }
    }

    #[test]
    fn rule_breaks_count_the_patients_whose_models_cannot_be_built() {
        // The default variability varies agg_growth_rate, which a rule bounds, but no draw
        // comes near agg_clearance_rate: nothing to say.
        let base = Params::default();
        assert_eq!(rule_breaks(&Population::default(), &base, 10_000), None);
        let mut pop = Population {
            size: 400,
            ..Population::default()
        };
        pop.variability = vec![Variability {
            param: Param::DeathFvc,
            cv: 0.1,
        }];
        let b = rule_breaks(&pop, &base, 10_000).unwrap();
        let s = Sampler::new(&pop, &base);
        let expected = (0..400)
            .filter(|&i| {
                crate::model::PatientModel::new(s.draw(i).params, Covariates::default()).is_err()
            })
            .count() as u64;
        assert!(expected > 0);
        assert_eq!((b.broken, b.checked, b.exact), (expected, 400, true));
        assert_eq!(b.params, vec![Param::DeathFvc]);
        assert_eq!(b.rules, vec!["death_fvc < niv_fvc".to_string()]);
        // A larger population is estimated from its first patients.
        pop.size = 1_000;
        let e = rule_breaks(&pop, &base, 400).unwrap();
        assert_eq!((e.broken, e.checked, e.exact), (expected, 400, false));
        assert!((e.share() - expected as f64 / 400.0).abs() < 1e-15);
        // A varied pool weight breaks the sum in every patient.
        pop.variability = vec![Variability {
            param: Param::PoolWeightBulbar,
            cv: 0.2,
        }];
        let w = rule_breaks(&pop, &base, 100).unwrap();
        assert_eq!(w.broken, 100);
        assert_eq!(w.rules, vec!["the four pool weights sum to 1".to_string()]);
    }

    #[test]
    fn covariate_frequencies_follow_the_distributions() {
        let pop = Population::default();
        let s = Sampler::new(&pop, &Params::default());
        let n = 20_000;
        let draws: Vec<Draw> = (0..n).map(|i| s.draw(i)).collect();
        let bulbar = draws
            .iter()
            .filter(|d| d.covariates.onset_region == Region::Bulbar)
            .count() as f64
            / n as f64;
        assert!((bulbar - 0.28).abs() < 0.015, "{bulbar}");
        // The age distribution is that of sporadic disease; carriers start younger.
        let sporadic: Vec<f64> = draws
            .iter()
            .filter(|d| d.covariates.genotype == Genotype::Sporadic)
            .map(|d| d.covariates.age_years)
            .collect();
        let mean_age = sporadic.iter().sum::<f64>() / sporadic.len() as f64;
        assert!((mean_age - 62.0).abs() < 0.5, "{mean_age}");
        let all = draws.iter().map(|d| d.covariates.age_years).sum::<f64>() / n as f64;
        assert!(all < mean_age - 0.5 && all > mean_age - 3.0, "{all}");
        let mut delays: Vec<f64> = draws
            .iter()
            .map(|d| d.covariates.diagnostic_delay_months)
            .collect();
        delays.sort_by(f64::total_cmp);
        assert!((delays[delays.len() / 2] - 15.0).abs() < 0.5);
        // Log-normal variability keeps the typical value as the median.
        let mut g: Vec<f64> = draws.iter().map(|d| d.params.agg_growth_rate).collect();
        g.sort_by(f64::total_cmp);
        assert!((g[g.len() / 2] / Params::default().agg_growth_rate - 1.0).abs() < 0.02);
    }

    #[test]
    fn carriers_start_younger_by_their_steps_and_the_density_is_the_multistep_one() {
        let d = CovariateDistributions::default();
        let ages = CarrierAges::new(&d, false);
        let mean = sex_mean_age(&d, false);
        // Sporadic ages by rejection from the truncated normal, with a generator of the test's.
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut sporadic = Vec::new();
        while sporadic.len() < 40_000 {
            let z: f64 = StandardNormal.sample(&mut rng);
            let a = mean + d.age.sd * z;
            if (d.age.min..=d.age.max).contains(&a) {
                sporadic.push(a);
            }
        }
        let mut previous = f64::INFINITY;
        for g in [
            Genotype::Sporadic,
            Genotype::Tardbp,
            Genotype::C9orf72,
            Genotype::Sod1,
            Genotype::Fus,
        ] {
            let carried: Vec<f64> = sporadic.iter().map(|&a| ages.carry(a, g)).collect();
            let simulated = carried.iter().sum::<f64>() / carried.len() as f64;
            // The mean of the density normal(mean, sd) · (a / mean)^(n − 6) on the age window,
            // by a fine midpoint sum.
            let power = g.multistep_steps() - crate::model::SPORADIC_STEPS;
            let (mut m0, mut m1) = (0.0, 0.0);
            let k = 20_000;
            for i in 0..k {
                let a = d.age.min + (d.age.max - d.age.min) * (i as f64 + 0.5) / k as f64;
                let w = (-0.5 * ((a - mean) / d.age.sd).powi(2)).exp() * (a / mean).powf(power);
                m0 += w;
                m1 += w * a;
            }
            let expected = m1 / m0;
            assert!(
                (simulated - expected).abs() < 0.3,
                "{g}: {simulated} against {expected}"
            );
            assert!(simulated < previous, "{g} is not younger");
            previous = simulated;
            // Carrying keeps the order of ages (a quantile map).
            assert!(
                carried
                    .iter()
                    .zip(&sporadic)
                    .all(|(c, s)| ages.carry(*s + 1.0, g) >= *c - 1e-9)
            );
        }
        // SOD1 A4V shares the SOD1 steps; a sporadic age is kept.
        assert!(
            (ages.carry(60.0, Genotype::Sod1A4v) - ages.carry(60.0, Genotype::Sod1)).abs() < 1e-12
        );
        assert!((ages.carry(60.0, Genotype::Sporadic) - 60.0).abs() < 1e-12);
    }

    #[test]
    fn bulbar_onset_is_commoner_at_older_onset_and_the_population_share_is_kept() {
        let pop = Population::default();
        let s = Sampler::new(&pop, &Params::default());
        let draws: Vec<Draw> = (0..40_000).map(|i| s.draw(i)).collect();
        let share = |keep: &dyn Fn(&Draw) -> bool| {
            let g: Vec<&Draw> = draws.iter().filter(|d| keep(d)).collect();
            g.iter()
                .filter(|d| d.covariates.onset_region == Region::Bulbar)
                .count() as f64
                / g.len() as f64
        };
        let all = share(&|_| true);
        assert!((all - 0.28).abs() < 0.012, "{all}");
        let young = share(&|d| d.covariates.age_years < 50.0);
        let old = share(&|d| d.covariates.age_years >= 75.0);
        assert!(old > young + 0.08, "under 50 {young}, 75 and over {old}");
        let old_women =
            share(&|d| d.covariates.age_years >= 70.0 && d.covariates.sex == Sex::Female);
        let young_men = share(&|d| d.covariates.age_years < 55.0 && d.covariates.sex == Sex::Male);
        assert!(
            old_women > 0.35 && young_men < 0.22,
            "{old_women} {young_men}"
        );
    }

    #[test]
    fn women_have_later_onset_and_more_bulbar_onset_with_the_population_shares_kept() {
        let pop = Population::default();
        let s = Sampler::new(&pop, &Params::default());
        let draws: Vec<Draw> = (0..40_000).map(|i| s.draw(i)).collect();
        let by = |female: bool| {
            let g: Vec<&Draw> = draws
                .iter()
                .filter(|d| (d.covariates.sex == Sex::Female) == female)
                .collect();
            let n = g.len() as f64;
            let age = g.iter().map(|d| d.covariates.age_years).sum::<f64>() / n;
            let bulbar = g
                .iter()
                .filter(|d| d.covariates.onset_region == Region::Bulbar)
                .count() as f64
                / n;
            (age, bulbar)
        };
        let ((age_f, bulbar_f), (age_m, bulbar_m)) = (by(true), by(false));
        assert!(
            (age_f - age_m - FEMALE_ONSET_AGE_SHIFT).abs() < 0.4,
            "{age_f} {age_m}"
        );
        let odds = |p: f64| p / (1.0 - p);
        let or = odds(bulbar_f) / odds(bulbar_m);
        assert!((or - FEMALE_BULBAR_ODDS_RATIO).abs() < 0.15, "{or}");
        let all = draws
            .iter()
            .filter(|d| d.covariates.onset_region == Region::Bulbar)
            .count() as f64
            / draws.len() as f64;
        assert!((all - 0.28).abs() < 0.01, "{all}");
    }

    #[test]
    fn correlation_is_reproduced() {
        let pop = Population {
            correlations: vec![Correlation {
                a: Param::AggGrowthRate,
                b: Param::SpreadContiguous,
                rho: 0.7,
            }],
            ..Population::default()
        };
        let s = Sampler::new(&pop, &Params::default());
        let xs: Vec<(f64, f64)> = (0..20_000)
            .map(|i| {
                let d = s.draw(i);
                (
                    d.params.agg_growth_rate.ln(),
                    d.params.spread_contiguous.ln(),
                )
            })
            .collect();
        let n = xs.len() as f64;
        let (ma, mb) = (
            xs.iter().map(|x| x.0).sum::<f64>() / n,
            xs.iter().map(|x| x.1).sum::<f64>() / n,
        );
        let cov = xs.iter().map(|x| (x.0 - ma) * (x.1 - mb)).sum::<f64>() / n;
        let va = xs.iter().map(|x| (x.0 - ma).powi(2)).sum::<f64>() / n;
        let vb = xs.iter().map(|x| (x.1 - mb).powi(2)).sum::<f64>() / n;
        let r = cov / (va * vb).sqrt();
        assert!((r - 0.7).abs() < 0.02, "{r}");
    }

    #[test]
    fn impossible_correlations_are_rejected() {
        let [x, y, z] = [
            Param::AggGrowthRate,
            Param::SpreadContiguous,
            Param::HazardSoluble,
        ];
        let v: Vec<Variability> = [x, y, z]
            .iter()
            .map(|&param| Variability { param, cv: 0.3 })
            .collect();
        let c = vec![
            Correlation {
                a: x,
                b: y,
                rho: 0.9,
            },
            Correlation {
                a: y,
                b: z,
                rho: 0.9,
            },
            Correlation {
                a: x,
                b: z,
                rho: -0.9,
            },
        ];
        assert!(correlation_cholesky(&v, &c).is_none());
    }
}
