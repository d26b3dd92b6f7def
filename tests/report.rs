//! Figures and report.html written by `alssim run` and `alssim plot`.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn alssim() -> Command {
    let mut c = Command::cargo_bin("alssim").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn run(scenario: &str, out: &Path, extra: &[&str]) {
    let mut args = vec![
        "run".to_string(),
        format!("scenarios/{scenario}.toml"),
        "--patients".into(),
        "120".into(),
        "--quiet".into(),
        "--out".into(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let o = alssim().args(&args).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn png_size(path: &Path) -> (u32, u32) {
    let b = std::fs::read(path).unwrap();
    assert_eq!(
        &b[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    assert_eq!(&b[12..16], b"IHDR");
    let w = u32::from_be_bytes(b[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(b[20..24].try_into().unwrap());
    (w, h)
}

/// Figures expected for a scenario with `arms` arms, with a text each SVG must contain.
fn expected(arms: usize) -> Vec<(&'static str, Vec<&'static str>)> {
    let mut v = vec![
        (
            "alsfrs_fan",
            vec!["ALSFRS-R total (points, 0-48)", "Months since", "median"],
        ),
        ("domain_bulbar", vec!["Bulbar subscore (points, 0-12)"]),
        (
            "domain_fine_motor",
            vec!["Fine-motor subscore (points, 0-12)"],
        ),
        (
            "domain_gross_motor",
            vec!["Gross-motor subscore (points, 0-12)"],
        ),
        (
            "domain_respiratory",
            vec!["Respiratory subscore (points, 0-12)"],
        ),
        (
            "survival",
            vec![
                "Months since enrollment",
                "95% confidence band",
                "Number at risk",
            ],
        ),
        ("nfl", vec!["Serum NfL (pg/mL)", "25th-75th"]),
        ("fvc", vec!["FVC (% predicted)"]),
        (
            "mechanisms_neurons",
            vec!["Neurons (fraction of healthy pool)", "bulbar", "lumbar"],
        ),
        (
            "mechanisms_aggregate",
            vec!["Aggregate (fraction of maximum burden)"],
        ),
        ("mechanisms_oxidative", vec!["Oxidative stress"]),
        (
            "mechanisms_microglia",
            vec!["Microglia (fraction activated)"],
        ),
        (
            "mechanisms_astrocytes",
            vec!["Astrocytes (fraction reactive)"],
        ),
        (
            "mechanisms_glutamate",
            vec!["Glutamate (relative to healthy tissue)"],
        ),
    ];
    if arms > 1 {
        v.push((
            "treatment_effects",
            vec!["survival gained (months)", "Paired differences"],
        ));
        v.push((
            "treatment_effects_alsfrs",
            vec!["at 12 months (points)", "Paired differences"],
        ));
    }
    v
}

/// `treated`: whether some arm has a therapy (else paired effects are all zero).
fn check_folder(dir: &Path, name: &str, arms: usize, treated: bool) {
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains(name), "report.html lacks the scenario name");
    assert!(!html.contains("http://") && !html.contains("https://"));
    assert!(html.contains("data:image/png;base64,"));
    for (fig, texts) in expected(arms) {
        let png = dir.join(format!("{fig}.png"));
        assert_eq!(png_size(&png), (1200, 800), "{fig}");
        let svg = std::fs::read_to_string(dir.join(format!("{fig}.svg"))).unwrap();
        assert!(svg.starts_with("<svg") || svg.contains("<svg"), "{fig}");
        for t in texts {
            let t = t.replace('&', "&amp;");
            assert!(
                svg.to_lowercase().contains(&t.to_lowercase()),
                "{fig}.svg lacks `{t}`"
            );
        }
        assert!(
            html.contains(&format!("id=\"{fig}\"")),
            "report.html lacks {fig}"
        );
    }
    if arms < 2 {
        assert!(!dir.join("treatment_effects.png").exists());
    } else if !treated {
        assert!(
            html.contains("is zero"),
            "report.html does not say effects are zero"
        );
    } else {
        assert!(
            !html.contains("All paired differences are zero"),
            "{name}: a therapy arm reported as identical to control"
        );
    }
    // The drug-effect figure exactly when some arm has a therapy.
    assert_eq!(dir.join("drug_effects.png").exists(), treated, "{name}");
    if treated {
        assert_eq!(png_size(&dir.join("drug_effects.png")), (1200, 800));
        let svg = std::fs::read_to_string(dir.join("drug_effects.svg")).unwrap();
        assert!(svg.contains("Effective drug effect") && svg.contains("glutamate release"));
    }
}

#[test]
fn every_bundled_scenario_gets_figures_and_a_report() {
    let tmp = tempfile::tempdir().unwrap();
    for (scenario, arms) in [
        ("natural-history", 1),
        ("trial-like", 2),
        ("bulbar-onset", 1),
        ("genotype-mix", 1),
        ("tour", 0),
        ("riluzole", 2),
    ] {
        let out = tmp.path().join(scenario);
        run(scenario, &out, &[]);
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap())
                .unwrap();
        let name = manifest["scenario"].as_str().unwrap().to_string();
        let arms = if arms == 0 {
            let csv = std::fs::read_to_string(out.join("patients.csv")).unwrap();
            let mut names: Vec<&str> = csv
                .lines()
                .skip(1)
                .filter_map(|l| l.split(',').nth(1))
                .collect();
            names.sort_unstable();
            names.dedup();
            names.len()
        } else {
            arms
        };
        let treated = !["natural-history", "bulbar-onset", "genotype-mix"].contains(&scenario);
        check_folder(&out, &name, arms, treated);
    }
}

#[test]
fn plot_redraws_from_an_existing_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out: PathBuf = tmp.path().join("tl");
    run("trial-like", &out, &[]);
    std::fs::remove_file(out.join("survival.png")).unwrap();
    std::fs::remove_file(out.join("report.html")).unwrap();
    let o = alssim()
        .args(["plot", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(png_size(&out.join("survival.png")), (1200, 800));
    check_folder(&out, "trial-like", 2, true);

    std::fs::remove_file(out.join("nfl.png")).unwrap();
    std::fs::remove_file(out.join("nfl.svg")).unwrap();
    let o = alssim()
        .args([
            "plot",
            out.to_str().unwrap(),
            "--only",
            "nfl,survival",
            "--format",
            "png",
        ])
        .args(["--width", "600", "--height", "400"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(png_size(&out.join("nfl.png")), (600, 400));
    assert_eq!(png_size(&out.join("survival.png")), (600, 400));
    assert!(!out.join("nfl.svg").exists());
    assert_eq!(png_size(&out.join("fvc.png")), (1200, 800));
    // Nothing is left behind under a temporary name.
    for e in std::fs::read_dir(&out).unwrap() {
        let n = e.unwrap().file_name().to_string_lossy().to_string();
        assert!(!n.starts_with('.'), "{n}");
    }
}

#[test]
fn plot_refuses_a_folder_without_results_and_unknown_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let o = alssim()
        .args(["plot", tmp.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("manifest.json"));
    let o = alssim()
        .args(["plot", tmp.path().to_str().unwrap(), "--only", "nothing"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn no_plots_writes_only_the_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("nh");
    run("natural-history", &out, &["--no-plots"]);
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["manifest.json", "patients.csv", "summary.csv"]);
}

#[test]
fn shards_skip_figures_and_merge_draws_them() {
    let tmp = tempfile::tempdir().unwrap();
    let parts: Vec<PathBuf> = (1..=2).map(|k| tmp.path().join(format!("p{k}"))).collect();
    for (k, p) in parts.iter().enumerate() {
        run("trial-like", p, &["--shard", &format!("{}/2", k + 1)]);
        assert!(!p.join("survival.png").exists());
        assert!(!p.join("report.html").exists());
    }
    let merged = tmp.path().join("merged");
    let o = alssim()
        .args([
            "merge",
            parts[0].to_str().unwrap(),
            parts[1].to_str().unwrap(),
        ])
        .args(["--out", merged.to_str().unwrap(), "--quiet"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    check_folder(&merged, "trial-like", 2, true);
}
