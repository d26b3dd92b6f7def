//! Small dense symmetric solver shared by the regression and survival modules.
//!
//! A square-root-free Cholesky (LDLᵀ) factorisation in the style of the `cholesky2` routine of
//! Therneau's `survival` package: a pivot below `tolerance × largest diagonal` marks its column
//! as redundant, the column is zeroed and the rank lowered. Solving then returns the solution
//! of the full-rank part with the redundant unknowns set to zero, which is a generalised
//! inverse; quadratic forms `bᵀA⁻b` with `b` in the column space of `A` do not depend on the
//! choice of generalised inverse.

/// Relative pivot tolerance, `f64::EPSILON^0.75` as in `survival::coxph.control`.
pub(crate) const PIVOT_TOLERANCE: f64 = 1.82e-12;

/// LDLᵀ factorisation of a symmetric positive semi-definite matrix.
#[derive(Debug, Clone)]
pub(crate) struct Ldl {
    n: usize,
    /// Unit lower-triangular factor, row-major `n × n` (only the strict lower part is used).
    l: Vec<f64>,
    /// Diagonal; zero for redundant columns.
    d: Vec<f64>,
    rank: usize,
}

impl Ldl {
    /// Factorises the row-major `n × n` symmetric matrix `a` (only its lower triangle is read).
    /// Returns `None` if `a` has the wrong length or holds non-finite values.
    pub(crate) fn new(a: &[f64], n: usize, tolerance: f64) -> Option<Self> {
        if a.len() != n * n || a.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let largest = (0..n).map(|i| a[i * n + i].abs()).fold(0.0, f64::max);
        let eps = tolerance * largest;
        let mut l = vec![0.0; n * n];
        let mut d = vec![0.0; n];
        let mut rank = 0;
        for j in 0..n {
            let mut pivot = a[j * n + j];
            for k in 0..j {
                pivot -= l[j * n + k] * l[j * n + k] * d[k];
            }
            if pivot <= eps || largest <= 0.0 {
                // Redundant column: leave its multipliers at zero.
                d[j] = 0.0;
                continue;
            }
            d[j] = pivot;
            rank += 1;
            for i in (j + 1)..n {
                let mut s = a[i * n + j];
                for k in 0..j {
                    s -= l[i * n + k] * l[j * n + k] * d[k];
                }
                l[i * n + j] = s / pivot;
            }
        }
        Some(Ldl { n, l, d, rank })
    }

    /// Numerical rank.
    pub(crate) fn rank(&self) -> usize {
        self.rank
    }

    /// Logarithm of the determinant, `Σ ln dⱼ`; `−∞` when a column was dropped.
    pub(crate) fn log_det(&self) -> f64 {
        self.d
            .iter()
            .map(|&d| if d > 0.0 { d.ln() } else { f64::NEG_INFINITY })
            .sum()
    }

    /// Whether every column was kept.
    pub(crate) fn is_full_rank(&self) -> bool {
        self.rank == self.n
    }

    /// Solves `A x = b` (generalised inverse when rank deficient).
    pub(crate) fn solve(&self, b: &[f64]) -> Vec<f64> {
        let n = self.n;
        let mut x = b.to_vec();
        for i in 0..n {
            for k in 0..i {
                x[i] -= self.l[i * n + k] * x[k];
            }
        }
        for (xi, &di) in x.iter_mut().zip(&self.d) {
            *xi = if di > 0.0 { *xi / di } else { 0.0 };
        }
        for i in (0..n).rev() {
            if self.d[i] <= 0.0 {
                x[i] = 0.0;
                continue;
            }
            for k in (i + 1)..n {
                x[i] -= self.l[k * n + i] * x[k];
            }
        }
        x
    }

    /// (Generalised) inverse, row-major `n × n`.
    pub(crate) fn inverse(&self) -> Vec<f64> {
        let n = self.n;
        let mut inv = vec![0.0; n * n];
        let mut e = vec![0.0; n];
        for j in 0..n {
            e.iter_mut().for_each(|v| *v = 0.0);
            e[j] = 1.0;
            let col = self.solve(&e);
            for i in 0..n {
                inv[i * n + j] = col[i];
            }
        }
        inv
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_positive_definite_system() {
        // A = [[4, 2], [2, 3]], b = [2, 1]: x = [0.5, 0] by hand (det 8, A⁻¹ = [[3, -2], [-2, 4]] / 8).
        let ldl = Ldl::new(&[4.0, 2.0, 2.0, 3.0], 2, PIVOT_TOLERANCE).unwrap();
        assert!(ldl.is_full_rank());
        let x = ldl.solve(&[2.0, 1.0]);
        assert!((x[0] - 0.5).abs() < 1e-15 && x[1].abs() < 1e-15);
        let inv = ldl.inverse();
        let expected = [0.375, -0.25, -0.25, 0.5];
        for (a, b) in inv.iter().zip(expected) {
            assert!((a - b).abs() < 1e-15);
        }
    }

    #[test]
    fn flags_a_singular_matrix() {
        // Second column is twice the first: rank 1.
        let ldl = Ldl::new(&[1.0, 2.0, 2.0, 4.0], 2, PIVOT_TOLERANCE).unwrap();
        assert_eq!(ldl.rank(), 1);
        assert!(!ldl.is_full_rank());
        assert!(Ldl::new(&[f64::NAN], 1, PIVOT_TOLERANCE).is_none());
        assert_eq!(Ldl::new(&[0.0], 1, PIVOT_TOLERANCE).unwrap().rank(), 0);
    }
}
