//! Therapies: drugs and supportive care acting on the model's mechanism targets.
//!
//! A drug (see [`Drug`]) acts on one or more [`Target`]s through an Emax function of its
//! tissue concentration; its [`Regimen`] turns the dosing schedule into effect levels on the
//! months scale; [`Resistance`] terms let the tissue compensate. [`plan::ArmPlan`] turns an
//! arm's therapies into a patient's [`crate::solve::Schedule`]. The model itself sees only
//! [`crate::model::Modulation`] factors. Equations and sources are in `docs/THERAPIES.md`.

pub mod drug;
pub mod library;
pub mod pk;
pub mod plan;
pub mod read;
pub mod spec;
pub mod write;

pub use drug::{Drug, Effect, Exposure, Mechanism, Regimen, Resistance, Status, Target, Trigger};
pub use plan::{ArmPlan, TriggerTimes};
pub use spec::{CycleMode, TherapySpec};
