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
//! - [`report`]: figures, `report.html` and result folders (written whole or not at all);
//! - [`serve`]: the what-if explorer, a local web page and its JSON API.
//!
//! In short: model ← solve ← cohort ← scenario ← trial, results ← report ← cli.
//!
//! The equations are documented in each model module and, with every parameter's unit, default
//! and source, in `docs/MODEL.md`.
//!
//! # Quick start
//!
//! Parse a scenario, simulate the same virtual patients in two arms, read the per-visit
//! summary that `summary.csv` holds (here the median rated ALSFRS-R a year after enrollment),
//! and the median survival of each arm (death or permanent ventilation after enrollment,
//! Kaplan-Meier):
//!
//! ```
//! use alssim::cohort::summary::Variable;
//! use alssim::cohort::{self, CohortSummary, Outcome};
//! use alssim::results::summary::summary_rows;
//! use alssim::stats::km::KaplanMeier;
//!
//! let text = r#"
//! [simulation]
//! horizon-months = 60
//!
//! [population]
//! seed = 7
//! enrollment = { at = "diagnosis" }
//!
//! [[arm]]
//! name = "untreated"
//!
//! [[arm]]
//! name = "riluzole"
//! therapies = [{ drug = "riluzole" }]
//! "#;
//! let scenario = alssim::scenario::parse("quick.toml", "quick", text)?;
//! let spec = scenario.cohort_spec();
//! let outcomes = cohort::run(&spec, 0..100, 2)?;
//!
//! // The summary merges exactly, in any order: the same numbers for any thread count.
//! let mut summary = CohortSummary::new(&spec);
//! for o in &outcomes {
//!     summary.add(o);
//! }
//! for row in summary_rows(&summary, &spec)
//!     .iter()
//!     .filter(|r| r.variable == Variable::AlsfrsR.name() && (r.month - 12.0).abs() < 1e-9)
//! {
//!     println!("{}: median ALSFRS-R at month 12 {:?} ({} alive)", row.arm, row.median, row.n_at_risk);
//!     assert!(row.median.is_some_and(|m| (0.0..=48.0).contains(&m)));
//! }
//!
//! for (k, arm) in scenario.arms().iter().enumerate() {
//!     // Months from enrollment to death or the end of follow-up, and whether death was seen.
//!     let (times, died): (Vec<f64>, Vec<bool>) = outcomes
//!         .iter()
//!         .filter_map(|o| match o {
//!             Outcome::Enrolled { arms, .. } => Some(&arms[k]),
//!             _ => None,
//!         })
//!         .map(|c| {
//!             let death = c.events.death.filter(|&d| d <= c.follow_up_end);
//!             (death.unwrap_or(c.follow_up_end) - c.origin, death.is_some())
//!         })
//!         .unzip();
//!     let km = KaplanMeier::fit(&times, &died).expect("enrolled patients");
//!     println!("{}: {} patients, median {:?} months", arm.name, km.n(), km.median());
//!     assert!(km.n() > 50);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The command line (`alssim run`, `alssim trial`, ...) does the same from a scenario file and
//! writes the tables, figures and `report.html` of `docs/OUTPUTS.md`.
//!
//! # The public surface
//!
//! What a program that depends on alssim needs, by task; everything else public is the
//! building blocks these are made of, documented where it is:
//!
//! | task | entry points |
//! |---|---|
//! | read a scenario | [`scenario::load`], [`scenario::parse`] (errors carry file, line and key), [`scenario::whatif::whatif`] for arms written as `drug+drug` |
//! | change it when running | [`scenario::Scenario::with_overrides`] with [`scenario::Overrides`] (seed, patients, failed fraction, parameters; checked again) |
//! | run a cohort | [`scenario::Scenario::cohort_spec`], then [`cohort::run`] (outcomes in memory) or [`cohort::run_chunks`] (bounded memory) |
//! | the tables of a run | [`report::tables::run_tables`] (`summary.csv`, `patients.csv`, trajectories, in memory), [`report::run::run_scenario`] (a result folder) |
//! | one patient | [`model::PatientModel`] with [`model::Params`] and [`model::Covariates`], integrated by [`solve::simulate`]; [`report::patient_table::simulate_one`] is `alssim simulate` |
//! | a virtual trial | [`trial::run_trial`] with the scenario's [`scenario::Scenario::trial`] design |
//! | statistics | [`stats`]: Kaplan-Meier, log-rank, Cox, ANCOVA, mixed models, checked against published worked examples |
//! | validation | [`calibrate::validate`]: the natural-history targets of `alssim validate` |
//!
//! Identifiers are enums, not strings: [`model::Param`] (every model parameter, generated from
//! the parameter registry), [`model::Region`], [`cohort::summary::Variable`], and the metrics of
//! [`calibrate::metrics`]. Validated types ([`scenario::Scenario`], [`cohort::CohortSpec`])
//! are made only by the readers that check them and are read through accessors. Enums of sets
//! that may grow (events, genotypes, outcomes, drug regimens and mechanisms, errors) are
//! `#[non_exhaustive]`; closed sets (the four regions, sex, King's stages, the ALSFRS-R
//! domains) are not, so a match over them is checked to be complete. Each layer has its own
//! error type with structured variants, so a caller can tell a bad scenario
//! ([`scenario::ScenarioError`]) from a failed patient ([`solve::SolveError`], reported in
//! [`cohort::Outcome::Failed`]) from a failed write ([`report::run::RunError`]).

#![deny(clippy::float_cmp)]
#![warn(missing_docs)]

pub mod calibrate;
pub mod cohort;
pub mod input;
pub mod model;
pub mod report;
pub mod results;
pub mod scenario;
pub mod serve;
pub mod solve;
pub mod stats;
pub mod therapy;
pub mod trial;
