//! Model parameters: one registry with value, unit, range, meaning and source.
//!
//! Every parameter is declared once in the `parameters!` table below. The macro generates the
//! [`Params`] struct (fields used by the equations), its defaults, [`PARAMETERS`], the
//! registry that scenario overrides, `alssim params` and `docs/MODEL.md` are built from, and
//! [`Param`], the typed identifier of a parameter. Names are `snake_case` and carry their unit
//! in the registry; rates are per month.
//!
//! Names are text only where they are read (scenario files, `--set`, the calibration targets):
//! there a name is parsed once into a [`Param`], and everything past that point holds the
//! `Param` and reads and writes values with [`Params::value`] and [`Params::set_value`].

use std::fmt;

/// Description of one model parameter.
#[derive(Debug, Clone, Copy)]
pub struct ParamInfo {
    /// Name used in scenario files, `alssim params` and `docs/MODEL.md`.
    pub name: &'static str,
    /// Mechanism group (the module whose equation uses it).
    pub group: &'static str,
    /// Default value.
    pub default: f64,
    /// Unit.
    pub unit: &'static str,
    /// Smallest accepted value.
    pub min: f64,
    /// Largest accepted value.
    pub max: f64,
    /// What it means.
    pub description: &'static str,
    /// Where the default comes from.
    pub source: &'static str,
}

/// A parameter name or value that the registry does not accept.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamError {
    /// No parameter of that name.
    #[error("unknown model parameter `{name}`{}", unknown_note(name, *suggestion))]
    Unknown {
        /// The name given.
        name: String,
        /// The closest known name, if any is close.
        suggestion: Option<&'static str>,
    },
    /// A value outside the accepted range, or not finite.
    #[error("model parameter `{name}` = {value} is out of range: accepted {min} to {max} {unit}")]
    OutOfRange {
        /// Parameter name.
        name: &'static str,
        /// The value given.
        value: f64,
        /// Smallest accepted value.
        min: f64,
        /// Largest accepted value.
        max: f64,
        /// Unit.
        unit: &'static str,
    },
}

// Each entry is `name (Variant): default, unit, [min, max], meaning, source;` under its
// `[group]`: `name` is the field of `Params` and the registry name, `Variant` its `Param`.
macro_rules! parameters {
    ($( [$group:literal] $( $name:ident ($variant:ident) : $default:expr, $unit:literal,
        [$min:expr, $max:expr], $desc:literal, $source:literal; )* )*) => {
        /// All model parameters. See [`PARAMETERS`] for units, ranges and sources.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Params {
            $( $( #[doc = $desc] pub $name: f64, )* )*
        }

        impl Default for Params {
            fn default() -> Self {
                Params { $( $( $name: $default, )* )* }
            }
        }

        /// The parameter registry, in documentation order (the order of [`Param::ALL`]).
        pub const PARAMETERS: &[ParamInfo] = &[
            $( $( ParamInfo {
                name: stringify!($name),
                group: $group,
                default: $default,
                unit: $unit,
                min: $min,
                max: $max,
                description: $desc,
                source: $source,
            }, )* )*
        ];

        /// A model parameter: one variant per entry of [`PARAMETERS`], in registry order.
        ///
        /// Variants are the `CamelCase` form of the registry name ([`Param::AggGrowthRate`] is
        /// `agg_growth_rate`); [`Param::name`] gives the name used in scenario files, `--set`
        /// and `alssim params`, and [`Param::from_name`] (or [`str::parse`]) reads one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Param {
            $( $( #[doc = $desc] $variant, )* )*
        }

        impl Param {
            /// Every parameter, in registry order.
            pub const ALL: [Param; PARAMETERS.len()] = [ $( $( Param::$variant, )* )* ];

            /// Registry name, as written in scenario files and `--set`.
            pub const fn name(self) -> &'static str {
                match self {
                    $( $( Param::$variant => stringify!($name), )* )*
                }
            }

            /// The parameter of a registry name, if there is one.
            pub fn from_name(name: &str) -> Option<Param> {
                match name {
                    $( $( stringify!($name) => Some(Param::$variant), )* )*
                    _ => None,
                }
            }
        }

        impl Params {
            /// Value of a parameter.
            pub const fn value(&self, param: Param) -> f64 {
                match param {
                    $( $( Param::$variant => self.$name, )* )*
                }
            }

            const fn slot(&mut self, param: Param) -> &mut f64 {
                match param {
                    $( $( Param::$variant => &mut self.$name, )* )*
                }
            }
        }
    };
}

parameters! {
    ["aggregation"]
    agg_growth_rate (AggGrowthRate): 0.1912, "1/month", [0.0, 10.0],
        "Incorporation rate of soluble misfolded protein into aggregate (templated growth) at low burden.",
        "Sets the presymptomatic phase (about ln(1000) / net growth from a seed of 1e-3) and the pace \
         of spread; serum NfL rises 1-3.5 years before onset by genotype (Benatar 2019 ALS-FTD 20:538). \
         Set with the other defaults by a search against the natural-history targets (docs/CALIBRATION.md, section 0).";
    agg_clearance_rate (AggClearanceRate): 0.05984, "1/month", [0.0, 10.0],
        "Proteostatic clearance (autophagy, proteasome) of aggregate, first order.",
        "Rationale: clearance well below growth so that pathology, once seeded, persists; \
         the burden settles at 1 - clearance/growth of its maximum. Must stay below agg_growth_rate. Set by hand.";
    spread_contiguous (SpreadContiguous): 0.3, "template per unit aggregate", [0.0, 50.0],
        "Seeds a region receives from each contiguous region (along the cord and brainstem), per unit of that region's aggregate, relative to its own aggregate.",
        "Sets the time from onset to a second region: 12.8 months overall, bulbar onset 10.8, \
         upper limb 15.2, lower limb 13.6 (Fujimura-Kiyono 2011 JNNP); spread is faster to neighbouring \
         regions (Gromicho 2020 Ann Clin Transl Neurol 7:1181). Set with the other spread weights, \
         neuronal_vulnerability and metabolic_stress_gain by a search against the natural-history \
         targets (docs/CALIBRATION.md, section 0).";
    spread_noncontiguous (SpreadNoncontiguous): 0.25, "template per unit aggregate", [0.0, 50.0],
        "Seeds a region receives from each non-contiguous region (through the motor cortex and long corticospinal connections).",
        "Non-contiguous spread in about 13% (Gromicho 2020; Kimura 2012); bulbar onset to the legs 29%, \
         leg onset to bulbar 5% (Ludolph 2024 J Neurol 271). Rationale: below the contiguous weight \
         (spread is faster to neighbouring regions): held at most 0.85 of it (0.83 at the defaults) in \
         the search that set it with the other defaults against the natural-history targets \
         (docs/CALIBRATION.md, section 0).";
    spread_bulbar_ratio (SpreadBulbarRatio): 0.05883, "ratio", [0.0, 1.0],
        "Seeding from a spinal region into the bulbar region relative to seeding in the opposite direction.",
        "Bulbar neurons are relatively spared after limb onset and bulbar onset reaches the legs \
         more often than leg onset reaches bulbar muscles (Gromicho 2020 Ann Clin Transl Neurol 7:1181): \
         29% against 5% (Ludolph 2024 J Neurol 271); bulbar muscles are reached last after limb onset \
         (Walhout 2018 ALS-FTD 19:21). Set with the other defaults by a search against the \
         natural-history targets (docs/CALIBRATION.md, section 0).";
    spread_cord_rostral_ratio (SpreadCordRostralRatio): 0.8268, "ratio", [0.0, 1.0],
        "Seeding from a more caudal spinal region into a more rostral one (up the cord) relative to seeding down the cord.",
        "Spread is directed more caudally than rostrally (Ravits 2007 Neurology 68:1571), yet leg \
         onset reaches a second body region no later than arm onset (13.6 against 15.2 months; \
         Fujimura-Kiyono 2011 JNNP), and after leg onset the arm is reached before bulbar muscles \
         (Turner 2010 Amyotroph Lateral Scler 11:369). Set with the other defaults by a search \
         against the natural-history targets (docs/CALIBRATION.md, section 0).";
    spread_export_degenerating (SpreadExportDegenerating): 0.8872, "fraction", [0.0, 1.0],
        "Share of a region's seed export carried by its currently degenerating (dysfunctional, dying-back) motor units; the rest follows the fraction of its neurons already lost.",
        "Seeds leave a region with its degenerating neurons (rationale, not measured; TDP-43 seeds \
         spread partly in exosomes, Nonaka 2013 Cell Rep 4:124). A neuron that is dying releases \
         seeds; one that is dead no longer does, so an export that follows the units now failing \
         peaks while the source degenerates fastest and falls as its pool empties, where one that \
         follows the cumulative loss keeps rising to the end. 0 keeps the cumulative loss alone. \
         Set with the other defaults by a search against the natural-history targets with graded vulnerability (docs/CALIBRATION.md, section 0).";
    spread_export_degenerating_gain (SpreadExportDegeneratingGain): 12.81, "per unit dysfunctional fraction", [0.0, 1000.0],
        "Seed export per unit of dysfunctional fraction, relative to the export per unit fraction of neurons lost (used with spread_export_degenerating).",
        "Rationale: the dysfunctional pool is a few percent of a region at any time (the default \
         cervical-onset patient holds 1.1% dysfunctional units against 56% lost at onset), so a \
         gain of about 10-20 puts the two exports on one scale around onset. No effect while \
         spread_export_degenerating is 0. Set with the other defaults by a search against the natural-history targets with graded vulnerability (docs/CALIBRATION.md, section 0).";
    agg_initial_seed (AggInitialSeed): 1.0e-3, "fraction of capacity", [1.0e-9, 0.5],
        "Aggregate burden placed in the onset region at disease initiation (t = 0).",
        "Rationale: a small nucleus; the presymptomatic duration depends on it only logarithmically.";
    agg_ros_enhancement (AggRosEnhancement): 0.5, "per unit oxidative stress", [0.0, 20.0],
        "Fractional increase of misfolding per unit oxidative stress (oxidation promotes misfolding).",
        "Rationale: oxidative modification promotes TDP-43 and SOD1 misfolding; moderate positive feedback.";
    age_tempo_exponent (AgeTempoExponent): 2.004, "exponent", [0.0, 12.0],
        "The disease runs at (age / 60)^exponent of its pace at 60: aggregate conversion and clearance alike (so age changes the pace of the proteinopathy, never whether it grows), and the damage drive of motor units.",
        "Older onset runs faster (survival HR 2.8 at 65-69, 3.2 at 70-74 and 6.9 at 75+ vs 49 or younger; \
         Lombardy register 2008-2010); a power of age, as in the multistep model (log incidence against log \
         age slope 4.8; Al-Chalabi 2014 Lancet Neurol 13:1108), with no threshold below which disease stops. \
         Set with the other defaults by a search against the natural-history targets (docs/CALIBRATION.md, section 0).";

    ["genotype"]
    growth_factor_c9orf72 (GrowthFactorC9orf72): 1.418, "multiplier", [0.01, 20.0],
        "Tempo multiplier of the proteinopathy for C9orf72 repeat-expansion carriers.",
        "C9orf72 survival HR 1.6 versus sporadic (Su 2022 BMC Med 20:209). Set with the other defaults by a search against the natural-history targets (docs/CALIBRATION.md, section 0).";
    growth_factor_sod1 (GrowthFactorSod1): 0.65, "multiplier", [0.01, 20.0],
        "Tempo multiplier of the proteinopathy for SOD1 carriers other than A4V.",
        "Rationale: non-A4V SOD1 median survival about 6.8 years (Bali 2017 JNNP 88:99). Set by hand so \
         that a SOD1 carrier with onset at 52, the median onset of SOD1 carriers in the multistep \
         model, lives about 80 months from onset (`alssim simulate --genotype sod1 --age 52`).";
    soluble_toxicity_sod1 (SolubleToxicitySod1): 2.0, "multiplier", [0.0, 20.0],
        "Toxicity of the soluble misfolded species in SOD1 carriers relative to TDP-43 and FUS (multiplies hazard_soluble).",
        "SOD1 disease is a toxic gain of function carried by soluble misfolded SOD1: a non-native \
         trimer is toxic, and mutations that stabilise fibrils protect (Proctor 2016 PNAS 113:614; Zhu \
         2018 PNAS), with no nuclear TDP-43 loss of function (the STMN2 cryptic exon is absent in \
         SOD1-ALS; Ma 2022 Nature 603:124). Rationale: about the weight the missing loss-of-function \
         term carries in TDP-43 disease, so that the proteinopathy drives SOD1 disease as much as \
         it drives sporadic disease; set by hand.";
    growth_factor_sod1_a4v (GrowthFactorSod1A4v): 2.6, "multiplier", [0.01, 20.0],
        "Tempo multiplier of the proteinopathy for SOD1 A4V carriers.",
        "Rationale: A4V median survival 1.2 years, ALSFRS-R decline 3.6 points/month (Bali 2017 JNNP 88:99). Set by hand, with soluble_toxicity_sod1, so that the A4V median survival from onset is 0.9-1.6 years in `alssim validate`, whose A4V carriers have the young onset of the multistep model (two steps, median about 52 years; docs/CALIBRATION.md).";
    growth_factor_tardbp (GrowthFactorTardbp): 1.0, "multiplier", [0.01, 20.0],
        "Tempo multiplier of the proteinopathy for TARDBP carriers.",
        "Rationale: no consistent survival difference from sporadic ALS reported; neutral.";
    growth_factor_fus (GrowthFactorFus): 2.261, "multiplier", [0.01, 20.0],
        "Tempo multiplier of the proteinopathy for FUS carriers.",
        "Rationale: FUS survival HR 1.8 and young onset (Su 2022 BMC Med 20:209). FUS carriers start \
         young (one step of the multistep model, median onset about 49), where the age tempo slows \
         disease, so the factor is large. Set by hand, and last with the spread weights by a search \
         against the natural-history targets, so that the median survival from onset of FUS carriers \
         is at most 30 months (docs/CALIBRATION.md, section 0).";

    ["oxidative"]
    ros_clearance_rate (RosClearanceRate): 2.0, "1/month", [0.5, 100.0],
        "Clearance of excess reactive oxygen species by antioxidant capacity (glutathione, SOD, catalase).",
        "Rationale: fast relative to disease (half-life about 10 days), so excess ROS is taken at its quasi-steady state, production over clearance (MODEL.md 4.3); below 0.5/month (a half-life of six weeks) that approximation would not hold, so the range starts there.";
    ros_from_aggregate (RosFromAggregate): 1.0, "1/month", [0.0, 100.0],
        "Excess ROS production per unit aggregate (mitochondrial dysfunction caused by misfolded protein).",
        "Rationale: with clearance 2/month, a region full of aggregate alone sits at oxidative stress 0.5.";
    ros_from_glutamate (RosFromGlutamate): 1.0, "1/month", [0.0, 100.0],
        "Excess ROS production per unit excess glutamate (calcium overload of mitochondria).",
        "Rationale: excitotoxic calcium entry drives mitochondrial ROS; same order as the aggregate source.";
    ros_from_microglia (RosFromMicroglia): 0.5, "1/month", [0.0, 100.0],
        "Excess ROS production per unit activated microglia (NADPH oxidase, NOX2).",
        "Rationale: microglial NOX2 contributes to motor-neuron oxidative damage; a secondary source.";
    metabolic_stress_gain (MetabolicStressGain): 2.2, "multiplier", [0.0, 20.0],
        "Extra damage drive in every region at complete loss of bulbar function: dysphagia, weight loss and hypermetabolism deepen the energy deficit of motor neurons.",
        "Rationale: weight loss and hypermetabolism predict faster progression; makes bulbar-onset \
         disease faster (bulbar onset survival HR about 1.7, Elamin 2015 J Neurol 262:1447). Raised by \
         hand from 1.59 to 2.2 between rounds of the search with graded vulnerability, which shortened \
         King's stage 3 (1.292 before that search; docs/CALIBRATION.md, section 0).";

    ["glia"]
    microglia_activation_rate (MicrogliaActivationRate): 0.6, "1/month", [0.0, 100.0],
        "Activation rate of microglia per unit inflammatory stimulus.",
        "Rationale: microglial activation follows pathology within weeks to months.";
    microglia_damage_weight (MicrogliaDamageWeight): 1.753, "months", [0.0, 1000.0],
        "Weight of the neuron loss rate (debris, damage signals) relative to aggregate in the microglial stimulus.",
        "Rationale: dying neurons are a major microglial stimulus. The loop it closes (loss, microglia, \
         astrocytes, glutamate and ROS, hazard) has a gain of about 0.67 x neuronal_vulnerability x tempo \
         (0.27 for the typical person at 60; up to 2.29 times more once bulbar function is lost): it \
         amplifies damage, and stays below 1 (so ageing loss alone cannot ignite disease in a region \
         without aggregate) for the typical person at every age up to 90 with intact bulbar function. \
         Set with the other defaults by a search against the natural-history targets (docs/CALIBRATION.md, section 0).";
    microglia_resolution_rate (MicrogliaResolutionRate): 0.3, "1/month", [0.0, 100.0],
        "Return of activated microglia to the surveillant state.",
        "Rationale: resolution over a few months when stimulus stops.";
    astrocyte_activation_rate (AstrocyteActivationRate): 0.5, "1/month", [0.0, 100.0],
        "Conversion of astrocytes to the reactive state per unit activated microglia.",
        "Rationale: activated microglia induce neurotoxic reactive astrocytes (IL-1a, TNF, C1q; Liddelow 2017 Nature).";
    astrocyte_aggregate_weight (AstrocyteAggregateWeight): 0.2, "per unit aggregate", [0.0, 100.0],
        "Direct (cell-autonomous) drive of astrocyte reactivity by aggregate, relative to microglia.",
        "Rationale: mutant protein in astrocytes adds a smaller direct drive.";
    astrocyte_resolution_rate (AstrocyteResolutionRate): 0.2, "1/month", [0.0, 100.0],
        "Return of reactive astrocytes to the resting state.",
        "Rationale: astrocyte reactivity resolves more slowly than microglial activation.";

    ["excitotoxicity"]
    glutamate_release_gain (GlutamateReleaseGain): 0.3, "per unit aggregate", [0.0, 20.0],
        "Fractional increase of glutamate release per unit aggregate (cortical hyperexcitability).",
        "Rationale: hyperexcitability is an early feature of ALS; CSF glutamate is raised 100-200% \
         (Rothstein 1990 Ann Neurol 28:18) together with the uptake loss below.";
    eaat2_loss_max (Eaat2LossMax): 0.6, "fraction", [0.0, 0.95],
        "Fraction of astrocytic EAAT2 glutamate uptake lost at full astrocyte reactivity.",
        "Rationale: EAAT2 transport is reduced in ALS spinal cord (Rothstein 1992 NEJM); with the release gain \
         this gives glutamate 2-2.5x healthy at full disease, matching CSF glutamate +100-200%.";

    ["neurons"]
    hazard_baseline (HazardBaseline): 0.0005, "1/month", [0.0, 1.0],
        "Damage-independent motor-neuron loss hazard (ageing).",
        "Rationale: about 0.6%/year, the order of age-related motor-neuron loss; the one-hit limit \
         when all damage couplings are zero.";
    hazard_soluble (HazardSoluble): 0.02991, "1/month per unit", [0.0, 10.0],
        "Drive of unit failure per unit soluble misfolded protein (toxic gain of oligomers).",
        "Soluble oligomers rather than fibrils are the toxic SOD1 species (Proctor 2016 PNAS 113:614; \
         fibril-stabilising mutants protect, Zhu 2018 PNAS). Rationale: the largest single term; its \
         between-patient variability is part of the mechanism mix (docs/MODEL.md).";
    hazard_lof (HazardLof): 0.03988, "1/month per unit", [0.0, 10.0],
        "Drive of unit failure per unit nuclear loss of function (TDP-43 or FUS leaving the nucleus).",
        "Loss of nuclear TDP-43 truncates STMN2 and UNC13A (Ma 2022 Nature 603:124; Brown 2022 Nature \
         603:131). A slow term that antisense drugs do not relieve quickly. Its size against the other \
         weights sets the share of patients whose disease it dominates (transcriptomic subtype with \
         TDP-43 dysfunction 20% of cortex samples; Tam 2019 Cell Rep 29:1164). Set with the other defaults by a search against the natural-history targets (docs/CALIBRATION.md, section 0).";
    hazard_oxidative (HazardOxidative): 0.001984, "1/month per unit", [0.0, 10.0],
        "Drive of unit failure per unit oxidative stress.",
        "Rationale: of the order of the proteotoxic term; oxidative markers are raised in ALS blood \
         (meta-analysis of 41 studies, Oxid Med Cell Longev 2019:1712323).";
    hazard_excitotoxic (HazardExcitotoxic): 0.00141, "1/month per unit", [0.0, 10.0],
        "Drive of unit failure per unit excess extracellular glutamate (glutamate - 1, when positive).",
        "Rationale: of the order of the proteotoxic term; CSF glutamate is raised in about 40% of \
         patients (Shaw 1995 Neurodegeneration 4:209). Set with the other defaults by a search against the natural-history targets (docs/CALIBRATION.md, section 0).";
    neuronal_vulnerability (NeuronalVulnerability): 0.45, "multiplier", [0.0, 20.0],
        "Susceptibility of a person's motor neurons to damage: scales every term of the drive.",
        "Rationale: genetic modifiers and motor-neuron properties make the same pathology act faster \
         in some people; the shared part of the between-patient variability (the mechanism weights vary \
         around it). The default is the typical (median) person. Set with the other v2 defaults by a search against the natural-history targets, \
         then raised by hand to keep the speed when dysfunction_death_rate was set back, and set again \
         by hand with the recognition-driven diagnosis and the younger onset of carriers, set with the \
         spread weights by a search, and last raised from 0.403 to 0.45 with the steeper graded \
         vulnerability (docs/CALIBRATION.md, section 0).";
    hazard_astrocyte (HazardAstrocyte): 0.04222, "1/month per unit", [0.0, 10.0],
        "Drive of unit failure per unit astrocyte reactivity (toxic factors released by reactive astrocytes).",
        "Rationale: reactive astrocytes kill motor neurons in co-culture (Nagai 2007; Liddelow 2017).";
    unit_vulnerability_gradient (UnitVulnerabilityGradient): 0.4821, "exponent", [0.0, 4.0],
        "Graded vulnerability: the per-unit drive falls as (alive fraction)^gradient, because the most vulnerable (fast-fatigable) units fail first.",
        "Order fast-fatigable > fast-resistant > slow (Nijssen 2017 Acta Neuropathol 133:863; Hegedus \
         2007 Neurobiol Dis 28:154); slow units resist to end stage, but in humans motor-unit counts fall \
         at a roughly constant 2.4-4.2 %/month (MUNIX, Neuwirth 2015 JNNP 86:1172), so the gradient is \
         small; a large one makes the last units nearly immune and the terminal phase years long. \
         Raised from 0.2778 to 0.4821 (first to 0.5 by hand, then by the search): each region's loss \
         is front-loaded, and the rated decline decelerates on average. Set with the other defaults by a search against the natural-history targets with graded vulnerability (docs/CALIBRATION.md, section 0).";
    unit_vulnerability_floor (UnitVulnerabilityFloor): 0.01124, "fraction", [0.0, 1.0],
        "Drive on the most resistant (slow) units, as a fraction of the drive on the most vulnerable: the per-unit drive is floor + (1 - floor) (alive fraction)^gradient.",
        "Slow motor units resist longest but are also lost (Nijssen 2017 Acta Neuropathol 133:863; \
         Hegedus 2007 Neurobiol Dis 28:154): ordered vulnerability slows the loss without stopping it. \
         Rationale: 0 keeps the pure power law; a floor lets a steep gradient front-load each region's \
         loss without making the last units immune. About 1%, set with the other defaults by a search against the natural-history targets with graded vulnerability (docs/CALIBRATION.md, section 0).";
    dysfunction_death_rate (DysfunctionDeathRate): 1.003, "1/month", [0.0, 20.0],
        "Death rate of dysfunctional (denervated, dying-back) motor units.",
        "Functional units fail about 6 weeks to 50 days before motor neurons die in SOD1 mice (Kennel \
         1996 Neuroreport 7:1427; Hegedus 2007); no human figure exists. Rationale: about a month on \
         average (4.3 weeks), somewhat shorter than the mouse figure; an earlier search took it to \
         two weeks, which the mouse data do not support. Set with the other defaults by a search against the natural-history targets with graded vulnerability (docs/CALIBRATION.md, section 0).";
    dysfunction_recovery_rate (DysfunctionRecoveryRate): 0.2943, "1/month", [0.0, 20.0],
        "Return of dysfunctional units to function (restored nuclear TDP-43, reinnervation) when the drive no longer holds them.",
        "Switching TDP-43 off after onset restores reinnervation and motor function over weeks in rNLS \
         mice (Walker 2015 Acta Neuropathol). Rationale: about 3.4 months on average in people, slower than in mice; \
         set with the other defaults by a search against the natural-history targets (docs/CALIBRATION.md, section 0).";
    ["activity"]
    activity_cv (ActivityCv): 0.0, "coefficient of variation", [0.0, 3.0],
        "Variation of disease activity within a patient over time: from clinical onset on, the whole damage drive is multiplied by a smooth log-normal process of mean 1 and this coefficient of variation (0: constant activity, the calibrated model).",
        "Progression slows for months and resumes: 25% of PRO-ACT patients show no decline over 6 months and 16% over 12 (Bedlack 2016 Neurology 86:808). Rationale: off by default; the calibrated defaults were fitted without it, and turning it on moves the plateau shares, the rising intervals, the deceleration and the time to a second region (measured in docs/CALIBRATION.md, section 0), so a scenario that sets it should be checked with `alssim validate --set activity_cv=...` first. Refitted with rater noise near 0.15 it brings the plateaus of the trial design near their published shares, at 36-40% more run time (docs/CALIBRATION.md, section 0).";
    activity_knot_months (ActivityKnotMonths): 12.0, "months", [0.5, 120.0],
        "Time scale of disease activity: the knot spacing of its spline; activity at two times this far apart has correlation about 0.5, twice as far about 0.05 (docs/MODEL.md, section 4.6).",
        "Rationale: plateaus last 6-18 months (Bedlack 2016 Neurology 86:808), so activity stays low for about that long; a shorter spacing also shortens the solver's steps (docs/MODEL.md, section 6.2). Acts only when activity_cv is above 0.";
    ["regions"]
    bulbar_vulnerability (BulbarVulnerability): 1.0, "multiplier", [0.0, 20.0],
        "Susceptibility of the bulbar motor pool relative to the other regions: multiplies that region's damage drive.",
        "Which pools a patient's disease takes varies: bulbar-predominant disease (progressive bulbar \
         palsy) against bulbar sparing after limb onset, and network models of spread fit better with \
         a local vulnerability of each region (Commun Biol 2025, doi:10.1038/s42003-025-08561-3). \
         Rationale: 1, the typical person. No between-patient variability by default; given one, the \
         four regional factors make the time left after the first spread less tied to its timing \
         (docs/MODEL.md, section 10).";
    cervical_vulnerability (CervicalVulnerability): 1.0, "multiplier", [0.0, 20.0],
        "Susceptibility of the cervical (arm) motor pool relative to the other regions: multiplies that region's damage drive.",
        "In the flail-arm variant weakness stays in the arms for years: 11% of 1,188 London clinic \
         patients, median survival 61 months against 35 for limb onset (Wijesekera 2009 Neurology \
         72:1087); motor-neuron loss at death ranges from 8% to 90% between patients and pools \
         (Ravits 2007 Neurology 68:1571). Rationale: 1, the typical person, as bulbar_vulnerability.";
    thoracic_vulnerability (ThoracicVulnerability): 1.0, "multiplier", [0.0, 20.0],
        "Susceptibility of the thoracic (respiratory) motor pool relative to the other regions: multiplies that region's damage drive, so it sets how early and how fast breathing fails apart from the speed of the disease elsewhere.",
        "Respiratory involvement varies between patients apart from the overall speed: vital-capacity \
         trajectories fall into stable, slow and rapid classes (Ackrivo 2019 Am J Respir Crit Care Med \
         200:1513), and limb motor-unit counts correlate only weakly with FVC (r 0.32; multipoint MUNE, \
         PMID 20715377). The respiratory pool may be less susceptible than the limbs' on average: \
         slow, fatigue-resistant units fail last in ALS, and they are 50% of costal diaphragm fibres \
         against 36% in vastus lateralis (Meznaric & Cvetko 2016 Biomed Res Int 2016:5946520; about \
         60% in the intercostals and scalenes, Mizuno 1991 Eur Respir J 4:587); respiratory onset is \
         rare (3-6%) and the respiratory subscore declines least (Atassi 2014 Neurology 83:1719). \
         Rationale: 1, the typical person; a default of 0.84-0.94 with a refit was measured and not \
         adopted (docs/CALIBRATION.md, section 0). No between-patient variability by default; given \
         one (a variability entry), it decouples death by respiratory failure from the ALSFRS-R \
         total, measured with what else it moves in docs/MODEL.md, section 10.";
    lumbar_vulnerability (LumbarVulnerability): 1.0, "multiplier", [0.0, 20.0],
        "Susceptibility of the lumbar (leg) motor pool relative to the other regions: multiplies that region's damage drive.",
        "The flail-leg variant keeps weakness in the legs for years: 6% of 1,188 London clinic \
         patients, median survival 69 months (Wijesekera 2009 Neurology 72:1087). Rationale: 1, the \
         typical person, as bulbar_vulnerability.";
    ["biomarkers"]
    nfl_baseline (NflBaseline): 10.0, "pg/mL", [0.1, 1000.0],
        "Serum neurofilament light of a healthy person aged 60.",
        "Healthy median about 10 pg/mL (Hviid 2019 CCLM; Lanz 2025 J Neurol 272:512).";
    nfl_age_rise (NflAgeRise): 0.024, "1/year", [0.0, 0.2],
        "Relative rise of healthy serum NfL per year of age.",
        "About 2.4%/year (Lanz 2025 J Neurol 272:512).";
    nfl_half_life (NflHalfLife): 0.7, "months", [0.05, 12.0],
        "Half-life of serum NfL.",
        "Weeks; about 3 weeks often quoted (Yuan & Nixon 2021 Front Neurosci) [soft].";
    nfl_release (NflRelease): 1400.0, "pg/mL per (pool fraction/month)", [0.0, 1.0e6],
        "Serum NfL released per unit rate of motor-neuron loss (pool-weighted fraction per month).",
        "ALS typically 45-130 pg/mL (Verde 2019 JNNP 90:157). Set with the other defaults by a search against the natural-history targets (docs/CALIBRATION.md, section 0).";
    pool_weight_bulbar (PoolWeightBulbar): 0.15, "fraction", [0.0, 1.0],
        "Share of the lower-motor-neuron pool in the bulbar region (NfL source weight).",
        "Rationale: brainstem motor nuclei are a minority of lower motor neurons.";
    pool_weight_cervical (PoolWeightCervical): 0.30, "fraction", [0.0, 1.0],
        "Share of the lower-motor-neuron pool in the cervical region.",
        "Rationale: cervical enlargement.";
    pool_weight_thoracic (PoolWeightThoracic): 0.25, "fraction", [0.0, 1.0],
        "Share of the lower-motor-neuron pool in the thoracic/respiratory region.",
        "Rationale: long segment, sparse columns.";
    pool_weight_lumbar (PoolWeightLumbar): 0.30, "fraction", [0.0, 1.0],
        "Share of the lower-motor-neuron pool in the lumbar region.",
        "Rationale: lumbosacral enlargement.";
    gfap_baseline (GfapBaseline): 100.0, "pg/mL", [0.1, 10000.0],
        "Plasma GFAP with no astrocyte reactivity.",
        "Rationale: healthy plasma GFAP is of the order of 100 pg/mL (Simoa).";
    gfap_gain (GfapGain): 1.0, "per unit mean reactivity", [0.0, 100.0],
        "Relative rise of plasma GFAP per unit pool-weighted astrocyte reactivity.",
        "Rationale: plasma GFAP is modestly higher in ALS than in controls (Int J Mol Sci 2023, 24:13976).";

    ["function"]
    reinnervation_capacity (ReinnervationCapacity): 2.183, "fold", [1.0, 20.0],
        "Largest enlargement of surviving motor units by collateral reinnervation: force stays near normal until the functional pool falls below 1/capacity.",
        "Surviving units are about 50% larger after a 40% loss in healthy ageing (Piasecki 2016). The \
         often-quoted weakness after about half of the units are lost (Wohlfart 1957; McComas 1971) is \
         unconfirmed [soft], and reinnervating muscles lose strength as fast as others (Chan, Alix et al., \
         MUSIX abstract); at the default 2.183 with reserve_corner 18.59, onset (capacity 0.93) comes \
         after about 57% of functional units are lost. Bounded at 2.4 in the searches, because a larger \
         reserve lets every spinal region lose half of its neurons before onset. Set with the other defaults by a search against the natural-history targets with graded vulnerability (docs/CALIBRATION.md, section 0).";
    reserve_corner (ReserveCorner): 18.59, "exponent", [1.0, 32.0],
        "Sharpness of the corner of the reserve curve where reinnervation stops compensating.",
        "Rationale: no measurement; at the default 18.59 the corner is sharp, close to min(1, E F): \
         with reinnervation_capacity 2.183 capacity is 1.000 at 80% of functional units, 0.990 at 50%, \
         0.954 at 45% and 0.655 at 30%. An earlier fit had a soft corner (3.477). Set with the other defaults by a search against the natural-history targets with graded vulnerability (docs/CALIBRATION.md, section 0).";
    onset_capacity (OnsetCapacity): 0.93, "fraction", [0.5, 0.999],
        "Regional motor capacity at which the first symptom is noticed (clinical onset).",
        "Rationale: the capacity at which the most sensitive ALSFRS-R items (speech, handwriting, walking, \
         stairs) first fall from 4, so onset is the first noticed loss of function.";
    diagnosis_recognition_loss (DiagnosisRecognitionLoss): 6.096, "ALSFRS-R points", [0.5, 40.0],
        "Loss of latent ALSFRS-R (from 48) at which the disease is recognised and diagnosed, if the referral delay has not ended first.",
        "Faster progression, bulbar onset and UMN signs shorten the time to diagnosis (Martinez-Molina 2020 \
         Front Neurol 11:604922); delay 6-12 months carries HR 1.9 against longer (Lombardy register 2008-2010). \
         Set with the referral delay (median 15 months) so that the median delay is 10-13 months and \
         most patients are diagnosed by recognition, which makes a short delay mean fast disease \
         (delay hazard ratio 1.4-1.7 across the seeds checked); 4 is the lower end of its prior, 6.096 \
         since the search with graded vulnerability (docs/CALIBRATION.md, section 0).";
    diagnosis_examination_loss (DiagnosisExaminationLoss): 0.2132, "ALSFRS-R points", [0.0, 40.0],
        "Loss of latent ALSFRS-R (from 48) the neurologist at the end of the referral delay needs to see to make the diagnosis; until then the patient is followed and diagnosed when it is reached (or at recognition, if that comes first).",
        "The diagnosis needs progressive motor impairment documented by history or repeated clinical \
         assessment, with upper and lower or lower motor neuron signs in one or more regions (Gold \
         Coast criteria, Shefner et al. 2020 Clin Neurophysiol 131:1975; revised El Escorial, Brooks \
         et al. 2000 ALS 1:293), so a referral that ends before a deficit can be shown does not end in \
         a diagnosis. Rationale: small (0.2 points of latent loss); 0 would be any loss (the referral \
         delay alone). Set with the other defaults by a search against the natural-history targets with graded vulnerability (docs/CALIBRATION.md, section 0).";
    fvc_bulbar_weight (FvcBulbarWeight): 0.1704, "fraction", [0.0, 1.0],
        "Weight of bulbar capacity in vital capacity (mouth seal, upper airway); the rest is thoracic.",
        "Bulbar weakness lowers measured FVC (mouth seal, upper airway); kept at or below 0.45 because \
         measured FVC is mostly diaphragmatic. Set with the spread weights by a search against the \
         natural-history targets (docs/CALIBRATION.md, section 0).";
    fvc_healthy (FvcHealthy): 100.0, "% predicted", [40.0, 150.0],
        "FVC before disease.",
        "By definition of percent predicted.";
    niv_fvc (NivFvc): 55.0, "% predicted", [5.0, 100.0],
        "FVC at or below which non-invasive ventilation is indicated.",
        "Clinical practice: NIV below FVC 50% or with orthopnoea [soft].";
    death_fvc (DeathFvc): 46.37, "% predicted", [1.0, 100.0],
        "FVC at which respiratory failure ends tracheostomy-free survival (death or permanent ventilation).",
        "Respiratory failure ends survival; ventilatory support lowers the threshold (the NIV drug). \
         Tracheostomy-free survival also ends at tracheostomy or permanent ventilation, which is \
         offered well above the FVC of death without support. Set with the other v2 defaults by a search \
         against the natural-history targets (36.3), then raised by hand to 44 so that survival from \
         onset, the ALSFRS-R slopes and King's stage 4 hold together with a diagnosis driven by \
         recognition; 46.37 since the search with graded vulnerability (NIV at 55%: King's stage 4 \
         median 5.3 months, published 4.1; docs/CALIBRATION.md, section 0).";
    airway_failure_capacity (AirwayFailureCapacity): 0.4, "fraction", [0.0, 0.9],
        "Bulbar motor capacity at or below which airway protection fails (aspiration, secretions): \
         ends tracheostomy-free survival like respiratory failure.",
        "Aspiration pneumonia is found in 20% and bronchopneumonia in 31% of ALS autopsies (Burkhardt \
         2017 PLoS One 12:e0177555); bulbar-onset patients die of bulbar failure as well as of \
         ventilatory failure (bulbar onset survival HR about 1.7, Elamin 2015). At the default 0.4 the \
         latent swallowing item is about 1.5, below the gastrostomy indication. The natural-history \
         targets hardly constrain it: the search with graded vulnerability moved airway_failure_fvc \
         below death_fvc, which closes the route (and with it the dependence of the NIV benefit on \
         bulbar function); the route was kept open, and 0.4, between the earlier 0.4881 and the lower \
         end of its prior, keeps the mean quadratic coefficient's 95% interval above 0 at the fitting \
         seed, which 0.4881 does not (docs/CALIBRATION.md, section 0).";
    airway_failure_fvc (AirwayFailureFvc): 48.9, "% predicted", [1.0, 100.0],
        "FVC at or below which failed airway protection (bulbar capacity at or below airway_failure_capacity) is fatal: an ineffective cough cannot clear aspiration.",
        "Aspiration and bronchopneumonia are the commonest terminal events (Burkhardt 2017 PLoS One \
         12:e0177555); cough effectiveness falls with vital capacity. NIV does not lower it, so NIV \
         prolongs survival mainly in patients whose bulbar function is still good (Bourke 2006 Lancet \
         Neurol 5:140). Rationale: between the NIV and the respiratory-failure thresholds. The natural-history \
         targets hardly constrain it; the search with graded vulnerability moved it below death_fvc, \
         which closes the route, and it was kept at the value of an earlier search (docs/CALIBRATION.md, \
         section 0).";
    gastrostomy_swallowing (GastrostomySwallowing): 2.0, "item points", [0.0, 4.0],
        "Latent ALSFRS-R swallowing item at or below which gastrostomy is indicated (King's 4A).",
        "Swallowing 2 = dietary consistency changes (Cedarbaum 1999).";
    item_detection_loss (ItemDetectionLoss): 0.5, "item points", [0.01, 0.5],
        "Fall of a latent ALSFRS-R item below 4 (normal) at which it is rated 3 and its region counts as involved (King's staging).",
        "At 0.5 the rating rounds the latent item, so an item leaves 4 only after about a tenth of capacity is lost below its threshold: ratings at diagnosis stay high (ΔFS 0.15 against 0.55). The anchors of score 3 are the first detectable impairment (“detectable speech disturbance”, “early ambulation difficulties”; Cedarbaum 1999 J Neurol Sci 169:13), which a smaller value reads. Kept at 0.5 until the model is refitted around a smaller one: smaller values put ΔFS in range but remove most simulated plateaus (docs/CALIBRATION.md, section 0).";
    breathlessness_sensitivity (BreathlessnessSensitivity): 1.126, "multiplier", [0.2, 5.0],
        "Scale of the ventilatory deficit a patient perceives: the dyspnoea and orthopnoea items read 1 - s (1 - FVC / fvc_healthy) instead of FVC / fvc_healthy, so above 1 breathlessness is reported at a higher FVC.",
        "The respiratory subscore is only loosely tied to vital capacity: among 453 placebo patients of EMPOWER it left 12 within 48 weeks in 30.2% of those with SVC above the median and 40.9% of those below (Jackson 2018 ALS-FTD), and the dyspnoea item improves in about 10% of patients per 3-month interval as mobility falls, so it depends on exertion as well (ALS-FTD 2015;16:120). Rationale: 1.126 with a between-patient coefficient of variation of 1.172 (default variability table), both set with the other defaults by a search against the natural-history targets with graded vulnerability; with them the four EMPOWER shares of `alssim validate` are within their intervals (docs/CALIBRATION.md, section 0).";
    rater_noise_sd (RaterNoiseSd): 0.275, "item points", [0.0, 4.0],
        "Standard deviation of rater noise added to each latent ALSFRS-R item before rounding.",
        "In PRO-ACT, 14% of 1,343 trial participants had a 180-day interval with a rising \
         ALSFRS-R slope (Bedlack 2016 Neurology 86:808). Set to 0.275 so that the trial-like cohort, seen \
         monthly for 18 months as in a trial (PRO-ACT followed 3,132 participants to 6 months and 1,218 \
         to 18), has such an interval in 14% of patients \
         (`trial-positive-interval`: mean 0.138 over seven seeds, 0.112-0.169); the earlier 0.12 had \
         been set against the same share counted over ten years of 3-monthly visits, which gives a \
         rising window many more chances, and left 2% of trial-like patients with one \
         (docs/CALIBRATION.md, section 0).";
}

impl Params {
    /// Sets a parameter, checking the accepted range (a value outside it, or not finite, is
    /// refused and leaves the parameter as it was).
    pub fn set_value(&mut self, param: Param, value: f64) -> Result<(), ParamError> {
        let info = param.info();
        if !value.is_finite() || value < info.min || value > info.max {
            return Err(ParamError::OutOfRange {
                name: info.name,
                value,
                min: info.min,
                max: info.max,
                unit: info.unit,
            });
        }
        *self.slot(param) = value;
        Ok(())
    }

    /// Sets a parameter to `value` clamped into its accepted range, so it cannot fail; a NaN
    /// has no place in the range and leaves the parameter as it was.
    pub fn set_clamped(&mut self, param: Param, value: f64) {
        if !value.is_nan() {
            let info = param.info();
            *self.slot(param) = value.clamp(info.min, info.max);
        }
    }

    /// Value of a parameter by its registry name (the string form of [`Params::value`], for
    /// input read as text).
    pub fn get(&self, name: &str) -> Option<f64> {
        Param::from_name(name).map(|p| self.value(p))
    }

    /// Sets a parameter by its registry name, checking the accepted range (the string form of
    /// [`Params::set_value`], for input read as text).
    pub fn set(&mut self, name: &str, value: f64) -> Result<(), ParamError> {
        self.set_value(name.parse()?, value)
    }

    /// Sets every `(parameter, value)` of `set` in order, each range-checked, then checks the
    /// rules that span several parameters (`--set` on the command line, `set=` in Python). On
    /// an error the parameters may be partly changed: use a copy.
    pub fn set_all(&mut self, set: &[(Param, f64)]) -> Result<(), OverrideError> {
        for &(param, value) in set {
            self.set_value(param, value)?;
        }
        Ok(self.check_consistency()?)
    }

    /// Pool weight of a region (share of the lower-motor-neuron pool).
    pub fn pool_weight(&self, region: crate::model::Region) -> f64 {
        use crate::model::Region;
        match region {
            Region::Bulbar => self.pool_weight_bulbar,
            Region::Cervical => self.pool_weight_cervical,
            Region::Thoracic => self.pool_weight_thoracic,
            Region::Lumbar => self.pool_weight_lumbar,
        }
    }

    /// Relative susceptibility of a region's motor pool (`bulbar_vulnerability` to
    /// `lumbar_vulnerability`).
    pub fn region_vulnerability(&self, region: crate::model::Region) -> f64 {
        use crate::model::Region;
        match region {
            Region::Bulbar => self.bulbar_vulnerability,
            Region::Cervical => self.cervical_vulnerability,
            Region::Thoracic => self.thoracic_vulnerability,
            Region::Lumbar => self.lumbar_vulnerability,
        }
    }

    /// Checks the rules that span several parameters.
    pub fn check_consistency(&self) -> Result<(), ParamRuleError> {
        let sum = self.pool_weight_bulbar
            + self.pool_weight_cervical
            + self.pool_weight_thoracic
            + self.pool_weight_lumbar;
        if (sum - 1.0).abs() > 1e-6 {
            return Err(ParamRuleError::PoolWeights { sum });
        }
        let below = |low: Param, high: Param, reason: &'static str| {
            let (a, b) = (self.value(low), self.value(high));
            (a >= b).then_some(ParamRuleError::NotBelow {
                low,
                low_value: a,
                high,
                high_value: b,
                reason,
            })
        };
        if self.agg_growth_rate > 0.0
            && let Some(e) = below(
                Param::AggClearanceRate,
                Param::AggGrowthRate,
                ": otherwise aggregate cannot persist",
            )
        {
            return Err(e);
        }
        if let Some(e) = below(Param::DeathFvc, Param::NivFvc, "") {
            return Err(e);
        }
        if let Some(e) = below(Param::NivFvc, Param::FvcHealthy, "") {
            return Err(e);
        }
        Ok(())
    }
}

/// Registry entry of a parameter by name.
pub fn info(name: &str) -> Option<&'static ParamInfo> {
    Param::from_name(name).map(Param::info)
}

impl Param {
    /// The registry entry: unit, accepted range, default, meaning and source.
    pub fn info(self) -> &'static ParamInfo {
        // `Param` lists the variants in registry order, from 0.
        &PARAMETERS[self as usize]
    }

    /// The parameter of a registry name, or [`ParamError::Unknown`] with the closest name
    /// (the same as [`str::parse`]).
    pub fn parse_name(name: &str) -> Result<Param, ParamError> {
        Param::from_name(name).ok_or_else(|| ParamError::Unknown {
            name: name.to_string(),
            suggestion: suggest(name),
        })
    }
}

impl std::str::FromStr for Param {
    type Err = ParamError;

    /// Reads a registry name; an unknown one is refused with the closest name, or with what
    /// became of it if an earlier version had it.
    fn from_str(name: &str) -> Result<Param, ParamError> {
        Param::parse_name(name)
    }
}

impl fmt::Display for Param {
    /// The registry name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Parameters that earlier versions had and this one does not, with what became of them.
pub const RETIRED: [(&str, &str); 7] = [
    (
        "glutamate_equilibration_rate",
        "it was removed: extracellular glutamate is now the quasi-steady state of release and \
         uptake and has no rate of its own (docs/MODEL.md section 4.5); delete the setting",
    ),
    (
        "agg_seed_rate",
        "it was replaced: seeding between regions is now templating by imported seeds, weighted \
         by `spread_contiguous` and `spread_noncontiguous` (dimensionless; docs/MODEL.md section 4.1)",
    ),
    (
        "age_proteostasis_decline",
        "it was replaced by `age_tempo_exponent`: age now scales the pace of the whole \
         proteinopathy as a power of age, with no age below which the disease stops \
         (docs/MODEL.md section 4.1)",
    ),
    (
        "hazard_aggregate",
        "it was split into `hazard_soluble` (toxic gain of the soluble misfolded species) and \
         `hazard_lof` (nuclear loss of function) (docs/MODEL.md section 4.6)",
    ),
    (
        "reserve_half_survival",
        "it was replaced by `reinnervation_capacity`: capacity now follows functional motor \
         units, with a corner where reinnervation stops compensating (docs/MODEL.md section 4.6)",
    ),
    (
        "spread_rostral_ratio",
        "it was split into `spread_bulbar_ratio` (seeding from the cord into the bulbar region) \
         and `spread_cord_rostral_ratio` (seeding up the cord): leg onset reaches the arms about \
         as fast as arm onset reaches the legs, and bulbar muscles are reached last \
         (docs/MODEL.md section 4.2)",
    ),
    (
        "reserve_steepness",
        "it was replaced by `reserve_corner`, the sharpness of the corner of the new reserve \
         curve (docs/MODEL.md section 4.6)",
    ),
];

/// What became of a parameter earlier versions had, if `name` is one.
pub fn retired(name: &str) -> Option<&'static str> {
    RETIRED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, why)| *why)
}

/// Help for an unknown parameter name: what became of it if it was retired, else the closest
/// name if there is one, and where the list is.
pub fn unknown_help(name: &str) -> String {
    match (retired(name), suggest(name)) {
        (Some(why), _) => why.to_string(),
        (None, Some(s)) => format!("did you mean `{s}`? `alssim params` lists every parameter"),
        (None, None) => "`alssim params` lists every parameter".to_string(),
    }
}

fn unknown_note(name: &str, suggestion: Option<&str>) -> String {
    match (retired(name), suggestion) {
        (Some(why), _) => format!(": {why}"),
        (None, Some(s)) => format!(" (did you mean `{s}`?)"),
        (None, None) => String::new(),
    }
}

/// The closest registry name to `name`, if it is close enough to be a likely typo.
pub fn suggest(name: &str) -> Option<&'static str> {
    PARAMETERS
        .iter()
        .map(|p| (edit_distance(name, p.name), p.name))
        .filter(|&(d, candidate)| d <= (candidate.len() / 3).max(2))
        .min_by_key(|&(d, _)| d)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance between two strings (by characters).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

impl fmt::Display for ParamInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} = {} {} [{} to {}]: {}",
            self.name, self.default, self.unit, self.min, self.max, self.description
        )
    }
}

/// The registry as a Markdown table (the parameter reference of `docs/MODEL.md`).
pub fn markdown_table() -> String {
    let mut out = String::new();
    let mut group = "";
    for p in PARAMETERS {
        if p.group != group {
            group = p.group;
            out.push_str(&format!(
                "\n#### {group}\n\n| name | default | unit | range | meaning | source or rationale |\n|---|---|---|---|---|---|\n"
            ));
        }
        out.push_str(&format!(
            "| `{}` | {} | {} | {} to {} | {} | {} |\n",
            p.name, p.default, p.unit, p.min, p.max, p.description, p.source
        ));
    }
    out
}

/// Why overriding parameters failed: a value out of its range, or a rule across parameters
/// broken by the result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum OverrideError {
    /// A value is out of its parameter's range.
    #[error(transparent)]
    Value(#[from] ParamError),
    /// The parameters break a rule across parameters.
    #[error(transparent)]
    Rule(#[from] ParamRuleError),
}

/// A rule across parameters that a parameter set breaks.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamRuleError {
    /// The motor-pool weights of the regions do not sum to 1.
    #[error(
        "pool_weight_bulbar + pool_weight_cervical + pool_weight_thoracic + pool_weight_lumbar must sum to 1, got {sum}"
    )]
    PoolWeights {
        /// Their sum.
        sum: f64,
    },
    /// A parameter that must stay below another is not below it.
    #[error("{low} ({low_value}) must be below {high} ({high_value}){reason}")]
    NotBelow {
        /// The parameter that must be lower.
        low: Param,
        /// Its value.
        low_value: f64,
        /// The parameter that bounds it.
        high: Param,
        /// Its value.
        high_value: f64,
        /// Why, when the rule is not self-evident (starts with a separator, or empty).
        reason: &'static str,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_inside_their_ranges_and_consistent() {
        let p = Params::default();
        for info in PARAMETERS {
            let v = p.get(info.name).expect("registered name resolves");
            assert!(
                v >= info.min && v <= info.max,
                "{} default out of range",
                info.name
            );
        }
        p.check_consistency().expect("defaults are consistent");
    }

    #[test]
    fn set_all_checks_each_value_then_the_rules() {
        let mut p = Params::default();
        p.set_all(&[(Param::AggGrowthRate, 0.3)]).unwrap();
        assert!((p.value(Param::AggGrowthRate) - 0.3).abs() < 1e-15);
        let e = Params::default().set_all(&[(Param::AggGrowthRate, -1.0)]);
        assert!(matches!(e, Err(OverrideError::Value(_))), "{e:?}");
        let e = Params::default().set_all(&[(Param::PoolWeightBulbar, 0.9)]);
        assert!(matches!(e, Err(OverrideError::Rule(_))), "{e:?}");
    }

    #[test]
    fn names_are_unique() {
        for (i, a) in PARAMETERS.iter().enumerate() {
            assert!(
                PARAMETERS[i + 1..].iter().all(|b| b.name != a.name),
                "{}",
                a.name
            );
        }
    }

    #[test]
    fn retired_names_say_what_became_of_them() {
        let e = Params::default()
            .set("glutamate_equilibration_rate", 4.0)
            .unwrap_err();
        assert!(e.to_string().contains("quasi-steady state"), "{e}");
        assert!(unknown_help("glutamate_equilibration_rate").contains("delete the setting"));
        assert!(unknown_help("agg_growth_rat").contains("did you mean `agg_growth_rate`?"));
        let split = unknown_help("spread_rostral_ratio");
        assert!(
            split.contains("`spread_bulbar_ratio`")
                && split.contains("`spread_cord_rostral_ratio`"),
            "{split}"
        );
        for (name, _) in RETIRED {
            assert!(info(name).is_none(), "{name} is both retired and current");
        }
    }

    #[test]
    fn set_checks_name_and_range() {
        let mut p = Params::default();
        p.set("agg_growth_rate", 0.5).unwrap();
        assert_eq!(p.get("agg_growth_rate"), Some(0.5));
        assert!(matches!(
            p.set("agg_growth_rat", 0.5),
            Err(ParamError::Unknown {
                suggestion: Some("agg_growth_rate"),
                ..
            })
        ));
        assert!(matches!(
            p.set("agg_growth_rate", -1.0),
            Err(ParamError::OutOfRange { .. })
        ));
        assert!(matches!(
            p.set("agg_growth_rate", f64::NAN),
            Err(ParamError::OutOfRange { .. })
        ));
    }

    #[test]
    fn param_follows_the_registry() {
        assert_eq!(Param::ALL.len(), PARAMETERS.len());
        for (i, (&p, info)) in Param::ALL.iter().zip(PARAMETERS).enumerate() {
            assert_eq!(p.info().name, info.name);
            assert_eq!(p.name(), info.name);
            assert_eq!(Param::from_name(info.name), Some(p));
            assert_eq!(info.name.parse::<Param>(), Ok(p));
            assert_eq!(p.to_string(), info.name);
            assert!(i == 0 || Param::ALL[i - 1] < p, "registry order");
            // The variant is the CamelCase form of the name.
            let camel: String = info
                .name
                .split('_')
                .map(|w| w[..1].to_uppercase() + &w[1..])
                .collect();
            assert_eq!(format!("{p:?}"), camel);
        }
        assert_eq!(Param::from_name("agg_growth_rat"), None);
        assert!(matches!(
            "agg_growth_rat".parse::<Param>(),
            Err(ParamError::Unknown {
                suggestion: Some("agg_growth_rate"),
                ..
            })
        ));
    }

    #[test]
    fn typed_access_matches_the_fields() {
        let mut p = Params::default();
        for param in Param::ALL {
            assert_eq!(p.get(param.name()), Some(p.value(param)));
        }
        p.set_value(Param::AggGrowthRate, 0.5).unwrap();
        assert_eq!(p.agg_growth_rate.to_bits(), 0.5_f64.to_bits());
        assert!(matches!(
            p.set_value(Param::Eaat2LossMax, 0.99),
            Err(ParamError::OutOfRange {
                name: "eaat2_loss_max",
                ..
            })
        ));
        assert_eq!(p.eaat2_loss_max.to_bits(), 0.6_f64.to_bits());
        p.set_clamped(Param::Eaat2LossMax, 0.99);
        assert_eq!(p.eaat2_loss_max.to_bits(), 0.95_f64.to_bits());
        p.set_clamped(Param::Eaat2LossMax, f64::NAN);
        assert_eq!(p.eaat2_loss_max.to_bits(), 0.95_f64.to_bits());
        p.set_clamped(Param::Eaat2LossMax, f64::NEG_INFINITY);
        assert_eq!(p.eaat2_loss_max.to_bits(), 0.0_f64.to_bits());
    }

    #[test]
    fn edit_distance_examples() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
