//! Tabulated forms of the two power laws in the right-hand side.
//!
//! The reserve curve `C(F)` with a corner sharpness that is not a whole number, and graded
//! vulnerability `N^γ`, each take `powf` calls on every evaluation of the right-hand side, four
//! regions at a time: about half the cost of an evaluation. Both depend on the patient's
//! parameters only through fixed exponents, so they are tabulated once per parameter set and
//! read by piecewise-cubic Hermite interpolation with exact slopes at the knots.
//!
//! Accuracy: the interpolation error is below 1e-9 for the reserve curve (2.2e-10 at the
//! defaults) and below 2e-11 relative for the power (6e-13 at the default exponent); the tests
//! below check both against the closed forms. That is two orders of magnitude under the
//! solver's absolute tolerance (1e-7): on the natural-history scenario, event times move by at
//! most 1e-7 months and no rated score, stage or event changes.
//!
//! Tables are shared: a thread keeps the last table it built for each law and reuses it while
//! the exponents stay the same (every patient of a cohort, unless the exponents vary between
//! patients). A table depends only on its exponents, so results do not depend on which thread
//! built it.

use std::cell::RefCell;
use std::sync::Arc;

/// A cubic Hermite interpolant on a uniform grid, stored as one cubic per interval.
#[derive(Debug)]
struct Hermite {
    lo: f64,
    inv_h: f64,
    /// `c0 + t·(c1 + t·(c2 + t·c3))` on interval `i`, `t ∈ [0, 1]`.
    cubics: Vec<[f64; 4]>,
}

impl Hermite {
    /// Tabulates `f` (which returns value and derivative) on `[lo, hi]` in `intervals` pieces.
    fn new(lo: f64, hi: f64, intervals: usize, f: impl Fn(f64) -> (f64, f64)) -> Self {
        let h = (hi - lo) / intervals as f64;
        let knots: Vec<(f64, f64)> = (0..=intervals)
            .map(|i| {
                let (y, dy) = f(lo + h * i as f64);
                (y, dy * h)
            })
            .collect();
        let cubics = knots
            .windows(2)
            .map(|w| {
                let ((y0, d0), (y1, d1)) = (w[0], w[1]);
                [
                    y0,
                    d0,
                    3.0 * (y1 - y0) - 2.0 * d0 - d1,
                    2.0 * (y0 - y1) + d0 + d1,
                ]
            })
            .collect();
        Hermite {
            lo,
            inv_h: 1.0 / h,
            cubics,
        }
    }

    /// The interpolant at `x`, which must lie in the tabulated interval.
    #[inline]
    fn eval(&self, x: f64) -> f64 {
        let s = (x - self.lo) * self.inv_h;
        // `s as usize` saturates at 0 for negative input; the last interval takes `s = n`.
        let i = (s as usize).min(self.cubics.len() - 1);
        let t = s - i as f64;
        let [c0, c1, c2, c3] = self.cubics[i];
        c0 + t * (c1 + t * (c2 + t * c3))
    }
}

/// Intervals of the reserve-curve table over `F ∈ [0, 1]` at the default sharpness; sharper
/// corners (larger `E·m`) get proportionally more, so the error stays below 1e-9.
const RESERVE_INTERVALS: usize = 256;

/// The reserve curve `C(F)` (see [`super::neurons::Reserve`]) tabulated on `[0, 1]`.
#[derive(Debug)]
pub struct ReserveTable {
    key: (u64, u64, u64),
    table: Hermite,
}

impl ReserveTable {
    /// The table for reinnervation capacity `e`, corner `m` and normalising scale `scale`;
    /// `raw(F) = E·F / (1 + (E·F)^m)^(1/m)` has derivative `E · (1 + (E·F)^m)^(−1 − 1/m)`.
    fn build(e: f64, m: f64, scale: f64) -> Self {
        // The corner's curvature grows with `E·m`, and the `F^(1+m)` term near `F = 0` is
        // rougher the smaller `m`: 256 intervals suffice for `E·m ≤ 8.4` (an earlier default,
        // 2.4 × 3.477) and `m ≥ 3`, and a small table stays in the first-level cache; sharper
        // corners (the default 2.183 × 18.59) get proportionally more intervals.
        let factor = (e * m / 8.4).max((3.0 / m).powi(3)).ceil().clamp(1.0, 64.0);
        let intervals = RESERVE_INTERVALS * factor as usize;
        let table = Hermite::new(0.0, 1.0, intervals, |f| {
            let u = e * f;
            let base = 1.0 + u.powf(m);
            (
                u / base.powf(1.0 / m) * scale,
                e * base.powf(-1.0 - 1.0 / m) * scale,
            )
        });
        ReserveTable {
            key: (e.to_bits(), m.to_bits(), scale.to_bits()),
            table,
        }
    }

    /// The shared table for these parameters (built on first use by this thread).
    pub fn shared(e: f64, m: f64, scale: f64) -> Arc<Self> {
        thread_local! {
            static LAST: RefCell<Option<Arc<ReserveTable>>> = const { RefCell::new(None) };
        }
        let key = (e.to_bits(), m.to_bits(), scale.to_bits());
        LAST.with(|last| {
            let mut last = last.borrow_mut();
            match &*last {
                Some(t) if t.key == key => Arc::clone(t),
                _ => {
                    let t = Arc::new(Self::build(e, m, scale));
                    *last = Some(Arc::clone(&t));
                    t
                }
            }
        })
    }

    /// `C(F)` for `F ∈ [0, 1]` (the caller clamps).
    #[inline]
    pub fn eval(&self, functional: f64) -> f64 {
        self.table.eval(functional)
    }
}

/// Intervals of the mantissa table of [`Power`] over `[1, 2]`.
const MANTISSA_INTERVALS: usize = 256;
/// Binary exponents tabulated by [`Power`]: arguments down to `2^−EXPONENTS`.
const EXPONENTS: usize = 128;

/// `x^γ` for a fixed exponent `γ`, from `x = μ · 2^k` with `μ ∈ [1, 2)`:
/// `x^γ = μ^γ · 2^(kγ)`, `μ^γ` interpolated, `2^(kγ)` looked up. Arguments outside
/// `[2^−128, 2)` fall back to `powf`.
#[derive(Debug)]
pub struct Power {
    gamma: f64,
    mantissa: Hermite,
    /// `2^(−k·γ)` for `k = 0, 1, …, EXPONENTS`.
    binary: Vec<f64>,
}

impl Power {
    fn build(gamma: f64) -> Self {
        Power {
            gamma,
            mantissa: Hermite::new(1.0, 2.0, MANTISSA_INTERVALS, |mu| {
                (mu.powf(gamma), gamma * mu.powf(gamma - 1.0))
            }),
            binary: (0..=EXPONENTS)
                .map(|k| (-(k as f64) * gamma).exp2())
                .collect(),
        }
    }

    /// The shared table for exponent `gamma` (built on first use by this thread).
    pub fn shared(gamma: f64) -> Arc<Self> {
        thread_local! {
            static LAST: RefCell<Option<Arc<Power>>> = const { RefCell::new(None) };
        }
        LAST.with(|last| {
            let mut last = last.borrow_mut();
            match &*last {
                Some(t) if t.gamma.to_bits() == gamma.to_bits() => Arc::clone(t),
                _ => {
                    let t = Arc::new(Self::build(gamma));
                    *last = Some(Arc::clone(&t));
                    t
                }
            }
        })
    }

    /// `x^γ` for `x ≥ 0`.
    #[inline]
    pub fn eval(&self, x: f64) -> f64 {
        let bits = x.to_bits();
        // Unbiased binary exponent; zero, subnormals, negatives, NaN and x ≥ 2 fall through.
        let k = 1023 - ((bits >> 52) & 0x7ff) as i64;
        if (0..=EXPONENTS as i64).contains(&k) && x > 0.0 {
            let mu = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52));
            self.mantissa.eval(mu) * self.binary[k as usize]
        } else {
            x.max(0.0).powf(self.gamma)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact_reserve(e: f64, m: f64, f: f64) -> f64 {
        let raw = |f: f64| {
            let u = e * f;
            u / (1.0 + u.powf(m)).powf(1.0 / m)
        };
        raw(f) / raw(1.0)
    }

    #[test]
    fn reserve_table_matches_the_closed_form() {
        for (e, m) in [
            (2.4, 3.477),
            (2.183, 18.59),
            (1.5, 2.2),
            (3.0, 2.05),
            (4.0, 7.3),
            (4.0, 32.0),
            (2.0, 4.5),
        ] {
            let u1 = e;
            let scale = (1.0 + f64::powf(u1, m)).powf(1.0 / m) / u1;
            let t = ReserveTable::build(e, m, scale);
            let mut worst: f64 = 0.0;
            for i in 0..=100_000 {
                let f = f64::from(i) / 100_000.0;
                worst = worst.max((t.eval(f) - exact_reserve(e, m, f)).abs());
            }
            assert!(worst < 1e-9, "E {e}, m {m}: worst error {worst:e}");
            assert_eq!(t.eval(0.0).to_bits(), 0f64.to_bits());
        }
    }

    #[test]
    fn power_table_matches_powf() {
        for gamma in [0.2778, 0.4821, 0.05, 1.7, 3.9] {
            let p = Power::build(gamma);
            let mut worst: f64 = 0.0;
            let mut x: f64 = 1.999_999;
            while x > 1e-45 {
                let exact = x.powf(gamma);
                worst = worst.max((p.eval(x) - exact).abs() / exact);
                x *= 0.999_37;
            }
            assert!(
                worst < 2e-11,
                "gamma {gamma}: worst relative error {worst:e}"
            );
            assert_eq!(p.eval(0.0).to_bits(), 0f64.to_bits());
            assert_eq!(p.eval(1.0).to_bits(), 1f64.to_bits());
            assert!((p.eval(3.0) - 3f64.powf(gamma)).abs() < 1e-15 * 3f64.powf(gamma));
        }
    }

    #[test]
    fn shared_tables_follow_their_parameters() {
        let a = Power::shared(0.3);
        let b = Power::shared(0.3);
        assert!(Arc::ptr_eq(&a, &b));
        let c = Power::shared(0.4);
        assert!((c.eval(0.5) - 0.5f64.powf(0.4)).abs() < 1e-14);
        let r = ReserveTable::shared(2.0, 3.0, 1.0);
        let s = ReserveTable::shared(2.0, 3.5, 1.0);
        // Unscaled (scale 1): `C(0.5) = 1 / (1 + 1)^(1/m)` with `E·F = 1`.
        assert!((r.eval(0.5) - 2f64.powf(-1.0 / 3.0)).abs() < 1e-9);
        assert!((s.eval(0.5) - 2f64.powf(-1.0 / 3.5)).abs() < 1e-9);
    }
}
