//! The mechanistic ALS model: states, parameters, right-hand side and readouts.
//!
//! Time is in months from disease initiation (t = 0), when a small aggregate nucleus appears in
//! the onset region. Each of four regions along the neuraxis carries five states
//! ([`RegionVar`]) and three algebraic (quasi-steady) levels: excess ROS (production over
//! clearance, [`oxidative`]), extracellular glutamate (release over uptake, [`excitotoxicity`])
//! and the soluble misfolded protein ([`aggregation`]); serum NfL is global. The couplings:
//!
//! ```text
//!   neighbour aggregate ──seeding──▶ Aggregate ◀──┐ (oxidation promotes misfolding)
//!                                      │  │       │
//!                 hyperexcitability ◀──┘  └──▶ Oxidative stress ◀── excess glutamate
//!                        │                        ▲      ▲
//!                        ▼                        │      └── activated microglia
//!   Glutamate ◀── EAAT2 loss ◀── Astrocytes ◀── Microglia ◀── aggregate, neuron loss
//!       │                            │                            ▲
//!       └──────────▶ death hazard ◀──┴──── aggregate, ROS ────────┤
//!                         │                                       │
//!                         ▼                                       │
//!                   Neurons (N) ──────────────────────────────────┘
//!                         │  loss rate
//!                         ▼
//!                    serum NfL
//! ```
//!
//! Each mechanism lives in its own module with its equations: [`aggregation`], [`oxidative`],
//! [`glia`], [`excitotoxicity`], [`neurons`], [`biomarkers`]. Readouts (ALSFRS-R, FVC,
//! staging) are in [`readout`]; clinical events in [`events`]; closed-form reference problems in
//! [`reference`](mod@reference).

pub mod activity;
pub mod aggregation;
pub mod alsfrs;
pub mod biomarkers;
pub mod events;
pub mod excitotoxicity;
pub mod glia;
pub mod layout;
pub mod modulation;
pub mod neurons;
pub mod oxidative;
pub mod params;
pub mod patient;
pub mod readout;
pub mod reference;
pub mod staging;
pub mod tables;

pub use layout::{
    DIM, GlobalVar, N_REGIONS, REGION_REPORTED, REGION_VARS, Region, RegionVar, Reported, State,
};
pub use modulation::{
    Compensation, Direction, MAX_PAIRS, Modulation, ModulationLaw, PairFactor, Slot, Term, TermKind,
};
pub use params::{PARAMETERS, Param, ParamError, ParamInfo, ParamRuleError, Params};
pub use patient::{CovariateError, Covariates, Genotype, Proteinopathy, SPORADIC_STEPS, Sex};
pub use readout::Readout;

use std::sync::Arc;

use activity::Activity;
use aggregation::AggregationRates;
use excitotoxicity::GlutamateRates;
use glia::GliaRates;
use neurons::{Damage, HazardRates, Reserve};
use oxidative::OxidativeRates;

/// One virtual patient's model: parameters and covariates, with the derived rates the
/// right-hand side needs precomputed.
#[derive(Debug, Clone)]
pub struct PatientModel {
    params: Params,
    covariates: Covariates,
    agg: AggregationRates,
    ox: OxidativeRates,
    glia: GliaRates,
    glu: GlutamateRates,
    hazard: HazardRates,
    reserve: Reserve,
    /// Graded vulnerability `N^γ`, tabulated unless `γ` is 0 or 1.
    grade: Option<Arc<tables::Power>>,
    pool_weights: [f64; N_REGIONS],
    /// Relative susceptibility of each region's motor pool (`bulbar_vulnerability` to
    /// `lumbar_vulnerability`): multiplies the region's damage drive.
    region_vulnerability: [f64; N_REGIONS],
    nfl_release: f64,
    nfl_elimination: f64,
    nfl_healthy: f64,
    /// Disease activity over time (`None`: constant 1).
    activity: Option<Activity>,
}

/// Parameters or covariates the model does not accept.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A covariate out of range.
    #[error("invalid covariates: {0}")]
    Covariates(#[from] patient::CovariateError),
    /// A rule between parameters broken.
    #[error("inconsistent parameters: {0}")]
    Parameters(#[from] params::ParamRuleError),
}

impl PatientModel {
    /// Builds the model of one patient, checking covariates and cross-parameter rules.
    pub fn new(params: Params, covariates: Covariates) -> Result<Self, ModelError> {
        covariates.check()?;
        params.check_consistency()?;
        let p = &params;
        let misfolding = covariates.genotype.growth_factor(p);
        let age_tempo = aggregation::age_tempo(covariates.age_years, p.age_tempo_exponent);
        let tempo = misfolding * age_tempo;
        let lof = match covariates.genotype.proteinopathy() {
            Proteinopathy::Tdp43 | Proteinopathy::Fus => 1.0,
            Proteinopathy::Sod1 => 0.0,
        };
        Ok(PatientModel {
            agg: AggregationRates {
                growth: p.agg_growth_rate * tempo,
                clearance: p.agg_clearance_rate * tempo,
                seeding: aggregation::seeding_matrix(
                    p.spread_contiguous,
                    p.spread_noncontiguous,
                    p.spread_bulbar_ratio,
                    p.spread_cord_rostral_ratio,
                ),
                ros_enhancement: p.agg_ros_enhancement,
                loss_of_function: lof,
                misfolding,
                export_degenerating: p.spread_export_degenerating,
                export_gain: p.spread_export_degenerating_gain,
            },
            ox: OxidativeRates {
                from_aggregate: p.ros_from_aggregate,
                from_glutamate: p.ros_from_glutamate,
                from_microglia: p.ros_from_microglia,
                clearance: p.ros_clearance_rate,
            },
            glia: GliaRates {
                microglia_activation: p.microglia_activation_rate,
                damage_weight: p.microglia_damage_weight,
                microglia_resolution: p.microglia_resolution_rate,
                astrocyte_activation: p.astrocyte_activation_rate,
                astrocyte_aggregate_weight: p.astrocyte_aggregate_weight,
                astrocyte_resolution: p.astrocyte_resolution_rate,
            },
            glu: GlutamateRates {
                release_gain: p.glutamate_release_gain,
                eaat2_loss_max: p.eaat2_loss_max,
            },
            hazard: HazardRates {
                baseline: p.hazard_baseline,
                // SOD1 toxicity runs through the soluble species alone (no loss of function).
                soluble: p.hazard_soluble
                    * match covariates.genotype.proteinopathy() {
                        Proteinopathy::Sod1 => p.soluble_toxicity_sod1,
                        Proteinopathy::Tdp43 | Proteinopathy::Fus => 1.0,
                    },
                lof: p.hazard_lof,
                oxidative: p.hazard_oxidative,
                excitotoxic: p.hazard_excitotoxic,
                astrocyte: p.hazard_astrocyte,
                // Ageing motor neurons are less resilient: the drive runs at the age tempo too.
                vulnerability: p.neuronal_vulnerability * age_tempo,
                gradient: p.unit_vulnerability_gradient,
                floor: p.unit_vulnerability_floor,
                dysfunction_death: p.dysfunction_death_rate,
                recovery: p.dysfunction_recovery_rate,
            },
            reserve: Reserve::new(p.reinnervation_capacity, p.reserve_corner),
            grade: (p.unit_vulnerability_gradient.abs() > 1e-12
                && (p.unit_vulnerability_gradient - 1.0).abs() > 1e-12)
                .then(|| tables::Power::shared(p.unit_vulnerability_gradient)),
            pool_weights: Region::ALL.map(|r| p.pool_weight(r)),
            region_vulnerability: Region::ALL.map(|r| p.region_vulnerability(r)),
            nfl_release: p.nfl_release,
            nfl_elimination: std::f64::consts::LN_2 / p.nfl_half_life,
            nfl_healthy: biomarkers::nfl_healthy(
                p.nfl_baseline,
                p.nfl_age_rise,
                covariates.age_years,
            ),
            activity: None,
            params,
            covariates,
        })
    }

    /// The model with the patient's disease activity drawn from `rng` (its own stream):
    /// `activity_cv` and `activity_knot_months` set its size and time scale; with `activity_cv`
    /// 0 the activity stays constant and nothing is drawn.
    pub fn with_activity<R: rand::Rng + ?Sized>(mut self, rng: &mut R) -> Self {
        self.activity = Activity::draw(
            self.params.activity_cv,
            self.params.activity_knot_months,
            rng,
        );
        self
    }

    /// The patient's disease activity process at time `t` (months since initiation), 1 on
    /// average, before the onset gate ([`activity`]); constant 1 when activity is off.
    #[inline]
    pub fn activity_at(&self, t: f64) -> f64 {
        self.activity.as_ref().map_or(1.0, |a| a.at(t))
    }

    /// The disease activity in force at time `t` in state `y`: the multiplier of the whole
    /// damage drive, the process [`activity_at`](Self::activity_at) through the onset gate
    /// (none while every region has its full capacity, all of it from clinical onset on;
    /// [`activity::onset_gate`]).
    pub fn activity_in(&self, t: f64, y: &State) -> f64 {
        self.activity_with(t, &self.capacities(y))
    }

    /// [`activity_in`](Self::activity_in) from the regions' capacities.
    #[inline]
    fn activity_with(&self, t: f64, capacity: &[f64; N_REGIONS]) -> f64 {
        self.activity.as_ref().map_or(1.0, |a| {
            let weakest = events::weakest_capacity(capacity);
            a.gated(t, activity::onset_gate(weakest, self.params.onset_capacity))
        })
    }

    /// The parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The covariates.
    pub fn covariates(&self) -> &Covariates {
        &self.covariates
    }

    /// The reserve curve (neuron survival to motor capacity).
    pub fn reserve(&self) -> &Reserve {
        &self.reserve
    }

    /// Healthy serum NfL for this patient's age, pg/mL.
    pub fn nfl_healthy(&self) -> f64 {
        self.nfl_healthy
    }

    /// The state at disease initiation: healthy everywhere, an aggregate nucleus in the onset
    /// region, serum NfL at the steady state of age-related motor-neuron loss.
    pub fn initial_state(&self) -> State {
        let mut y = State::zeros();
        for r in Region::ALL {
            y[r.neurons()] = 1.0;
        }
        y[self.covariates.onset_region.aggregate()] = self.params.agg_initial_seed;
        // NfL starts at the steady state of baseline (ageing) loss: F_0 + ν · h_0 / k_el.
        y[GlobalVar::Nfl.idx()] =
            self.nfl_healthy + self.nfl_release * self.hazard.baseline / self.nfl_elimination;
        y
    }

    /// Damage drive of a region for a given state (the rate at which functional units fail),
    /// 1/month, plus the damage-independent hazard of ageing: the drive at disease activity 1
    /// and without the metabolic factor, which the right-hand side multiplies in; the region's
    /// susceptibility (`bulbar_vulnerability` to `lumbar_vulnerability`) is included.
    pub fn hazard(&self, y: &State, region: Region, m: &Modulation) -> f64 {
        self.hazard.baseline
            + self.region_vulnerability[region.index()]
                * neurons::drive(
                    &self.hazard,
                    &self.damage(y, region, m),
                    m.death_hazard,
                    m.excitotoxic_sensitivity,
                )
    }

    /// The terms of a region's damage drive by mechanism ([`neurons::MECHANISMS`]), 1/month.
    pub fn drive_terms(&self, y: &State, region: Region, m: &Modulation) -> [f64; 5] {
        let factor = self.region_vulnerability[region.index()];
        neurons::contributions(
            &self.hazard,
            &self.damage(y, region, m),
            m.excitotoxic_sensitivity,
        )
        .map(|term| factor * term)
    }

    /// The mechanism ([`neurons::MECHANISMS`] index) with the largest share of the damage drive
    /// summed over the regions, untreated: which process drives this patient's disease now.
    pub fn dominant_mechanism(&self, y: &State) -> usize {
        let mut total = [0.0; 5];
        for region in Region::ALL {
            let terms = self.drive_terms(y, region, &Modulation::NEUTRAL);
            for (t, x) in total.iter_mut().zip(terms) {
                *t += x;
            }
        }
        (0..total.len())
            .max_by(|&a, &b| total[a].total_cmp(&total[b]))
            .unwrap_or(0)
    }

    /// Extracellular glutamate in a region relative to healthy tissue (algebraic: the balance
    /// of release and uptake, see [`excitotoxicity`]).
    #[inline]
    pub fn glutamate(&self, y: &State, region: Region, m: &Modulation) -> f64 {
        excitotoxicity::level(
            &self.glu,
            y[region.aggregate()],
            y[region.idx(RegionVar::Astrocytes)],
            m.glutamate_release,
            m.glutamate_uptake,
        )
    }

    /// Soluble misfolded protein in a region (algebraic: the balance of templated production
    /// and fast turnover, see [`aggregation`]).
    #[inline]
    pub fn soluble(&self, y: &State, region: Region, m: &Modulation) -> f64 {
        self.soluble_with(y, region, m, self.oxidative(y, region, m))
    }

    /// The soluble species given the region's excess ROS `ros`.
    #[inline]
    fn soluble_with(&self, y: &State, region: Region, m: &Modulation, ros: f64) -> f64 {
        let t = aggregation::templates(
            &self.agg,
            region.index(),
            &Self::aggregates(y),
            &self.exports(y),
        );
        aggregation::soluble(&self.agg, t, ros, m.synthesis)
    }

    /// Excess reactive oxygen species in a region (algebraic: the balance of production and
    /// clearance, see [`oxidative`]).
    #[inline]
    pub fn oxidative(&self, y: &State, region: Region, m: &Modulation) -> f64 {
        let excess = excitotoxicity::excess(self.glutamate(y, region, m));
        self.oxidative_with(y, region, m, excess)
    }

    /// Rate, 1/month, at which excess ROS relaxes to its quasi-steady level under `m`: the
    /// decay rate of the boundary layer after a breakpoint (docs/MODEL.md, section 4.3).
    pub fn ros_relaxation_rate(&self, m: &Modulation) -> f64 {
        oxidative::relaxation_rate(&self.ox, m.ros_clearance)
    }

    /// Excess ROS given the region's excess glutamate `excess`.
    #[inline]
    fn oxidative_with(&self, y: &State, region: Region, m: &Modulation, excess: f64) -> f64 {
        oxidative::level(
            &self.ox,
            y[region.aggregate()],
            excess,
            y[region.idx(RegionVar::Microglia)],
            m.ros_production,
            m.ros_clearance,
        )
    }

    #[inline]
    fn aggregates(y: &State) -> [f64; N_REGIONS] {
        Region::ALL.map(|r| y[r.aggregate()])
    }

    /// Seed export of each region: aggregate leaves a region with its degenerating motor
    /// neurons (the fraction lost, or the units failing now; [`aggregation::export`]).
    #[inline]
    fn exports(&self, y: &State) -> [f64; N_REGIONS] {
        Region::ALL.map(|r| aggregation::export(&self.agg, y[r.neurons()], y[r.dysfunctional()]))
    }

    /// The quantities reported per region, region blocks of
    /// [`REGION_REPORTED_ORDER`](layout::REGION_REPORTED_ORDER): the regional states and the
    /// algebraic levels (excess ROS, glutamate, the soluble species).
    pub fn regional_report(&self, y: &State, m: &Modulation) -> [f64; N_REGIONS * REGION_REPORTED] {
        self.regional_report_lagged(y, m, &[0.0; N_REGIONS])
    }

    /// [`regional_report`](Self::regional_report) within the boundary layer of excess ROS after
    /// a breakpoint (`lag` per region, as [`Solution::ros_lag_at`](crate::solve::Solution::ros_lag_at)
    /// gives it): excess ROS and the soluble species it feeds as the integration saw them.
    pub fn regional_report_lagged(
        &self,
        y: &State,
        m: &Modulation,
        lag: &[f64; N_REGIONS],
    ) -> [f64; N_REGIONS * REGION_REPORTED] {
        std::array::from_fn(|i| {
            let region = Region::ALL[i / REGION_REPORTED];
            match layout::REGION_REPORTED_ORDER[i % REGION_REPORTED] {
                Reported::State(var) => y[region.idx(var)],
                Reported::Oxidative => self.oxidative_lagged(y, region, m, lag[region.index()]),
                Reported::Glutamate => self.glutamate(y, region, m),
                Reported::Soluble => self.soluble_with(
                    y,
                    region,
                    m,
                    self.oxidative_lagged(y, region, m, lag[region.index()]),
                ),
            }
        })
    }

    /// Excess ROS in a region within the boundary layer of a breakpoint: its quasi-steady level
    /// plus the unrelaxed part `lag` of the jump (see [`oxidative::with_lag`]).
    pub fn oxidative_lagged(&self, y: &State, region: Region, m: &Modulation, lag: f64) -> f64 {
        oxidative::with_lag(self.oxidative(y, region, m), lag)
    }

    #[inline]
    fn damage(&self, y: &State, region: Region, m: &Modulation) -> Damage {
        // Each algebraic level once: glutamate feeds ROS, ROS feeds the soluble species.
        let excess_glutamate = excitotoxicity::excess(self.glutamate(y, region, m));
        let oxidative = self.oxidative_with(y, region, m, excess_glutamate);
        Damage {
            soluble: self.soluble_with(y, region, m, oxidative),
            lof: self.agg.loss_of_function * y[region.aggregate()],
            oxidative,
            excess_glutamate,
            astrocytes: y[region.idx(RegionVar::Astrocytes)],
        }
    }

    /// The right-hand side `dy/dt = f(t, y)` under the modulation `m` in force at `t`.
    ///
    /// Time enters through the patient's disease activity, smooth in `t`, and through the
    /// modulation, whose breakpoints the solver handles by integrating piecewise.
    pub fn rhs(&self, t: f64, y: &State, dy: &mut State, m: &Modulation) {
        self.rhs_with::<false>(t, y, dy, m, &[0.0; N_REGIONS]);
    }

    /// [`rhs`](Self::rhs) within the boundary layer of excess ROS after a breakpoint: `lag` is
    /// the part of each region's jump of level not yet relaxed, added to its quasi-steady level
    /// (docs/MODEL.md, section 4.3).
    pub fn rhs_lagged(
        &self,
        t: f64,
        y: &State,
        dy: &mut State,
        m: &Modulation,
        lag: &[f64; N_REGIONS],
    ) {
        self.rhs_with::<true>(t, y, dy, m, lag);
    }

    /// The right-hand side, with the ROS boundary layer `lag` added when `LAG`.
    #[inline(always)]
    fn rhs_with<const LAG: bool>(
        &self,
        t: f64,
        y: &State,
        dy: &mut State,
        m: &Modulation,
        lag: &[f64; N_REGIONS],
    ) {
        // Each region's motor capacity, computed once: the reserve curve is the costliest part of
        // an evaluation.
        let capacity = self.capacities(y);
        // Disease activity scales the whole drive, like the energy deficit below.
        let metabolic = self.activity_with(t, &capacity)
            * oxidative::metabolic_stress(
                self.params.metabolic_stress_gain * m.metabolic_stress,
                capacity[Region::Bulbar.index()],
            );
        let mut weighted_damage = 0.0;
        let aggregates = Self::aggregates(y);
        let exports = self.exports(y);
        for region in Region::ALL {
            let n = y[region.neurons()];
            let dys = y[region.dysfunctional()];
            let a = y[region.aggregate()];
            let mg = y[region.idx(RegionVar::Microglia)];
            let astro = y[region.idx(RegionVar::Astrocytes)];
            let glu =
                excitotoxicity::level(&self.glu, a, astro, m.glutamate_release, m.glutamate_uptake);
            let excess = excitotoxicity::excess(glu);
            let level =
                oxidative::level(&self.ox, a, excess, mg, m.ros_production, m.ros_clearance);
            let ros = if LAG {
                oxidative::with_lag(level, lag[region.index()])
            } else {
                level
            };
            let templates =
                aggregation::templates(&self.agg, region.index(), &aggregates, &exports);
            let soluble = aggregation::soluble(&self.agg, templates, ros, m.synthesis);

            let damage = Damage {
                soluble,
                lof: self.agg.loss_of_function * a,
                oxidative: ros,
                excess_glutamate: excess,
                astrocytes: astro,
            };
            // Dysphagia, weight loss and hypermetabolism deepen the energy deficit of every
            // motor neuron: the whole drive grows as bulbar function is lost.
            let phi = metabolic
                * self.region_vulnerability[region.index()]
                * neurons::drive(
                    &self.hazard,
                    &damage,
                    m.death_hazard,
                    m.excitotoxic_sensitivity,
                );
            let grade = neurons::floored(
                match &self.grade {
                    Some(power) => power.eval(n.max(0.0)),
                    None => neurons::graded(n, self.hazard.gradient),
                },
                self.hazard.floor,
            );
            let (d_alive, d_dys, failing) =
                neurons::rates_graded(&self.hazard, grade, n, dys, phi, m.unit_recovery);
            dy[region.neurons()] = d_alive;
            dy[region.dysfunctional()] = d_dys;
            // Microglia sense unit failure and death (debris, damage signals).
            let loss = failing - d_alive;
            dy[region.aggregate()] =
                aggregation::rate(&self.agg, a, soluble, m.aggregate_clearance);
            dy[region.idx(RegionVar::Microglia)] =
                glia::microglia_rate(&self.glia, mg, a, loss, m.microglial_activation);
            dy[region.idx(RegionVar::Astrocytes)] =
                glia::astrocyte_rate(&self.glia, astro, mg, a, m.astrocyte_reactivity);
            // Axonal damage: units failing (dying back), each carrying the axonal arbor it has
            // grown by reinnervation (capacity / functional fraction), and the ageing loss.
            let functional = (n - dys).max(0.0);
            let arbor = if functional > 1e-12 {
                capacity[region.index()] / functional
            } else {
                1.0
            };
            weighted_damage +=
                self.pool_weights[region.index()] * (failing * arbor + self.hazard.baseline * n);
        }
        let nfl = GlobalVar::Nfl.idx();
        dy[nfl] = biomarkers::nfl_rate(
            self.nfl_release,
            weighted_damage,
            self.nfl_elimination,
            y[nfl],
            self.nfl_healthy,
        );
    }

    /// Functional (alive and working) fraction of a region's motor units.
    #[inline]
    pub fn functional(&self, y: &State, region: Region) -> f64 {
        (y[region.neurons()] - y[region.dysfunctional()]).max(0.0)
    }

    /// Motor capacity of each region.
    pub fn capacities(&self, y: &State) -> [f64; N_REGIONS] {
        Region::ALL.map(|r| self.reserve.capacity(self.functional(y, r)))
    }

    /// All clinical readouts of a state (latent, noise-free).
    pub fn readout(&self, y: &State) -> Readout {
        Readout::from_state(self, y)
    }
}
