//! Figures and report.html written by `alssim run` and `alssim plot`.

use std::path::{Path, PathBuf};
mod common;
use common::{alssim_at_root, png_size};

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
    let o = alssim_at_root().args(&args).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Runs the scenario file `path` into `out` (quietly, with `extra` options) and checks that
/// it succeeded.
fn run_file(path: &Path, out: &Path, extra: &[&str]) {
    let o = common::alssim()
        .arg("run")
        .arg(path)
        .args(["--quiet", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Figures expected for a scenario with the arms `names`, with a text each SVG must contain.
fn expected(names: &[String]) -> Vec<(String, Vec<&'static str>)> {
    let arms = names.len();
    let v = vec![
        (
            "alsfrs_fan",
            vec!["ALSFRS-R total (points, 0-48)", "Months since", "median"],
        ),
        (
            "domains",
            vec![
                "ALSFRS-R domain subscores",
                "Bulbar",
                "Fine motor",
                "Gross motor",
                "Respiratory",
                "Points (0-12)",
                "Months since",
                "25th-75th",
            ],
        ),
        (
            "survival",
            vec![
                "Months since enrollment",
                "95% confidence band",
                "Number at risk",
                "Censored",
            ],
        ),
        ("nfl", vec!["Serum NfL (pg/mL)", "25th-75th"]),
        ("fvc", vec!["FVC (% predicted)"]),
        (
            "mechanisms_neurons",
            if arms > 1 {
                vec![
                    "Neurons (fraction of healthy pool)",
                    "mean over the four regions per arm",
                ]
            } else {
                vec!["Neurons (fraction of healthy pool)", "bulbar", "lumbar"]
            },
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
    let mut v: Vec<(String, Vec<&str>)> = v.into_iter().map(|(f, t)| (f.to_string(), t)).collect();
    // With more than two arms, one pair per arm after the first, suffixed with its name.
    let suffixes: Vec<String> = match arms {
        0 | 1 => Vec::new(),
        2 => vec![String::new()],
        _ => names[1..].iter().map(|a| format!("_{a}")).collect(),
    };
    for s in suffixes {
        v.push((
            format!("treatment_effects{s}"),
            vec!["survival gained (months)", "Paired differences"],
        ));
        v.push((
            format!("treatment_effects_alsfrs{s}"),
            vec!["at 12 months (points)", "Paired differences"],
        ));
    }
    v
}

/// Arm names in `patients.csv`, in order of first appearance.
fn arm_names(dir: &Path) -> Vec<String> {
    let csv = std::fs::read_to_string(dir.join("patients.csv")).unwrap();
    let mut names: Vec<String> = Vec::new();
    for l in csv.lines().skip(1) {
        let a = l.split(',').nth(1).unwrap().to_string();
        if !names.contains(&a) {
            names.push(a);
        }
    }
    names
}

/// `treated`: whether some arm has a therapy (else paired effects are all zero).
fn check_folder(dir: &Path, name: &str, arms: usize, treated: bool) {
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains(name), "report.html lacks the scenario name");
    assert!(!html.contains("http://") && !html.contains("https://"));
    assert!(html.contains("data:image/png;base64,"));
    let names = arm_names(dir);
    assert_eq!(names.len(), arms, "{name}");
    for (fig, texts) in expected(&names) {
        let png = dir.join(format!("{fig}.png"));
        assert_eq!(png_size(&png), (1200, 800), "{fig}");
        // A blank 1200 x 800 PNG compresses to a few kB; text, axes and data take more.
        let bytes = std::fs::metadata(&png).unwrap().len();
        assert!(bytes > 20_000, "{name}: {fig}.png has only {bytes} bytes");
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
    // The four domains in one figure, the numbers at risk of every arm under the survival
    // curves, and the fan against the other time origin only with trajectories.
    for d in ["bulbar", "fine_motor", "gross_motor", "respiratory"] {
        assert!(!dir.join(format!("domain_{d}.png")).exists(), "{name}");
    }
    let survival = std::fs::read_to_string(dir.join("survival.svg")).unwrap();
    for arm in &names {
        assert!(
            survival.contains(arm),
            "{name}: survival.svg lacks arm {arm}"
        );
    }
    assert!(!survival.contains("Number at risk at month"));
    if dir.join("trajectories.parquet").exists() {
        assert_eq!(png_size(&dir.join("alsfrs_fan_onset.png")), (1200, 800));
        let svg = std::fs::read_to_string(dir.join("alsfrs_fan_onset.svg")).unwrap();
        assert!(
            svg.contains("Months since onset") && svg.contains("ALSFRS-R total (points, 0-48)")
        );
        assert!(html.contains("id=\"alsfrs_fan_onset\""));
        assert!(!html.contains("run with --trajectories"));
    } else {
        assert!(!dir.join("alsfrs_fan_onset.png").exists());
        assert!(
            html.contains("run with --trajectories to draw alsfrs_fan_onset"),
            "{name}: report.html does not say the fan since onset needs trajectories"
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
        ("combinations", 5),
    ] {
        let out = tmp.path().join(scenario);
        run(scenario, &out, &[]);
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap())
                .unwrap();
        let name = manifest["scenario"].as_str().unwrap().to_string();
        let arms = if arms == 0 {
            arm_names(&out).len()
        } else {
            assert_eq!(arm_names(&out).len(), arms, "{scenario}");
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
    let o = alssim_at_root()
        .args(["plot", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(png_size(&out.join("survival.png")), (1200, 800));
    check_folder(&out, "trial-like", 2, true);

    std::fs::remove_file(out.join("nfl.png")).unwrap();
    std::fs::remove_file(out.join("nfl.svg")).unwrap();
    let o = alssim_at_root()
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
    let o = alssim_at_root()
        .args(["plot", tmp.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("manifest.json"));
    let o = alssim_at_root()
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
    assert_eq!(
        names,
        [
            "manifest.json",
            "patients.csv",
            "sample_trajectories.csv",
            "summary.csv"
        ]
    );
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
    let o = alssim_at_root()
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

#[test]
fn trajectories_add_the_fan_against_the_other_time_origin() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("tl");
    run("trial-like", &out, &["--trajectories"]);
    check_folder(&out, "trial-like", 2, true);
    // Individual courses are drawn faintly behind the fan, from the trajectories.
    let svg = std::fs::read_to_string(out.join("alsfrs_fan.svg")).unwrap();
    assert!(svg.contains("Thin pale lines: the rated course"));
    // `--only` takes the figure name and its group; the redraw keeps the report complete.
    for only in ["alsfrs_fan_onset", "alsfrs_fan", "domains"] {
        for f in ["alsfrs_fan_onset.png", "domains.png"] {
            let _ = std::fs::remove_file(out.join(f));
        }
        let o = alssim_at_root()
            .args([
                "plot",
                out.to_str().unwrap(),
                "--only",
                only,
                "--format",
                "png",
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(
            out.join("alsfrs_fan_onset.png").exists(),
            only != "domains",
            "--only {only}"
        );
        assert_eq!(out.join("domains.png").exists(), only == "domains");
    }
    // The old names of the four domain figures are refused.
    let o = alssim_at_root()
        .args(["plot", out.to_str().unwrap(), "--only", "domain_bulbar"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));

    // Visits counted from onset: the other origin is enrollment.
    let scenario = tmp.path().join("nh-onset.toml");
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/natural-history.toml"),
    )
    .unwrap();
    std::fs::write(
        &scenario,
        text.replace("visits-from = \"enrollment\"", "visits-from = \"onset\""),
    )
    .unwrap();
    let out = tmp.path().join("nh-onset");
    let o = alssim_at_root()
        .arg("run")
        .arg(&scenario)
        .args(["--patients", "120", "--quiet", "--trajectories", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        png_size(&out.join("alsfrs_fan_enrollment.png")),
        (1200, 800)
    );
    assert!(!out.join("alsfrs_fan_onset.png").exists());
    let svg = std::fs::read_to_string(out.join("alsfrs_fan_enrollment.svg")).unwrap();
    assert!(svg.contains("Months since enrollment") && !svg.contains("Months since onset"));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("id=\"alsfrs_fan_enrollment\""));
}

#[test]
fn plot_names_the_file_row_and_column_of_a_cell_that_does_not_read() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("nh");
    run("natural-history", &out, &["--no-plots"]);
    let path = out.join("patients.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let column = header
        .iter()
        .position(|c| *c == "follow_up_months")
        .unwrap();
    // The third data row gets a follow-up that is not a number.
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut cells: Vec<&str> = lines[3].split(',').collect();
    cells[column] = "soon";
    lines[3] = cells.join(",");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let o = alssim_at_root()
        .args(["plot", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("patients.csv") && err.contains("row 3") && err.contains("`follow_up_months`"),
        "{err}"
    );
    assert!(!out.join("report.html").exists());
}

#[test]
fn plot_reads_a_manifest_written_before_arms_description_and_visit_origin() {
    let tmp = tempfile::tempdir().unwrap();
    let (new, old) = (tmp.path().join("new"), tmp.path().join("old"));
    run("trial-like", &new, &[]);
    run("trial-like", &old, &["--no-plots"]);
    let path = old.join("manifest.json");
    let mut m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(m["arms"], serde_json::json!(["placebo", "riluzole"]));
    for key in ["arms", "description", "visits_from"] {
        m.as_object_mut().unwrap().remove(key).unwrap();
    }
    std::fs::write(&path, serde_json::to_string_pretty(&m).unwrap()).unwrap();
    let o = alssim_at_root()
        .args(["plot", old.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The same figures as from the full manifest.
    for f in ["survival.svg", "alsfrs_fan.svg", "treatment_effects.svg"] {
        assert_eq!(
            std::fs::read(new.join(f)).unwrap(),
            std::fs::read(old.join(f)).unwrap(),
            "{f}"
        );
    }
    let html = std::fs::read_to_string(old.join("report.html")).unwrap();
    assert!(html.contains("<h1>Scenario trial-like</h1>"));
    assert!(html.contains("Months since enrollment") || html.contains("months since enrollment"));
}

/// Every patient's paired benefit is in `patients.csv`, equal to the difference of the two
/// arms' follow-up; a drug that cannot act in a patient gives exactly zero; report.html and
/// `alssim whatif` say who benefits, and a drug restricted to SOD1 carriers is told apart by
/// genotype.
#[test]
fn paired_benefits_are_recorded_and_the_report_says_who_benefits() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = common::write_scenario(
        dir.path(),
        r#"
[scenario]
name = "who-benefits"

[simulation]
horizon-months = 120

[population]
size = 120
seed = 11
enrollment = { at = "diagnosis" }

[population.covariates]
genotype = { sporadic = 0.5, sod1 = 0.5 }

[[arm]]
name = "control"

[[arm]]
name = "untreated-too"

[[arm]]
name = "tofersen"
therapies = [{ drug = "tofersen" }]

[[arm]]
name = "riluzole"
therapies = [{ drug = "riluzole" }]
"#,
    );
    let out = dir.path().join("out");
    run_file(&scenario, &out, &[]);
    let p = alssim::results::patients::read_patients(&out.join("patients.csv")).unwrap();
    let control: std::collections::HashMap<u64, &alssim::results::PatientRow> = p
        .rows
        .iter()
        .filter(|r| r.arm == "control")
        .map(|r| (r.index, r))
        .collect();
    let (mut carriers_helped, mut others) = (0, 0);
    for r in &p.rows {
        if r.arm == "control" {
            assert_eq!(r.benefit_survival_months, None);
            assert_eq!(r.benefit_alsfrs_r_12, None);
            continue;
        }
        let b = control[&r.index];
        let gain = r.benefit_survival_months.expect("a survival benefit");
        assert!(
            (gain - (r.follow_up_months - b.follow_up_months)).abs() < 1e-9,
            "patient {} arm {}: {gain} against the follow-up difference",
            r.index,
            r.arm
        );
        // Alive at month 12 in both arms exactly when the ALSFRS-R benefit exists.
        let alive = |x: &alssim::results::PatientRow| x.follow_up_months > 12.0;
        assert_eq!(
            r.benefit_alsfrs_r_12.is_some(),
            alive(r) && alive(b),
            "patient {} arm {}",
            r.index,
            r.arm
        );
        if r.arm == "untreated-too" || (r.arm == "tofersen" && r.genotype != "sod1") {
            assert_eq!(gain, 0.0, "patient {} arm {}", r.index, r.arm);
            assert!(r.benefit_alsfrs_r_12.is_none_or(|a| a == 0.0));
            others += 1;
        } else if r.arm == "tofersen" && gain > 1.0 {
            carriers_helped += 1;
        }
    }
    assert!(
        others > 100 && carriers_helped > 10,
        "{others} {carriers_helped}"
    );
    // The report's section names the treated arms, not the arm without therapy.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("id=\"who-benefits\""));
    assert!(html.contains("tofersen against control") && html.contains("riluzole against control"));
    assert!(!html.contains("untreated-too against control"));
    assert!(html.contains("<td>genotype = sod1</td>"));
    // The responder analysis tells the SOD1 drug's benefit apart by genotype.
    let data = alssim::results::ResultData::read(&out).unwrap();
    // Keeping some patients keeps each row's parameter values with it.
    let mut carriers = data.clone();
    carriers.retain_patients(|p| p.genotype == "sod1");
    assert!(!carriers.patients.is_empty() && carriers.patients.len() < data.patients.len());
    assert_eq!(carriers.patients.len(), carriers.parameter_values.len());
    for (row, values) in carriers.patients.iter().zip(&carriers.parameter_values) {
        let k = data
            .patients
            .iter()
            .position(|p| p.index == row.index && p.arm == row.arm)
            .unwrap();
        assert_eq!(values, &data.parameter_values[k]);
    }
    let est = alssim::results::Estimates::new(&data);
    // The treatment-effect histograms read the recorded rated differences, not a projection.
    let effect = est.effects.iter().find(|e| e.arm == "riluzole").unwrap();
    assert!(!effect.projected);
    let mut recorded: Vec<f64> = data
        .patients
        .iter()
        .filter(|p| p.arm == "riluzole")
        .filter_map(|p| p.benefit_alsfrs_r_12)
        .collect();
    let mut drawn = effect.alsfrs.values.clone();
    recorded.sort_by(f64::total_cmp);
    drawn.sort_by(f64::total_cmp);
    assert_eq!(drawn, recorded);
    let tofersen = est.responders.iter().find(|r| r.arm == "tofersen").unwrap();
    let (c, best, worst) = tofersen.widest_category().unwrap();
    assert_eq!(
        (c.name.as_str(), best.value.as_str(), worst.value.as_str()),
        ("genotype", "sod1", "sporadic")
    );
    assert_eq!(worst.mean_survival, 0.0);
    assert!(tofersen.numeric.iter().any(|p| p.name == "hazard_soluble"));
}

/// The combination check follows the declared interaction of two drugs on the same target:
/// independence lands on the Bliss expectation, antagonism below it and synergy above it.
#[test]
fn combinations_are_told_apart_from_the_bliss_expectation() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(
        r#"
[scenario]
name = "combinations"

[simulation]
horizon-months = 120

[population]
size = 150
seed = 4
enrollment = { at = "diagnosis" }

[[arm]]
name = "control"

[[arm]]
name = "masitinib"
therapies = [{ drug = "masitinib" }]

[[arm]]
name = "zilucoplan"
therapies = [{ drug = "zilucoplan" }]
"#,
    );
    for (name, interaction) in [
        ("independent", 1.0),
        ("antagonistic", 0.0),
        ("synergistic", 3.0),
    ] {
        text.push_str(&format!(
            "\n[[arm]]\nname = \"{name}\"\ntherapies = [{{ drug = \"masitinib\" }}, {{ drug = \"zilucoplan\" }}]\ninteraction = {interaction:?}\n"
        ));
    }
    let scenario = common::write_scenario(dir.path(), &text);
    let out = dir.path().join("out");
    run_file(&scenario, &out, &["--no-plots"]);
    let data = alssim::results::ResultData::read(&out).unwrap();
    let singles = ["masitinib".to_string(), "zilucoplan".to_string()];
    let check =
        |arm: &str| alssim::results::responders::combination_check(&data, arm, &singles).unwrap();
    let independent = check("independent");
    let antagonistic = check("antagonistic");
    let synergistic = check("synergistic");
    assert!(independent.n > 100);
    assert_eq!(
        independent.verdict(0.05),
        "as Bliss expects (independent action)",
        "{independent:?}"
    );
    assert_eq!(
        antagonistic.verdict(0.05),
        "less than Bliss (antagonism)",
        "{antagonistic:?}"
    );
    assert_eq!(
        synergistic.verdict(0.05),
        "more than Bliss (synergy)",
        "{synergistic:?}"
    );
    // The expectations come from the single arms alone, so they are the same for all three.
    assert_eq!(independent.bliss, synergistic.bliss);
    assert_eq!(independent.additive, antagonistic.additive);
    // A missing single arm gives no check.
    assert!(
        alssim::results::responders::combination_check(&data, "independent", &["riluzole".into()])
            .is_none()
    );
}
