//! Calibration targets: published natural-history figures, shipped as data (`targets.toml`).

use serde::Deserialize;

/// The bundled targets file.
pub const TARGETS_TOML: &str = include_str!("targets.toml");

/// Whether a target must be met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// Must fall inside its acceptance interval; checked by the test suite.
    Hard,
    /// Reported only.
    Soft,
}

impl Class {
    /// The name used in `targets.toml` and in reports.
    pub const fn name(self) -> &'static str {
        match self {
            Class::Hard => "hard",
            Class::Soft => "soft",
        }
    }
}

/// Whether a target enters the fit or is held out to check it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Set {
    /// Fitted by `alssim calibrate` (the point fit and the posterior).
    Fit,
    /// Never enters a fit: held out to check it.
    Validation,
}

impl Set {
    /// The name used in `targets.toml` and in reports.
    pub const fn name(self) -> &'static str {
        match self {
            Set::Fit => "fit",
            Set::Validation => "validation",
        }
    }
}

/// One published figure.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Stable identifier.
    pub id: String,
    /// Name of the statistic alssim computes (see [`super::metrics`]).
    pub metric: super::metrics::Metric,
    /// What is measured, in words, with its unit.
    pub statistic: String,
    /// The published value.
    pub value: f64,
    /// The interval accepted as a match, both ends included. One-sided bounds use `inf` or
    /// `-inf` (TOML floats) for the open end; `[x, x]` accepts exactly `x`.
    pub accept: [f64; 2],
    /// Hard or soft.
    pub class: Class,
    /// The population the figure applies to.
    pub population: String,
    /// Where the figure comes from.
    pub source: String,
    /// Fit or validation set: whether `alssim calibrate` fits it or it is held out.
    pub set: Set,
    /// The model parameters (names of the registry, `alssim params`) and population inputs
    /// (see [`POPULATION_INPUTS`]) that the target mainly informs.
    pub informs: Vec<String>,
}

impl Target {
    /// Whether `v` lies in the accepted interval (a NaN never does).
    pub fn accepts(&self, v: f64) -> bool {
        !v.is_nan() && v >= self.accept[0] && v <= self.accept[1]
    }

    /// Half the width of the accepted interval, when finite and positive: the scale of the
    /// fit's distance. `None` for one-sided bounds and exact values.
    pub fn half_width(&self) -> Option<f64> {
        let h = 0.5 * (self.accept[1] - self.accept[0]);
        (h.is_finite() && h > 0.0).then_some(h)
    }
}

/// The accepted interval in words: `0.75 to 1.05`, `at most 0.05`, `at least 0`, `exactly 0`.
pub fn accepted_text(accept: [f64; 2]) -> String {
    let [lo, hi] = accept;
    if lo.total_cmp(&hi).is_eq() {
        format!("exactly {lo}")
    } else if lo.is_infinite() && lo < 0.0 {
        format!("at most {hi}")
    } else if hi.is_infinite() && hi > 0.0 {
        format!("at least {lo}")
    } else {
        format!("{lo} to {hi}")
    }
}

/// Population inputs a target may name in `informs`, besides the model parameters: the
/// scenario keys of `[population.covariates]`, and `population.variability.<parameter>` for
/// the between-patient spread of a registry parameter.
pub const POPULATION_INPUTS: [&str; 5] = [
    "population.covariates.age",
    "population.covariates.female-fraction",
    "population.covariates.onset-region",
    "population.covariates.genotype",
    "population.covariates.diagnostic-delay",
];

/// Whether `name` is a registry parameter or a population input (see [`Target::informs`]).
pub fn is_known_input(name: &str) -> bool {
    let param = |n: &str| crate::model::Param::from_name(n).is_some();
    param(name)
        || POPULATION_INPUTS.contains(&name)
        || name
            .strip_prefix("population.variability.")
            .is_some_and(param)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    target: Vec<Target>,
}

/// The bundled targets.
pub fn bundled() -> Vec<Target> {
    // The file is part of the program and checked by the tests, so it always parses.
    toml::from_str::<File>(TARGETS_TOML)
        .map(|f| f.target)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_targets_parse_and_are_consistent() {
        let f: File = toml::from_str(TARGETS_TOML).expect("targets.toml parses");
        assert!(f.target.len() >= 15);
        for t in &f.target {
            assert!(t.accept[0] <= t.accept[1], "{}", t.id);
            assert!(!t.accept[0].is_nan() && !t.accept[1].is_nan(), "{}", t.id);
            assert!(
                t.accept[0] <= t.value && t.value <= t.accept[1],
                "{}: value outside its interval",
                t.id
            );
            assert!(!t.source.is_empty());
            assert_eq!(
                super::super::metrics::Metric::parse(t.metric.name()),
                Some(t.metric)
            );
        }
        let ids: std::collections::HashSet<_> = f.target.iter().map(|t| &t.id).collect();
        assert_eq!(ids.len(), f.target.len(), "ids are unique");
    }

    #[test]
    fn every_informed_name_is_a_parameter_or_population_input() {
        for t in bundled() {
            assert!(!t.informs.is_empty(), "{}: informs nothing", t.id);
            for name in &t.informs {
                assert!(
                    is_known_input(name),
                    "{}: informs `{name}`, which is neither a parameter of `alssim params` nor a \
                     population input",
                    t.id
                );
            }
        }
        assert!(is_known_input("neuronal_vulnerability"));
        assert!(is_known_input(
            "population.variability.neuronal_vulnerability"
        ));
        assert!(!is_known_input("population.variability.no_such_parameter"));
        assert!(!is_known_input("no_such_parameter"));
    }

    #[test]
    fn one_sided_and_exact_bounds_read_from_toml() {
        let f: File = toml::from_str(
            "[[target]]\nid = \"a\"\nmetric = \"plateau_6\"\nstatistic = \"s\"\nvalue = 0.0\n\
             accept = [-inf, 0.05]\nclass = \"soft\"\nset = \"fit\"\npopulation = \"p\"\nsource = \"s\"\n\
             informs = []\n\
             [[target]]\nid = \"b\"\nmetric = \"plateau_6\"\nstatistic = \"s\"\nvalue = 0.0\n\
             accept = [0.0, 0.0]\nclass = \"hard\"\nset = \"validation\"\npopulation = \"p\"\nsource = \"s\"\n\
             informs = []\n",
        )
        .unwrap();
        let (a, b) = (&f.target[0], &f.target[1]);
        assert!(a.accepts(-1e300) && a.accepts(0.05) && !a.accepts(0.051));
        assert!(!a.accepts(f64::NAN));
        assert_eq!(a.half_width(), None);
        assert!(b.accepts(0.0) && !b.accepts(1.0) && !b.accepts(-1e-12));
        assert_eq!(b.half_width(), None);
        assert_eq!(accepted_text(a.accept), "at most 0.05");
        assert_eq!(accepted_text(b.accept), "exactly 0");
        assert_eq!(accepted_text([0.0, f64::INFINITY]), "at least 0");
        assert_eq!(accepted_text([0.75, 1.05]), "0.75 to 1.05");
    }
}
