//! Disease activity: how hard a patient's disease drives unit failure varies over months (off by
//! default: `activity_cv` is 0 in the calibrated model).
//!
//! Between patients the speed of the disease differs by its rates (vulnerability, mechanism
//! weights); within a patient the same rates would give a smooth course whose speed changes only
//! as the damage builds up and the units run out. Real courses are not like that: progression
//! slows for months and resumes (plateaus of 6 months or more in about a quarter of patients,
//! and of 12 months in one in six; Bedlack 2016 Neurology 86:808), and the rate over one stretch
//! of the disease predicts the next one only in part. Activity is a multiplier of the whole
//! damage drive, smooth in time, with mean 1:
//!
//! ```text
//!   a(t) = exp(σ g(t) − σ²/2),   σ² = ln(1 + CV²),
//!   g(t) = s Σ_j z_j B(t/Δ − j),   z_j ~ N(0, 1) independent,
//! ```
//!
//! with `B` the cubic B-spline (support 4 knot spacings), `Δ` the knot spacing and
//! `s = (315/151)^½` so that `g` has unit variance on average over a spacing (between 0.96 at
//! the middle of a spacing and 1.04 at a knot). The correlation of `g` at lag `τ` is the
//! B-spline of degree 7 at `τ/Δ` relative to its centre: 0.49 at one spacing, 0.05 at two, 0
//! beyond four. `g` is twice continuously differentiable, so the solver needs no breakpoints and
//! its steps stay set by the tolerance for spacings of a few months. The knots cover a period of
//! [`PERIOD_MONTHS`] (rounded up to whole spacings) and repeat beyond it, longer than any course
//! from initiation.
//!
//! Activity acts on the symptomatic disease. Before clinical onset the course is not observed,
//! and a varying drive there would only move the time of onset (which the between-patient
//! variation of the rates already spreads) while making onset come when activity happens to be
//! high. So the multiplier in force is `a(t)^w`, where the onset gate `w` ([`onset_gate`]) rises
//! smoothly from 0, while every region keeps its full capacity, to 1 when the weakest region's
//! capacity reaches the onset threshold, and stays 1 from then on. Before the gate opens the
//! solver takes the steps of constant activity.

use std::sync::Arc;

use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

/// Months covered by the knots before they repeat (120 years).
pub const PERIOD_MONTHS: f64 = 1440.0;

/// `(315/151)^½`: the scale that gives the spline of unit-variance knots unit variance on
/// average (`∫B² = 151/315`).
const UNIT_VARIANCE: f64 = 1.444_331_234_596_755_6;

/// A patient's disease activity over time.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    /// `s σ z_j`: the knots, scaled.
    knots: Arc<[f64]>,
    /// 1 / knot spacing, 1/month.
    rate: f64,
    /// `σ²/2`.
    half_variance: f64,
}

impl Activity {
    /// Draws an activity of coefficient of variation `cv` and knot spacing `spacing` months, or
    /// `None` when `cv` is 0 (constant activity 1).
    pub fn draw<R: Rng + ?Sized>(cv: f64, spacing: f64, rng: &mut R) -> Option<Activity> {
        if cv <= 0.0 || spacing <= 0.0 {
            return None;
        }
        let variance = cv.mul_add(cv, 1.0).ln();
        let sigma = variance.sqrt();
        let n = (PERIOD_MONTHS / spacing).ceil().max(4.0) as usize;
        let knots: Arc<[f64]> = (0..n)
            .map(|_| UNIT_VARIANCE * sigma * rng.sample::<f64, _>(StandardNormal))
            .collect();
        Some(Activity {
            knots,
            rate: 1.0 / spacing,
            half_variance: 0.5 * variance,
        })
    }

    /// The activity at time `t`, months since initiation.
    #[inline]
    pub fn at(&self, t: f64) -> f64 {
        self.log_at(t).exp()
    }

    /// The activity in force at time `t` with onset gate `gate` in [0, 1]: `a(t)^gate`, exactly
    /// 1 when the gate is shut.
    #[inline]
    pub fn gated(&self, t: f64, gate: f64) -> f64 {
        if gate <= 0.0 {
            1.0
        } else if gate >= 1.0 {
            self.at(t)
        } else {
            (gate * self.log_at(t)).exp()
        }
    }

    /// `ln a(t) = σ g(t) − σ²/2`.
    #[inline]
    pub fn log_at(&self, t: f64) -> f64 {
        let x = t * self.rate;
        let j = x.floor();
        let u = x - j;
        let n = self.knots.len();
        // Knot j − 1 is the first of the four that act on [j, j + 1); they wrap around the end
        // of the period only past it (or before time 0), so the usual case needs no remainder.
        let k: [f64; 4] = match (j as i64).checked_sub(1) {
            Some(first) if first >= 0 && (first as usize) + 3 < n => {
                let f = first as usize;
                [
                    self.knots[f],
                    self.knots[f + 1],
                    self.knots[f + 2],
                    self.knots[f + 3],
                ]
            }
            _ => {
                let first = ((j as i64 - 1).rem_euclid(n as i64)) as usize;
                [0, 1, 2, 3].map(|i| self.knots[(first + i) % n])
            }
        };
        let v = 1.0 - u;
        let u2 = u * u;
        let u3 = u2 * u;
        let b0 = v * v * v;
        let b1 = 3.0 * u3 - 6.0 * u2 + 4.0;
        let b2 = -3.0 * u3 + 3.0 * u2 + 3.0 * u + 1.0;
        let b3 = u3;
        (b0 * k[0] + b1 * k[1] + b2 * k[2] + b3 * k[3]) / 6.0 - self.half_variance
    }
}

/// The onset gate: 0 while the weakest region's motor capacity `weakest` is full, 1 from the
/// clinical onset threshold `onset_capacity` on, and the quintic smoothstep `6x⁵ − 15x⁴ + 10x³`
/// of the fraction `x` of the way between them (continuous with two continuous derivatives).
#[inline]
pub fn onset_gate(weakest: f64, onset_capacity: f64) -> f64 {
    let x = ((1.0 - weakest) / (1.0 - onset_capacity)).clamp(0.0, 1.0);
    x * x * x * (x * (6.0 * x - 15.0) + 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;

    #[test]
    fn unit_variance_scale_is_the_integral_of_the_squared_spline() {
        assert!((UNIT_VARIANCE * UNIT_VARIANCE - 315.0 / 151.0).abs() < 1e-12);
    }

    #[test]
    fn the_gate_opens_from_full_capacity_to_onset() {
        assert_eq!(onset_gate(1.0, 0.93).to_bits(), 0.0_f64.to_bits());
        assert_eq!(onset_gate(0.93, 0.93).to_bits(), 1.0_f64.to_bits());
        assert_eq!(onset_gate(0.2, 0.93).to_bits(), 1.0_f64.to_bits());
        assert!((onset_gate(0.965, 0.93) - 0.5).abs() < 1e-12);
        // Monotone and flat at both ends.
        let g: Vec<f64> = (0..=100)
            .map(|k| onset_gate(1.0 - 0.0007 * f64::from(k), 0.93))
            .collect();
        assert!(g.windows(2).all(|w| w[1] >= w[0]));
        assert!(g[1] < 1e-4 && 1.0 - g[99] < 1e-4);
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let a = Activity::draw(0.8, 6.0, &mut rng).unwrap();
        assert_eq!(a.gated(30.0, 0.0).to_bits(), 1.0_f64.to_bits());
        assert_eq!(a.gated(30.0, 1.0).to_bits(), a.at(30.0).to_bits());
        let half = a.gated(30.0, 0.5);
        assert!((half * half - a.at(30.0)).abs() < 1e-12);
    }

    #[test]
    fn no_activity_without_variation() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert!(Activity::draw(0.0, 3.0, &mut rng).is_none());
    }

    #[test]
    fn mean_one_and_the_coefficient_of_variation_asked_for() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let cv = 0.6;
        let (mut sum, mut sum2, mut n) = (0.0, 0.0, 0.0);
        for _ in 0..400 {
            let a = Activity::draw(cv, 3.0, &mut rng).unwrap();
            for i in 0..480 {
                let x = a.at(0.25 * f64::from(i) + 0.1);
                sum += x;
                sum2 += x * x;
                n += 1.0;
            }
        }
        let mean = sum / n;
        let sd = (sum2 / n - mean * mean).sqrt();
        assert!((mean - 1.0).abs() < 0.03, "mean {mean}");
        assert!((sd / mean - cv).abs() < 0.05, "cv {}", sd / mean);
    }

    #[test]
    fn smooth_and_periodic() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let a = Activity::draw(0.8, 4.0, &mut rng).unwrap();
        // Continuous across a knot, with a continuous slope.
        let (t, h) = (40.0, 1e-6);
        assert!((a.log_at(t - h) - a.log_at(t + h)).abs() < 1e-5);
        let slope = |t: f64| (a.log_at(t + h) - a.log_at(t - h)) / (2.0 * h);
        assert!((slope(t - 1e-4) - slope(t + 1e-4)).abs() < 1e-2);
        assert!((a.at(13.7) - a.at(13.7 + PERIOD_MONTHS)).abs() < 1e-12);
    }

    #[test]
    fn correlation_half_at_one_spacing() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let spacing = 3.0;
        let (mut c0, mut c1, mut c2) = (0.0, 0.0, 0.0);
        for _ in 0..2000 {
            let a = Activity::draw(0.5, spacing, &mut rng).unwrap();
            let h = a.half_variance;
            let g = |t: f64| a.log_at(t) + h;
            // Averaged over the phase within a spacing.
            for phase in 0..6 {
                let t = 100.0 + 0.5 * f64::from(phase);
                c0 += g(t) * g(t);
                c1 += g(t) * g(t + spacing);
                c2 += g(t) * g(t + 2.0 * spacing);
            }
        }
        let (r1, r2) = (c1 / c0, c2 / c0);
        assert!((r1 - 1191.0 / 2416.0).abs() < 0.06, "lag 1: {r1}");
        assert!(r2.abs() < 0.08, "lag 2: {r2}");
    }
}
