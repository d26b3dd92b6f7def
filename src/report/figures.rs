//! Figures of a finished result folder, drawn from its records and estimates alone.
//!
//! [`ResultData::read`] reads the records of a result folder and [`Estimates::new`] computes
//! every statistic from them; [`figures`] arranges those numbers into finished charts
//! (Kaplan-Meier curves, quantile fans, paired differences) and [`draw`] writes them, together
//! with `report.html` ([`super::html`]), into a folder. Nothing is simulated or estimated here.

use super::plot::{
    Axis, Chart, Colour, Figure, FigureOptions, Format, Grid, Histogram, LegendPosition, Mark,
    Points, RiskTable, Series,
};
use crate::cohort::summary::Variable;
use crate::results::estimates::{
    ArmSurvival, Differences, EFFECT_MONTH, MIN_BIN_SHARE, MIN_BIN_VISITS, Quantiles, REGIONS,
    other_origin,
};
use crate::results::{Estimates, ReadError, ResultData};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Why the figures of a result folder could not be drawn.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FiguresError {
    /// A file is missing or unreadable.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// `report.html` could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// The visit time axis, labelled, with round ticks up to the last visit.
pub fn time_axis(data: &ResultData) -> Axis {
    month_axis(
        format!("Months since {}", data.visits_from()),
        data.last_month(),
    )
}

/// A round step in months for an axis up to `max` (at most 10 steps).
fn month_step(max: f64) -> f64 {
    [1.0, 3.0, 6.0, 12.0, 24.0, 60.0]
        .into_iter()
        .find(|s| max / s <= 10.0 + 1e-9)
        .unwrap_or(120.0)
}

/// A months axis from 0 to `max` with round ticks.
fn month_axis(label: String, max: f64) -> Axis {
    let axis = Axis::new(label);
    if max > 0.0 {
        axis.range(0.0, max).tick_step(month_step(max))
    } else {
        axis
    }
}

/// A months value as text.
pub fn months(x: Option<f64>) -> String {
    x.map_or_else(|| "not reached".into(), |v| format!("{v:.1}"))
}

/// An arm's median survival as text: "no patients" for an arm without patients, where there
/// is nothing to reach.
pub fn median_text(fit: &ArmSurvival) -> String {
    if fit.n == 0 {
        "no patients".into()
    } else {
        months(fit.median)
    }
}

/// A figure with its file name, the group `--only` selects it by, and a one-line caption.
#[derive(Debug, Clone)]
pub struct NamedFigure {
    /// File name without extension.
    pub name: String,
    /// Group name (`domains` for `domain_bulbar`, ...).
    pub group: String,
    /// One-line caption for the report.
    pub caption: String,
    /// The figure.
    pub figure: Figure,
}

/// Names of the figure groups, in report order.
pub const GROUPS: [&str; 8] = [
    "alsfrs_fan",
    "domains",
    "survival",
    "nfl",
    "fvc",
    "mechanisms",
    "drug_effects",
    "treatment_effects",
];

const DOMAINS: [(Variable, &str); 4] = [
    (Variable::Bulbar, "Bulbar"),
    (Variable::FineMotor, "Fine motor"),
    (Variable::GrossMotor, "Gross motor"),
    (Variable::Respiratory, "Respiratory"),
];

const STATES: [(&str, &str, &str); 6] = [
    (
        "neurons",
        "Surviving motor neurons",
        "Neurons (fraction of healthy pool)",
    ),
    (
        "aggregate",
        "Protein aggregate",
        "Aggregate (fraction of maximum burden)",
    ),
    (
        "oxidative",
        "Oxidative stress",
        "Oxidative stress (excess over healthy, dimensionless)",
    ),
    (
        "microglia",
        "Activated microglia",
        "Microglia (fraction activated)",
    ),
    (
        "astrocytes",
        "Reactive astrocytes",
        "Astrocytes (fraction reactive)",
    ),
    (
        "glutamate",
        "Extracellular glutamate",
        "Glutamate (relative to healthy tissue)",
    ),
];

/// The series of arm `arm_i`: its median with the middle 50% (and, with `wide`, 90%) as bands.
fn fan_series(data: &ResultData, arm_i: usize, q: &Quantiles, wide: bool) -> Series {
    let arm = &data.arms[arm_i];
    let label = if data.arms.len() > 1 {
        format!("{arm}: median")
    } else {
        "Median".to_string()
    };
    let first = arm_i == 0;
    let mut s = Series::new(label, q.x.clone(), q.median.clone()).colour(Colour::Series(arm_i));
    if arm_i > 0 {
        // Arms without therapy coincide; dashes keep the arm drawn first visible below.
        s = s.dashed();
    }
    if wide {
        s = s.band(
            q.q05.clone(),
            q.q95.clone(),
            if first {
                "90% of patients (5th-95th pct)"
            } else {
                ""
            },
        );
    }
    s.band(
        q.q25.clone(),
        q.q75.clone(),
        if first {
            "50% of patients (25th-75th pct)"
        } else {
            ""
        },
    )
}

/// The series of one arm and summary variable: median with the given bands.
fn quantile_series(
    data: &ResultData,
    est: &Estimates,
    arm_i: usize,
    variable: Variable,
    wide: bool,
) -> Option<Series> {
    let q = est.series(arm_i, variable.name())?;
    Some(fan_series(data, arm_i, q, wide))
}

fn enrolled_text(data: &ResultData) -> String {
    let per_arm: Vec<String> = data
        .arms
        .iter()
        .map(|a| {
            let n = data
                .summary
                .iter()
                .find(|r| &r.arm == a)
                .map_or(0, |r| r.n_enrolled);
            format!("{a} {n}")
        })
        .collect();
    format!(
        "Patients enrolled: {}. Statistics over the patients alive at each visit.",
        per_arm.join(", ")
    )
}

/// Median per arm of one summary variable with its middle 50% (and, with `wide`, 90%); None
/// when some arm has no rows of it.
fn quantile_panel(
    data: &ResultData,
    est: &Estimates,
    title: String,
    variable: Variable,
    y: Axis,
    wide: bool,
) -> Option<Chart> {
    let mut chart = Chart::new(title, time_axis(data), y);
    for i in 0..data.arms.len() {
        chart = chart.series(quantile_series(data, est, i, variable, wide)?);
    }
    Some(chart)
}

/// Individual ALSFRS-R trajectories drawn faintly behind the fans: the first few patients (by
/// index) of each arm with at least two rated visits, from `trajectories.parquet` or else
/// `sample_trajectories.csv`.
pub const FAINT_PATIENTS_PER_ARM: usize = 5;

fn quantile_chart(
    data: &ResultData,
    est: &Estimates,
    title: &str,
    variable: Variable,
    y: Axis,
    wide: bool,
) -> Option<Figure> {
    let mut chart = quantile_panel(
        data,
        est,
        format!("{title}: {}", data.name()),
        variable,
        y,
        wide,
    )?;
    let mut subtitle = enrolled_text(data);
    if let (Some(visits), Variable::AlsfrsR) =
        (data.visits.as_ref().or(data.sample.as_ref()), variable)
    {
        let mut drawn = 0;
        for arm in 0..data.arms.len() {
            let mut indices: Vec<u64> = visits
                .iter()
                .filter(|v| v.arm == arm)
                .map(|v| v.index)
                .collect();
            indices.sort_unstable();
            indices.dedup();
            let mut k = 0;
            for index in indices {
                if k == FAINT_PATIENTS_PER_ARM {
                    break;
                }
                let mut pts: Vec<(f64, f64)> = visits
                    .iter()
                    .filter(|v| v.arm == arm && v.index == index)
                    .map(|v| (v.month, f64::from(v.alsfrs_r)))
                    .collect();
                if pts.len() < 2 {
                    continue;
                }
                pts.sort_by(|a, b| a.0.total_cmp(&b.0));
                chart = chart.series(
                    Series::new(
                        "",
                        pts.iter().map(|p| p.0).collect(),
                        pts.iter().map(|p| p.1).collect(),
                    )
                    .colour(Colour::Series(arm))
                    .faint(),
                );
                k += 1;
            }
            drawn = drawn.max(k);
        }
        if drawn > 0 {
            subtitle.push_str(&format!(
                " Thin pale lines: the rated course of the first {drawn} patients of each arm."
            ));
        }
    }
    if wide && data.arms.len() > 2 {
        // Nested fans of several arms cover every corner of the plot.
        chart = chart.legend(LegendPosition::Below);
    }
    Some(Figure::Line(chart.subtitle(subtitle)))
}

/// Rated ALSFRS-R total against months since the other time origin, from the binned quantiles
/// of [`Estimates::other_origin`]. None without trajectories.
fn other_origin_fan(data: &ResultData, est: &Estimates) -> Option<Figure> {
    let fan = est.other_origin.as_ref()?;
    let (lo, hi) = fan.bins;
    let w = fan.width;
    let other = fan.origin;
    let (x0, x1) = (lo as f64 * w, (hi + 1) as f64 * w);
    let step = month_step(x1 - x0.min(0.0));
    let x = Axis::new(format!("Months since {other}"))
        .range(x0.min(0.0), x1)
        .tick_step(step);
    let (shift, who) = if fan.forward {
        (
            "visit month plus enrollment_months_since_onset",
            "Patients enter at enrollment, so each bin describes the patients enrolled and alive \
             by then.",
        )
    } else {
        (
            "visit month minus enrollment_months_since_onset",
            "Visits before enrollment (negative months) are those of patients later enrolled.",
        )
    };
    let mut chart = Chart::new(
        format!("ALSFRS-R total since {other}: {}", data.name()),
        x,
        Axis::new("ALSFRS-R total (points, 0-48)")
            .range(0.0, 48.0)
            .tick_step(6.0),
    )
    .subtitle(format!(
        "Rated visits of trajectories.parquet at months since {other} ({shift}), in bins of \
         {w} month{} drawn at the bin centre; bins with visits of fewer than {}% of an arm's \
         patients (or fewer than {MIN_BIN_VISITS}) are left out. {who}",
        if w > 1.0 { "s" } else { "" },
        MIN_BIN_SHARE * 100.0
    ));
    if data.arms.len() > 2 {
        chart = chart.legend(LegendPosition::Below);
    }
    for (i, q) in fan.arms.iter().enumerate() {
        chart = chart.series(fan_series(data, i, q, true));
    }
    Some(Figure::Line(chart))
}

/// The four ALSFRS-R domain subscores as a 2 × 2 grid of panels, one legend for all.
fn domains_figure(data: &ResultData, est: &Estimates) -> Option<Figure> {
    let mut grid = Grid::new(format!("ALSFRS-R domain subscores: {}", data.name()), 2)
        .subtitle(enrolled_text(data));
    for (v, title) in DOMAINS {
        grid = grid.panel(quantile_panel(
            data,
            est,
            title.into(),
            v,
            Axis::new("Points (0-12)").range(0.0, 12.0).tick_step(3.0),
            false,
        )?);
    }
    Some(Figure::Grid(grid))
}

fn survival_figure(data: &ResultData, est: &Estimates) -> Option<Figure> {
    let fits = &est.survival;
    let max = fits.iter().map(|f| f.max_time).fold(0.0, f64::max);
    let mut chart = Chart::new(
        format!(
            "Tracheostomy-free survival from enrollment: {}",
            data.name()
        ),
        month_axis("Months since enrollment".into(), max),
        Axis::new("Alive without permanent ventilation (%)")
            .percent()
            .range(0.0, 1.0),
    );
    let mut table = RiskTable::new("Number at risk", est.risk_times.clone());
    let mut counts = Vec::new();
    let multi = fits.len() > 1;
    for (i, f) in fits.iter().enumerate() {
        // An arm without patients has no curve, and then there is no figure.
        f.km.as_ref()?;
        let (x, y, lo, hi) = survival_steps(f, max);
        let mut series = Series::new(survival_label(f, fits.len()), x, y)
            .colour(Colour::Series(i))
            .band(lo, hi, if i == 0 { "95% confidence band" } else { "" });
        if i > 0 {
            series = series.dashed();
        }
        chart = chart.series(series);
        let cy = f.censor_survival.clone();
        // One legend entry for the censoring marks of all arms, which take the arm's colour.
        let censored = match (i, multi) {
            (0, true) => "Censored (in the arm's colour)",
            (0, false) => "Censored",
            _ => "",
        };
        chart = chart
            .points(Points::new(censored, f.censor_times.clone(), cy).colour(Colour::Series(i)));
        table = table.row(
            f.arm.clone(),
            Colour::Series(i),
            f.at_risk.iter().map(usize::to_string).collect(),
        );
        counts.push(survival_count(f, multi));
    }
    let sub = if multi {
        format!(
            "Median survival, months (95% CI), and deaths within follow-up / patients: {}.",
            counts.join("; ")
        )
    } else {
        counts.join("")
    };
    Some(Figure::Step(chart.subtitle(sub).table(table)))
}

/// The step curve of one arm with its band, carried to `max` months.
fn survival_steps(f: &ArmSurvival, max: f64) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut x: Vec<f64> = f.curve.iter().map(|c| c.0).collect();
    let mut y: Vec<f64> = f.curve.iter().map(|c| c.1).collect();
    let mut lo: Vec<f64> = f.curve.iter().map(|c| c.2).collect();
    let mut hi: Vec<f64> = f.curve.iter().map(|c| c.3).collect();
    if max > *x.last().unwrap_or(&0.0) {
        x.push(max);
        y.push(*y.last().unwrap_or(&1.0));
        lo.push(*lo.last().unwrap_or(&1.0));
        hi.push(*hi.last().unwrap_or(&1.0));
    }
    (x, y, lo, hi)
}

/// The legend entry of one arm's curve. It gives each arm's median; with more than three arms
/// it names the arms only (the subtitle has the medians), which keeps it small enough to stay
/// off the curves.
fn survival_label(f: &ArmSurvival, arms: usize) -> String {
    let unit = if f.median.is_some() { " months" } else { "" };
    if arms > 3 {
        f.arm.clone()
    } else if arms > 1 {
        format!("{}: median {}{unit}", f.arm, months(f.median))
    } else {
        let ci = match f.median_ci {
            (Some(a), Some(b)) => format!(", 95% CI {a:.1}-{b:.1}"),
            (Some(a), None) => format!(", 95% CI {a:.1}-not reached"),
            _ => String::new(),
        };
        format!("median {}{unit}{ci}", months(f.median))
    }
}

/// One arm's part of the subtitle: median (95% CI) and deaths / patients.
fn survival_count(f: &ArmSurvival, multi: bool) -> String {
    if multi {
        let ci = match f.median_ci {
            (Some(a), Some(b)) => format!(" ({a:.1}-{b:.1})"),
            (Some(a), None) => format!(" ({a:.1}-not reached)"),
            _ => String::new(),
        };
        format!("{} {}{ci}, {}/{}", f.arm, median_text(f), f.events, f.n)
    } else {
        format!("{} patients, {} deaths within follow-up.", f.n, f.events)
    }
}

/// One model state over time. With one arm: the mean in each of the four regions. With two
/// arms or more: per arm, the mean over the four regions (what the therapies did inside), in
/// the arms' colours.
fn mechanism_figure(
    data: &ResultData,
    est: &Estimates,
    state: &str,
    title: &str,
    y: &str,
) -> Option<Figure> {
    data.arms.first()?;
    // Fractions are drawn on their whole range, which leaves room for the legend.
    let fraction = matches!(state, "neurons" | "aggregate" | "microglia" | "astrocytes");
    let y = if fraction {
        Axis::new(y).range(0.0, 1.0)
    } else {
        Axis::new(y)
    };
    if data.arms.len() > 1 {
        let mut chart = Chart::new(
            format!(
                "{title}, mean over the four regions per arm: {}",
                data.name()
            ),
            time_axis(data),
            y,
        )
        .subtitle(
            "Per arm, the unweighted mean over the bulbar, cervical, thoracic and lumbar regions \
             of the regional mean over patients alive at each visit.",
        );
        if !fraction {
            // The axis is fitted to the arms' lines, which leaves no corner free.
            chart = chart.legend(LegendPosition::Below);
        }
        for (i, arm) in data.arms.iter().enumerate() {
            let (x, v) = est.region_means.get(i)?.get(state)?;
            if x.is_empty() {
                return None;
            }
            let mut s = Series::new(arm.clone(), x.clone(), v.clone()).colour(Colour::Series(i));
            if i > 0 {
                s = s.dashed();
            }
            chart = chart.series(s);
        }
        return Some(Figure::Line(chart));
    }
    let mut chart = Chart::new(
        format!("{title}, mean per region: {}", data.name()),
        time_axis(data),
        y,
    )
    .subtitle("Mean over patients alive at each visit.");
    let mut any = false;
    for (k, region) in REGIONS.iter().enumerate() {
        let Some(q) = est.series(0, &format!("{state}_{region}")) else {
            continue;
        };
        any = true;
        chart = chart
            .series(Series::new(*region, q.x.clone(), q.mean.clone()).colour(Colour::Series(k)));
    }
    any.then_some(Figure::Line(chart))
}

/// Effective drug effect over time: for every arm and mechanism target a therapy moves, the
/// mean change of the target's factor among patients alive at each visit, in percent. Adaptive
/// resistance shows as an effect that shrinks while the drug is given.
fn drug_effect_figure(data: &ResultData, est: &Estimates) -> Option<Figure> {
    use crate::model::Slot;
    let change = |arm: &str, slot: Slot| -> Option<(Vec<f64>, Vec<f64>)> {
        let i = data.arms.iter().position(|a| a == arm)?;
        est.drug_effects
            .get(i)?
            .iter()
            .find(|e| e.slot == slot)
            .map(|e| (e.months.clone(), e.change.clone()))
    };
    // Targets moved in any arm, each with one colour in every panel.
    let slots: Vec<Slot> = Slot::ALL
        .into_iter()
        .filter(|&s| data.arms.iter().any(|a| change(a, s).is_some()))
        .collect();
    let treated: Vec<&String> = data
        .arms
        .iter()
        .filter(|a| slots.iter().any(|&s| change(a, s).is_some()))
        .collect();
    if treated.is_empty() {
        return None;
    }
    let (mut lo, mut hi) = (0.0_f64, 0.0_f64);
    let series = |arm: &str| -> Vec<Series> {
        slots
            .iter()
            .enumerate()
            .filter_map(|(k, &slot)| {
                let (x, y) = change(arm, slot)?;
                let s = Series::new(slot.name().replace('_', " "), x, y).colour(Colour::Series(k));
                Some(if k >= 8 { s.dashed() } else { s })
            })
            .collect()
    };
    for arm in &treated {
        for s in series(arm) {
            for &v in s.y.iter().filter(|v| v.is_finite()) {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
    }
    let pad = 0.1 * (hi - lo).max(1.0);
    let y_axis = || Axis::new("Change (%)").range(lo - pad, hi + pad);
    let title = format!(
        "Effective drug effect on each mechanism target: {}",
        data.name()
    );
    let note = "Change of each mechanism's factor (0 = untreated), mean over patients alive at \
                each visit. Resistance shows as an effect that wanes under the drug, holidays \
                as gaps, rebound as a dip below zero.";
    if let [arm] = treated.as_slice() {
        let mut chart =
            Chart::new(title, time_axis(data), y_axis()).subtitle(if data.arms.len() > 1 {
                format!("Arm {arm}. {note}")
            } else {
                note.to_string()
            });
        for s in series(arm) {
            chart = chart.series(s);
        }
        return Some(Figure::Line(chart));
    }
    let mut grid = Grid::new(title, 2).subtitle(format!("One panel per treated arm. {note}"));
    for arm in treated {
        let mut panel = Chart::new(arm.as_str(), time_axis(data), y_axis());
        for s in series(arm) {
            panel = panel.series(s);
        }
        grid = grid.panel(panel);
    }
    Some(Figure::Grid(grid))
}

fn effect_histogram(title: String, x: &str, d: &Differences, subtitle: String) -> Figure {
    Figure::Histogram(
        Histogram::new(
            title,
            Axis::new(x),
            Axis::new("Patients").integer(),
            d.edges.clone(),
            d.counts.clone(),
        )
        .label("Paired differences")
        .subtitle(subtitle)
        .mark(Mark::vline(d.mean, format!("Mean {:+.2}", d.mean)).dashed()),
    )
}

/// Every figure the data allows, in report order; the second list says what was left out
/// and why.
pub fn figures(data: &ResultData, est: &Estimates) -> (Vec<NamedFigure>, Vec<String>) {
    let mut g = Gallery::default();
    let t = time_axis(data).label.to_lowercase();
    if data.summary.is_empty() {
        g.notes.push(
            "summary.csv was not written: no ALSFRS-R, domain, NfL, FVC or mechanism figures."
                .into(),
        );
    } else {
        function_figures(&mut g, data, est, &t);
    }
    if data.patients.is_empty() {
        g.notes
            .push("patients.csv was not written: no survival or treatment-effect figures.".into());
    } else {
        g.push(
            "survival",
            "survival",
            "Kaplan-Meier estimate of tracheostomy-free survival from enrollment per arm, with 95% confidence band, censoring marks and numbers at risk.".into(),
            survival_figure(data, est),
        );
    }
    if !data.summary.is_empty() {
        state_figures(&mut g, data, est, &t);
    }
    if data.arms.len() < 2 {
        g.notes
            .push("One arm only: no treatment-effect figure (it compares arms).".into());
    } else {
        effect_figures(&mut g, data, est);
    }
    (g.figures, g.notes)
}

/// Figures in the order they are drawn, and notes on the figures that could not be.
#[derive(Default)]
struct Gallery {
    figures: Vec<NamedFigure>,
    notes: Vec<String>,
}

impl Gallery {
    /// Adds a figure when there is one to draw.
    fn push(&mut self, name: &str, group: &str, caption: String, figure: Option<Figure>) {
        if let Some(figure) = figure {
            self.figures.push(NamedFigure {
                name: name.into(),
                group: group.into(),
                caption,
                figure,
            });
        }
    }
}

/// The rated ALSFRS-R against time (both origins) and its domains.
fn function_figures(g: &mut Gallery, data: &ResultData, est: &Estimates, t: &str) {
    g.push(
        "alsfrs_fan",
        "alsfrs_fan",
        format!(
            "Rated ALSFRS-R total against {t}: median per arm with the middle 50% and 90% of patients alive."
        ),
        quantile_chart(
            data,
            est,
            "ALSFRS-R total",
            Variable::AlsfrsR,
            Axis::new("ALSFRS-R total (points, 0-48)")
                .range(0.0, 48.0)
                .tick_step(6.0),
            true,
        ),
    );
    let other = other_origin(data);
    if data.visits.is_none() {
        g.notes.push(format!(
            "ALSFRS-R against months since {other} needs every patient's rated visits: run with --trajectories to draw alsfrs_fan_{other}."
        ));
    } else if data.patients.is_empty() {
        g.notes.push(format!(
            "patients.csv was not written: no ALSFRS-R figure against months since {other}."
        ));
    }
    g.push(
        &format!("alsfrs_fan_{other}"),
        "alsfrs_fan",
        format!(
            "Rated ALSFRS-R total against months since {other}, from trajectories.parquet: median per arm with the middle 50% and 90% of the patients with a visit in each bin of months."
        ),
        other_origin_fan(data, est),
    );
    g.push(
        "domains",
        "domains",
        format!(
            "The four ALSFRS-R domain subscores (bulbar, fine motor, gross motor, respiratory; 0-12 points each) against {t}: median per arm with the middle 50% of patients alive."
        ),
        domains_figure(data, est),
    );
}

/// NfL, FVC, the model's states and the drugs' effects against time.
fn state_figures(g: &mut Gallery, data: &ResultData, est: &Estimates, t: &str) {
    g.push(
        "nfl",
        "nfl",
        format!(
            "Serum neurofilament light against {t}: median per arm with the middle 50% of patients alive."
        ),
        quantile_chart(
            data,
            est,
            "Serum NfL",
            Variable::NflPgMl,
            Axis::new("Serum NfL (pg/mL)"),
            false,
        ),
    );
    g.push(
        "fvc",
        "fvc",
        format!(
            "Forced vital capacity against {t}: median per arm with the middle 50% of patients alive."
        ),
        quantile_chart(
            data,
            est,
            "Forced vital capacity",
            Variable::FvcPct,
            Axis::new("FVC (% predicted)"),
            false,
        ),
    );
    for (state, title, y) in STATES {
        g.push(
            &format!("mechanisms_{state}"),
            "mechanisms",
            if data.arms.len() > 1 {
                format!(
                    "{title}: mean model state over the four regions against {t}, one line per arm."
                )
            } else {
                format!("{title}: mean model state in each of the four regions against {t}.")
            },
            mechanism_figure(data, est, state, title, y),
        );
    }
    g.push(
        "drug_effects",
        "drug_effects",
        format!(
            "Effective drug effect against {t}: the mean change of each mechanism target that a therapy moves, per arm (resistance shows as a waning effect)."
        ),
        drug_effect_figure(data, est),
    );
}

/// Paired per-patient effects of each arm against the control.
fn effect_figures(g: &mut Gallery, data: &ResultData, est: &Estimates) {
    let m = EFFECT_MONTH;
    for e in &est.effects {
        let (arm, first) = (&e.arm, &e.control);
        let suffix = if data.arms.len() > 2 {
            format!("_{}", sanitize(arm))
        } else {
            String::new()
        };
        let why = |d: &Differences| {
            if d.all_zero {
                format!(
                    "All {} paired differences are zero: without therapy both arms are the same patients.",
                    d.values.len()
                )
            } else {
                format!("{} patients enrolled in both arms.", d.values.len())
            }
        };
        g.push(
        &format!("treatment_effects{suffix}"),
        "treatment_effects",
        format!(
            "Per-patient survival months gained in arm {arm} over arm {first} (same patient index): death or end of follow-up."
        ),
        Some(effect_histogram(
            format!("Survival gained, {arm} vs {first}: {}", data.name()),
            "Tracheostomy-free survival gained (months)",
            &e.survival,
            why(&e.survival),
        )),
    );
        let source = if e.projected {
            format!(
                "ALSFRS-R at {m} months projected as baseline + {m} x slope (no trajectories.parquet). "
            )
        } else {
            format!("Rated ALSFRS-R at the month-{m} visit. ")
        };
        g.push(
        &format!("treatment_effects_alsfrs{suffix}"),
        "treatment_effects",
        format!(
            "Per-patient difference in ALSFRS-R at {m} months, arm {arm} minus arm {first}, patients alive at {m} months in both arms."
        ),
        Some(effect_histogram(
            format!("ALSFRS-R at {m} months, {arm} vs {first}: {}", data.name()),
            &format!("Difference in ALSFRS-R total at {m} months (points)"),
            &e.alsfrs,
            format!("{source}{}", why(&e.alsfrs)),
        )),
    );
        if e.survival.all_zero && e.alsfrs.all_zero {
            g.notes.push(format!(
            "Every paired treatment effect of arm {arm} against arm {first} is zero (no therapy differs between them)."
        ));
        }
    }
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// What to draw and how.
#[derive(Debug, Clone)]
pub struct DrawOptions {
    /// Figure names or groups to draw (None: all).
    pub only: Option<Vec<String>>,
    /// Size and formats.
    pub figure: FigureOptions,
    /// Also write `report.html`.
    pub html: bool,
}

impl Default for DrawOptions {
    fn default() -> DrawOptions {
        DrawOptions {
            only: None,
            figure: FigureOptions::default(),
            html: true,
        }
    }
}

/// What [`draw`] did.
#[derive(Debug, Clone, Default)]
pub struct Drawn {
    /// Files written.
    pub written: Vec<PathBuf>,
    /// Figures that failed, one message each; the others were written.
    pub warnings: Vec<String>,
}

/// Reads the result folder `from` and writes its figures (and `report.html`) into `to`,
/// each file atomically. A figure that fails is reported in [`Drawn::warnings`].
pub fn draw(from: &Path, to: &Path, options: &DrawOptions) -> Result<Drawn, FiguresError> {
    let data = ResultData::read(from)?;
    let est = Estimates::new(&data);
    let (all, notes) = figures(&data, &est);
    let chosen: Vec<&NamedFigure> = all
        .iter()
        .filter(|f| {
            options
                .only
                .as_ref()
                .is_none_or(|o| o.iter().any(|n| *n == f.name || *n == f.group))
        })
        .collect();
    // Each format of each figure is written on its own, so a PNG that cannot be written does
    // not keep the SVG from being tried, and every file that failed is named.
    let mut formats: Vec<Format> = Vec::new();
    for &f in &options.figure.formats {
        if !formats.contains(&f) {
            formats.push(f);
        }
    }
    let jobs: Vec<(&NamedFigure, Format)> = chosen
        .iter()
        .flat_map(|f| formats.iter().map(move |&format| (*f, format)))
        .collect();
    let results: Vec<Result<Vec<PathBuf>, (String, String)>> = jobs
        .par_iter()
        .map(|(f, format)| {
            let one = FigureOptions {
                formats: vec![*format],
                ..options.figure.clone()
            };
            f.figure
                .save(to, &f.name, &one)
                .map_err(|e| (format!("{}.{}", f.name, format.extension()), e.to_string()))
        })
        .collect();
    let mut drawn = Drawn::default();
    let mut failed = Vec::new();
    for r in results {
        match r {
            Ok(files) => drawn.written.extend(files),
            Err((file, e)) => {
                drawn.warnings.push(e);
                failed.push(file);
            }
        }
    }
    if options.html {
        let path = to.join("report.html");
        let html = super::html::report(&data, &est, &all, &notes, &failed, to);
        crate::report::write_atomic(&path, html.as_bytes()).map_err(|source| {
            // The figures that failed too are named, since no report names them.
            let source = if failed.is_empty() {
                source
            } else {
                std::io::Error::new(
                    source.kind(),
                    format!(
                        "{source}; figure files not written either: {}",
                        failed.join(", ")
                    ),
                )
            };
            FiguresError::Write {
                path: path.clone(),
                source,
            }
        })?;
        drawn.written.push(path);
    }
    Ok(drawn)
}

/// The formats named on the command line: `png`, `svg` or `both`.
pub fn formats(name: &str) -> Option<Vec<Format>> {
    match name {
        "png" => Some(vec![Format::Png]),
        "svg" => Some(vec![Format::Svg]),
        "both" => Some(vec![Format::Png, Format::Svg]),
        _ => None,
    }
}
