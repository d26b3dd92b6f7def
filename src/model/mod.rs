//! The mechanistic ALS model: states, parameters, right-hand side and readouts.
//!
//! Time is in months from disease initiation (t = 0), when a small aggregate nucleus appears in
//! the onset region. Each of four regions along the neuraxis carries five states
//! ([`RegionVar`]) and an algebraic extracellular glutamate level (the balance of release and
//! uptake, [`excitotoxicity`]); serum NfL is global. The couplings:
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

pub use layout::{DIM, GlobalVar, N_REGIONS, REGION_REPORTED, Region, RegionVar, State};
pub use modulation::{Compensation, Direction, Modulation, ModulationLaw, Slot, Term, TermKind};
pub use params::{PARAMETERS, ParamError, ParamInfo, Params};
pub use patient::{Covariates, Genotype, Proteinopathy, Sex};
pub use readout::Readout;

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
    pool_weights: [f64; N_REGIONS],
    nfl_release: f64,
    nfl_elimination: f64,
    nfl_healthy: f64,
}

/// Parameters or covariates the model does not accept.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// A covariate out of range.
    #[error("invalid covariates: {0}")]
    Covariates(String),
    /// A rule between parameters broken.
    #[error("inconsistent parameters: {0}")]
    Parameters(String),
}

impl PatientModel {
    /// Builds the model of one patient, checking covariates and cross-parameter rules.
    pub fn new(params: Params, covariates: Covariates) -> Result<Self, ModelError> {
        covariates.check().map_err(ModelError::Covariates)?;
        params.check_consistency().map_err(ModelError::Parameters)?;
        let p = &params;
        let speed = covariates.genotype.growth_factor(p)
            * (p.age_proteostasis_decline * (covariates.age_years - 60.0)).exp();
        Ok(PatientModel {
            agg: AggregationRates {
                growth: p.agg_growth_rate * speed,
                seeding: p.agg_seed_rate * speed,
                clearance: p.agg_clearance_rate,
                ros_enhancement: p.agg_ros_enhancement,
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
                aggregate: p.hazard_aggregate,
                oxidative: p.hazard_oxidative,
                excitotoxic: p.hazard_excitotoxic,
                astrocyte: p.hazard_astrocyte,
                vulnerability: p.neuronal_vulnerability,
            },
            reserve: Reserve::new(p.reserve_half_survival, p.reserve_steepness),
            pool_weights: Region::ALL.map(|r| p.pool_weight(r)),
            nfl_release: p.nfl_release,
            nfl_elimination: std::f64::consts::LN_2 / p.nfl_half_life,
            nfl_healthy: biomarkers::nfl_healthy(
                p.nfl_baseline,
                p.nfl_age_rise,
                covariates.age_years,
            ),
            params,
            covariates,
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

    /// Death hazard of motor neurons in a region for a given state, 1/month.
    pub fn hazard(&self, y: &State, region: Region, m: &Modulation) -> f64 {
        neurons::hazard(
            &self.hazard,
            &self.damage(y, region, m),
            m.death_hazard,
            m.excitotoxic_sensitivity,
        )
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

    /// The quantities reported per region, region blocks of
    /// [`REGION_REPORTED_NAMES`](layout::REGION_REPORTED_NAMES): the regional states, then
    /// glutamate.
    pub fn regional_report(&self, y: &State, m: &Modulation) -> [f64; N_REGIONS * REGION_REPORTED] {
        std::array::from_fn(|i| {
            let region = Region::ALL[i / REGION_REPORTED];
            match RegionVar::ALL.get(i % REGION_REPORTED) {
                Some(&var) => y[region.idx(var)],
                None => self.glutamate(y, region, m),
            }
        })
    }

    #[inline]
    fn damage(&self, y: &State, region: Region, m: &Modulation) -> Damage {
        Damage {
            aggregate: y[region.aggregate()],
            oxidative: y[region.idx(RegionVar::Oxidative)],
            excess_glutamate: excitotoxicity::excess(self.glutamate(y, region, m)),
            astrocytes: y[region.idx(RegionVar::Astrocytes)],
        }
    }

    /// The right-hand side `dy/dt = f(t, y)` under a constant modulation.
    ///
    /// The model is autonomous: time enters only through breakpoints of the modulation, which
    /// the solver handles by integrating piecewise.
    pub fn rhs(&self, y: &State, dy: &mut State, m: &Modulation) {
        let bulbar_capacity = self.reserve.capacity(y[Region::Bulbar.neurons()]);
        let metabolic = oxidative::metabolic_stress(
            self.params.metabolic_stress_gain * m.metabolic_stress,
            bulbar_capacity,
        );
        let mut weighted_loss = 0.0;
        for region in Region::ALL {
            let n = y[region.neurons()];
            let a = y[region.aggregate()];
            let ros = y[region.idx(RegionVar::Oxidative)];
            let mg = y[region.idx(RegionVar::Microglia)];
            let astro = y[region.idx(RegionVar::Astrocytes)];
            let glu =
                excitotoxicity::level(&self.glu, a, astro, m.glutamate_release, m.glutamate_uptake);
            let excess = excitotoxicity::excess(glu);
            let seed_in: f64 = region.neighbours().iter().map(|nb| y[nb.aggregate()]).sum();

            let damage = Damage {
                aggregate: a,
                oxidative: ros,
                excess_glutamate: excess,
                astrocytes: astro,
            };
            let h = neurons::hazard(
                &self.hazard,
                &damage,
                m.death_hazard,
                m.excitotoxic_sensitivity,
            );
            let loss = h * n;
            dy[region.neurons()] = -loss;
            dy[region.aggregate()] = aggregation::rate(
                &self.agg,
                a,
                ros,
                seed_in,
                m.synthesis,
                m.aggregate_clearance,
            );
            dy[region.idx(RegionVar::Oxidative)] = oxidative::rate(
                &self.ox,
                ros,
                a,
                excess,
                mg,
                m.ros_production * metabolic,
                m.ros_clearance,
            );
            dy[region.idx(RegionVar::Microglia)] =
                glia::microglia_rate(&self.glia, mg, a, loss, m.microglial_activation);
            dy[region.idx(RegionVar::Astrocytes)] =
                glia::astrocyte_rate(&self.glia, astro, mg, a, m.astrocyte_reactivity);
            weighted_loss += self.pool_weights[region.index()] * loss;
        }
        let nfl = GlobalVar::Nfl.idx();
        dy[nfl] = biomarkers::nfl_rate(
            self.nfl_release,
            weighted_loss,
            self.nfl_elimination,
            y[nfl],
            self.nfl_healthy,
        );
    }

    /// Motor capacity of each region.
    pub fn capacities(&self, y: &State) -> [f64; N_REGIONS] {
        Region::ALL.map(|r| self.reserve.capacity(y[r.neurons()]))
    }

    /// All clinical readouts of a state (latent, noise-free).
    pub fn readout(&self, y: &State) -> Readout {
        Readout::from_state(self, y)
    }
}
