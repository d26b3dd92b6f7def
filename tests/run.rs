//! `alssim run` end to end: reproducibility, overwrite protection, failure isolation, and the
//! summary against a direct computation from the per-patient table.

use std::path::{Path, PathBuf};

mod common;
use common::{SMALL, alssim, write_scenario};

fn run_into(scenario: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    alssim()
        .arg("run")
        .arg(scenario)
        .arg("--out")
        .arg(out)
        .args(extra)
        .assert()
        .success()
        .get_output()
        .clone()
}

fn read(p: PathBuf) -> String {
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&read(dir.join("manifest.json"))).unwrap()
}

#[test]
fn results_are_identical_for_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let s = write_scenario(tmp.path(), SMALL);
    let dirs: Vec<PathBuf> = [1, 2, 4]
        .iter()
        .map(|t| tmp.path().join(format!("t{t}")))
        .collect();
    // 200 patients: summaries are built from pieces of 64 patients merged pairwise, so the
    // merge across pieces is exercised.
    for (t, d) in [1, 2, 4].iter().zip(&dirs) {
        run_into(
            &s,
            d,
            &["--threads", &t.to_string(), "--patients", "200", "--quiet"],
        );
    }
    for file in ["summary.csv", "patients.csv", "sample_trajectories.csv"] {
        let a = read(dirs[0].join(file));
        for d in &dirs[1..] {
            assert_eq!(a, read(d.join(file)), "{file} differs with {}", d.display());
        }
    }
    // The manifests differ only in timing and thread fields.
    let strip = |mut m: serde_json::Value| {
        for k in ["wall_seconds", "patients_per_second", "threads"] {
            m.as_object_mut().unwrap().remove(k);
        }
        m
    };
    assert_eq!(strip(manifest(&dirs[0])), strip(manifest(&dirs[2])));
    assert_eq!(manifest(&dirs[2])["threads"], 4);
}

#[test]
fn seed_and_patients_options_override_the_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let s = write_scenario(tmp.path(), SMALL);
    run_into(&s, &tmp.path().join("a"), &["--quiet"]);
    run_into(&s, &tmp.path().join("b"), &["--quiet", "--seed", "8"]);
    run_into(&s, &tmp.path().join("c"), &["--quiet", "--patients", "25"]);
    assert_ne!(
        read(tmp.path().join("a/patients.csv")),
        read(tmp.path().join("b/patients.csv"))
    );
    assert_eq!(manifest(&tmp.path().join("b"))["seed"], 8);
    assert_eq!(manifest(&tmp.path().join("c"))["screened"], 25);
    // The first 25 patients of the 60 are the same people: indices are stable.
    let a = read(tmp.path().join("a/patients.csv"));
    let c = read(tmp.path().join("c/patients.csv"));
    let first_rows = |t: &str, n: usize| t.lines().take(n).map(String::from).collect::<Vec<_>>();
    let c_rows = c.lines().count();
    assert_eq!(first_rows(&a, c_rows), first_rows(&c, c_rows));
}

#[test]
fn existing_results_are_kept_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    let s = write_scenario(tmp.path(), SMALL);
    let out = tmp.path().join("r");
    run_into(&s, &out, &["--quiet"]);
    let before = read(out.join("patients.csv"));
    let o = alssim()
        .arg("run")
        .arg(&s)
        .arg("--out")
        .arg(&out)
        .args(["--seed", "9"])
        .assert()
        .failure()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(before, read(out.join("patients.csv")));
    run_into(&s, &out, &["--quiet", "--seed", "9", "--force"]);
    assert_ne!(before, read(out.join("patients.csv")));
}

#[test]
fn default_output_folder_is_out_slash_scenario_name() {
    let tmp = tempfile::tempdir().unwrap();
    let s = write_scenario(tmp.path(), SMALL);
    alssim()
        .current_dir(tmp.path())
        .arg("run")
        .arg(&s)
        .arg("--quiet")
        .assert()
        .success();
    assert!(tmp.path().join("out/small/summary.csv").exists());
    assert!(tmp.path().join("out/small/manifest.json").exists());
}

#[test]
fn failing_patients_are_reported_and_the_cohort_completes() {
    // A tiny step budget with wide variability in the aggregation rates: some patients need
    // more steps than allowed and fail; the others are simulated and reported.
    let text = SMALL.replace(
        "visits-every-months = 6",
        // Up to every patient may fail without failing the run (the threshold itself is tested
        // in tests/exit_codes.rs).
        "visits-every-months = 6\nmax-steps = 60\nmax-failed-fraction = 1.0",
    ) + "\n[population.variability]\nagg_growth_rate = 1.5\nros_clearance_rate = 3.0\n";
    let tmp = tempfile::tempdir().unwrap();
    let s = write_scenario(tmp.path(), &text);
    let out = tmp.path().join("r");
    let o = run_into(&s, &out, &[]);
    let m = manifest(&out);
    let failed = m["failed"].as_u64().unwrap();
    let enrolled = m["enrolled"].as_u64().unwrap();
    assert!(
        failed > 0 && enrolled > 0,
        "failed {failed}, enrolled {enrolled}"
    );
    let failures = m["failures"].as_array().unwrap();
    assert_eq!(failures.len() as u64, failed);
    assert!(failures[0]["error"].as_str().unwrap().contains("steps"));
    assert!(failures[0]["params"]["agg_growth_rate"].is_number());
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains(&format!("{failed} patient")), "{err}");
    let patients = read(out.join("patients.csv"));
    assert_eq!(patients.lines().count() as u64 - 1, enrolled);
}

#[test]
fn drawn_parameters_that_break_a_rule_are_reported_with_the_rule() {
    // death_fvc must stay below niv_fvc (55): a coefficient of variation of 0.3 around 46.37
    // puts it above that in about 28% of patients, whose models cannot be built.
    let text = SMALL.replace(
        "visits-every-months = 6",
        "visits-every-months = 6\nmax-failed-fraction = 1.0",
    ) + "\n[population.variability]\ndeath_fvc = 0.3\n";
    let tmp = tempfile::tempdir().unwrap();
    let s = write_scenario(tmp.path(), &text);
    let out = tmp.path().join("r");
    let o = run_into(&s, &out, &["--no-plots"]);
    let m = manifest(&out);
    let failed = m["failed"].as_u64().unwrap();
    assert!(
        failed > 0 && m["enrolled"].as_u64().unwrap() > 0,
        "{failed}"
    );
    let failures = m["failures"].as_array().unwrap();
    assert_eq!(failures.len() as u64, failed);
    for f in failures {
        let e = f["error"].as_str().unwrap();
        assert!(
            e.contains("death_fvc") && e.contains("below niv_fvc"),
            "{e}"
        );
        assert!(f["params"]["death_fvc"].as_f64().unwrap() >= 55.0, "{f}");
    }
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.contains(&format!("{failed} patients could not be simulated")),
        "{err}"
    );
    // Before the run, the drawn parameters were counted: the same patients, exactly.
    let screened = m["screened"].as_u64().unwrap();
    let first = err.lines().next().unwrap();
    assert!(
        first.starts_with("warning: [population.variability] varies death_fvc")
            && first.contains("(death_fvc < niv_fvc)")
            && first.contains(&format!("{failed} of the {screened} patients"))
            && first.contains("within the limit of 100%"),
        "{err}"
    );
    // Over the limit, the warning says the run will fail, and the first error after the run
    // names both kinds of reason.
    let o = alssim()
        .arg("run")
        .arg(&s)
        .args(["--no-plots", "--max-failed-fraction", "0.01", "--out"])
        .arg(tmp.path().join("strict"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8(o.stderr).unwrap();
    let mut lines = err.lines();
    assert!(
        lines.next().unwrap().ends_with(
            "so the run will fail; narrow the variability or move the bound \
             (docs/SCENARIOS.md, \"Failed patients\")"
        ),
        "{err}"
    );
    let error = lines.next().unwrap();
    assert!(error.starts_with("error: the run failed"), "{err}");
    assert!(error.contains("could not be simulated"), "{err}");
    assert!(error.contains("break a rule across parameters"), "{err}");
    // `alssim check` gives the same count with its verdict, and still exits 0: the file is valid.
    let o = alssim().arg("check").arg(&s).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.contains(&format!("{failed} of the {screened} patients")),
        "{err}"
    );
}

/// Without a varied parameter that a rule bounds, or when no drawn patient breaks a rule,
/// nothing is said before the run.
#[test]
fn no_rule_warning_when_no_drawn_patient_breaks_a_rule() {
    let tmp = tempfile::tempdir().unwrap();
    // agg_growth_rate varies by default (CV 0.2), and a rule bounds it, but far above clearance.
    let s = write_scenario(tmp.path(), SMALL);
    let o = alssim().arg("check").arg(&s).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = run_into(&s, &tmp.path().join("r"), &["--no-plots", "--quiet"]);
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(!err.contains("[population.variability] varies"), "{err}");
}

#[test]
fn summary_matches_a_direct_computation_from_patients() {
    let tmp = tempfile::tempdir().unwrap();
    let s = write_scenario(tmp.path(), SMALL);
    let out = tmp.path().join("r");
    run_into(&s, &out, &["--quiet"]);
    let patients = read(out.join("patients.csv"));
    let mut lines = patients.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let n = rows.len() as f64;
    // Survival 12 months after enrollment.
    let alive12 = rows
        .iter()
        .filter(|r| {
            let death = r[col("death_months")];
            death.is_empty()
                || death.parse::<f64>().unwrap()
                    - r[col("enrollment_months_since_onset")]
                        .parse::<f64>()
                        .unwrap()
                    > 12.0
        })
        .count() as f64;
    let baseline_mean = rows
        .iter()
        .map(|r| r[col("baseline_alsfrs_r")].parse::<f64>().unwrap())
        .sum::<f64>()
        / n;
    let summary = read(out.join("summary.csv"));
    let row = |month: &str| -> Vec<String> {
        summary
            .lines()
            .find(|l| l.starts_with(&format!("untreated,{month},alsfrs_r,")))
            .unwrap()
            .split(',')
            .map(String::from)
            .collect()
    };
    let r0 = row("0");
    assert_eq!(r0[3].parse::<f64>().unwrap(), n);
    assert!((r0[6].parse::<f64>().unwrap() - baseline_mean).abs() < 1e-9);
    let r12 = row("12");
    assert!(
        (r12[5].parse::<f64>().unwrap() - alive12 / n).abs() < 1e-12,
        "survival {} vs {}",
        r12[5],
        alive12 / n
    );
    assert_eq!(
        r12[4].parse::<f64>().unwrap(),
        alive12,
        "everyone alive at 12 months has a visit then"
    );
}

#[test]
fn shards_merge_into_the_unsharded_result() {
    let tmp = tempfile::tempdir().unwrap();
    let s = write_scenario(tmp.path(), SMALL);
    let whole = tmp.path().join("whole");
    run_into(&s, &whole, &["--quiet", "--trajectories", "--threads", "2"]);
    let mut parts = Vec::new();
    for k in 1..=4 {
        let p = tmp.path().join(format!("p{k}"));
        run_into(
            &s,
            &p,
            &[
                "--quiet",
                "--trajectories",
                "--threads",
                "1",
                "--shard",
                &format!("{k}/4"),
            ],
        );
        parts.push(p);
    }
    let merged = tmp.path().join("merged");
    // Parts may be given in any order.
    alssim()
        .arg("merge")
        .args([&parts[2], &parts[0], &parts[3], &parts[1]])
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    for file in ["summary.csv", "patients.csv", "sample_trajectories.csv"] {
        assert_eq!(read(whole.join(file)), read(merged.join(file)), "{file}");
    }
    let traj = |d: &Path| std::fs::read(d.join("trajectories.parquet")).unwrap();
    assert_eq!(traj(&whole), traj(&merged), "trajectories.parquet");
    let strip = |mut m: serde_json::Value| {
        for k in ["wall_seconds", "patients_per_second", "threads", "shard"] {
            m.as_object_mut().unwrap().remove(k);
        }
        m
    };
    assert_eq!(strip(manifest(&whole)), strip(manifest(&merged)));
    // An incomplete set of parts is refused and writes nothing.
    let bad = tmp.path().join("bad");
    let o = alssim()
        .arg("merge")
        .args([&parts[0], &parts[1]])
        .arg("--out")
        .arg(&bad)
        .assert()
        .failure()
        .get_output()
        .clone();
    assert!(
        String::from_utf8(o.stderr)
            .unwrap()
            .contains("missing: [3, 4]")
    );
    assert!(!bad.exists());
}

#[test]
fn arms_without_therapy_are_the_same_patients_as_control() {
    let text = format!(
        "{SMALL}\n[[arm]]\nname = \"control\"\n\n[[arm]]\nname = \"no-drug\"\ntherapies = []\n"
    );
    let tmp = tempfile::tempdir().unwrap();
    let s = write_scenario(tmp.path(), &text);
    let out = tmp.path().join("r");
    run_into(&s, &out, &["--quiet"]);
    let patients = read(out.join("patients.csv"));
    let header: Vec<&str> = patients.lines().next().unwrap().split(',').collect();
    let benefit: Vec<usize> = ["benefit_survival_months", "benefit_alsfrs_r_12"]
        .iter()
        .map(|c| header.iter().position(|h| h == c).unwrap())
        .collect();
    let rows: Vec<Vec<&str>> = patients
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert!(rows.len() > 20);
    // Rows come in pairs (control, no-drug) for each patient; everything but the arm and the
    // paired benefits is equal, and the benefits are zero (empty in the first arm, and for the
    // ALSFRS-R when the patient is not alive at month 12).
    let mut alive_at_12 = 0;
    for pair in rows.chunks(2) {
        assert_eq!((pair[0][1], pair[1][1]), ("control", "no-drug"));
        assert_eq!(pair[0][0], pair[1][0]);
        for (k, (a, b)) in pair[0].iter().zip(&pair[1]).enumerate().skip(2) {
            if benefit.contains(&k) {
                assert_eq!(*a, "", "control has no benefit against itself");
                assert!(*b == "0" || (k == benefit[1] && b.is_empty()), "{b}");
                alive_at_12 += usize::from(k == benefit[1] && *b == "0");
            } else {
                assert_eq!(a, b, "column {}", header[k]);
            }
        }
    }
    assert!(alive_at_12 > 10);
    let summary = read(out.join("summary.csv"));
    let strip = |arm: &str| {
        summary
            .lines()
            .filter(|l| l.starts_with(arm))
            .map(|l| l.split_once(',').unwrap().1.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(strip("control,"), strip("no-drug,"));
}

#[test]
fn trajectory_table_is_readable_and_merges_byte_identically_across_batches() {
    // Enough rows (about 700 patients x 49 half-monthly visits) to span several writer batches.
    let text = SMALL.replace("size = 60", "size = 700").replace(
        "horizon-months = 36\nvisits-every-months = 6",
        "horizon-months = 24\nvisits-every-months = 0.5",
    );
    let tmp = tempfile::tempdir().unwrap();
    let s = write_scenario(tmp.path(), &text);
    let whole = tmp.path().join("whole");
    run_into(&s, &whole, &["--quiet", "--trajectories"]);
    let batches =
        alssim::results::trajectories::read_all(&whole.join("trajectories.parquet")).unwrap();
    let rows = alssim::results::trajectories::row_count(&batches);
    assert!(
        rows > 2 * alssim::results::trajectories::BATCH_ROWS,
        "{rows} rows"
    );
    assert!(batches.iter().all(alssim::results::trajectories::no_nulls));
    assert_eq!(batches[0].schema().field(0).name(), "index");
    assert_eq!(batches[0].schema().field(3).name(), "alsfrs_r");
    // One row per rated visit: the summary's at-risk counts add up to the same number.
    let summary = read(whole.join("summary.csv"));
    let visits: usize = summary
        .lines()
        .filter(|l| l.contains(",alsfrs_r,"))
        .map(|l| l.split(',').nth(4).unwrap().parse::<usize>().unwrap())
        .sum();
    assert_eq!(rows, visits);
    let mut parts = Vec::new();
    for k in 1..=3 {
        let p = tmp.path().join(format!("p{k}"));
        run_into(
            &s,
            &p,
            &["--quiet", "--trajectories", "--shard", &format!("{k}/3")],
        );
        parts.push(p);
    }
    let merged = tmp.path().join("merged");
    alssim()
        .arg("merge")
        .args(&parts)
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    let bytes = |d: &Path| std::fs::read(d.join("trajectories.parquet")).unwrap();
    assert_eq!(bytes(&whole), bytes(&merged));
}

/// The tables a run holds in memory (`report::tables`, what the Python package reads) are the
/// bytes `alssim run` writes, and shards merged in memory give them too.
#[test]
fn in_memory_tables_are_the_files_of_a_run() {
    use alssim::report::run::RunError;
    use alssim::report::tables::{Tables, run_tables};
    let tmp = tempfile::tempdir().unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/combinations.toml");
    let out = tmp.path().join("r");
    run_into(
        &path,
        &out,
        &[
            "--patients",
            "150",
            "--seed",
            "4",
            "--trajectories",
            "--no-plots",
            "--quiet",
        ],
    );
    let s = common::sized(&alssim::scenario::load(&path).unwrap(), 150, Some(4));
    let whole = run_tables::<RunError>(&s, 0..150, 2, true, |_| Ok(())).unwrap();
    assert_eq!(
        whole.summary_csv(&s).unwrap(),
        read(out.join("summary.csv"))
    );
    assert_eq!(
        whole.sample_csv(&s).unwrap(),
        read(out.join("sample_trajectories.csv"))
    );
    assert_eq!(
        whole.patients_csv.as_deref().unwrap(),
        read(out.join("patients.csv"))
    );
    let parquet = std::fs::read(out.join("trajectories.parquet")).unwrap();
    assert_eq!(whole.trajectories.as_deref().unwrap(), &parquet[..]);
    let parts: Vec<Tables> = [100..150, 0..37, 37..100]
        .into_iter()
        .map(|r| run_tables::<RunError>(&s, r, 1, true, |_| Ok(())).unwrap())
        .collect();
    let merged = Tables::merge(parts.clone()).unwrap();
    assert_eq!(merged.summary_csv(&s), whole.summary_csv(&s));
    assert_eq!(merged.patients_csv, whole.patients_csv);
    assert_eq!(merged.trajectories, whole.trajectories);
    // A gap is refused.
    let err = Tables::merge(vec![parts[0].clone(), parts[1].clone()]).unwrap_err();
    assert!(err.to_string().contains("not consecutive"), "{err}");
    // A stop asked for by the caller ends the run with the caller's error.
    let stopped = run_tables::<StopAt>(&s, 0..600, 1, false, |done| {
        if done >= 100 {
            Err(StopAt(done))
        } else {
            Ok(())
        }
    });
    assert!(matches!(stopped, Err(StopAt(n)) if (100..600).contains(&n)));
}

/// A caller's stop, for the test above.
#[derive(Debug)]
struct StopAt(u64);

impl From<alssim::cohort::EngineError> for StopAt {
    fn from(_: alssim::cohort::EngineError) -> StopAt {
        StopAt(0)
    }
}

impl From<alssim::results::trajectories::TrajectoryError> for StopAt {
    fn from(_: alssim::results::trajectories::TrajectoryError) -> StopAt {
        StopAt(0)
    }
}
