//! Mechanism modulation: the seam through which therapies act on the model.
//!
//! Each field scales one mechanism target of the right-hand side. The neutral value leaves the
//! untreated model unchanged exactly (multiplication by 1.0 is exact in floating point). The
//! therapy layer computes these factors from exposure, an Emax effect and resistance, and holds
//! them constant between integration breakpoints.

/// Multipliers on the model's mechanism targets. All are 1.0 when untreated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Modulation {
    /// Scales presynaptic glutamate release (riluzole lowers it).
    pub glutamate_release: f64,
    /// Scales astrocytic EAAT2 glutamate uptake capacity (ceftriaxone raises it).
    pub glutamate_uptake: f64,
    /// Scales clearance of reactive oxygen species (edaravone raises it).
    pub ros_clearance: f64,
    /// Scales mitochondrial ROS production (mitochondrial protection and ER-stress relief lower it).
    pub ros_production: f64,
    /// Scales microglial activation (masitinib, ibudilast lower it).
    pub microglial_activation: f64,
    /// Scales astrocyte conversion to the reactive state.
    pub astrocyte_reactivity: f64,
    /// Scales proteostatic aggregate clearance (integrated-stress-response modulators raise it).
    pub aggregate_clearance: f64,
    /// Scales synthesis of the aggregating gene product (antisense oligonucleotides lower it).
    pub synthesis: f64,
    /// Scales the whole neuron death hazard (neurotrophic support lowers it).
    pub death_hazard: f64,
    /// Scales neuronal sensitivity to excess glutamate (receptor upregulation raises it).
    pub excitotoxic_sensitivity: f64,
    /// Scales the extra whole-body metabolic stress that comes with bulbar dysfunction
    /// (weight loss, hypermetabolism); nutrition and gastrostomy lower it.
    pub metabolic_stress: f64,
    /// Scales the FVC at which respiratory failure ends tracheostomy-free survival
    /// (`death_fvc`); non-invasive ventilation lowers it.
    pub respiratory_failure_fvc: f64,
    /// Scales the rate at which dysfunctional motor units recover (collateral reinnervation and
    /// synaptic repair); neurotrophic support raises it.
    pub unit_recovery: f64,
}

impl Modulation {
    /// No therapy: every factor is exactly 1.
    pub const NEUTRAL: Modulation = Modulation {
        glutamate_release: 1.0,
        glutamate_uptake: 1.0,
        ros_clearance: 1.0,
        ros_production: 1.0,
        microglial_activation: 1.0,
        astrocyte_reactivity: 1.0,
        aggregate_clearance: 1.0,
        synthesis: 1.0,
        death_hazard: 1.0,
        excitotoxic_sensitivity: 1.0,
        metabolic_stress: 1.0,
        respiratory_failure_fvc: 1.0,
        unit_recovery: 1.0,
    };
}

impl Default for Modulation {
    fn default() -> Self {
        Modulation::NEUTRAL
    }
}

/// One field of [`Modulation`]: a mechanism target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Slot {
    /// [`Modulation::glutamate_release`].
    GlutamateRelease,
    /// [`Modulation::glutamate_uptake`].
    GlutamateUptake,
    /// [`Modulation::ros_clearance`].
    RosClearance,
    /// [`Modulation::ros_production`].
    RosProduction,
    /// [`Modulation::microglial_activation`].
    MicroglialActivation,
    /// [`Modulation::astrocyte_reactivity`].
    AstrocyteReactivity,
    /// [`Modulation::aggregate_clearance`].
    AggregateClearance,
    /// [`Modulation::synthesis`].
    Synthesis,
    /// [`Modulation::death_hazard`].
    DeathHazard,
    /// [`Modulation::excitotoxic_sensitivity`].
    ExcitotoxicSensitivity,
    /// [`Modulation::metabolic_stress`].
    MetabolicStress,
    /// [`Modulation::respiratory_failure_fvc`].
    RespiratoryFailureFvc,
    /// [`Modulation::unit_recovery`].
    UnitRecovery,
}

impl Slot {
    /// Every slot, in field order.
    pub const ALL: [Slot; 13] = [
        Slot::GlutamateRelease,
        Slot::GlutamateUptake,
        Slot::RosClearance,
        Slot::RosProduction,
        Slot::MicroglialActivation,
        Slot::AstrocyteReactivity,
        Slot::AggregateClearance,
        Slot::Synthesis,
        Slot::DeathHazard,
        Slot::ExcitotoxicSensitivity,
        Slot::MetabolicStress,
        Slot::RespiratoryFailureFvc,
        Slot::UnitRecovery,
    ];

    /// Field name.
    pub const fn name(self) -> &'static str {
        match self {
            Slot::GlutamateRelease => "glutamate_release",
            Slot::GlutamateUptake => "glutamate_uptake",
            Slot::RosClearance => "ros_clearance",
            Slot::RosProduction => "ros_production",
            Slot::MicroglialActivation => "microglial_activation",
            Slot::AstrocyteReactivity => "astrocyte_reactivity",
            Slot::AggregateClearance => "aggregate_clearance",
            Slot::Synthesis => "synthesis",
            Slot::DeathHazard => "death_hazard",
            Slot::ExcitotoxicSensitivity => "excitotoxic_sensitivity",
            Slot::MetabolicStress => "metabolic_stress",
            Slot::RespiratoryFailureFvc => "respiratory_failure_fvc",
            Slot::UnitRecovery => "unit_recovery",
        }
    }

    /// Position in [`Slot::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }
}

impl Modulation {
    /// The factor of one slot.
    pub fn get(&self, slot: Slot) -> f64 {
        match slot {
            Slot::GlutamateRelease => self.glutamate_release,
            Slot::GlutamateUptake => self.glutamate_uptake,
            Slot::RosClearance => self.ros_clearance,
            Slot::RosProduction => self.ros_production,
            Slot::MicroglialActivation => self.microglial_activation,
            Slot::AstrocyteReactivity => self.astrocyte_reactivity,
            Slot::AggregateClearance => self.aggregate_clearance,
            Slot::Synthesis => self.synthesis,
            Slot::DeathHazard => self.death_hazard,
            Slot::ExcitotoxicSensitivity => self.excitotoxic_sensitivity,
            Slot::MetabolicStress => self.metabolic_stress,
            Slot::RespiratoryFailureFvc => self.respiratory_failure_fvc,
            Slot::UnitRecovery => self.unit_recovery,
        }
    }

    /// The factor of one slot, for writing.
    pub fn get_mut(&mut self, slot: Slot) -> &mut f64 {
        match slot {
            Slot::GlutamateRelease => &mut self.glutamate_release,
            Slot::GlutamateUptake => &mut self.glutamate_uptake,
            Slot::RosClearance => &mut self.ros_clearance,
            Slot::RosProduction => &mut self.ros_production,
            Slot::MicroglialActivation => &mut self.microglial_activation,
            Slot::AstrocyteReactivity => &mut self.astrocyte_reactivity,
            Slot::AggregateClearance => &mut self.aggregate_clearance,
            Slot::Synthesis => &mut self.synthesis,
            Slot::DeathHazard => &mut self.death_hazard,
            Slot::ExcitotoxicSensitivity => &mut self.excitotoxic_sensitivity,
            Slot::MetabolicStress => &mut self.metabolic_stress,
            Slot::RespiratoryFailureFvc => &mut self.respiratory_failure_fvc,
            Slot::UnitRecovery => &mut self.unit_recovery,
        }
    }
}

/// Which way a drug moves its slot's factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Factor `1 − e`: the drug lowers the mechanism (effect at most 1).
    Lower,
    /// Factor `1 + e`: the drug raises the mechanism.
    Raise,
}

/// Compensation by the tissue that approaches a level exponentially within a piece:
/// `c(t) = c_∞ + (c_0 − c_∞) · exp(−(t − t_0)/τ)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Compensation {
    /// Level approached, `c_∞` (fraction of the slot's factor change).
    pub target: f64,
    /// Level at the start of the piece, `c_0`.
    pub initial: f64,
    /// Start of the piece, months since initiation.
    pub t0: f64,
    /// Time constant, months.
    pub tau: f64,
}

impl Compensation {
    /// `c(t)`.
    #[inline]
    #[allow(
        clippy::float_cmp,
        reason = "a settled level is stored exactly as its target"
    )]
    pub fn at(&self, t: f64) -> f64 {
        if self.initial == self.target {
            return self.target;
        }
        self.target + (self.initial - self.target) * (-(t - self.t0) / self.tau).exp()
    }
}

/// How one drug's action on one slot enters the modulation.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum TermKind {
    /// The drug's own effect `e`, eroded by compensation: net effect `e − c(t)`, floored at 0
    /// unless rebound is allowed (then a negative net effect pushes the slot the other way).
    Effect {
        /// Direction of the drug's action.
        direction: Direction,
        /// Effect `e` in this piece (constant).
        effect: f64,
        /// Tissue compensation, if the drug carries a resistance term on this slot.
        compensation: Option<Compensation>,
        /// Whether compensation may outlast the effect (rebound).
        rebound: bool,
        /// Terms on the same slot with the same site act through one shared site: their net
        /// effects add (each is already that drug's share of the site), instead of acting
        /// independently. `None`: a site of this term alone.
        site: Option<u32>,
        /// The arm's therapy the term belongs to (its position in the arm), which a pair
        /// interaction names.
        therapy: u16,
    },
    /// Sensitisation of the tissue to what the drug lowers (glutamate receptor upregulation):
    /// factor `1 + c(t)`. Without rebound the rise is capped so that sensitivity times the
    /// glutamate the drug leaves never exceeds the untreated drive (`u_E ≤ υ/ρ`).
    Sensitization {
        /// Compensation level.
        compensation: Compensation,
        /// Whether the cap is lifted.
        rebound: bool,
    },
}

/// One drug's contribution to one slot within an integration piece.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Term {
    /// The slot acted on.
    pub slot: Slot,
    /// How.
    pub kind: TermKind,
}

impl Term {
    /// The net effect `e − c(t)` of an effect term (floored at 0 unless rebound); 0 otherwise.
    #[inline]
    fn net(&self, t: f64) -> f64 {
        match self.kind {
            TermKind::Effect {
                effect,
                compensation,
                rebound,
                ..
            } => {
                let net = effect - compensation.map_or(0.0, |c| c.at(t));
                if rebound { net } else { net.max(0.0) }
            }
            TermKind::Sensitization { .. } => 0.0,
        }
    }

    /// Whether this is an effect term on `slot` through the shared site `site`.
    #[inline]
    fn shares(&self, slot: Slot, site: u32) -> bool {
        self.slot == slot
            && matches!(self.kind, TermKind::Effect { site: Some(g), .. } if g == site)
    }

    #[allow(
        clippy::float_cmp,
        reason = "a settled level is stored exactly as its target"
    )]
    fn drifts(&self) -> bool {
        match self.kind {
            TermKind::Effect { compensation, .. } => {
                compensation.is_some_and(|c| c.initial != c.target)
            }
            TermKind::Sensitization { compensation, .. } => {
                compensation.initial != compensation.target
            }
        }
    }
}

/// The modulation within one integration piece: each slot's factor is the product of the
/// factors of the terms acting on it (independent actions multiply: Bliss independence), terms
/// through one shared site counting as one term whose net effect is the sum of theirs, and
/// the combined change of a slot acted on by two or more terms is scaled by an interaction
/// factor (1 = independence, above 1 synergy, below 1 antagonism).
#[derive(Debug, Clone, PartialEq)]
pub struct ModulationLaw {
    terms: Vec<Term>,
    interaction: f64,
    pairs: Vec<PairFactor>,
    constant: Option<Modulation>,
}

/// An interaction factor set for one pair of an arm's therapies on one slot: the combined change
/// of the pair's terms on the slot, `f_a·f_b − 1`, is scaled by `factor` before the slot's other
/// terms multiply in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairFactor {
    /// The slot.
    pub slot: Slot,
    /// The two therapies (positions in the arm).
    pub therapies: (u16, u16),
    /// 1 = independence, above 1 synergy, below 1 antagonism.
    pub factor: f64,
}

/// At most this many pair factors act in one law.
pub const MAX_PAIRS: usize = 8;

impl ModulationLaw {
    /// No therapy.
    pub fn neutral() -> Self {
        ModulationLaw {
            terms: Vec::new(),
            interaction: 1.0,
            pairs: Vec::new(),
            constant: Some(Modulation::NEUTRAL),
        }
    }

    /// A constant modulation.
    pub fn constant(m: Modulation) -> Self {
        ModulationLaw {
            terms: Vec::new(),
            interaction: 1.0,
            pairs: Vec::new(),
            constant: Some(m),
        }
    }

    /// The law of a set of terms; `interaction` scales the combined change of every slot with
    /// more than one term.
    pub fn new(terms: Vec<Term>, interaction: f64) -> Self {
        let mut law = ModulationLaw {
            terms,
            interaction,
            pairs: Vec::new(),
            constant: None,
        };
        if !law.terms.iter().any(Term::drifts) {
            law.constant = Some(law.evaluate(0.0));
        }
        law
    }

    /// The same law with interaction factors set for pairs of therapies on a slot (a slot and a
    /// therapy appear in at most one pair).
    ///
    /// # Panics
    ///
    /// With more than [`MAX_PAIRS`] pairs (the scenario reader refuses more).
    pub fn with_pairs(mut self, pairs: &[PairFactor]) -> Self {
        assert!(pairs.len() <= MAX_PAIRS, "at most {MAX_PAIRS} pair factors");
        self.pairs = pairs.to_vec();
        if self.constant.is_some() {
            self.constant = Some(self.evaluate(0.0));
        }
        self
    }

    /// The pair factor that takes the terms of `therapy` on `slot`, if any.
    #[inline]
    fn pair_of(&self, slot: Slot, therapy: u16) -> Option<usize> {
        self.pairs
            .iter()
            .position(|p| p.slot == slot && (p.therapies.0 == therapy || p.therapies.1 == therapy))
    }

    /// The terms.
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// The modulation at time `t` (months since initiation).
    #[inline]
    pub fn at(&self, t: f64) -> Modulation {
        match &self.constant {
            Some(m) => *m,
            None => self.evaluate(t),
        }
    }

    /// Whether the modulation is the same at every time of the piece.
    pub fn is_constant(&self) -> bool {
        self.constant.is_some()
    }

    #[allow(
        clippy::float_cmp,
        reason = "independence is the exact value 1, which leaves factors untouched"
    )]
    fn evaluate(&self, t: f64) -> Modulation {
        let mut m = Modulation::NEUTRAL;
        let mut count = [0u8; Slot::ALL.len()];
        let mut sensitization: Option<(f64, bool)> = None;
        // Per pair factor: the product of its terms' factors, and which of its two therapies
        // have a term (bits 1 and 2).
        let mut pair_product = [1.0; MAX_PAIRS];
        let mut pair_seen = [0u8; MAX_PAIRS];
        for (i, term) in self.terms.iter().enumerate() {
            match term.kind {
                TermKind::Effect {
                    direction,
                    site,
                    therapy,
                    ..
                } => {
                    let net = match site {
                        None => term.net(t),
                        // The first term of a shared site stands for all of them.
                        Some(g) if self.terms[..i].iter().any(|u| u.shares(term.slot, g)) => {
                            continue;
                        }
                        Some(g) => self.terms[i..]
                            .iter()
                            .filter(|u| u.shares(term.slot, g))
                            .map(|u| u.net(t))
                            .sum(),
                    };
                    let factor = match direction {
                        // A lowering effect cannot take a mechanism below zero.
                        Direction::Lower => (1.0 - net).max(0.0),
                        Direction::Raise => (1.0 + net).max(0.0),
                    };
                    if !self.pairs.is_empty()
                        && let Some(p) = self.pair_of(term.slot, therapy)
                    {
                        pair_product[p] *= factor;
                        pair_seen[p] |= if self.pairs[p].therapies.0 == therapy {
                            1
                        } else {
                            2
                        };
                        continue;
                    }
                    *m.get_mut(term.slot) *= factor;
                    count[term.slot.index()] += 1;
                }
                TermKind::Sensitization {
                    compensation,
                    rebound,
                } => {
                    let (s, r) = sensitization.unwrap_or((1.0, false));
                    sensitization = Some((s * (1.0 + compensation.at(t)), r || rebound));
                }
            }
        }
        for (p, pair) in self.pairs.iter().enumerate() {
            if pair_seen[p] == 0 {
                continue;
            }
            let f = if pair_seen[p] == 3 {
                (1.0 + pair.factor * (pair_product[p] - 1.0)).max(0.0)
            } else {
                pair_product[p]
            };
            *m.get_mut(pair.slot) *= f;
            count[pair.slot.index()] += 1;
        }
        if self.interaction != 1.0 {
            for slot in Slot::ALL {
                if count[slot.index()] >= 2 {
                    let f = m.get_mut(slot);
                    *f = (1.0 + self.interaction * (*f - 1.0)).max(0.0);
                }
            }
        }
        if let Some((s, rebound)) = sensitization {
            let cap = if rebound {
                f64::INFINITY
            } else {
                (m.glutamate_uptake / m.glutamate_release).max(1.0)
            };
            m.excitotoxic_sensitivity *= s.min(cap);
        }
        m
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp, reason = "neutral factors are exactly 1")]
mod tests {
    use super::*;

    fn effect(slot: Slot, direction: Direction, e: f64) -> Term {
        Term {
            slot,
            kind: TermKind::Effect {
                direction,
                effect: e,
                compensation: None,
                rebound: false,
                site: None,
                therapy: 0,
            },
        }
    }

    #[test]
    fn neutral_law_is_neutral() {
        assert_eq!(ModulationLaw::neutral().at(3.0), Modulation::NEUTRAL);
        assert_eq!(
            ModulationLaw::new(Vec::new(), 1.0).at(3.0),
            Modulation::NEUTRAL
        );
    }

    #[test]
    fn bliss_independence_for_two_inhibitors() {
        let law = ModulationLaw::new(
            vec![
                effect(Slot::MicroglialActivation, Direction::Lower, 0.3),
                effect(Slot::MicroglialActivation, Direction::Lower, 0.5),
            ],
            1.0,
        );
        // Bliss: combined inhibition 0.3 + 0.5 − 0.3·0.5 = 0.65.
        let f = law.at(0.0).microglial_activation;
        assert!((f - (1.0 - 0.65)).abs() < 1e-15, "{f}");
        let synergy = ModulationLaw::new(law.terms().to_vec(), 1.2);
        assert!((synergy.at(0.0).microglial_activation - (1.0 - 1.2 * 0.65)).abs() < 1e-15);
        // One term alone is not scaled by the interaction factor.
        let single =
            ModulationLaw::new(vec![effect(Slot::RosClearance, Direction::Raise, 0.4)], 2.0);
        assert!((single.at(0.0).ros_clearance - 1.4).abs() < 1e-15);
    }

    #[test]
    fn terms_through_one_site_add_and_count_once() {
        let shared = |e: f64, site| Term {
            slot: Slot::GlutamateRelease,
            kind: TermKind::Effect {
                direction: Direction::Lower,
                effect: e,
                compensation: None,
                rebound: false,
                site,
                therapy: 0,
            },
        };
        // Two shares of one site add: 1 − (0.3 + 0.2); the interaction factor does not apply,
        // since the site is one term of the slot.
        let law = ModulationLaw::new(vec![shared(0.3, Some(4)), shared(0.2, Some(4))], 2.0);
        assert!((law.at(0.0).glutamate_release - 0.5).abs() < 1e-15);
        // Different sites act independently and do count as two terms.
        let law = ModulationLaw::new(vec![shared(0.3, Some(4)), shared(0.2, Some(5))], 1.0);
        assert!((law.at(0.0).glutamate_release - 0.7 * 0.8).abs() < 1e-15);
        // A third, independent term multiplies the site's factor.
        let law = ModulationLaw::new(
            vec![
                shared(0.3, Some(4)),
                effect(Slot::GlutamateRelease, Direction::Lower, 0.5),
                shared(0.2, Some(4)),
            ],
            1.0,
        );
        assert!((law.at(0.0).glutamate_release - 0.5 * 0.5).abs() < 1e-15);
    }

    #[test]
    fn compensation_erodes_and_rebounds_only_when_allowed() {
        let comp = Compensation {
            target: 0.0,
            initial: 0.2,
            t0: 10.0,
            tau: 2.0,
        };
        let term = |rebound| Term {
            slot: Slot::RosClearance,
            kind: TermKind::Effect {
                direction: Direction::Raise,
                effect: 0.0,
                compensation: Some(comp),
                rebound,
                site: None,
                therapy: 0,
            },
        };
        // After the drug stops, compensation left over lowers clearance only with rebound.
        let no = ModulationLaw::new(vec![term(false)], 1.0);
        assert_eq!(no.at(10.0).ros_clearance, 1.0);
        let yes = ModulationLaw::new(vec![term(true)], 1.0);
        assert!((yes.at(10.0).ros_clearance - 0.8).abs() < 1e-15);
        let later = yes.at(12.0).ros_clearance;
        assert!((later - (1.0 - 0.2 * (-1.0f64).exp())).abs() < 1e-15);
    }

    #[test]
    fn sensitization_is_capped_without_rebound() {
        let comp = Compensation {
            target: 0.5,
            initial: 0.5,
            t0: 0.0,
            tau: 1.0,
        };
        let law = |rebound| {
            ModulationLaw::new(
                vec![
                    effect(Slot::GlutamateRelease, Direction::Lower, 0.2),
                    Term {
                        slot: Slot::ExcitotoxicSensitivity,
                        kind: TermKind::Sensitization {
                            compensation: comp,
                            rebound,
                        },
                    },
                ],
                1.0,
            )
        };
        let capped = law(false).at(0.0);
        assert!((capped.excitotoxic_sensitivity - 1.0 / 0.8).abs() < 1e-12);
        assert!((law(true).at(0.0).excitotoxic_sensitivity - 1.5).abs() < 1e-15);
    }
}
