//! Figures of a finished result folder, drawn from its files alone.
//!
//! [`ResultData::read`] reads `summary.csv`, `patients.csv`, `manifest.json` (and
//! `trajectories.parquet` when present) of a result folder; [`figures`] turns them into finished
//! charts (Kaplan-Meier curves, quantile fans, paired differences) and [`draw`] writes them,
//! together with `report.html` ([`super::html`]), into a folder. Nothing is simulated.

use super::plot::{
    Axis, Chart, Colour, Figure, FigureOptions, Format, Grid, Histogram, LegendPosition, Mark,
    Points, RiskTable, Series,
};
use crate::stats::km::KaplanMeier;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Why the files of a result folder could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FiguresError {
    /// A file is missing or unreadable.
    #[error("cannot read {path}: {message}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// `report.html` could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// One row of `summary.csv`.
#[derive(Debug, Clone)]
pub struct SummaryRow {
    /// Arm name.
    pub arm: String,
    /// Months since the visit origin.
    pub month: f64,
    /// Variable name.
    pub variable: String,
    /// Patients enrolled in the arm.
    pub n_enrolled: f64,
    /// Patients contributing to the statistics.
    pub n_at_risk: f64,
    /// Mean.
    pub mean: f64,
    /// Median.
    pub median: f64,
    /// 5th percentile.
    pub q05: f64,
    /// 25th percentile.
    pub q25: f64,
    /// 75th percentile.
    pub q75: f64,
    /// 95th percentile.
    pub q95: f64,
}

/// The columns of one row of `patients.csv` the figures use.
#[derive(Debug, Clone)]
pub struct PatientRow {
    /// Patient index.
    pub index: u64,
    /// Arm name.
    pub arm: String,
    /// Months from enrollment to death or end of follow-up.
    pub follow_up: f64,
    /// Death (or permanent ventilation) within follow-up.
    pub event: bool,
    /// ALSFRS-R slope, points/month (NaN when undefined).
    pub slope: f64,
    /// Rated ALSFRS-R at enrollment.
    pub baseline_alsfrs: f64,
    /// Serum NfL at enrollment, pg/mL.
    pub baseline_nfl: f64,
    /// Months from onset to enrollment (NaN when empty or not in the file).
    pub enrollment_since_onset: f64,
    /// Genotype name (empty when not in the file).
    pub genotype: String,
}

/// One rated ALSFRS-R total of `trajectories.parquet`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Visit {
    /// Patient index.
    pub index: u64,
    /// Position of the arm in [`ResultData::arms`].
    pub arm: usize,
    /// Months since the visit origin.
    pub month: f64,
    /// Rated ALSFRS-R total.
    pub alsfrs_r: u8,
}

/// What the figures and the report are drawn from.
#[derive(Debug, Clone)]
pub struct ResultData {
    /// Scenario name.
    pub name: String,
    /// Scenario description.
    pub description: String,
    /// Origin of visit times: `enrollment` or `onset`.
    pub visits_from: String,
    /// The parsed `manifest.json`.
    pub manifest: serde_json::Value,
    /// Arm names in scenario order.
    pub arms: Vec<String>,
    /// Rows of `summary.csv` (empty when the file was not written).
    pub summary: Vec<SummaryRow>,
    /// Rows of `patients.csv` (empty when the file was not written).
    pub patients: Vec<PatientRow>,
    /// Rated ALSFRS-R at month 12 by (index, arm), from `trajectories.parquet` when present.
    pub alsfrs12: Option<HashMap<(u64, String), f64>>,
    /// Every rated ALSFRS-R total, from `trajectories.parquet` when present.
    pub visits: Option<Vec<Visit>>,
    /// Rated visits of the first few enrolled patients, from `sample_trajectories.csv` (when
    /// written): the faint individual courses behind the ALSFRS-R fan.
    pub sample: Option<Vec<Visit>>,
}

fn read_err(path: &Path, message: impl ToString) -> FiguresError {
    FiguresError::Read {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

fn field(s: &str) -> f64 {
    if s.is_empty() {
        f64::NAN
    } else {
        s.parse().unwrap_or(f64::NAN)
    }
}

/// Reads a CSV file into (header, rows).
fn read_csv(path: &Path) -> Result<(Vec<String>, Vec<csv::StringRecord>), FiguresError> {
    let mut r = csv::Reader::from_path(path).map_err(|e| read_err(path, e))?;
    let header = r
        .headers()
        .map_err(|e| read_err(path, e))?
        .iter()
        .map(str::to_string)
        .collect();
    let rows = r
        .records()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| read_err(path, e))?;
    Ok((header, rows))
}

fn column(header: &[String], name: &str, path: &Path) -> Result<usize, FiguresError> {
    header
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| read_err(path, format!("no column `{name}`")))
}

impl ResultData {
    /// Reads the result folder `dir`. `manifest.json` is required; `summary.csv`,
    /// `patients.csv` and `trajectories.parquet` are used when present.
    pub fn read(dir: &Path) -> Result<ResultData, FiguresError> {
        let mpath = dir.join("manifest.json");
        let text = std::fs::read_to_string(&mpath).map_err(|e| {
            read_err(
                &mpath,
                format!(
                    "{e} (is {} a result folder of `alssim run`?)",
                    dir.display()
                ),
            )
        })?;
        let manifest: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| read_err(&mpath, e))?;
        let resolved: toml::Table = manifest["resolved_scenario"]
            .as_str()
            .unwrap_or_default()
            .parse()
            .unwrap_or_default();
        let get = |table: &str, key: &str| {
            resolved
                .get(table)
                .and_then(|t| t.get(key))
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let name = get("scenario", "name")
            .or_else(|| manifest["scenario"].as_str().map(str::to_string))
            .unwrap_or_else(|| "scenario".into());
        let description = get("scenario", "description").unwrap_or_default();
        let visits_from = get("simulation", "visits-from").unwrap_or_else(|| "enrollment".into());
        let mut arms: Vec<String> = resolved
            .get("arm")
            .and_then(|a| a.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.get("name").and_then(|n| n.as_str()).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let mut summary = Vec::new();
        let spath = dir.join("summary.csv");
        if spath.exists() {
            let (h, rows) = read_csv(&spath)?;
            let c = |n| column(&h, n, &spath);
            let (arm, month, var, ne, nr, mean, med, q05, q25, q75, q95) = (
                c("arm")?,
                c("month")?,
                c("variable")?,
                c("n_enrolled")?,
                c("n_at_risk")?,
                c("mean")?,
                c("median")?,
                c("q05")?,
                c("q25")?,
                c("q75")?,
                c("q95")?,
            );
            for r in rows {
                let f = |i: usize| field(r.get(i).unwrap_or(""));
                summary.push(SummaryRow {
                    arm: r.get(arm).unwrap_or("").to_string(),
                    month: f(month),
                    variable: r.get(var).unwrap_or("").to_string(),
                    n_enrolled: f(ne),
                    n_at_risk: f(nr),
                    mean: f(mean),
                    median: f(med),
                    q05: f(q05),
                    q25: f(q25),
                    q75: f(q75),
                    q95: f(q95),
                });
            }
        }
        let mut patients = Vec::new();
        let ppath = dir.join("patients.csv");
        if ppath.exists() {
            let (h, rows) = read_csv(&ppath)?;
            let c = |n| column(&h, n, &ppath);
            let (index, arm, fu, cens, slope, b_als, b_nfl) = (
                c("index")?,
                c("arm")?,
                c("follow_up_months")?,
                c("censored")?,
                c("alsfrs_r_slope")?,
                c("baseline_alsfrs_r")?,
                c("baseline_nfl_pg_ml")?,
            );
            let entry = h.iter().position(|n| n == "enrollment_months_since_onset");
            let genotype = h.iter().position(|n| n == "genotype");
            for r in rows {
                let f = |i: usize| field(r.get(i).unwrap_or(""));
                patients.push(PatientRow {
                    index: r.get(index).unwrap_or("").parse().unwrap_or(0),
                    arm: r.get(arm).unwrap_or("").to_string(),
                    follow_up: f(fu),
                    event: f(cens) == 0.0,
                    slope: f(slope),
                    baseline_alsfrs: f(b_als),
                    baseline_nfl: f(b_nfl),
                    enrollment_since_onset: entry.map_or(f64::NAN, f),
                    genotype: genotype.and_then(|i| r.get(i)).unwrap_or("").to_string(),
                });
            }
        }
        for a in summary
            .iter()
            .map(|r| &r.arm)
            .chain(patients.iter().map(|p| &p.arm))
        {
            if !arms.contains(a) {
                arms.push(a.clone());
            }
        }
        let tpath = dir.join("trajectories.parquet");
        let visits = if tpath.exists() {
            Some(read_visits(&tpath, &mut arms)?)
        } else {
            None
        };
        let spath = dir.join("sample_trajectories.csv");
        let sample = if spath.exists() {
            let (header, rows) = read_csv(&spath)?;
            let (ci, ca, cm, cs) = (
                column(&header, "index", &spath)?,
                column(&header, "arm", &spath)?,
                column(&header, "month", &spath)?,
                column(&header, "alsfrs_r", &spath)?,
            );
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let (Some(arm), Ok(index), Ok(total)) = (
                    arms.iter().position(|a| a == &r[ca]),
                    r[ci].parse::<u64>(),
                    r[cs].parse::<u8>(),
                ) else {
                    return Err(read_err(&spath, format!("bad row: {r:?}")));
                };
                out.push(Visit {
                    index,
                    arm,
                    month: field(&r[cm]),
                    alsfrs_r: total,
                });
            }
            Some(out)
        } else {
            None
        };
        let alsfrs12 = visits.as_ref().map(|v| {
            v.iter()
                .filter(|v| (v.month - 12.0).abs() < 1e-9)
                .map(|v| ((v.index, arms[v.arm].clone()), f64::from(v.alsfrs_r)))
                .collect()
        });
        Ok(ResultData {
            name,
            description,
            visits_from,
            manifest,
            arms,
            summary,
            patients,
            alsfrs12,
            visits,
            sample,
        })
    }

    /// `(month, row)` of one arm and variable, in month order.
    pub fn rows(&self, arm: &str, variable: &str) -> Vec<&SummaryRow> {
        self.summary
            .iter()
            .filter(|r| r.arm == arm && r.variable == variable)
            .collect()
    }

    /// The patients of one arm.
    pub fn arm_patients(&self, arm: &str) -> Vec<&PatientRow> {
        self.patients.iter().filter(|p| p.arm == arm).collect()
    }

    /// The visit time axis, labelled, with round ticks up to the last visit.
    pub fn time_axis(&self) -> Axis {
        let max = self.summary.iter().map(|r| r.month).fold(0.0, f64::max);
        month_axis(format!("Months since {}", self.visits_from), max)
    }
}

/// The rated ALSFRS-R totals of `trajectories.parquet`; arms not yet in `arms` are added.
fn read_visits(path: &Path, arms: &mut Vec<String>) -> Result<Vec<Visit>, FiguresError> {
    use arrow_array::{Array, Float64Array, StringArray, UInt8Array, UInt64Array};
    let batches = super::trajectories::read_all(path).map_err(|e| read_err(path, e))?;
    let mut out = Vec::with_capacity(super::trajectories::row_count(&batches));
    for b in &batches {
        let col = |n: &str| {
            b.column_by_name(n)
                .ok_or_else(|| read_err(path, format!("no column `{n}`")))
        };
        let bad = || read_err(path, "unexpected column type");
        let index = col("index")?
            .as_any()
            .downcast_ref::<UInt64Array>()
            .ok_or_else(bad)?;
        let arm = col("arm")?
            .as_any()
            .downcast_ref::<StringArray>()
            .ok_or_else(bad)?;
        let month = col("month")?
            .as_any()
            .downcast_ref::<Float64Array>()
            .ok_or_else(bad)?;
        let total = col("alsfrs_r")?
            .as_any()
            .downcast_ref::<UInt8Array>()
            .ok_or_else(bad)?;
        let mut last: Option<(String, usize)> = None;
        for i in 0..b.num_rows() {
            if arm.is_null(i) || total.is_null(i) {
                continue;
            }
            let name = arm.value(i);
            let k = match &last {
                Some((n, k)) if n == name => *k,
                _ => {
                    let k = arms.iter().position(|a| a == name).unwrap_or_else(|| {
                        arms.push(name.to_string());
                        arms.len() - 1
                    });
                    last = Some((name.to_string(), k));
                    k
                }
            };
            out.push(Visit {
                index: index.value(i),
                arm: k,
                month: month.value(i),
                alsfrs_r: total.value(i),
            });
        }
    }
    Ok(out)
}

/// Kaplan-Meier summary of one arm (tracheostomy-free survival from enrollment).
#[derive(Debug, Clone)]
pub struct ArmSurvival {
    /// Arm name.
    pub arm: String,
    /// Patients.
    pub n: usize,
    /// Deaths within follow-up.
    pub events: usize,
    /// The fitted curve (None without patients).
    pub km: Option<KaplanMeier>,
    /// Median, months (None when not reached).
    pub median: Option<f64>,
    /// 95% confidence interval of the median.
    pub median_ci: (Option<f64>, Option<f64>),
    /// Distinct censoring times.
    pub censor_times: Vec<f64>,
    /// Longest follow-up, months.
    pub max_time: f64,
}

/// Kaplan-Meier fits per arm from `patients.csv`.
pub fn survival(data: &ResultData) -> Vec<ArmSurvival> {
    data.arms
        .iter()
        .map(|arm| {
            let ps = data.arm_patients(arm);
            let ps: Vec<&&PatientRow> = ps.iter().filter(|p| p.follow_up.is_finite()).collect();
            let times: Vec<f64> = ps.iter().map(|p| p.follow_up.max(0.0)).collect();
            let events: Vec<bool> = ps.iter().map(|p| p.event).collect();
            let km = KaplanMeier::fit(&times, &events);
            let mut censor_times: Vec<f64> = ps
                .iter()
                .filter(|p| !p.event)
                .map(|p| p.follow_up.max(0.0))
                .collect();
            censor_times.sort_by(f64::total_cmp);
            censor_times.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
            ArmSurvival {
                arm: arm.clone(),
                n: ps.len(),
                events: events.iter().filter(|e| **e).count(),
                median: km.as_ref().and_then(KaplanMeier::median),
                median_ci: km.as_ref().map_or((None, None), |k| k.median_ci(0.95)),
                km,
                censor_times,
                max_time: times.iter().copied().fold(0.0, f64::max),
            }
        })
        .collect()
}

/// Patients at risk (follow-up at least `t`) in one arm.
pub fn at_risk(data: &ResultData, arm: &str, t: f64) -> usize {
    data.arm_patients(arm)
        .iter()
        .filter(|p| p.follow_up >= t - 1e-9)
        .count()
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

/// Times at which the numbers at risk are shown: 0 and a round step up to `max`.
pub fn risk_times(max: f64) -> Vec<f64> {
    let step = [1.0, 3.0, 6.0, 12.0, 24.0, 60.0]
        .into_iter()
        .find(|s| max / s <= 5.0 + 1e-9)
        .unwrap_or(120.0);
    let mut out = Vec::new();
    let mut t = 0.0;
    while t <= max + 1e-9 {
        out.push(t);
        t += step;
    }
    out
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

const DOMAINS: [(&str, &str); 4] = [
    ("bulbar", "Bulbar"),
    ("fine_motor", "Fine motor"),
    ("gross_motor", "Gross motor"),
    ("respiratory", "Respiratory"),
];

const REGIONS: [&str; 4] = ["bulbar", "cervical", "thoracic", "lumbar"];

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

/// Median and quantiles of one variable of one arm at a sequence of times.
#[derive(Debug, Clone, Default)]
struct Quantiles {
    x: Vec<f64>,
    median: Vec<f64>,
    q05: Vec<f64>,
    q25: Vec<f64>,
    q75: Vec<f64>,
    q95: Vec<f64>,
}

impl Quantiles {
    fn push(&mut self, x: f64, median: f64, q05: f64, q25: f64, q75: f64, q95: f64) {
        self.x.push(x);
        self.median.push(median);
        self.q05.push(q05);
        self.q25.push(q25);
        self.q75.push(q75);
        self.q95.push(q95);
    }
}

/// The series of arm `arm_i`: its median with the middle 50% (and, with `wide`, 90%) as bands.
fn fan_series(data: &ResultData, arm_i: usize, q: Quantiles, wide: bool) -> Series {
    let arm = &data.arms[arm_i];
    let label = if data.arms.len() > 1 {
        format!("{arm}: median")
    } else {
        "Median".to_string()
    };
    let first = arm_i == 0;
    let mut s = Series::new(label, q.x, q.median).colour(Colour::Series(arm_i));
    if arm_i > 0 {
        // Arms without therapy coincide; dashes keep the arm drawn first visible below.
        s = s.dashed();
    }
    if wide {
        s = s.band(
            q.q05,
            q.q95,
            if first {
                "90% of patients (5th-95th pct)"
            } else {
                ""
            },
        );
    }
    s.band(
        q.q25,
        q.q75,
        if first {
            "50% of patients (25th-75th pct)"
        } else {
            ""
        },
    )
}

/// The series of one arm and summary variable: median with the given bands.
fn quantile_series(data: &ResultData, arm_i: usize, variable: &str, wide: bool) -> Option<Series> {
    let rows = data.rows(&data.arms[arm_i], variable);
    if rows.is_empty() {
        return None;
    }
    let mut q = Quantiles::default();
    for r in rows {
        q.push(r.month, r.median, r.q05, r.q25, r.q75, r.q95);
    }
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
                .map_or(0.0, |r| r.n_enrolled);
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
    title: String,
    variable: &str,
    y: Axis,
    wide: bool,
) -> Option<Chart> {
    let mut chart = Chart::new(title, data.time_axis(), y);
    for i in 0..data.arms.len() {
        chart = chart.series(quantile_series(data, i, variable, wide)?);
    }
    Some(chart)
}

/// Individual ALSFRS-R trajectories drawn faintly behind the fans: the first few patients (by
/// index) of each arm with at least two rated visits, from `trajectories.parquet` or else
/// `sample_trajectories.csv`.
pub const FAINT_PATIENTS_PER_ARM: usize = 5;

fn quantile_chart(
    data: &ResultData,
    title: &str,
    variable: &str,
    y: Axis,
    wide: bool,
) -> Option<Figure> {
    let mut chart = quantile_panel(data, format!("{title}: {}", data.name), variable, y, wide)?;
    let mut subtitle = enrolled_text(data);
    if let (Some(visits), "alsfrs_r") = (data.visits.as_ref().or(data.sample.as_ref()), variable) {
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

/// Fewest rated visits in a bin of the ALSFRS-R fan against the other time origin
/// ([`other_origin`]) for its quantiles to be drawn.
pub const MIN_BIN_VISITS: usize = 10;
/// Smallest share of an arm's patients with a visit in a bin of the ALSFRS-R fan against the
/// other time origin for its quantiles to be drawn (the sparse tails of the time axis are noise).
pub const MIN_BIN_SHARE: f64 = 0.05;

/// The time origin other than the visit origin: `onset` for visits counted from enrollment,
/// `enrollment` for visits counted from onset.
pub fn other_origin(data: &ResultData) -> &'static str {
    if data.visits_from == "onset" {
        "enrollment"
    } else {
        "onset"
    }
}

/// Width in whole months (at least 1) of the bins of `other_origin_fan`: the shortest
/// interval between scheduled visits, so that a patient has about one visit per bin.
fn bin_width(visits: &[Visit]) -> f64 {
    let mut months: Vec<f64> = visits.iter().map(|v| v.month).collect();
    months.sort_by(f64::total_cmp);
    months.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
    months
        .windows(2)
        .map(|w| w[1] - w[0])
        .fold(f64::INFINITY, f64::min)
        .ceil()
        .clamp(1.0, 120.0)
}

/// Rated ALSFRS-R total against months since the other time origin ([`other_origin`]), from
/// the visits of `trajectories.parquet`: each visit is moved by the patient's
/// `enrollment_months_since_onset` and the visits are binned by [`bin_width`] months; median,
/// middle 50% and 90% per bin and arm, over bins with visits of at least [`MIN_BIN_SHARE`] of
/// the arm's patients and at least [`MIN_BIN_VISITS`] visits. None without trajectories.
fn other_origin_fan(data: &ResultData) -> Option<Figure> {
    let visits = data.visits.as_ref()?;
    let sign = if data.visits_from == "onset" {
        -1.0
    } else {
        1.0
    };
    let entry: HashMap<(u64, usize), f64> = data
        .patients
        .iter()
        .filter(|p| p.enrollment_since_onset.is_finite())
        .filter_map(|p| {
            let arm = data.arms.iter().position(|a| *a == p.arm)?;
            Some(((p.index, arm), sign * p.enrollment_since_onset))
        })
        .collect();
    let w = bin_width(visits);
    let mut bins: Vec<HashMap<i64, Vec<f64>>> = vec![HashMap::new(); data.arms.len()];
    for v in visits {
        let Some(shift) = entry.get(&(v.index, v.arm)) else {
            continue;
        };
        let t = v.month + shift;
        if t.is_finite() {
            let b = (t / w + 1e-9).floor() as i64;
            bins[v.arm]
                .entry(b)
                .or_default()
                .push(f64::from(v.alsfrs_r));
        }
    }
    let least: Vec<usize> = (0..data.arms.len())
        .map(|a| {
            let n = entry.keys().filter(|(_, arm)| *arm == a).count();
            MIN_BIN_VISITS.max((MIN_BIN_SHARE * n as f64).ceil() as usize)
        })
        .collect();
    let all: Vec<i64> = bins
        .iter()
        .zip(&least)
        .flat_map(|(m, &least)| {
            m.iter()
                .filter(move |(_, v)| v.len() >= least)
                .map(|(b, _)| *b)
        })
        .collect();
    let (lo, hi) = (*all.iter().min()?, *all.iter().max()?);
    let other = other_origin(data);
    let (x0, x1) = (lo as f64 * w, (hi + 1) as f64 * w);
    let step = month_step(x1 - x0.min(0.0));
    let x = Axis::new(format!("Months since {other}"))
        .range(x0.min(0.0), x1)
        .tick_step(step);
    let (shift, who) = if sign > 0.0 {
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
        format!("ALSFRS-R total since {other}: {}", data.name),
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
    for (i, m) in bins.iter().enumerate() {
        let mut q = Quantiles::default();
        for b in lo..=hi {
            let xc = (b as f64 + 0.5) * w;
            match m.get(&b).filter(|v| v.len() >= least[i]) {
                Some(v) => {
                    let d = crate::stats::describe::describe(v);
                    q.push(xc, d.median, d.q05, d.q25, d.q75, d.q95);
                }
                None => q.push(xc, f64::NAN, f64::NAN, f64::NAN, f64::NAN, f64::NAN),
            }
        }
        chart = chart.series(fan_series(data, i, q, true));
    }
    Some(Figure::Line(chart))
}

/// The four ALSFRS-R domain subscores as a 2 × 2 grid of panels, one legend for all.
fn domains_figure(data: &ResultData) -> Option<Figure> {
    let mut grid = Grid::new(format!("ALSFRS-R domain subscores: {}", data.name), 2)
        .subtitle(enrolled_text(data));
    for (v, title) in DOMAINS {
        grid = grid.panel(quantile_panel(
            data,
            title.into(),
            v,
            Axis::new("Points (0-12)").range(0.0, 12.0).tick_step(3.0),
            false,
        )?);
    }
    Some(Figure::Grid(grid))
}

fn survival_figure(data: &ResultData, fits: &[ArmSurvival]) -> Option<Figure> {
    let max = fits.iter().map(|f| f.max_time).fold(0.0, f64::max);
    let mut chart = Chart::new(
        format!("Tracheostomy-free survival from enrollment: {}", data.name),
        month_axis("Months since enrollment".into(), max),
        Axis::new("Alive without permanent ventilation (%)")
            .percent()
            .range(0.0, 1.0),
    );
    let times = risk_times(max);
    let mut table = RiskTable::new("Number at risk", times.clone());
    let mut counts = Vec::new();
    let multi = fits.len() > 1;
    for (i, f) in fits.iter().enumerate() {
        let km = f.km.as_ref()?;
        let mut x = vec![0.0];
        let mut y = vec![1.0];
        let (mut lo, mut hi) = (vec![1.0], vec![1.0]);
        for s in km.steps() {
            if s.events == 0 {
                continue;
            }
            let (l, h) = km.survival_ci_at(s.time, 0.95);
            x.push(s.time);
            y.push(s.survival);
            lo.push(if l.is_finite() { l } else { s.survival });
            hi.push(if h.is_finite() { h } else { s.survival });
        }
        if max > *x.last().unwrap_or(&0.0) {
            x.push(max);
            y.push(*y.last().unwrap_or(&1.0));
            lo.push(*lo.last().unwrap_or(&1.0));
            hi.push(*hi.last().unwrap_or(&1.0));
        }
        let ci = match f.median_ci {
            (Some(a), Some(b)) => format!(", 95% CI {a:.1}-{b:.1}"),
            (Some(a), None) => format!(", 95% CI {a:.1}-not reached"),
            _ => String::new(),
        };
        // The legend gives each arm's median; with more than three arms it names the arms
        // only (the subtitle has the medians), which keeps it small enough to stay off the
        // curves.
        let label = if fits.len() > 3 {
            f.arm.clone()
        } else if multi {
            format!(
                "{}: median {}{}",
                f.arm,
                months(f.median),
                if f.median.is_some() { " months" } else { "" }
            )
        } else {
            format!(
                "median {}{}{ci}",
                months(f.median),
                if f.median.is_some() { " months" } else { "" },
            )
        };
        let mut series = Series::new(label, x, y).colour(Colour::Series(i)).band(
            lo,
            hi,
            if i == 0 { "95% confidence band" } else { "" },
        );
        if i > 0 {
            series = series.dashed();
        }
        chart = chart.series(series);
        let cy: Vec<f64> = f.censor_times.iter().map(|&t| km.survival_at(t)).collect();
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
            times
                .iter()
                .map(|&t| at_risk(data, &f.arm, t).to_string())
                .collect(),
        );
        counts.push(if multi {
            let ci = match f.median_ci {
                (Some(a), Some(b)) => format!(" ({a:.1}-{b:.1})"),
                (Some(a), None) => format!(" ({a:.1}-not reached)"),
                _ => String::new(),
            };
            format!("{} {}{ci}, {}/{}", f.arm, median_text(f), f.events, f.n)
        } else {
            format!("{} patients, {} deaths within follow-up.", f.n, f.events)
        });
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

/// The mean of one model state over the four regions, per visit of one arm: the unweighted
/// mean of the regional means (missing where some region has none).
pub fn region_mean(data: &ResultData, arm: &str, state: &str) -> (Vec<f64>, Vec<f64>) {
    let mut months: Vec<f64> = Vec::new();
    let mut sums: Vec<(f64, usize)> = Vec::new();
    for region in REGIONS {
        for r in data.rows(arm, &format!("{state}_{region}")) {
            let k = match months.iter().position(|m| (m - r.month).abs() < 1e-9) {
                Some(k) => k,
                None => {
                    months.push(r.month);
                    sums.push((0.0, 0));
                    months.len() - 1
                }
            };
            if r.mean.is_finite() {
                sums[k].0 += r.mean;
                sums[k].1 += 1;
            }
        }
    }
    let mut points: Vec<(f64, f64)> = months
        .into_iter()
        .zip(sums)
        .map(|(m, (sum, n))| {
            let v = if n == REGIONS.len() {
                sum / n as f64
            } else {
                f64::NAN
            };
            (m, v)
        })
        .collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    points.into_iter().unzip()
}

/// One model state over time. With one arm: the mean in each of the four regions. With two
/// arms or more: per arm, the mean over the four regions (what the therapies did inside), in
/// the arms' colours.
fn mechanism_figure(data: &ResultData, state: &str, title: &str, y: &str) -> Option<Figure> {
    let first = data.arms.first()?;
    // Fractions are drawn on their whole range, which leaves room for the legend.
    let fraction = matches!(state, "neurons" | "aggregate" | "microglia" | "astrocytes");
    let y = if fraction {
        Axis::new(y).range(0.0, 1.0)
    } else {
        Axis::new(y)
    };
    if data.arms.len() > 1 {
        let mut chart = Chart::new(
            format!("{title}, mean over the four regions per arm: {}", data.name),
            data.time_axis(),
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
            let (x, v) = region_mean(data, arm, state);
            if x.is_empty() {
                return None;
            }
            let mut s = Series::new(arm.clone(), x, v).colour(Colour::Series(i));
            if i > 0 {
                s = s.dashed();
            }
            chart = chart.series(s);
        }
        return Some(Figure::Line(chart));
    }
    let mut chart = Chart::new(
        format!("{title}, mean per region: {}", data.name),
        data.time_axis(),
        y,
    )
    .subtitle("Mean over patients alive at each visit.");
    let mut any = false;
    for (k, region) in REGIONS.iter().enumerate() {
        let rows = data.rows(first, &format!("{state}_{region}"));
        if rows.is_empty() {
            continue;
        }
        any = true;
        chart = chart.series(
            Series::new(
                *region,
                rows.iter().map(|r| r.month).collect(),
                rows.iter().map(|r| r.mean).collect(),
            )
            .colour(Colour::Series(k)),
        );
    }
    any.then_some(Figure::Line(chart))
}

/// Effective drug effect over time: for every arm and mechanism target a therapy moves, the
/// mean change of the target's factor among patients alive at each visit, in percent. Adaptive
/// resistance shows as an effect that shrinks while the drug is given.
fn drug_effect_figure(data: &ResultData) -> Option<Figure> {
    use crate::model::Slot;
    let change = |arm: &str, slot: Slot| -> Option<(Vec<f64>, Vec<f64>)> {
        let rows = data.rows(arm, &format!("modulation_{}", slot.name()));
        if rows
            .iter()
            .all(|r| !r.mean.is_finite() || (r.mean - 1.0).abs() < 1e-6)
        {
            return None;
        }
        Some((
            rows.iter().map(|r| r.month).collect(),
            rows.iter().map(|r| 100.0 * (r.mean - 1.0)).collect(),
        ))
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
        data.name
    );
    let note = "Change of each mechanism's factor (0 = untreated), mean over patients alive at \
                each visit. Resistance shows as an effect that wanes under the drug, holidays \
                as gaps, rebound as a dip below zero.";
    if let [arm] = treated.as_slice() {
        let mut chart =
            Chart::new(title, data.time_axis(), y_axis()).subtitle(if data.arms.len() > 1 {
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
        let mut panel = Chart::new(arm.as_str(), data.time_axis(), y_axis());
        for s in series(arm) {
            panel = panel.series(s);
        }
        grid = grid.panel(panel);
    }
    Some(Figure::Grid(grid))
}

fn effect_histogram(title: String, x: &str, values: &[f64], subtitle: String) -> Figure {
    let n = values.len() as f64;
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (edges, counts) = if values.is_empty() || hi - lo < 1e-9 {
        // One bar of width 1 at the common value, with empty bins either side for context.
        let c = if values.is_empty() { 0.0 } else { lo };
        (
            (0..=5).map(|k| c - 2.5 + f64::from(k)).collect(),
            vec![0.0, 0.0, n, 0.0, 0.0],
        )
    } else {
        let bins = 30usize;
        let w = (hi - lo) / bins as f64;
        let edges: Vec<f64> = (0..=bins).map(|k| lo + w * k as f64).collect();
        let mut counts = vec![0.0; bins];
        for &v in values {
            let k = (((v - lo) / w) as usize).min(bins - 1);
            counts[k] += 1.0;
        }
        (edges, counts)
    };
    let mean = if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<f64>() / n
    };
    Figure::Histogram(
        Histogram::new(
            title,
            Axis::new(x),
            Axis::new("Patients").integer(),
            edges,
            counts,
        )
        .label("Paired differences")
        .subtitle(subtitle)
        .mark(Mark::vline(mean, format!("Mean {mean:+.2}")).dashed()),
    )
}

/// Paired differences of one arm against the first: (survival months gained, ALSFRS-R at
/// 12 months difference, whether the ALSFRS-R values were projected from the slope).
pub fn paired_effects(data: &ResultData, arm: &str) -> (Vec<f64>, Vec<f64>, bool) {
    let first = &data.arms[0];
    let base: HashMap<u64, &PatientRow> = data
        .arm_patients(first)
        .into_iter()
        .map(|p| (p.index, p))
        .collect();
    let projected = data.alsfrs12.is_none();
    let at12 = |p: &PatientRow| -> f64 {
        match &data.alsfrs12 {
            Some(m) => m
                .get(&(p.index, p.arm.clone()))
                .copied()
                .unwrap_or(f64::NAN),
            None if p.follow_up >= 12.0 => (p.baseline_alsfrs + 12.0 * p.slope).clamp(0.0, 48.0),
            None => f64::NAN,
        }
    };
    let mut surv = Vec::new();
    let mut als = Vec::new();
    for p in data.arm_patients(arm) {
        let Some(b) = base.get(&p.index) else {
            continue;
        };
        let d = p.follow_up - b.follow_up;
        if d.is_finite() {
            surv.push(d);
        }
        let d = at12(p) - at12(b);
        if d.is_finite() {
            als.push(d);
        }
    }
    (surv, als, projected)
}

/// Every figure the data allows, in report order; the second list says what was left out
/// and why.
pub fn figures(data: &ResultData) -> (Vec<NamedFigure>, Vec<String>) {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let mut push = |name: &str, group: &str, caption: String, figure: Option<Figure>| {
        if let Some(figure) = figure {
            out.push(NamedFigure {
                name: name.into(),
                group: group.into(),
                caption,
                figure,
            });
        }
    };
    let t = data.time_axis().label.to_lowercase();
    if data.summary.is_empty() {
        notes.push(
            "summary.csv was not written: no ALSFRS-R, domain, NfL, FVC or mechanism figures."
                .into(),
        );
    } else {
        push(
            "alsfrs_fan",
            "alsfrs_fan",
            format!(
                "Rated ALSFRS-R total against {t}: median per arm with the middle 50% and 90% of patients alive."
            ),
            quantile_chart(
                data,
                "ALSFRS-R total",
                "alsfrs_r",
                Axis::new("ALSFRS-R total (points, 0-48)")
                    .range(0.0, 48.0)
                    .tick_step(6.0),
                true,
            ),
        );
        let other = other_origin(data);
        if data.visits.is_none() {
            notes.push(format!(
                "ALSFRS-R against months since {other} needs every patient's rated visits: run with --trajectories to draw alsfrs_fan_{other}."
            ));
        } else if data.patients.is_empty() {
            notes.push(format!(
                "patients.csv was not written: no ALSFRS-R figure against months since {other}."
            ));
        }
        push(
            &format!("alsfrs_fan_{other}"),
            "alsfrs_fan",
            format!(
                "Rated ALSFRS-R total against months since {other}, from trajectories.parquet: median per arm with the middle 50% and 90% of the patients with a visit in each bin of months."
            ),
            other_origin_fan(data),
        );
        push(
            "domains",
            "domains",
            format!(
                "The four ALSFRS-R domain subscores (bulbar, fine motor, gross motor, respiratory; 0-12 points each) against {t}: median per arm with the middle 50% of patients alive."
            ),
            domains_figure(data),
        );
    }
    let fits = survival(data);
    if data.patients.is_empty() {
        notes.push("patients.csv was not written: no survival or treatment-effect figures.".into());
    } else {
        push(
            "survival",
            "survival",
            "Kaplan-Meier estimate of tracheostomy-free survival from enrollment per arm, with 95% confidence band, censoring marks and numbers at risk.".into(),
            survival_figure(data, &fits),
        );
    }
    if !data.summary.is_empty() {
        push(
            "nfl",
            "nfl",
            format!(
                "Serum neurofilament light against {t}: median per arm with the middle 50% of patients alive."
            ),
            quantile_chart(
                data,
                "Serum NfL",
                "nfl_pg_ml",
                Axis::new("Serum NfL (pg/mL)"),
                false,
            ),
        );
        push(
            "fvc",
            "fvc",
            format!(
                "Forced vital capacity against {t}: median per arm with the middle 50% of patients alive."
            ),
            quantile_chart(
                data,
                "Forced vital capacity",
                "fvc_pct",
                Axis::new("FVC (% predicted)"),
                false,
            ),
        );
        for (state, title, y) in STATES {
            push(
                &format!("mechanisms_{state}"),
                "mechanisms",
                if data.arms.len() > 1 {
                    format!(
                        "{title}: mean model state over the four regions against {t}, one line per arm."
                    )
                } else {
                    format!("{title}: mean model state in each of the four regions against {t}.")
                },
                mechanism_figure(data, state, title, y),
            );
        }
    }
    if !data.summary.is_empty() {
        push(
            "drug_effects",
            "drug_effects",
            format!(
                "Effective drug effect against {t}: the mean change of each mechanism target that a therapy moves, per arm (resistance shows as a waning effect)."
            ),
            drug_effect_figure(data),
        );
    }
    if data.arms.len() < 2 {
        notes.push("One arm only: no treatment-effect figure (it compares arms).".into());
    } else if !data.patients.is_empty() {
        for arm in &data.arms[1..] {
            let suffix = if data.arms.len() > 2 {
                format!("_{}", sanitize(arm))
            } else {
                String::new()
            };
            let first = &data.arms[0];
            let (surv, als, projected) = paired_effects(data, arm);
            let zero = |v: &[f64]| v.iter().all(|d| d.abs() < 1e-9);
            let why = |v: &[f64]| {
                if zero(v) {
                    format!(
                        "All {} paired differences are zero: without therapy both arms are the same patients.",
                        v.len()
                    )
                } else {
                    format!("{} patients enrolled in both arms.", v.len())
                }
            };
            push(
                &format!("treatment_effects{suffix}"),
                "treatment_effects",
                format!(
                    "Per-patient survival months gained in arm {arm} over arm {first} (same patient index): death or end of follow-up."
                ),
                Some(effect_histogram(
                    format!("Survival gained, {arm} vs {first}: {}", data.name),
                    "Tracheostomy-free survival gained (months)",
                    &surv,
                    why(&surv),
                )),
            );
            let source = if projected {
                "ALSFRS-R at 12 months projected as baseline + 12 x slope (no trajectories.parquet). "
            } else {
                "Rated ALSFRS-R at the month-12 visit. "
            };
            push(
                &format!("treatment_effects_alsfrs{suffix}"),
                "treatment_effects",
                format!(
                    "Per-patient difference in ALSFRS-R at 12 months, arm {arm} minus arm {first}, patients alive at 12 months in both arms."
                ),
                Some(effect_histogram(
                    format!("ALSFRS-R at 12 months, {arm} vs {first}: {}", data.name),
                    "Difference in ALSFRS-R total at 12 months (points)",
                    &als,
                    format!("{source}{}", why(&als)),
                )),
            );
            if zero(&surv) && zero(&als) {
                notes.push(format!(
                    "Every paired treatment effect of arm {arm} against arm {first} is zero (no therapy differs between them)."
                ));
            }
        }
    }
    (out, notes)
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
    let (all, notes) = figures(&data);
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
        let fits = survival(&data);
        let html = super::html::report(&data, &fits, &all, &notes, &failed, to);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_times_are_round() {
        assert_eq!(risk_times(18.0), vec![0.0, 6.0, 12.0, 18.0]);
        assert_eq!(risk_times(60.0), vec![0.0, 12.0, 24.0, 36.0, 48.0, 60.0]);
    }
}
