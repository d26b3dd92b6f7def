//! Scenarios made without a file: the bundled default population with a control arm and arms
//! named by their drugs (`alssim whatif`), and model parameters overridden by name (`--set`).

use super::Scenario;
use crate::cohort::spec::Arm;
use crate::model::Param;
use crate::model::params::OverrideError;
use crate::therapy::{TherapySpec, library};

/// The bundled default scenario (`scenarios/natural-history.toml`): an unselected, untreated
/// population followed from diagnosis.
pub const DEFAULT_TOML: &str = include_str!("../../scenarios/natural-history.toml");

/// The bundled default scenario.
pub fn default_scenario() -> Scenario {
    // The bundled file is checked by the test suite; it always parses.
    super::parse("natural-history.toml", "natural-history", DEFAULT_TOML)
        .unwrap_or_else(|e| unreachable!("the bundled default scenario is invalid: {e}"))
}

/// Why a what-if arm cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WhatifError {
    /// A drug of the arm is not in the library.
    #[error(
        "unknown drug `{drug}` in `{arm}`; {}known drugs: {} (`alssim drugs` lists them)",
        suggestion.as_ref().map_or(String::new(), |s| format!("did you mean `{s}`? ")),
        library::names().join(", ")
    )]
    UnknownDrug {
        /// The arm as given.
        arm: String,
        /// The unknown name.
        drug: String,
        /// The closest library name, if one is close.
        suggestion: Option<String>,
    },
    /// A drug appears twice in one arm.
    #[error("`{drug}` is given twice in `{arm}`")]
    DrugTwice {
        /// The arm as given.
        arm: String,
        /// The repeated drug.
        drug: String,
    },
    /// Two arms are the same (or an arm is named `control`).
    #[error("arm `{0}` is given twice")]
    ArmTwice(String),
}

/// An arm given as `drug` or `drug+drug+...` (library drugs at their standard dose from
/// enrollment); it is named with `_` for `+`, since arm names become file names.
pub fn arm(spec: &str) -> Result<Arm, WhatifError> {
    let mut therapies: Vec<TherapySpec> = Vec::new();
    for name in spec.split('+').map(str::trim) {
        let Some(d) = library::find(name) else {
            let names = library::names();
            return Err(WhatifError::UnknownDrug {
                arm: spec.to_string(),
                drug: name.to_string(),
                suggestion: crate::input::did_you_mean(name, names.iter().copied())
                    .map(|s| s.to_string()),
            });
        };
        if therapies.iter().any(|t| t.drug == name) {
            return Err(WhatifError::DrugTwice {
                arm: spec.to_string(),
                drug: name.to_string(),
            });
        }
        therapies.push(TherapySpec::new(d.clone()));
    }
    Ok(Arm {
        name: therapies
            .iter()
            .map(|t| t.drug.as_str())
            .collect::<Vec<_>>()
            .join("_"),
        therapies,
        interaction: 1.0,
        interactions: Vec::new(),
    })
}

/// The default scenario with an untreated `control` arm and one arm per entry of `arms` (see
/// [`arm`]).
pub fn whatif<S: AsRef<str>>(arms: &[S]) -> Result<Scenario, WhatifError> {
    let mut s = default_scenario();
    s.meta.name = "whatif".into();
    s.meta.description = format!(
        "Untreated control against {} on the default population, from diagnosis.",
        arms.iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut list = vec![Arm {
        name: "control".into(),
        therapies: Vec::new(),
        interaction: 1.0,
        interactions: Vec::new(),
    }];
    for a in arms {
        let a = a.as_ref();
        let new = arm(a)?;
        if new.name == "control" || list.iter().any(|x| x.name == new.name) {
            return Err(WhatifError::ArmTwice(a.to_string()));
        }
        list.push(new);
    }
    s.arms = list;
    Ok(s)
}

/// Overrides model parameters of a scenario's `[model]` table: each value is range-checked,
/// replaces a value the scenario set or is added after them, and the result must satisfy the
/// rules that span several parameters. On an error the scenario is unchanged.
pub fn set_params(s: &mut Scenario, set: &[(Param, f64)]) -> Result<(), OverrideError> {
    if set.is_empty() {
        return Ok(());
    }
    s.params().set_all(set)?;
    for &(param, value) in set {
        match s.model.iter_mut().find(|(p, _)| *p == param) {
            Some(entry) => entry.1 = value,
            None => s.model.push((param, value)),
        }
    }
    Ok(())
}
