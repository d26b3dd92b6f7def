//! Disease activity within a patient (docs/MODEL.md, section 4.6): a function of the patient
//! and of absolute time, drawn from a stream of its own, acting from clinical onset on.

use alssim::cohort::{self, Outcome};
use alssim::model::{Covariates, Modulation, Params, PatientModel};
use alssim::scenario;
use alssim::solve::{Schedule, SolverOptions, simulate};
use rand::SeedableRng;

fn with_activity(cv: f64) -> PatientModel {
    let mut p = Params::default();
    p.set("activity_cv", cv).unwrap();
    p.set("activity_knot_months", 6.0).unwrap();
    PatientModel::new(p, Covariates::default())
        .unwrap()
        .with_activity(&mut rand::rngs::ChaCha8Rng::seed_from_u64(4))
}

#[test]
fn breakpoints_that_change_nothing_do_not_restart_the_activity() {
    // Activity is read at absolute time: a course cut into pieces sees the same activity as one
    // integrated in a single piece, so the two agree to the solver's tolerance.
    let model = with_activity(0.8);
    let tight = SolverOptions {
        rtol: 1e-9,
        atol: 1e-12,
        ..SolverOptions::default()
    };
    let one = simulate(&model, &Schedule::untreated(), &tight).unwrap();
    let phases = (0..12)
        .map(|k| (f64::from(k) * 7.0, Modulation::NEUTRAL))
        .collect();
    let many = simulate(&model, &Schedule::from_phases(phases).unwrap(), &tight).unwrap();
    assert_eq!(many.stats().pieces, 12);
    let (d1, d2) = (one.events().death.unwrap(), many.events().death.unwrap());
    assert!((d1 - d2).abs() < 1e-5, "{d1} vs {d2}");
    // And the activity did act: the same patient without it dies at another time.
    let still = simulate(
        &PatientModel::new(model.params().clone(), Covariates::default()).unwrap(),
        &Schedule::untreated(),
        &tight,
    )
    .unwrap();
    assert!((still.events().death.unwrap() - d1).abs() > 0.5);
}

#[test]
fn activity_follows_its_spline_over_the_course() {
    let model = with_activity(0.8);
    let values: Vec<f64> = (0..200).map(|k| model.activity_at(f64::from(k))).collect();
    assert!(values.iter().all(|a| a.is_finite() && *a > 0.0));
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, 0.0_f64), |(l, h), &a| (l.min(a), h.max(a)));
    assert!(lo < 0.7 && hi > 1.4, "varies: {lo} to {hi}");
    // Off, it is exactly 1.
    let off = PatientModel::new(Params::default(), Covariates::default()).unwrap();
    assert!((0..50).all(|k| off.activity_at(f64::from(k)).to_bits() == 1.0_f64.to_bits()));
}

const SCENARIO: &str = r#"
[scenario]
name = "activity"
[simulation]
horizon-months = 60
[population]
size = 40
seed = 3
[model]
activity_cv = 0.8
[[arm]]
name = "untreated"
"#;

fn outcomes(text: &str, threads: usize) -> Vec<Outcome> {
    let s = scenario::parse("a.toml", "a", text).unwrap();
    cohort::run(&s.cohort_spec(), 0..40, threads).unwrap()
}

fn death(o: &Outcome) -> Option<f64> {
    match o {
        Outcome::Enrolled { arms, .. } => arms[0].events.death,
        _ => None,
    }
}

#[test]
fn a_cohort_with_activity_is_the_same_for_any_thread_count_and_draws_the_same_patients() {
    let one = outcomes(SCENARIO, 1);
    let two = outcomes(SCENARIO, 2);
    let bits = |v: &[Outcome]| -> Vec<Option<u64>> {
        v.iter().map(|o| death(o).map(f64::to_bits)).collect()
    };
    assert_eq!(bits(&one), bits(&two));
    // Activity has a stream of its own: turned off, every patient has the same covariates and
    // parameters (but activity), and most die at other times. (The engine records the realised
    // diagnostic delay in the covariates, and that depends on the course.)
    let off = outcomes(&SCENARIO.replace("activity_cv = 0.8", "activity_cv = 0"), 1);
    let mut moved = 0;
    for (a, b) in one.iter().zip(&off) {
        let (ca, cb) = (&a.draw().covariates, &b.draw().covariates);
        assert_eq!(
            (ca.age_years.to_bits(), ca.sex, ca.onset_region, ca.genotype),
            (cb.age_years.to_bits(), cb.sex, cb.onset_region, cb.genotype)
        );
        let mut pa = a.draw().params.clone();
        pa.set("activity_cv", 0.0).unwrap();
        assert_eq!(pa, b.draw().params);
        if let (Some(x), Some(y)) = (death(a), death(b))
            && (x - y).abs() > 0.1
        {
            moved += 1;
        }
    }
    assert!(moved > 10, "{moved} of 40 moved");
}

#[test]
fn activity_acts_from_clinical_onset() {
    // Before onset, while every region keeps its capacity, the course is that of constant
    // activity; from onset the drive follows the activity process.
    let model = with_activity(0.8);
    let still = PatientModel::new(model.params().clone(), Covariates::default()).unwrap();
    let options = SolverOptions::default();
    let on = simulate(&model, &Schedule::untreated(), &options).unwrap();
    let off = simulate(&still, &Schedule::untreated(), &options).unwrap();
    let (onset_on, onset_off) = (on.events().onset.unwrap(), off.events().onset.unwrap());
    let early = 0.5 * onset_off;
    let (a, b) = (on.state_at(early).unwrap(), off.state_at(early).unwrap());
    assert!(
        a.iter()
            .zip(b.iter())
            .all(|(x, y)| (x - y).abs() <= 1e-9 * y.abs().max(1e-6)),
        "the presymptomatic course moved"
    );
    assert!((model.activity_in(early, &a) - 1.0).abs() < 1e-9);
    assert!(
        (onset_on - onset_off).abs() < 0.5,
        "{onset_on} vs {onset_off}"
    );
    // From onset on, the activity in force is the process itself.
    let after = onset_on + 6.0;
    let y = on.state_at(after).unwrap();
    assert_eq!(
        model.activity_in(after, &y).to_bits(),
        model.activity_at(after).to_bits()
    );
    assert!((on.events().death.unwrap() - off.events().death.unwrap()).abs() > 0.5);
}
