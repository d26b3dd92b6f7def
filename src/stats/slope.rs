//! Least-squares lines and parabolas, for progression slopes (for example ALSFRS-R points
//! per month) and checks of their curvilinearity.
//!
//! Sums are formed about the means (two passes), and the parabola is fitted in a centred and
//! scaled abscissa, so that times in the hundreds do not cost accuracy.

use super::linalg::{Ldl, PIVOT_TOLERANCE};

/// Ordinary least-squares line `y = intercept + slope · x`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ols {
    /// Slope.
    pub slope: f64,
    /// Intercept (value at x = 0).
    pub intercept: f64,
    /// Standard error of the slope, `√(SSE / (n − 2) / Sxx)`.
    pub se_slope: f64,
    /// Coefficient of determination `1 − SSE/SST`; 1 when `y` is constant (the line then
    /// reproduces the data exactly).
    pub r2: f64,
    /// Number of points.
    pub n: usize,
}

/// Checks lengths and finiteness.
fn valid(x: &[f64], y: &[f64], min_len: usize) -> bool {
    x.len() == y.len() && x.len() >= min_len && x.iter().chain(y).all(|v| v.is_finite())
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Least-squares slope of `(x, y)` points alone: `None` for fewer than two points or a
/// constant `x`. Unlike [`ols`] it needs no third point, since it gives no standard error.
pub fn slope(points: &[(f64, f64)]) -> Option<f64> {
    if points.len() < 2 {
        return None;
    }
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// Fits a straight line by ordinary least squares.
///
/// `None` for fewer than 3 points (no residual degree of freedom for the standard error),
/// mismatched lengths, non-finite values, or a constant `x`.
pub fn ols(x: &[f64], y: &[f64]) -> Option<Ols> {
    if !valid(x, y, 3) {
        return None;
    }
    let n = x.len();
    let (mx, my) = (mean(x), mean(y));
    let mut sxx = 0.0;
    let mut sxy = 0.0;
    let mut syy = 0.0;
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    let spread = x.iter().map(|v| (v - mx).abs()).fold(0.0, f64::max);
    if sxx <= 0.0 || spread <= 1e-12 * mx.abs() {
        return None;
    }
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let sse: f64 = x
        .iter()
        .zip(y)
        .map(|(a, b)| {
            let r = b - my - slope * (a - mx);
            r * r
        })
        .sum();
    let se_slope = (sse / (n - 2) as f64 / sxx).sqrt();
    let r2 = if syy > 0.0 {
        (1.0 - sse / syy).clamp(0.0, 1.0)
    } else {
        1.0
    };
    Some(Ols {
        slope,
        intercept,
        se_slope,
        r2,
        n,
    })
}

/// Fits `y = a + b·x + c·x²` by least squares and returns `[a, b, c]`.
///
/// `None` for mismatched lengths, non-finite values, or fewer than 3 distinct `x` values.
pub fn quadratic(x: &[f64], y: &[f64]) -> Option<[f64; 3]> {
    if !valid(x, y, 3) {
        return None;
    }
    let n = x.len() as f64;
    let m = mean(x);
    let s = (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n).sqrt();
    if s <= 0.0 || s <= 1e-12 * m.abs() {
        return None;
    }
    // Normal equations in u = (x − m)/s, basis (1, u, u²).
    let mut a = [0.0; 9];
    let mut rhs = [0.0; 3];
    for (xv, yv) in x.iter().zip(y) {
        let u = (xv - m) / s;
        let basis = [1.0, u, u * u];
        for i in 0..3 {
            rhs[i] += basis[i] * yv;
            for j in 0..3 {
                a[i * 3 + j] += basis[i] * basis[j];
            }
        }
    }
    let ldl = Ldl::new(&a, 3, PIVOT_TOLERANCE)?;
    if !ldl.is_full_rank() {
        return None;
    }
    let g = ldl.solve(&rhs);
    // Back to x: u = (x − m)/s.
    let c = g[2] / (s * s);
    let b = g[1] / s - 2.0 * g[2] * m / (s * s);
    let a0 = g[0] - g[1] * m / s + g[2] * m * m / (s * s);
    let out = [a0, b, c];
    out.iter().all(|v| v.is_finite()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn exact_line_is_recovered() {
        // y = 2 − 0.85 x over monthly visits: residuals vanish, r² = 1, se = 0.
        let x: Vec<f64> = (0..12).map(f64::from).collect();
        let y: Vec<f64> = x.iter().map(|t| 2.0 - 0.85 * t).collect();
        let fit = ols(&x, &y).unwrap();
        assert!(close(fit.slope, -0.85, 1e-14) && close(fit.intercept, 2.0, 1e-13));
        assert!(fit.se_slope < 1e-14 && close(fit.r2, 1.0, 1e-14));
        assert_eq!(fit.n, 12);
    }

    #[test]
    fn small_example_by_hand() {
        // x = 1..5, y = (2, 4, 5, 4, 5): Sxx = 10, Sxy = 6, slope 0.6, intercept 4 − 0.6·3 = 2.2;
        // residuals (−0.8, 0.6, 1, −0.6, −0.2), SSE = 2.4, SST = 6, r² = 0.6,
        // se = √(2.4 / 3 / 10) = √0.08.
        let fit = ols(&[1.0, 2.0, 3.0, 4.0, 5.0], &[2.0, 4.0, 5.0, 4.0, 5.0]).unwrap();
        assert!(close(fit.slope, 0.6, 1e-15) && close(fit.intercept, 2.2, 1e-14));
        assert!(close(fit.r2, 0.6, 1e-14) && close(fit.se_slope, 0.08f64.sqrt(), 1e-15));
    }

    #[test]
    fn anscombe_quartet_set_one() {
        // Anscombe (1973), The American Statistician 27:17-21, data set I: fitted line
        // y = 3.00 + 0.500 x, standard error of the slope 0.118, r² = 0.667. Full precision
        // from R lm(): slope 0.5000909091, intercept 3.0000909091, se 0.1179055006,
        // r² 0.6665424595.
        let x = [10., 8., 13., 9., 11., 14., 6., 4., 12., 7., 5.];
        let y = [
            8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68,
        ];
        let fit = ols(&x, &y).unwrap();
        assert!(close(fit.slope, 0.500_090_909_1, 1e-10));
        assert!(close(fit.intercept, 3.000_090_909_1, 1e-10));
        assert!(close(fit.se_slope, 0.117_905_500_6, 1e-10));
        assert!(close(fit.r2, 0.666_542_459_5, 1e-10));
    }

    #[test]
    fn quadratic_recovers_exact_parabola() {
        // y = 40 − 0.5 t − 0.02 t² at t = 0, 3, …, 60 months, and the same shifted to
        // t = 600…660 (a badly conditioned design without centring).
        for offset in [0.0, 600.0] {
            let t: Vec<f64> = (0..21).map(|k| offset + 3.0 * f64::from(k)).collect();
            let y: Vec<f64> = t.iter().map(|v| 40.0 - 0.5 * v - 0.02 * v * v).collect();
            let [a, b, c] = quadratic(&t, &y).unwrap();
            assert!(close(c, -0.02, 1e-12), "c = {c}");
            assert!(close(b, -0.5, 1e-8 * (1.0 + offset)), "b = {b}");
            assert!(close(a, 40.0, 1e-6 * (1.0 + offset * offset)), "a = {a}");
        }
        // A straight line has no curvature.
        let [_, b, c] = quadratic(&[0.0, 1.0, 2.0, 3.0], &[1.0, 3.0, 5.0, 7.0]).unwrap();
        assert!(close(b, 2.0, 1e-13) && c.abs() < 1e-13);
    }

    #[test]
    fn quadratic_fits_anscombe_set_two() {
        // Anscombe's data set II lies on a parabola; R lm(y2 ~ x2 + I(x2^2)) gives
        // (−5.995734265734, 2.780839160839, −0.126713286713).
        let x = [10., 8., 13., 9., 11., 14., 6., 4., 12., 7., 5.];
        let y = [
            9.14, 8.14, 8.74, 8.77, 9.26, 8.10, 6.13, 3.10, 9.13, 7.26, 4.74,
        ];
        let [a, b, c] = quadratic(&x, &y).unwrap();
        assert!(close(a, -5.995_734_265_734, 1e-10));
        assert!(close(b, 2.780_839_160_839, 1e-10));
        assert!(close(c, -0.126_713_286_713, 1e-11));
    }

    #[test]
    fn degenerate_input_is_rejected() {
        assert!(ols(&[1.0, 2.0], &[1.0, 2.0]).is_none());
        assert!(ols(&[1.0, 2.0, 3.0], &[1.0, 2.0]).is_none());
        assert!(ols(&[2.0, 2.0, 2.0], &[1.0, 2.0, 3.0]).is_none());
        assert!(ols(&[1.0, 2.0, f64::NAN], &[1.0, 2.0, 3.0]).is_none());
        let flat = ols(&[1.0, 2.0, 3.0], &[4.0, 4.0, 4.0]).unwrap();
        assert!(flat.slope.abs() < 1e-15 && close(flat.r2, 1.0, 0.0));
        assert!(quadratic(&[1.0, 2.0, 2.0, 1.0], &[1.0, 2.0, 3.0, 4.0]).is_none());
        assert!(quadratic(&[1.0, 2.0], &[1.0, 2.0]).is_none());
        assert!(quadratic(&[5.0; 4], &[1.0, 2.0, 3.0, 4.0]).is_none());
    }

    #[test]
    fn slope_of_points() {
        assert_eq!(slope(&[(0.0, 1.0), (2.0, 5.0)]), Some(2.0));
        assert_eq!(slope(&[(1.0, 1.0), (1.0, 5.0)]), None);
        assert_eq!(slope(&[(1.0, 1.0)]), None);
    }
}
