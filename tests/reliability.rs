//! Never losing a user's data: what `--force` replaces, concurrent runs into one folder, merge
//! of damaged parts, reruns of exploratory commands, figures that cannot be written, and the
//! follow-up of late-onset patients.

use std::path::{Path, PathBuf};

mod common;
use common::{SMALL, alssim, write_scenario};

fn run_into(scenario: &Path, out: &Path, extra: &[&str]) {
    alssim()
        .arg("run")
        .arg(scenario)
        .arg("--out")
        .arg(out)
        .args(["--quiet", "--no-plots"])
        .args(extra)
        .assert()
        .success();
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&read(&dir.join("manifest.json"))).unwrap()
}

/// Names in a folder, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    v.sort();
    v
}

/// Runs `alssim run` expecting failure; returns standard error.
fn run_refused(scenario: &Path, out: &Path, cwd: &Path) -> String {
    let o = alssim()
        .current_dir(cwd)
        .arg("run")
        .arg(scenario)
        .arg("--out")
        .arg(out)
        .args(["--quiet", "--no-plots", "--force"])
        .assert()
        .failure()
        .get_output()
        .clone();
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        !err.contains("panicked") && !err.contains("stack backtrace"),
        "{err}"
    );
    err
}

#[test]
fn force_refuses_a_folder_with_foreign_files() {
    let tmp = tempfile::tempdir().unwrap();
    let s = write_scenario(tmp.path(), SMALL);
    let dir = tmp.path().join("thesis");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("thesis.txt"), "chapter 1").unwrap();
    std::fs::write(dir.join("sub").join("data.csv"), "x\n1\n").unwrap();
    let before = names(tmp.path());
    let err = run_refused(&s, &dir, tmp.path());
    assert!(err.contains("not an alssim result"), "{err}");
    assert_eq!(read(&dir.join("thesis.txt")), "chapter 1");
    assert_eq!(read(&dir.join("sub").join("data.csv")), "x\n1\n");
    assert_eq!(names(&dir), ["sub", "thesis.txt"]);
    // Nothing was left beside it (no staging folder, lock or moved-aside copy).
    assert_eq!(names(tmp.path()), before);
}

#[test]
fn force_refuses_a_regular_file_and_leaves_it_in_place() {
    let tmp = tempfile::tempdir().unwrap();
    let s = write_scenario(tmp.path(), SMALL);
    let file = tmp.path().join("notes");
    std::fs::write(&file, "do not lose").unwrap();
    let before = names(tmp.path());
    let err = run_refused(&s, &file, tmp.path());
    assert!(err.contains("is a file"), "{err}");
    assert_eq!(read(&file), "do not lose");
    assert_eq!(names(tmp.path()), before);
}

#[test]
fn force_refuses_the_current_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let s = write_scenario(tmp.path(), SMALL);
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    std::fs::write(work.join("draft.md"), "draft").unwrap();
    // Even a result folder is not replaced while it is the current folder.
    std::fs::write(
        work.join("manifest.json"),
        r#"{"program": "alssim", "command": "run"}"#,
    )
    .unwrap();
    for out in [work.clone(), PathBuf::from("."), tmp.path().to_path_buf()] {
        let err = run_refused(&s, &out, &work);
        assert!(
            err.contains("current folder") || err.contains("not a folder name"),
            "{}: {err}",
            out.display()
        );
    }
    assert_eq!(read(&work.join("draft.md")), "draft");
    assert_eq!(names(&work), ["draft.md", "manifest.json"]);
}

#[cfg(unix)]
#[test]
fn force_refuses_a_symbolic_link_and_a_pipe() {
    let tmp = tempfile::tempdir().unwrap();
    let s = write_scenario(tmp.path(), SMALL);
    let real = tmp.path().join("real");
    run_into(&s, &real, &[]);
    let patients = read(&real.join("patients.csv"));
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let err = run_refused(&s, &link, tmp.path());
    assert!(err.contains("symbolic link"), "{err}");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(read(&real.join("patients.csv")), patients);
    // A named pipe stands for a device: neither a folder nor a file.
    let fifo = tmp.path().join("fifo");
    if std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success())
    {
        let err = run_refused(&s, &fifo, tmp.path());
        assert!(err.contains("neither a folder nor a file"), "{err}");
        use std::os::unix::fs::FileTypeExt;
        assert!(
            std::fs::symlink_metadata(&fifo)
                .unwrap()
                .file_type()
                .is_fifo()
        );
    }
}

#[test]
fn force_replaces_a_result_and_an_empty_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let s = write_scenario(tmp.path(), SMALL);
    let out = tmp.path().join("r");
    run_into(&s, &out, &[]);
    run_into(&s, &out, &["--seed", "9", "--force"]);
    assert_eq!(manifest(&out)["seed"], 9);
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    run_into(&s, &empty, &["--force"]);
    assert!(empty.join("patients.csv").exists());
    assert_eq!(names(tmp.path()), ["empty", "r", "s.toml"]);
}

/// Two runs into the same folder at once: each either succeeds or is refused as busy, at least
/// one succeeds, and the published folder is wholly one run's result.
#[test]
fn concurrent_runs_never_publish_a_mixed_result() {
    let tmp = tempfile::tempdir().unwrap();
    let s = write_scenario(tmp.path(), &SMALL.replace("size = 60", "size = 200"));
    let out = tmp.path().join("r");
    let bin = assert_cmd::cargo::cargo_bin("alssim");
    for round in 0..3 {
        let children: Vec<std::process::Child> = [11, 12]
            .iter()
            .map(|seed| {
                std::process::Command::new(&bin)
                    .arg("run")
                    .arg(&s)
                    .arg("--out")
                    .arg(&out)
                    .args(["--quiet", "--no-plots", "--force", "--threads", "1"])
                    .args(["--seed", &seed.to_string()])
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let mut ok = 0;
        for c in children {
            let o = c.wait_with_output().unwrap();
            if o.status.success() {
                ok += 1;
            } else {
                let err = String::from_utf8_lossy(&o.stderr);
                assert!(
                    err.contains("being written by another alssim process"),
                    "round {round}: {err}"
                );
            }
        }
        assert!(ok >= 1, "round {round}: neither run succeeded");
        let seed = manifest(&out)["seed"].as_u64().unwrap();
        let reference = tmp.path().join(format!("seed{seed}"));
        if !reference.exists() {
            run_into(&s, &reference, &["--seed", &seed.to_string()]);
        }
        for file in ["patients.csv", "summary.csv"] {
            assert_eq!(
                read(&out.join(file)),
                read(&reference.join(file)),
                "round {round}: {file} is not of seed {seed}"
            );
        }
        // No staging folder or lock is left behind.
        let hidden: Vec<String> = names(tmp.path())
            .into_iter()
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(hidden.is_empty(), "{hidden:?}");
    }
}

fn shards(tmp: &Path, s: &Path, n: u64) -> Vec<PathBuf> {
    (1..=n)
        .map(|k| {
            let p = tmp.join(format!("p{k}"));
            run_into(s, &p, &["--trajectories", "--shard", &format!("{k}/{n}")]);
            p
        })
        .collect()
}

fn merge_refused(parts: &[&Path], out: &Path, force: bool) -> String {
    let o = alssim()
        .arg("merge")
        .args(parts)
        .arg("--out")
        .arg(out)
        .args(["--no-plots", "--quiet"])
        .args(if force { &["--force"][..] } else { &[][..] })
        .assert()
        .failure()
        .get_output()
        .clone();
    String::from_utf8(o.stderr).unwrap()
}

#[test]
fn merge_refuses_damaged_edited_and_repeated_parts() {
    let tmp = tempfile::tempdir().unwrap();
    let s = write_scenario(tmp.path(), SMALL);
    let parts = shards(tmp.path(), &s, 2);
    let part = parts[1].join("part.json");
    let json: serde_json::Value = serde_json::from_str(&read(&part)).unwrap();
    let files = &json["files"];
    assert!(files["patients.csv"]["rows"].as_u64().unwrap() > 0);
    assert_eq!(files["patients.csv"]["fnv1a64"].as_str().unwrap().len(), 16);
    assert!(files["trajectories.parquet"]["rows"].as_u64().unwrap() > 0);
    let out = tmp.path().join("merged");
    let (a, b) = (parts[0].as_path(), parts[1].as_path());
    alssim()
        .arg("merge")
        .args([a, b])
        .arg("--out")
        .arg(&out)
        .args(["--no-plots", "--quiet"])
        .assert()
        .success();
    let patients = b.join("patients.csv");
    let good = std::fs::read(&patients).unwrap();
    // Truncated, emptied, and edited in place with the same length.
    let text = String::from_utf8(good.clone()).unwrap();
    let truncated = text.lines().take(3).collect::<Vec<_>>().join("\n") + "\n";
    let mut edited = good.clone();
    let at = edited.len() - 5;
    edited[at] = if edited[at] == b'1' { b'2' } else { b'1' };
    for (what, bytes) in [
        ("truncated", truncated.into_bytes()),
        ("empty", Vec::new()),
        ("edited", edited),
    ] {
        std::fs::write(&patients, &bytes).unwrap();
        let bad = tmp.path().join(format!("bad-{what}"));
        let err = merge_refused(&[a, b], &bad, false);
        assert!(
            err.contains("patients.csv") && err.contains("damaged, truncated or edited"),
            "{what}: {err}"
        );
        assert!(!bad.exists(), "{what}");
    }
    std::fs::write(&patients, &good).unwrap();
    // A damaged trajectory table.
    let traj = b.join("trajectories.parquet");
    let t = std::fs::read(&traj).unwrap();
    std::fs::write(&traj, &t[..t.len() / 2]).unwrap();
    let err = merge_refused(&[a, b], &tmp.path().join("bad-traj"), false);
    assert!(err.contains("trajectories.parquet"), "{err}");
    std::fs::write(&traj, &t).unwrap();
    // Edited counts in part.json.
    let original = read(&part);
    let enrolled = format!("\"enrolled\":{}", json["accumulators"]["enrolled"]);
    assert!(original.contains(&enrolled), "{original}");
    std::fs::write(&part, original.replacen(&enrolled, "\"enrolled\":999", 1)).unwrap();
    let err = merge_refused(&[a, b], &tmp.path().join("bad-json"), false);
    assert!(err.contains("damaged or edited"), "{err}");
    std::fs::write(&part, &original).unwrap();
    // A part given twice, by the same or another spelling of its path.
    let again = tmp.path().join(".").join("p1");
    let err = merge_refused(&[a, a, b], &tmp.path().join("bad-twice"), false);
    assert!(err.contains("given twice"), "{err}");
    let err = merge_refused(&[a, &again, b], &tmp.path().join("bad-twice"), false);
    assert!(err.contains("given twice"), "{err}");
    // The repaired parts merge again into the same result.
    let out2 = tmp.path().join("merged2");
    alssim()
        .arg("merge")
        .args([a, b])
        .arg("--out")
        .arg(&out2)
        .args(["--no-plots", "--quiet"])
        .assert()
        .success();
    assert_eq!(
        read(&out.join("patients.csv")),
        read(&out2.join("patients.csv"))
    );
}

#[test]
fn merge_never_writes_over_one_of_its_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let s = write_scenario(tmp.path(), SMALL);
    let parts = shards(tmp.path(), &s, 2);
    let (a, b) = (parts[0].as_path(), parts[1].as_path());
    let before = read(&a.join("part.json"));
    let before_patients = read(&a.join("patients.csv"));
    for out in [
        a.to_path_buf(),
        a.join("inside"),
        a.join("new").join("deeper"),
        tmp.path().to_path_buf(),
    ] {
        let err = merge_refused(&[a, b], &out, true);
        assert!(err.contains("would write over the part folder"), "{err}");
    }
    assert_eq!(read(&a.join("part.json")), before);
    assert_eq!(read(&a.join("patients.csv")), before_patients);
    assert!(!a.join("inside").exists() && !a.join("new").exists());
}

#[test]
fn run_trajectories_is_recorded_in_the_resolved_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let s = write_scenario(tmp.path(), SMALL);
    let out = tmp.path().join("r");
    run_into(&s, &out, &["--trajectories"]);
    let m = manifest(&out);
    let resolved = m["resolved_scenario"].as_str().unwrap();
    assert!(resolved.contains("keep-trajectories = true"), "{resolved}");
    assert!(out.join("trajectories.parquet").exists());
    // The recorded scenario runs again to the same trajectories.
    let again = tmp.path().join("again.toml");
    std::fs::write(&again, resolved).unwrap();
    run_into(&again, &tmp.path().join("r2"), &[]);
    assert_eq!(
        std::fs::read(out.join("trajectories.parquet")).unwrap(),
        std::fs::read(tmp.path().join("r2").join("trajectories.parquet")).unwrap()
    );
    let plain = tmp.path().join("plain");
    run_into(&s, &plain, &[]);
    let resolved = manifest(&plain)["resolved_scenario"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(resolved.contains("keep-trajectories = false"), "{resolved}");
}

#[test]
fn whatif_reruns_replace_only_its_own_result() {
    let tmp = tempfile::tempdir().unwrap();
    let whatif = |cwd: &Path, extra: &[&str]| {
        let mut c = alssim();
        c.current_dir(cwd)
            .args([
                "whatif",
                "riluzole",
                "--patients",
                "20",
                "--quiet",
                "--no-plots",
            ])
            .args(extra);
        c
    };
    // The default folder, twice, with different seeds: the second replaces the first.
    whatif(tmp.path(), &["--seed", "1"]).assert().success();
    whatif(tmp.path(), &["--seed", "2"]).assert().success();
    let out = tmp.path().join("out").join("whatif");
    assert_eq!(manifest(&out)["seed"], 2);
    assert_eq!(manifest(&out)["command"], "whatif");
    assert_eq!(names(&tmp.path().join("out")), ["whatif"]);
    // A result of `alssim run` is not replaced without --force; a foreign folder never.
    let s = write_scenario(tmp.path(), SMALL);
    let run = tmp.path().join("run-result");
    run_into(&s, &run, &[]);
    let o = whatif(tmp.path(), &["--out", run.to_str().unwrap()])
        .assert()
        .failure()
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"));
    assert_eq!(manifest(&run)["command"], "run");
    let foreign = tmp.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("keep.txt"), "keep").unwrap();
    let o = whatif(tmp.path(), &["--out", foreign.to_str().unwrap(), "--force"])
        .assert()
        .failure()
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&o.stderr).contains("not an alssim result"));
    assert_eq!(read(&foreign.join("keep.txt")), "keep");
}

#[test]
fn validate_reruns_replace_its_own_result() {
    let tmp = tempfile::tempdir().unwrap();
    for seed in ["1", "2"] {
        let o = alssim()
            .current_dir(tmp.path())
            .args(["validate", "--patients", "100", "--quiet", "--no-plots"])
            .args(["--seed", seed])
            .output()
            .unwrap();
        // 0 when every hard target passes, 3 when one is missed on so small a cohort; never
        // a refusal of the existing folder.
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(matches!(o.status.code(), Some(0 | 3)), "{err}");
        assert!(!err.contains("already exists"), "{err}");
        let md = read(&tmp.path().join("out/validation/validation.md"));
        assert!(md.contains(&format!("seed {seed}")), "{md}");
    }
    assert_eq!(
        manifest(&tmp.path().join("out/validation"))["command"],
        "validate"
    );
}

#[test]
fn figures_that_cannot_be_written_are_named_in_the_warning_and_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let s = write_scenario(tmp.path(), SMALL);
    let out = tmp.path().join("r");
    alssim()
        .arg("run")
        .arg(&s)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .assert()
        .success();
    assert!(out.join("survival.png").exists() && out.join("survival.svg").exists());
    // Folders in place of two figure files: those files cannot be written.
    for f in ["survival.png", "survival.svg", "nfl.svg"] {
        std::fs::remove_file(out.join(f)).unwrap();
        std::fs::create_dir_all(out.join(f).join("blocked")).unwrap();
    }
    let o = alssim().arg("plot").arg(&out).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    for f in ["survival.png", "survival.svg", "nfl.svg"] {
        assert!(err.contains(f), "{f} not named in: {err}");
    }
    assert!(!err.contains("nfl.png"), "{err}");
    let html = read(&out.join("report.html"));
    let note = html
        .lines()
        .find(|l| l.contains("figures-not-written"))
        .unwrap_or_else(|| panic!("no note in report.html"));
    assert!(
        note.contains("3 figure files") && note.contains("nfl.svg, survival.png, survival.svg"),
        "{note}"
    );
    // The figures that could be written are in the report.
    assert!(html.contains("id=\"nfl\""));
    assert!(!html.contains("id=\"survival\""));
}

/// The follow-up of late-onset patients is not cut by an integration limit: `n_at_risk` equals
/// `survival × n_enrolled` at every visit (docs/OUTPUTS.md), on the seed where patients with
/// onset late after disease initiation had their follow-up cut.
#[test]
fn everyone_alive_at_a_visit_has_that_visit() {
    let tmp = tempfile::tempdir().unwrap();
    let s = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/natural-history.toml");
    let out = tmp.path().join("nh");
    run_into(&s, &out, &["--seed", "20261121"]);
    let summary = read(&out.join("summary.csv"));
    let mut lines = summary.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let mut checked = 0;
    for l in lines {
        let r: Vec<&str> = l.split(',').collect();
        if r[col("variable")] != "alsfrs_r" {
            continue;
        }
        let enrolled: f64 = r[col("n_enrolled")].parse().unwrap();
        let at_risk: f64 = r[col("n_at_risk")].parse().unwrap();
        let survival: f64 = r[col("survival")].parse().unwrap();
        assert!(
            (survival * enrolled - at_risk).abs() < 1e-6,
            "month {}: n_at_risk {at_risk}, survival × n_enrolled {}",
            r[col("month")],
            survival * enrolled
        );
        checked += 1;
    }
    assert!(checked > 10, "{checked} rows checked");
    // Every patient's follow-up ends at death or at the end of the horizon.
    let horizon = 120.0;
    let patients = read(&out.join("patients.csv"));
    let mut lines = patients.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    for l in lines {
        let r: Vec<&str> = l.split(',').collect();
        if r[col("censored")] == "1" {
            let f: f64 = r[col("follow_up_months")].parse().unwrap();
            assert!(
                (f - horizon).abs() < 1e-6,
                "patient {}: {f}",
                r[col("index")]
            );
        }
    }
}

#[test]
fn a_failed_merge_says_which_kind_of_failure_to_a_library_caller() {
    use alssim::report::run::{MergeError, RunError, merge_parts};
    let tmp = tempfile::tempdir().unwrap();
    let s = write_scenario(tmp.path(), SMALL);
    let parts = shards(tmp.path(), &s, 3);
    let out = tmp.path().join("merged");
    match merge_parts(&[parts[0].clone(), parts[2].clone()], &out, false) {
        Err(RunError::Merge(MergeError::Coverage {
            n,
            missing,
            repeated,
        })) => {
            assert_eq!((n, missing, repeated), (3, vec![2], vec![]));
        }
        other => panic!("{:?}", other.err()),
    }
    match merge_parts(&[parts[0].clone(), parts[0].clone()], &out, false) {
        Err(RunError::Merge(MergeError::GivenTwice(p))) => assert_eq!(p, parts[0]),
        other => panic!("{:?}", other.err()),
    }
    match merge_parts(&[], &out, false) {
        Err(RunError::Merge(MergeError::NoParts)) => {}
        other => panic!("{:?}", other.err()),
    }
    assert!(!out.exists());
}
