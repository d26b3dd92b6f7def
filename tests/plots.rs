//! Figures: the validation figures and the plotting primitives write whole PNG files of the
//! stated size that are not blank, and SVG files that carry their axis labels and legend text;
//! bad input is an error naming the file, never a panic.
//!
//! Set `ALSSIM_KEEP_PLOTS=DIR` to keep the figures of these tests in `DIR` for a look.

use alssim::calibrate::validate::{self, FIGURES, ValidationFigures};
use alssim::cohort::Outcome;
use alssim::report::figures;
use alssim::report::plot::{
    Axis, Chart, Colour, Figure, FigureOptions, Format, Grid, Histogram, LegendPosition, Mark,
    PALETTE, PlotError, Points, RiskTable, Series, grid_chart, horizontal_bars, line_chart,
    step_chart,
};
use alssim::results::{Estimates, ResultData};
use assert_cmd::Command;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
mod common;
use common::png_size;

/// A small natural-history cohort, simulated once for all tests.
fn cohort() -> &'static [Outcome] {
    static OUTCOMES: OnceLock<Vec<Outcome>> = OnceLock::new();
    OUTCOMES.get_or_init(|| {
        let s = common::sized(&validate::natural_history(), 150, None);
        alssim::cohort::run(&s.cohort_spec(), 0..150, 2).unwrap()
    })
}

/// A fresh folder for a test's figures: a temporary one, or `$ALSSIM_KEEP_PLOTS/<tag>`.
fn folder(tag: &str) -> (Option<tempfile::TempDir>, PathBuf) {
    match std::env::var_os("ALSSIM_KEEP_PLOTS") {
        Some(root) => {
            let dir = PathBuf::from(root).join(tag);
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            (None, dir)
        }
        None => {
            let t = tempfile::tempdir().unwrap();
            let dir = t.path().to_path_buf();
            (Some(t), dir)
        }
    }
}

/// Distinct RGB colours in a raw RGB buffer.
fn colours(rgb: &[u8]) -> HashSet<[u8; 3]> {
    rgb.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect()
}

/// Pixels of exactly `c`.
fn pixels_of(rgb: &[u8], c: plotters::style::RGBColor) -> usize {
    rgb.chunks_exact(3)
        .filter(|p| p[0] == c.0 && p[1] == c.1 && p[2] == c.2)
        .count()
}

/// Pixels in a saturated colour (data; text, axes and grid are black, white or grey).
fn coloured(rgb: &[u8]) -> usize {
    rgb.chunks_exact(3)
        .filter(|p| p.iter().max().unwrap() - p.iter().min().unwrap() > 60)
        .count()
}

/// Text as the SVG file holds it.
fn escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// The legend entries and the table under the x axis of a chart.
fn chart_texts(c: &Chart, t: &mut Vec<String>) {
    for s in &c.series {
        t.push(s.label.clone());
        t.extend(s.bands.iter().map(|b| b.label.clone()));
    }
    t.extend(c.points.iter().map(|p| p.label.clone()));
    t.extend(c.marks.iter().map(|m| m.label.clone()));
    if let Some(table) = &c.table {
        t.push(table.heading.clone());
        for r in &table.rows {
            t.push(r.label.clone());
            t.extend(r.values.iter().cloned());
        }
    }
}

/// Every text a figure must show: title, axis labels, legend entries and tables.
fn texts(figure: &Figure) -> Vec<String> {
    let mut t = Vec::new();
    match figure {
        Figure::Line(c) | Figure::Step(c) => {
            t.extend([c.title.clone(), c.x.label.clone(), c.y.label.clone()]);
            chart_texts(c, &mut t);
        }
        Figure::Grid(g) => {
            t.push(g.title.clone());
            for (k, c) in g.panels.iter().enumerate() {
                t.extend([c.title.clone(), c.y.label.clone()]);
                // The x axis label is shown under the lowest panel of each column.
                if k + g.columns >= g.panels.len() {
                    t.push(c.x.label.clone());
                }
                chart_texts(c, &mut t);
            }
        }
        Figure::Histogram(h) => {
            t.extend([h.title.clone(), h.x.label.clone(), h.y.label.clone()]);
            t.push(h.label.clone());
            t.extend(h.marks.iter().map(|m| m.label.clone()));
        }
        Figure::Bars(b) => {
            t.extend([b.title.clone(), b.x.label.clone()]);
            t.extend(b.labels.iter().cloned());
        }
        other => panic!("a kind of figure whose texts this test does not list: {other:?}"),
    }
    t.retain(|s| !s.is_empty());
    t
}

/// Checks the files of a figure written with the default options.
fn check_written(dir: &Path, name: &str, figure: &Figure) {
    assert_eq!(
        png_size(&dir.join(format!("{name}.png"))),
        (1200, 800),
        "{name}"
    );
    let svg = std::fs::read_to_string(dir.join(format!("{name}.svg"))).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
        "{name}"
    );
    assert!(svg.contains(r#"width="1200""#) && svg.contains(r#"height="800""#));
    for text in texts(figure) {
        assert!(
            svg.contains(&escaped(&text)),
            "{name}.svg does not show `{text}`"
        );
    }
    // The same drawing in memory: many colours (anti-aliased text and lines), a white
    // background, and data in colour.
    let rgb = figure.render_rgb(1200, 800).unwrap();
    assert_eq!(rgb.len(), 1200 * 800 * 3);
    let distinct = colours(&rgb);
    assert!(
        distinct.len() > 50,
        "{name}: only {} colours",
        distinct.len()
    );
    assert!(
        pixels_of(&rgb, plotters::style::WHITE) > 1200 * 800 / 3,
        "{name}: background"
    );
    assert!(coloured(&rgb) > 2000, "{name}: no data drawn");
}

/// No temporary or partial file is left beside the figures.
fn only_finished_files(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        assert!(!name.starts_with('.'), "left behind: {name}");
    }
}

#[test]
fn validation_figures_are_drawn_from_the_cohort() {
    let figures = ValidationFigures::new(cohort(), "test cohort, 150 patients");
    let drawn = figures.figures();
    let names: Vec<&str> = drawn.iter().map(|(n, _)| *n).collect();
    let expected: Vec<&str> = FIGURES.iter().map(|f| f.0).collect();
    assert_eq!(names, expected);
    let (_tmp, dir) = folder("validation");
    let written = figures.write(&dir, &FigureOptions::default()).unwrap();
    assert_eq!(written.len(), 2 * FIGURES.len());
    for (name, figure) in &drawn {
        check_written(&dir, name, figure);
    }
    only_finished_files(&dir);
    // Survival curves in the first two palette colours (bulbar, spinal).
    let by_onset = drawn[1].1.render_rgb(1200, 800).unwrap();
    assert!(pixels_of(&by_onset, PALETTE[0]) > 1000 && pixels_of(&by_onset, PALETTE[1]) > 1000);

    // The numbers behind them: curves start at 1 and never rise; the published survival
    // points and slope marks come from the targets.
    let c = figures.from_diagnosis.as_ref().unwrap();
    assert_eq!((c.time[0], c.survival[0]), (0.0, 1.0));
    assert!(c.survival.windows(2).all(|w| w[1] <= w[0]));
    assert!(c.time.windows(2).all(|w| w[1] >= w[0]));
    let (b, s) = (
        figures.bulbar.as_ref().unwrap(),
        figures.spinal.as_ref().unwrap(),
    );
    assert_eq!(b.n + s.n, c.n);
    let d = figures.declines.as_ref().unwrap();
    assert_eq!(d.counts.iter().sum::<f64>() as usize + d.outside, d.n);
    assert_eq!(d.edges.len(), d.counts.len() + 1);
    let svg = std::fs::read_to_string(dir.join("survival_from_diagnosis.svg")).unwrap();
    assert!(svg.contains("Published, with accepted interval"));
    let svg = std::fs::read_to_string(dir.join("slope_distribution.svg")).unwrap();
    assert!(svg.contains("Published mean 0.89") && svg.contains("Published 95% range 0.04-1.96"));
    // D50 groups: the shares cover everyone fitted.
    assert!(!figures.d50.is_empty());
    let shares = alssim::calibrate::validate::d50_shares(&figures.d50);
    assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    let svg = std::fs::read_to_string(dir.join("d50_distribution.svg")).unwrap();
    assert!(svg.contains("Group boundaries (20, 40 months)"));
}

#[test]
fn size_and_formats_follow_the_options() {
    let figures = ValidationFigures::new(cohort(), "test cohort");
    let (_tmp, dir) = folder("options");
    let options = FigureOptions {
        width: 640,
        height: 420,
        formats: vec![Format::Png],
    };
    let written = figures.write(&dir, &options).unwrap();
    assert_eq!(written.len(), FIGURES.len());
    for (name, figure) in figures.figures() {
        assert_eq!(png_size(&dir.join(format!("{name}.png"))), (640, 420));
        assert!(!dir.join(format!("{name}.svg")).exists());
        assert!(colours(&figure.render_rgb(640, 420).unwrap()).len() > 50);
    }
}

fn demo_chart() -> Chart {
    let x: Vec<f64> = (0..=12).map(f64::from).collect();
    let mid: Vec<f64> = x.iter().map(|m| 46.0 - 0.9 * m).collect();
    Chart::new(
        "ALSFRS-R total by arm: demo scenario",
        Axis::new("Months since enrollment").tick_step(3.0),
        Axis::new("ALSFRS-R total (points)"),
    )
    .subtitle("Median with 50% and 90% ranges")
    .series(
        Series::new("Placebo", x.clone(), mid.clone())
            .markers()
            .band(
                mid.iter().map(|v| v - 6.0).collect(),
                mid.iter().map(|v| v + 6.0).collect(),
                "Placebo 90% range",
            )
            .band(
                mid.iter().map(|v| v - 2.5).collect(),
                mid.iter().map(|v| v + 2.5).collect(),
                "Placebo 50% range",
            ),
    )
    .series(Series::new(
        "Treated",
        x.clone(),
        x.iter().map(|m| 46.0 - 0.6 * m).collect(),
    ))
    .points(
        Points::new("Observed mean", vec![6.0, 12.0], vec![40.0, 36.0])
            .interval(vec![38.0, 33.0], vec![42.0, 39.0]),
    )
    .mark(Mark::hline(30.0, "Threshold & reference <30>").dashed())
}

#[test]
fn line_step_histogram_and_bars_primitives() {
    let (_tmp, dir) = folder("primitives");
    let options = FigureOptions::default();
    let chart = demo_chart();
    assert_eq!(line_chart(&dir, "fan", &chart, &options).unwrap().len(), 2);
    check_written(&dir, "fan", &Figure::Line(chart.clone()));
    step_chart(&dir, "steps", &chart, &options).unwrap();
    check_written(&dir, "steps", &Figure::Step(chart));

    let hist = Histogram::new(
        "Age at onset: demo population",
        Axis::new("Age at onset (years)"),
        Axis::new("Patients"),
        (0..=10).map(|k| 30.0 + 5.0 * f64::from(k)).collect(),
        vec![2.0, 5.0, 9.0, 20.0, 31.0, 40.0, 33.0, 21.0, 8.0, 3.0],
    )
    .label("Simulated")
    .mark(Mark::vline(62.0, "Published mean 62"))
    .mark(Mark::vspan(60.0, 64.0, "Accepted 60-64"));
    alssim::report::plot::histogram(&dir, "hist", &hist, &options).unwrap();
    check_written(&dir, "hist", &Figure::Histogram(hist));

    let labels: Vec<String> = [
        "spread_contiguous",
        "neuron_death_rate",
        "microglia_activation_gain",
        "glutamate_clearance",
        "a_parameter_with_a_rather_long_name_that_must_be_shortened_to_fit_the_figure",
    ]
    .iter()
    .map(|s| (*s).to_string())
    .collect();
    let values = [0.62, 0.35, 0.12, -0.04, 0.02];
    let error = [0.08, 0.05, 0.04, 0.03, 0.01];
    let files = horizontal_bars(
        &dir,
        "sensitivity",
        "Morris screening: median survival, demo scenario",
        &labels,
        &values,
        Some(&error),
        "Elementary effect μ* (months)",
        &options,
    )
    .unwrap();
    assert_eq!(
        files,
        vec![dir.join("sensitivity.png"), dir.join("sensitivity.svg")]
    );
    assert_eq!(png_size(&files[0]), (1200, 800));
    let svg = std::fs::read_to_string(&files[1]).unwrap();
    for t in [
        "spread_contiguous",
        "glutamate_clearance",
        "Elementary effect μ* (months)",
    ] {
        assert!(svg.contains(t), "{t}");
    }
    assert!(svg.contains('…'), "a long label is shortened");
    // Many bars and no error bars.
    let many: Vec<String> = (0..40).map(|k| format!("parameter_{k}")).collect();
    let v: Vec<f64> = (0..40).map(|k| f64::from(40 - k) / 40.0).collect();
    horizontal_bars(
        &dir,
        "many",
        "Forty bars",
        &many,
        &v,
        None,
        "Index",
        &options,
    )
    .unwrap();
    assert_eq!(png_size(&dir.join("many.png")), (1200, 800));
    only_finished_files(&dir);
}

#[test]
fn bad_input_is_an_error_naming_the_file_and_leaves_nothing() {
    let (_tmp, dir) = folder("errors");
    let options = FigureOptions::default();
    let bad = Chart::new("t", Axis::new("x"), Axis::new("y")).series(Series::new(
        "s",
        vec![1.0, 2.0],
        vec![1.0],
    ));
    match line_chart(&dir, "bad", &bad, &options) {
        Err(PlotError::Invalid { file, message }) => {
            assert_eq!(file, dir.join("bad.png"));
            assert!(message.contains("series `s`"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let err = horizontal_bars(
        &dir,
        "bars",
        "t",
        &["a".to_string()],
        &[1.0, 2.0],
        None,
        "x",
        &options,
    )
    .unwrap_err();
    assert!(err.to_string().contains("bars.png"), "{err}");
    let hist = Histogram::new("t", Axis::new("x"), Axis::new("y"), vec![0.0, 1.0], vec![]);
    assert!(matches!(
        alssim::report::plot::histogram(&dir, "h", &hist, &options),
        Err(PlotError::Invalid { .. })
    ));
    let tiny = FigureOptions::sized(10, 10);
    assert!(matches!(
        line_chart(&dir, "tiny", &demo_chart(), &tiny),
        Err(PlotError::Invalid { .. })
    ));
    let missing = dir.join("no-such-folder");
    match line_chart(&missing, "x", &demo_chart(), &options) {
        Err(PlotError::Io { file, .. }) => assert_eq!(file, missing.join("x.png")),
        other => panic!("{other:?}"),
    }
    assert!(line_chart(&dir, "../escape", &demo_chart(), &options).is_err());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}

#[test]
fn gaps_empty_and_out_of_range_data_draw_without_panicking() {
    let nan = f64::NAN;
    let chart = Chart::new(
        "Gaps",
        Axis::new("x").range(0.0, 5.0),
        Axis::new("y").range(0.0, 1.0),
    )
    .series(
        Series::new(
            "gappy",
            vec![0.0, 1.0, 2.0, 3.0, 4.0, 9.0],
            vec![0.9, nan, 0.5, 3.0, -2.0, 0.1],
        )
        .band(
            vec![0.8, 0.7, nan, 0.1, 0.1, 0.0],
            vec![1.0, 1.0, nan, 0.9, 0.9, 0.2],
            "band",
        )
        .markers(),
    )
    .series(Series::new("empty", vec![], vec![]))
    .series(Series::new("all missing", vec![nan, nan], vec![nan, 1.0]))
    .mark(Mark::vline(100.0, "far away"))
    .mark(Mark::segment((-1.0, -1.0), (6.0, 2.0), "diagonal"));
    for figure in [Figure::Line(chart.clone()), Figure::Step(chart)] {
        let rgb = figure.render_rgb(900, 600).unwrap();
        assert!(colours(&rgb).len() > 20);
        figure.render_svg(900, 600).unwrap();
    }
    let empty = Chart::new("Nothing", Axis::new("x"), Axis::new("y"));
    Figure::Line(empty).render_rgb(400, 300).unwrap();
    // Texts far too long for the smallest figure, and more bars than rows of pixels.
    let long = "word ".repeat(100);
    let crowded = Chart::new(
        long.clone(),
        Axis::new(long.clone()),
        Axis::new(long.clone()),
    )
    .subtitle(long.clone())
    .series(Series::new(long, vec![0.0, 1e300], vec![-1e300, 1.0]));
    Figure::Line(crowded).render_rgb(200, 200).unwrap();
    let labels: Vec<String> = (0..500).map(|k| format!("p{k}")).collect();
    let values: Vec<f64> = (0..500).map(f64::from).collect();
    let bars = alssim::report::plot::Bars::new("Bars", labels, values, Axis::new("x"));
    Figure::Bars(bars).render_rgb(200, 200).unwrap();
}

#[test]
fn figures_can_be_drawn_from_several_threads_at_once() {
    let chart = demo_chart();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| s.spawn(|| Figure::Line(chart.clone()).render_rgb(600, 400).unwrap()))
            .collect();
        let images: Vec<Vec<u8>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert!(images.windows(2).all(|w| w[0] == w[1]));
    });
}

#[test]
fn validate_writes_figures_unless_asked_not_to() {
    let (_tmp, root) = folder("cli");
    let with = root.join("with");
    let without = root.join("without");
    for (out, extra) in [(&with, None), (&without, Some("--no-plots"))] {
        let mut cmd = Command::cargo_bin("alssim").unwrap();
        cmd.args([
            "validate",
            "--patients",
            "200",
            "--threads",
            "2",
            "--quiet",
            "--out",
        ])
        .arg(out)
        .args(extra);
        let code = cmd.output().unwrap().status.code();
        // 100 patients may miss a hard target (exit 3); the report is written either way.
        assert!(matches!(code, Some(0 | 3)), "{code:?}");
    }
    let md = std::fs::read_to_string(with.join("validation.md")).unwrap();
    assert!(md.contains("## Figures"));
    for (name, ..) in FIGURES {
        assert!(md.contains(&format!("]({name}.png)")), "{name} not linked");
        assert_eq!(png_size(&with.join(format!("{name}.png"))), (1200, 800));
        assert!(with.join(format!("{name}.svg")).exists());
        assert!(!without.join(format!("{name}.png")).exists());
    }
    let md = std::fs::read_to_string(without.join("validation.md")).unwrap();
    assert!(!md.contains("## Figures"));
    assert!(without.join("validation.csv").exists());
}

fn demo_grid() -> Grid {
    let panel = |title: &str, slope: f64| {
        let x: Vec<f64> = (0..=12).map(f64::from).collect();
        let placebo: Vec<f64> = x.iter().map(|m| 12.0 - slope * m).collect();
        Chart::new(
            title,
            Axis::new("Months since enrollment").tick_step(3.0),
            Axis::new("Points (0-12)").range(0.0, 12.0),
        )
        .series(Series::new("Placebo", x.clone(), placebo.clone()).band(
            placebo.iter().map(|v| v - 1.5).collect(),
            placebo.iter().map(|v| v + 1.5).collect(),
            "Middle 50%",
        ))
        .series(
            Series::new(
                "Treated",
                x.clone(),
                x.iter().map(|m| 12.0 - 0.6 * slope * m).collect(),
            )
            .dashed(),
        )
    };
    Grid::new("Domain subscores: demo scenario", 2)
        .subtitle("Median with the middle 50%")
        .panel(panel("Bulbar", 0.2))
        .panel(panel("Fine motor", 0.4))
        .panel(panel("Gross motor", 0.5))
        .panel(panel("Respiratory", 0.1))
}

#[test]
fn grids_and_tables_under_the_axis() {
    let (_tmp, dir) = folder("grid");
    let options = FigureOptions::default();
    let grid = demo_grid();
    assert_eq!(grid.rows(), 2);
    assert_eq!(grid_chart(&dir, "grid", &grid, &options).unwrap().len(), 2);
    check_written(&dir, "grid", &Figure::Grid(grid.clone()));
    let svg = std::fs::read_to_string(dir.join("grid.svg")).unwrap();
    // One shared legend: each label once; the x axis label only under the lower panels.
    assert_eq!(svg.matches("Treated").count(), 1);
    assert_eq!(svg.matches("Months since enrollment").count(), 2);
    // Three panels in two columns, and a grid of one panel.
    let mut three = grid.clone();
    three.panels.truncate(3);
    three.columns = 2;
    assert!(colours(&Figure::Grid(three).render_rgb(900, 600).unwrap()).len() > 50);
    let mut one = grid.clone();
    one.panels.truncate(1);
    one.columns = 3;
    Figure::Grid(one).render_rgb(400, 300).unwrap();

    let times = vec![0.0, 6.0, 12.0];
    let table = RiskTable::new("Number at risk", times.clone())
        .row(
            "placebo",
            Colour::Series(0),
            vec!["100".into(), "80".into(), "61".into()],
        )
        .row(
            "a_treated_arm_with_a_long_name",
            Colour::Series(1),
            vec!["100".into(), "85".into(), "70".into()],
        );
    let km = Chart::new(
        "Survival: demo scenario",
        Axis::new("Months since enrollment")
            .range(0.0, 12.0)
            .tick_step(3.0),
        Axis::new("Alive (%)").percent().range(0.0, 1.0),
    )
    .series(Series::new(
        "placebo",
        vec![0.0, 4.0, 9.0, 12.0],
        vec![1.0, 0.9, 0.7, 0.6],
    ))
    .series(
        Series::new(
            "a_treated_arm_with_a_long_name",
            vec![0.0, 5.0, 12.0],
            vec![1.0, 0.9, 0.7],
        )
        .dashed(),
    )
    .table(table.clone())
    .legend(LegendPosition::Below);
    step_chart(&dir, "km", &km, &options).unwrap();
    check_written(&dir, "km", &Figure::Step(km.clone()));
    // The table takes room at the bottom: the plot ends higher than without it.
    let mut plain = km.clone();
    plain.table = None;
    let lowest_axis_row = |rgb: &[u8]| {
        // The lowest row holding a long run of black pixels (the x axis).
        (0..800)
            .rev()
            .find(|y| {
                let row = &rgb[y * 1200 * 3..(y + 1) * 1200 * 3];
                row.chunks_exact(3).filter(|p| p == &[0, 0, 0]).count() > 600
            })
            .unwrap()
    };
    let with = lowest_axis_row(&Figure::Step(km.clone()).render_rgb(1200, 800).unwrap());
    let without = lowest_axis_row(&Figure::Step(plain).render_rgb(1200, 800).unwrap());
    assert!(with + 60 < without, "{with} {without}");
    // Small figures draw too.
    Figure::Step(km.clone()).render_rgb(300, 200).unwrap();

    // A row without one value per time, a grid without columns or panels: errors.
    let mut bad = km.clone();
    bad.table.as_mut().unwrap().rows[0].values.pop();
    match step_chart(&dir, "bad", &bad, &options) {
        Err(PlotError::Invalid { message, .. }) => {
            assert!(message.contains("placebo"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    let mut bad = grid.clone();
    bad.columns = 0;
    assert!(matches!(
        grid_chart(&dir, "bad", &bad, &options),
        Err(PlotError::Invalid { .. })
    ));
    assert!(matches!(
        grid_chart(&dir, "bad", &Grid::new("empty", 2), &options),
        Err(PlotError::Invalid { .. })
    ));
    let mut bad = grid;
    bad.panels[2].series[0].y.pop();
    match grid_chart(&dir, "bad", &bad, &options) {
        Err(PlotError::Invalid { message, .. }) => {
            assert!(message.contains("Gross motor"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert!(!dir.join("bad.png").exists());
    only_finished_files(&dir);
}

/// Runs a bundled scenario (120 patients, with trajectories, without figures) into `out`.
fn run_scenario(scenario: &Path, out: &Path) {
    let o = Command::cargo_bin("alssim")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("run")
        .arg(scenario)
        .args([
            "--patients",
            "120",
            "--quiet",
            "--no-plots",
            "--trajectories",
            "--out",
        ])
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn report_figures_of_bundled_scenarios_are_drawn() {
    let (_tmp, dir) = folder("report");
    let onset = dir.join("nh-onset.toml");
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/natural-history.toml"),
    )
    .unwrap();
    assert!(text.contains("visits-from = \"enrollment\""));
    std::fs::write(
        &onset,
        text.replace("visits-from = \"enrollment\"", "visits-from = \"onset\""),
    )
    .unwrap();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for (scenario, arms, other) in [
        (root.join("scenarios/natural-history.toml"), 1, "onset"),
        (root.join("scenarios/trial-like.toml"), 2, "onset"),
        (root.join("scenarios/combinations.toml"), 5, "onset"),
        (onset, 1, "enrollment"),
    ] {
        let tag = scenario.file_stem().unwrap().to_string_lossy().to_string();
        let out = dir.join(&tag);
        run_scenario(&scenario, &out);
        let data = ResultData::read(&out).unwrap();
        assert_eq!(data.arms.len(), arms, "{tag}");
        assert!(data.visits.as_ref().is_some_and(|v| !v.is_empty()));
        let est = Estimates::new(&data);
        let (all, _notes) = figures::figures(&data, &est);
        let names: Vec<&str> = all.iter().map(|f| f.name.as_str()).collect();
        let fan = format!("alsfrs_fan_{other}");
        for name in [
            "alsfrs_fan",
            fan.as_str(),
            "domains",
            "survival",
            "mechanisms_neurons",
        ] {
            assert!(names.contains(&name), "{tag}: no {name} in {names:?}");
        }
        assert!(!names.iter().any(|n| n.starts_with("domain_")), "{tag}");
        for f in &all {
            f.figure
                .save(&out, &f.name, &FigureOptions::default())
                .unwrap();
            check_written(&out, &f.name, &f.figure);
        }
        only_finished_files(&out);
        let find = |name: &str| &all.iter().find(|f| f.name == name).unwrap().figure;
        // The domains in a 2 x 2 grid, y from 0 to 12, arms in their palette colours.
        let Figure::Grid(g) = find("domains") else {
            panic!("{tag}: domains is not a grid")
        };
        assert_eq!((g.columns, g.panels.len()), (2, 4));
        for p in &g.panels {
            assert_eq!(p.y.range, Some((0.0, 12.0)));
            assert_eq!(p.series.len(), arms);
            for (i, s) in p.series.iter().enumerate() {
                assert_eq!(s.colour, Some(Colour::Series(i)));
            }
        }
        // Numbers at risk under the survival curves: a line per arm at the risk times.
        let Figure::Step(km) = find("survival") else {
            panic!("{tag}: survival is not a step chart")
        };
        let table = km.table.as_ref().unwrap();
        assert_eq!(table.rows.len(), arms);
        for (i, (row, arm)) in table.rows.iter().zip(&data.arms).enumerate() {
            assert_eq!(&row.label, arm);
            assert_eq!(row.colour, Colour::Series(i));
            let counts: Vec<String> = table
                .x
                .iter()
                .map(|&t| alssim::results::estimates::at_risk(&data, arm, t).to_string())
                .collect();
            assert_eq!(row.values, counts);
        }
        assert!(!km.subtitle.contains("Number at risk"));
        assert!(table.x.len() >= 3 && table.x[0] == 0.0);
        // Mechanisms: four regions of one arm, or the regional mean of every arm.
        let Figure::Line(m) = find("mechanisms_neurons") else {
            panic!("{tag}: mechanisms_neurons is not a line chart")
        };
        if arms == 1 {
            let labels: Vec<&str> = m.series.iter().map(|s| s.label.as_str()).collect();
            assert_eq!(labels, ["bulbar", "cervical", "thoracic", "lumbar"]);
        } else {
            assert_eq!(m.series.len(), arms);
            assert!(m.subtitle.contains("unweighted mean"));
            for (i, (s, arm)) in m.series.iter().zip(&data.arms).enumerate() {
                assert_eq!((&s.label, s.colour), (arm, Some(Colour::Series(i))));
                // The mean of the four regional means in summary.csv.
                let region = |r: &str| data.rows(arm, &format!("neurons_{r}"))[1].mean.unwrap();
                let mean = ["bulbar", "cervical", "thoracic", "lumbar"]
                    .iter()
                    .map(|r| region(r))
                    .sum::<f64>()
                    / 4.0;
                assert!((s.y[1] - mean).abs() < 1e-12, "{tag} {arm}");
            }
        }
        // The fan against the other time origin: every median within 0-48.
        let Figure::Line(f) = find(&fan) else {
            panic!("{tag}: {fan} is not a line chart")
        };
        assert_eq!(f.x.label, format!("Months since {other}"));
        assert_eq!(f.series.len(), arms);
        for s in &f.series {
            assert!(s.y.iter().filter(|v| v.is_finite()).count() >= 3, "{tag}");
            assert!(
                s.y.iter()
                    .filter(|v| v.is_finite())
                    .all(|v| (0.0..=48.0).contains(v))
            );
        }
    }
}
