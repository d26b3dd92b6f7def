//! Credible intervals over the draws of `--uncertainty N` (parameter sets from the posterior),
//! and the `uncertainty.csv` table of `alssim run` and `alssim whatif`, as the report reads it.

/// A credible interval: the 2.5th, 50th and 97.5th percentiles over the draws (NaN draws left
/// out), with the number of draws used.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// 2.5th percentile.
    pub lo: f64,
    /// Median.
    pub median: f64,
    /// 97.5th percentile.
    pub hi: f64,
    /// Draws with a value.
    pub n: usize,
}

impl Interval {
    /// The interval of `values`.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Interval {
        let mut v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        let q = |p: f64| crate::stats::describe::quantile_sorted(&v, p);
        Interval {
            lo: q(0.025),
            median: q(0.5),
            hi: q(0.975),
            n: v.len(),
        }
    }

    /// `median (lo to hi)` with `digits` decimals, or `-` without draws.
    pub fn text(&self, digits: usize) -> String {
        if self.n == 0 {
            "-".to_string()
        } else {
            format!(
                "{:.d$} ({:.d$} to {:.d$})",
                self.median,
                self.lo,
                self.hi,
                d = digits
            )
        }
    }

    /// [`Interval::text`] followed by whether the interval includes `no_effect`.
    pub fn text_against(&self, digits: usize, no_effect: f64) -> String {
        if self.n == 0 {
            return self.text(digits);
        }
        format!(
            "{}: {} {no_effect}",
            self.text(digits),
            if self.includes(no_effect) {
                "includes"
            } else {
                "excludes"
            }
        )
    }

    /// Whether the interval contains `x`.
    pub fn includes(&self, x: f64) -> bool {
        self.lo <= x && self.hi >= x
    }
}

/// The four numbers of one arm in one draw: median survival, mean slope, and their paired
/// differences from the first arm.
pub type ArmRow = [f64; 4];

/// One arm's credible intervals over the draws.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ArmIntervals {
    /// Median survival from enrollment, months.
    pub median_survival: Interval,
    /// Mean ALSFRS-R slope, points/month.
    pub mean_slope: Interval,
    /// Paired difference of the median survival from the first arm's.
    pub median_survival_vs_first: Interval,
    /// Paired difference of the mean slope from the first arm's.
    pub slope_vs_first: Interval,
}

impl ArmIntervals {
    /// The intervals of an arm's rows.
    pub fn of(rows: &[ArmRow]) -> ArmIntervals {
        let col = |j: usize| Interval::of(rows.iter().map(|r| r[j]));
        ArmIntervals {
            median_survival: col(0),
            mean_slope: col(1),
            median_survival_vs_first: col(2),
            slope_vs_first: col(3),
        }
    }
}

/// The header of `uncertainty.csv` (run and whatif).
pub const CSV_HEADER: &str = "draw,particle,seed,arm,median_survival_months,mean_alsfrs_r_slope,median_survival_vs_first_arm,slope_vs_first_arm";

/// Reads `uncertainty.csv`: each arm (in order of first appearance) with its rows; `None` if
/// the text is not such a table.
pub fn read_draws_csv(text: &str) -> Option<Vec<(String, Vec<ArmRow>)>> {
    let mut lines = text.lines();
    if lines.next()? != CSV_HEADER {
        return None;
    }
    let mut arms: Vec<(String, Vec<ArmRow>)> = Vec::new();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != 8 {
            return None;
        }
        let x = |i: usize| f[i].parse::<f64>().unwrap_or(f64::NAN);
        let row = [x(4), x(5), x(6), x(7)];
        match arms.iter_mut().find(|(a, _)| a == f[3]) {
            Some((_, rows)) => rows.push(row),
            None => arms.push((f[3].to_string(), vec![row])),
        }
    }
    Some(arms)
}
