//! Morris screening: the design, the ranking on functions with a known answer, and
//! `alssim sensitivity` end to end.

use alssim::calibrate::sensitivity::{MorrisDesign, morris, ranks};
mod common;
use common::alssim;

const TOL: f64 = 1e-12;

/// Runs `alssim` with `args` and `out` last, expecting success; its standard output.
fn stdout_of(args: &[&str], out: &std::path::Path) -> String {
    let output = alssim()
        .args(args)
        .arg(out)
        .assert()
        .success()
        .get_output()
        .clone();
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn each_trajectory_moves_every_factor_once_by_delta_on_the_grid() {
    for &(k, r, p, seed) in &[
        (1, 2, 2, 0),
        (3, 5, 4, 1),
        (7, 20, 4, 42),
        (12, 8, 6, 7),
        (26, 10, 4, 20261121),
    ] {
        let design = MorrisDesign::new(k, r, p, seed).unwrap();
        let delta = design.delta();
        assert!((delta - p as f64 / (2.0 * (p as f64 - 1.0))).abs() < TOL);
        let trajectories = design.trajectories();
        assert_eq!(trajectories.len(), r);
        let (mut ups, mut downs) = (0, 0);
        for t in &trajectories {
            assert_eq!(t.points.len(), k + 1);
            assert_eq!(t.order.len(), k);
            // Every coordinate in [0, 1] and on the grid {0, 1/(p−1), ..., 1}.
            for x in &t.points {
                assert_eq!(x.len(), k);
                for &xi in x {
                    assert!((0.0..=1.0).contains(&xi), "{xi} outside [0, 1]");
                    let level = xi * (p - 1) as f64;
                    assert!((level - level.round()).abs() < TOL, "{xi} off the grid");
                }
            }
            // Every factor moves exactly once.
            let mut seen = vec![false; k];
            for (j, &i) in t.order.iter().enumerate() {
                assert!(!seen[i], "factor {i} moved twice");
                seen[i] = true;
                let (a, b) = (&t.points[j], &t.points[j + 1]);
                for m in 0..k {
                    let d = b[m] - a[m];
                    if m == i {
                        assert!((d.abs() - delta).abs() < TOL, "step {d}, expected ±{delta}");
                        if d > 0.0 {
                            ups += 1;
                        } else {
                            downs += 1;
                        }
                    } else {
                        assert!(d.abs() < TOL, "factor {m} moved with factor {i}");
                    }
                }
            }
            assert!(seen.iter().all(|&s| s));
        }
        if k * r >= 20 {
            assert!(ups > 0 && downs > 0, "both directions occur");
        }
        // Reproducible from the seed, different for another seed.
        assert_eq!(design.trajectories(), trajectories);
        let other = MorrisDesign::new(k, r, p, seed + 1).unwrap().trajectories();
        if k * r >= 6 {
            assert_ne!(other, trajectories);
        }
    }
}

#[test]
fn linear_function_gives_its_coefficients_exactly() {
    // y = 10 x1 + 1 x2 + 0 x3: every elementary effect is the coefficient.
    let design = MorrisDesign::new(3, 10, 4, 3).unwrap();
    let result = morris(&design, 1, |x| vec![10.0 * x[0] + x[1] + 0.0 * x[2]]);
    let s = &result.summary[0];
    for (e, want) in s.iter().zip([10.0, 1.0, 0.0]) {
        assert!((e.mu_star - want).abs() < 1e-9, "{e:?}");
        assert!((e.mu - want).abs() < 1e-9, "{e:?}");
        assert!(e.sigma.abs() < 1e-9, "{e:?}");
        assert_eq!(e.n_effects, 10);
        assert_eq!(e.failed, 0);
    }
    assert_eq!(ranks(s), vec![1, 2, 3]);
    assert_eq!(result.failed_evaluations, 0);
    assert_eq!(result.outputs.iter().map(Vec::len).sum::<usize>(), 40);
}

#[test]
fn sobol_g_function_is_ranked_by_its_known_importance() {
    // g(x) = Π (|4 x_i − 2| + a_i) / (1 + a_i): the smaller a_i, the more important x_i
    // (Saltelli & Sobol 1995). Factors listed out of order to check that the ranking is earned.
    let a = [9.0, 0.0, 99.0, 1.0, 4.5, 99.0];
    let g = |x: &[f64]| {
        vec![
            x.iter()
                .zip(a)
                .map(|(xi, ai)| ((4.0 * xi - 2.0).abs() + ai) / (1.0 + ai))
                .product::<f64>(),
        ]
    };
    let design = MorrisDesign::new(a.len(), 40, 4, 11).unwrap();
    let result = morris(&design, 1, g);
    let s = &result.summary[0];
    let rank = ranks(s);
    assert_eq!(&rank[..2], &[4, 1], "{s:?}");
    assert_eq!(rank[3], 2, "{s:?}");
    assert_eq!(rank[4], 3, "{s:?}");
    // The two unimportant factors (a = 99) have the smallest μ*, far below the leader.
    assert!(rank[2] >= 5 && rank[5] >= 5, "{rank:?}");
    assert!(s[2].mu_star < 0.05 * s[1].mu_star && s[5].mu_star < 0.05 * s[1].mu_star);
    // The leading factor's effects change sign (|4x − 2| falls then rises), so they partly
    // cancel in μ; μ* does not let them cancel, which is why it ranks the factors.
    assert!(s[1].mu.abs() < s[1].mu_star);
}

#[test]
fn failed_evaluations_drop_only_the_effects_they_touch() {
    let design = MorrisDesign::new(4, 6, 4, 5).unwrap();
    let mut calls = 0;
    let result = morris(&design, 2, |x| {
        calls += 1;
        // The first point of every trajectory fails for the second outcome only.
        let second = if calls % 5 == 1 {
            f64::NAN
        } else {
            x[0] - 2.0 * x[3]
        };
        vec![x[0] + x[1], second]
    });
    assert_eq!(calls, 30);
    assert_eq!(result.failed_evaluations, 6);
    // The first outcome is untouched.
    assert!(result.summary[0].iter().all(|e| e.n_effects == 6));
    // For the second, each trajectory loses the effect of the factor moved first.
    let kept: usize = result.summary[1].iter().map(|e| e.n_effects).sum();
    let failed: usize = result.summary[1].iter().map(|e| e.failed).sum();
    assert_eq!((kept, failed), (18, 6));
    for e in &result.summary[1] {
        assert!(e.n_effects == 0 || e.mu_star.is_finite());
    }
}

#[test]
fn the_command_writes_the_table_with_finite_values() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sens");
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/natural-history.toml"
    );
    let args = [
        "sensitivity",
        scenario,
        "--params",
        "agg_growth_rate,neuronal_vulnerability,hazard_soluble",
        "--trajectories",
        "2",
        "--patients",
        "50",
        "--threads",
        "2",
        "--out",
    ];
    let stdout = stdout_of(&args, &out);
    assert!(stdout.contains("3 factors, 2 trajectories"), "{stdout}");
    assert!(stdout.contains("Median survival from onset"), "{stdout}");

    let csv = std::fs::read_to_string(out.join("sensitivity.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        &header[..7],
        &[
            "factor",
            "group",
            "outcome",
            "mu_star",
            "mu",
            "sigma",
            "n_effects"
        ]
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 6, "3 factors × 2 outcomes");
    for r in &rows {
        assert_eq!(r.len(), header.len());
        for c in 3..6 {
            let v: f64 = r[c]
                .parse()
                .unwrap_or_else(|_| panic!("`{}` in {r:?}", r[c]));
            assert!(v.is_finite());
        }
        assert_eq!(r[6], "2");
    }
    for outcome in ["median_survival_from_onset", "slope_mean_24"] {
        assert_eq!(rows.iter().filter(|r| r[2] == outcome).count(), 3);
    }
    let md = std::fs::read_to_string(out.join("sensitivity.md")).unwrap();
    assert!(md.contains("| rank | factor |"));
    assert!(out.join("evaluations.csv").exists());

    // The same on one thread, byte for byte.
    let serial = tmp.path().join("serial");
    alssim()
        .args(&args[..args.len() - 3])
        .args(["--threads", "1", "--quiet", "--out"])
        .arg(&serial)
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(serial.join("sensitivity.csv")).unwrap(),
        csv
    );

    // An existing folder is kept unless --force; an unknown name is a usage error.
    alssim().args(args).arg(&out).assert().failure();
    let refused = alssim()
        .args([
            "sensitivity",
            scenario,
            "--params",
            "agg_growth_rat",
            "--out",
        ])
        .arg(tmp.path().join("other"))
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8(refused.stderr).unwrap();
    assert!(
        stderr.contains("did you mean `agg_growth_rate`"),
        "{stderr}"
    );
}

#[test]
fn sobol_indices_are_written_on_request() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sobol");
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/natural-history.toml"
    );
    let stdout = stdout_of(
        &[
            "sensitivity",
            scenario,
            "--params",
            "agg_growth_rate,hazard_soluble",
            "--trajectories",
            "2",
            "--patients",
            "40",
            "--sobol",
            "8",
            "--threads",
            "2",
            "--out",
        ],
        &out,
    );
    assert!(
        stdout.contains("Sobol, Median survival from onset"),
        "{stdout}"
    );
    let csv = std::fs::read_to_string(out.join("sobol.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    // Two outcomes × two parameters, each with finite indices.
    assert_eq!(rows.len(), 4, "{csv}");
    for r in rows {
        let cells: Vec<&str> = r.split(',').collect();
        assert!(
            cells[3].parse::<f64>().is_ok() && cells[4].parse::<f64>().is_ok(),
            "{r}"
        );
    }
    let md = std::fs::read_to_string(out.join("sensitivity.md")).unwrap();
    assert!(md.contains("## Sobol indices"));
}

#[test]
fn resistance_parameters_of_a_treated_arm_are_screened() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sens");
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/resistance.toml");
    let stdout = stdout_of(
        &[
            "sensitivity",
            scenario,
            "--arm",
            "riluzole",
            "--params",
            "resistance",
            "--trajectories",
            "3",
            "--patients",
            "100",
            "--out",
        ],
        &out,
    );
    // Riluzole carries two terms of four fields each.
    assert!(stdout.contains("arm `riluzole`: 8 factors"), "{stdout}");
    let csv = std::fs::read_to_string(out.join("sensitivity.csv")).unwrap();
    let row = |factor: &str, outcome: &str| -> Vec<f64> {
        let r: Vec<&str> = csv
            .lines()
            .map(|l| l.split(',').collect::<Vec<_>>())
            .find(|r| r[0] == factor && r[2] == outcome)
            .unwrap_or_else(|| panic!("{factor} {outcome} in\n{csv}"));
        assert_eq!(r[1], "resistance");
        r[3..6].iter().map(|v| v.parse().unwrap()).collect()
    };
    // More of the CNS ratio lost to efflux shortens survival on the drug, in every trajectory
    // (μ = −μ*); the washout of a term that never rebounds, with the drug never restarted,
    // changes nothing.
    let ceiling = row(
        "riluzole.efflux-induction.ceiling",
        "median_survival_from_onset",
    );
    assert!(
        ceiling[0] > 0.0 && (ceiling[1] + ceiling[0]).abs() < 1e-12,
        "{ceiling:?}"
    );
    let washout = row(
        "riluzole.efflux-induction.washout-months",
        "median_survival_from_onset",
    );
    assert_eq!(washout[0], 0.0);
    let md = std::fs::read_to_string(out.join("sensitivity.md")).unwrap();
    assert!(md.contains("(arm `riluzole`)"));

    // Named one by one; a term the arm's drugs lack, a field that does not exist, an arm that
    // does not exist and `resistance` on an untreated arm are usage errors saying what is
    // accepted.
    let refused = |extra: &[&str]| -> String {
        let o = alssim()
            .args([
                "sensitivity",
                scenario,
                "--trajectories",
                "2",
                "--patients",
                "20",
            ])
            .args(extra)
            .arg("--out")
            .arg(tmp.path().join("refused"))
            .assert()
            .code(2)
            .get_output()
            .clone();
        String::from_utf8(o.stderr).unwrap()
    };
    let e = refused(&["--params", "riluzole.efflux-induction.ceiling"]);
    assert!(e.contains("arm `untreated`") && e.contains("--arm"), "{e}");
    let e = refused(&[
        "--arm",
        "masitinib",
        "--params",
        "riluzole.tolerance.ceiling",
    ]);
    assert!(e.contains("masitinib.alternative-immune-pathways"), "{e}");
    let e = refused(&[
        "--arm",
        "riluzole",
        "--params",
        "riluzole.efflux-induction.cap",
    ]);
    assert!(e.contains("build-up-months"), "{e}");
    let e = refused(&["--arm", "rilu"]);
    assert!(e.contains("`riluzole`"), "{e}");
    let e = refused(&["--params", "resistance"]);
    assert!(e.contains("no drug of the analysed arm"), "{e}");
}
