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

/// Ranks of a sample, 1 to n, ties given the average of the ranks they span.
pub fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]].total_cmp(&v[idx[i]]).is_eq() {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    r
}

/// Pearson correlation of two samples of equal length; NaN when either is constant or the
/// samples are shorter than 2.
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    if n < 2 {
        return f64::NAN;
    }
    let (x, y) = (&x[..n], &y[..n]);
    let nf = n as f64;
    let (mx, my) = (x.iter().sum::<f64>() / nf, y.iter().sum::<f64>() / nf);
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let syy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    sxy / (sxx * syy).sqrt()
}

/// Spearman rank correlation: the Pearson correlation of the ranks (ties averaged), as
/// `scipy.stats.spearmanr` computes it.
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    pearson(&ranks(x), &ranks(y))
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

    #[test]
    fn spearman_matches_the_scipy_example() {
        // scipy.stats.spearmanr([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) = 0.8207826816681233: the
        // tied 7s share ranks 3 and 4, so the value is 8 / sqrt(95).
        let r = spearman(&[1.0, 2.0, 3.0, 4.0, 5.0], &[5.0, 6.0, 7.0, 8.0, 7.0]);
        assert!((r - 0.8207826816681233).abs() < 1e-15, "{r}");
        assert_eq!(ranks(&[7.0, 5.0, 7.0]), vec![2.5, 1.0, 2.5]);
        assert!(spearman(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]).is_nan());
        assert!((spearman(&[3.0, 1.0, 2.0], &[30.0, 10.0, 20.0]) - 1.0).abs() < 1e-15);
    }
}
