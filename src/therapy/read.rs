//! Reading drug definitions from TOML, with every problem reported where it is.
//!
//! The same reader serves the library's files and `[drug.NAME]` tables of scenarios. A scenario
//! table whose name is a library drug overrides that drug key by key (sub-tables key by key,
//! the `effect` and `resistance` lists as wholes); any other name defines a new drug, which
//! then needs every required key, unless it names a drug to inherit from with `based-on` (read
//! by the scenario reader), which it then overrides in the same way. The sources of inherited
//! values that a table changes are dropped unless the table gives new ones.

use super::drug::*;
use crate::input::reader::{self, Ctx, Table, Value};
use toml::de::DeValue;

/// Keys of a drug file.
pub const DRUG_FILE: &[&str] = &[
    "name",
    "title",
    "status",
    "summary",
    "standard-dose",
    "trigger",
    "regimen",
    "exposure",
    "effect",
    "resistance",
    "sources",
];
/// Keys of a scenario's `[drug.NAME]` table (the name is the table's key).
pub const SCENARIO_DRUG: &[&str] = &[
    "based-on",
    "title",
    "status",
    "summary",
    "standard-dose",
    "trigger",
    "regimen",
    "exposure",
    "effect",
    "resistance",
    "sources",
];
/// Keys of a drug's `regimen` table, of every regimen kind.
pub const REGIMEN: &[&str] = &[
    "kind",
    "first-on-days",
    "first-cycle-days",
    "on-days",
    "cycle-days",
    "loading-days",
    "interval-days",
    "half-life-days",
];
const EXPOSURE: &[&str] = &["concentration", "unit", "cns-ratio", "pk"];
/// Keys of `[exposure.pk]`.
const PK: &[&str] = &[
    "route",
    "dose-mg",
    "interval-hours",
    "half-life-hours",
    "absorption-half-life-hours",
    "fed-exposure",
];
const EFFECT: &[&str] = &["target", "emax", "ec50", "hill", "site"];
const RESISTANCE: &[&str] = &[
    "mechanism",
    "target",
    "ceiling",
    "build-up-months",
    "washout-months",
    "ceiling-cv",
    "rebound",
];

/// Longest time constant or interval accepted, months (100 years).
pub(crate) const MAX_MONTHS: f64 = 1200.0;
/// Largest between-patient coefficient of variation of a resistance ceiling.
pub(crate) const MAX_CEILING_CV: f64 = 3.0;

fn targets() -> Vec<(&'static str, Target)> {
    Target::ALL.iter().map(|&t| (t.name(), t)).collect()
}

/// Reads a drug table. `name` is the drug's name when the table does not carry it (scenario
/// tables); `base` is the library drug being overridden, if any.
pub fn read_drug(
    ctx: &mut Ctx<'_>,
    t: &Table<'_, '_>,
    name: Option<&str>,
    base: Option<&Drug>,
) -> Option<Drug> {
    let errors_before = ctx.error_count();
    let string_or = |ctx: &mut Ctx<'_>, key: &str, fallback: Option<String>| -> Option<String> {
        match t.get(key) {
            Some(v) => reader::string(ctx, v, &t.key_path(key)),
            None => {
                if fallback.is_none() {
                    missing(
                        ctx,
                        t,
                        format!("missing key `{key}`"),
                        Some(format!("a new drug needs `{key}`")),
                    );
                }
                fallback
            }
        }
    };
    let name = match name {
        Some(n) => Some(n.to_string()),
        None => string_or(ctx, "name", base.map(|b| b.name.clone())),
    };
    let title = string_or(ctx, "title", base.map(|b| b.title.clone()).or(name.clone()));
    let summary = string_or(ctx, "summary", base.map(|b| b.summary.clone()));
    let standard_dose = string_or(ctx, "standard-dose", base.map(|b| b.standard_dose.clone()));
    let status = drug_status(ctx, t, base);
    let trigger = drug_trigger(ctx, t, base);
    let regimen = drug_regimen(ctx, t, base);
    let exposure = drug_exposure(ctx, t, base);
    let effects = drug_effects(ctx, t, base, matches!(exposure, Some(Some(_))));
    let resistance = match (t.get("resistance"), &effects) {
        (Some(v), Some(effects)) => {
            read_resistance(ctx, v, &t.key_path("resistance"), effects).unwrap_or_default()
        }
        (None, _) => base.map(|b| b.resistance.clone()).unwrap_or_default(),
        (Some(_), None) => Vec::new(),
    };
    let sources = drug_sources(ctx, t, base);
    // Cross-checks that need several keys.
    if let (Some(regimen), Some(exposure)) = (&regimen, &exposure)
        && exposure.is_none()
        && matches!(regimen, Regimen::Doses { .. })
    {
        ctx.error(
            t.span.clone(),
            &t.path,
            "a `doses` regimen needs `exposure`",
            Some("give `exposure = { concentration = ..., unit = \"...\", cns-ratio = ... }`: the level right after one dose".into()),
        );
    }
    if ctx.error_count() > errors_before {
        return None;
    }
    Some(Drug {
        name: name?,
        title: title?,
        status: status?,
        summary: summary?,
        standard_dose: standard_dose?,
        regimen: regimen?,
        trigger,
        exposure: exposure?,
        effects: effects?,
        resistance,
        sources,
    })
}

/// The `status` of a drug table, or the base drug's (a new drug is hypothetical).
fn drug_status(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, base: Option<&Drug>) -> Option<Status> {
    match t.get("status") {
        Some(v) => reader::choice(
            ctx,
            v,
            &t.key_path("status"),
            &Status::ALL.map(|s| (s.name(), s)),
        ),
        None => Some(base.map_or(Status::Hypothetical, |b| b.status)),
    }
}

/// The `trigger` of a drug table (`none` for none), or the base drug's.
fn drug_trigger(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, base: Option<&Drug>) -> Option<Trigger> {
    match t.get("trigger") {
        Some(v) => {
            let mut options: Vec<(&str, Option<Trigger>)> =
                Trigger::ALL.iter().map(|&g| (g.name(), Some(g))).collect();
            options.push(("none", None));
            reader::choice(ctx, v, &t.key_path("trigger"), &options).flatten()
        }
        None => base.and_then(|b| b.trigger),
    }
}

/// The `exposure` of a drug table over the base drug's (`Some(None)`: no exposure; `None`: an
/// error was reported).
fn drug_exposure(
    ctx: &mut Ctx<'_>,
    t: &Table<'_, '_>,
    base: Option<&Drug>,
) -> Option<Option<Exposure>> {
    match t.get("exposure") {
        Some(v) => reader::table(ctx, v, &t.key_path("exposure"), EXPOSURE)
            .and_then(|e| read_exposure(ctx, &e, base.and_then(|b| b.exposure.as_ref())))
            .map(Some),
        None => Some(base.and_then(|b| b.exposure.clone())),
    }
}

/// The sources of a drug: the base drug's for the values the table keeps, and the table's own.
fn drug_sources(
    ctx: &mut Ctx<'_>,
    t: &Table<'_, '_>,
    base: Option<&Drug>,
) -> Vec<(String, String)> {
    let mut sources = base.map(|b| b.sources.clone()).unwrap_or_default();
    // A changed value no longer has the base's source.
    sources.retain(|(key, _)| !overridden(t, key));
    if let Some(v) = t.get("sources") {
        read_sources(ctx, v, &t.key_path("sources"), &mut sources);
    }
    sources
}

/// The `regimen` of a drug table, or the base drug's; a new drug must give one.
fn drug_regimen(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, base: Option<&Drug>) -> Option<Regimen> {
    match t.get("regimen") {
        Some(v) => reader::table(ctx, v, &t.key_path("regimen"), REGIMEN)
            .and_then(|r| read_regimen(ctx, &r, base.map(|b| &b.regimen))),
        None => match base {
            Some(b) => Some(b.regimen.clone()),
            None => {
                missing(
                    ctx,
                    t,
                    "missing table `regimen`",
                    Some(
                        "a new drug needs `regimen = { kind = \"continuous\" }` (or `cyclic`, \
                         `doses`, `permanent`)"
                            .into(),
                    ),
                );
                None
            }
        },
    }
}

/// The `effect` list of a drug table, or the base drug's; a new drug must give one.
fn drug_effects(
    ctx: &mut Ctx<'_>,
    t: &Table<'_, '_>,
    base: Option<&Drug>,
    has_exposure: bool,
) -> Option<Vec<Effect>> {
    match t.get("effect") {
        Some(v) => read_effects(ctx, v, &t.key_path("effect"), has_exposure),
        None => match base {
            Some(b) => Some(b.effects.clone()),
            None => {
                missing(
                    ctx,
                    t,
                    "missing `effect`",
                    Some(format!(
                        "a new drug needs at least one effect, e.g. `effect = [{{ target = \
                         \"glutamate-release\", emax = 0.3, ec50 = 1.0, hill = 1.0 }}]`; targets: {}",
                        reader::list(&Target::ALL.map(Target::name))
                    )),
                );
                None
            }
        },
    }
}

/// Whether a table changes the value that the source key `key` documents.
fn overridden(t: &Table<'_, '_>, key: &str) -> bool {
    let (head, tail) = key.split_once('.').unwrap_or((key, ""));
    if !["regimen", "trigger", "exposure", "effect", "resistance"].contains(&head) {
        return false;
    }
    match (head, t.get(head).map(|v| v.get_ref())) {
        (_, None) => false,
        // An exposure table changes only the keys it gives.
        ("exposure", Some(DeValue::Table(x))) => x.iter().any(|(k, _)| {
            let k: &str = k.get_ref();
            k == tail || (k == "unit" && tail == "concentration")
        }),
        _ => true,
    }
}

/// Reports a key or table a new drug must have.
fn missing(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, message: impl Into<String>, help: Option<String>) {
    ctx.error(t.span.clone(), &t.path, message, help);
}

fn num(
    ctx: &mut Ctx<'_>,
    t: &Table<'_, '_>,
    key: &str,
    lo: f64,
    hi: f64,
    unit: &str,
    fallback: Option<f64>,
) -> Option<f64> {
    match t.get(key) {
        Some(_) => reader::opt_number(ctx, t, key, lo, hi, unit),
        None => {
            if fallback.is_none() {
                missing(
                    ctx,
                    t,
                    format!("missing key `{key}`"),
                    Some(if unit.starts_with('(') {
                        format!("give `{key}` {unit}")
                    } else {
                        format!("give `{key}` ({unit})")
                    }),
                );
            }
            fallback
        }
    }
}

fn positive(
    ctx: &mut Ctx<'_>,
    t: &Table<'_, '_>,
    key: &str,
    hi: f64,
    unit: &str,
    fallback: Option<f64>,
) -> Option<f64> {
    let x = num(ctx, t, key, 0.0, hi, unit, fallback)?;
    if x <= 0.0 {
        if let Some(v) = t.get(key) {
            ctx.error(
                v.span(),
                &t.key_path(key),
                format!("`{key}` must be positive"),
                Some(format!("give a number above 0 ({unit})")),
            );
        }
        return None;
    }
    Some(x)
}

fn read_regimen(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, base: Option<&Regimen>) -> Option<Regimen> {
    let kinds = [
        ("continuous", 0u8),
        ("cyclic", 1),
        ("doses", 2),
        ("permanent", 3),
    ];
    let base_kind = base.map(|b| match b {
        Regimen::Continuous => 0,
        Regimen::Cyclic { .. } => 1,
        Regimen::Doses { .. } => 2,
        Regimen::Permanent => 3,
    });
    let kind = match t.get("kind") {
        Some(v) => reader::choice(ctx, v, &t.key_path("kind"), &kinds)?,
        None => match base_kind {
            Some(k) => k,
            None => {
                missing(
                    ctx,
                    t,
                    "missing key `kind`",
                    Some(format!("accepted: {}", reader::list(&kinds.map(|k| k.0)))),
                );
                return None;
            }
        },
    };
    // Keys that belong to another kind are mistakes, not silently ignored.
    let own: &[&str] = match kind {
        1 => &["first-on-days", "first-cycle-days", "on-days", "cycle-days"],
        2 => &["loading-days", "interval-days", "half-life-days"],
        _ => &[],
    };
    for key in REGIMEN.iter().filter(|k| **k != "kind" && !own.contains(k)) {
        if let Some(v) = t.get(key) {
            ctx.error(
                v.span(),
                &t.key_path(key),
                format!(
                    "`{key}` does not apply to a `{}` regimen",
                    kinds[kind as usize].0
                ),
                Some(if own.is_empty() {
                    "this kind takes no other key".to_string()
                } else {
                    format!("keys of this kind: {}", reader::list(own))
                }),
            );
        }
    }
    match kind {
        0 => Some(Regimen::Continuous),
        3 => Some(Regimen::Permanent),
        1 => read_cyclic(ctx, t, base),
        _ => read_doses(ctx, t, base),
    }
}

/// A cyclic regimen: dosing days within each cycle, the first cycle possibly different.
fn read_cyclic(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, base: Option<&Regimen>) -> Option<Regimen> {
    let b = match base {
        Some(Regimen::Cyclic {
            first_on_days,
            first_cycle_days,
            on_days,
            cycle_days,
        }) => Some((*first_on_days, *first_cycle_days, *on_days, *cycle_days)),
        _ => None,
    };
    let cycle = positive(ctx, t, "cycle-days", 3650.0, "days", b.map(|b| b.3));
    let on = positive(ctx, t, "on-days", 3650.0, "days", b.map(|b| b.2));
    let first_cycle = positive(
        ctx,
        t,
        "first-cycle-days",
        3650.0,
        "days",
        b.map(|b| b.1).or(cycle),
    );
    let first_on = positive(
        ctx,
        t,
        "first-on-days",
        3650.0,
        "days",
        b.map(|b| b.0).or(on),
    );
    let (cycle, on, first_cycle, first_on) = (cycle?, on?, first_cycle?, first_on?);
    for (on, len, key) in [
        (on, cycle, "on-days"),
        (first_on, first_cycle, "first-on-days"),
    ] {
        if on > len {
            let span = t.get(key).map_or(t.span.clone(), |v| v.span());
            ctx.error(
                span,
                &t.key_path(key),
                format!("{on} dosing days do not fit in a cycle of {len} days"),
                Some("dosing days must be at most the cycle length".into()),
            );
            return None;
        }
    }
    Some(Regimen::Cyclic {
        first_on_days: first_on,
        first_cycle_days: first_cycle,
        on_days: on,
        cycle_days: cycle,
    })
}

/// Separate doses: loading doses, then maintenance doses at an interval, each decaying with
/// the half-life at the target.
fn read_doses(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, base: Option<&Regimen>) -> Option<Regimen> {
    let b = match base {
        Some(Regimen::Doses {
            loading_days,
            interval_days,
            half_life_days,
        }) => Some((loading_days.clone(), *interval_days, *half_life_days)),
        _ => None,
    };
    let half_life = positive(
        ctx,
        t,
        "half-life-days",
        36500.0,
        "(days at the target)",
        b.as_ref().map(|b| b.2),
    );
    let interval = match t.get("interval-days") {
        Some(v) => {
            let x = reader::number(
                ctx,
                v,
                &t.key_path("interval-days"),
                1.0,
                3650.0,
                "(days between maintenance doses)",
            );
            x.map(Some)
        }
        None => Some(b.as_ref().and_then(|b| b.1)),
    };
    let loading = match t.get("loading-days") {
        Some(v) => read_loading_days(ctx, t, v),
        None => Some(b.as_ref().map_or_else(|| vec![0.0], |b| b.0.clone())),
    };
    Some(Regimen::Doses {
        loading_days: loading?,
        interval_days: interval?,
        half_life_days: half_life?,
    })
}

/// `loading-days`: days after the start, from 0 and increasing.
fn read_loading_days(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, v: &Value<'_>) -> Option<Vec<f64>> {
    let path = t.key_path("loading-days");
    reader::array(ctx, v, &path).and_then(|items| {
        let days: Vec<Option<f64>> = items
            .iter()
            .enumerate()
            .map(|(i, d)| {
                reader::number(
                    ctx,
                    d,
                    &format!("{path}[{i}]"),
                    0.0,
                    36500.0,
                    "(days after start)",
                )
            })
            .collect();
        let days: Option<Vec<f64>> = days.into_iter().collect();
        let days = days?;
        if days.first() != Some(&0.0) || days.windows(2).any(|w| w[1] <= w[0]) {
            ctx.error(
                v.span(),
                &path,
                "loading days must start at 0 and increase",
                Some("e.g. `[0, 14, 28]`: the first dose is given at the start".into()),
            );
            return None;
        }
        Some(days)
    })
}

fn read_exposure(
    ctx: &mut Ctx<'_>,
    t: &Table<'_, '_>,
    base: Option<&Exposure>,
) -> Option<Exposure> {
    let concentration = positive(
        ctx,
        t,
        "concentration",
        1e9,
        "(in the drug's unit)",
        base.map(|b| b.concentration),
    );
    let cns = positive(
        ctx,
        t,
        "cns-ratio",
        1e6,
        "(tissue over `concentration`)",
        base.map(|b| b.cns_ratio),
    );
    let unit = match t.get("unit") {
        Some(v) => reader::string(ctx, v, &t.key_path("unit")),
        None => match base {
            Some(b) => Some(b.unit.clone()),
            None => {
                missing(
                    ctx,
                    t,
                    "missing key `unit`",
                    Some(
                        "name the unit of `concentration` and `ec50`, e.g. `unit = \"µM\"`".into(),
                    ),
                );
                None
            }
        },
    };
    let pk = match t.get("pk") {
        Some(v) => {
            Some(reader::table(ctx, v, &t.key_path("pk"), PK).and_then(|p| read_pk(ctx, &p))?)
        }
        None => base.and_then(|b| b.pk.clone()),
    };
    Some(Exposure {
        concentration: concentration?,
        unit: unit?,
        cns_ratio: cns?,
        pk,
    })
}

/// `[exposure.pk]`: every key but `fed-exposure` is required, and `absorption-half-life-hours`
/// belongs to the routes with absorption.
fn read_pk(ctx: &mut Ctx<'_>, t: &Table<'_, '_>) -> Option<super::pk::Pk> {
    use super::pk::{Pk, Route};
    let route = match t.get("route") {
        Some(v) => reader::choice(
            ctx,
            v,
            &t.key_path("route"),
            &Route::ALL.map(|r| (r.name(), r)),
        ),
        None => {
            missing(
                ctx,
                t,
                "missing key `route`",
                Some(format!(
                    "routes: {}",
                    reader::list(&Route::ALL.map(Route::name))
                )),
            );
            None
        }
    };
    let dose = positive(ctx, t, "dose-mg", 1e6, "mg per administration", None);
    let interval = positive(ctx, t, "interval-hours", 24.0 * 365.0, "hours", None);
    let half = positive(ctx, t, "half-life-hours", 24.0 * 3650.0, "hours", None);
    let absorption = match (route, t.get("absorption-half-life-hours")) {
        (Some(Route::Intravenous), Some(v)) => {
            ctx.error(
                v.span(),
                &t.key_path("absorption-half-life-hours"),
                "an intravenous dose has no absorption phase",
                Some("leave out `absorption-half-life-hours`, or choose `route = \"oral\"` or `\"subcutaneous\"`".into()),
            );
            None
        }
        (Some(Route::Intravenous), None) => Some(None),
        (_, Some(_)) => positive(
            ctx,
            t,
            "absorption-half-life-hours",
            24.0 * 365.0,
            "hours",
            None,
        )
        .map(Some),
        (Some(_), None) => {
            missing(
                ctx,
                t,
                "missing key `absorption-half-life-hours`",
                Some("an oral or subcutaneous dose is absorbed at a first-order rate: give its half-life in hours".into()),
            );
            None
        }
        (None, None) => None,
    };
    let fed = match t.get("fed-exposure") {
        Some(_) => Some(positive(
            ctx,
            t,
            "fed-exposure",
            10.0,
            "(exposure with food relative to fasting)",
            None,
        )?),
        None => None,
    };
    Some(Pk {
        route: route?,
        dose_mg: dose?,
        interval_hours: interval?,
        half_life_hours: half?,
        absorption_half_life_hours: absorption?,
        fed_exposure: fed,
    })
}

fn read_effects(
    ctx: &mut Ctx<'_>,
    v: &Value<'_>,
    path: &str,
    has_exposure: bool,
) -> Option<Vec<Effect>> {
    let items = reader::array(ctx, v, path)?;
    if items.is_empty() {
        ctx.error(
            v.span(),
            path,
            "a drug needs at least one effect",
            Some(format!(
                "targets: {}",
                reader::list(&Target::ALL.map(Target::name))
            )),
        );
        return None;
    }
    let mut out: Vec<Effect> = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        match read_effect(ctx, item, &format!("{path}[{i}]"), has_exposure, &out) {
            Some(e) => out.push(e),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// One effect of a drug (`p` is its key path); `seen` holds the effects read before it.
fn read_effect(
    ctx: &mut Ctx<'_>,
    item: &Value<'_>,
    p: &str,
    has_exposure: bool,
    seen: &[Effect],
) -> Option<Effect> {
    let t = reader::table(ctx, item, p, EFFECT)?;
    let target = match t.get("target") {
        Some(v) => reader::choice(ctx, v, &t.key_path("target"), &targets()),
        None => {
            ctx.error(
                t.span.clone(),
                p,
                "missing key `target`",
                Some(format!(
                    "targets: {}",
                    reader::list(&Target::ALL.map(Target::name))
                )),
            );
            None
        }
    };
    let hi = match target.map(Target::direction) {
        Some(crate::model::Direction::Raise) => 10.0,
        _ => 1.0,
    };
    let emax = positive(
        ctx,
        &t,
        "emax",
        hi,
        "(fractional change of the mechanism)",
        None,
    );
    if !has_exposure {
        for key in ["ec50", "hill"] {
            if let Some(v) = t.get(key) {
                ctx.error(
                    v.span(),
                    &t.key_path(key),
                    format!("`{key}` needs the drug's `exposure`"),
                    Some("without `exposure` an effect is `emax` scaled by adherence: add `exposure` or leave out `ec50` and `hill`".into()),
                );
            }
        }
    }
    let ec50 = positive(
        ctx,
        &t,
        "ec50",
        1e9,
        "(tissue concentration, the exposure's unit)",
        Some(1.0),
    );
    let hill = num(ctx, &t, "hill", 0.1, 10.0, "(Hill coefficient)", Some(1.0));
    if let Some(tg) = target
        && seen.iter().any(|e| e.target == tg)
    {
        ctx.error(
            t.get("target").map_or(t.span.clone(), |v| v.span()),
            &t.key_path("target"),
            format!("target `{}` appears twice", tg.name()),
            Some("give each target one effect".into()),
        );
        return None;
    }
    let site = match t.get("site") {
        Some(v) => Some(effect_site(ctx, v, &t.key_path("site"))?),
        None => None,
    };
    Some(Effect {
        target: target?,
        emax: emax?,
        ec50: ec50?,
        hill: hill?,
        site,
    })
}

/// The `site` of an effect: a name of lowercase letters, digits and `-`.
fn effect_site(ctx: &mut Ctx<'_>, v: &Value<'_>, path: &str) -> Option<String> {
    let s = reader::string(ctx, v, path)?;
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !ok {
        ctx.error(
            v.span(),
            path,
            format!("`{s}` is not a site name"),
            Some(
                "a site is named by lowercase letters, digits and `-`, starting with a letter \
                 (at most 64), e.g. \"sigma-1\"; effects of drugs that name the same site \
                 on the same target compete for it"
                    .into(),
            ),
        );
        return None;
    }
    Some(s)
}

fn read_resistance(
    ctx: &mut Ctx<'_>,
    v: &Value<'_>,
    path: &str,
    effects: &[Effect],
) -> Option<Vec<Resistance>> {
    let items = reader::array(ctx, v, path)?;
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let Some(t) = reader::table(ctx, item, &p, RESISTANCE) else {
            continue;
        };
        let mechanism = resistance_mechanism(ctx, &t, &p);
        let target = resistance_target(ctx, &t, effects);
        if let (Some(m), Some(tg)) = (mechanism, target)
            && m.sensitizes()
            && tg != Target::GlutamateRelease
        {
            ctx.error(
                t.get("mechanism").map_or(t.span.clone(), |v| v.span()),
                &t.key_path("mechanism"),
                format!(
                    "`{}` answers a lowered glutamate release, but this term's target is `{}`",
                    m.name(),
                    tg.name()
                ),
                Some("use it with `target = \"glutamate-release\"`, or choose `tolerance`".into()),
            );
        }
        refuse_efflux_target(ctx, &t, mechanism);
        let ceiling = num(
            ctx,
            &t,
            "ceiling",
            0.0,
            1.0,
            "(fraction of the effect cancelled at full build-up; for efflux-induction, of the CNS ratio)",
            None,
        );
        let build = positive(ctx, &t, "build-up-months", MAX_MONTHS, "months", None);
        let washout = positive(ctx, &t, "washout-months", MAX_MONTHS, "months", None);
        let cv = num(
            ctx,
            &t,
            "ceiling-cv",
            0.0,
            MAX_CEILING_CV,
            "(between-patient coefficient of variation)",
            Some(0.0),
        );
        let rebound = match t.get("rebound") {
            Some(v) => reader::boolean(ctx, v, &t.key_path("rebound")),
            // A compensation of the patient's own pathway outlasts the drug.
            None => Some(mechanism.is_some_and(Mechanism::acts_on_patient)),
        };
        if let (
            Some(mechanism),
            Some(target),
            Some(ceiling),
            Some(build_up_months),
            Some(washout_months),
            Some(ceiling_cv),
            Some(rebound),
        ) = (mechanism, target, ceiling, build, washout, cv, rebound)
        {
            if erosion_conflict(ctx, &t, &out, mechanism, target) {
                continue;
            }
            out.push(Resistance {
                mechanism,
                target,
                ceiling,
                build_up_months,
                washout_months,
                ceiling_cv,
                rebound,
            });
        }
    }
    Some(out)
}

/// Efflux induction lowers the drug's concentration at every target: a `target` is an error.
fn refuse_efflux_target(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, mechanism: Option<Mechanism>) {
    if let (Some(m), Some(v)) = (mechanism, t.get("target"))
        && m.lowers_exposure()
    {
        ctx.error(
            v.span(),
            &t.key_path("target"),
            format!(
                "`{}` lowers the drug's concentration at every target, so it takes no `target`",
                m.name()
            ),
            Some("leave out `target`: the term erodes each of the drug's effects".into()),
        );
    }
}

/// One compensation erodes an effect: two eroding terms on one effect (or efflux induction
/// beside any other eroding term) would overwrite each other. Reports the clash; true when
/// there is one.
fn erosion_conflict(
    ctx: &mut Ctx<'_>,
    t: &Table<'_, '_>,
    earlier: &[Resistance],
    mechanism: Mechanism,
    target: Target,
) -> bool {
    let erodes = |r: &Resistance| {
        !r.mechanism.sensitizes()
            && !mechanism.sensitizes()
            && (r.target == target || r.mechanism.lowers_exposure() || mechanism.lowers_exposure())
    };
    let Some(other) = earlier.iter().find(|r| erodes(r)) else {
        return false;
    };
    ctx.error(
        t.get("mechanism").map_or(t.span.clone(), |v| v.span()),
        &t.key_path("mechanism"),
        format!(
            "`{}` and `{}` would both erode the effect on `{}`",
            other.mechanism.name(),
            mechanism.name(),
            target.name()
        ),
        Some(
            "at most one eroding term per effect (efflux-induction erodes every effect); \
             glutamate-receptor-upregulation may come beside any"
                .into(),
        ),
    );
    true
}

/// The `mechanism` of a resistance term.
fn resistance_mechanism(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, p: &str) -> Option<Mechanism> {
    match t.get("mechanism") {
        Some(v) => reader::choice(
            ctx,
            v,
            &t.key_path("mechanism"),
            &Mechanism::ALL.map(|m| (m.name(), m)),
        ),
        None => {
            ctx.error(
                t.span.clone(),
                p,
                "missing key `mechanism`",
                Some(format!(
                    "mechanisms: {}",
                    reader::list(&Mechanism::ALL.map(Mechanism::name))
                )),
            );
            None
        }
    }
}

/// The `target` of a resistance term: one of the drug's own effects (the first by default).
fn resistance_target(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, effects: &[Effect]) -> Option<Target> {
    let own: Vec<&str> = effects.iter().map(|e| e.target.name()).collect();
    match t.get("target") {
        Some(v) => {
            let options: Vec<(&str, Target)> = effects
                .iter()
                .map(|e| (e.target.name(), e.target))
                .collect();
            let s = reader::string(ctx, v, &t.key_path("target"));
            s.and_then(|s| {
                let found = options.iter().find(|(n, _)| *n == s).map(|o| o.1);
                if found.is_none() {
                    ctx.error(
                        v.span(),
                        &t.key_path("target"),
                        format!("`{s}` is not a target of this drug"),
                        Some(format!(
                            "resistance erodes one of the drug's own effects: {}",
                            reader::list(&own)
                        )),
                    );
                }
                found
            })
        }
        None => effects.first().map(|e| e.target),
    }
}

fn read_sources(ctx: &mut Ctx<'_>, v: &Value<'_>, path: &str, out: &mut Vec<(String, String)>) {
    let DeValue::Table(table) = v.get_ref() else {
        ctx.error(
            v.span(),
            path,
            format!("expected a table, found {}", v.get_ref().type_str()),
            Some(
                "write `[sources]` with one `\"key\" = \"source or rationale\"` per parameter"
                    .into(),
            ),
        );
        return;
    };
    for (k, s) in table.iter() {
        let key: &str = k.get_ref();
        if let Some(text) = reader::string(ctx, s, &reader::join(path, key)) {
            match out.iter_mut().find(|(have, _)| have == key) {
                Some(entry) => entry.1 = text,
                None => out.push((key.to_string(), text)),
            }
        }
    }
}
