//! Clinical readouts of a model state: ALSFRS-R, vital capacity, biomarkers, stages.
//!
//! Vital capacity combines thoracic (diaphragm, intercostals) and bulbar (mouth seal, upper
//! airway, airway protection) capacity as a weighted geometric mean:
//! `FVC = fvc_healthy · C_thoracic^(1 − w_b) · C_bulbar^(w_b)` with `w_b = fvc_bulbar_weight`.
//! The geometric form lets failure of either component end tracheostomy-free survival; an
//! arithmetic mix would make respiratory death impossible while the bulbar region is intact.

use super::alsfrs::{self, N_ITEMS};
use super::layout::{GlobalVar, N_REGIONS, Region, RegionVar, State};
use super::staging::{self, KingsStage};
use super::{PatientModel, biomarkers};

/// Latent (noise-free) readouts of one state.
#[derive(Debug, Clone, PartialEq)]
pub struct Readout {
    /// Motor capacity per region, 0-1.
    pub capacity: [f64; N_REGIONS],
    /// Latent ALSFRS-R items, 0-4.
    pub items: [f64; N_ITEMS],
    /// Latent domain subscores, 0-12: bulbar, fine motor, gross motor, respiratory.
    pub domains: [f64; 4],
    /// Latent ALSFRS-R total, 0-48.
    pub total: f64,
    /// Forced vital capacity, % predicted.
    pub fvc: f64,
    /// Serum neurofilament light, pg/mL.
    pub nfl: f64,
    /// Plasma GFAP, pg/mL.
    pub gfap: f64,
    /// Whether gastrostomy is indicated (swallowing item at or below its threshold).
    pub gastrostomy: bool,
    /// Whether non-invasive ventilation is indicated (FVC at or below its threshold).
    pub niv: bool,
    /// Whether tracheostomy-free survival has ended on the untreated course (FVC at or below the
    /// terminal threshold, or bulbar capacity at or below the airway-failure threshold with FVC
    /// at or below `airway_failure_fvc`), as the death event.
    pub dead: bool,
    /// King's stage.
    pub kings: KingsStage,
    /// MiToS stage, 0-5.
    pub mitos: u8,
}

impl Readout {
    /// Computes every readout of a state.
    pub fn from_state(model: &PatientModel, y: &State) -> Readout {
        let p = model.params();
        let capacity = model.capacities(y);
        let fvc = fvc(model, &capacity);
        let items =
            alsfrs::latent_items(&capacity, fvc / p.fvc_healthy, p.breathlessness_sensitivity);
        let domains = alsfrs::domains(&items);
        let weighted_reactivity: f64 = Region::ALL
            .iter()
            .map(|&r| p.pool_weight(r) * y[r.idx(RegionVar::Astrocytes)])
            .sum();
        let gastrostomy = items[alsfrs::SWALLOWING] <= p.gastrostomy_swallowing;
        let niv = fvc <= p.niv_fvc;
        // As the death event of the untreated model: respiratory failure, or failed airway
        // protection once breathing is weak enough that a cough cannot clear aspiration.
        let dead = fvc <= p.death_fvc
            || (capacity[Region::Bulbar.index()] <= p.airway_failure_capacity
                && fvc <= p.airway_failure_fvc);
        Readout {
            capacity,
            items,
            domains,
            total: domains.iter().sum(),
            fvc,
            nfl: y[GlobalVar::Nfl.idx()],
            gfap: biomarkers::gfap(p.gfap_baseline, p.gfap_gain, weighted_reactivity),
            gastrostomy,
            niv,
            dead,
            kings: staging::kings(&items, p.item_detection_loss, gastrostomy, niv, dead),
            mitos: staging::mitos(&items, dead),
        }
    }
}

/// Latent ALSFRS-R items of regional capacities (the respiratory items read FVC).
pub fn items(model: &PatientModel, capacity: &[f64; N_REGIONS]) -> [f64; N_ITEMS] {
    let p = model.params();
    alsfrs::latent_items(
        capacity,
        fvc(model, capacity) / p.fvc_healthy,
        p.breathlessness_sensitivity,
    )
}

/// Forced vital capacity (% predicted) from regional capacities.
pub fn fvc(model: &PatientModel, capacity: &[f64; N_REGIONS]) -> f64 {
    let p = model.params();
    let w = p.fvc_bulbar_weight;
    p.fvc_healthy
        * capacity[Region::Thoracic.index()].powf(1.0 - w)
        * capacity[Region::Bulbar.index()].powf(w)
}
