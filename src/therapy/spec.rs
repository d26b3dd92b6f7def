//! The therapies of an arm as a scenario gives them: which drug, from when to when, at what
//! dose and adherence, and how its cycles are integrated.

use super::drug::{Drug, Trigger};
use super::pk::Food;

/// How a cyclic regimen is integrated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CycleMode {
    /// One phase per regimen change with the cycle's time-averaged effect (fast; exact for
    /// cycles much shorter than the disease's time scale).
    #[default]
    Averaged,
    /// A breakpoint at every switch between dosing and rest days.
    Resolved,
}

impl CycleMode {
    /// Name in scenario files.
    pub const fn name(self) -> &'static str {
        match self {
            CycleMode::Averaged => "averaged",
            CycleMode::Resolved => "resolved",
        }
    }
}

/// One therapy of an arm.
#[derive(Debug, Clone, PartialEq)]
pub struct TherapySpec {
    /// Drug name (library or scenario).
    pub drug: String,
    /// The drug's definition, with the scenario's overrides applied.
    pub definition: Drug,
    /// Start, months after enrollment.
    pub start_months: f64,
    /// Stop, months after enrollment (`None`: never).
    pub stop_months: Option<f64>,
    /// Dose level relative to the standard dose (from the start until the first dose change).
    pub dose: f64,
    /// Dose changes: `(months after the therapy's start, new dose)`, increasing in time
    /// (continuous and cyclic regimens).
    pub dose_changes: Vec<(f64, f64)>,
    /// Fraction of doses taken: the mean exposure over the months scale is scaled by it
    /// (missed doses lower the average level; one missed dose of a drug cleared within hours
    /// or days changes nothing else on that scale).
    pub adherence: f64,
    /// Taken with food or fasting (scales exposure by the drug's `fed-exposure`).
    pub food: Food,
    /// Clinical event that starts the therapy (from the drug unless the scenario overrides).
    pub trigger: Option<Trigger>,
    /// How a cyclic regimen is integrated.
    pub cycles: CycleMode,
    /// Drug holidays: `(months on, months off)`, repeated from the start.
    pub holidays: Option<(f64, f64)>,
}

impl TherapySpec {
    /// The factor on the drug's standard exposure from the therapy's dose and food: `dose`,
    /// times the drug's `fed-exposure` when taken with food. (Adherence is applied with it
    /// where the concentration is computed.)
    pub fn exposure_scale(&self) -> f64 {
        let fed = match self.food {
            Food::Fasted => 1.0,
            Food::Fed => self
                .definition
                .exposure
                .as_ref()
                .and_then(|e| e.pk.as_ref())
                .and_then(|p| p.fed_exposure)
                .unwrap_or(1.0),
        };
        self.dose * fed
    }

    /// The drug at its standard dose from enrollment on, with full adherence.
    pub fn new(definition: Drug) -> TherapySpec {
        TherapySpec {
            drug: definition.name.clone(),
            trigger: definition.trigger,
            definition,
            start_months: 0.0,
            stop_months: None,
            dose: 1.0,
            dose_changes: Vec::new(),
            adherence: 1.0,
            food: Food::Fasted,
            cycles: CycleMode::Averaged,
            holidays: None,
        }
    }
}
