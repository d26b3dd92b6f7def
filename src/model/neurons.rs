//! Motor units: damage drive, a dysfunctional stage before death, graded vulnerability, and
//! collateral reinnervation.
//!
//! For region *i*, alive fraction `N_i` of the healthy lower-motor-neuron pool, of which `D_i`
//! is dysfunctional (alive, but denervated or synaptically failing, so producing no force) and
//! `F_i = N_i − D_i` functional:
//!
//! ```text
//! Φ_i     = u_h · v · (k_S · S_i + k_L · L_i + k_R · R_i + u_E · k_E · E_i + k_G · G_i)
//! dD_i/dt = Φ_i · g(N_i) · F_i − (r + h_D + h_0) · D_i
//! g(N)    = f + (1 − f) · N^γ
//! dN_i/dt = −h_0 · N_i − h_D · D_i
//! ```
//!
//! `Φ_i` is the damage drive (1/month): the rate at which a functional unit fails. Its terms are
//! the soluble misfolded protein `S` (toxic gain), nuclear loss of function `L`, oxidative
//! stress `R`, excess glutamate `E` and reactive astrocytes `G`, weighted by `hazard_soluble`,
//! `hazard_lof`, `hazard_oxidative`, `hazard_excitotoxic` and `hazard_astrocyte`. These weights
//! vary between patients (the population's variability), so patients differ in which mechanism
//! drives their disease; `v = neuronal_vulnerability` is the shared scale. `u_h` is the therapy
//! modulation [`death_hazard`](super::Modulation::death_hazard) (neurotrophic support) and `u_E`
//! is [`excitotoxic_sensitivity`](super::Modulation::excitotoxic_sensitivity).
//!
//! **Graded vulnerability.** Fast-fatigable units fail first, then fast-resistant, then slow
//! (Nijssen et al. 2017 Acta Neuropathol 133:863; Hegedus et al. 2007 Neurobiol Dis 28:154). The
//! pool is ordered from most to least vulnerable, so the units still alive are the more
//! resistant ones: the per-unit drive falls as `g(N)` with `γ = unit_vulnerability_gradient`.
//! This is why the decline slows on average as the disease advances. The most resistant (slow)
//! units still fail, at `f = unit_vulnerability_floor` times the drive on the most vulnerable;
//! at `f = 0` (the default) `g(N) = N^γ` and the last units become nearly immune when `γ` is
//! large.
//!
//! **Dysfunction before death.** Failing units lose their synapses and distal axons weeks
//! before the cell body dies (dying back: functional units fall about 6 weeks before neuron loss
//! in SOD1 mice, Kennel et al. 1996). Dysfunctional units die at `h_D =
//! dysfunction_death_rate` or recover at `r = dysfunction_recovery_rate`: when the drive is
//! removed, sick but living neurons can restore function (TDP-43 switched off after onset in
//! rNLS mice restores nuclear TDP-43, reinnervation and motor function; Walker et al. 2015 Acta
//! Neuropathol). Untreated, the drive rarely falls, so sustained recovery is rare. `h_0 =
//! hazard_baseline` is the damage-independent loss of ageing. With every drive weight at zero,
//! `D = 0` and `N(t) = exp(−h_0 t)`: the one-hit model (Clarke et al. 2000 Nature 406:195).
//!
//! **Reinnervation.** Surviving functional units adopt orphaned muscle fibres, growing up to
//! `E = reinnervation_capacity` times their size, so force stays near normal until the pool
//! can no longer be covered, then falls in proportion to the functional units:
//!
//! ```text
//! C(F) = E·F / (1 + (E·F)^m)^(1/m) · (1 + E^m)^(1/m) / E
//! ```
//!
//! a smooth `min(1, E·F)` with corner sharpness `m = reserve_corner`, scaled so `C(1) = 1`.

use std::sync::Arc;

use super::tables::ReserveTable;

/// Weights of the damage terms in the drive.
#[derive(Debug, Clone, Copy)]
pub struct HazardRates {
    /// Damage-independent hazard `h_0`, 1/month.
    pub baseline: f64,
    /// Per unit soluble misfolded protein, 1/month.
    pub soluble: f64,
    /// Per unit nuclear loss of function, 1/month.
    pub lof: f64,
    /// Per unit oxidative stress, 1/month.
    pub oxidative: f64,
    /// Per unit excess glutamate, 1/month.
    pub excitotoxic: f64,
    /// Per unit astrocyte reactivity, 1/month.
    pub astrocyte: f64,
    /// Multiplier of every damage term (not of the baseline).
    pub vulnerability: f64,
    /// Exponent `γ` of graded vulnerability.
    pub gradient: f64,
    /// Floor `f` of graded vulnerability: the drive on the most resistant units relative to the
    /// most vulnerable.
    pub floor: f64,
    /// Death rate of dysfunctional units `h_D`, 1/month.
    pub dysfunction_death: f64,
    /// Recovery rate of dysfunctional units `r`, 1/month.
    pub recovery: f64,
}

/// Damage state of one region that feeds the drive.
#[derive(Debug, Clone, Copy)]
pub struct Damage {
    /// Soluble misfolded protein.
    pub soluble: f64,
    /// Nuclear loss of function.
    pub lof: f64,
    /// Excess ROS.
    pub oxidative: f64,
    /// Excess glutamate.
    pub excess_glutamate: f64,
    /// Astrocyte reactivity.
    pub astrocytes: f64,
}

/// The mechanisms of the damage drive, in the order of [`contributions`].
pub const MECHANISMS: [&str; 5] = [
    "proteotoxic",
    "loss_of_function",
    "oxidative",
    "excitotoxic",
    "astroglial",
];

/// The damage drive's terms (1/month, before the therapy factor `u_h`), in the order of
/// [`MECHANISMS`].
#[inline]
pub fn contributions(k: &HazardRates, d: &Damage, excitotoxic_factor: f64) -> [f64; 5] {
    let v = k.vulnerability;
    [
        v * k.soluble * d.soluble,
        v * k.lof * d.lof,
        v * k.oxidative * d.oxidative,
        v * excitotoxic_factor * k.excitotoxic * d.excess_glutamate,
        v * k.astrocyte * d.astrocytes,
    ]
}

/// Damage drive `Φ` of one region, 1/month.
#[inline]
pub fn drive(k: &HazardRates, d: &Damage, hazard_factor: f64, excitotoxic_factor: f64) -> f64 {
    hazard_factor
        * k.vulnerability
        * (k.soluble * d.soluble
            + k.lof * d.lof
            + k.oxidative * d.oxidative
            + excitotoxic_factor * k.excitotoxic * d.excess_glutamate
            + k.astrocyte * d.astrocytes)
}

/// Graded vulnerability `N^γ`.
#[inline]
pub fn graded(alive: f64, gradient: f64) -> f64 {
    alive.max(0.0).powf(gradient)
}

/// Graded vulnerability with its floor, `f + (1 − f) · power` with `power = N^γ`: at `f = 0`
/// exactly `power`.
#[inline]
pub fn floored(power: f64, floor: f64) -> f64 {
    floor + (1.0 - floor) * power
}

/// Time derivatives `(dN/dt, dD/dt)` of one region's motor units under drive `phi`; also
/// returns the rate at which functional units fail (axonal damage, the NfL source).
#[inline]
pub fn rates(k: &HazardRates, alive: f64, dysfunctional: f64, phi: f64) -> (f64, f64, f64) {
    rates_graded(
        k,
        floored(graded(alive, k.gradient), k.floor),
        alive,
        dysfunctional,
        phi,
        1.0,
    )
}

/// [`rates`] with graded vulnerability `f + (1 − f) N^γ` already evaluated (`grade`) and the recovery rate
/// scaled by `recovery_factor` (the modulation [`unit_recovery`](super::Modulation::unit_recovery)).
#[inline]
pub fn rates_graded(
    k: &HazardRates,
    grade: f64,
    alive: f64,
    dysfunctional: f64,
    phi: f64,
    recovery_factor: f64,
) -> (f64, f64, f64) {
    let functional = (alive - dysfunctional).max(0.0);
    let failing = phi * grade * functional;
    let d_alive = -k.baseline * alive - k.dysfunction_death * dysfunctional;
    let d_dys =
        failing - (k.recovery * recovery_factor + k.dysfunction_death + k.baseline) * dysfunctional;
    (d_alive, d_dys, failing)
}

/// Reserve curve: motor capacity of a region from its functional fraction of units.
///
/// A corner of 4 is evaluated in closed form with multiplications and square roots, and so is a
/// corner below 2 (where the curve's `F^(1+m)` term is too rough near `F = 0` for a cubic
/// table); any other corner, the default 18.59 included, is read from a shared table
/// ([`super::tables::ReserveTable`], error below 1e-9).
#[derive(Debug, Clone)]
pub struct Reserve {
    /// Largest enlargement of surviving units `E`.
    pub capacity: f64,
    /// Corner sharpness `m`.
    pub corner: f64,
    scale: f64,
    table: Option<Arc<ReserveTable>>,
}

impl Reserve {
    /// The reserve curve with reinnervation capacity `E ≥ 1` and corner sharpness `m`.
    pub fn new(capacity: f64, corner: f64) -> Self {
        let mut r = Reserve {
            capacity,
            corner,
            scale: 1.0,
            table: None,
        };
        r.scale = 1.0 / r.raw(1.0);
        if !r.corner_is_four() && corner >= 2.0 {
            r.table = Some(ReserveTable::shared(capacity, corner, r.scale));
        }
        r
    }

    /// Whether the corner is 4, evaluated with square roots.
    #[inline]
    fn corner_is_four(&self) -> bool {
        (self.corner - 4.0).abs() < 1e-12
    }

    /// The closed form, unscaled.
    #[inline]
    fn raw(&self, functional: f64) -> f64 {
        let u = self.capacity * functional.clamp(0.0, 1.0);
        let root = if self.corner_is_four() {
            let u2 = u * u;
            (1.0 + u2 * u2).sqrt().sqrt()
        } else {
            (1.0 + u.powf(self.corner)).powf(1.0 / self.corner)
        };
        u / root
    }

    /// Motor capacity `C(F)` in [0, 1].
    #[inline]
    pub fn capacity(&self, functional: f64) -> f64 {
        match &self.table {
            Some(t) => t.eval(functional.clamp(0.0, 1.0)).min(1.0),
            None => (self.raw(functional) * self.scale).min(1.0),
        }
    }

    /// Motor capacity from the closed form (what the table approximates).
    pub fn capacity_exact(&self, functional: f64) -> f64 {
        (self.raw(functional) * self.scale).min(1.0)
    }

    /// Functional fraction at which capacity equals `c` (the inverse of [`Reserve::capacity`]).
    pub fn functional_at(&self, c: f64) -> f64 {
        let q = (c.clamp(0.0, 1.0) / self.scale).min(1.0 - 1e-15);
        let qm = q.powf(self.corner);
        (qm / (1.0 - qm)).powf(1.0 / self.corner) / self.capacity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rates with the soluble term alone at weight 1, no ageing loss, no floor, and the given
    /// gradient.
    fn soluble_only(gradient: f64) -> HazardRates {
        HazardRates {
            baseline: 0.0,
            soluble: 1.0,
            lof: 0.0,
            oxidative: 0.0,
            excitotoxic: 0.0,
            astrocyte: 0.0,
            vulnerability: 1.0,
            gradient,
            floor: 0.0,
            dysfunction_death: 0.5,
            recovery: 0.25,
        }
    }

    #[test]
    fn reserve_curve_shape() {
        let r = Reserve::new(2.0, 4.0);
        assert!((r.capacity(1.0) - 1.0).abs() < 1e-12);
        assert!(r.capacity(0.0).abs() < 1e-12);
        // A fifth of the units lost costs almost nothing; beyond half, force follows units.
        assert!(r.capacity(0.8) > 0.97);
        assert!((r.capacity(0.2) / r.capacity(0.1) - 2.0).abs() < 0.02);
        let mut prev = 0.0;
        for i in 1..=100 {
            let c = r.capacity(f64::from(i) / 100.0);
            assert!(c > prev);
            prev = c;
        }
    }

    #[test]
    fn whole_and_fractional_corners_agree() {
        let whole = Reserve::new(2.0, 4.0);
        let near = Reserve::new(2.0, 4.0 + 1e-9);
        for i in 0..=20 {
            let n = f64::from(i) / 20.0;
            assert!((whole.capacity(n) - near.capacity(n)).abs() < 1e-8);
        }
    }

    #[test]
    fn tabulated_and_closed_form_capacities_agree() {
        // The default corner is read from the table; a corner below 2 is not.
        for (e, m) in [(2.4, 3.477), (2.4, 1.5), (3.0, 9.0)] {
            let r = Reserve::new(e, m);
            for i in 0..=1000 {
                let f = f64::from(i) / 1000.0;
                let (c, exact) = (r.capacity(f), r.capacity_exact(f));
                assert!(
                    (c - exact).abs() < 1e-9,
                    "E {e}, m {m}, F {f}: {c} vs {exact}"
                );
            }
            assert!((r.capacity(1.0) - 1.0).abs() < 1e-12);
            assert!((r.capacity(1.5) - 1.0).abs() < 1e-12 && r.capacity(-0.1).abs() < 1e-12);
        }
    }

    #[test]
    fn functional_at_inverts_capacity() {
        let r = Reserve::new(2.0, 4.0);
        for c in [0.05, 0.25, 0.5, 0.9, 0.99] {
            assert!((r.capacity(r.functional_at(c)) - c).abs() < 1e-12);
        }
    }

    #[test]
    fn the_floor_keeps_the_last_units_failing() {
        let mut k = soluble_only(2.0);
        // With no floor the per-unit drive at 10% alive is N^γ = 1% of the drive; a floor of
        // 0.2 raises it to 0.2 + 0.8 · 0.01.
        let (_, _, bare) = rates(&k, 0.1, 0.0, 1.0);
        assert!((bare - 0.01 * 0.1).abs() < 1e-15);
        k.floor = 0.2;
        let (_, _, floored_rate) = rates(&k, 0.1, 0.0, 1.0);
        assert!((floored_rate - (0.2 + 0.8 * 0.01) * 0.1).abs() < 1e-15);
        // A full pool feels the whole drive whatever the floor, and a floor of 0 is the power
        // law bit for bit.
        assert_eq!(floored(1.0, 0.2).to_bits(), 1.0_f64.to_bits());
        for n in [0.0, 0.013, 0.37, 0.9, 1.0] {
            let p = graded(n, 2.0);
            assert_eq!(floored(p, 0.0).to_bits(), p.to_bits());
        }
    }

    #[test]
    fn units_recover_when_the_drive_stops() {
        let k = soluble_only(1.0);
        let (dn, dd, _) = rates(&k, 0.8, 0.2, 0.0);
        // No drive: dysfunctional units return (and some die); alive never rises.
        assert!(dd < 0.0 && dn <= 0.0);
        let functional_rate = dn - dd;
        assert!(functional_rate > 0.0);
    }
}
