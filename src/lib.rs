//! alssim: a mechanistic disease-progression simulator for amyotrophic lateral sclerosis.
//!
//! Layers, with dependencies pointing one way:
//!
//! - [`model`]: states, parameters, right-hand side and clinical readouts of one patient;
//! - [`solve`]: integration with Dopri5, visits from the continuous output, located events;
//! - [`input`]: spanned TOML and diagnostics, shared by scenario and drug files;
//! - [`therapy`]: drugs, their regimens and the exposure plan of an arm;
//! - [`cohort`]: virtual populations and the parallel engine;
//! - [`scenario`]: scenario files, validation and the resolved view;
//! - [`calibrate`]: natural-history targets, validation and calibration;
//! - [`stats`]: survival and slope statistics (Kaplan-Meier, log-rank, Cox), checked against
//!   published worked examples;
//! - [`trial`]: virtual clinical trials run on the cohort engine;
//! - [`results`]: the files of a result folder as typed records (written and read through
//!   them) and the estimates the figures and the report show;
//! - [`report`]: figures, `report.html` and result folders (written whole or not at all).
//!
//! In short: model ← solve ← cohort ← scenario ← trial, results ← report ← cli.
//!
//! The equations are documented in each model module and, with every parameter's unit, default
//! and source, in `docs/MODEL.md`.

#![deny(clippy::float_cmp)]
#![warn(missing_docs)]

pub mod calibrate;
pub mod cohort;
pub mod input;
pub mod model;
pub mod report;
pub mod results;
pub mod scenario;
pub mod solve;
pub mod stats;
pub mod therapy;
pub mod trial;
