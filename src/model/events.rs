//! Clinical events as zero crossings of functions of the state.
//!
//! Each event is the first time its function `g(y)` falls to zero. Every function below depends
//! on the state through the functional motor units (alive and not dysfunctional), which fall
//! while the damage drive holds; with constant disease activity and no therapy the functions
//! therefore only fall, and each event happens once. The solver locates the first crossing inside
//! a solver step on the continuous output (bracketed false position with bisection as the
//! safeguard).
//!
//! | event | function `g(y)` | meaning |
//! |---|---|---|
//! | clinical onset | `min_r C_r − onset_capacity` | first noticed weakness in any region |
//! | second region | second smallest of the King's involvement margins | a second King's region (bulbar, upper limb, lower limb) clinically involved: King's stage 2 |
//! | third region | largest of the King's involvement margins | all three King's regions involved: King's stage 3 |
//! | gastrostomy | `x_swallowing − gastrostomy_swallowing` | dietary consistency changes (King's 4A) |
//! | NIV | `FVC − niv_fvc` | non-invasive ventilation indicated (King's 4B) |
//! | death | `min(FVC − death_fvc, max((C_bulbar − airway_failure_capacity) · fvc_healthy, FVC − airway_failure_fvc))` | death or permanent ventilation (end of tracheostomy-free survival): respiratory failure, or loss of airway protection (aspiration) once FVC is at or below `airway_failure_fvc` |
//! | recognition | `x_total − (48 − diagnosis_recognition_loss)` | loss of function at which the disease is recognised whatever the referral path |
//! | examination | `x_total − (48 − diagnosis_examination_loss)` | loss of function a neurologist needs to see to make the diagnosis at the end of the referral delay (located only when that loss is above 0) |
//!
//! Diagnosis is the earlier of recognition and the end of the patient's referral delay (onset
//! plus the drawn diagnostic delay), the latter no earlier than the examination event: faster
//! disease reaches the recognised loss sooner, so it is diagnosed sooner, and a referral that
//! ends before any deficit can be shown waits for one.
//!
//! Dysfunctional motor units recover when the damage drive falls (a therapy, or a lull of
//! disease activity), so these functions can rise again; each event is the first crossing.

use super::alsfrs;
use super::layout::{N_REGIONS, Region, State};
use super::{Modulation, PatientModel, readout, staging};

/// Clinical events located by the solver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Event {
    /// First symptom (clinical onset).
    Onset,
    /// A second King's region involved (King's stage 2).
    SecondRegion,
    /// All three King's regions involved (King's stage 3).
    ThirdRegion,
    /// Gastrostomy indicated.
    Gastrostomy,
    /// Non-invasive ventilation indicated.
    Niv,
    /// Death or permanent ventilation.
    Death,
    /// Loss of function at which the disease is recognised (bounds the diagnostic delay).
    Recognition,
    /// Loss of function a neurologist needs to see to diagnose at the end of the referral delay.
    Examination,
}

impl Event {
    /// The located events, in the order they normally occur.
    pub const ALL: [Event; 8] = [
        Event::Onset,
        Event::SecondRegion,
        Event::ThirdRegion,
        Event::Gastrostomy,
        Event::Niv,
        Event::Death,
        Event::Recognition,
        Event::Examination,
    ];

    /// Name used in tables.
    pub const fn name(self) -> &'static str {
        match self {
            Event::Onset => "onset",
            Event::SecondRegion => "second-region",
            Event::ThirdRegion => "third-region",
            Event::Gastrostomy => "gastrostomy",
            Event::Niv => "niv",
            Event::Death => "death",
            Event::Recognition => "recognition",
            Event::Examination => "examination",
        }
    }

    /// The event function of the untreated model: positive before the event, zero or negative
    /// from it on.
    pub fn function(self, model: &PatientModel, y: &State) -> f64 {
        self.function_under(model, y, &Modulation::NEUTRAL)
    }

    /// Whether the event function reads the modulation ([`Event::function_under`]): only death,
    /// whose respiratory threshold ventilatory support lowers. Every other event function is
    /// the same under any modulation, so a caller may evaluate it untreated.
    pub const fn reads_modulation(self) -> bool {
        matches!(self, Event::Death)
    }

    /// The event function under a modulation: ventilatory support
    /// ([`Modulation::respiratory_failure_fvc`]) lowers the FVC at which respiratory failure
    /// ends survival; every other event depends on the state alone.
    pub fn function_under(self, model: &PatientModel, y: &State, m: &Modulation) -> f64 {
        let p = model.params();
        let capacity: [f64; N_REGIONS] = model.capacities(y);
        match self {
            Event::Onset => weakest_capacity(&capacity) - p.onset_capacity,
            Event::SecondRegion | Event::ThirdRegion => {
                let items = readout::items(model, &capacity);
                let mut m = staging::involvement_margins(&items, p.item_detection_loss);
                m.sort_by(f64::total_cmp);
                if self == Event::SecondRegion {
                    m[1]
                } else {
                    m[2]
                }
            }
            Event::Gastrostomy => {
                let items = readout::items(model, &capacity);
                items[alsfrs::SWALLOWING] - p.gastrostomy_swallowing
            }
            Event::Niv => readout::fvc(model, &capacity) - p.niv_fvc,
            Event::Death => {
                // Respiratory failure or failure of airway protection, whichever comes first;
                // the airway term is scaled to FVC units so both read as "% to go".
                let fvc = readout::fvc(model, &capacity);
                let respiratory = fvc - p.death_fvc * m.respiratory_failure_fvc;
                // Aspiration is fatal once airway protection has failed and breathing is weak
                // enough for ventilatory support (an ineffective cough): both margins must close.
                let airway = ((capacity[Region::Bulbar.index()] - p.airway_failure_capacity)
                    * p.fvc_healthy)
                    .max(fvc - p.airway_failure_fvc);
                respiratory.min(airway)
            }
            Event::Recognition | Event::Examination => {
                let loss = if self == Event::Recognition {
                    p.diagnosis_recognition_loss
                } else {
                    p.diagnosis_examination_loss
                };
                let total: f64 = readout::items(model, &capacity).iter().sum();
                total - (48.0 - loss)
            }
        }
    }
}

/// The region that reaches the onset threshold first in a state (the clinical onset site).
pub fn weakest_region(model: &PatientModel, y: &State) -> Region {
    let c = model.capacities(y);
    Region::ALL
        .into_iter()
        .min_by(|a, b| c[a.index()].total_cmp(&c[b.index()]))
        .unwrap_or(Region::Bulbar)
}

/// The motor capacity of the weakest region: clinical onset comes when it reaches
/// `onset_capacity`, and the onset gate of disease activity reads it
/// ([`super::activity::onset_gate`]).
#[inline]
pub fn weakest_capacity(capacity: &[f64; N_REGIONS]) -> f64 {
    capacity.iter().copied().fold(f64::INFINITY, f64::min)
}
