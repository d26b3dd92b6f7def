//! A recorded run: the solver statistics and the clinical course of a small seeded cohort of the
//! bundled default scenario. Any change to the model, the solver settings or the sampling shows
//! up here as a snapshot difference; an intended change is accepted by updating the snapshot
//! (`INSTA_UPDATE=always cargo test --test snapshot`) after checking the figures it moves.
//!
//! Times are rounded to 0.001 month, so that differences far below the solver's tolerance (for
//! example a different `libm`) do not count; counts of solver steps and evaluations are exact.

use std::fmt::Write;

use alssim::cohort::{self, Outcome};
use alssim::scenario;
mod common;
use common::root;

#[test]
fn a_small_seeded_cohort_keeps_its_course_and_solver_statistics() {
    let path = root().join("scenarios/natural-history.toml");
    let s = common::sized(
        &scenario::load(&path).expect("the bundled default is valid"),
        24,
        None,
    );
    let spec = s.cohort_spec();
    let outcomes = cohort::run(&spec, 0..24, 1).expect("the engine starts");

    let month = |t: Option<f64>| t.map_or("-".to_string(), |t| format!("{t:.3}"));
    let mut text = String::new();
    let (mut rhs, mut accepted, mut rejected, mut pieces) = (0, 0, 0, 0);
    for (i, o) in outcomes.iter().enumerate() {
        let d = o.draw();
        let who = format!(
            "{i:2} {:?} {:?} age {:.1}",
            d.covariates.onset_region, d.covariates.genotype, d.covariates.age_years
        );
        match o {
            Outcome::Failed { error, .. } => writeln!(text, "{who}: failed: {error}").unwrap(),
            Outcome::ScreenFailed { reason, .. } => {
                writeln!(text, "{who}: screen failure {reason:?}").unwrap();
            }
            Outcome::Enrolled {
                enrollment, arms, ..
            } => {
                let c = &arms[0];
                rhs += c.stats.rhs_evaluations;
                accepted += c.stats.accepted_steps;
                rejected += c.stats.rejected_steps;
                pieces += c.stats.pieces;
                let totals: Vec<String> = c
                    .visits
                    .iter()
                    .map(|v| {
                        v.items
                            .iter()
                            .map(|&x| u32::from(x))
                            .sum::<u32>()
                            .to_string()
                    })
                    .collect();
                writeln!(
                    text,
                    "{who}: enrolled {:.3}, onset {}, second region {}, gastrostomy {}, NIV {}, \
                     death {}; evaluations {}; ALSFRS-R {}",
                    enrollment,
                    month(c.events.onset),
                    month(c.events.second_region),
                    month(c.events.gastrostomy),
                    month(c.events.niv),
                    month(c.events.death),
                    c.stats.rhs_evaluations,
                    totals.join(" ")
                )
                .unwrap();
            }
            other => panic!("an outcome this snapshot does not know: {other:?}"),
        }
    }
    writeln!(
        text,
        "solver: {rhs} evaluations, {accepted} accepted and {rejected} rejected steps, {pieces} pieces"
    )
    .unwrap();
    insta::assert_snapshot!(text);
}
