//! Priors of the model parameters and of their between-patient spread, shipped as data
//! (`priors.toml`): a range and a distribution for every quantity nothing measures, with the
//! reason, and a note for every quantity held fixed because it is measured or defined.

use crate::model::{Param, Params};
use serde::Deserialize;

/// The bundled priors file.
pub const PRIORS_TOML: &str = include_str!("priors.toml");

/// Prefix of the name of a coefficient of variation's prior.
pub const VARIABILITY_PREFIX: &str = "population.variability.";

/// The shape of a prior.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Kind {
    /// Uniform on the logarithm of the value over the range: every factor equally likely.
    LogUniform,
    /// Uniform over the range.
    Uniform,
    /// Held at its value: measured, fixed by definition, or a clinical decision rule.
    Measured,
}

impl Kind {
    /// The name used in `priors.toml`.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::LogUniform => "log-uniform",
            Kind::Uniform => "uniform",
            Kind::Measured => "measured",
        }
    }
}

/// The prior of one parameter or of one parameter's coefficient of variation.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prior {
    /// A registry name, or `population.variability.NAME` for a coefficient of variation.
    pub name: String,
    /// Its shape.
    pub kind: Kind,
    /// Both ends, included (absent for a measured value).
    #[serde(default)]
    pub range: Option<[f64; 2]>,
    /// Why this range.
    pub reason: String,
}

impl Prior {
    /// The value the range is checked against: the registry default, or the default
    /// coefficient of variation.
    pub fn default_value(&self) -> Option<f64> {
        match self.name.strip_prefix(VARIABILITY_PREFIX) {
            Some(p) => {
                let p = Param::from_name(p)?;
                crate::cohort::spec::DEFAULT_VARIABILITY
                    .iter()
                    .find(|(q, _)| *q == p)
                    .map(|(_, cv)| *cv)
            }
            None => Param::from_name(&self.name).map(|p| Params::default().value(p)),
        }
    }

    /// The value at quantile `u` (0 to 1) of the prior (`None` for a measured value).
    pub fn quantile(&self, u: f64) -> Option<f64> {
        let [lo, hi] = self.range?;
        Some(match self.kind {
            Kind::LogUniform => (lo.ln() + u * (hi.ln() - lo.ln())).exp(),
            Kind::Uniform => lo + u * (hi - lo),
            Kind::Measured => return None,
        })
    }

    /// Maps a value to the scale on which the prior is uniform (the logarithm for a
    /// log-uniform prior).
    pub fn to_unit_scale(&self, x: f64) -> f64 {
        match self.kind {
            Kind::LogUniform => x.ln(),
            _ => x,
        }
    }

    /// The inverse of [`Prior::to_unit_scale`].
    pub fn from_unit_scale(&self, y: f64) -> f64 {
        match self.kind {
            Kind::LogUniform => y.exp(),
            _ => y,
        }
    }

    /// The range on the scale on which the prior is uniform.
    pub fn unit_range(&self) -> Option<[f64; 2]> {
        self.range
            .map(|[lo, hi]| [self.to_unit_scale(lo), self.to_unit_scale(hi)])
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    prior: Vec<Prior>,
}

/// Parses and checks a priors file: every name known, every range inside the registry's
/// accepted interval (for a parameter) or within 0 to 3 (for a coefficient of variation) and
/// containing the default, positive ends for a log-uniform prior, no range for a measured value,
/// each name once. Returns every problem found.
pub fn parse(text: &str) -> Result<Vec<Prior>, Vec<String>> {
    let file: File = toml::from_str(text).map_err(|e| vec![e.to_string()])?;
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for p in &file.prior {
        if !seen.insert(p.name.clone()) {
            problems.push(format!("`{}`: named twice", p.name));
        }
        let Some(default) = p.default_value() else {
            problems.push(format!(
                "`{}`: not a model parameter (`alssim params`) nor `{VARIABILITY_PREFIX}NAME` of a parameter that varies between patients",
                p.name
            ));
            continue;
        };
        let (lo_ok, hi_ok) = match Param::from_name(&p.name) {
            Some(param) => (param.info().min, param.info().max),
            None => (0.0, 3.0),
        };
        match (p.kind, p.range) {
            (Kind::Measured, Some(_)) => {
                problems.push(format!("`{}`: a measured value has no range", p.name));
            }
            (Kind::Measured, None) => {}
            (_, None) => problems.push(format!(
                "`{}`: a {} prior needs a range",
                p.name,
                p.kind.name()
            )),
            (kind, Some([lo, hi])) => {
                if !(lo.is_finite() && hi.is_finite() && lo < hi) {
                    problems.push(format!(
                        "`{}`: range [{lo}, {hi}] is not an interval",
                        p.name
                    ));
                } else if lo < lo_ok || hi > hi_ok {
                    problems.push(format!(
                        "`{}`: range [{lo}, {hi}] leaves the accepted interval [{lo_ok}, {hi_ok}]",
                        p.name
                    ));
                } else if !(lo..=hi).contains(&default) {
                    problems.push(format!(
                        "`{}`: range [{lo}, {hi}] does not contain the default {default}",
                        p.name
                    ));
                } else if kind == Kind::LogUniform && lo <= 0.0 {
                    problems.push(format!(
                        "`{}`: a log-uniform prior needs a positive range",
                        p.name
                    ));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(file.prior)
    } else {
        Err(problems)
    }
}

/// The bundled priors.
pub fn bundled() -> Vec<Prior> {
    // Part of the program and checked by the tests, so it always parses.
    parse(PRIORS_TOML).unwrap_or_default()
}

/// The prior of `name` among `priors`.
pub fn find<'a>(priors: &'a [Prior], name: &str) -> Option<&'a Prior> {
    priors.iter().find(|p| p.name == name)
}

/// The priors as a Markdown table (docs/MODEL.md), in file order.
pub fn markdown_table(priors: &[Prior]) -> String {
    let mut out =
        String::from("| parameter | default | prior | range | reason |\n|---|---|---|---|---|\n");
    for p in priors {
        let range = p
            .range
            .map_or_else(String::new, |[lo, hi]| format!("{lo} to {hi}"));
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            p.name,
            p.default_value()
                .map_or_else(String::new, |d| d.to_string()),
            p.kind.name(),
            range,
            p.reason.replace('|', "\\|")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parameter_has_one_valid_prior() {
        let priors = parse(PRIORS_TOML).unwrap_or_else(|e| panic!("{}", e.join("\n")));
        for p in Param::ALL {
            assert!(
                find(&priors, p.name()).is_some(),
                "{} has no prior",
                p.name()
            );
        }
        for (p, _) in crate::cohort::spec::DEFAULT_VARIABILITY {
            let name = format!("{VARIABILITY_PREFIX}{}", p.name());
            assert!(find(&priors, &name).is_some(), "{name} has no prior");
        }
        assert_eq!(
            priors.len(),
            Param::ALL.len() + crate::cohort::spec::DEFAULT_VARIABILITY.len()
        );
        for p in &priors {
            assert!(!p.reason.is_empty(), "{}", p.name);
        }
    }

    #[test]
    fn bad_priors_are_reported_each() {
        let text = r#"
[[prior]]
name = "agg_growth_rate"
kind = "log-uniform"
range = [0.5, 2.0]
reason = "x"

[[prior]]
name = "no_such"
kind = "uniform"
range = [0.0, 1.0]
reason = "x"

[[prior]]
name = "fvc_healthy"
kind = "measured"
range = [1.0, 2.0]
reason = "x"

[[prior]]
name = "hazard_lof"
kind = "uniform"
reason = "x"
"#;
        let e = parse(text).unwrap_err();
        assert_eq!(e.len(), 4, "{e:?}");
        assert!(e[0].contains("does not contain the default"), "{}", e[0]);
        assert!(e[1].contains("no_such"), "{}", e[1]);
        assert!(e[2].contains("no range"), "{}", e[2]);
        assert!(e[3].contains("needs a range"), "{}", e[3]);
        assert!(parse("[[prior]]\nname = 1").is_err());
    }

    #[test]
    fn quantiles_follow_the_shape() {
        let p = Prior {
            name: "agg_growth_rate".into(),
            kind: Kind::LogUniform,
            range: Some([0.1, 10.0]),
            reason: String::new(),
        };
        assert!((p.quantile(0.5).unwrap() - 1.0).abs() < 1e-12);
        let u = Prior {
            kind: Kind::Uniform,
            ..p.clone()
        };
        assert!((u.quantile(0.5).unwrap() - 5.05).abs() < 1e-12);
        assert!((p.from_unit_scale(p.to_unit_scale(3.0)) - 3.0).abs() < 1e-12);
    }
}
