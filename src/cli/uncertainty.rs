//! `--uncertainty N` of `alssim run` and `alssim whatif`: the arms under parameter sets drawn
//! from the shipped posterior, with credible intervals.

use alssim::scenario::Scenario;

/// The arms under `n` parameter sets drawn from the shipped posterior: every key number and
/// every difference from the first arm with its 95% credible interval (printed, written to
/// `uncertainty.csv` and `uncertainty-survival.png` in `dir`, and shown in its `report.html`);
/// `quiet` writes the files without printing.
pub fn report(
    s: &Scenario,
    dir: &std::path::Path,
    n: usize,
    threads: usize,
    quiet: bool,
) -> anyhow::Result<()> {
    use alssim::calibrate::uncertainty;
    let (dims, particles) = uncertainty::bundled();
    let tty = !quiet && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let draws = uncertainty::propagate(s, &dims, &particles, n, threads, |i| {
        if tty {
            eprint!("\r  parameter set {i}/{n}");
        }
    })?;
    if tty {
        eprintln!();
    }
    let names: Vec<String> = s.arms().iter().map(|a| a.name.clone()).collect();
    alssim::report::atomic::write_atomic(
        &dir.join("uncertainty.csv"),
        uncertainty::draws_csv(&names, &draws).as_bytes(),
    )?;
    band_figure(s, &draws, dir)?;
    // The report gains its uncertainty section (only report.html is rewritten).
    if dir.join("report.html").exists() {
        alssim::report::figures::draw(
            dir,
            dir,
            &alssim::report::figures::DrawOptions {
                only: Some(Vec::new()),
                ..Default::default()
            },
        )?;
    }
    if quiet {
        return Ok(());
    }
    crate::outln!(
        "with parameter uncertainty: {n} parameter sets drawn from the posterior, {} patients each; \
         medians over the draws with 95% credible intervals (parameter uncertainty and patient variability together)",
        s.population().size
    );
    let intervals: Vec<uncertainty::ArmIntervals> = (0..names.len())
        .map(|a| uncertainty::ArmIntervals::of(&uncertainty::arm_rows(&draws, a)))
        .collect();
    crate::cli::print_out(&table(&names, &intervals));
    Ok(())
}

/// The printed table: one row per arm.
fn table(names: &[String], intervals: &[alssim::calibrate::uncertainty::ArmIntervals]) -> String {
    use super::table::{Align, render};
    let vs = format!("vs {}", names.first().map_or("control", String::as_str));
    let rows: Vec<Vec<String>> = names
        .iter()
        .zip(intervals)
        .enumerate()
        .map(|(a, (name, i))| {
            let diff = |x: alssim::calibrate::uncertainty::Interval, digits| {
                if a == 0 {
                    "-".into()
                } else {
                    x.text_against(digits, 0.0)
                }
            };
            vec![
                name.clone(),
                i.median_survival.text(1),
                diff(i.median_survival_vs_first, 1),
                i.mean_slope.text(3),
                diff(i.slope_vs_first, 3),
            ]
        })
        .collect();
    render(
        &["arm", "median months", &vs, "ALSFRS-R/month", &vs],
        &[
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
        ],
        &rows,
    )
}

/// `uncertainty-survival.png` and `.svg`: each arm's Kaplan-Meier survival from enrollment,
/// the median over the draws with its 95% credible band.
fn band_figure(
    s: &Scenario,
    draws: &[alssim::calibrate::uncertainty::Draw],
    dir: &std::path::Path,
) -> anyhow::Result<()> {
    use alssim::calibrate::uncertainty::{Interval, SURVIVAL_MONTHS};
    use alssim::report::plot::{Axis, Chart, Figure, FigureOptions, Series};
    let mut chart = Chart::new(
        format!(
            "Survival with parameter uncertainty: {} parameter sets from the posterior",
            draws.len()
        ),
        Axis::new("months from enrollment").range(0.0, (SURVIVAL_MONTHS - 1) as f64),
        Axis::new("alive, free of permanent ventilation")
            .range(0.0, 1.0)
            .percent(),
    )
    .subtitle(format!(
        "{}: median over the draws, band 95% credible interval ({} patients per draw)",
        s.meta().name,
        s.population().size
    ));
    for (a, arm) in s.arms().iter().enumerate() {
        let (mut x, mut mid, mut lo, mut hi) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for m in 0..SURVIVAL_MONTHS {
            let i = Interval::of(draws.iter().map(|d| d.arms[a].survival[m]));
            // Only where every draw still has follow-up.
            if i.n < draws.len() {
                break;
            }
            x.push(m as f64);
            mid.push(i.median);
            lo.push(i.lo);
            hi.push(i.hi);
        }
        chart = chart.series(Series::new(arm.name.clone(), x, mid).band(
            lo,
            hi,
            "95% credible interval",
        ));
    }
    Figure::Line(chart).save(dir, "uncertainty-survival", &FigureOptions::default())?;
    Ok(())
}
