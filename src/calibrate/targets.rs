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

/// One published figure.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Stable identifier.
    pub id: String,
    /// Name of the statistic alssim computes (see [`super::metrics`]).
    pub metric: String,
    /// What is measured, in words, with its unit.
    pub statistic: String,
    /// The published value.
    pub value: f64,
    /// The interval accepted as a match.
    pub accept: [f64; 2],
    /// Hard or soft.
    pub class: Class,
    /// The population the figure applies to.
    pub population: String,
    /// Where the figure comes from.
    pub source: String,
    /// Whether `alssim calibrate` fits it (targets added after the shipped fit are reported
    /// only, so that the documented fit stays reproducible). Default: true.
    #[serde(default = "fitted_by_default")]
    pub fitted: bool,
}

fn fitted_by_default() -> bool {
    true
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
            assert!(t.accept[0] < t.accept[1], "{}", t.id);
            assert!(
                t.accept[0] <= t.value && t.value <= t.accept[1],
                "{}: value outside its interval",
                t.id
            );
            assert!(!t.source.is_empty());
            assert!(
                super::super::metrics::METRICS.contains(&t.metric.as_str()),
                "{}: unknown metric {}",
                t.id,
                t.metric
            );
        }
        let ids: std::collections::HashSet<_> = f.target.iter().map(|t| &t.id).collect();
        assert_eq!(ids.len(), f.target.len(), "ids are unique");
    }
}
