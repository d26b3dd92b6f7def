//! `alssim drugs`: the drug library.

use alssim::therapy::{Drug, Regimen, library};

/// Options of `alssim drugs`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  alssim drugs\n  alssim drugs riluzole\n  alssim drugs tofersen --toml > my-aso.toml"
)]
pub struct Args {
    /// Show one drug in full, with the source of each parameter.
    name: Option<String>,
    /// With a name: print the drug as TOML (a starting point for a `[drug.NAME]` table).
    #[arg(long, requires = "name")]
    toml: bool,
}

fn regimen_text(d: &Drug) -> String {
    match &d.regimen {
        Regimen::Continuous => "continuous".into(),
        Regimen::Permanent => "permanent (one intervention)".into(),
        Regimen::Cyclic {
            first_on_days,
            first_cycle_days,
            on_days,
            cycle_days,
        } => format!(
            "cyclic: {first_on_days} of {first_cycle_days} days, then {on_days} of {cycle_days}"
        ),
        Regimen::Doses {
            loading_days,
            interval_days,
            half_life_days,
        } => {
            let days: Vec<String> = loading_days.iter().map(|d| d.to_string()).collect();
            let every = interval_days.map_or(String::new(), |i| format!(", then every {i} days"));
            format!(
                "doses on days {}{every}; half-life {half_life_days} days",
                days.join(", ")
            )
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let Some(name) = args.name else {
        crate::outln!("{:<20} {:<16} {:<44} regimen", "drug", "status", "targets");
        for d in library::builtin() {
            let targets: Vec<&str> = d.effects.iter().map(|e| e.target.name()).collect();
            crate::outln!(
                "{:<20} {:<16} {:<44} {}",
                d.name,
                d.status.name(),
                targets.join(", "),
                d.regimen.kind()
            );
        }
        crate::outln!(
            "\n{} drugs. `alssim drugs NAME` shows one with its sources; a scenario's \
             `[drug.NAME]` table overrides one or defines a new one.",
            library::builtin().len()
        );
        return Ok(());
    };
    let Some(d) = library::find(&name) else {
        let names = library::names();
        let hint = alssim::scenario::did_you_mean(&name, names.iter().copied())
            .map_or(String::new(), |s| format!("did you mean `{s}`? "));
        return Err(crate::cli::UsageError(format!(
            "unknown drug `{name}`; {hint}known drugs: {}",
            names.join(", ")
        ))
        .into());
    };
    if args.toml {
        let mut t = alssim::therapy::write::drug_table(d, true);
        // Sources print last, as in the library files.
        let sources = t.remove("sources");
        let mut text = toml::to_string(&t)?;
        if let Some(s) = sources {
            let mut tail = toml::Table::new();
            tail.insert("sources".into(), s);
            text.push('\n');
            text.push_str(&toml::to_string(&tail)?);
        }
        crate::cli::print_out(&text);
        return Ok(());
    }
    crate::outln!("{} ({}): {}", d.title, d.name, d.status.name());
    crate::outln!("{}", d.summary);
    crate::outln!("standard dose: {}", d.standard_dose);
    crate::outln!("regimen: {}", regimen_text(d));
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
        }
        None => crate::outln!("exposure: none (the effect is emax, scaled by adherence)"),
    }
    let on = d.effects_at(1.0, 1.0, 1.0);
    for (e, level) in d.effects.iter().zip(on) {
        crate::outln!(
            "effect on {} ({}): emax {}, ec50 {}, hill {}; at the standard dose {:.3}",
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
    for r in &d.resistance {
        crate::outln!(
            "resistance: {} on {}: ceiling {} (between-patient CV {}), build-up {} months, \
             washout {} months{}",
            r.mechanism.name(),
            r.target.name(),
            r.ceiling,
            r.ceiling_cv,
            r.build_up_months,
            r.washout_months,
            if r.rebound { ", rebound" } else { "" }
        );
        crate::outln!(
            "    source: {}",
            src(&format!("resistance.{}", r.mechanism.name()))
        );
    }
    Ok(())
}
