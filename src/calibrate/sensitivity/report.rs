//! The tables and prose of a Morris analysis: `sensitivity.csv`, `sensitivity-evaluations.csv`,
//! `SENSITIVITY.md` and its figures.

use super::{Analysis, MorrisDesign, OUTCOMES, order_by_mu_star, ranks};
use std::fmt::Write;

fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.6}")
    } else {
        String::new()
    }
}

fn sig(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".to_string();
    }
    let a = x.abs();
    if a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else if a >= 1.0 {
        format!("{x:.2}")
    } else if a >= 0.01 {
        format!("{x:.3}")
    } else if a == 0.0 {
        "0".to_string()
    } else {
        format!("{x:.2e}")
    }
}

/// `sensitivity.csv`: one row per outcome and factor (factors in decreasing `μ*` of median
/// survival); `rank` is the factor's rank by `μ*` for that outcome; `low` and `high` are the
/// explored parameter range. Empty cells are values that could not be computed.
pub fn to_csv(a: &Analysis) -> String {
    let mut out = String::from("factor,group,outcome,mu_star,mu,sigma,n_effects,rank,low,high\n");
    let order = a.order();
    for (o, info) in OUTCOMES.iter().enumerate() {
        let rank = ranks(&a.morris.summary[o]);
        for &i in &order {
            let f = &a.factors[i];
            let e = a.morris.summary[o][i];
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{}",
                f.param.name(),
                f.group,
                info.metric,
                num(e.mu_star),
                num(e.mu),
                num(e.sigma),
                e.n_effects,
                rank[i],
                f.low,
                f.high
            );
        }
    }
    out
}

/// `evaluations.csv`: every design point with its parameter values and outcomes.
pub fn evaluations_csv(a: &Analysis) -> String {
    let mut out = String::from("trajectory,step,moved");
    for f in &a.factors {
        let _ = write!(out, ",{}", f.param.name());
    }
    for o in &OUTCOMES {
        let _ = write!(out, ",{}", o.metric);
    }
    out.push('\n');
    for (t, (traj, ys)) in a
        .morris
        .trajectories
        .iter()
        .zip(&a.morris.outputs)
        .enumerate()
    {
        for (j, (x, y)) in traj.points.iter().zip(ys).enumerate() {
            let moved = if j == 0 {
                String::new()
            } else {
                a.factors[traj.order[j - 1]].param.name()
            };
            let _ = write!(out, "{},{j},{moved}", t + 1);
            for (f, &u) in a.factors.iter().zip(x) {
                let _ = write!(out, ",{}", f.value(u));
            }
            for &v in y {
                let _ = write!(out, ",{}", num(v));
            }
            out.push('\n');
        }
    }
    out
}

fn list(names: &[String]) -> String {
    match names.len() {
        0 => String::new(),
        1 => names[0].clone(),
        n => format!("{} and {}", names[..n - 1].join(", "), names[n - 1]),
    }
}

/// The direction of each leading factor's effect on outcome `o`: monotone when the mean effect
/// is nearly all of μ*.
fn directions(a: &Analysis, o: usize, leading: &[usize]) -> String {
    let (info, eff) = (OUTCOMES[o], &a.morris.summary[o]);
    let directions: Vec<String> = leading
        .iter()
        .map(|&i| {
            let e = eff[i];
            if e.mu_star > 0.0 && e.mu.abs() >= 0.8 * e.mu_star {
                format!(
                    "raising `{}` {} it",
                    a.factors[i].param.name(),
                    if e.mu > 0.0 { info.up } else { info.down }
                )
            } else {
                format!(
                    "`{}` acts in both directions depending on the other factors",
                    a.factors[i].param.name()
                )
            }
        })
        .collect();
    format!("Across the explored ranges, {}. ", list(&directions))
}

/// How the summed μ* of outcome `o` splits between mechanism groups (empty with one group).
fn groups(a: &Analysis, o: usize, finite: &[usize], total: f64) -> String {
    let eff = &a.morris.summary[o];
    let mut groups: Vec<(&str, f64)> = Vec::new();
    for &i in finite {
        let g = a.factors[i].group;
        match groups.iter_mut().find(|(n, _)| *n == g) {
            Some(slot) => slot.1 += eff[i].mu_star,
            None => groups.push((g, eff[i].mu_star)),
        }
    }
    groups.sort_by(|x, y| y.1.total_cmp(&x.1));
    if total > 0.0 && groups.len() > 1 {
        let parts: Vec<String> = groups
            .iter()
            .map(|(g, m)| format!("{g} {:.0}%", 100.0 * m / total))
            .collect();
        format!("By mechanism, the summed μ* splits {}. ", parts.join(", "))
    } else {
        String::new()
    }
}

/// Which leading factors of outcome `o` act non-linearly or interact (σ above μ*).
fn nonlinearity(a: &Analysis, o: usize, finite: &[usize]) -> String {
    let eff = &a.morris.summary[o];
    let mut text = String::new();
    // Non-linearity or interactions, among the factors that matter.
    let lead = eff[finite[0]].mu_star;
    let nonlinear: Vec<String> = finite
        .iter()
        .filter(|&&i| eff[i].mu_star >= 0.25 * lead && eff[i].sigma > eff[i].mu_star)
        .map(|&i| format!("`{}`", a.factors[i].param.name()))
        .collect();
    let unknown_sigma = finite
        .iter()
        .any(|&i| eff[i].mu_star >= 0.25 * lead && !eff[i].sigma.is_finite());
    if nonlinear.is_empty() && unknown_sigma {
        let _ = write!(
            text,
            "σ needs at least two elementary effects per factor and could not be estimated for \
             every leading factor. "
        );
    } else if nonlinear.is_empty() {
        let _ = write!(
            text,
            "None of the factors with μ* above a quarter of the largest has σ above its μ*, so their \
             effects are close to additive over these ranges. "
        );
    } else {
        let _ = write!(
            text,
            "Among the factors with μ* above a quarter of the largest, {} {} σ above μ*: {} effect \
             depends on where the other factors sit (non-linearity or interaction). ",
            list(&nonlinear),
            if nonlinear.len() == 1 { "has" } else { "have" },
            if nonlinear.len() == 1 { "its" } else { "their" }
        );
    }
    text
}

/// The factors of outcome `o` whose effect is negligible (μ* below 5% of the largest).
fn negligible(a: &Analysis, o: usize, finite: &[usize]) -> String {
    let eff = &a.morris.summary[o];
    let lead = eff[finite[0]].mu_star;
    let mut text = String::new();
    // Negligible factors.
    let small: Vec<String> = finite
        .iter()
        .filter(|&&i| eff[i].mu_star < 0.05 * lead)
        .map(|&i| format!("`{}`", a.factors[i].param.name()))
        .collect();
    if !small.is_empty() {
        let _ = write!(
            text,
            "{} of the {} factors have μ* below 5% of the largest ({}) and could be fixed at their values for this outcome.",
            small.len(),
            finite.len(),
            list(&small)
        );
    }
    text
}

/// The one-paragraph reading of what drives outcome `o`.
fn reading(a: &Analysis, o: usize) -> String {
    let info = OUTCOMES[o];
    let eff = &a.morris.summary[o];
    let order = order_by_mu_star(eff);
    let finite: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&i| eff[i].mu_star.is_finite())
        .collect();
    if finite.is_empty() {
        return format!(
            "No elementary effect of {} could be computed: every evaluation failed to estimate it.",
            info.label.to_lowercase()
        );
    }
    let total: f64 = finite.iter().map(|&i| eff[i].mu_star).sum();
    let top = finite.len().min(3);
    let share = |set: &[usize]| {
        if total > 0.0 {
            100.0 * set.iter().map(|&i| eff[i].mu_star).sum::<f64>() / total
        } else {
            f64::NAN
        }
    };
    let mut text = format!(
        "{} is {} {} at the scenario's own parameter values. ",
        info.label,
        sig(a.baseline[o]),
        info.unit
    );
    let named: Vec<String> = finite[..top]
        .iter()
        .map(|&i| {
            format!(
                "`{}` ({}, μ* {})",
                a.factors[i].param.name(),
                a.factors[i].group,
                sig(eff[i].mu_star)
            )
        })
        .collect();
    if finite.len() > top {
        let _ = write!(
            text,
            "The largest effects come from {}, which together carry {:.0}% of the summed μ* of the {} factors. ",
            list(&named),
            share(&finite[..top]),
            finite.len()
        );
    } else {
        let _ = write!(text, "In decreasing order of effect: {}. ", list(&named));
    }
    text.push_str(&directions(a, o, &finite[..top]));
    text.push_str(&groups(a, o, &finite, total));
    text.push_str(&nonlinearity(a, o, &finite));
    text.push_str(&negligible(a, o, &finite));
    text.trim_end().to_string()
}

/// `sensitivity.md`: settings, then per outcome a table sorted by that outcome's `μ*` and a
/// one-paragraph reading; with `figures`, a link to the outcome's figure
/// ([`figure_name`]`.png`, drawn by [`write_figures`]).
pub fn to_markdown(a: &Analysis, figures: bool) -> String {
    let s = &a.settings;
    let design_evals = a.morris.trajectories.len() * (a.factors.len() + 1);
    let mut out = format!(
        "# Sensitivity of `{}` (arm `{}`) to its parameters\n\n\
         Outcomes are those of the arm `{}`, every virtual patient simulated in it. \
         Morris elementary effects (Morris 1991; μ* of Campolongo, Cariboni & Saltelli 2007): {} factors, \
         {} trajectories, {} levels (Δ = {:.3}), {} cohort evaluations plus one at the scenario's own values; \
         {} virtual patients per evaluation (population seed {}, the same patients every time), design seed {}.\n\n\
         Each factor varies on the log scale over [value / {f}, value × {f}] around the scenario's value, clamped \
         to the parameter's accepted range. An elementary effect is the change of the outcome per whole explored \
         range of the factor (from `low` to `high`), so μ* and σ are in the outcome's unit and comparable across \
         factors. μ* ranks overall importance, the sign of μ gives the direction (μ close to ±μ* means the effect \
         keeps its sign), and σ large against μ* marks non-linearity or interactions.\n\n",
        a.scenario,
        a.arm,
        a.arm,
        a.factors.len(),
        s.trajectories,
        s.levels,
        MorrisDesign {
            factors: a.factors.len(),
            trajectories: s.trajectories,
            levels: s.levels,
            seed: s.seed
        }
        .delta(),
        design_evals,
        a.patients,
        a.population_seed,
        s.seed,
        f = s.range_factor,
    );
    if a.morris.failed_evaluations > 0 {
        let _ = writeln!(
            out,
            "{} of {design_evals} evaluations gave a non-finite outcome{}; the elementary effects touching them \
             are left out (the `n` column counts those kept).\n",
            a.morris.failed_evaluations,
            if a.inconsistent > 0 {
                format!(
                    " ({} because the values broke a rule across parameters)",
                    a.inconsistent
                )
            } else {
                String::new()
            }
        );
    }
    if !a.skipped.is_empty() {
        out.push_str("Parameters of the default groups left out:\n\n");
        for k in &a.skipped {
            let _ = writeln!(out, "- `{}`: {}", k.param.name(), k.reason);
        }
        out.push('\n');
    }
    for o in 0..OUTCOMES.len() {
        outcome_section(&mut out, a, o, figures);
    }
    out
}

/// The section of outcome `o`: its reading and the table of factors by μ*.
fn outcome_section(out: &mut String, a: &Analysis, o: usize, figures: bool) {
    let info = &OUTCOMES[o];
    let eff = &a.morris.summary[o];
    let _ = write!(
        out,
        "## {} ({}, `{}`)\n\n{}\n\n\
         | rank | factor | group | low | high | μ* | μ | σ | n |\n|---|---|---|---|---|---|---|---|---|\n",
        info.label,
        info.unit,
        info.metric,
        reading(a, o)
    );
    for (r, &i) in order_by_mu_star(eff).iter().enumerate() {
        let f = &a.factors[i];
        let e = eff[i];
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} | {} | {} | {} | {} |",
            r + 1,
            f.param.name(),
            f.group,
            sig(f.low),
            sig(f.high),
            sig(e.mu_star),
            sig(e.mu),
            sig(e.sigma),
            e.n_effects
        );
    }
    if figures && eff.iter().any(|e| e.mu_star.is_finite()) {
        let _ = write!(
            out,
            "\n![μ* and σ: {}]({}.png)\n",
            info.label,
            figure_name(o)
        );
    }
    out.push('\n');
}

/// File name (without extension) of the figure of outcome `o`.
pub fn figure_name(o: usize) -> String {
    format!("mu_star_{}", OUTCOMES[o].metric)
}

/// Draws one bar chart per outcome into the existing folder `dir`: `μ*` as bars (largest at the
/// top) with whiskers of `±σ`, factors without a finite `μ*` left out. Returns the files
/// written.
pub fn write_figures(
    a: &Analysis,
    dir: &std::path::Path,
) -> Result<Vec<std::path::PathBuf>, crate::report::plot::PlotError> {
    use crate::report::plot::{Axis, Bars, Figure, FigureOptions};
    let mut written = Vec::new();
    for (o, info) in OUTCOMES.iter().enumerate() {
        let eff = &a.morris.summary[o];
        let shown: Vec<usize> = order_by_mu_star(eff)
            .into_iter()
            .filter(|&i| eff[i].mu_star.is_finite())
            .collect();
        if shown.is_empty() {
            continue;
        }
        let labels = shown
            .iter()
            .map(|&i| a.factors[i].param.name().to_string())
            .collect();
        let values = shown.iter().map(|&i| eff[i].mu_star).collect();
        let sigma = shown
            .iter()
            .map(|&i| {
                let s = eff[i].sigma;
                if s.is_finite() { s } else { 0.0 }
            })
            .collect();
        let bars = Bars::new(
            format!("{}: Morris μ* of `{}`", info.label, a.scenario),
            labels,
            values,
            Axis::new(format!("μ* ({} per explored range)", info.unit)),
        )
        .subtitle(format!(
            "{} trajectories, {} patients per evaluation, each factor over [value / {f}, value × {f}] \
             on the log scale; whiskers ±σ",
            a.settings.trajectories,
            a.patients,
            f = a.settings.range_factor
        ))
        .error(sigma);
        let height = u32::try_from(300 + 28 * shown.len())
            .unwrap_or(u32::MAX)
            .clamp(800, 3000);
        written.extend(Figure::Bars(bars).save(
            dir,
            &figure_name(o),
            &FigureOptions::sized(1200, height),
        )?);
    }
    Ok(written)
}
