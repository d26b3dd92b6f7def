//! Virtual trials: the null is rejected at the nominal rate, results do not depend on the
//! thread count, arms hold distinct patients, dropout hides what follows it, randomised
//! estimates agree with the paired effects on average, and bad designs are refused.

mod common;

use alssim::scenario;
use alssim::trial::{self, Endpoint, TrialDesign};

fn parse(text: &str) -> scenario::Scenario {
    scenario::parse("trial.toml", "trial", text).unwrap_or_else(|e| panic!("{}", e.report()))
}

/// A six-month trial with monthly visits; `arms` and `trial` are appended.
fn design(arms: &str, trial: &str) -> scenario::Scenario {
    parse(&format!(
        r#"
[simulation]
horizon-months = 6
visits-every-months = 1
visits-from = "enrollment"

[population]
seed = 42
enrollment = {{ at = "diagnosis" }}

[population.inclusion]
min-fvc = 60
max-months-since-onset = 36

{arms}

[trial]
{trial}
"#
    ))
}

/// The error report of a design that must be refused.
fn bad(arms: &str, trial: &str) -> String {
    let text = format!("[simulation]\nvisits-from = \"enrollment\"\n{arms}\n[trial]\n{trial}\n");
    scenario::parse("t.toml", "t", &text).unwrap_err().report()
}

const NULL_ARMS: &str = "[[arm]]\nname = \"placebo\"\n[[arm]]\nname = \"null\"\n";

#[test]
fn a_null_drug_is_rejected_at_the_nominal_rate() {
    // Two arms with no treatment: any difference is chance. 2,000 trials of 60 patients.
    let s = design(
        NULL_ARMS,
        "sample-size = 60\nendpoints = [\"alsfrs-change\", \"survival\"]\npool = 1000",
    );
    let d = s.trial().cloned().unwrap();
    let run = trial::run_trial(&s.cohort_spec(), &d, &[60], 2000, 2).unwrap();
    let p = run
        .power
        .iter()
        .find(|p| p.endpoint == Endpoint::AlsfrsChange)
        .unwrap();
    // Binomial 99% interval around 5% of 2,000: 100 ± 2.576·√(2000·0.05·0.95).
    assert!(
        (75..=125).contains(&p.significant),
        "{} of 2000 null trials significant",
        p.significant
    );
    assert_eq!(p.analysed, 2000);
    // The paired effect of an arm without treatment is exactly zero.
    assert_eq!(p.paired_mean, 0.0);
}

#[test]
fn the_mixed_model_slope_keeps_its_size_under_the_null() {
    let s = design(
        NULL_ARMS,
        "sample-size = 40\nendpoints = [\"alsfrs-slope\"]\npool = 800",
    );
    let d = s.trial().cloned().unwrap();
    let run = trial::run_trial(&s.cohort_spec(), &d, &[40], 400, 2).unwrap();
    let p = &run.power[0];
    // Binomial 99% interval around 5% of 400: 20 ± 11.
    assert!(
        (9..=31).contains(&p.significant),
        "{} of 400",
        p.significant
    );
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let s = design(
        "[[arm]]\nname = \"placebo\"\n[[arm]]\nname = \"riluzole\"\ntherapies = [{ drug = \"riluzole\" }]\n",
        "sample-size = 30\nendpoints = [\"alsfrs-change\", \"alsfrs-slope\", \"joint-rank\", \"nfl-ratio\"]\ndropout-per-year = 0.3\npool = 300",
    );
    let d = s.trial().cloned().unwrap();
    let names = vec!["placebo".to_string(), "riluzole".to_string()];
    let one = trial::run_trial(&s.cohort_spec(), &d, &[20, 30], 6, 1).unwrap();
    let two = trial::run_trial(&s.cohort_spec(), &d, &[20, 30], 6, 2).unwrap();
    assert_eq!(
        trial::output::trial_csv(&one.sizes, &names),
        trial::output::trial_csv(&two.sizes, &names)
    );
    assert_eq!(one.example_patients, two.example_patients);
}

#[test]
fn arms_hold_distinct_patients_in_the_allocation_ratio_and_dropout_hides_the_rest() {
    let s = design(
        "[[arm]]\nname = \"a\"\n[[arm]]\nname = \"b\"\n[[arm]]\nname = \"c\"\n",
        "sample-size = 50\nallocation = [2, 1, 1]\ndropout-per-year = 0.6\ninformative-dropout = 2\npool = 400",
    );
    let d: TrialDesign = s.trial().cloned().unwrap();
    let outcomes = alssim::cohort::run(&s.cohort_spec(), 0..400, 2).unwrap();
    let (pool, flow) = trial::eligible_pool(&outcomes, &d, s.population().seed);
    assert_eq!(flow.eligible as usize, pool.len());
    let mut rng = trial::run::replicate_rng(42, 0);
    let patients = trial::randomise(&pool, &d, 50, &mut rng).unwrap();
    let mut seen = std::collections::HashSet::new();
    assert!(
        patients.iter().all(|p| seen.insert(p.index)),
        "a patient in two arms"
    );
    let count = |a| patients.iter().filter(|p| p.arm == a).count();
    assert_eq!((count(0), count(1), count(2)), (26, 12, 12));
    let dropped: Vec<_> = patients
        .iter()
        .filter(|p| p.dropped_out.is_some())
        .collect();
    assert!(!dropped.is_empty());
    for p in &dropped {
        let t = p.dropped_out.unwrap();
        assert!(!p.died && (p.observed_months - t).abs() < 1e-12);
        assert!(p.visits.iter().all(|o| o.t <= t + 1e-9));
    }
    // Informative dropout: over ten trials, those who leave progressed faster before baseline.
    let (mut left, mut stayed) = (Vec::new(), Vec::new());
    for r in 0..10 {
        let mut rng = trial::run::replicate_rng(42, r);
        for p in trial::randomise(&pool, &d, 50, &mut rng).unwrap() {
            if p.dropped_out.is_some() {
                left.push(p.delta_fs);
            } else {
                stayed.push(p.delta_fs);
            }
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!(
        mean(&left) > 1.3 * mean(&stayed),
        "ΔFS of those who left {} against those who stayed {}",
        mean(&left),
        mean(&stayed)
    );
}

#[test]
fn randomised_estimates_agree_with_the_paired_effect_on_average() {
    // Riluzole slows decline a little; over many trials the randomised estimate of the
    // difference in change is unbiased for the paired effect on the same kind of patients.
    let s = design(
        "[[arm]]\nname = \"placebo\"\n[[arm]]\nname = \"riluzole\"\ntherapies = [{ drug = \"riluzole\" }]\n",
        "sample-size = 80\nendpoints = [\"alsfrs-change\"]\npool = 1200",
    );
    let d = s.trial().cloned().unwrap();
    let run = trial::run_trial(&s.cohort_spec(), &d, &[80], 300, 2).unwrap();
    let p = &run.power[0];
    let se = p.estimate_sd / 300f64.sqrt();
    assert!(
        p.paired_mean > 0.0,
        "riluzole's paired effect {}",
        p.paired_mean
    );
    assert!(
        (p.estimate_mean - p.paired_mean).abs() < 4.0 * se + 0.05,
        "randomised {} against paired {} (se {se})",
        p.estimate_mean,
        p.paired_mean
    );
}

#[test]
fn bad_designs_are_refused_with_where_and_what() {
    let e = bad("[[arm]]\nname = \"only\"\n", "sample-size = 10");
    assert!(e.contains("a trial compares arms"), "{e}");
    let e = bad(NULL_ARMS, "sample-size = 10\nallocation = [1, 2, 3]");
    assert!(
        e.contains("`trial.allocation`") && e.contains("3 ratios for 2 randomised arms"),
        "{e}"
    );
    let e = bad(
        NULL_ARMS,
        "sample-size = 10\nendpoints = [\"alsfrs-chnage\"]",
    );
    assert!(e.contains("did you mean `alsfrs-change`"), "{e}");
    let e = bad(NULL_ARMS, "endpoints = [\"survival\"]");
    assert!(e.contains("needs its sample size"), "{e}");
    let e = bad(
        NULL_ARMS,
        "sample-size = 10\n[trial.eligibility]\ndelta-fs = [1.5, 0.3]",
    );
    assert!(e.contains("`trial.eligibility.delta-fs`"), "{e}");
    let e = bad(
        NULL_ARMS,
        "sample-size = 10\n[trial.eligibility]\nkings-stage = [1.5, 3]",
    );
    assert!(e.contains("whole numbers"), "{e}");
    let e = bad(NULL_ARMS, "sample-size = 10\npool = 5");
    assert!(e.contains("cannot give 10 randomised"), "{e}");
    let e = bad(NULL_ARMS, "sample-size = 10\nsample_size = 3");
    assert!(e.contains("sample_size"), "{e}");
    // Definitions without their endpoint, endpoints without their definition.
    let e = bad(
        NULL_ARMS,
        "sample-size = 10\n[trial.responder]\nmax-decline = 6",
    );
    assert!(
        e.contains("`trial.responder`") && e.contains("not in `endpoints`"),
        "{e}"
    );
    let e = bad(NULL_ARMS, "sample-size = 10\nendpoints = [\"responder\"]");
    assert!(e.contains("needs a `[trial.responder]` rule"), "{e}");
    let e = bad(NULL_ARMS, "sample-size = 10\nendpoints = [\"composite\"]");
    assert!(e.contains("needs a `[trial.composite]` table"), "{e}");
    let e = bad(
        NULL_ARMS,
        "sample-size = 10\nendpoints = [\"composite\"]\n[trial.composite]\nevents = []",
    );
    assert!(e.contains("adds nothing"), "{e}");
    let e = bad(
        NULL_ARMS,
        "sample-size = 10\nendpoints = [\"responder\"]\n[trial.responder]\nslope-improvement = 1",
    );
    assert!(e.contains("has no lead-in"), "{e}");
    let e = bad(
        NULL_ARMS,
        "sample-size = 10\nendpoints = [\"responder\"]\n[trial.responder]\nmax-decline = 6\nslope-improvement = 1",
    );
    assert!(e.contains("exactly one rule, found 2"), "{e}");
    let e = bad(NULL_ARMS, "sample-size = 10\nsurvival-month = 6");
    assert!(e.contains("`survival-at` endpoint"), "{e}");
    let e = bad(
        NULL_ARMS,
        "sample-size = 10\nstratify = [\"sex\"]\nblock-size = 3",
    );
    assert!(e.contains("use a multiple of 2"), "{e}");
    let e = bad(NULL_ARMS, "sample-size = 10\nblock-size = 4");
    assert!(e.contains("stratified randomisation only"), "{e}");
    let e = bad(NULL_ARMS, "sample-size = 10\nstratify = [\"site\"]");
    assert!(
        e.contains("`trial.stratify[0]`") && e.contains("site-of-onset"),
        "{e}"
    );
    // The default schedule has visits every 3 months: no visit at 2.
    let e = bad(NULL_ARMS, "sample-size = 10\n[trial.lead-in]\nmonths = 2");
    assert!(e.contains("no visit is scheduled at month 2"), "{e}");
    let e = bad(
        "[[arm]]\nname = \"placebo\"\n[[arm]]\nname = \"drug\"\ntherapies = [{ drug = \"riluzole\" }]\n",
        "sample-size = 10\n[trial.lead-in]\nmonths = 3",
    );
    assert!(e.contains("before the lead-in ends at month 3"), "{e}");
    let e = bad(
        NULL_ARMS,
        "sample-size = 10\nendpoints = [\"delayed-start\"]",
    );
    assert!(e.contains("needs a `[trial.extension]` table"), "{e}");
    let three = "[[arm]]\nname = \"placebo\"\n[[arm]]\nname = \"drug\"\ntherapies = [{ drug = \"riluzole\" }]\n[[arm]]\nname = \"late\"\ntherapies = [{ drug = \"riluzole\", start-months = 3 }]\n";
    let e = bad(
        three,
        "sample-size = 10\n[trial.extension]\nafter-months = 6\narm = \"late\"",
    );
    assert!(
        e.contains("before the randomised period ends at month 6"),
        "{e}"
    );
    let e = bad(
        three,
        "sample-size = 10\n[trial.extension]\nafter-months = 6\narm = \"drug\"",
    );
    assert!(e.contains("is not the last `[[arm]]`"), "{e}");
    let e = bad(
        three,
        "sample-size = 10\nallocation = [1, 1, 1]\n[trial.extension]\nafter-months = 3\narm = \"late\"",
    );
    assert!(e.contains("3 ratios for 2 randomised arms"), "{e}");
}

#[test]
fn a_background_therapy_is_taken_by_its_share_in_every_arm_and_can_stratify() {
    let s = design(
        NULL_ARMS,
        "sample-size = 120\nendpoints = [\"alsfrs-change\"]\npool = 800\nstratify = [\"background-therapy\"]\n[trial.background]\ntherapies = [{ drug = \"riluzole\" }]\nshare = 0.7",
    );
    let d = s.trial().cloned().unwrap();
    let pool_spec = trial::pool_spec(&s.cohort_spec(), &d);
    assert_eq!(pool_spec.arms().len(), 4);
    let outcomes = alssim::cohort::run(&pool_spec, 0..800, 2).unwrap();
    let (pool, _) = trial::eligible_pool(&outcomes, &d, s.population().seed);
    let takers = pool.iter().filter(|c| c.background).count();
    // Binomial 99.9% interval around 70% of the eligible pool.
    let n = pool.len() as f64;
    let sd = (n * 0.7 * 0.3).sqrt();
    assert!(
        (takers as f64 - 0.7 * n).abs() < 3.3 * sd,
        "{takers} of {n} take the background therapy"
    );
    for c in &pool {
        // The courses are those with the background therapy exactly when the patient takes it,
        // in both arms; the draw is the patient's own.
        for course in c.arms {
            assert_eq!(course.acting.iter().any(|a| a == "riluzole"), c.background);
        }
        assert_eq!(
            c.background,
            trial::takes_background(s.population().seed, c.index, 0.7)
        );
    }
    for r in 0..10 {
        let mut rng = trial::run::replicate_rng(42, r);
        let patients = trial::randomise(&pool, &d, 120, &mut rng).unwrap();
        for taking in [false, true] {
            let n = |a| {
                patients
                    .iter()
                    .filter(|p| p.background == taking && p.arm == a)
                    .count() as i64
            };
            // Permuted blocks of 4 within each stratum: at most 2 apart.
            assert!((n(0) - n(1)).abs() <= 2, "{} against {}", n(0), n(1));
        }
    }
    // The tidy patient table says who took it.
    let run = trial::run_trial(&s.cohort_spec(), &d, &[120], 2, 2).unwrap();
    let header = run.example_patients.lines().next().unwrap();
    assert!(header.ends_with(",background"), "{header}");
    assert!(run.example_patients.contains(",true\n"));
    assert!(run.example_patients.contains(",false\n"));
}

#[test]
fn a_background_therapy_must_be_complete_and_given_in_one_place() {
    let e = bad(
        NULL_ARMS,
        "sample-size = 10\n[trial.background]\ntherapies = [{ drug = \"riluzole\" }]\nshare = 1.5",
    );
    assert!(e.contains("trial.background.share"), "{e}");
    let e = bad(
        NULL_ARMS,
        "sample-size = 10\n[trial.background]\nshare = 0.5",
    );
    assert!(e.contains("needs its therapies"), "{e}");
    let with_riluzole = "[[arm]]\nname = \"placebo\"\n[[arm]]\nname = \"drug\"\ntherapies = [{ drug = \"riluzole\" }]\n";
    let e = bad(
        with_riluzole,
        "sample-size = 10\n[trial.background]\ntherapies = [{ drug = \"riluzole\" }]\nshare = 0.5",
    );
    assert!(
        e.contains("`riluzole` is a background therapy and also a therapy of arm `drug`"),
        "{e}"
    );
    let e = bad(
        NULL_ARMS,
        "sample-size = 10\nstratify = [\"background-therapy\"]",
    );
    assert!(e.contains("but the trial has none"), "{e}");
    let e = bad(
        NULL_ARMS,
        "sample-size = 10\n[trial.background]\ntherapies = [{ drug = \"riluzole\" }]\nshare = 0.5\ndose = 2",
    );
    assert!(e.contains("dose"), "{e}");
}

#[test]
fn the_el_escorial_criterion_keeps_the_accepted_categories() {
    use alssim::model::staging::{ElEscorial, el_escorial};
    let s = design(
        NULL_ARMS,
        "sample-size = 40\npool = 600\n[trial.eligibility]\nel-escorial = [\"definite\", \"probable\"]",
    );
    let d = s.trial().cloned().unwrap();
    let outcomes = alssim::cohort::run(&s.cohort_spec(), 0..600, 2).unwrap();
    let (pool, flow) = trial::eligible_pool(&outcomes, &d, s.population().seed);
    let excluded = flow
        .excluded
        .iter()
        .find(|x| x.0 == trial::Exclusion::ElEscorial)
        .unwrap()
        .1;
    assert!(excluded > 0 && !pool.is_empty(), "{excluded} excluded");
    assert_eq!(flow.eligible + excluded, flow.enrolled);
    for c in &pool {
        let category = el_escorial(
            &c.baseline.items,
            &c.baseline.regional,
            trial::run::weak_on_examination(&alssim::model::Params::default()),
        );
        assert!(
            matches!(category, Some(ElEscorial::Definite | ElEscorial::Probable)),
            "{category:?}"
        );
    }
    let e = bad(
        NULL_ARMS,
        "sample-size = 10\n[trial.eligibility]\nel-escorial = [\"likely\"]",
    );
    assert!(
        e.contains("trial.eligibility.el-escorial[0]")
            && e.contains("probable-laboratory-supported"),
        "{e}"
    );
    let e = bad(
        NULL_ARMS,
        "sample-size = 10\n[trial.eligibility]\nel-escorial = []",
    );
    assert!(e.contains("no category is accepted"), "{e}");
}

#[test]
fn visits_fall_within_their_window_the_same_in_every_arm_and_are_matched_by_schedule() {
    let plain = design(
        NULL_ARMS,
        "sample-size = 60\nendpoints = [\"alsfrs-change\", \"alsfrs-slope\"]\npool = 400",
    );
    let s = design(
        NULL_ARMS,
        "sample-size = 60\nendpoints = [\"alsfrs-change\", \"alsfrs-slope\"]\npool = 400\nvisit-window-days = 7",
    );
    let d = s.trial().cloned().unwrap();
    let window = 7.0 / trial::design::DAYS_PER_MONTH;
    let outcomes = alssim::cohort::run(&trial::pool_spec(&s.cohort_spec(), &d), 0..400, 2).unwrap();
    let (pool, _) = trial::eligible_pool(&outcomes, &d, s.population().seed);
    let mut moved = 0;
    for c in &pool {
        assert_eq!(c.baseline.delay, 0.0, "the baseline is on the day");
        for o in &c.arms[0].visits {
            assert!(f64::from(o.delay).abs() <= window + 1e-6, "{}", o.delay);
            moved += usize::from(o.delay != 0.0);
        }
        // The same patient keeps the same visit dates in every arm.
        let delays = |k: usize| c.arms[k].visits.iter().map(|o| o.delay).collect::<Vec<_>>();
        assert_eq!(delays(0), delays(1));
    }
    assert!(moved > pool.len() * 4, "{moved} visits moved");
    // The last scheduled visit is still found for the change endpoint: as many patients are
    // analysed as without the window (the same patients, who all survive 6 months or not).
    let with = trial::run_trial(&s.cohort_spec(), &d, &[60], 20, 2).unwrap();
    let without = trial::run_trial(
        &plain.cohort_spec(),
        &plain.trial().cloned().unwrap(),
        &[60],
        20,
        2,
    )
    .unwrap();
    assert!((with.last_visit_months - without.last_visit_months).abs() < 1e-9);
    let analysed = |run: &trial::TrialRun| -> Vec<usize> {
        run.sizes[0].replicates.iter().map(|r| r[0].n).collect()
    };
    let (a, b) = (analysed(&with), analysed(&without));
    for (x, y) in a.iter().zip(&b) {
        assert!(x.abs_diff(*y) <= 2, "{a:?} against {b:?}");
    }
    // The tidy table gives the actual and the scheduled week.
    let header = with.example_patients.lines().next().unwrap();
    assert!(
        header.starts_with("patient,arm,period,month,week,scheduled_week,"),
        "{header}"
    );
    // A window as wide as half the gap between visits is refused.
    let text = format!(
        "[simulation]\nvisits-every-months = 1\nvisits-from = \"enrollment\"\n{NULL_ARMS}\n[trial]\nsample-size = 10\nvisit-window-days = 20\n"
    );
    let e = scenario::parse("t.toml", "t", &text).unwrap_err().report();
    assert!(
        e.contains("trial.visit-window-days") && e.contains("swap order"),
        "{e}"
    );
}

#[test]
fn a_lead_in_randomises_at_its_end_those_whose_decline_fits() {
    let s = design(
        NULL_ARMS,
        "sample-size = 40\nendpoints = [\"alsfrs-slope\"]\npool = 400\n[trial.lead-in]\nmonths = 2\ndecline = [1, 4]",
    );
    let d = s.trial().cloned().unwrap();
    let outcomes = alssim::cohort::run(&s.cohort_spec(), 0..400, 2).unwrap();
    let (pool, flow) = trial::eligible_pool(&outcomes, &d, s.population().seed);
    let lead_in = flow
        .excluded
        .iter()
        .find(|x| x.0 == trial::Exclusion::LeadIn)
        .unwrap()
        .1;
    assert!(lead_in > 0 && !pool.is_empty());
    assert_eq!(flow.eligible + lead_in, flow.enrolled);
    for c in &pool {
        // The baseline is the visit at the end of the lead-in, and the fall over the lead-in
        // is inside the window.
        assert!((c.t0 - 2.0).abs() < 1e-9 && (c.baseline.t - 2.0).abs() < 1e-9);
        let screening = c.arms[0].visits.first().unwrap();
        let fall = f64::from(screening.total()) - f64::from(c.baseline.total());
        assert!((1.0..=4.0).contains(&fall), "fall {fall}");
        assert!((c.lead_in_slope.unwrap() + fall / 2.0).abs() < 1e-9);
    }
    let mut rng = trial::run::replicate_rng(42, 0);
    let patients = trial::randomise(&pool, &d, 40, &mut rng).unwrap();
    for p in &patients {
        // Visits count from randomisation and follow it.
        assert!(
            p.visits
                .iter()
                .all(|o| p.months(o) > 0.0 && p.months(o) <= 4.0 + 1e-9)
        );
    }
    // The last visit is 4 months after randomisation (6-month schedule, 2-month lead-in).
    let run = trial::run_trial(&s.cohort_spec(), &d, &[40], 2, 2).unwrap();
    assert!((run.last_visit_months - 4.0).abs() < 1e-9);
}

#[test]
fn stratified_blocks_balance_every_stratum_and_the_stratified_analyses_keep_their_size() {
    let s = design(
        NULL_ARMS,
        "sample-size = 120\nendpoints = [\"survival\", \"composite\", \"alsfrs-change\", \"alsfrs-slope\", \"joint-rank\", \"survival-at\"]\npool = 1200\nstratify = [\"site-of-onset\", \"progression\"]\n[trial.composite]\nalsfrs-fall = 6",
    );
    let d = s.trial().cloned().unwrap();
    assert_eq!(d.block_size, 4);
    let outcomes = alssim::cohort::run(&s.cohort_spec(), 0..1200, 2).unwrap();
    let (pool, _) = trial::eligible_pool(&outcomes, &d, s.population().seed);
    for r in 0..20 {
        let mut rng = trial::run::replicate_rng(42, r);
        let patients = trial::randomise(&pool, &d, 120, &mut rng).unwrap();
        let strata: std::collections::BTreeSet<u32> = patients.iter().map(|p| p.stratum).collect();
        assert!(strata.len() >= 3, "{} strata", strata.len());
        for s in strata {
            let n = |a| {
                patients
                    .iter()
                    .filter(|p| p.stratum == s && p.arm == a)
                    .count() as i64
            };
            // Permuted blocks of 4 at 1:1: at most 2 apart in every stratum.
            assert!(
                (n(0) - n(1)).abs() <= 2,
                "stratum {s}: {} against {}",
                n(0),
                n(1)
            );
        }
    }
    // Under the null, the log-rank test stratified as the randomisation keeps its size (an
    // unstratified test is conservative here: about 1% with a prognostic factor), and so do
    // the ANCOVA adjusted for the strata, the mixed-model slope with a level and a slope per
    // stratum, the joint-rank test within the strata (0.3% when it compared pairs across
    // strata) and the stratum-weighted survival at the landmark.
    let run = trial::run_trial(&s.cohort_spec(), &d, &[120], 400, 2).unwrap();
    for p in &run.power {
        assert!(
            (9..=31).contains(&p.significant),
            "{}: {} of 400",
            p.endpoint,
            p.significant
        );
    }
}

#[test]
fn every_endpoint_is_analysed_and_a_null_arm_has_null_paired_effects() {
    let s = parse(
        r#"
[simulation]
horizon-months = 12
visits-at-months = [0, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
visits-from = "enrollment"

[population]
seed = 42
enrollment = { at = "diagnosis" }

[population.inclusion]
min-fvc = 60

[[arm]]
name = "placebo"
[[arm]]
name = "null"
[[arm]]
name = "late-null"

[trial]
sample-size = 60
pool = 600
missing = "locf"
endpoints = ["alsfrs-change", "alsfrs-slope", "joint-rank", "survival", "nfl-ratio", "slope-ratio", "responder", "composite", "survival-at", "reversal", "delayed-start"]
survival-month = 4
[trial.lead-in]
months = 3
[trial.responder]
slope-improvement-percent = 20
[trial.composite]
alsfrs-fall = 6
events = ["gastrostomy", "niv"]
[trial.extension]
after-months = 5
arm = "late-null"
"#,
    );
    let d = s.trial().cloned().unwrap();
    let run = trial::run_trial(&s.cohort_spec(), &d, &[60], 30, 2).unwrap();
    assert_eq!(run.power.len(), trial::Endpoint::ALL.len());
    // The randomised period ends 5 months after randomisation.
    assert!((run.last_visit_months - 5.0).abs() < 1e-9);
    for p in &run.power {
        // Every endpoint gives a p-value in most trials (reversals never happen: p = 1).
        assert!(
            p.analysed >= 25,
            "{}: {} of 30 analysed",
            p.endpoint,
            p.analysed
        );
        match p.endpoint {
            trial::Endpoint::SlopeRatio => assert_eq!(p.paired_mean, 1.0),
            trial::Endpoint::Reversal => assert_eq!(p.estimate_mean, 0.0),
            e if p.paired_mean.is_finite() => assert_eq!(p.paired_mean, 0.0, "{e}"),
            _ => {}
        }
    }
    // Extension visits are kept apart from the randomised period's.
    let rows = &run.example_patients;
    assert!(rows.contains(",extension,") && rows.contains(",lead-in,"));
}

#[test]
fn the_command_runs_a_bundled_design_and_refuses_a_file_without_a_trial() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t");
    let o = common::alssim()
        .args(["trial", "scenarios/trial-centaur.toml", "--replicates", "3"])
        .args(["--sample-sizes", "30,60", "--no-plots", "--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in [
        "trial.csv",
        "power.csv",
        "flow.csv",
        "trial-patients.csv",
        "manifest.json",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    let power = std::fs::read_to_string(out.join("power.csv")).unwrap();
    // Two sample sizes, five endpoints, one comparison.
    assert_eq!(power.lines().count(), 1 + 2 * 5);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for part in [
        "Flow (CONSORT)",
        "eligible pool",
        "Results of the first trial",
        "Power over 3",
    ] {
        assert!(html.contains(part), "{part}");
    }
    let patients = std::fs::read_to_string(out.join("trial-patients.csv")).unwrap();
    assert!(patients.starts_with("patient,arm,period,month,week,scheduled_week,item_speech"));
    // CENTAUR's open-label extension: visits after week 24 are in the extension.
    assert!(patients.contains(",extension,"));
    assert!(html.contains("open-label extension"));
    // The power figure compares randomised arms only: not the extension's delayed-start arm.
    let fig = dir.path().join("f");
    let o = common::alssim()
        .args(["trial", "scenarios/trial-centaur.toml", "--replicates", "2"])
        .args(["--sample-sizes", "30,60", "--quiet", "--out"])
        .arg(&fig)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let svg = std::fs::read_to_string(fig.join("power.svg")).unwrap();
    assert!(svg.contains("delayed-start") && !svg.contains("placebo-then"));
    // The platform: five comparisons with the shared placebo, four endpoints; the figure keeps
    // the primary endpoint's five lines, the table has all twenty.
    let platform = dir.path().join("p");
    let o = common::alssim()
        .args([
            "trial",
            "scenarios/trial-healey-platform.toml",
            "--replicates",
            "2",
        ])
        .args(["--sample-sizes", "300,653"])
        .args(["--quiet", "--out"])
        .arg(&platform)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let power = std::fs::read_to_string(platform.join("power.csv")).unwrap();
    assert_eq!(power.lines().count(), 1 + 2 * 20);
    assert_eq!(power.matches(",placebo,").count(), 2 * 20, "{power}");
    let svg = std::fs::read_to_string(platform.join("power.svg")).unwrap();
    assert!(svg.contains("primary endpoint only"));
    assert!(svg.contains("pridopidine vs placebo") && !svg.contains("joint-rank:"));
    let o = common::alssim()
        .args(["trial", "scenarios/natural-history.toml", "--out"])
        .arg(dir.path().join("n"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("has no [trial] table"));
}

#[test]
fn kings_stage_eligibility_keeps_the_stages_asked_for() {
    let s = design(
        NULL_ARMS,
        "sample-size = 20\npool = 400\n[trial.eligibility]\nkings-stage = [2, 3]",
    );
    let d = s.trial().cloned().unwrap();
    let outcomes = alssim::cohort::run(&s.cohort_spec(), 0..400, 2).unwrap();
    let (pool, flow) = trial::eligible_pool(&outcomes, &d, s.population().seed);
    let excluded = flow
        .excluded
        .iter()
        .find(|x| x.0 == trial::Exclusion::KingsStage)
        .unwrap()
        .1;
    assert!(
        excluded > 0 && !pool.is_empty(),
        "{excluded} excluded, {} eligible",
        pool.len()
    );
    for c in &pool {
        // Two or three King's regions involved at screening: items below 4 in at least two of
        // bulbar (items 1-3), upper limb (4-5) and lower limb (walking).
        let i = &c.baseline.items;
        let involved = [i[0].min(i[1]).min(i[2]) < 4, i[3].min(i[4]) < 4, i[7] < 4]
            .iter()
            .filter(|&&x| x)
            .count();
        let late = c.arms[0]
            .events
            .gastrostomy
            .is_some_and(|t| t <= c.arms[0].origin)
            || c.arms[0].events.niv.is_some_and(|t| t <= c.arms[0].origin);
        assert!(involved >= 2 && !late, "{i:?}");
    }
}

#[test]
fn locf_analyses_every_patient_seen_after_baseline() {
    // The same trials with dropout, analysed on completers and with the last observation
    // carried forward: LOCF keeps every patient seen after baseline, so more of them.
    let trial = |missing: &str| {
        let s = design(
            NULL_ARMS,
            &format!(
                "sample-size = 60\npool = 600\ndropout-per-year = 0.6\nmissing = \"{missing}\""
            ),
        );
        let d = s.trial().cloned().unwrap();
        trial::run_trial(&s.cohort_spec(), &d, &[60], 5, 2).unwrap()
    };
    let (observed, locf) = (trial("observed-cases"), trial("locf"));
    for (a, b) in observed.sizes[0]
        .replicates
        .iter()
        .zip(&locf.sizes[0].replicates)
    {
        assert!(b[0].n > a[0].n, "completers {}, LOCF {}", a[0].n, b[0].n);
        assert!(b[0].n <= 60 && b[0].p.is_finite());
    }
}

/// A trial has no limit on failed patients: the warning about patients whose drawn parameters
/// break a rule says they are left out of each trial's flow, and the trial runs.
#[test]
fn a_trial_warns_of_patients_drawn_past_a_rule_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("scenarios/trial-centaur.toml").unwrap()
        + "\n[population.variability]\ndeath_fvc = 0.1\n";
    let file = common::write_scenario(dir.path(), &text);
    let o = common::alssim()
        .arg("trial")
        .arg(&file)
        .args(["--replicates", "1", "--quiet", "--out"])
        .arg(dir.path().join("o"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.starts_with("warning: [population.variability] varies death_fvc")
            && err.contains("each trial leaves them out of its patient flow")
            && !err.contains("will fail"),
        "{err}"
    );
}
