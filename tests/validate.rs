//! The untreated default population against published natural history, at a reduced cohort
//! size: fails if any hard target drifts out of its accepted interval.

use alssim::calibrate::targets::{Class, Set, bundled};
use alssim::calibrate::validate;
use assert_cmd::Command;

/// Smaller than `alssim validate`'s default (5,000) to keep the suite fast; fixed seed, so the
/// result is deterministic.
const PATIENTS: u64 = 2000;

/// Not the seed `alssim calibrate` fitted with (the natural-history scenario's, 20261121), so
/// the test checks the fit on patients it was not fitted to (docs/CALIBRATION.md, section 6).
const SEED: u64 = 5;

/// Statistics that may legitimately be missing: medians of groups whose survival curve may stay
/// above one half within follow-up (the target then counts as missed).
const MAY_BE_MISSING: [&str; 1] = ["median_survival_onset_under_45"];

#[test]
fn the_test_seed_is_not_the_fitting_seed() {
    assert_ne!(validate::natural_history().population().seed, SEED);
}

/// Seeds of the cohorts the shipped posterior was fitted on, from its file.
fn fitted_seeds() -> Vec<u64> {
    let (_, particles) = alssim::calibrate::uncertainty::bundled();
    particles.iter().map(|p| p.seed).collect()
}

#[test]
fn the_test_seeds_were_never_fitted() {
    let fitted = fitted_seeds();
    assert!(!fitted.is_empty());
    for seed in [SEED, HELD_OUT_SEED] {
        assert!(!fitted.contains(&seed), "{seed}");
    }
}

/// A second seed for the held-out (validation) set.
const HELD_OUT_SEED: u64 = 11;

/// The validation set never enters a fit; its hard targets pass on patients no fit has seen.
#[test]
fn the_validation_sets_hard_targets_pass_on_unseen_patients() {
    let s = sized(PATIENTS, HELD_OUT_SEED);
    let checks = validate::check(&validate::simulate(&s, 2).unwrap());
    let held_out: Vec<_> = checks
        .iter()
        .filter(|c| c.target.class == Class::Hard && c.target.set == Set::Validation)
        .collect();
    assert!(held_out.len() >= 10, "{}", held_out.len());
    let missed: Vec<String> = held_out
        .iter()
        .filter(|c| !c.passed())
        .map(|c| {
            format!(
                "{}: {} not in {:?}",
                c.target.id, c.estimate.value, c.target.accept
            )
        })
        .collect();
    assert!(missed.is_empty(), "{}", missed.join("\n"));
}

#[test]
fn every_hard_target_passes() {
    let s = sized(PATIENTS, SEED);
    let cohorts = validate::simulate(&s, 2).unwrap();
    let checks = validate::check(&cohorts);
    assert_eq!(checks.len(), bundled().len());
    let missed: Vec<String> = checks
        .iter()
        .filter(|c| c.target.class == Class::Hard && !c.passed())
        .map(|c| {
            format!(
                "{}: simulated {} not in {:?}",
                c.target.id, c.estimate.value, c.target.accept
            )
        })
        .collect();
    assert!(
        missed.is_empty(),
        "hard targets missed:\n{}",
        missed.join("\n")
    );
    // Every statistic is computable from the cohorts.
    for c in &checks {
        if !MAY_BE_MISSING.contains(&c.target.metric.name()) {
            assert!(c.estimate.value.is_finite(), "{} not computed", c.target.id);
        }
    }
    // The separate cohorts were simulated and enrolled patients.
    let enrolled = |o: &[alssim::cohort::Outcome]| {
        o.iter()
            .filter(|o| matches!(o, alssim::cohort::Outcome::Enrolled { .. }))
            .count()
    };
    assert_eq!(cohorts.trial.len() as u64, validate::TRIAL_PATIENTS);
    // What the engine records for the spread and death statistics is consistent.
    let mut respiratory_deaths = 0;
    for o in &cohorts.main {
        let alssim::cohort::Outcome::Enrolled { arms, .. } = o else {
            continue;
        };
        let c = &arms[0];
        assert!(c.spread[0].is_some_and(|r| r < 3), "{:?}", c.spread);
        if c.events.second_region.is_some() {
            assert!(c.spread[1].is_some_and(|r| r < 3) && c.spread[1] != c.spread[0]);
        } else {
            assert_eq!(c.spread[1], None);
        }
        let a = c.at_end;
        assert!((0.0..=12.0).contains(&a.respiratory_subscore), "{a:?}");
        assert!(a.fvc.is_finite() && a.fvc >= 0.0, "{a:?}");
        assert!(!a.respiratory_failure || c.died(), "{a:?}");
        respiratory_deaths += usize::from(a.respiratory_failure);
    }
    assert!(respiratory_deaths > 0);
    assert!(
        enrolled(&cohorts.trial) > 100,
        "{}",
        enrolled(&cohorts.trial)
    );
}

#[test]
fn validate_writes_its_report_and_exits_by_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("v");
    let o = Command::cargo_bin("alssim")
        .unwrap()
        .args(["validate", "--patients", "2000", "--threads", "2", "--seed"])
        .arg(SEED.to_string())
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("every hard target passes"), "{text}");
    assert!(
        text.starts_with(&format!("alssim validate: 2000 patients, seed {SEED} (")),
        "{text}"
    );
    // One-sided and exact bounds are written in words.
    assert!(text.contains("accepted at most 0.05"), "{text}");
    assert!(text.contains("accepted exactly 0"), "{text}");
    let csv = std::fs::read_to_string(out.join("validation.csv")).unwrap();
    assert_eq!(csv.lines().count(), bundled().len() + 1);
    assert!(csv.starts_with(
        "id,class,set,statistic,simulated,ci_low,ci_high,published,accept_low,accept_high,pass,\
         population,source,informs\n"
    ));
    assert!(csv.contains(",-inf,0.05,"), "{csv}");
    let md = std::fs::read_to_string(out.join("validation.md")).unwrap();
    assert!(md.contains("## Hard targets") && md.contains("Pupillo 2014"));
    // The shape section follows the long survivors beside the median of the living.
    assert!(
        md.contains("## Shape of the decline")
            && md.contains("patients seen 60 months after the first assessment are rated")
            && md.contains("the median of every patient seen at those months is"),
        "{md}"
    );
}

#[test]
fn validate_cv_changes_the_spread_of_patients_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |cv: &[&str], dir: &str| {
        let mut c = Command::cargo_bin("alssim").unwrap();
        c.args([
            "validate",
            "--patients",
            "300",
            "--no-plots",
            "--quiet",
            "--out",
        ])
        .arg(tmp.path().join(dir));
        for x in cv {
            c.args(["--cv", x]);
        }
        c.output().unwrap()
    };
    let simulated = |dir: &str, id: &str| -> f64 {
        let csv = std::fs::read_to_string(tmp.path().join(dir).join("validation.csv")).unwrap();
        csv.lines()
            .find(|l| l.starts_with(&format!("{id},")))
            .and_then(|l| l.split('"').nth(2))
            .and_then(|rest| rest.split(',').nth(1))
            .and_then(|x| x.parse().ok())
            .unwrap()
    };
    let o = run(&[], "default");
    assert!(o.status.code().is_some_and(|c| c == 0 || c == 3));
    // Every patient typical in vulnerability: fewer long survivors than the default spread.
    let o = run(&["neuronal_vulnerability=0"], "typical");
    assert!(o.status.code().is_some_and(|c| c == 0 || c == 3));
    let md = std::fs::read_to_string(tmp.path().join("typical/validation.md")).unwrap();
    assert!(
        md.contains(
            "Between-patient coefficients of variation changed from the default population's: \
             neuronal_vulnerability=0."
        ),
        "{md}"
    );
    let (wide, narrow) = (
        simulated("default", "survival-10y-from-onset"),
        simulated("typical", "survival-10y-from-onset"),
    );
    assert!(narrow < wide, "10-year survival {narrow} against {wide}");
    // Out of range, malformed, unknown or repeated: bad usage (exit 2), saying what is accepted.
    for (cv, says) in [
        (vec!["neuronal_vulnerability=4"], "accepted 0 to 3"),
        (vec!["neuronal_vulnerability"], "expected NAME=CV"),
        (vec!["neuronal_vulnerabilty=1"], "neuronal_vulnerability"),
        (
            vec!["neuronal_vulnerability=1", "neuronal_vulnerability=2"],
            "given twice",
        ),
    ] {
        let o = run(&cv, "bad");
        assert_eq!(o.status.code(), Some(2), "{cv:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("--cv") && err.contains(says), "{cv:?}: {err}");
        assert!(!tmp.path().join("bad").exists(), "{cv:?}");
    }
}

#[test]
fn validate_set_checks_a_changed_parameter_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |set: &str, dir: &str| {
        Command::cargo_bin("alssim")
            .unwrap()
            .args(["validate", "--patients", "300", "--no-plots", "--quiet"])
            .args(["--set", set, "--out"])
            .arg(tmp.path().join(dir))
            .output()
            .unwrap()
    };
    // A much faster disease misses the survival targets: exit 3, and the report names the
    // changed parameter so it is never mistaken for the defaults.
    let o = run("neuronal_vulnerability=5", "fast");
    assert_eq!(o.status.code(), Some(3));
    let md = std::fs::read_to_string(tmp.path().join("fast/validation.md")).unwrap();
    assert!(
        md.contains("Model parameters changed from their defaults: neuronal_vulnerability=5."),
        "{md}"
    );
    let csv = std::fs::read_to_string(tmp.path().join("fast/validation.csv")).unwrap();
    let median: f64 = csv
        .lines()
        .find(|l| l.starts_with("median-survival-from-onset,"))
        // id,class,set,"statistic",simulated,…: the statistic is quoted and holds commas.
        .and_then(|l| l.split('"').nth(2))
        .and_then(|rest| rest.split(',').nth(1))
        .and_then(|x| x.parse().ok())
        .unwrap();
    assert!(median < 30.0, "{median}");
    // A name that does not exist is bad usage.
    let o = run("neuronal_vulnerabilty=1", "bad");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("neuronal_vulnerability"));
}

/// The natural-history validation population with `patients` patients and `seed`.
fn sized(patients: u64, seed: u64) -> alssim::scenario::Scenario {
    validate::natural_history()
        .with_overrides(&alssim::scenario::Overrides {
            seed: Some(seed),
            patients: Some(patients),
            ..Default::default()
        })
        .expect("a valid number of patients")
}

/// The curvature of the decline splits into the four domains (the quadratic coefficient is
/// linear in the items) and into the patients who died within the window and those who did not.
#[test]
fn the_curvature_splits_by_domain_and_by_death_in_the_window() {
    use alssim::calibrate::metrics;
    let s = sized(300, SEED);
    let outcomes = alssim::cohort::run(&s.cohort_spec(), 0..300, 2).unwrap();
    let totals = metrics::curvatures(&outcomes, 24.0);
    let parts = metrics::curvature_parts(&outcomes, 24.0);
    assert!(parts.len() > 100, "{} patients with 5 visits", parts.len());
    assert_eq!(parts.len(), totals.len());
    for (p, t) in parts.iter().zip(&totals) {
        assert!((p.total - t).abs() < 1e-12, "{p:?} against {t}");
        let sum: f64 = p.domains.iter().sum();
        assert!((sum - p.total).abs() < 1e-9, "{p:?}");
    }
    // Who died in the window: enrolled at diagnosis, so the window is the 24 months after it.
    let died: usize = outcomes
        .iter()
        .filter_map(|o| match o {
            alssim::cohort::Outcome::Enrolled { arms, .. } => {
                let visits = &arms[0].visits;
                (visits.len() >= 5 && visits[4].t <= 24.0)
                    .then_some(arms[0].events.death.zip(arms[0].events.diagnosis))
            }
            _ => None,
        })
        .filter(|d| d.is_some_and(|(death, diagnosis)| death - diagnosis <= 24.0))
        .count();
    assert_eq!(parts.iter().filter(|p| p.died_in_window).count(), died);
    assert!(died > 0 && died < parts.len());
    // A domain untouched in every patient would have a zero coefficient; the respiratory items
    // fall in the window in many patients, and their mean is not zero.
    let respiratory = parts.iter().map(|p| p.domains[3]).sum::<f64>() / parts.len() as f64;
    assert!(respiratory.abs() > 1e-4, "{respiratory}");
}

/// Each patient's curvature parts know the onset region and the rated total at the first
/// assessment, and the domain of the onset region is the one its items draw on.
#[test]
fn the_curvature_splits_by_the_onset_region_domain() {
    use alssim::calibrate::metrics;
    use alssim::model::Region;
    let s = sized(300, SEED);
    let spec = s.cohort_spec();
    let outcomes = alssim::cohort::run(&spec, 0..300, 2).unwrap();
    let parts = metrics::curvature_parts(&outcomes, 24.0);
    // The enrolled patients with five visits in the window, in order, with their onset region
    // and first rated total.
    let expected: Vec<(Region, u32)> = outcomes
        .iter()
        .filter_map(|o| match o {
            alssim::cohort::Outcome::Enrolled { draw, arms, .. } => {
                let v = &arms[0].visits;
                (v.len() >= 5 && v[4].t - v[0].t <= 24.0)
                    .then(|| (draw.covariates.onset_region, v[0].total()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(parts.len(), expected.len());
    for (p, (region, baseline)) in parts.iter().zip(&expected) {
        assert_eq!((p.onset_region, p.baseline), (*region, *baseline));
        let domain = alssim::model::alsfrs::Domain::ALL[p.onset_domain()];
        let weight = |spec: &alssim::model::alsfrs::ItemSpec| {
            if spec.ventilatory {
                f64::from(u8::from(*region == Region::Thoracic))
            } else {
                spec.weights[region.index()]
            }
        };
        // The onset domain is the one whose items draw most on the onset region.
        let best = alssim::model::alsfrs::Domain::ALL
            .iter()
            .max_by(|a, b| {
                let w = |d: &alssim::model::alsfrs::Domain| {
                    alssim::model::alsfrs::ITEMS
                        .iter()
                        .filter(|s| s.domain == *d)
                        .map(weight)
                        .sum::<f64>()
                };
                w(a).total_cmp(&w(b))
            })
            .unwrap();
        assert_eq!(domain, *best, "{region:?}");
    }
    assert!(
        Region::ALL
            .iter()
            .all(|r| parts.iter().any(|p| p.onset_region == *r))
    );
    let text = alssim::calibrate::validate::onset_domain_split(&parts);
    for r in Region::ALL {
        assert!(
            text.contains(&format!("{} onset (n = ", r.name())),
            "{text}"
        );
    }
    assert!(
        text.contains("Median rated ALSFRS-R at the first assessment"),
        "{text}"
    );
}

#[test]
fn validate_correlation_correlates_two_variabilities_and_refuses_what_cannot_hold() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |extra: &[&str], dir: &str| {
        Command::cargo_bin("alssim")
            .unwrap()
            .args(["validate", "--patients", "300", "--no-plots", "--quiet"])
            .args(extra)
            .arg("--out")
            .arg(tmp.path().join(dir))
            .output()
            .unwrap()
    };
    let o = run(&[], "default");
    assert!(o.status.code().is_some_and(|c| c == 0 || c == 3));
    let pair = "neuronal_vulnerability,spread_contiguous=0.9";
    let o = run(&["--correlation", pair], "correlated");
    assert!(o.status.code().is_some_and(|c| c == 0 || c == 3));
    let md = std::fs::read_to_string(tmp.path().join("correlated/validation.md")).unwrap();
    assert!(
        md.contains(&format!(
            "Between-patient correlations added to the default population's (log-scale draws): \
             {pair}."
        )),
        "{md}"
    );
    // The same patients with correlated draws: the spread statistics move.
    let row = |dir: &str, id: &str| {
        let csv = std::fs::read_to_string(tmp.path().join(dir).join("validation.csv")).unwrap();
        csv.lines()
            .find(|l| l.starts_with(&format!("{id},")))
            .unwrap()
            .to_string()
    };
    assert_ne!(
        row("default", "second-region"),
        row("correlated", "second-region")
    );
    for (extra, says) in [
        (
            vec![
                "--correlation",
                "neuronal_vulnerability,spread_contiguous=1.2",
            ],
            "accepted -0.99 to 0.99",
        ),
        (
            vec!["--correlation", "neuronal_vulnerability,death_fvc=0.5"],
            "`death_fvc` has no between-patient variability",
        ),
        (
            vec!["--correlation", "neuronal_vulnerability=0.5"],
            "expected NAME,NAME=RHO",
        ),
        (
            vec![
                "--correlation",
                "hazard_soluble,hazard_lof=0.9",
                "--correlation",
                "hazard_lof,hazard_oxidative=0.9",
                "--correlation",
                "hazard_soluble,hazard_oxidative=-0.9",
            ],
            "positive definite",
        ),
    ] {
        let o = run(&extra, "bad");
        assert_eq!(o.status.code(), Some(2), "{extra:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(says), "{extra:?}: {err}");
        assert!(!tmp.path().join("bad").exists(), "{extra:?}");
    }
    // With a coefficient of variation given first, a parameter can be correlated.
    let o = run(
        &[
            "--cv",
            "death_fvc=0.2",
            "--correlation",
            "neuronal_vulnerability,death_fvc=0.5",
        ],
        "with-cv",
    );
    assert!(o.status.code().is_some_and(|c| c == 0 || c == 3));
}
