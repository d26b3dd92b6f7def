//! Scenario validation: the full error report of every deliberately broken file in
//! `tests/fixtures/bad/` (snapshots under `tests/snapshots/`), every problem of a file reported
//! at once, and the exit codes of `alssim check`.
//!
//! Files are read with a relative name, so the reports do not depend on where the repository
//! is. After changing a message: `INSTA_UPDATE=always cargo test --test validation`, then read
//! the changed `.snap` files.

use alssim::scenario::{self, ScenarioError};
use std::path::PathBuf;
mod common;
use common::{alssim_at_root, root};

const BAD: &str = "tests/fixtures/bad";

/// Every broken file and the number of problems it holds.
const FIXTURES: &[(&str, usize)] = &[
    ("arms", 12),
    ("correlation", 7),
    ("drugs", 19),
    ("inconsistent", 6),
    ("model", 8),
    ("model-rules", 3),
    ("out-of-range", 13),
    ("probabilities", 6),
    ("probabilities-range", 5),
    ("structure", 4),
    ("syntax", 4),
    ("unknown-keys", 9),
    ("visits", 7),
    ("wrong-types", 12),
];

fn relative(name: &str) -> String {
    format!("{BAD}/{name}.toml")
}

fn text(name: &str) -> String {
    std::fs::read_to_string(root().join(relative(name))).unwrap()
}

/// The error for a broken fixture (which must not validate).
fn diagnose(name: &str) -> ScenarioError {
    match scenario::parse(&relative(name), name, &text(name)) {
        Ok(s) => panic!("{name} validated: {s:?}"),
        Err(e) => e,
    }
}

fn good_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    files
}

macro_rules! snapshot {
    ($($test:ident => $file:literal,)*) => {$(
        #[test]
        fn $test() {
            let e = diagnose($file);
            let expected = FIXTURES.iter().find(|f| f.0 == $file).expect("listed in FIXTURES").1;
            assert_eq!(e.diagnostics().len(), expected, "{}", e.report());
            insta::assert_snapshot!(e.report());
        }
    )*};
}

snapshot! {
    arms => "arms",
    correlation => "correlation",
    drugs => "drugs",
    inconsistent => "inconsistent",
    model => "model",
    model_rules => "model-rules",
    out_of_range => "out-of-range",
    probabilities => "probabilities",
    probabilities_range => "probabilities-range",
    structure => "structure",
    syntax => "syntax",
    unknown_keys => "unknown-keys",
    visits => "visits",
    wrong_types => "wrong-types",
}

#[test]
fn every_fixture_is_listed_and_has_a_snapshot() {
    let mut on_disk: Vec<String> = std::fs::read_dir(root().join(BAD))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().to_string())
        .collect();
    on_disk.sort();
    let listed: Vec<String> = FIXTURES.iter().map(|f| f.0.to_string()).collect();
    assert_eq!(on_disk, listed, "FIXTURES must list every file in {BAD}");
    assert!(listed.len() >= 8);
    for (name, _) in FIXTURES {
        let snap = root().join(format!(
            "tests/snapshots/validation__{}.snap",
            name.replace('-', "_")
        ));
        assert!(snap.exists(), "missing snapshot {}", snap.display());
    }
}

#[test]
fn every_problem_of_a_file_is_reported_at_once() {
    for &(name, _) in FIXTURES {
        let e = diagnose(name);
        let ds = e.diagnostics();
        assert!(
            ds.len() > 1,
            "{name}: every fixture has several problems, but only {} was reported",
            ds.len()
        );
        // No problem is reported twice.
        for (i, a) in ds.iter().enumerate() {
            for b in &ds[i + 1..] {
                assert!(
                    (a.line, a.column, &a.path, &a.message)
                        != (b.line, b.column, &b.path, &b.message),
                    "{name}: reported twice: {a}"
                );
            }
        }
    }
}

#[test]
fn diagnostics_point_into_the_file_in_file_order() {
    for &(name, _) in FIXTURES {
        let src = text(name);
        let lines: Vec<&str> = src.lines().collect();
        let e = diagnose(name);
        let ds = e.diagnostics();
        let positions: Vec<(usize, usize)> = ds.iter().map(|d| (d.line, d.column)).collect();
        let mut sorted = positions.clone();
        sorted.sort();
        assert_eq!(positions, sorted, "{name}: not in file order");
        for d in ds {
            assert_eq!(d.file, relative(name));
            assert!(d.line >= 1 && d.line <= lines.len(), "{name}: {d}");
            assert_eq!(d.source_line, lines[d.line - 1], "{name}: {d}");
            let chars = d.source_line.chars().count();
            assert!(d.column >= 1 && d.column <= chars + 1, "{name}: {d}");
            assert!(
                d.width >= 1 && d.column - 1 + d.width <= chars.max(1) + 1,
                "{name}: {d}"
            );
            assert!(!d.message.is_empty());
            // A syntax error has no key path; everything else names the key concerned.
            assert_eq!(
                d.path.is_empty(),
                d.message.starts_with("invalid TOML"),
                "{name}: {d}"
            );
        }
        let report = e.report();
        assert_eq!(
            report.matches("\nerror: ").count() + 1,
            ds.len(),
            "{report}"
        );
        assert!(
            report.ends_with(&format!("{} has {} problems", relative(name), ds.len())),
            "{report}"
        );
    }
}

#[test]
fn check_exits_2_for_each_bad_file_with_the_same_report() {
    for &(name, _) in FIXTURES {
        let out = alssim_at_root()
            .args(["check", &relative(name)])
            .assert()
            .code(2);
        let out = out.get_output();
        assert!(out.stdout.is_empty(), "{name}");
        let stderr = String::from_utf8(out.stderr.clone()).unwrap();
        assert_eq!(stderr, format!("{}\n\n", diagnose(name).report()), "{name}");
    }
}

#[test]
fn check_exits_0_for_every_good_file() {
    let files = good_files();
    let out = alssim_at_root().arg("check").args(&files).assert().code(0);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(stdout.lines().count(), files.len(), "{stdout}");
    assert!(
        stdout.lines().all(|l| l.contains(": ok (scenario `")),
        "{stdout}"
    );
}

#[test]
fn check_exits_2_for_a_missing_file_among_valid_and_invalid_ones() {
    let out = alssim_at_root()
        .args(["check", "tests/fixtures/no-such-file.toml"])
        .assert()
        .code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.starts_with("error: cannot read tests/fixtures/no-such-file.toml"),
        "{stderr}"
    );
    // The valid and invalid files are still checked.
    let out = alssim_at_root()
        .args([
            "check",
            "scenarios/natural-history.toml",
            &relative("model"),
            "tests/fixtures/no-such-file.toml",
        ])
        .assert()
        .code(2);
    let o = out.get_output();
    assert!(String::from_utf8_lossy(&o.stdout).contains("natural-history.toml: ok"));
    assert!(String::from_utf8_lossy(&o.stderr).contains("model.toml has 8 problems"));
}

#[test]
fn check_exits_2_when_one_of_several_files_is_invalid() {
    alssim_at_root()
        .args([
            "check",
            "scenarios/natural-history.toml",
            &relative("syntax"),
        ])
        .assert()
        .code(2);
}

#[test]
fn show_and_run_refuse_a_bad_file_with_its_report() {
    let dir = tempfile::tempdir().unwrap();
    for cmd in [
        vec!["show".to_string(), relative("arms")],
        vec![
            "run".to_string(),
            relative("arms"),
            "--out".to_string(),
            dir.path().join("r").display().to_string(),
        ],
    ] {
        let out = alssim_at_root().args(&cmd).assert().code(2);
        let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        assert!(stderr.contains("unknown drug `riluzol`"), "{stderr}");
        assert!(stderr.contains("has 12 problems"), "{stderr}");
    }
    assert!(
        !dir.path().join("r").exists(),
        "nothing is written for a bad file"
    );
}

// Edge cases of the readers, each a bug that was fixed.

fn parse(src: &str) -> Result<scenario::Scenario, ScenarioError> {
    scenario::parse("t.toml", "t", src)
}

#[test]
fn seeds_stop_at_the_largest_toml_integer_so_show_can_write_them_back() {
    let s = parse("[population]\nseed = 9223372036854775807").unwrap();
    assert_eq!(s.population().seed, i64::MAX as u64);
    assert_eq!(parse(&scenario::to_toml(&s)).unwrap(), s);
    let e = parse("[population]\nseed = 9223372036854775808").unwrap_err();
    assert_eq!(e.diagnostics()[0].path, "population.seed");
}

#[test]
fn signed_hexadecimal_and_underscored_integers_are_read_by_value() {
    let s = parse("[population]\nsize = +1_000\nseed = -0\n[simulation]\nhorizon-months = 0x18")
        .unwrap();
    assert_eq!((s.population().size, s.population().seed), (1000, 0));
    assert_eq!(s.simulation().horizon_months, 24.0);
    // A huge integer is out of range, not "not finite".
    let e = parse("[simulation]\nhorizon-months = 99999999999999999999999").unwrap_err();
    assert!(
        e.diagnostics()[0].message.ends_with("is out of range"),
        "{}",
        e.report()
    );
}

#[test]
fn model_rules_are_checked_even_when_other_sections_have_problems() {
    let e = parse("[population]\nsize = 0\n[model]\nniv_fvc = 20\ndeath_fvc = 30").unwrap_err();
    let paths: Vec<&str> = e.diagnostics().iter().map(|d| d.path.as_str()).collect();
    assert_eq!(paths, ["population.size", "model"], "{}", e.report());
    // But not when an override itself is wrong: the rule could fail for a value never set.
    let e = parse("[model]\nniv_fvc = 200\ndeath_fvc = 30").unwrap_err();
    assert_eq!(e.diagnostics().len(), 1, "{}", e.report());
}

#[test]
fn a_genotype_list_of_misspelled_names_is_not_called_empty() {
    let e = parse("[population.inclusion]\ngenotypes = [\"SOD1\"]").unwrap_err();
    assert_eq!(e.diagnostics().len(), 1, "{}", e.report());
    assert!(!e.report().contains("empty"), "{}", e.report());
    let e = parse("[population.inclusion]\ngenotypes = []").unwrap_err();
    assert!(e.report().contains("the list is empty"), "{}", e.report());
}

#[test]
fn probability_sums_are_shown_rounded_and_within_tolerance_accepted() {
    let e = parse("[population.covariates]\nonset-region = { bulbar = 0.7, cervical = 0.2 }")
        .unwrap_err();
    assert!(e.report().contains("sum to 0.9, not 1"), "{}", e.report());
    let ok =
        parse("[population.covariates]\nonset-region = { bulbar = 0.7, cervical = 0.3000005 }");
    assert!(ok.is_ok());
}
