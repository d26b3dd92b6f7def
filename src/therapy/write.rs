//! Drugs back to TOML, in the format [`super::read`] accepts.

use super::drug::{Drug, Regimen};
use toml::{Table, Value};

fn num(x: f64) -> Value {
    Value::Float(x)
}

fn text(s: &str) -> Value {
    Value::String(s.to_string())
}

/// The drug as a TOML table; `with_name` adds the `name` key (drug files have it, scenario
/// `[drug.NAME]` tables do not).
pub fn drug_table(d: &Drug, with_name: bool) -> Table {
    let mut t = Table::new();
    if with_name {
        t.insert("name".into(), text(&d.name));
    }
    t.insert("title".into(), text(&d.title));
    t.insert("status".into(), text(d.status.name()));
    t.insert("summary".into(), text(&d.summary));
    t.insert("standard-dose".into(), text(&d.standard_dose));
    if let Some(tr) = d.trigger {
        t.insert("trigger".into(), text(tr.name()));
    }
    t.insert("regimen".into(), Value::Table(regimen_table(&d.regimen)));
    if let Some(e) = &d.exposure {
        let mut x = Table::new();
        x.insert("concentration".into(), num(e.concentration));
        x.insert("unit".into(), text(&e.unit));
        x.insert("cns-ratio".into(), num(e.cns_ratio));
        if let Some(pk) = &e.pk {
            let mut p = Table::new();
            p.insert("route".into(), text(pk.route.name()));
            p.insert("dose-mg".into(), num(pk.dose_mg));
            p.insert("interval-hours".into(), num(pk.interval_hours));
            p.insert("half-life-hours".into(), num(pk.half_life_hours));
            if let Some(h) = pk.absorption_half_life_hours {
                p.insert("absorption-half-life-hours".into(), num(h));
            }
            if let Some(f) = pk.fed_exposure {
                p.insert("fed-exposure".into(), num(f));
            }
            x.insert("pk".into(), Value::Table(p));
        }
        t.insert("exposure".into(), Value::Table(x));
    }
    let effects = d
        .effects
        .iter()
        .map(|e| {
            let mut x = Table::new();
            x.insert("target".into(), text(e.target.name()));
            x.insert("emax".into(), num(e.emax));
            if d.exposure.is_some() {
                x.insert("ec50".into(), num(e.ec50));
                x.insert("hill".into(), num(e.hill));
            }
            if let Some(site) = &e.site {
                x.insert("site".into(), text(site));
            }
            Value::Table(x)
        })
        .collect();
    t.insert("effect".into(), Value::Array(effects));
    if !d.resistance.is_empty() {
        let rs = d.resistance.iter().map(resistance_table).collect();
        t.insert("resistance".into(), Value::Array(rs));
    }
    if !d.sources.is_empty() {
        let mut s = Table::new();
        for (k, v) in &d.sources {
            s.insert(k.clone(), text(v));
        }
        t.insert("sources".into(), Value::Table(s));
    }
    t
}

/// The `regimen` table of a drug.
fn regimen_table(regimen: &Regimen) -> Table {
    let mut r = Table::new();
    r.insert("kind".into(), text(regimen.kind()));
    match regimen {
        Regimen::Continuous | Regimen::Permanent => {}
        Regimen::Cyclic {
            first_on_days,
            first_cycle_days,
            on_days,
            cycle_days,
        } => {
            r.insert("first-on-days".into(), num(*first_on_days));
            r.insert("first-cycle-days".into(), num(*first_cycle_days));
            r.insert("on-days".into(), num(*on_days));
            r.insert("cycle-days".into(), num(*cycle_days));
        }
        Regimen::Doses {
            loading_days,
            interval_days,
            half_life_days,
        } => {
            r.insert(
                "loading-days".into(),
                Value::Array(loading_days.iter().map(|&x| num(x)).collect()),
            );
            if let Some(iv) = interval_days {
                r.insert("interval-days".into(), num(*iv));
            }
            r.insert("half-life-days".into(), num(*half_life_days));
        }
    }
    r
}

/// One `resistance` entry of a drug.
fn resistance_table(r: &crate::therapy::Resistance) -> Value {
    let mut x = Table::new();
    x.insert("mechanism".into(), text(r.mechanism.name()));
    // Efflux induction acts on every effect and takes no target.
    if !r.mechanism.lowers_exposure() {
        x.insert("target".into(), text(r.target.name()));
    }
    x.insert("ceiling".into(), num(r.ceiling));
    x.insert("build-up-months".into(), num(r.build_up_months));
    x.insert("washout-months".into(), num(r.washout_months));
    x.insert("ceiling-cv".into(), num(r.ceiling_cv));
    x.insert("rebound".into(), Value::Boolean(r.rebound));
    Value::Table(x)
}
