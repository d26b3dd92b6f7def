//! Validated scenario: metadata and model overrides around the engine's validated settings.

pub use crate::cohort::spec::*;

/// A validated scenario.
///
/// Only the scenario reader ([`crate::scenario::parse`], [`crate::scenario::load`]) and the
/// what-if builders ([`crate::scenario::whatif`]) make one, so every value in it has passed
/// the checks of the file format; its parts are read through the accessors and changed only
/// through [`Scenario::with_overrides`], which checks again.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// `[scenario]`.
    pub(crate) meta: Meta,
    /// `[simulation]`.
    pub(crate) simulation: Simulation,
    /// `[population]`.
    pub(crate) population: Population,
    /// `[model]`: parameter overrides, in file order.
    pub(crate) model: Vec<(crate::model::Param, f64)>,
    /// `[drug.NAME]`: drugs defined or overridden by the scenario, in file order.
    pub(crate) drugs: Vec<crate::therapy::Drug>,
    /// `[[arm]]`, in file order.
    pub(crate) arms: Vec<Arm>,
    /// `[trial]`: the design of a virtual trial (`alssim trial`), if the file has one.
    pub(crate) trial: Option<super::trial_design::TrialDesign>,
}

/// Changes of a validated scenario made when it is run: the command line's `--seed`,
/// `--patients`, `--max-failed-fraction` and `--set`, the Python package's keywords.
/// Fields left at `None` (or an empty `set`) keep the scenario's value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// Master seed (`population.seed`).
    pub seed: Option<u64>,
    /// Number of virtual patients screened (`population.size`), 1 to
    /// [`crate::scenario::MAX_PATIENTS`].
    pub patients: Option<u64>,
    /// Largest fraction of failed patients before the run counts as failed
    /// (`simulation.max-failed-fraction`), 0 to 1.
    pub max_failed_fraction: Option<f64>,
    /// Model parameters, replacing the `[model]` values (range- and rule-checked).
    pub set: Vec<(crate::model::Param, f64)>,
    /// Between-patient coefficients of variation, replacing a parameter's entry of
    /// `[population.variability]` or adding one (0 to [`MAX_CV`]).
    pub variability: Vec<(crate::model::Param, f64)>,
    /// Correlations of the between-patient variability `(a, b, rho)`, replacing the
    /// scenario's correlation of the same pair or adding one: rho from -0.99 to 0.99, both
    /// parameters with variability once `variability` is applied, and all the correlations
    /// together a valid (positive definite) correlation matrix.
    pub correlations: Vec<(crate::model::Param, crate::model::Param, f64)>,
}

/// Largest coefficient of variation of a parameter across patients, as the scenario reader
/// accepts it in `[population.variability]`.
pub const MAX_CV: f64 = 3.0;

/// Largest absolute correlation of two parameters' between-patient variability, as the
/// scenario reader accepts it in `[[population.correlation]]`.
pub const MAX_CORRELATION: f64 = 0.99;

/// Why [`Scenario::with_overrides`] refused its overrides.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum OverridesError {
    /// The number of patients is 0 or above the limit.
    #[error(
        "{0} patients is out of range: accepted 1 to {max}",
        max = super::MAX_PATIENTS
    )]
    Patients(u64),
    /// The failed fraction is not a fraction.
    #[error("max-failed-fraction {} is out of range: accepted a fraction from 0 to 1", crate::input::readable(*.0))]
    MaxFailedFraction(f64),
    /// A parameter value is out of range or the set breaks a rule across parameters.
    #[error(transparent)]
    Set(#[from] crate::model::params::OverrideError),
    /// A coefficient of variation is out of range or names a parameter twice.
    #[error("population.variability.{param}: {problem}")]
    Variability {
        /// The parameter.
        param: &'static str,
        /// What is wrong, with what is accepted.
        problem: String,
    },
    /// A correlation names one parameter twice, a parameter without variability or a pair
    /// twice, is out of range, or does not hold together with the others.
    #[error("population.correlation {pair}: {problem}")]
    Correlation {
        /// The pair, `a`-`b`.
        pair: String,
        /// What is wrong, with what is accepted.
        problem: String,
    },
    /// The changed scenario exceeds a resource bound (the first one exceeded).
    #[error(transparent)]
    Bounds(#[from] super::bounds::BoundError),
}

/// `[scenario]`: name and description.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    /// Name; also the output folder `out/<name>/`.
    pub name: String,
    /// What the scenario is about.
    pub description: String,
}

impl Scenario {
    /// `[scenario]`: name and description.
    pub fn meta(&self) -> &Meta {
        &self.meta
    }

    /// `[simulation]`: horizon, visits, solver settings and outputs.
    pub fn simulation(&self) -> &Simulation {
        &self.simulation
    }

    /// `[population]`: size, seed, covariate distributions, variability, enrollment and
    /// inclusion.
    pub fn population(&self) -> &Population {
        &self.population
    }

    /// `[model]`: the parameter overrides, in file order ([`Scenario::params`] applies them).
    pub fn model_overrides(&self) -> &[(crate::model::Param, f64)] {
        &self.model
    }

    /// `[drug.NAME]`: drugs the scenario defines or overrides, in file order.
    pub fn drugs(&self) -> &[crate::therapy::Drug] {
        &self.drugs
    }

    /// `[[arm]]`: the arms, in file order.
    pub fn arms(&self) -> &[Arm] {
        &self.arms
    }

    /// `[trial]`: the design of a virtual trial, if the scenario has one.
    pub fn trial(&self) -> Option<&super::trial_design::TrialDesign> {
        self.trial.as_ref()
    }

    /// This scenario with `overrides` applied, checked as the file reader checks: the number
    /// of patients and the failed fraction in their ranges, each parameter in its range and
    /// the set within the rules across parameters, the result within the resource bounds.
    ///
    /// ```
    /// use alssim::model::Param;
    /// use alssim::scenario::{Overrides, OverridesError};
    ///
    /// let s = alssim::scenario::whatif::default_scenario();
    /// let changed = s.with_overrides(&Overrides {
    ///     seed: Some(11),
    ///     patients: Some(500),
    ///     set: vec![(Param::AgeTempoExponent, 2.0)],
    ///     ..Overrides::default()
    /// })?;
    /// assert_eq!(changed.population().size, 500);
    /// let e = s.with_overrides(&Overrides { patients: Some(0), ..Overrides::default() });
    /// assert!(matches!(e, Err(OverridesError::Patients(0))));
    /// # Ok::<(), OverridesError>(())
    /// ```
    pub fn with_overrides(&self, overrides: &Overrides) -> Result<Scenario, OverridesError> {
        let mut s = self.clone();
        if let Some(seed) = overrides.seed {
            s.population.seed = seed;
        }
        if let Some(n) = overrides.patients {
            if !(1..=super::MAX_PATIENTS).contains(&n) {
                return Err(OverridesError::Patients(n));
            }
            s.population.size = n;
        }
        if let Some(f) = overrides.max_failed_fraction {
            if !(0.0..=1.0).contains(&f) {
                return Err(OverridesError::MaxFailedFraction(f));
            }
            s.simulation.max_failed_fraction = f;
        }
        super::whatif::set_params(&mut s, &overrides.set)?;
        for (i, &(param, cv)) in overrides.variability.iter().enumerate() {
            if overrides.variability[..i].iter().any(|&(p, _)| p == param) {
                return Err(OverridesError::Variability {
                    param: param.name(),
                    problem: "given twice; accepted once".to_string(),
                });
            }
            if !(0.0..=MAX_CV).contains(&cv) {
                return Err(OverridesError::Variability {
                    param: param.name(),
                    problem: format!(
                        "coefficient of variation {} is out of range: accepted 0 to {MAX_CV}",
                        crate::input::readable(cv)
                    ),
                });
            }
            let table = &mut s.population.variability;
            match table.iter_mut().find(|v| v.param == param) {
                Some(v) => v.cv = cv,
                None => table.push(crate::cohort::spec::Variability { param, cv }),
            }
        }
        apply_correlations(&mut s.population, &overrides.correlations)?;
        if let Some(problem) = super::bounds::check(&s).into_iter().next() {
            return Err(problem.into());
        }
        Ok(s)
    }

    /// Model parameters: the defaults with the `[model]` overrides applied.
    pub fn params(&self) -> crate::model::Params {
        let mut p = crate::model::Params::default();
        for &(param, value) in &self.model {
            // Every value stored here is in range: the scenario reader and `--set` check it,
            // the sensitivity analysis stores only values `Params::set_value` accepted, and the
            // calibration clamps to the range. A clamped setter keeps that so for overrides
            // written directly (a NaN leaves the default).
            p.set_clamped(param, value);
        }
        p
    }
}

/// Applies the correlation overrides to a population whose variability table is final.
fn apply_correlations(
    population: &mut Population,
    correlations: &[(crate::model::Param, crate::model::Param, f64)],
) -> Result<(), OverridesError> {
    let same = |(x, y): (crate::model::Param, crate::model::Param),
                (a, b): (crate::model::Param, crate::model::Param)| {
        (x, y) == (a, b) || (x, y) == (b, a)
    };
    for (i, &(a, b, rho)) in correlations.iter().enumerate() {
        let err = |problem: String| OverridesError::Correlation {
            pair: format!("`{a}`-`{b}`"),
            problem,
        };
        if a == b {
            return Err(err(
                "one parameter twice; accepted two different parameters".into(),
            ));
        }
        if correlations[..i]
            .iter()
            .any(|&(x, y, _)| same((x, y), (a, b)))
        {
            return Err(err("given twice; accepted once per pair".into()));
        }
        if !(-MAX_CORRELATION..=MAX_CORRELATION).contains(&rho) {
            return Err(err(format!(
                "correlation {} is out of range: accepted -{MAX_CORRELATION} to {MAX_CORRELATION}",
                crate::input::readable(rho)
            )));
        }
        if let Some(p) = [a, b]
            .into_iter()
            .find(|&p| !population.variability.iter().any(|v| v.param == p))
        {
            return Err(err(format!(
                "`{p}` has no between-patient variability; give it a coefficient of variation \
                 first (a `[population.variability]` entry, or `--cv {p}=CV`)"
            )));
        }
        match population
            .correlations
            .iter_mut()
            .find(|c| same((c.a, c.b), (a, b)))
        {
            Some(c) => c.rho = rho,
            None => population
                .correlations
                .push(crate::cohort::spec::Correlation { a, b, rho }),
        }
    }
    if !correlations.is_empty()
        && crate::cohort::correlation_cholesky(&population.variability, &population.correlations)
            .is_none()
    {
        return Err(OverridesError::Correlation {
            pair: "(all)".into(),
            problem: format!(
                "the correlations do not form a valid (positive definite) correlation matrix: \
                 {}; lower the ones that conflict",
                population
                    .correlations
                    .iter()
                    .map(|c| format!("`{}`-`{}` {}", c.a, c.b, c.rho))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Param;

    fn base() -> Scenario {
        crate::scenario::whatif::default_scenario()
    }

    #[test]
    fn overrides_change_only_what_they_name() {
        let s = base();
        let same = s.with_overrides(&Overrides::default()).unwrap();
        assert_eq!(same, s);
        let changed = s
            .with_overrides(&Overrides {
                seed: Some(3),
                max_failed_fraction: Some(0.5),
                set: vec![(Param::RaterNoiseSd, 0.0)],
                ..Overrides::default()
            })
            .unwrap();
        assert_eq!(changed.population().seed, 3);
        assert_eq!(changed.population().size, s.population().size);
        assert!((changed.simulation().max_failed_fraction - 0.5).abs() < 1e-15);
        assert!(changed.params().rater_noise_sd.abs() < 1e-15);
        assert_eq!(changed.arms(), s.arms());
    }

    #[test]
    fn correlation_overrides_replace_or_add_a_pair_and_refuse_what_cannot_hold() {
        let s = base();
        let with = |c: Vec<(Param, Param, f64)>| {
            s.with_overrides(&Overrides {
                correlations: c,
                ..Overrides::default()
            })
        };
        let (v, k) = (Param::NeuronalVulnerability, Param::SpreadContiguous);
        let one = with(vec![(v, k, 0.5)]).unwrap();
        assert_eq!(one.population().correlations.len(), 1);
        // Given in the other order, the same pair is replaced, not added.
        let again = one
            .with_overrides(&Overrides {
                correlations: vec![(k, v, -0.3)],
                ..Overrides::default()
            })
            .unwrap();
        assert_eq!(again.population().correlations.len(), 1);
        assert!((again.population().correlations[0].rho + 0.3).abs() < 1e-15);
        let refused = |c: Vec<(Param, Param, f64)>, says: &str| {
            let e = with(c).unwrap_err().to_string();
            assert!(e.contains(says), "{e}");
        };
        refused(vec![(v, v, 0.5)], "one parameter twice");
        refused(vec![(v, k, 0.5), (k, v, 0.2)], "given twice");
        refused(vec![(v, k, 1.0)], "accepted -0.99 to 0.99");
        refused(
            vec![(v, Param::DeathFvc, 0.5)],
            "no between-patient variability",
        );
        let (a, b, c) = (
            Param::HazardSoluble,
            Param::HazardLof,
            Param::HazardOxidative,
        );
        refused(
            vec![(a, b, 0.9), (b, c, 0.9), (a, c, -0.9)],
            "positive definite",
        );
        // A coefficient of variation given in the same overrides makes the pair acceptable.
        let ok = s
            .with_overrides(&Overrides {
                variability: vec![(Param::DeathFvc, 0.2)],
                correlations: vec![(v, Param::DeathFvc, 0.5)],
                ..Overrides::default()
            })
            .unwrap();
        assert_eq!(ok.population().correlations.len(), 1);
    }

    #[test]
    fn variability_overrides_replace_or_add_an_entry() {
        let s = base();
        let cv = |s: &Scenario, p: Param| {
            s.population()
                .variability
                .iter()
                .find(|v| v.param == p)
                .map(|v| v.cv)
        };
        assert!(cv(&s, Param::NeuronalVulnerability).is_some());
        assert!(cv(&s, Param::RaterNoiseSd).is_none());
        let changed = s
            .with_overrides(&Overrides {
                variability: vec![
                    (Param::NeuronalVulnerability, 0.0),
                    (Param::RaterNoiseSd, 0.3),
                ],
                ..Overrides::default()
            })
            .unwrap();
        // The existing entry is replaced in place, the new one appended; nothing else moves.
        assert_eq!(cv(&changed, Param::NeuronalVulnerability), Some(0.0));
        assert_eq!(cv(&changed, Param::RaterNoiseSd), Some(0.3));
        let (a, b) = (
            &s.population().variability,
            &changed.population().variability,
        );
        assert_eq!(b.len(), a.len() + 1);
        for (x, y) in a.iter().zip(b) {
            assert_eq!(x.param, y.param);
            if x.param != Param::NeuronalVulnerability {
                assert_eq!(x.cv.to_bits(), y.cv.to_bits());
            }
        }
        assert_eq!(changed.params(), s.params());
        // Out of range, not a number, or named twice: refused, naming the entry.
        for bad in [-0.1, MAX_CV + 0.01, f64::NAN] {
            let e = s
                .with_overrides(&Overrides {
                    variability: vec![(Param::NeuronalVulnerability, bad)],
                    ..Overrides::default()
                })
                .unwrap_err();
            assert!(
                e.to_string()
                    .starts_with("population.variability.neuronal_vulnerability: coefficient"),
                "{e}"
            );
            assert!(e.to_string().contains("accepted 0 to 3"), "{e}");
        }
        let e = s
            .with_overrides(&Overrides {
                variability: vec![(Param::RaterNoiseSd, 0.1), (Param::RaterNoiseSd, 0.2)],
                ..Overrides::default()
            })
            .unwrap_err();
        assert!(e.to_string().contains("given twice"), "{e}");
    }

    #[test]
    fn overrides_are_checked_as_the_file_reader_checks() {
        let s = base();
        let refused = |o: Overrides| s.with_overrides(&o).unwrap_err();
        assert!(matches!(
            refused(Overrides {
                patients: Some(crate::scenario::MAX_PATIENTS + 1),
                ..Overrides::default()
            }),
            OverridesError::Patients(_)
        ));
        for f in [-0.1, 1.5, f64::NAN] {
            let e = refused(Overrides {
                max_failed_fraction: Some(f),
                ..Overrides::default()
            });
            assert!(matches!(e, OverridesError::MaxFailedFraction(_)), "{e}");
        }
        // Out of its range, and a set that breaks a rule across parameters (pool weights).
        let e = refused(Overrides {
            set: vec![(Param::RaterNoiseSd, -1.0)],
            ..Overrides::default()
        });
        assert!(matches!(e, OverridesError::Set(_)), "{e}");
        let e = refused(Overrides {
            set: vec![(Param::PoolWeightBulbar, 0.9)],
            ..Overrides::default()
        });
        assert!(matches!(e, OverridesError::Set(_)), "{e}");
        // Enough patients to exceed the bound on rated visits of a run: four arms seen
        // 3-monthly for ten years are 164 visits per patient.
        let four_arms =
            crate::scenario::whatif::whatif(&["riluzole", "edaravone-iv", "masitinib"]).unwrap();
        let e = four_arms
            .with_overrides(&Overrides {
                patients: Some(crate::scenario::MAX_PATIENTS),
                ..Overrides::default()
            })
            .unwrap_err();
        assert!(matches!(e, OverridesError::Bounds(_)), "{e}");
        assert!(e.to_string().contains("limit"), "{e}");
        // The scenario refused is unchanged.
        assert_eq!(s, base());
    }
}
