//! What a new user meets first: the drug table printed by `alssim drugs --toml`, drug
//! inheritance with `based-on`, `--set` on `run` and `whatif`, the genotype note of `whatif`,
//! and the terminal tables of `drugs`, `whatif` and `simulate`.

use alssim::model::Param;
use alssim::scenario::{self, Scenario};
use alssim::therapy::{Drug, Status, library};
use std::collections::HashMap;
use std::path::Path;
mod common;
use common::{alssim, stdout_of};

/// Runs and returns (exit code, stderr).
fn failure_of(args: &[&str]) -> (i32, String) {
    let out = alssim().args(args).output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!err.contains("stack backtrace"), "{err}");
    (out.status.code().unwrap_or(-1), err)
}

fn parse(text: &str) -> Scenario {
    scenario::parse("t.toml", "t", text).unwrap_or_else(|e| panic!("{}\n{text}", e.report()))
}

fn parse_err(text: &str) -> String {
    match scenario::parse("t.toml", "t", text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.report(),
    }
}

fn drug<'a>(s: &'a Scenario, name: &str) -> &'a Drug {
    s.drugs().iter().find(|d| d.name == name).unwrap()
}

/// Rows of a CSV file as maps from column name to text.
fn csv_rows(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .zip(l.split(','))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Cells of a table line: text separated by two or more spaces, as (start, end) character
/// columns.
fn cells(line: &str) -> Vec<(usize, usize)> {
    let chars: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == ' ' {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i;
        while i < chars.len() {
            if chars[i] != ' ' {
                end = i + 1;
                i += 1;
            } else if i + 1 < chars.len() && chars[i + 1] != ' ' {
                // One space inside a cell.
                i += 1;
            } else {
                break;
            }
        }
        out.push((start, end));
    }
    out
}

/// Every column of the table (header first) starts at the same character in every line, or ends
/// at the same character in every line, and every line has the header's number of columns.
fn assert_columns_line_up(table: &[&str]) {
    let all: Vec<Vec<(usize, usize)>> = table.iter().map(|l| cells(l)).collect();
    let n = all[0].len();
    assert!(n > 1, "not a table: {table:#?}");
    for (line, c) in table.iter().zip(&all) {
        assert_eq!(
            c.len(),
            n,
            "`{line}` has {} columns, the header {n}",
            c.len()
        );
    }
    for i in 0..n {
        let starts = all.iter().all(|c| c[i].0 == all[0][i].0);
        let ends = all.iter().all(|c| c[i].1 == all[0][i].1);
        assert!(
            starts || ends,
            "column {i} neither starts nor ends at the same place:\n{}",
            table.join("\n")
        );
    }
}

// ---- `alssim drugs NAME --toml` -------------------------------------------------------------

/// The library drug `name` printed with `--toml` and renamed.
fn printed_as(name: &str, new_name: &str) -> String {
    let text = stdout_of(&["drugs", name, "--toml"]);
    let header = format!("[drug.{name}]\n");
    assert!(text.starts_with(&header), "{text}");
    assert_eq!(
        text.matches("[drug.").count(),
        1,
        "one header to rename:\n{text}"
    );
    text.replacen(&header, &format!("[drug.{new_name}]\n"), 1)
}

/// Runs a scenario text with a small cohort and returns its `patients.csv` and `summary.csv`.
fn run_text(dir: &Path, name: &str, text: &str) -> (String, String) {
    let file = dir.join(format!("{name}.toml"));
    std::fs::write(&file, text).unwrap();
    let file = file.to_str().unwrap();
    stdout_of(&["check", file]);
    let out = dir.join(name);
    stdout_of(&[
        "run",
        file,
        "--out",
        out.to_str().unwrap(),
        "--no-plots",
        "--quiet",
    ]);
    let read = |f: &str| std::fs::read_to_string(out.join(f)).unwrap();
    (read("patients.csv"), read("summary.csv"))
}

#[test]
fn every_library_drug_printed_as_toml_pastes_into_a_scenario_and_acts_the_same() {
    let names = library::names();
    // Carriers of every gene a library drug targets, so that gene-specific drugs act too.
    let mut text = String::from(
        "[scenario]\nname = \"round-trip\"\n\n[simulation]\nhorizon-months = 36\n\
         visits-every-months = 6\n\n[population]\nsize = 10\nseed = 11\n\
         covariates.genotype = { sporadic = 0.25, c9orf72 = 0.25, sod1 = 0.25, sod1-a4v = 0.0, \
         tardbp = 0.0, fus = 0.25 }\n\n",
    );
    text.push_str("[[arm]]\nname = \"control\"\ntherapies = []\n");
    for name in &names {
        for (arm, d) in [
            (format!("lib-{name}"), name.to_string()),
            (format!("copy-{name}"), format!("copy-{name}")),
        ] {
            text.push_str(&format!(
                "[[arm]]\nname = \"{arm}\"\ntherapies = [{{ drug = \"{d}\" }}]\n"
            ));
        }
    }
    // Every drug pasted under a new name (`copy-NAME`) ...
    let mut renamed = text.clone();
    for name in &names {
        renamed.push('\n');
        renamed.push_str(&printed_as(name, &format!("copy-{name}")));
    }
    // ... and, in a second file, also under its own name, overriding the library drug.
    let mut both = renamed.clone();
    for name in &names {
        both.push('\n');
        both.push_str(&stdout_of(&["drugs", name, "--toml"]));
    }
    // The pasted drug is the library drug under another name.
    let s = parse(&both);
    for name in &names {
        let mut copy = drug(&s, &format!("copy-{name}")).clone();
        copy.name = name.to_string();
        assert_eq!(&copy, library::find(name).unwrap(), "{name}");
        assert_eq!(drug(&s, name), library::find(name).unwrap(), "{name}");
    }
    let dir = tempfile::tempdir().unwrap();
    let (patients, summary) = run_text(dir.path(), "renamed", &renamed);
    // Pasted under its own name, every drug reproduces the library drug's run exactly.
    assert_eq!(
        (patients.clone(), summary),
        run_text(dir.path(), "both", &both)
    );
    // Under a new name the same patients have the same courses, except where a resistance
    // ceiling varies between patients: that draw comes from a stream keyed by the drug's name
    // (docs/THERAPIES.md), so a renamed drug is the same drug given to "other" patients.
    let rows = csv_rows(&dir.path().join("renamed").join("patients.csv"));
    let by_arm = |arm: &str| -> Vec<HashMap<String, String>> {
        rows.iter()
            .filter(|r| r["arm"] == arm)
            .map(|r| {
                let mut r = r.clone();
                r.remove("arm");
                r.remove("acting_therapies");
                r
            })
            .collect()
    };
    let control = by_arm("control");
    assert!(!control.is_empty(), "no patient enrolled");
    let (mut compared, mut acting) = (0, 0);
    for name in &names {
        let lib = by_arm(&format!("lib-{name}"));
        if lib != control {
            acting += 1;
        }
        let d = library::find(name).unwrap();
        if d.resistance.iter().all(|r| r.ceiling_cv == 0.0) {
            assert_eq!(lib, by_arm(&format!("copy-{name}")), "{name}");
            compared += 1;
        }
    }
    // Not a comparison of untreated courses: most drugs change them.
    assert!(acting > names.len() / 2, "only {acting} drugs act");
    assert!(compared > names.len() / 3, "only {compared} compared");
}

#[test]
fn drugs_help_points_to_a_workflow_that_exists() {
    let help = stdout_of(&["drugs", "--help"]);
    assert!(!help.contains("my-aso.toml"), "{help}");
    assert!(help.contains(">> my-scenario.toml"), "{help}");
    assert!(help.contains("based-on"), "{help}");
}

// ---- `based-on` ------------------------------------------------------------------------------

const ARM: &str = "[[arm]]\nname = \"a\"\ntherapies = [{ drug = \"mine\" }]\n";

#[test]
fn based_on_inherits_every_key_of_the_base() {
    let s = parse(&format!("[drug.mine]\nbased-on = \"edaravone-iv\"\n{ARM}"));
    let mine = drug(&s, "mine");
    let base = library::find("edaravone-iv").unwrap();
    assert_eq!(mine.regimen, base.regimen);
    assert_eq!(mine.exposure, base.exposure);
    assert_eq!(mine.effects, base.effects);
    assert_eq!(mine.resistance, base.resistance);
    assert_eq!(mine.summary, base.summary);
    assert_eq!(mine.sources, base.sources);
    // A drug of its own: named after its base, and hypothetical.
    assert_eq!(mine.title, "mine (based on edaravone-iv)");
    assert_eq!(mine.status, Status::Hypothetical);
}

#[test]
fn based_on_overrides_only_the_keys_given() {
    let s = parse(&format!(
        "[drug.mine]\nbased-on = \"edaravone-iv\"\ntitle = \"Mine\"\n\
         exposure = {{ cns-ratio = 0.9 }}\nresistance = []\n{ARM}"
    ));
    let mine = drug(&s, "mine");
    let base = library::find("edaravone-iv").unwrap();
    let (e, b) = (
        mine.exposure.as_ref().unwrap(),
        base.exposure.as_ref().unwrap(),
    );
    assert_eq!(e.cns_ratio, 0.9);
    assert_ne!(b.cns_ratio, 0.9);
    assert_eq!((e.concentration, &e.unit), (b.concentration, &b.unit));
    assert!(mine.resistance.is_empty() && !base.resistance.is_empty());
    assert_eq!(mine.regimen, base.regimen);
    assert_eq!(mine.effects, base.effects);
    assert_eq!(mine.title, "Mine");
    // The base's source of a changed value is dropped; the others stay.
    assert!(mine.source("exposure.cns-ratio").is_none());
    assert!(base.source("exposure.cns-ratio").is_some());
    assert_eq!(
        mine.source("exposure.concentration"),
        base.source("exposure.concentration")
    );
}

#[test]
fn based_on_a_drug_defined_above_inherits_its_changes() {
    let s = parse(
        "[drug.stronger]\nbased-on = \"riluzole\"\nexposure = { cns-ratio = 7.0 }\n\
         [drug.mine]\nbased-on = \"stronger\"\nregimen = { kind = \"cyclic\", on-days = 10, cycle-days = 28 }\n\
         [[arm]]\nname = \"a\"\ntherapies = [{ drug = \"mine\" }]\n",
    );
    let mine = drug(&s, "mine");
    assert_eq!(mine.exposure.as_ref().unwrap().cns_ratio, 7.0);
    assert!(matches!(
        mine.regimen,
        alssim::therapy::Regimen::Cyclic { on_days, .. } if on_days == 10.0
    ));
    assert_eq!(mine.effects, library::find("riluzole").unwrap().effects);
}

#[test]
fn based_on_an_unknown_drug_is_an_error_with_the_closest_name() {
    let err = parse_err(&format!("[drug.mine]\nbased-on = \"edaravone-ivv\"\n{ARM}"));
    assert!(err.contains("drug.mine.based-on"), "{err}");
    assert!(err.contains("unknown drug `edaravone-ivv`"), "{err}");
    assert!(err.contains("did you mean `edaravone-iv`?"), "{err}");
    // At the command line: the file, line and column, and the exit code of an invalid file.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("typo.toml");
    std::fs::write(
        &file,
        format!("[drug.mine]\nbased-on = \"edaravone-ivv\"\n{ARM}"),
    )
    .unwrap();
    let (code, err) = failure_of(&["check", file.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("typo.toml:2:12") && err.contains("did you mean `edaravone-iv`?"),
        "{err}"
    );
}

#[test]
fn based_on_cannot_form_a_cycle() {
    // Itself.
    let err = parse_err(&format!("[drug.mine]\nbased-on = \"mine\"\n{ARM}"));
    assert!(err.contains("`mine` cannot be based on itself"), "{err}");
    // Two drugs on each other: the first names one defined below it, which is refused, so the
    // second has no base either.
    let err = parse_err(&format!(
        "[drug.mine]\nbased-on = \"other\"\n[drug.other]\nbased-on = \"mine\"\n{ARM}"
    ));
    assert!(
        err.contains("`other` is defined below `[drug.mine]`"),
        "{err}"
    );
    assert!(err.contains("move `[drug.other]` above"), "{err}");
    assert!(
        err.contains("`mine` has errors, so `other` cannot inherit from it"),
        "{err}"
    );
    // A library name already overrides that drug: it cannot also inherit from another.
    let err = parse_err(
        "[drug.riluzole]\nbased-on = \"edaravone-iv\"\n\
         [[arm]]\nname = \"a\"\ntherapies = [{ drug = \"riluzole\" }]\n",
    );
    assert!(err.contains("cannot be based on another drug"), "{err}");
}

#[test]
fn the_student_whatif_drug_inherits_from_edaravone_iv_as_its_comment_says() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/student-whatif.toml"),
    )
    .unwrap();
    assert!(text.contains("based-on = \"edaravone-iv\""));
    let s = parse(&text);
    let brain = drug(&s, "edaravone-brain");
    let base = library::find("edaravone-iv").unwrap();
    assert_eq!(brain.regimen, base.regimen);
    assert_eq!(brain.effects, base.effects);
    assert_eq!(brain.resistance, base.resistance);
    let (e, b) = (
        brain.exposure.as_ref().unwrap(),
        base.exposure.as_ref().unwrap(),
    );
    assert!((e.cns_ratio - 3.0 * b.cns_ratio).abs() < 1e-12);
    assert_eq!((e.concentration, &e.unit), (b.concentration, &b.unit));
    // The resolved scenario (written to manifest.json) reads back to the same drug.
    let again = parse(&scenario::to_toml(&s));
    assert_eq!(drug(&again, "edaravone-brain"), brain);
}

// ---- `--set` on `run` and `whatif` -------------------------------------------------------

const SET_SCENARIO: &str = "[scenario]\nname = \"set\"\n\n[simulation]\nhorizon-months = 36\n\
    visits-every-months = 6\n\n[population]\nsize = 20\nseed = 5\n\n[model]\n\
    agg_growth_rate = 0.2\n\n[[arm]]\nname = \"none\"\ntherapies = []\n\n[[arm]]\n\
    name = \"riluzole\"\ntherapies = [{ drug = \"riluzole\" }]\n";

fn run_set(dir: &Path, name: &str, set: &[&str]) -> (Scenario, Vec<HashMap<String, String>>) {
    let file = dir.join("set.toml");
    std::fs::write(&file, SET_SCENARIO).unwrap();
    let out = dir.join(name);
    let mut args = vec![
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--no-plots",
        "--quiet",
    ];
    for s in set {
        args.extend(["--set", s]);
    }
    stdout_of(&args);
    (resolved(&out), csv_rows(&out.join("patients.csv")))
}

/// The resolved scenario recorded in a result's manifest.
fn resolved(dir: &Path) -> Scenario {
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    parse(m["resolved_scenario"].as_str().unwrap())
}

fn arm_rows(rows: &[HashMap<String, String>], arm: &str) -> Vec<HashMap<String, String>> {
    rows.iter().filter(|r| r["arm"] == arm).cloned().collect()
}

#[test]
fn run_set_overrides_a_model_parameter_in_every_arm_and_records_it() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, base) = run_set(dir.path(), "plain", &[]);
    let (set, changed) = run_set(
        dir.path(),
        "set",
        &["agg_growth_rate=0.35", "rater_noise_sd=0"],
    );
    assert_eq!(plain.model_overrides(), vec![(Param::AggGrowthRate, 0.2)]);
    // The scenario's own value is replaced; a new one is added.
    assert_eq!(
        set.model_overrides(),
        vec![(Param::AggGrowthRate, 0.35), (Param::RaterNoiseSd, 0.0)]
    );
    for arm in ["none", "riluzole"] {
        let (a, b) = (arm_rows(&base, arm), arm_rows(&changed, arm));
        assert!(!a.is_empty());
        assert_ne!(a, b, "arm {arm} did not change");
    }
}

#[test]
fn whatif_set_overrides_a_model_parameter_and_records_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("w");
    stdout_of(&[
        "whatif",
        "riluzole",
        "--patients",
        "20",
        "--no-plots",
        "--quiet",
        "--set",
        "agg_growth_rate=0.3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        resolved(&out).model_overrides(),
        vec![(Param::AggGrowthRate, 0.3)]
    );
}

#[test]
fn a_bad_set_is_a_usage_error_with_the_closest_name() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("set.toml");
    std::fs::write(&file, SET_SCENARIO).unwrap();
    let out = dir.path().join("never");
    let (file, out) = (file.to_str().unwrap(), out.to_str().unwrap());
    for (set, expect) in [
        ("agg_growth_rat=0.3", "did you mean `agg_growth_rate`?"),
        ("agg_growth_rate=abc", "`abc` is not a number"),
        ("agg_growth_rate", "expected NAME=VALUE"),
        ("agg_growth_rate=1e9", "out of range"),
        (
            "pool_weight_bulbar=0.9",
            "pool_weight_bulbar + pool_weight_cervical",
        ),
    ] {
        for args in [
            vec!["run", file, "--out", out, "--set", set],
            vec!["whatif", "riluzole", "--out", out, "--set", set],
        ] {
            let (code, err) = failure_of(&args);
            assert_eq!(code, 2, "{args:?}: {err}");
            assert!(err.contains(expect), "{args:?}: {err}");
            assert_eq!(err.lines().count(), 1, "{err}");
        }
    }
    assert!(
        !Path::new(out).exists(),
        "nothing is written after a bad --set"
    );
}

// ---- `whatif` and drugs restricted to genotypes ---------------------------------------------

#[test]
fn whatif_says_a_genotype_restricted_drug_acts_in_carriers_only_and_shows_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("w");
    let text = stdout_of(&[
        "whatif",
        "tofersen",
        "riluzole",
        "--patients",
        "400",
        "--no-plots",
        "--out",
        out.to_str().unwrap(),
    ]);
    let rows = csv_rows(&out.join("patients.csv"));
    let carriers = rows
        .iter()
        .filter(|r| r["arm"] == "control" && r["genotype"].starts_with("sod1"))
        .count();
    let enrolled = arm_rows(&rows, "control").len();
    assert!(carriers > 0, "no SOD1 carrier among {enrolled}");
    assert!(
        text.contains(&format!(
            "note: tofersen acts only in patients with genotype sod1 or sod1-a4v (3.0% of the \
             population: sod1 2.7%, sod1-a4v 0.3%; {carriers} of the {enrolled} enrolled)"
        )),
        "{text}"
    );
    // The carrier table: every arm, the carriers only.
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| *l == "patients with genotype sod1 or sod1-a4v only:")
        .unwrap_or_else(|| panic!("{text}"));
    let table = &lines[at + 1..at + 5];
    assert_columns_line_up(table);
    for (line, arm) in table[1..].iter().zip(["control", "tofersen", "riluzole"]) {
        let c: Vec<&str> = line.split_whitespace().collect();
        assert_eq!((c[0], c[1]), (arm, carriers.to_string().as_str()), "{text}");
    }
    // A drug that acts in every genotype gets no note.
    let plain = stdout_of(&[
        "whatif",
        "riluzole",
        "--patients",
        "30",
        "--no-plots",
        "--out",
        dir.path().join("r").to_str().unwrap(),
    ]);
    assert!(!plain.contains("note:"), "{plain}");
}

// ---- terminal tables ---------------------------------------------------------------------------

#[test]
fn the_drugs_table_has_aligned_columns() {
    let text = stdout_of(&["drugs"]);
    let table: Vec<&str> = text.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(table.len(), library::names().len() + 1);
    assert_columns_line_up(&table);
}

#[test]
fn the_whatif_table_has_aligned_columns() {
    let dir = tempfile::tempdir().unwrap();
    let text = stdout_of(&[
        "whatif",
        "riluzole",
        "riluzole+edaravone-iv+masitinib",
        "--patients",
        "40",
        "--no-plots",
        "--out",
        dir.path().join("w").to_str().unwrap(),
    ]);
    let table: Vec<&str> = text.lines().skip(1).take(4).collect();
    assert!(table[0].starts_with("arm "), "{text}");
    assert!(
        table[3].starts_with("riluzole_edaravone-iv_masitinib "),
        "{text}"
    );
    assert_columns_line_up(&table);
}

#[test]
fn whatif_says_no_patients_for_an_arm_without_patients() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("w");
    // A single screened patient without disease (no aggregate growth, no ageing loss) never
    // reaches clinical onset, so it fails screening and no arm has a patient.
    let text = stdout_of(&[
        "whatif",
        "riluzole",
        "--patients",
        "1",
        "--seed",
        "1",
        "--set",
        "agg_growth_rate=0",
        "--set",
        "hazard_baseline=0",
        "--no-plots",
        "--force",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(text.contains(" 0 enrolled"), "{text}");
    assert!(text.contains("no patients"), "{text}");
    assert!(!text.contains("not reached"), "{text}");
}

#[test]
fn simulate_prints_months_with_the_decimals_of_the_interval() {
    let text = stdout_of(&["simulate", "--interval", "0.01", "--horizon", "2"]);
    let months: Vec<&str> = text
        .lines()
        .filter_map(|l| {
            let c: Vec<&str> = l.split_whitespace().collect();
            (c.len() == 12 && c[0].parse::<f64>().is_ok()).then(|| c[0])
        })
        .collect();
    assert_eq!(months.len(), 201, "{text}");
    for (k, m) in months.iter().enumerate() {
        assert_eq!(*m, format!("{:.2}", k as f64 * 0.01));
    }
    // The default interval keeps one decimal.
    let text = stdout_of(&["simulate", "--horizon", "3"]);
    assert!(
        text.lines().any(|l| l.trim_start().starts_with("2.0 ")),
        "{text}"
    );
}

#[test]
fn simulate_says_the_patient_died_before_diagnosis() {
    // Diagnosis comes at the referral delay or when the loss of function is recognised,
    // whichever is first. With recognition only at a loss of 40 points, the default patient
    // dies long before a 120-month referral delay.
    let text = stdout_of(&[
        "simulate",
        "--diagnostic-delay",
        "120",
        "--set",
        "diagnosis_recognition_loss=40",
    ]);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("diagnosis"))
        .unwrap();
    assert!(line.contains("died before diagnosis"), "{line}");
    assert!(!line.contains("not reached"), "{line}");
    let death = text
        .lines()
        .find(|l| l.contains("death or permanent ventilation"))
        .unwrap();
    assert!(!death.contains(" - "), "{death}");
    // With follow-up too short for diagnosis, it is not reached within follow-up.
    let text = stdout_of(&["simulate", "--horizon", "6"]);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("diagnosis"))
        .unwrap();
    assert!(line.contains("not reached within follow-up"), "{line}");
}
