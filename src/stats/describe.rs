//! Descriptive statistics of finished samples.

/// Mean, SD and quantiles of a sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Describe {
    /// Sample size.
    pub n: usize,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (n − 1); NaN for n < 2.
    pub sd: f64,
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

/// Quantile of sorted data by linear interpolation between order statistics (Hyndman & Fan
/// type 7, the default of R and NumPy).
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Describes a sample, summing in the given order so results do not depend on threads.
pub fn describe(values: &[f64]) -> Describe {
    let n = values.len();
    let mean = values.iter().sum::<f64>() / n as f64;
    let sd = if n > 1 {
        (values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
    } else {
        f64::NAN
    };
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    Describe {
        n,
        mean,
        sd,
        median: quantile_sorted(&sorted, 0.5),
        q05: quantile_sorted(&sorted, 0.05),
        q25: quantile_sorted(&sorted, 0.25),
        q75: quantile_sorted(&sorted, 0.75),
        q95: quantile_sorted(&sorted, 0.95),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_r_type_7() {
        // R: quantile(c(1, 2, 4, 7, 11), c(.05, .25, .5, .75, .95)) = 1.2 2 4 7 10.2
        let d = describe(&[7.0, 1.0, 11.0, 2.0, 4.0]);
        assert!((d.q05 - 1.2).abs() < 1e-12);
        assert!((d.q25 - 2.0).abs() < 1e-12);
        assert!((d.median - 4.0).abs() < 1e-12);
        assert!((d.q75 - 7.0).abs() < 1e-12);
        assert!((d.q95 - 10.2).abs() < 1e-12);
        assert!((d.mean - 5.0).abs() < 1e-12);
        // sd(c(1, 2, 4, 7, 11)) = sqrt(66 / 4) = 4.0620...
        assert!((d.sd - 16.5_f64.sqrt()).abs() < 1e-12);
    }
}
