//! Finkelstein-Schoenfeld joint rank test of survival and function, and the combined
//! assessment of function and survival (CAFS) used as a primary endpoint in ALS trials.
//!
//! # Pairwise comparison
//!
//! Every pair of subjects `(i, j)`, regardless of arm, is scored `u_ij ∈ {−1, 0, +1}`
//! (`+1`: `i` did better), first on survival and, when survival cannot order them, on
//! function (Finkelstein & Schoenfeld 1999):
//!
//! 1. both died: the one who died later did better; equal death times fall through to 3;
//! 2. one died at `t` and the other was followed alive up to at least `t` (death or censoring
//!    no earlier than `t`): the survivor did better; if the other's follow-up ended before
//!    `t`, survival cannot decide and the pair falls through to 3;
//! 3. otherwise (both censored, or survival undecidable) the higher function value did better,
//!    equal values or a missing value score 0.
//!
//! The function value should be comparable across the pair, for example the change in
//! ALSFRS-R from baseline at the common end of follow-up (higher is better).
//!
//! # Test statistic
//!
//! Each subject's score is `Uᵢ = Σ_j u_ij`; antisymmetry (`u_ji = −u_ij`) gives `Σᵢ Uᵢ = 0`. The
//! statistic is the treated arm's total `T = Σ_{i treated} Uᵢ`. Under the null hypothesis the
//! arm labels are exchangeable, and the permutation mean and variance of `T` are
//!
//! ```text
//! E T = 0,        Var T = n₁ n₂ / (N (N − 1)) · Σᵢ Uᵢ²,
//! ```
//!
//! with `n₁` treated, `n₂` controls and `N = n₁ + n₂` (Finkelstein & Schoenfeld 1999, eq. 2).
//! `Z = T / √Var T` is referred to the standard normal for a two-sided p-value. Without deaths
//! the scores are `2Rᵢ − N − 1` for ranks `Rᵢ` of function, and the test is the
//! Wilcoxon-Mann-Whitney test with the normal approximation (no continuity correction); with
//! deaths only, it is Gehan's generalised Wilcoxon test of survival.
//!
//! # Stratified test
//!
//! When the randomisation was stratified, arm labels are exchangeable only within a stratum.
//! [`joint_rank_stratified`] compares pairs within each stratum `s` only, and sums the strata's
//! statistics `T_s` and permutation variances
//! `Var T_s = n₁ₛ n₂ₛ / (Nₛ (Nₛ − 1)) · Σ_{i∈s} Uᵢ⁽ˢ⁾²`, with `Uᵢ⁽ˢ⁾` the score of `i` against
//! the members of its stratum: `Z = Σ T_s / √(Σ Var T_s)` (the stratified form of the test,
//! as the stratified log-rank and van Elteren's stratified Wilcoxon test). A stratum with one
//! arm empty adds nothing. With a prognostic stratification factor the unstratified variance
//! counts the differences between strata that the randomisation balanced, and the test is
//! conservative.
//!
//! # CAFS
//!
//! Berry et al. (2013) rank subjects by the same pairwise comparison; an arm is summarised by
//! the mean score `Ūᵢ` of its subjects and by the mean rank of the scores (1 = worst, midranks
//! for ties), larger meaning better outcomes. [`JointRank::cafs`] holds both per arm.
//!
//! # References
//!
//! - Finkelstein DM, Schoenfeld DA (1999). Combining mortality and longitudinal measures in
//!   clinical trials. *Statistics in Medicine* 18:1341-1354.
//! - Berry JD, Miller R, Moore DH, et al. (2013). The Combined Assessment of Function and
//!   Survival (CAFS): a new endpoint for ALS clinical trials. *Amyotrophic Lateral Sclerosis
//!   and Frontotemporal Degeneration* 14:162-168.
//! - Gehan EA (1965). A generalized Wilcoxon test for comparing arbitrarily singly-censored
//!   samples. *Biometrika* 52:203-223.

use super::dist::normal_sf;

/// One subject's outcomes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JointSubject {
    /// Time of death when `died`, otherwise end of follow-up alive (censoring time).
    pub time: f64,
    /// Whether the subject died at `time`.
    pub died: bool,
    /// Function outcome, higher is better (for example the ALSFRS-R change from baseline);
    /// `None` when not available (typically after death).
    pub function: Option<f64>,
}

/// Why the test could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum JointRankError {
    /// Subjects and arm flags differ in number.
    #[error("mismatched lengths: {subjects} subjects, {arms} arm flags")]
    MismatchedLengths {
        /// Number of subjects.
        subjects: usize,
        /// Number of arm flags.
        arms: usize,
    },
    /// Subjects and stratum labels differ in number.
    #[error("mismatched lengths: {subjects} subjects, {strata} stratum labels")]
    MismatchedStrata {
        /// Number of subjects.
        subjects: usize,
        /// Number of stratum labels.
        strata: usize,
    },
    /// An arm has no subjects.
    #[error("an arm is empty")]
    EmptyArm,
    /// A non-finite time or function value.
    #[error("subject {subject} has a non-finite time or function value")]
    NonFinite {
        /// Index of the offending subject.
        subject: usize,
    },
}

/// CAFS summary of one arm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ArmSummary {
    /// Number of subjects.
    pub n: usize,
    /// Mean pairwise score `Ūᵢ` over the arm.
    pub mean_score: f64,
    /// Mean rank of the scores over the arm (ranks 1..N over all subjects, midranks for ties).
    pub mean_rank: f64,
}

/// Result of [`joint_rank`].
#[derive(Debug, Clone, PartialEq)]
pub struct JointRank {
    /// Score `Uᵢ` of every subject, in input order.
    pub scores: Vec<f64>,
    /// Treated arm's total score `T`.
    pub statistic: f64,
    /// Permutation variance of `T`.
    pub variance: f64,
    /// Standardised statistic `T / √Var T`; 0 when the variance is 0 (every pair tied).
    pub z: f64,
    /// Two-sided p-value from the normal approximation; 1 when the variance is 0.
    pub p: f64,
    /// CAFS summaries, `[control, treated]`.
    pub cafs: [ArmSummary; 2],
}

/// Pairwise comparison of `a` with `b`: `+1` when `a` did better, `−1` when worse, 0 when tied.
pub fn compare(a: &JointSubject, b: &JointSubject) -> i32 {
    match (a.died, b.died) {
        (true, true) if a.time > b.time => return 1,
        (true, true) if a.time < b.time => return -1,
        (true, false) if b.time >= a.time => return -1,
        (false, true) if a.time >= b.time => return 1,
        _ => {}
    }
    match (a.function, b.function) {
        (Some(x), Some(y)) if x > y => 1,
        (Some(x), Some(y)) if x < y => -1,
        _ => 0,
    }
}

/// Pairwise scores `Uᵢ = Σ_j u_ij` over the subjects in `members` (indices into `subjects`),
/// in the order of `members`.
fn scores_within(subjects: &[JointSubject], members: &[usize]) -> Vec<i64> {
    let mut scores = vec![0i64; members.len()];
    for (a, &i) in members.iter().enumerate() {
        for (b, &j) in members.iter().enumerate().skip(a + 1) {
            let u = i64::from(compare(&subjects[i], &subjects[j]));
            scores[a] += u;
            scores[b] -= u;
        }
    }
    scores
}

/// The treated total `T` and its permutation variance over one set of scores.
fn statistic_and_variance(scores: &[i64], treated: impl Iterator<Item = bool>) -> (f64, f64) {
    let mut t = 0.0;
    let mut n1 = 0usize;
    for (&u, arm) in scores.iter().zip(treated) {
        if arm {
            t += u as f64;
            n1 += 1;
        }
    }
    let n = scores.len();
    let n2 = n - n1;
    let variance = if n > 1 && n1 > 0 && n2 > 0 {
        let (nf, n1f, n2f) = (n as f64, n1 as f64, n2 as f64);
        n1f * n2f / (nf * (nf - 1.0)) * scores.iter().map(|&u| (u as f64).powi(2)).sum::<f64>()
    } else {
        0.0
    };
    (t, variance)
}

/// Midranks of the integer `values` (1-based).
fn midranks(values: &[i64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by_key(|&a| values[a]);
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // Positions start..end hold ranks start + 1 ..= end.
        let rank = 0.5 * ((start + 1) + end) as f64;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        start = end;
    }
    ranks
}

/// Finkelstein-Schoenfeld test of `treated[i] = true` against `false`, with CAFS summaries
/// (see the module documentation). O(N²) comparisons.
pub fn joint_rank(
    subjects: &[JointSubject],
    treated: &[bool],
) -> Result<JointRank, JointRankError> {
    let n = subjects.len();
    if treated.len() != n {
        return Err(JointRankError::MismatchedLengths {
            subjects: n,
            arms: treated.len(),
        });
    }
    if let Some(subject) = subjects
        .iter()
        .position(|s| !s.time.is_finite() || s.function.is_some_and(|f| !f.is_finite()))
    {
        return Err(JointRankError::NonFinite { subject });
    }
    let n1 = treated.iter().filter(|&&t| t).count();
    let n2 = n - n1;
    if n1 == 0 || n2 == 0 {
        return Err(JointRankError::EmptyArm);
    }
    let all: Vec<usize> = (0..n).collect();
    let scores = scores_within(subjects, &all);
    let (statistic, variance) = statistic_and_variance(&scores, treated.iter().copied());
    let ranks = midranks(&scores);
    let scores: Vec<f64> = scores.iter().map(|&u| u as f64).collect();
    let (z, p) = z_and_p(statistic, variance);
    let summary = |arm: bool| {
        let members: Vec<usize> = (0..n).filter(|&i| treated[i] == arm).collect();
        let k = members.len() as f64;
        ArmSummary {
            n: members.len(),
            mean_score: members.iter().map(|&i| scores[i]).sum::<f64>() / k,
            mean_rank: members.iter().map(|&i| ranks[i]).sum::<f64>() / k,
        }
    };
    let cafs = [summary(false), summary(true)];
    Ok(JointRank {
        scores,
        statistic,
        variance,
        z,
        p,
        cafs,
    })
}

/// `Z = T / √Var T` and its two-sided normal p-value; 0 and 1 without variance.
fn z_and_p(statistic: f64, variance: f64) -> (f64, f64) {
    if variance > 0.0 {
        let z = statistic / variance.sqrt();
        (z, (2.0 * normal_sf(z.abs())).min(1.0))
    } else {
        (0.0, 1.0)
    }
}

/// The Finkelstein-Schoenfeld test within the randomisation strata (`strata[i]` labels subject
/// `i`; see "Stratified test" in the module documentation): pairs are compared within a stratum
/// only, and the strata's statistics and variances are summed. [`JointRank::statistic`],
/// [`JointRank::variance`], [`JointRank::z`] and [`JointRank::p`] are the stratified ones; the
/// scores and CAFS summaries rank every subject against every other, as [`joint_rank`]. With
/// one stratum it is [`joint_rank`].
pub fn joint_rank_stratified(
    subjects: &[JointSubject],
    treated: &[bool],
    strata: &[u32],
) -> Result<JointRank, JointRankError> {
    if strata.len() != subjects.len() {
        return Err(JointRankError::MismatchedStrata {
            subjects: subjects.len(),
            strata: strata.len(),
        });
    }
    let mut all = joint_rank(subjects, treated)?;
    let labels: std::collections::BTreeSet<u32> = strata.iter().copied().collect();
    let (mut statistic, mut variance) = (0.0, 0.0);
    for label in labels {
        let members: Vec<usize> = (0..subjects.len())
            .filter(|&i| strata[i] == label)
            .collect();
        let scores = scores_within(subjects, &members);
        let (t, v) = statistic_and_variance(&scores, members.iter().map(|&i| treated[i]));
        statistic += t;
        variance += v;
    }
    let (z, p) = z_and_p(statistic, variance);
    all.statistic = statistic;
    all.variance = variance;
    all.z = z;
    all.p = p;
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::ChaCha8Rng;
    use rand::{RngExt, SeedableRng};
    use rand_distr::{Distribution, Exp, StandardNormal};

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    fn dead(time: f64) -> JointSubject {
        JointSubject {
            time,
            died: true,
            function: None,
        }
    }

    fn alive(time: f64, function: f64) -> JointSubject {
        JointSubject {
            time,
            died: false,
            function: Some(function),
        }
    }

    #[test]
    fn four_subjects_by_hand() {
        // A (treated) died at 6; B (treated) alive at 12 with change −5; C (control) died at 3;
        // D (control) alive at 12 with change −10.
        //   A–B −1 (B alive past 6), A–C +1 (C died first), A–D −1, B–C +1, B–D +1 (function),
        //   C–D −1. Scores U = (−1, 3, −3, 1); T = −1 + 3 = 2; ΣU² = 20;
        //   Var T = 2·2 / (4·3) · 20 = 20/3; Z = 2/√(20/3) = 0.7745967; p = 0.4385780.
        //   Ranks of U: C 1, A 2, D 3, B 4: treated mean rank 3, control 2.
        let subjects = [dead(6.0), alive(12.0, -5.0), dead(3.0), alive(12.0, -10.0)];
        let arms = [true, true, false, false];
        let r = joint_rank(&subjects, &arms).unwrap();
        assert_eq!(r.scores, vec![-1.0, 3.0, -3.0, 1.0]);
        assert!(close(r.statistic, 2.0, 0.0) && close(r.variance, 20.0 / 3.0, 1e-12));
        assert!(
            close(r.z, 0.774_596_7, 1e-7) && close(r.p, 0.438_578_0, 1e-7),
            "{r:?}"
        );
        assert!(close(r.cafs[1].mean_score, 1.0, 0.0) && close(r.cafs[0].mean_score, -1.0, 0.0));
        assert!(close(r.cafs[1].mean_rank, 3.0, 0.0) && close(r.cafs[0].mean_rank, 2.0, 0.0));
        assert_eq!((r.cafs[0].n, r.cafs[1].n), (2, 2));
    }

    #[test]
    fn undecidable_survival_falls_back_to_function() {
        // Died at 10 after a last function value of −20, against a subject lost to follow-up
        // at 5 with −8: survival cannot order them, function does.
        let early_loss = alive(5.0, -8.0);
        let death = JointSubject {
            time: 10.0,
            died: true,
            function: Some(-20.0),
        };
        assert_eq!(compare(&early_loss, &death), 1);
        assert_eq!(compare(&death, &early_loss), -1);
        // Followed to exactly the death time: the survivor did better.
        assert_eq!(compare(&alive(10.0, -30.0), &death), 1);
        // Simultaneous deaths without function, and missing function, are ties.
        assert_eq!(compare(&dead(4.0), &dead(4.0)), 0);
        let missing = JointSubject {
            time: 12.0,
            died: false,
            function: None,
        };
        assert_eq!(compare(&missing, &alive(12.0, 0.0)), 0);
    }

    #[test]
    fn without_deaths_it_is_the_wilcoxon_test() {
        // Function only: treated (3, 5, 8, 9), control (1, 2, 4, 6, 7). Rank sum of the
        // treated W = 3 + 5 + 8 + 9 = 25, E W = 4·10/2 = 20, Var W = 4·5·10/12 = 50/3:
        // Z = 5/√(50/3) = 1.2247449.
        let treated_values = [3.0, 5.0, 8.0, 9.0];
        let control_values = [1.0, 2.0, 4.0, 6.0, 7.0];
        let subjects: Vec<JointSubject> = treated_values
            .iter()
            .chain(&control_values)
            .map(|&f| alive(12.0, f))
            .collect();
        let arms: Vec<bool> = (0..9).map(|i| i < 4).collect();
        let r = joint_rank(&subjects, &arms).unwrap();
        assert!(close(r.z, 1.224_744_9, 1e-7), "{}", r.z);
        // Mean ranks: treated 25/4, control 20/5.
        assert!(close(r.cafs[1].mean_rank, 6.25, 1e-12) && close(r.cafs[0].mean_rank, 4.0, 1e-12));
    }

    #[test]
    fn swapping_arms_flips_the_sign() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let subjects: Vec<JointSubject> = (0..30)
            .map(|_| {
                let t: f64 = Exp::new(0.08).unwrap().sample(&mut rng);
                if t < 12.0 {
                    dead(t)
                } else {
                    let f: f64 = StandardNormal.sample(&mut rng);
                    alive(12.0, -10.0 + 4.0 * f)
                }
            })
            .collect();
        let arms: Vec<bool> = (0..30).map(|_| rng.random_bool(0.5)).collect();
        let flipped: Vec<bool> = arms.iter().map(|a| !a).collect();
        let a = joint_rank(&subjects, &arms).unwrap();
        let b = joint_rank(&subjects, &flipped).unwrap();
        assert!(close(a.statistic, -b.statistic, 1e-12) && close(a.z, -b.z, 1e-12));
        assert!(close(a.p, b.p, 1e-15) && close(a.variance, b.variance, 1e-9));
        assert_eq!(a.cafs[0], b.cafs[1]);
        assert_eq!(a.cafs[1], b.cafs[0]);
        assert!(close(a.scores.iter().sum::<f64>(), 0.0, 0.0));
    }

    #[test]
    fn null_p_values_are_uniform() {
        // 500 null trials of 2 × 25 with exponential survival (25% dead by month 12), uniform
        // dropout and normal function change: the Kolmogorov-Smirnov distance of the p-values
        // from U(0, 1) must stay below the 99% critical value 1.628/√500 = 0.0728, and the
        // rejection rate at 5% within the binomial 99% interval [13, 37] / 500.
        let mut rng = ChaCha8Rng::seed_from_u64(1999);
        let hazard = Exp::new(-(0.75f64.ln()) / 12.0).unwrap();
        let arms: Vec<bool> = (0..50).map(|i| i % 2 == 0).collect();
        let mut p_values = Vec::new();
        for _ in 0..500 {
            let subjects: Vec<JointSubject> = (0..50)
                .map(|_| {
                    let death: f64 = hazard.sample(&mut rng);
                    let end = if rng.random_bool(0.1) {
                        rng.random_range(1.0..12.0)
                    } else {
                        12.0
                    };
                    if death < end {
                        dead(death)
                    } else {
                        let f: f64 = StandardNormal.sample(&mut rng);
                        alive(end, -0.9 * end + 3.0 * f)
                    }
                })
                .collect();
            p_values.push(joint_rank(&subjects, &arms).unwrap().p);
        }
        p_values.sort_by(f64::total_cmp);
        let k = p_values.len() as f64;
        let ks = p_values
            .iter()
            .enumerate()
            .map(|(i, &p)| (p - i as f64 / k).abs().max(((i + 1) as f64 / k - p).abs()))
            .fold(0.0, f64::max);
        assert!(ks < 0.0728, "KS distance {ks}");
        let rejections = p_values.iter().filter(|&&p| p < 0.05).count();
        assert!((13..=37).contains(&rejections), "{rejections} rejections");
    }

    #[test]
    fn stratified_test_by_hand() {
        // Stratum 1: the four subjects of `four_subjects_by_hand` (T = 2, Var = 20/3).
        // Stratum 2: treated alive with change −2, control alive with −6, treated dead at 9:
        //   E–F +1, E–G +1 (G died while E was followed past 9), F–G +1. Scores (2, 0, −2);
        //   T = 2 − 2 = 0; Var = 2·1 / (3·2) · 8 = 8/3.
        // Stratified: T = 2, Var = 20/3 + 8/3 = 28/3, Z = 2/√(28/3) = 0.6546537.
        let subjects = [
            dead(6.0),
            alive(12.0, -5.0),
            dead(3.0),
            alive(12.0, -10.0),
            alive(12.0, -2.0),
            alive(12.0, -6.0),
            dead(9.0),
        ];
        let arms = [true, true, false, false, true, false, true];
        let strata = [1, 1, 1, 1, 2, 2, 2];
        let r = joint_rank_stratified(&subjects, &arms, &strata).unwrap();
        assert!(close(r.statistic, 2.0, 0.0) && close(r.variance, 28.0 / 3.0, 1e-12));
        assert!(close(r.z, 0.654_653_7, 1e-7), "{r:?}");
        // Scores and CAFS rank every subject against every other.
        assert_eq!(r.scores, joint_rank(&subjects, &arms).unwrap().scores);
        // One stratum is the unstratified test.
        let one = joint_rank_stratified(&subjects, &arms, &[7; 7]).unwrap();
        assert_eq!(one, joint_rank(&subjects, &arms).unwrap());
        // A stratum with one arm empty adds nothing.
        let lone = joint_rank_stratified(&subjects, &arms, &[1, 1, 1, 1, 2, 2, 3]).unwrap();
        let parts = [
            joint_rank(&subjects[..4], &arms[..4]).unwrap(),
            joint_rank(&subjects[4..6], &arms[4..6]).unwrap(),
        ];
        let t: f64 = parts.iter().map(|p| p.statistic).sum();
        let v: f64 = parts.iter().map(|p| p.variance).sum();
        assert!(close(lone.statistic, t, 1e-12) && close(lone.variance, v, 1e-12));
        assert_eq!(
            joint_rank_stratified(&subjects, &arms, &[1, 2]),
            Err(JointRankError::MismatchedStrata {
                subjects: 7,
                strata: 2
            })
        );
    }

    #[test]
    fn stratified_test_keeps_its_size_when_the_unstratified_one_does_not() {
        // 1,000 null trials of 60 subjects in two strata of very different prognosis (function
        // change −20 ± 3 and −2 ± 3 at month 12, no deaths), 15 + 15 per stratum (blocked):
        // the stratified test rejects at 5% within the binomial 99% interval [33, 68] / 1000;
        // the unstratified one, whose variance counts the balanced difference between the
        // strata, rejects far less often.
        let mut rng = ChaCha8Rng::seed_from_u64(2024);
        let strata: Vec<u32> = (0..60).map(|i| u32::from(i >= 30)).collect();
        let arms: Vec<bool> = (0..60).map(|i| i % 2 == 0).collect();
        let (mut stratified, mut pooled) = (0, 0);
        for _ in 0..1000 {
            let subjects: Vec<JointSubject> = strata
                .iter()
                .map(|&s| {
                    let f: f64 = StandardNormal.sample(&mut rng);
                    alive(12.0, if s == 0 { -20.0 } else { -2.0 } + 3.0 * f)
                })
                .collect();
            if joint_rank_stratified(&subjects, &arms, &strata).unwrap().p < 0.05 {
                stratified += 1;
            }
            if joint_rank(&subjects, &arms).unwrap().p < 0.05 {
                pooled += 1;
            }
        }
        assert!((33..=68).contains(&stratified), "{stratified} rejections");
        assert!(pooled < 10, "{pooled} rejections without strata");
    }

    #[test]
    fn degenerate_input_is_rejected() {
        let s = [dead(1.0), alive(2.0, 0.0)];
        assert_eq!(
            joint_rank(&s, &[true]),
            Err(JointRankError::MismatchedLengths {
                subjects: 2,
                arms: 1
            })
        );
        assert_eq!(joint_rank(&s, &[true, true]), Err(JointRankError::EmptyArm));
        assert_eq!(
            joint_rank(&[dead(f64::NAN), dead(1.0)], &[true, false]),
            Err(JointRankError::NonFinite { subject: 0 })
        );
        assert_eq!(
            joint_rank(&[alive(1.0, f64::INFINITY), dead(1.0)], &[true, false]),
            Err(JointRankError::NonFinite { subject: 0 })
        );
        // Every pair tied: no information, p = 1.
        let r = joint_rank(&[alive(12.0, 1.0), alive(12.0, 1.0)], &[true, false]).unwrap();
        assert!(close(r.z, 0.0, 0.0) && close(r.p, 1.0, 0.0));
    }
}
