//! `manifest.json`: what was run, by which alssim, with which outcome counts.
//!
//! [`Manifest`] is the manifest of a run (`alssim run`, `alssim merge`, `alssim whatif`);
//! [`ToolManifest`] the short one of the other commands. Keys are written in alphabetical
//! order (the field order of the records).

use super::table::ReadError;
use crate::cohort::{CohortSummary, Outcome, ScreenFailure};
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The program name every manifest records.
pub const PROGRAM: &str = "alssim";

/// A patient whose integration failed: enough to reproduce it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    /// Age at onset, years.
    pub age: f64,
    /// The solver's error.
    pub error: String,
    /// Genotype name.
    pub genotype: String,
    /// Patient index.
    pub index: u64,
    /// Region of onset.
    pub onset_region: String,
    /// The patient's model parameters that were drawn.
    pub params: BTreeMap<String, f64>,
    /// Master seed.
    pub seed: u64,
}

/// The failures of a chunk of outcomes.
pub fn failures(outcomes: &[Outcome]) -> Vec<Failure> {
    outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Failed { draw, seed, error } => Some(Failure {
                age: draw.covariates.age_years,
                error: error.to_string(),
                genotype: draw.covariates.genotype.name().to_string(),
                index: draw.index,
                onset_region: draw.covariates.onset_region.name().to_string(),
                params: crate::model::Param::ALL
                    .into_iter()
                    .map(|p| (p.name().to_string(), draw.params.value(p)))
                    .collect(),
                seed: *seed,
            }),
            _ => None,
        })
        .collect()
}

/// Solver work of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Solver {
    /// Accepted steps.
    pub accepted_steps: u64,
    /// Rejected steps.
    pub rejected_steps: u64,
    /// Right-hand-side evaluations.
    pub rhs_evaluations: u64,
}

/// How a merged result was put together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merged {
    /// Number of part folders merged.
    pub merged_parts: u64,
}

/// The `manifest.json` of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Arm names in scenario order (read from the resolved scenario in manifests written
    /// before the field existed; see [`Manifest::read`]).
    #[serde(default)]
    pub arms: Vec<String>,
    /// The command that wrote the result: `run` (also for a merge) or `whatif`.
    pub command: String,
    /// Scenario description.
    #[serde(default)]
    pub description: String,
    /// Patients enrolled.
    pub enrolled: u64,
    /// Patients whose integration failed.
    pub failed: u64,
    /// The failed patients.
    pub failures: Vec<Failure>,
    /// Patients screened per second of wall time.
    pub patients_per_second: f64,
    /// Always [`PROGRAM`].
    pub program: String,
    /// The resolved scenario, every default written out (TOML).
    pub resolved_scenario: String,
    /// Scenario name.
    pub scenario: String,
    /// Path of the scenario file as given.
    pub scenario_file: String,
    /// FNV-1a hash of the resolved scenario text.
    pub scenario_hash_fnv1a64: String,
    /// Screen failures per criterion.
    pub screen_failures: BTreeMap<String, u64>,
    /// Patients screened.
    pub screened: u64,
    /// Master seed.
    pub seed: u64,
    /// For a merged result, the number of parts (`null` otherwise).
    pub shard: Option<Merged>,
    /// Solver work.
    pub solver: Solver,
    /// Worker threads.
    pub threads: usize,
    /// alssim version.
    pub version: String,
    /// Origin of the visit times: `enrollment` or `onset`.
    #[serde(default)]
    pub visits_from: String,
    /// Wall time of the simulation, seconds.
    pub wall_seconds: f64,
}

/// What a run records besides its summary.
#[derive(Debug, Clone, Copy)]
pub struct RunMeta<'a> {
    /// The command.
    pub command: &'a str,
    /// The scenario as run.
    pub scenario: &'a Scenario,
    /// Path of the scenario file.
    pub scenario_file: &'a str,
    /// The resolved scenario text.
    pub resolved: &'a str,
    /// Worker threads.
    pub threads: usize,
    /// Wall time, seconds.
    pub wall_seconds: f64,
}

/// FNV-1a, 64 bit: a stable fingerprint of the resolved scenario text and of part files.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_from(0xcbf2_9ce4_8422_2325, bytes)
}

/// FNV-1a, 64 bit, continued from the hash `h` of the bytes before.
pub fn fnv1a_from(h: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(h, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

impl Manifest {
    /// The manifest of a finished run (or merge, with `shard`).
    pub fn new(
        m: &RunMeta<'_>,
        summary: &CohortSummary,
        failures: Vec<Failure>,
        shard: Option<Merged>,
    ) -> Manifest {
        let s = m.scenario;
        Manifest {
            arms: s.arms.iter().map(|a| a.name.clone()).collect(),
            command: m.command.to_string(),
            description: s.meta.description.clone(),
            enrolled: summary.enrolled,
            failed: summary.failed,
            failures,
            patients_per_second: summary.screened as f64 / m.wall_seconds.max(1e-9),
            program: PROGRAM.to_string(),
            resolved_scenario: m.resolved.to_string(),
            scenario: s.meta.name.clone(),
            scenario_file: m.scenario_file.to_string(),
            scenario_hash_fnv1a64: format!("{:016x}", fnv1a(m.resolved.as_bytes())),
            screen_failures: ScreenFailure::ALL
                .iter()
                .zip(summary.screen_failures)
                .map(|(r, n)| (r.name().to_string(), n))
                .collect(),
            screened: summary.screened,
            seed: s.population.seed,
            shard,
            solver: Solver {
                accepted_steps: summary.accepted_steps,
                rejected_steps: summary.rejected_steps,
                rhs_evaluations: summary.rhs_evaluations,
            },
            threads: m.threads,
            version: env!("CARGO_PKG_VERSION").to_string(),
            visits_from: s.simulation.visits_from.name().to_string(),
            wall_seconds: m.wall_seconds,
        }
    }

    /// The text of `manifest.json`.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// Reads the text of a `manifest.json`; in a manifest written before `arms`,
    /// `description` and `visits_from` were recorded, they are read from its resolved
    /// scenario.
    pub fn from_json(path: &Path, text: &str) -> Result<Manifest, ReadError> {
        let mut m: Manifest =
            serde_json::from_str(text).map_err(|e| {
                match serde_json::from_str::<ToolManifest>(text) {
                    Ok(t) if !matches!(t.command.as_str(), "run" | "whatif") => ReadError::file(
                        path,
                        format!(
                            "written by `alssim {}`, not by a run of a scenario ({e})",
                            t.command
                        ),
                    ),
                    _ => ReadError::file(path, e),
                }
            })?;
        if m.arms.is_empty() || m.visits_from.is_empty() {
            m.fill_from_resolved();
        }
        Ok(m)
    }

    /// Reads `manifest.json` at `path`.
    pub fn read(path: &Path) -> Result<Manifest, ReadError> {
        let text = std::fs::read_to_string(path).map_err(|e| ReadError::file(path, e))?;
        Manifest::from_json(path, &text)
    }

    /// Fills the arms, description and visit origin from the resolved scenario.
    fn fill_from_resolved(&mut self) {
        let resolved: toml::Table = self.resolved_scenario.parse().unwrap_or_default();
        let get = |table: &str, key: &str| {
            resolved
                .get(table)
                .and_then(|t| t.get(key))
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        if self.arms.is_empty() {
            self.arms = resolved
                .get("arm")
                .and_then(|a| a.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|t| t.get("name").and_then(|n| n.as_str()).map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
        }
        if self.description.is_empty() {
            self.description = get("scenario", "description").unwrap_or_default();
        }
        if self.visits_from.is_empty() {
            self.visits_from =
                get("simulation", "visits-from").unwrap_or_else(|| "enrollment".into());
        }
        if self.scenario.is_empty() {
            self.scenario = get("scenario", "name").unwrap_or_else(|| "scenario".into());
        }
    }
}

/// The `manifest.json` of a result folder written by a command other than `run`, `merge` and
/// `whatif` (which write a [`Manifest`]): it marks the folder as an alssim result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolManifest {
    /// The command.
    pub command: String,
    /// Always [`PROGRAM`].
    pub program: String,
    /// alssim version.
    pub version: String,
}

impl ToolManifest {
    /// The manifest of `command`.
    pub fn new(command: &str) -> ToolManifest {
        ToolManifest {
            command: command.to_string(),
            program: PROGRAM.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }

    /// The text of `manifest.json`.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Manifest {
        Manifest {
            arms: vec!["placebo".into(), "riluzole".into()],
            command: "run".into(),
            description: "Two arms.".into(),
            enrolled: 9,
            failed: 1,
            failures: vec![Failure {
                age: 61.5,
                error: "step size too small".into(),
                genotype: "sod1".into(),
                index: 4,
                onset_region: "bulbar".into(),
                params: BTreeMap::from([("agg_growth_rate".to_string(), 0.25)]),
                seed: 7,
            }],
            patients_per_second: 1234.5,
            program: PROGRAM.into(),
            resolved_scenario: RESOLVED.into(),
            scenario: "two-arms".into(),
            scenario_file: "two-arms.toml".into(),
            scenario_hash_fnv1a64: format!("{:016x}", fnv1a(RESOLVED.as_bytes())),
            screen_failures: BTreeMap::from([("genotype".to_string(), 0), ("min-fvc".into(), 2)]),
            screened: 12,
            seed: 3,
            shard: Some(Merged { merged_parts: 2 }),
            solver: Solver {
                accepted_steps: 10,
                rejected_steps: 1,
                rhs_evaluations: 70,
            },
            threads: 2,
            version: "0.1.0".into(),
            visits_from: "onset".into(),
            wall_seconds: 0.125,
        }
    }

    const RESOLVED: &str = "[scenario]\nname = \"two-arms\"\ndescription = \"Two arms.\"\n\n\
        [simulation]\nvisits-from = \"onset\"\n\n[[arm]]\nname = \"placebo\"\n\n[[arm]]\n\
        name = \"riluzole\"\n";

    #[test]
    fn a_manifest_reads_back_as_written() {
        let m = example();
        let text = m.to_json();
        let back = Manifest::from_json(Path::new("manifest.json"), &text).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.to_json(), text);
        // Keys in alphabetical order, `shard` written even when null.
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        let unsharded = Manifest { shard: None, ..m }.to_json();
        assert!(unsharded.contains("\"shard\": null"), "{unsharded}");
    }

    #[test]
    fn an_older_manifest_takes_arms_description_and_origin_from_its_scenario() {
        let mut value = serde_json::to_value(example()).unwrap();
        let object = value.as_object_mut().unwrap();
        for key in ["arms", "description", "visits_from"] {
            object.remove(key);
        }
        let m = Manifest::from_json(Path::new("manifest.json"), &value.to_string()).unwrap();
        assert_eq!(m.arms, ["placebo", "riluzole"]);
        assert_eq!(m.description, "Two arms.");
        assert_eq!(m.visits_from, "onset");
        assert_eq!(m, example());
    }

    #[test]
    fn the_manifest_of_another_command_is_not_read_as_a_run() {
        let text = ToolManifest::new("validate").to_json();
        let e = Manifest::from_json(Path::new("v/manifest.json"), &text)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("v/manifest.json") && e.contains("alssim validate"),
            "{e}"
        );
    }

    #[test]
    fn a_manifest_without_a_required_key_is_an_error_naming_the_file() {
        let mut value = serde_json::to_value(example()).unwrap();
        value.as_object_mut().unwrap().remove("screened");
        let e = Manifest::from_json(Path::new("out/x/manifest.json"), &value.to_string())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("out/x/manifest.json") && e.contains("screened"),
            "{e}"
        );
    }
}
