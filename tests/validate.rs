//! The untreated default population against published natural history, at a reduced cohort
//! size: fails if any hard target drifts out of its accepted interval.

use alssim::calibrate::targets::{Class, bundled};
use alssim::calibrate::validate;
use assert_cmd::Command;

/// Smaller than `alssim validate`'s default (5,000) to keep the suite fast; fixed seed, so the
/// result is deterministic.
const PATIENTS: u64 = 2000;

#[test]
fn every_hard_target_passes() {
    let mut s = validate::natural_history();
    s.population.size = PATIENTS;
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
    // Every statistic is computable from the cohort.
    for c in &checks {
        assert!(c.estimate.value.is_finite(), "{} not computed", c.target.id);
    }
}

#[test]
fn validate_writes_its_report_and_exits_by_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("v");
    let o = Command::cargo_bin("alssim")
        .unwrap()
        .args(["validate", "--patients", "2000", "--threads", "2", "--out"])
        .arg(&out)
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("every hard target passes"), "{text}");
    let csv = std::fs::read_to_string(out.join("validation.csv")).unwrap();
    assert_eq!(csv.lines().count(), bundled().len() + 1);
    assert!(csv.starts_with(
        "id,class,statistic,simulated,ci_low,ci_high,published,accept_low,accept_high,pass"
    ));
    let md = std::fs::read_to_string(out.join("validation.md")).unwrap();
    assert!(md.contains("## Hard targets") && md.contains("Pupillo 2014"));
}
