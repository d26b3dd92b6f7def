//! Plasma pharmacokinetics of a drug taken in repeated doses: the one-compartment model with
//! first-order absorption and elimination (the Bateman function), summed over doses.
//!
//! On the months scale of the disease only the mean exposure of a dosing interval matters, and
//! a drug file states it as the documented steady-state concentration (`exposure.concentration`).
//! The model here gives what that number hides and what changes it: how the level swings within
//! an interval at steady state (peak and trough against the mean), how long accumulation takes,
//! and the exposure with food. With absorption rate `k_a = ln 2 / t½,abs`, elimination rate
//! `k_e = ln 2 / t½` and dosing interval `τ`, one dose gives (per unit `F·D/V`)
//!
//! ```text
//! c_1(t) = k_a/(k_a − k_e) · (e^(−k_e t) − e^(−k_a t))      (oral, subcutaneous)
//! c_1(t) = e^(−k_e t)                                         (intravenous bolus)
//! ```
//!
//! and the steady state of doses every `τ` is the geometric sum
//!
//! ```text
//! c_ss(t) = k_a/(k_a − k_e) · (e^(−k_e t)/(1 − e^(−k_e τ)) − e^(−k_a t)/(1 − e^(−k_a τ))),  0 ≤ t < τ
//! ```
//!
//! whose mean over the interval is `1/(k_e τ)` (the area under one dose over the interval). The
//! mean of the `n`-th interval is `1 − e^(−k_e n τ)` of the steady state for a bolus, and close to
//! it when absorption is fast against elimination.
//! Every concentration is returned relative to the steady-state mean, so the documented mean
//! stays the single number that sets the drug's effect.

use std::f64::consts::LN_2;

/// How the drug enters the blood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// By mouth (first-order absorption from the gut).
    Oral,
    /// Into a vein (a bolus or a short infusion, counted as a bolus).
    Intravenous,
    /// Under the skin (first-order absorption from the depot).
    Subcutaneous,
}

impl Route {
    /// Every route.
    pub const ALL: [Route; 3] = [Route::Oral, Route::Intravenous, Route::Subcutaneous];

    /// Name in drug files.
    pub const fn name(self) -> &'static str {
        match self {
            Route::Oral => "oral",
            Route::Intravenous => "intravenous",
            Route::Subcutaneous => "subcutaneous",
        }
    }
}

/// The plasma pharmacokinetics of a drug (`[exposure.pk]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Pk {
    /// Route of administration.
    pub route: Route,
    /// Dose at the standard regimen, mg per administration.
    pub dose_mg: f64,
    /// Dosing interval, hours.
    pub interval_hours: f64,
    /// Plasma elimination half-life, hours.
    pub half_life_hours: f64,
    /// Absorption half-life, hours (oral and subcutaneous; `None` for intravenous).
    pub absorption_half_life_hours: Option<f64>,
    /// Steady-state exposure (AUC) when taken with food, relative to fasting; `None` when no
    /// food effect is documented.
    pub fed_exposure: Option<f64>,
}

/// Peak, trough and mean of the plasma level over one dosing interval at steady state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SteadyState {
    /// Highest level over the interval, relative to the mean.
    pub peak: f64,
    /// Lowest level (just before the next dose), relative to the mean.
    pub trough: f64,
    /// Hours after a dose at which the peak is reached.
    pub peak_hours: f64,
}

impl Pk {
    fn ke(&self) -> f64 {
        LN_2 / self.half_life_hours
    }

    fn ka(&self) -> Option<f64> {
        self.absorption_half_life_hours.map(|h| LN_2 / h)
    }

    /// The steady-state level `t` hours after a dose (`0 ≤ t < τ`), relative to the
    /// steady-state mean.
    pub fn steady_state_at(&self, t: f64) -> f64 {
        let (ke, tau) = (self.ke(), self.interval_hours);
        let mean = 1.0 / (ke * tau);
        let acc = |k: f64| (-k * t).exp() / (1.0 - (-k * tau).exp());
        let c = match self.ka() {
            None => acc(ke),
            Some(ka) if (ka - ke).abs() < 1e-9 * ke => {
                // The limit k_a → k_e of the Bateman sum.
                let q = (-ke * tau).exp();
                ke * (-ke * t).exp() * (t / (1.0 - q) + tau * q / ((1.0 - q) * (1.0 - q)))
            }
            Some(ka) => ka / (ka - ke) * (acc(ke) - acc(ka)),
        };
        c / mean
    }

    /// The level `t` hours after the first of repeated doses every `τ` (the sum of single-dose
    /// curves), relative to the steady-state mean: what [`Pk::steady_state_at`] is the limit of.
    pub fn after_first_dose(&self, t: f64) -> f64 {
        let (ke, tau) = (self.ke(), self.interval_hours);
        let mean = 1.0 / (ke * tau);
        let single = |s: f64| match self.ka() {
            None => (-ke * s).exp(),
            Some(ka) if (ka - ke).abs() < 1e-9 * ke => ke * s * (-ke * s).exp(),
            Some(ka) => ka / (ka - ke) * ((-ke * s).exp() - (-ka * s).exp()),
        };
        let mut sum = 0.0;
        let mut k = 0.0;
        while k * tau <= t {
            sum += single(t - k * tau);
            k += 1.0;
        }
        sum / mean
    }

    /// Peak and trough of the steady-state interval.
    pub fn steady_state(&self) -> SteadyState {
        let (ke, tau) = (self.ke(), self.interval_hours);
        let peak_hours = match self.ka() {
            None => 0.0,
            Some(ka) if (ka - ke).abs() < 1e-9 * ke => {
                // Where the derivative of the limit form vanishes: t = 1/k_e − τ·q/(1 − q).
                let q = (-ke * tau).exp();
                (1.0 / ke - tau * q / (1.0 - q)).clamp(0.0, tau)
            }
            Some(ka) => {
                let r = ka * (1.0 - (-ke * tau).exp()) / (ke * (1.0 - (-ka * tau).exp()));
                (r.ln() / (ka - ke)).clamp(0.0, tau)
            }
        };
        SteadyState {
            peak: self.steady_state_at(peak_hours),
            trough: match self.ka() {
                None => self.steady_state_at(tau),
                Some(_) => self.steady_state_at(0.0),
            },
            peak_hours,
        }
    }

    /// Days of regular dosing after which the mean level of a dosing interval has reached the
    /// fraction `f` of the steady state: `−ln(1 − f)/k_e` (exact for a bolus; with absorption
    /// slower than elimination, steady state comes later).
    pub fn days_to_steady_state(&self, f: f64) -> f64 {
        -(1.0 - f).ln() / self.ke() / 24.0
    }
}

/// Whether a therapy is taken with food or fasting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Food {
    /// As the documented concentration was measured (fasting, or as labelled).
    #[default]
    Fasted,
    /// With a meal: exposure scaled by the drug's `fed-exposure`.
    Fed,
}

impl Food {
    /// Every value.
    pub const ALL: [Food; 2] = [Food::Fasted, Food::Fed];

    /// Name in scenario files.
    pub const fn name(self) -> &'static str {
        match self {
            Food::Fasted => "fasted",
            Food::Fed => "fed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oral(ka_half: f64) -> Pk {
        Pk {
            route: Route::Oral,
            dose_mg: 50.0,
            interval_hours: 12.0,
            half_life_hours: 12.0,
            absorption_half_life_hours: Some(ka_half),
            fed_exposure: None,
        }
    }

    fn mean_over_interval(f: impl Fn(f64) -> f64, t0: f64, tau: f64) -> f64 {
        let n = 20_000;
        (0..n)
            .map(|i| f(t0 + tau * (f64::from(i) + 0.5) / f64::from(n)))
            .sum::<f64>()
            / f64::from(n)
    }

    #[test]
    fn the_steady_state_mean_is_one_and_the_dose_sum_converges_to_it() {
        for pk in [
            oral(1.0),
            oral(12.0),
            Pk {
                route: Route::Intravenous,
                absorption_half_life_hours: None,
                ..oral(1.0)
            },
        ] {
            let tau = pk.interval_hours;
            let m = mean_over_interval(|t| pk.steady_state_at(t), 0.0, tau);
            assert!((m - 1.0).abs() < 1e-6, "{pk:?}: {m}");
            // After 40 half-lives of dosing the sum of single doses is the steady state.
            let t0 = 40.0 * pk.half_life_hours;
            let t0 = (t0 / tau).ceil() * tau;
            for s in [0.1, 2.0, 7.5, 11.9] {
                let a = pk.after_first_dose(t0 + s);
                let b = pk.steady_state_at(s);
                assert!((a - b).abs() < 1e-9, "{s}: {a} vs {b}");
            }
            for n in [1.0, 3.0, 10.0] {
                // The mean of interval n is 1 − exp(−k_e n τ) of the steady state for a bolus,
                // and close to it when absorption is fast against elimination.
                let m = mean_over_interval(|t| pk.after_first_dose(t), (n - 1.0) * tau, tau);
                let expected = 1.0 - (-pk.ke() * n * tau).exp();
                let tol = match pk.absorption_half_life_hours {
                    None => 1e-6,
                    Some(h) if h <= 0.1 * pk.half_life_hours => 0.05,
                    Some(_) => 1.0,
                };
                assert!((m - expected).abs() < tol, "{n}: {m} vs {expected}");
            }
            let ss = pk.steady_state();
            assert!(ss.peak > 1.0 && ss.trough < 1.0, "{ss:?}");
            let grid_max = (0..=1000)
                .map(|i| pk.steady_state_at(tau * f64::from(i) / 1000.0))
                .fold(0.0_f64, f64::max);
            assert!(
                (ss.peak - grid_max).abs() < 1e-4 * grid_max,
                "{ss:?} {grid_max}"
            );
        }
    }

    #[test]
    fn equal_absorption_and_elimination_rates_take_the_limit() {
        let near = oral(12.0 * (1.0 + 1e-6));
        let equal = oral(12.0);
        for t in [0.0, 3.0, 6.0, 11.0] {
            let (a, b) = (near.steady_state_at(t), equal.steady_state_at(t));
            assert!((a - b).abs() < 1e-4, "{t}: {a} vs {b}");
        }
    }
}
