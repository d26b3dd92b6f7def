//! A drug: its mechanism targets, exposure, regimen and adaptive-resistance terms.

use crate::model::{Direction, Genotype, Slot};

/// A mechanism target a drug can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Target {
    /// Presynaptic glutamate release (lowered).
    GlutamateRelease,
    /// Astrocytic EAAT2 glutamate uptake (raised).
    GlutamateUptake,
    /// Clearance of reactive oxygen species (raised).
    RosClearance,
    /// Mitochondrial and ER-stress protection: mitochondrial ROS production (lowered).
    MitochondrialProtection,
    /// Microglial activation (lowered).
    MicroglialActivation,
    /// Conversion of astrocytes to the reactive state (lowered).
    AstrocyteReactivity,
    /// Proteostatic clearance of aggregates (raised).
    AggregateClearance,
    /// Synthesis of mutant SOD1 (lowered; SOD1 carriers only).
    Sod1Synthesis,
    /// Synthesis of C9orf72 repeat RNA and dipeptides (lowered; C9orf72 carriers only).
    C9orf72Synthesis,
    /// Synthesis of mutant FUS (lowered; FUS carriers only).
    FusSynthesis,
    /// Neurotrophic support: the whole neuron death hazard (lowered).
    NeurotrophicSupport,
    /// The extra metabolic stress of bulbar dysfunction (lowered).
    MetabolicStress,
    /// Ventilatory support: the FVC at which respiratory failure ends survival (lowered).
    VentilatorySupport,
    /// Recovery of dysfunctional motor units: reinnervation and synaptic repair (raised).
    UnitRecovery,
}

impl Target {
    /// Every target, in documentation order.
    pub const ALL: [Target; 14] = [
        Target::GlutamateRelease,
        Target::GlutamateUptake,
        Target::RosClearance,
        Target::MitochondrialProtection,
        Target::MicroglialActivation,
        Target::AstrocyteReactivity,
        Target::AggregateClearance,
        Target::Sod1Synthesis,
        Target::C9orf72Synthesis,
        Target::FusSynthesis,
        Target::NeurotrophicSupport,
        Target::MetabolicStress,
        Target::VentilatorySupport,
        Target::UnitRecovery,
    ];

    /// Name in drug files.
    pub const fn name(self) -> &'static str {
        match self {
            Target::GlutamateRelease => "glutamate-release",
            Target::GlutamateUptake => "glutamate-uptake",
            Target::RosClearance => "ros-clearance",
            Target::MitochondrialProtection => "mitochondrial-protection",
            Target::MicroglialActivation => "microglial-activation",
            Target::AstrocyteReactivity => "astrocyte-reactivity",
            Target::AggregateClearance => "aggregate-clearance",
            Target::Sod1Synthesis => "sod1-synthesis",
            Target::C9orf72Synthesis => "c9orf72-synthesis",
            Target::FusSynthesis => "fus-synthesis",
            Target::NeurotrophicSupport => "neurotrophic-support",
            Target::MetabolicStress => "metabolic-stress",
            Target::VentilatorySupport => "ventilatory-support",
            Target::UnitRecovery => "unit-recovery",
        }
    }

    /// The model modulation the target acts through.
    pub const fn slot(self) -> Slot {
        match self {
            Target::GlutamateRelease => Slot::GlutamateRelease,
            Target::GlutamateUptake => Slot::GlutamateUptake,
            Target::RosClearance => Slot::RosClearance,
            Target::MitochondrialProtection => Slot::RosProduction,
            Target::MicroglialActivation => Slot::MicroglialActivation,
            Target::AstrocyteReactivity => Slot::AstrocyteReactivity,
            Target::AggregateClearance => Slot::AggregateClearance,
            Target::Sod1Synthesis | Target::C9orf72Synthesis | Target::FusSynthesis => {
                Slot::Synthesis
            }
            Target::NeurotrophicSupport => Slot::DeathHazard,
            Target::MetabolicStress => Slot::MetabolicStress,
            Target::VentilatorySupport => Slot::RespiratoryFailureFvc,
            Target::UnitRecovery => Slot::UnitRecovery,
        }
    }

    /// Whether the drug lowers or raises the mechanism.
    pub const fn direction(self) -> Direction {
        match self {
            Target::GlutamateUptake
            | Target::RosClearance
            | Target::AggregateClearance
            | Target::UnitRecovery => Direction::Raise,
            _ => Direction::Lower,
        }
    }

    /// Whether the target exists in a patient of this genotype (a gene product's synthesis
    /// exists only in carriers of a mutation of that gene).
    pub fn applies_to(self, genotype: Genotype) -> bool {
        match self {
            Target::Sod1Synthesis => matches!(genotype, Genotype::Sod1 | Genotype::Sod1A4v),
            Target::C9orf72Synthesis => genotype == Genotype::C9orf72,
            Target::FusSynthesis => genotype == Genotype::Fus,
            _ => true,
        }
    }

    /// Parses a name from a drug file.
    pub fn parse(s: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == s)
    }

    /// What the target means, for listings.
    pub const fn meaning(self) -> &'static str {
        match self {
            Target::GlutamateRelease => "lowers presynaptic glutamate release",
            Target::GlutamateUptake => "raises astrocytic EAAT2 glutamate uptake",
            Target::RosClearance => "raises clearance of reactive oxygen species",
            Target::MitochondrialProtection => {
                "lowers mitochondrial ROS production (mitochondrial protection, ER-stress relief)"
            }
            Target::MicroglialActivation => "lowers microglial activation",
            Target::AstrocyteReactivity => "lowers astrocyte conversion to the reactive state",
            Target::AggregateClearance => "raises proteostatic aggregate clearance",
            Target::Sod1Synthesis => "lowers mutant SOD1 synthesis (SOD1 carriers only)",
            Target::C9orf72Synthesis => {
                "lowers C9orf72 repeat RNA and dipeptide synthesis (C9orf72 carriers only)"
            }
            Target::FusSynthesis => "lowers mutant FUS synthesis (FUS carriers only)",
            Target::NeurotrophicSupport => "lowers the whole motor-neuron death hazard",
            Target::MetabolicStress => "lowers the extra metabolic stress of bulbar dysfunction",
            Target::VentilatorySupport => {
                "lowers the FVC at which respiratory failure ends survival"
            }
            Target::UnitRecovery => {
                "raises the recovery of dysfunctional motor units (reinnervation, synaptic repair)"
            }
        }
    }
}

/// Regulatory status, shown in listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    /// Approved somewhere.
    Approved,
    /// Approved, then withdrawn.
    Withdrawn,
    /// In clinical development.
    Investigational,
    /// Tested in ALS and abandoned.
    Failed,
    /// Not (yet) a real product: a what-if.
    Hypothetical,
    /// Supportive care (ventilation, nutrition).
    Supportive,
}

impl Status {
    /// Every status.
    pub const ALL: [Status; 6] = [
        Status::Approved,
        Status::Withdrawn,
        Status::Investigational,
        Status::Failed,
        Status::Hypothetical,
        Status::Supportive,
    ];

    /// Name in drug files.
    pub const fn name(self) -> &'static str {
        match self {
            Status::Approved => "approved",
            Status::Withdrawn => "withdrawn",
            Status::Investigational => "investigational",
            Status::Failed => "failed",
            Status::Hypothetical => "hypothetical",
            Status::Supportive => "supportive",
        }
    }
}

/// A clinical event that starts a therapy (supportive care is started by a clinical rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Trigger {
    /// Non-invasive ventilation indicated (FVC below `niv_fvc`).
    Niv,
    /// Gastrostomy indicated (swallowing item at or below `gastrostomy_swallowing`).
    Gastrostomy,
}

impl Trigger {
    /// Every trigger.
    pub const ALL: [Trigger; 2] = [Trigger::Niv, Trigger::Gastrostomy];

    /// Name in files.
    pub const fn name(self) -> &'static str {
        match self {
            Trigger::Niv => "niv",
            Trigger::Gastrostomy => "gastrostomy",
        }
    }
}

/// How exposure follows the dosing schedule.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Regimen {
    /// Daily dosing at steady state from start to stop; the drug is gone within days of
    /// stopping (elimination on the scale of hours).
    Continuous,
    /// On/off cycles: the first cycle has `first_on_days` dosing days out of
    /// `first_cycle_days`, every later one `on_days` out of `cycle_days`.
    Cyclic {
        /// Dosing days of the first cycle.
        first_on_days: f64,
        /// Length of the first cycle, days.
        first_cycle_days: f64,
        /// Dosing days of each later cycle.
        on_days: f64,
        /// Length of each later cycle, days.
        cycle_days: f64,
    },
    /// Separate doses that decay with a half-life at the target (intrathecal antisense, cell
    /// therapy): loading doses on the given days, then one dose every `interval_days` (none
    /// after the loading doses when `None`).
    Doses {
        /// Days of the first doses after start (the first is 0).
        loading_days: Vec<f64>,
        /// Maintenance dosing interval, days.
        interval_days: Option<f64>,
        /// Half-life at the target, days.
        half_life_days: f64,
    },
    /// One intervention whose effect never ends (gene editing).
    Permanent,
}

impl Regimen {
    /// The regimen in words, as `alssim drugs` lists it.
    pub fn describe(&self) -> String {
        match self {
            Regimen::Continuous => "continuous".into(),
            Regimen::Permanent => "permanent (one intervention)".into(),
            Regimen::Cyclic {
                first_on_days,
                first_cycle_days,
                on_days,
                cycle_days,
            } => format!(
                "cyclic: {first_on_days} of {first_cycle_days} days, then {on_days} of {cycle_days}"
            ),
            Regimen::Doses {
                loading_days,
                interval_days,
                half_life_days,
            } => {
                let days: Vec<String> = loading_days.iter().map(|d| d.to_string()).collect();
                let every =
                    interval_days.map_or(String::new(), |i| format!(", then every {i} days"));
                format!(
                    "doses on days {}{every}; half-life {half_life_days} days",
                    days.join(", ")
                )
            }
        }
    }
}

impl Regimen {
    /// Name in drug files.
    pub const fn kind(&self) -> &'static str {
        match self {
            Regimen::Continuous => "continuous",
            Regimen::Cyclic { .. } => "cyclic",
            Regimen::Doses { .. } => "doses",
            Regimen::Permanent => "permanent",
        }
    }
}

/// How much drug reaches the target tissue at the standard dose.
#[derive(Debug, Clone, PartialEq)]
pub struct Exposure {
    /// Typical concentration at the standard dose: at steady state for continuous and cyclic
    /// regimens (on dosing days), right after one dose for a dose regimen.
    pub concentration: f64,
    /// Unit of `concentration` and of every `ec50` of the drug.
    pub unit: String,
    /// Ratio of target-tissue (spinal cord, brainstem) to `concentration`: the blood-brain
    /// barrier, or an intrathecal route.
    pub cns_ratio: f64,
    /// Plasma pharmacokinetics behind `concentration` (`[exposure.pk]`), where documented.
    pub pk: Option<super::pk::Pk>,
}

/// The drug's action on one target: an Emax (Hill) function of tissue concentration.
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    /// Target.
    pub target: Target,
    /// Largest effect: fractional change of the mechanism at saturating concentration.
    pub emax: f64,
    /// Tissue concentration of half-maximal effect (unit of the exposure).
    pub ec50: f64,
    /// Hill coefficient.
    pub hill: f64,
    /// The molecular site the drug acts through on this target (a receptor, an enzyme, the
    /// drug itself for two forms of one molecule), when other drugs may share it. Effects of
    /// different drugs on the same target and site compete for it (the general competitive
    /// occupancy model: concentrations add in units of their EC50); effects on different sites
    /// act independently. `None`: a site of the drug's own.
    pub site: Option<String>,
}

impl Effect {
    /// Effect at tissue concentration `c`.
    pub fn at(&self, c: f64) -> f64 {
        if c <= 0.0 {
            return 0.0;
        }
        let x = (c / self.ec50).powf(self.hill);
        self.emax * x / (1.0 + x)
    }

    /// The occupancy ratio `x = (c/EC50)^h` at which the effect is `e` (the inverse of
    /// [`Effect::at`]; for a cycle-averaged effect, the ratio of the same mean effect).
    pub fn occupancy_ratio(&self, e: f64) -> f64 {
        if e <= 0.0 {
            return 0.0;
        }
        // An effect at or above Emax (exposure-free interventions) saturates the site.
        let free = (self.emax - e).max(self.emax * 1e-12);
        e / free
    }

    /// The fraction of an effect `e` that is lost when the tissue concentration producing it
    /// falls by the fraction `fall`: with `x = (c/EC50)^h` recovered from `e`, the effect at
    /// `c·(1 − fall)` is `Emax·x'/(1 + x')` with `x' = x·(1 − fall)^h`.
    pub fn lost_to_concentration_fall(&self, e: f64, fall: f64) -> f64 {
        if e <= 0.0 || fall <= 0.0 {
            return 0.0;
        }
        let x = self.occupancy_ratio(e) * (1.0 - fall.min(1.0)).powf(self.hill);
        let kept = self.emax * x / (1.0 + x);
        (1.0 - kept / e).clamp(0.0, 1.0)
    }
}

/// The effects of several drugs on one target through one shared site, by the general
/// competitive occupancy model: with each drug's occupancy ratio `x_i = (C_i/EC50_i)^h_i`
/// (recovered from its effect alone, `e_i`), drug *i* contributes `Emax_i·x_i/(1 + Σ x_j)`.
/// One drug alone keeps its effect; two forms of one molecule (equal Emax) add as doses do
/// (Loewe additivity); a drug of lower Emax competing for the site lowers the effect of one
/// of higher Emax (a partial agonist's antagonism). Returns each drug's contribution.
pub fn compete(effects: &[(&Effect, f64)]) -> Vec<f64> {
    let x: Vec<f64> = effects
        .iter()
        .map(|(eff, e)| eff.occupancy_ratio(*e))
        .collect();
    let total: f64 = x.iter().sum();
    effects
        .iter()
        .zip(&x)
        .map(|((eff, _), &xi)| eff.emax * xi / (1.0 + total))
        .collect()
}

/// Named mechanisms of adaptive resistance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mechanism {
    /// Glutamate receptors are upregulated or change subunits: neurons grow more sensitive to
    /// the glutamate that remains.
    GlutamateReceptorUpregulation,
    /// Mitochondria adapt (biogenesis, alternative metabolism) and endogenous antioxidant
    /// defences are turned down.
    MitochondrialAdaptation,
    /// Other proteostasis pathways are turned up or down to compensate.
    ProteostasisCompensation,
    /// Alternative immune pathways take over.
    AlternativeImmunePathways,
    /// Generic pharmacodynamic tolerance (receptor desensitisation, target up-regulation).
    Tolerance,
    /// Efflux transporters (P-glycoprotein, BCRP) of the blood-brain and blood-spinal cord
    /// barrier are induced: the drug's CNS-to-plasma ratio falls, lowering its tissue
    /// concentration and so every one of its effects. `ceiling` is then the fraction of the
    /// CNS ratio lost at full build-up.
    EffluxInduction,
}

impl Mechanism {
    /// Every mechanism.
    pub const ALL: [Mechanism; 6] = [
        Mechanism::GlutamateReceptorUpregulation,
        Mechanism::MitochondrialAdaptation,
        Mechanism::ProteostasisCompensation,
        Mechanism::AlternativeImmunePathways,
        Mechanism::Tolerance,
        Mechanism::EffluxInduction,
    ];

    /// Name in drug files.
    pub const fn name(self) -> &'static str {
        match self {
            Mechanism::GlutamateReceptorUpregulation => "glutamate-receptor-upregulation",
            Mechanism::MitochondrialAdaptation => "mitochondrial-adaptation",
            Mechanism::ProteostasisCompensation => "proteostasis-compensation",
            Mechanism::AlternativeImmunePathways => "alternative-immune-pathways",
            Mechanism::Tolerance => "tolerance",
            Mechanism::EffluxInduction => "efflux-induction",
        }
    }

    /// Whether the mechanism acts by sensitising neurons to glutamate (rather than eroding the
    /// drug's own effect).
    pub const fn sensitizes(self) -> bool {
        matches!(self, Mechanism::GlutamateReceptorUpregulation)
    }

    /// Whether the mechanism lowers the drug's tissue concentration (and so all of its
    /// effects) rather than one effect.
    pub const fn lowers_exposure(self) -> bool {
        matches!(self, Mechanism::EffluxInduction)
    }

    /// Whether the compensation changes the patient's own pathway rather than the drug's
    /// action: endogenous antioxidant defences turned down, another chaperone or clearance
    /// pathway turned down, another inflammatory route turned up. Such a compensation acts on
    /// the disease whether or not the drug is present, so it outlasts the drug and washes out
    /// after it stops; it is the default of [`Resistance::rebound`]. Tolerance (the drug's
    /// target desensitised) and receptor upregulation (capped, see THERAPIES.md) act only
    /// through the drug.
    pub const fn acts_on_patient(self) -> bool {
        matches!(
            self,
            Mechanism::MitochondrialAdaptation
                | Mechanism::ProteostasisCompensation
                | Mechanism::AlternativeImmunePathways
        )
    }
}

/// One adaptive-resistance term of a drug.
#[derive(Debug, Clone, PartialEq)]
pub struct Resistance {
    /// The compensating mechanism.
    pub mechanism: Mechanism,
    /// The effect (by target) whose engagement drives it (for
    /// [`Mechanism::EffluxInduction`], which acts on every effect, the drug's first).
    pub target: Target,
    /// Largest fraction of the effect the compensation can cancel, at full build-up (for
    /// [`Mechanism::EffluxInduction`], the fraction of the CNS ratio lost).
    pub ceiling: f64,
    /// Time constant of build-up under sustained engagement, months.
    pub build_up_months: f64,
    /// Time constant of decay once engagement falls, months.
    pub washout_months: f64,
    /// Between-patient coefficient of variation of the ceiling.
    pub ceiling_cv: f64,
    /// Whether compensation left after the drug stops (or between doses) pushes the mechanism
    /// beyond untreated until it washes out. Defaults to [`Mechanism::acts_on_patient`].
    pub rebound: bool,
}

/// A drug of the library or of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Drug {
    /// Name used in scenarios.
    pub name: String,
    /// Name for display.
    pub title: String,
    /// Regulatory status.
    pub status: Status,
    /// One-paragraph description.
    pub summary: String,
    /// Standard dose and route, as text.
    pub standard_dose: String,
    /// Time course of exposure.
    pub regimen: Regimen,
    /// Clinical event that starts the therapy, if any.
    pub trigger: Option<Trigger>,
    /// Exposure; `None` for interventions whose effect does not depend on a concentration
    /// (ventilation, nutrition): the effect is then `emax` scaled by adherence.
    pub exposure: Option<Exposure>,
    /// Effects on targets (at most one per target).
    pub effects: Vec<Effect>,
    /// Adaptive-resistance terms.
    pub resistance: Vec<Resistance>,
    /// Source or rationale of each parameter, by key path, in file order.
    pub sources: Vec<(String, String)>,
}

impl Drug {
    /// Tissue concentration at dose `dose` (relative to standard) and adherence, scaled by
    /// the regimen's exposure level `level` (1 = steady state on dosing days).
    pub fn tissue_concentration(&self, dose: f64, adherence: f64, level: f64) -> f64 {
        match &self.exposure {
            Some(e) => e.concentration * e.cns_ratio * dose * adherence * level,
            None => 0.0,
        }
    }

    /// Effects at a regimen exposure level, in [`Drug::effects`] order.
    pub fn effects_at(&self, dose: f64, adherence: f64, level: f64) -> Vec<f64> {
        match &self.exposure {
            Some(_) => {
                let c = self.tissue_concentration(dose, adherence, level);
                self.effects.iter().map(|e| e.at(c)).collect()
            }
            // Exposure-free interventions: on or off, scaled by adherence.
            None => self
                .effects
                .iter()
                .map(|e| if level > 0.0 { e.emax * adherence } else { 0.0 })
                .collect(),
        }
    }

    /// The source recorded for a key, if any.
    pub fn source(&self, key: &str) -> Option<&str> {
        self.sources
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, s)| s.as_str())
    }
}
