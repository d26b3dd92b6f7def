//! The bundled scenario files: each is valid, shows back to itself, runs a small cohort that
//! respects its own settings, and its resolved form is accepted by `alssim check`. The files
//! are discovered, not listed, so a new scenario is tested as soon as it is added.

use alssim::cohort::{self, Outcome};
use alssim::model::{Genotype, Region};
use alssim::scenario::{self, Scenario};
use std::path::{Path, PathBuf};
mod common;
use common::{alssim, root};

/// Every `.toml` file in `scenarios/`, sorted.
fn scenario_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios/ exists")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    // The bundled set: the default, the tour and the examples. Fewer means files went missing.
    assert!(
        files.len() >= 5,
        "expected at least 5 scenarios, found {files:?}"
    );
    files
}

fn load(path: &Path) -> Scenario {
    scenario::load(path)
        .unwrap_or_else(|e| panic!("{} is invalid:\n{}", path.display(), e.report()))
}

/// Every leaf key path of a TOML value, as `a.b.c`, with the elements of an array of tables as
/// `a[].b`. Tables are not listed themselves, only the keys under them.
fn leaf_paths(value: &toml::Value, prefix: &str, out: &mut Vec<String>) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaf_paths(v, &p, out);
            }
        }
        toml::Value::Array(items) if items.iter().any(toml::Value::is_table) => {
            for item in items {
                leaf_paths(item, &format!("{prefix}[]"), out);
            }
        }
        _ => out.push(prefix.to_string()),
    }
}

#[test]
fn every_scenario_is_valid_and_its_resolved_form_reads_back_equal() {
    for path in scenario_files() {
        let s = load(&path);
        let shown = scenario::to_toml(&s);
        let again = scenario::parse("shown.toml", "unused-default", &shown).unwrap_or_else(|e| {
            panic!(
                "`show` of {} is not accepted:\n{}\n--- shown ---\n{shown}",
                path.display(),
                e.report()
            )
        });
        assert_eq!(
            again,
            s,
            "{}: the show round trip changed the scenario",
            path.display()
        );
        // The resolved form is a fixed point: showing it again gives the same text.
        assert_eq!(scenario::to_toml(&again), shown, "{}", path.display());
    }
}

#[test]
fn every_scenario_names_itself_after_its_file() {
    // Results go to out/<name>/: a name different from the file name would be confusing.
    for path in scenario_files() {
        let s = load(&path);
        let stem = path.file_stem().unwrap().to_string_lossy();
        assert_eq!(s.meta().name, stem, "{}", path.display());
        assert!(
            !s.meta().description.is_empty(),
            "{} has no description",
            path.display()
        );
        assert!(
            s.population().size <= 2000,
            "{}: keep bundled scenarios quick to run",
            path.display()
        );
    }
}

#[test]
fn every_scenario_runs_a_small_cohort_that_respects_its_settings() {
    for path in scenario_files() {
        let name = path.display();
        let s = common::sized(&load(&path), 20, None);
        let spec = s.cohort_spec();
        let outcomes = cohort::run(&spec, 0..20, 1).expect("the engine starts");
        assert_eq!(outcomes.len(), 20, "{name}");
        let c = &s.population().covariates;
        let inc = &s.population().inclusion;
        let horizon = s.simulation().horizon_months;
        let mut enrolled = 0;
        for o in &outcomes {
            let cov = &o.draw().covariates;
            // Draws only take values the probability tables allow.
            let r = Region::ALL
                .iter()
                .position(|&x| x == cov.onset_region)
                .unwrap();
            assert!(
                c.onset_region[r] > 0.0,
                "{name}: drew {:?}",
                cov.onset_region
            );
            let g = Genotype::ALL
                .iter()
                .position(|&x| x == cov.genotype)
                .unwrap();
            assert!(c.genotype[g] > 0.0, "{name}: drew {:?}", cov.genotype);
            assert!((c.age.min..=c.age.max).contains(&cov.age_years), "{name}");
            assert!(
                cov.diagnostic_delay_months <= c.diagnostic_delay.max,
                "{name}"
            );
            match o {
                Outcome::Failed { error, .. } => panic!("{name}: a patient failed: {error}"),
                Outcome::ScreenFailed { .. } => {}
                Outcome::Enrolled {
                    enrollment,
                    baseline,
                    arms,
                    ..
                } => {
                    enrolled += 1;
                    assert_eq!(arms.len(), s.arms().len(), "{name}: one course per arm");
                    let onset = arms[0]
                        .events
                        .onset
                        .expect("enrolled patients have an onset");
                    // Inclusion criteria hold for everyone enrolled.
                    if let Some(m) = inc.max_months_since_onset {
                        assert!(enrollment - onset <= m + 1e-9, "{name}");
                    }
                    if let Some(m) = inc.min_alsfrs_r {
                        assert!(f64::from(baseline.total()) >= m, "{name}");
                    }
                    if let Some(m) = inc.min_fvc {
                        assert!(baseline.fvc >= m, "{name}");
                    }
                    if let Some(gs) = &inc.genotypes {
                        assert!(gs.contains(&cov.genotype), "{name}");
                    }
                    for course in arms {
                        assert!(!course.visits.is_empty() || course.died(), "{name}");
                        for v in &course.visits {
                            assert!(
                                v.t >= -1e-9 && v.t <= horizon + 1e-9,
                                "{name}: visit {}",
                                v.t
                            );
                            assert!(v.total() <= 48, "{name}");
                        }
                    }
                    // Arms without therapy follow the same course, visit by visit.
                    let untreated: Vec<_> = s
                        .arms()
                        .iter()
                        .zip(arms)
                        .filter(|(a, _)| a.therapies.is_empty())
                        .map(|(_, c)| c)
                        .collect();
                    for course in untreated.iter().skip(1) {
                        let first: Vec<_> =
                            untreated[0].visits.iter().map(|v| (v.t, v.items)).collect();
                        let this: Vec<_> = course.visits.iter().map(|v| (v.t, v.items)).collect();
                        assert_eq!(first, this, "{name}: paired arms differ");
                    }
                }
                other => panic!("{name}: an outcome this test does not know: {other:?}"),
            }
        }
        assert!(enrolled >= 1, "{name}: nobody of 20 was enrolled");
    }
}

#[test]
fn the_bulbar_and_genotype_examples_do_what_their_names_say() {
    let bulbar = load(&root().join("scenarios/bulbar-onset.toml"));
    assert_eq!(
        bulbar.population().covariates.onset_region,
        [1.0, 0.0, 0.0, 0.0]
    );
    assert!(bulbar.population().covariates.age.mean > 62.0);
    assert!(bulbar.population().covariates.female_fraction > 0.5);

    let mix = load(&root().join("scenarios/genotype-mix.toml"));
    let g = mix.population().covariates.genotype;
    let default = scenario::types::CovariateDistributions::default().genotype;
    // Every carrier group enriched, sporadic ALS depleted.
    for i in 1..4 {
        assert!(
            g[i] > 4.0 * default[i],
            "{:?} not enriched",
            Genotype::ALL[i]
        );
    }
    assert!(g[0] < default[0]);
    assert!(matches!(
        mix.simulation().visits,
        scenario::types::Visits::At(_)
    ));

    let trial = load(&root().join("scenarios/trial-like.toml"));
    let inc = &trial.population().inclusion;
    assert_eq!(inc.max_months_since_onset, Some(24.0));
    assert_eq!(inc.min_alsfrs_r, Some(30.0));
    assert_eq!(inc.min_fvc, Some(60.0));
    assert_eq!(trial.arms().len(), 2);
    assert!(trial.arms()[0].therapies.is_empty());
    assert_eq!(trial.arms()[1].therapies[0].drug, "riluzole");
}

#[test]
fn the_tour_sets_every_key_that_show_writes() {
    // `show` writes every key of the format (one of the two visit keys); the tour must set each
    // of them itself, so that it really is a tour of the whole file.
    let path = root().join("scenarios/tour.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let tour: toml::Value = toml::from_str(&text).unwrap();
    let shown: toml::Value = toml::from_str(&scenario::to_toml(&load(&path))).unwrap();
    let (mut have, mut want) = (Vec::new(), Vec::new());
    leaf_paths(&tour, "", &mut have);
    leaf_paths(&shown, "", &mut want);
    let missing: Vec<&String> = want.iter().filter(|k| !have.contains(k)).collect();
    assert!(missing.is_empty(), "the tour does not set {missing:?}");
    // The other visit key is shown in a comment.
    assert!(text.contains("# visits-at-months = ["));
    let s = load(&path);
    assert!(
        s.arms().len() >= 2
            && !s.population().correlations.is_empty()
            && !s.model_overrides().is_empty()
    );
}

#[test]
fn docs_describe_every_key_by_its_full_path() {
    let doc = std::fs::read_to_string(root().join("docs/SCENARIOS.md")).unwrap();
    // Every key of the format, as `show` writes them for the tour (which sets them all), plus
    // the visit list; model parameter and probability names fold into their placeholders.
    let shown: toml::Value = toml::from_str(&scenario::to_toml(&load(
        &root().join("scenarios/tour.toml"),
    )))
    .unwrap();
    let mut keys = vec!["simulation.visits-at-months".to_string()];
    leaf_paths(&shown, "", &mut keys);
    assert!(keys.len() > 30, "{keys:?}");
    let undocumented: Vec<String> = keys
        .into_iter()
        .map(|k| {
            let parts: Vec<&str> = k.split('.').collect();
            match parts.as_slice() {
                ["model", _] => "model.<parameter>".to_string(),
                ["population", "variability", _] => "population.variability.<parameter>".into(),
                ["population", "covariates", "onset-region", _] => {
                    "population.covariates.onset-region.<region>".into()
                }
                ["population", "covariates", "genotype", _] => {
                    "population.covariates.genotype.<genotype>".into()
                }
                ["drug", _, "sources", _] => "drug.<name>.sources.<key>".into(),
                ["drug", _, rest @ ..] => format!("drug.<name>.{}", rest.join(".")),
                _ => k,
            }
        })
        .filter(|k| !doc.contains(&format!("| `{k}` |")))
        .collect();
    assert!(
        undocumented.is_empty(),
        "docs/SCENARIOS.md has no table row for {undocumented:?}"
    );
    // Keys of every regimen kind, including those the tour's own drug does not use.
    for k in alssim::therapy::read::REGIMEN {
        assert!(
            doc.contains(&format!("| `drug.<name>.regimen.{k}` |")),
            "{k}"
        );
    }
}

#[test]
fn show_output_is_accepted_by_check() {
    let dir = tempfile::tempdir().unwrap();
    for path in scenario_files() {
        let out = alssim().arg("show").arg(&path).assert().success();
        let shown = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        assert_eq!(shown, scenario::to_toml(&load(&path)), "{}", path.display());
        let copy = dir.path().join(path.file_name().unwrap());
        std::fs::write(&copy, &shown).unwrap();
        let out = alssim().arg("check").arg(&copy).assert().code(0);
        let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        assert!(
            stdout.starts_with(&format!("{}: ok (scenario `", copy.display())),
            "{stdout}"
        );
        assert_eq!(load(&copy), load(&path), "{}", path.display());
    }
}
