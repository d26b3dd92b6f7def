//! `--uncertainty N` of `alssim run` and `alssim whatif`: the arms under parameter sets drawn
//! from the shipped posterior, with credible intervals.

use alssim::scenario::Scenario;

/// The arms under `n` parameter sets drawn from the shipped posterior: every key number and
/// every difference from control with its 95% credible interval (printed, and written to
/// `uncertainty.csv` in `dir`, one row per draw and arm).
pub fn report(s: &Scenario, dir: &std::path::Path, n: usize, threads: usize) -> anyhow::Result<()> {
    use alssim::calibrate::uncertainty::{self, Interval};
    let (dims, particles) = uncertainty::bundled();
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let draws = uncertainty::propagate(s, &dims, &particles, n, threads, |i| {
        if tty {
            eprint!("\r  parameter set {i}/{n}");
        }
    })?;
    if tty {
        eprintln!();
    }
    let mut csv = String::from(
        "draw,particle,seed,arm,median_survival_months,mean_alsfrs_r_slope,median_survival_vs_first_arm,slope_vs_first_arm\n",
    );
    for (i, d) in draws.iter().enumerate() {
        for (a, arm) in s.arms.iter().enumerate() {
            let x = d.arms[a];
            let c = d.arms[0];
            csv.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                i + 1,
                d.particle,
                d.seed,
                arm.name,
                x.median_survival,
                x.mean_slope,
                x.median_survival - c.median_survival,
                x.mean_slope - c.mean_slope
            ));
        }
    }
    alssim::report::atomic::write_atomic(&dir.join("uncertainty.csv"), csv.as_bytes())?;
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
    let ci = |i: Interval, digits: usize| i.text(digits);
    crate::outln!(
        "with parameter uncertainty: {n} parameter sets drawn from the posterior, {} patients each; \
         medians over the draws with 95% credible intervals (parameter uncertainty and patient variability together)",
        s.population.size
    );
    let vs = format!(
        "vs {}",
        s.arms.first().map_or("control", |a| a.name.as_str())
    );
    let mut rows = Vec::new();
    for (a, arm) in s.arms.iter().enumerate() {
        let get = |f: &dyn Fn(&uncertainty::Draw) -> f64| Interval::of(draws.iter().map(f));
        let median = get(&|d| d.arms[a].median_survival);
        let slope = get(&|d| d.arms[a].mean_slope);
        let (dm, ds) = (
            get(&|d| d.arms[a].median_survival - d.arms[0].median_survival),
            get(&|d| d.arms[a].mean_slope - d.arms[0].mean_slope),
        );
        let verdict = |i: Interval| {
            if a == 0 || i.n == 0 {
                String::new()
            } else if i.includes_zero() {
                " (includes 0)".to_string()
            } else {
                " (excludes 0)".to_string()
            }
        };
        rows.push(vec![
            arm.name.clone(),
            ci(median, 1),
            if a == 0 {
                "-".into()
            } else {
                format!("{}{}", ci(dm, 1), verdict(dm))
            },
            ci(slope, 3),
            if a == 0 {
                "-".into()
            } else {
                format!("{}{}", ci(ds, 3), verdict(ds))
            },
        ]);
    }
    use super::table::{Align, render};
    crate::cli::print_out(&render(
        &["arm", "median months", &vs, "ALSFRS-R/month", &vs],
        &[
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
        ],
        &rows,
    ));
    Ok(())
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
        s.meta.name, s.population.size
    ));
    for (a, arm) in s.arms.iter().enumerate() {
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
