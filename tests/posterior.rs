//! `alssim calibrate --posterior` on a reduced run: reproducible for any thread count, across
//! interruptions and across shards; its checkpoint refuses another run's options; and
//! `alssim whatif --uncertainty` reports credible intervals.

mod common;
use common::{alssim, root};
use std::path::Path;

const SMALL: [&str; 10] = [
    "--particles",
    "12",
    "--generations",
    "3",
    "--sweeps",
    "2",
    "--patients",
    "100",
    "--seed",
    "11",
];

fn calibrate(dir: &Path, out: &str, extra: &[&str]) -> std::process::Output {
    alssim()
        .current_dir(dir)
        .args(["calibrate", "--posterior", "--out", out])
        .args(SMALL)
        .args(extra)
        .output()
        .unwrap()
}

fn ok(o: &std::process::Output) -> String {
    assert!(
        o.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn the_posterior_is_the_same_for_any_threads_interruption_or_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let text = ok(&calibrate(d, "a", &["--threads", "2"]));
    assert!(text.contains("posterior: 6 particles after "), "{text}");
    let a = std::fs::read(d.join("a/posterior.csv")).unwrap();
    // One thread, stopped after each generation and resumed.
    let first = ok(&calibrate(d, "b", &["--threads", "1", "--steps", "1"]));
    assert!(first.contains("stopped after 1 generation"), "{first}");
    assert!(!d.join("b").exists());
    let second = ok(&calibrate(d, "b", &["--threads", "1", "--steps", "1"]));
    assert!(second.contains("resuming"), "{second}");
    ok(&calibrate(d, "b", &["--threads", "1"]));
    assert_eq!(std::fs::read(d.join("b/posterior.csv")).unwrap(), a);
    // Shards of the first generation, then pooled by a plain run.
    let s1 = ok(&calibrate(d, "c", &["--shard", "1/2"]));
    assert!(s1.contains("shard 1 of 2 of generation 0"), "{s1}");
    ok(&calibrate(d, "c", &["--shard", "2/2"]));
    ok(&calibrate(d, "c", &[]));
    assert_eq!(std::fs::read(d.join("c/posterior.csv")).unwrap(), a);
    // The result: provenance, then every kept particle with its weight and values.
    let text = String::from_utf8(a).unwrap();
    assert!(text.starts_with("# alssim "), "{text}");
    let rows: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert!(rows[0].starts_with("generation,index,seed,distance,weight,agg_growth_rate,"));
    assert_eq!(rows.len(), 1 + 6);
    let md = std::fs::read_to_string(d.join("a/posterior.md")).unwrap();
    assert!(md.contains("| `hazard_lof` | log-uniform |"), "{md}");
    assert!(md.contains("shrinkage"), "{md}");
    // Generations that lowered the tolerance, each followed by a sweep, then the two final
    // sweeps at the last tolerance.
    let lower = md.matches("| lower |").count();
    assert!(lower >= 2, "{md}");
    assert_eq!(md.matches("| sweep |").count(), (lower - 1) + 2, "{md}");
    assert!(md.contains("distinct parameter sets"), "{md}");
}

#[test]
fn a_checkpoint_of_another_run_or_foreign_folder_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(&calibrate(d, "a", &["--steps", "1"]));
    // Other options: refused, and nothing of the checkpoint changes.
    let before = std::fs::read(d.join("a-checkpoint/generation-000.csv")).unwrap();
    let o = alssim()
        .current_dir(d)
        .args([
            "calibrate",
            "--posterior",
            "--out",
            "a",
            "--particles",
            "20",
        ])
        .args(&SMALL[2..])
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("belongs to a run with other options"), "{err}");
    assert_eq!(
        std::fs::read(d.join("a-checkpoint/generation-000.csv")).unwrap(),
        before
    );
    // A folder that is not a checkpoint is never written into.
    std::fs::create_dir(d.join("mine")).unwrap();
    std::fs::write(d.join("mine/notes.txt"), "keep").unwrap();
    let o = calibrate(d, "x", &["--checkpoint", "mine"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a checkpoint"));
    assert_eq!(std::fs::read_dir(d.join("mine")).unwrap().count(), 1);
    // Posterior options without --posterior, and point-fit options with it, are bad usage,
    // not ignored.
    for args in [
        &["--shard", "1/2"][..],
        &["--particles", "20"],
        &["--posterior", "--max-evaluations", "5"],
    ] {
        let o = alssim()
            .current_dir(d)
            .arg("calibrate")
            .args(args)
            .args(["--out", "y"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("--posterior"),
            "{args:?}"
        );
        assert!(!d.join("y").exists());
    }
}

#[test]
fn whatif_with_uncertainty_gives_credible_intervals() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |threads: &str, out: &str| {
        let o = alssim()
            .current_dir(tmp.path())
            .args(["whatif", "riluzole", "--patients", "200", "--no-plots"])
            .args(["--uncertainty", "4", "--threads", threads, "--out", out])
            .output()
            .unwrap();
        ok(&o)
    };
    let text = run("2", "w");
    assert!(
        text.contains("4 parameter sets drawn from the posterior, 200 patients each"),
        "{text}"
    );
    let line = text
        .lines()
        .find(|l| l.starts_with("riluzole ") && l.contains(" to "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.contains(": includes 0") || line.contains(": excludes 0"),
        "{line}"
    );
    let csv = std::fs::read_to_string(tmp.path().join("w/uncertainty.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 4 * 2);
    // Control rows differ from themselves by zero; draws differ in parameters.
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    for r in rows.iter().filter(|r| r[3] == "control") {
        assert_eq!(r[6], "0", "{r:?}");
    }
    let medians: std::collections::HashSet<&str> = rows.iter().map(|r| r[4]).collect();
    assert!(medians.len() > 2, "{csv}");
    run("1", "w1");
    assert_eq!(
        std::fs::read(tmp.path().join("w1/uncertainty.csv")).unwrap(),
        csv.into_bytes()
    );
    // --quiet prints nothing more, but the draws are still run and written.
    let o = alssim()
        .current_dir(tmp.path())
        .args([
            "whatif",
            "riluzole",
            "--patients",
            "200",
            "--no-plots",
            "--quiet",
        ])
        .args(["--uncertainty", "2", "--out", "q"])
        .output()
        .unwrap();
    assert!(!ok(&o).contains("parameter sets"));
    let quiet = std::fs::read_to_string(tmp.path().join("q/uncertainty.csv")).unwrap();
    assert_eq!(quiet.lines().count(), 1 + 2 * 2);
}

#[test]
fn validate_with_uncertainty_runs_the_posterior_predictive_check() {
    let tmp = tempfile::tempdir().unwrap();
    let o = alssim()
        .current_dir(tmp.path())
        .args([
            "validate",
            "--patients",
            "300",
            "--no-plots",
            "--uncertainty",
            "3",
        ])
        .args(["--out", "v"])
        .output()
        .unwrap();
    // The exit code is the validation's at the defaults (300 patients may miss a target).
    assert!(matches!(o.status.code(), Some(0 | 3)), "{o:?}");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("posterior predictive check"), "{text}");
    assert!(
        text.contains("  fit set: ") && text.contains("  validation set: "),
        "{text}"
    );
    let csv = std::fs::read_to_string(tmp.path().join("v/predictive.csv")).unwrap();
    assert!(csv.starts_with("id,class,set,published,predictive_low,predictive_median,predictive_high,draws,contains_published\n"));
    assert_eq!(
        csv.lines().count(),
        1 + alssim::calibrate::targets::bundled().len()
    );
    let median = csv
        .lines()
        .find(|l| l.starts_with("median-survival-from-onset,"))
        .unwrap();
    let f: Vec<&str> = median.split(',').collect();
    let (lo, mid, hi): (f64, f64, f64) = (
        f[4].parse().unwrap(),
        f[5].parse().unwrap(),
        f[6].parse().unwrap(),
    );
    assert!(lo <= mid && mid <= hi && lo > 10.0 && hi < 80.0, "{median}");
    assert_eq!(f[7], "3");
    let md = std::fs::read_to_string(tmp.path().join("v/validation.md")).unwrap();
    assert!(md.contains("## Posterior predictive check"), "{md}");
}

#[test]
fn run_with_uncertainty_writes_intervals_and_a_band_figure() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = root().join("scenarios/riluzole.toml");
    let o = alssim()
        .current_dir(tmp.path())
        .arg("run")
        .arg(&scenario)
        .args(["--patients", "150", "--uncertainty", "3", "--out", "r"])
        .output()
        .unwrap();
    let text = ok(&o);
    assert!(
        text.contains("3 parameter sets drawn from the posterior"),
        "{text}"
    );
    assert!(tmp.path().join("r/uncertainty.csv").exists());
    assert!(tmp.path().join("r/uncertainty-survival.png").exists());
    // The report says whether each difference's interval includes zero.
    let html = std::fs::read_to_string(tmp.path().join("r/report.html")).unwrap();
    assert!(
        html.contains("<h2 id=\"uncertainty\">"),
        "report without the section"
    );
    assert!(html.contains(": includes 0") || html.contains(": excludes 0"));
    // Not with a shard: the intervals need the whole cohort.
    let o = alssim()
        .current_dir(tmp.path())
        .arg("run")
        .arg(&scenario)
        .args(["--uncertainty", "3", "--shard", "1/2"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn trial_with_uncertainty_reports_power_and_estimates_against_no_effect() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = root().join("scenarios/trial-riluzole-bensimon.toml");
    let o = alssim()
        .current_dir(tmp.path())
        .arg("trial")
        .arg(&scenario)
        .args([
            "--replicates",
            "3",
            "--uncertainty",
            "2",
            "--no-plots",
            "--out",
            "t",
        ])
        .output()
        .unwrap();
    let text = ok(&o);
    assert!(
        text.contains("2 parameter sets drawn from the posterior, 3 trial(s) each"),
        "{text}"
    );
    // A hazard ratio is compared with 1, a difference with 0.
    let survival = text
        .lines()
        .find(|l| l.contains(", survival: power"))
        .unwrap();
    assert!(survival.contains("cludes 1 (no effect: 1)"), "{survival}");
    let slope = text
        .lines()
        .find(|l| l.contains(", alsfrs-slope: power"))
        .unwrap();
    assert!(slope.contains("cludes 0 (no effect: 0)"), "{slope}");
    let csv = std::fs::read_to_string(tmp.path().join("t/uncertainty.csv")).unwrap();
    assert!(csv.starts_with("draw,particle,seed,sample_size,endpoint,arm,power,estimate_mean\n"));
    assert_eq!(csv.lines().count(), 1 + 2 * 2);
    let html = std::fs::read_to_string(tmp.path().join("t/report.html")).unwrap();
    assert!(
        html.contains("<h2 id=\"uncertainty\">"),
        "report without the section"
    );
    assert!(html.contains("(no effect: 1)</li>"));
}

#[test]
fn a_priors_file_narrows_the_search_and_a_bad_one_is_reported_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // The bundled priors with agg_growth_rate narrowed to a factor of 1.1 around its default.
    let bundled = alssim::calibrate::priors::PRIORS_TOML;
    let narrow = bundled.replacen(
        "name = \"agg_growth_rate\"\nkind = \"log-uniform\"\nrange = [0.09, 0.36]",
        "name = \"agg_growth_rate\"\nkind = \"log-uniform\"\nrange = [0.182, 0.201]",
        1,
    );
    assert_ne!(narrow, bundled, "the bundled agg_growth_rate prior changed");
    std::fs::write(d.join("narrow.toml"), &narrow).unwrap();
    ok(&calibrate(d, "n", &["--priors", "narrow.toml"]));
    let text = std::fs::read_to_string(d.join("n/posterior.csv")).unwrap();
    for row in text.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let x: f64 = row.split(',').nth(5).unwrap().parse().unwrap();
        assert!((0.182..=0.201).contains(&x), "{row}");
    }
    // Every problem of a bad file is listed, with the file's name.
    let bad = narrow
        .replacen("range = [0.182, 0.201]", "range = [0.5, 0.6]", 1)
        .replacen("name = \"hazard_lof\"", "name = \"hazard_loff\"", 1);
    std::fs::write(d.join("bad.toml"), bad).unwrap();
    let o = calibrate(d, "b", &["--priors", "bad.toml"]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.toml"), "{err}");
    assert!(err.contains("does not contain the default"), "{err}");
    assert!(err.contains("hazard_loff"), "{err}");
}
