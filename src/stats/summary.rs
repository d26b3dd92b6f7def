//! Confidence intervals for a mean and a proportion.

use super::dist::z_for_level;

/// Mean with a normal-approximation confidence interval, `(mean, lower, upper)`:
/// `mean ± z · s / √n` with the sample standard deviation `s` (divisor `n − 1`) and
/// `z = Φ⁻¹((1 + level)/2)`.
///
/// `None` for fewer than two values, a non-finite value, or `level` outside (0, 1).
pub fn mean_ci(values: &[f64], level: f64) -> Option<(f64, f64, f64)> {
    let z = z_for_level(level)?;
    if values.len() < 2 || values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
    let half = z * (var / n).sqrt();
    Some((mean, mean - half, mean + half))
}

/// Wilson score interval for a binomial proportion with `k` successes in `n` trials:
/// `(k + z²/2 ± z √(k(n − k)/n + z²/4)) / (n + z²)`, clipped to [0, 1]. Unlike the Wald
/// interval it stays inside [0, 1] and keeps its coverage near 0 and n (Newcombe 1998).
///
/// `None` for `n = 0`, `k > n`, or `level` outside (0, 1).
pub fn proportion_ci(k: usize, n: usize, level: f64) -> Option<(f64, f64)> {
    let z = z_for_level(level)?;
    if n == 0 || k > n {
        return None;
    }
    let (k, n) = (k as f64, n as f64);
    let z2 = z * z;
    let centre = k + 0.5 * z2;
    let half = z * (k * (n - k) / n + 0.25 * z2).sqrt();
    let denom = n + z2;
    Some((
        ((centre - half) / denom).max(0.0),
        ((centre + half) / denom).min(1.0),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn mean_interval_by_hand() {
        // 1..5: mean 3, s² = 10/4 = 2.5, se = √0.5 = 0.7071068, half = 1.959964 · se = 1.385904.
        let (m, lo, hi) = mean_ci(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.95).unwrap();
        assert!(close(m, 3.0, 1e-15));
        assert!(
            close(lo, 1.614_096, 1e-6) && close(hi, 4.385_904, 1e-6),
            "{lo} {hi}"
        );
        // 90%: z = 1.644854, half = 1.163087.
        let (_, lo, _) = mean_ci(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.90).unwrap();
        assert!(close(lo, 3.0 - 1.163_087, 1e-6));
        assert!(mean_ci(&[1.0], 0.95).is_none());
        assert!(mean_ci(&[1.0, f64::NAN], 0.95).is_none());
        assert!(mean_ci(&[1.0, 2.0], 1.0).is_none());
        let (_, lo, hi) = mean_ci(&[2.0, 2.0, 2.0], 0.95).unwrap();
        assert!(close(lo, 2.0, 0.0) && close(hi, 2.0, 0.0));
    }

    #[test]
    fn wilson_matches_newcombe() {
        // Newcombe (1998), Statistics in Medicine 17:857-872, worked examples for
        // method 3 (score interval without continuity correction), 95%:
        //   81/263: 0.2553-0.3662; 15/148: 0.0624-0.1605; 0/20: 0.0000-0.1611;
        //   1/29: 0.0061-0.1718.
        for (k, n, lo, hi) in [
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
        ] {
            let (l, h) = proportion_ci(k, n, 0.95).unwrap();
            assert!(close(l, lo, 5e-5) && close(h, hi, 5e-5), "{k}/{n}: {l} {h}");
        }
        // 8 of 10: 0.490-0.943 (by the formula above; R prop.test(8, 10, correct = FALSE)
        // gives 0.4901625-0.9433178).
        let (l, h) = proportion_ci(8, 10, 0.95).unwrap();
        assert!(
            close(l, 0.490_162_5, 5e-8) && close(h, 0.943_317_8, 5e-8),
            "{l} {h}"
        );
        // n/n mirrors 0/n.
        let (l, h) = proportion_ci(20, 20, 0.95).unwrap();
        assert!(
            close(l, 1.0 - 0.161_125_158_1, 1e-9) && close(h, 1.0, 1e-15),
            "{l} {h}"
        );
        assert!(proportion_ci(1, 0, 0.95).is_none());
        assert!(proportion_ci(3, 2, 0.95).is_none());
        assert!(proportion_ci(1, 2, 0.0).is_none());
    }
}
