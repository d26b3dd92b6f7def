//! The built-in drug library: one TOML file per drug, compiled into the program.

use super::drug::Drug;
use super::read::{DRUG_FILE, read_drug};
use crate::input::Diagnostic;
use crate::input::reader::{Ctx, Table};
use std::sync::OnceLock;
use toml::de::DeTable;

/// The library's files: `(file name, contents)`, in listing order.
pub const FILES: &[(&str, &str)] = &[
    ("riluzole.toml", include_str!("drugs/riluzole.toml")),
    ("edaravone-iv.toml", include_str!("drugs/edaravone-iv.toml")),
    (
        "edaravone-oral.toml",
        include_str!("drugs/edaravone-oral.toml"),
    ),
    ("pb-turso.toml", include_str!("drugs/pb-turso.toml")),
    ("taurursodiol.toml", include_str!("drugs/taurursodiol.toml")),
    ("tofersen.toml", include_str!("drugs/tofersen.toml")),
    ("masitinib.toml", include_str!("drugs/masitinib.toml")),
    ("ibudilast.toml", include_str!("drugs/ibudilast.toml")),
    ("pridopidine.toml", include_str!("drugs/pridopidine.toml")),
    ("zilucoplan.toml", include_str!("drugs/zilucoplan.toml")),
    ("verdiperstat.toml", include_str!("drugs/verdiperstat.toml")),
    ("cnm-au8.toml", include_str!("drugs/cnm-au8.toml")),
    ("msc-ntf.toml", include_str!("drugs/msc-ntf.toml")),
    ("ifb-088.toml", include_str!("drugs/ifb-088.toml")),
    ("ceftriaxone.toml", include_str!("drugs/ceftriaxone.toml")),
    ("c9orf72-aso.toml", include_str!("drugs/c9orf72-aso.toml")),
    ("fus-aso.toml", include_str!("drugs/fus-aso.toml")),
    ("sod1-editing.toml", include_str!("drugs/sod1-editing.toml")),
    ("niv.toml", include_str!("drugs/niv.toml")),
    ("gastrostomy.toml", include_str!("drugs/gastrostomy.toml")),
    (
        "high-calorie-diet.toml",
        include_str!("drugs/high-calorie-diet.toml"),
    ),
];

/// Parses one drug file; `file` names it in messages.
pub fn parse_drug_file(file: &str, src: &str) -> Result<Drug, Vec<Diagnostic>> {
    let doc = match DeTable::parse(src) {
        Ok(doc) => doc,
        Err(e) => {
            return Err(vec![Diagnostic::at(
                file,
                src,
                e.span().unwrap_or(0..0),
                "",
                e.message().trim().to_string(),
                None,
            )]);
        }
    };
    let mut ctx = Ctx::new(file, src);
    let root = Table::new(doc.get_ref(), "", doc.span(), DRUG_FILE);
    root.check_keys(&mut ctx);
    let drug = read_drug(&mut ctx, &root, None, None);
    let diagnostics = ctx.finish();
    match drug {
        Some(d) if diagnostics.is_empty() => Ok(d),
        _ => Err(diagnostics),
    }
}

/// The built-in drugs, in listing order.
pub fn builtin() -> &'static [Drug] {
    static LIBRARY: OnceLock<Vec<Drug>> = OnceLock::new();
    LIBRARY.get_or_init(|| {
        FILES
            .iter()
            .map(|(file, src)| {
                // Every file is parsed by the library's own tests; a failure here is a build
                // defect, reported with its diagnostics.
                parse_drug_file(file, src).unwrap_or_else(|d| {
                    let report: Vec<String> = d.iter().map(|d| d.to_string()).collect();
                    panic!(
                        "built-in drug file {file} is invalid:\n{}",
                        report.join("\n")
                    )
                })
            })
            .collect()
    })
}

/// A built-in drug by name.
pub fn find(name: &str) -> Option<&'static Drug> {
    builtin().iter().find(|d| d.name == name)
}

/// Names of the built-in drugs.
pub fn names() -> Vec<&'static str> {
    builtin().iter().map(|d| d.name.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_drug_parses_and_names_match_files() {
        for (file, src) in FILES {
            let d = parse_drug_file(file, src).unwrap_or_else(|e| {
                panic!(
                    "{file}: {}",
                    e.iter()
                        .map(|d| d.to_string())
                        .collect::<Vec<_>>()
                        .join("\n")
                )
            });
            assert_eq!(format!("{}.toml", d.name), *file);
        }
    }

    #[test]
    fn every_builtin_parameter_has_a_source() {
        for d in builtin() {
            let mut keys = vec!["regimen".to_string()];
            if d.exposure.is_some() {
                keys.push("exposure.concentration".into());
                keys.push("exposure.cns-ratio".into());
            }
            for e in &d.effects {
                keys.push(format!("effect.{}", e.target.name()));
            }
            for r in &d.resistance {
                keys.push(format!("resistance.{}", r.mechanism.name()));
            }
            for k in keys {
                let s = d.source(&k);
                assert!(
                    s.is_some_and(|s| s.len() > 20),
                    "{}: no source or rationale for `{k}`",
                    d.name
                );
            }
        }
    }

    /// The number written right after `marker` in `text`, with how many decimals it was given.
    fn stated_number(text: &str, marker: &str) -> Option<(f64, i32)> {
        let rest = &text[text.find(marker)? + marker.len()..];
        let digits: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let digits = digits.trim_end_matches('.');
        let decimals = digits.split_once('.').map_or(0, |(_, d)| d.len());
        Some((digits.parse().ok()?, i32::try_from(decimals).ok()?))
    }

    /// Whether `computed` rounds to `stated` at the precision it was written with.
    fn rounds_to(computed: f64, (stated, decimals): (f64, i32)) -> bool {
        (computed - stated).abs() <= 0.5 * 10f64.powi(-decimals) + 1e-12
    }

    #[test]
    fn every_stated_exposure_and_effect_follows_from_the_parameters() {
        // A source that states the tissue exposure or the effect at the standard dose ("At 2
        // µM the effect is 0.4", "On infusion days the effect is 0.375", "Right after one dose
        // the effect is 0.15") must agree, to the digits given, with what the exposure chain
        // computes from the drug's own parameters: dose → concentration → CNS ratio → Emax.
        let mut checked = 0;
        let mut wrong = Vec::new();
        for d in builtin() {
            let at_standard = d.effects_at(1.0, 1.0, 1.0);
            let tissue = d.tissue_concentration(1.0, 1.0, 1.0);
            for (e, computed) in d.effects.iter().zip(&at_standard) {
                let key = format!("effect.{}", e.target.name());
                let Some(text) = d.source(&key) else { continue };
                let Some(stated) = stated_number(text, "the effect is ") else {
                    continue;
                };
                if !rounds_to(*computed, stated) {
                    wrong.push(format!(
                        "{}: `{key}` states the effect {} but the parameters give {computed:.4}",
                        d.name, stated.0
                    ));
                }
                checked += 1;
                // The sentence that states the effect, when it says at which exposure.
                let sentence = text
                    .split(". ")
                    .find(|s| s.contains("the effect is "))
                    .unwrap_or("");
                let exposure = stated_number(sentence, "At tissue exposure ")
                    .or_else(|| stated_number(sentence, "At "));
                if let (Some(c), Some(_)) = (exposure, &d.exposure)
                    && !rounds_to(tissue, c)
                {
                    wrong.push(format!(
                        "{}: `{key}` states the tissue exposure {} but the chain gives {tissue:.4}",
                        d.name, c.0
                    ));
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        assert!(checked >= 15, "only {checked} stated effects found");
    }

    #[test]
    fn sources_cite_the_literature_or_say_assumption() {
        for d in builtin() {
            for (key, text) in &d.sources {
                for vague in ["seed document", "to be verified"] {
                    assert!(
                        !text.contains(vague),
                        "{}: source of `{key}` reads \"{vague}\": cite the literature or say \"assumption\"",
                        d.name
                    );
                }
            }
            // An assumed exposure or effect parameter comes with the range to explore it over.
            for (key, text) in &d.sources {
                if (key.starts_with("effect.") || key.starts_with("exposure."))
                    && text.contains("assum")
                {
                    assert!(
                        text.to_lowercase().contains("range"),
                        "{}: `{key}` states an assumption without the range to explore it over",
                        d.name
                    );
                }
            }
            // No resistance term of the library has been measured in patients: each says so,
            // with the range its assumed values are drawn from.
            for r in &d.resistance {
                let key = format!("resistance.{}", r.mechanism.name());
                let text = d.source(&key).unwrap_or("");
                assert!(
                    text.contains("assumption") && text.contains("range"),
                    "{}: `{key}` should say plainly which values are assumptions, with a range",
                    d.name
                );
            }
        }
    }
}
