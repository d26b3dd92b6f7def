//! `alssim drugs`: the drug library.

use alssim::therapy::{Drug, library};

/// Options of `alssim drugs`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  alssim drugs\n  alssim drugs riluzole\n  \
    alssim drugs tofersen --toml >> my-scenario.toml   (then rename `[drug.tofersen]` to define \
    a new drug)\n\nTo change a few values only, a scenario can declare \
    `[drug.NAME]` with `based-on = \"tofersen\"` and just those keys (docs/SCENARIOS.md).")]
pub struct Args {
    /// Show one drug in full, with the source of each parameter.
    name: Option<String>,
    /// With a name: print the drug as a `[drug.NAME]` table to paste into a scenario (under
    /// the same name it overrides the library drug with the same values; renamed, it defines a
    /// new drug).
    #[arg(long, requires = "name")]
    toml: bool,
}

/// A TOML key, quoted when it is not a bare key.
fn toml_key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        k.to_string()
    } else {
        toml::Value::String(k.to_string()).to_string()
    }
}

/// The drug as one `[drug.NAME]` table, with its sub-tables inline and its sources as dotted
/// keys, so that renaming the one header is all it takes to make a new drug of it.
pub fn scenario_table(d: &Drug) -> String {
    use toml::Value;
    let mut out = format!("[drug.{}]\n", toml_key(&d.name));
    for (k, v) in alssim::therapy::write::drug_table(d, false) {
        match (k.as_str(), v) {
            ("sources", Value::Table(sources)) => {
                for (sk, sv) in sources {
                    out.push_str(&format!("sources.{} = {sv}\n", toml_key(&sk)));
                }
            }
            (_, Value::Array(items)) if items.iter().all(Value::is_table) => {
                out.push_str(&format!("{k} = [\n"));
                for item in items {
                    out.push_str(&format!("    {item},\n"));
                }
                out.push_str("]\n");
            }
            (_, v) => out.push_str(&format!("{k} = {v}\n")),
        }
    }
    out
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let Some(name) = args.name else {
        print_library();
        return Ok(());
    };
    let Some(d) = library::find(&name) else {
        let names = library::names();
        let hint = alssim::input::did_you_mean(&name, names.iter().copied())
            .map_or(String::new(), |s| format!("did you mean `{s}`? "));
        return Err(crate::cli::UsageError(format!(
            "unknown drug `{name}`; {hint}known drugs: {}",
            names.join(", ")
        ))
        .into());
    };
    if args.toml {
        crate::cli::print_out(&scenario_table(d));
        return Ok(());
    }
    print_drug(d);
    Ok(())
}

/// The library as a table, one drug per row.
fn print_library() {
    use super::table::{Align, render};
    let rows: Vec<Vec<String>> = library::builtin()
        .iter()
        .map(|d| {
            let targets: Vec<&str> = d.effects.iter().map(|e| e.target.name()).collect();
            vec![
                d.name.clone(),
                d.status.name().to_string(),
                targets.join(", "),
                d.regimen.kind().to_string(),
            ]
        })
        .collect();
    crate::cli::print_out(&render(
        &["drug", "status", "targets", "regimen"],
        &[Align::Left; 4],
        &rows,
    ));
    crate::outln!(
        "\n{} drugs. `alssim drugs NAME` shows one with its sources; a scenario's \
         `[drug.NAME]` table overrides one or defines a new one.",
        library::builtin().len()
    );
}

/// One drug: what it is, its regimen, exposure, effects and resistance, each with its source.
fn print_drug(d: &alssim::therapy::Drug) {
    crate::outln!("{} ({}): {}", d.title, d.name, d.status.name());
    crate::outln!("{}", d.summary);
    crate::outln!("standard dose: {}", d.standard_dose);
    crate::outln!("regimen: {}", d.regimen.describe());
    if let Some(t) = d.trigger {
        crate::outln!("started when: {} is indicated", t.name());
    }
    let src = |k: &str| d.source(k).unwrap_or("(no source given)").to_string();
    crate::outln!("    source: {}", src("regimen"));
    match &d.exposure {
        Some(e) => {
            crate::outln!(
                "exposure: {} {} at the standard dose; target tissue / that = {}",
                e.concentration,
                e.unit,
                e.cns_ratio
            );
            crate::outln!("    concentration: {}", src("exposure.concentration"));
            crate::outln!("    cns-ratio: {}", src("exposure.cns-ratio"));
            if e.pk.is_some() {
                crate::outln!("    pk: {}", src("exposure.pk"));
            }
            print_chain(d, e);
        }
        None => crate::outln!("exposure: none (the effect is emax, scaled by adherence)"),
    }
    print_effects(d);
    for r in &d.resistance {
        let (on, of) = if r.mechanism.lowers_exposure() {
            (
                "the CNS ratio, so every effect".to_string(),
                " of the ratio",
            )
        } else {
            (r.target.name().to_string(), "")
        };
        crate::outln!(
            "resistance: {} on {}: ceiling {}{} (between-patient CV {}), build-up {} months, \
             washout {} months{}",
            r.mechanism.name(),
            on,
            r.ceiling,
            of,
            r.ceiling_cv,
            r.build_up_months,
            r.washout_months,
            if r.rebound {
                "; outlasts the drug (rebound)"
            } else {
                "; only while the drug acts"
            }
        );
        crate::outln!(
            "    source: {}",
            src(&format!("resistance.{}", r.mechanism.name()))
        );
    }
}

/// Each effect with its level at the standard dose (and, for repeated doses, its mean over a
/// dosing interval at the periodic steady state).
/// The exposure chain at the standard dose: dose, plasma (with its time course where the drug
/// states one), target tissue, and each effect.
fn print_chain(d: &alssim::therapy::Drug, e: &alssim::therapy::Exposure) {
    use alssim::therapy::pk::Route;
    let unit = &e.unit;
    crate::outln!("exposure chain at the standard dose:");
    match &e.pk {
        Some(pk) => {
            let absorption = pk
                .absorption_half_life_hours
                .map_or(String::new(), |h| format!("absorption half-life {h} h, "));
            crate::outln!(
                "  dose      {} mg {} every {} h ({absorption}elimination half-life {} h, one compartment)",
                pk.dose_mg,
                match pk.route {
                    Route::Oral => "by mouth",
                    Route::Intravenous => "intravenously",
                    Route::Subcutaneous => "subcutaneously",
                },
                pk.interval_hours,
                pk.half_life_hours
            );
            let ss = pk.steady_state();
            crate::outln!(
                "  plasma    {} {unit} steady-state mean; over a dosing interval from {:.3} (trough) to {:.3} (peak, {:.1} h after a dose); 90% of steady state after {:.1} days of dosing",
                e.concentration,
                e.concentration * ss.trough,
                e.concentration * ss.peak,
                ss.peak_hours,
                pk.days_to_steady_state(0.9)
            );
            if let Some(f) = pk.fed_exposure {
                crate::outln!(
                    "            with food ({} of the fasting exposure): {:.3} {unit}; a scenario sets `food = \"fed\"`",
                    f,
                    e.concentration * f
                );
            }
        }
        None => {
            crate::outln!("  dose      {}", d.standard_dose);
            crate::outln!(
                "  plasma    {} {unit} steady-state mean (no time course within a dosing interval is stated; on the months scale the mean sets the effect)",
                e.concentration
            );
        }
    }
    let tissue = d.tissue_concentration(1.0, 1.0, 1.0);
    crate::outln!(
        "  tissue    {tissue:.4} {unit} (cns-ratio {}); dose and adherence scale it in proportion",
        e.cns_ratio
    );
    for eff in &d.effects {
        crate::outln!(
            "  effect    {}: {:.3} = Emax {} × x/(1 + x), x = (tissue/EC50 {})^{} = {:.4}",
            eff.target.name(),
            eff.at(tissue),
            eff.emax,
            eff.ec50,
            eff.hill,
            (tissue / eff.ec50).powf(eff.hill)
        );
    }
}

fn print_effects(d: &alssim::therapy::Drug) {
    let src = |k: &str| d.source(k).unwrap_or("(no source given)").to_string();
    let on = d.effects_at(1.0, 1.0, 1.0);
    let steady = alssim::therapy::plan::periodic_steady_state_effects(
        d,
        &alssim::therapy::TherapySpec::new(d.clone()),
    );
    for (j, (e, level)) in d.effects.iter().zip(on).enumerate() {
        let mean = steady.as_ref().map_or(String::new(), |v| {
            format!(
                " (right after one dose); mean over a dosing interval at periodic steady state {:.3}",
                v[j]
            )
        });
        let site = e
            .site
            .as_ref()
            .map_or(String::new(), |s| format!(", site {s}"));
        crate::outln!(
            "effect on {} ({}): emax {}, ec50 {}, hill {}{site}; at the standard dose {:.3}{mean}",
            e.target.name(),
            e.target.meaning(),
            e.emax,
            e.ec50,
            e.hill,
            level
        );
        crate::outln!(
            "    source: {}",
            src(&format!("effect.{}", e.target.name()))
        );
    }
}
