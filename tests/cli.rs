//! The `alssim` binary, run as a user would.

mod common;
use common::{alssim, stdout_of};

#[test]
fn simulate_prints_a_plausible_monthly_table() {
    let out = stdout_of(&["simulate"]);
    assert!(
        out.contains("ALSFRS-R")
            && out.contains("FVC%")
            && out.contains("NfL")
            && out.contains("King's")
    );
    let rows: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|c| c.len() == 12 && c[0].parse::<f64>().is_ok())
        .collect();
    assert!(
        rows.len() > 24,
        "at least two years of monthly visits, got {}",
        rows.len()
    );
    assert_eq!(rows[0][0], "0.0");
    let total = |r: &Vec<&str>| r[1].parse::<u32>().unwrap();
    assert!(total(&rows[0]) >= 46, "near-normal at onset");
    assert!(rows.iter().all(|r| total(r) <= 48));
    assert!(total(rows.last().unwrap()) < total(&rows[0]));
    for r in &rows {
        let nfl: f64 = r[8].parse().unwrap();
        assert!((10.0..300.0).contains(&nfl), "NfL {nfl}");
    }
    assert!(out.contains("death or permanent ventilation"));
    assert!(out.contains("diagnosis"));
}

#[test]
fn simulate_writes_csv_with_the_documented_columns() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.csv");
    alssim()
        .args([
            "simulate",
            "--onset-region",
            "bulbar",
            "--age",
            "70",
            "--csv",
        ])
        .arg(&path)
        .assert()
        .success();
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "months_since_onset,alsfrs_r,bulbar,fine_motor,gross_motor,respiratory,alsfrs_r_latent,fvc_pct,nfl_pg_ml,gfap_pg_ml,kings,mitos,months_since_initiation,disease_activity"
    );
    let first: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(first.len(), 14);
    // Bulbar onset: the bulbar domain is the first to fall.
    let rows: Vec<Vec<String>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    // The first visit with any loss: the bulbar domain is below 12 and no other domain is
    // lower (healthy items are rated without noise, so the others are still at 12).
    let domains = |r: &Vec<String>| -> Vec<u32> { (2..6).map(|i| r[i].parse().unwrap()).collect() };
    let first_loss = rows
        .iter()
        .map(domains)
        .find(|d| d.iter().any(|&x| x < 12))
        .expect("some loss within the horizon");
    assert!(first_loss[0] < 12, "{first_loss:?}");
    assert!(
        first_loss.iter().all(|&x| x >= first_loss[0]),
        "{first_loss:?}"
    );
}

#[test]
fn same_seed_same_table_other_seed_other_noise() {
    let a = stdout_of(&["simulate", "--seed", "5"]);
    let b = stdout_of(&["simulate", "--seed", "5"]);
    let c = stdout_of(&["simulate", "--seed", "6"]);
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn bad_values_get_a_clear_message_and_no_backtrace() {
    for (args, expect) in [
        (
            vec!["simulate", "--onset-region", "elbow"],
            "accepted: bulbar, cervical, thoracic, lumbar",
        ),
        (vec!["simulate", "--genotype", "sod2"], "accepted: sporadic"),
        (vec!["simulate", "--age", "7"], "accepted 18 to 100"),
        (vec!["simulate", "--age", "abc"], "not a number"),
        (
            vec!["simulate", "--set", "agg_growth_rat=0.3"],
            "did you mean `agg_growth_rate`",
        ),
        (
            vec!["simulate", "--set", "agg_growth_rate=-1"],
            "out of range",
        ),
        (
            vec!["simulate", "--set", "agg_growth_rate"],
            "expected NAME=VALUE",
        ),
    ] {
        let out = alssim()
            .args(&args)
            .assert()
            .failure()
            .code(2)
            .get_output()
            .clone();
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(expect), "{args:?}: {err}");
        assert!(
            !err.contains("backtrace") && !err.contains("panicked"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn unwritable_csv_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("p.csv");
    let out = alssim()
        .args(["simulate", "--csv"])
        .arg(&path)
        .assert()
        .failure()
        .code(1)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("cannot write"), "{err}");
    assert!(!path.exists());
}

#[test]
fn help_explains_every_flag() {
    let out = stdout_of(&["simulate", "--help"]);
    for flag in [
        "--onset-region",
        "--genotype",
        "--age",
        "--sex",
        "--diagnostic-delay",
        "--horizon",
        "--interval",
        "--seed",
        "--set",
        "--csv",
    ] {
        assert!(out.contains(flag), "{flag} missing from --help");
    }
}

#[test]
fn params_lists_the_registry() {
    let out = stdout_of(&["params", "hazard"]);
    assert!(out.contains("hazard_baseline") && out.contains("1/month"));
    let md = stdout_of(&["params", "--markdown"]);
    assert!(md.contains("| `agg_growth_rate` |"));
}

#[test]
fn drugs_lists_the_library_and_shows_one_drug_with_sources() {
    let list = stdout_of(&["drugs"]);
    for name in [
        "riluzole",
        "edaravone-iv",
        "tofersen",
        "niv",
        "sod1-editing",
    ] {
        assert!(list.contains(name), "{name} missing:\n{list}");
    }
    let one = stdout_of(&["drugs", "riluzole"]);
    assert!(one.contains("glutamate-release") && one.contains("Le Liboux 1997"));
    assert!(one.contains("glutamate-receptor-upregulation"));
    assert!(
        !one.contains("periodic steady state"),
        "a continuous drug has none"
    );
    // Repeated doses: the level right after one dose and the interval mean once settled.
    let doses = stdout_of(&["drugs", "tofersen"]);
    assert!(
        doses.contains("at the standard dose 0.280 (right after one dose)")
            && doses.contains("mean over a dosing interval at periodic steady state 0.356"),
        "{doses}"
    );
    // The TOML form is a scenario `[drug.NAME]` table; renamed, it defines a new drug.
    let toml_text = stdout_of(&["drugs", "tofersen", "--toml"]);
    let scenario = format!(
        "{}\n[[arm]]\nname = \"a\"\ntherapies = [{{ drug = \"my-tofersen\" }}]\n",
        toml_text.replacen("[drug.tofersen]", "[drug.my-tofersen]", 1)
    );
    let s = alssim::scenario::parse("t.toml", "t", &scenario)
        .unwrap_or_else(|e| panic!("{}\n{scenario}", e.report()));
    assert_eq!(
        s.arms()[0].therapies[0].definition.effects,
        alssim::therapy::library::find("tofersen").unwrap().effects
    );
    // A typo gets a suggestion and the usage exit code.
    let out = alssim().args(["drugs", "rilzole"]).assert().code(2);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("did you mean `riluzole`?"), "{err}");
}

#[test]
fn whatif_compares_arms_against_a_control_on_the_default_population() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("w");
    let out = stdout_of(&[
        "whatif",
        "riluzole",
        "riluzole+edaravone-iv",
        "--patients",
        "150",
        "--seed",
        "3",
        "--no-plots",
        "--threads",
        "2",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    for arm in ["control", "riluzole", "riluzole_edaravone-iv"] {
        assert!(out.contains(arm), "{arm} missing:\n{out}");
    }
    assert!(out.contains("median months"));
    // Who benefits, per treated arm.
    assert!(
        out.contains("who benefits")
            && out.contains("  riluzole: mean ")
            && out.contains("strongest ρ: "),
        "{out}"
    );
    // The combination cannot be set against its single drugs without edaravone-iv alone.
    assert!(
        out.contains("riluzole_edaravone-iv: add edaravone-iv as an arm of its own"),
        "{out}"
    );
    // With its single drugs beside it, the combination is set against the expectations.
    let both = dir.path().join("both");
    let out_both = stdout_of(&[
        "whatif",
        "masitinib",
        "zilucoplan",
        "masitinib+zilucoplan",
        "--patients",
        "60",
        "--no-plots",
        "--out",
        both.to_str().unwrap(),
    ]);
    let line = out_both
        .lines()
        .find(|l| l.starts_with("  masitinib_zilucoplan: observed "))
        .unwrap_or_else(|| panic!("no combination line:\n{out_both}"));
    assert!(
        line.contains("; additive ") && line.contains("; Bliss "),
        "{line}"
    );
    assert!(line.ends_with("(independent action)"), "{line}");
    // With --no-plots it names only the tables, and draws nothing.
    assert!(
        out.contains("tables in") && !out.contains("figures"),
        "{out}"
    );
    assert!(!out_dir.join("report.html").exists());
    let patients = std::fs::read_to_string(out_dir.join("patients.csv")).unwrap();
    assert!(patients.contains(",riluzole_edaravone-iv,"));
    assert!(
        patients.contains("riluzole+edaravone-iv"),
        "acting_therapies column"
    );
    // A rerun replaces the previous result of `alssim whatif` without --force; an unknown
    // drug is a usage error.
    alssim()
        .args([
            "whatif",
            "riluzole",
            "--patients",
            "10",
            "--quiet",
            "--no-plots",
        ])
        .args(["--out", out_dir.to_str().unwrap()])
        .assert()
        .success();
    let patients = std::fs::read_to_string(out_dir.join("patients.csv")).unwrap();
    assert!(!patients.contains(",riluzole_edaravone-iv,"));
    let bad = alssim().args(["whatif", "edaravone"]).assert().code(2);
    let err = String::from_utf8(bad.get_output().stderr.clone()).unwrap();
    assert!(err.contains("unknown drug `edaravone`"), "{err}");
}

#[test]
fn simulate_shows_the_regional_states() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("states.csv");
    let out = alssim()
        .args([
            "simulate",
            "--interval",
            "6",
            "--horizon",
            "24",
            "--states",
            "--states-csv",
        ])
        .arg(&path)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("Model states by region"), "{out}");
    assert!(out.contains("soluble"), "{out}");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "months_since_onset,region,neurons,dysfunctional,functional,capacity,aggregate,soluble,\
         oxidative,microglia,astrocytes,glutamate"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    // Five visits (0, 6, ..., 24 months) of four regions, in anatomical order.
    assert_eq!(rows.len(), 20);
    for (k, r) in rows.iter().enumerate() {
        assert_eq!(r[1], ["bulbar", "cervical", "thoracic", "lumbar"][k % 4]);
        let v: Vec<f64> = r[2..].iter().map(|x| x.parse().unwrap()).collect();
        let (neurons, dysfunctional, functional, capacity) = (v[0], v[1], v[2], v[3]);
        assert!((0.0..=1.0).contains(&neurons) && (0.0..=neurons).contains(&dysfunctional));
        assert!(
            (functional - (neurons - dysfunctional)).abs() < 2e-4,
            "{r:?}"
        );
        assert!(
            (0.0..=1.0).contains(&capacity) && capacity + 1e-9 >= functional,
            "{r:?}"
        );
    }
    // The onset region (cervical) has lost the most motor units at onset.
    let cervical: f64 = rows[1][2].parse().unwrap();
    assert!(
        rows[0..4]
            .iter()
            .all(|r| r[2].parse::<f64>().unwrap() >= cervical)
    );
}

#[test]
fn simulate_shows_the_disease_activity_it_draws_from_its_seed() {
    let activity = |args: &[&str]| -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.csv");
        alssim()
            .args(["simulate", "--horizon", "24", "--interval", "6", "--csv"])
            .arg(&path)
            .args(args)
            .assert()
            .success();
        let text = std::fs::read_to_string(&path).unwrap();
        text.lines()
            .skip(1)
            .map(|l| l.rsplit(',').next().unwrap().to_string())
            .collect()
    };
    // Off by default: constant 1.
    assert!(activity(&[]).iter().all(|a| a == "1.0000"));
    // On, it varies over the course, and the same seed draws the same course.
    let on = activity(&["--set", "activity_cv=0.7"]);
    assert!(on.iter().any(|a| a != &on[0]), "{on:?}");
    assert_eq!(on, activity(&["--set", "activity_cv=0.7"]));
    assert_ne!(on, activity(&["--set", "activity_cv=0.7", "--seed", "2"]));
}
