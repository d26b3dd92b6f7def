//! One virtual patient from disease initiation to death, with monthly visits.
//!
//! Run with `cargo bench --bench patient`. The README records the figures.

use alssim::model::{Covariates, Modulation, Params, PatientModel, Region, State};
use alssim::solve::{Schedule, SolverOptions, simulate};
use divan::black_box;

fn main() {
    divan::main();
}

fn model(region: Region) -> PatientModel {
    let cov = Covariates {
        onset_region: region,
        ..Covariates::default()
    };
    PatientModel::new(Params::default(), cov).unwrap()
}

/// The default cervical patient with disease activity on: `activity_cv` 0.5, knot spacing 12
/// months, one fixed draw.
fn model_with_activity() -> PatientModel {
    use rand::SeedableRng;
    let mut p = Params::default();
    p.set("activity_cv", 0.5).unwrap();
    PatientModel::new(p, Covariates::default())
        .unwrap()
        .with_activity(&mut rand::rngs::ChaCha8Rng::seed_from_u64(1))
}

/// Times `m` from initiation to death plus the readouts at monthly visits from onset.
fn to_death(bencher: divan::Bencher, m: &PatientModel) {
    let schedule = Schedule::untreated();
    let options = SolverOptions::default();
    bencher.bench(|| {
        let sol = simulate(black_box(m), &schedule, &options).unwrap();
        let onset = sol.events().onset.unwrap();
        let times: Vec<f64> = (0..240).map(|k| onset + f64::from(k)).collect();
        black_box(sol.visits(&times))
    });
}

/// Initiation to death plus the readouts at monthly visits from onset: the unit of work of a
/// cohort.
#[divan::bench(args = [Region::Cervical, Region::Bulbar])]
fn default_patient_to_death(bencher: divan::Bencher, region: Region) {
    to_death(bencher, &model(region));
}

/// The same for the default cervical patient with disease activity on
/// ([`model_with_activity`]): what activity costs a patient (it acts from clinical onset on).
#[divan::bench]
fn patient_with_activity(bencher: divan::Bencher) {
    to_death(bencher, &model_with_activity());
}

/// Integration alone, without visits.
#[divan::bench]
fn integration_only(bencher: divan::Bencher) {
    let m = model(Region::Cervical);
    let schedule = Schedule::untreated();
    let options = SolverOptions::default();
    bencher.bench(|| {
        simulate(black_box(&m), &schedule, &options)
            .unwrap()
            .stats()
    });
}

/// One evaluation of the right-hand side (the physics), for the solver-overhead ratio.
#[divan::bench]
fn rhs_evaluation(bencher: divan::Bencher) {
    let m = model(Region::Cervical);
    let sol = simulate(&m, &Schedule::untreated(), &SolverOptions::default()).unwrap();
    let y: State = sol.state_at(sol.events().onset.unwrap()).unwrap();
    let mut dy = State::zeros();
    bencher.bench_local(|| {
        m.rhs(0.0, black_box(&y), &mut dy, &Modulation::NEUTRAL);
        black_box(dy[0])
    });
}

/// One evaluation of the right-hand side with disease activity on, after onset (the gate open):
/// the activity spline and the gate on top of [`rhs_evaluation`].
#[divan::bench]
fn rhs_evaluation_with_activity(bencher: divan::Bencher) {
    let m = model_with_activity();
    let sol = simulate(&m, &Schedule::untreated(), &SolverOptions::default()).unwrap();
    let t = sol.events().onset.unwrap() + 6.0;
    let y: State = sol.state_at(t).unwrap();
    let mut dy = State::zeros();
    bencher.bench_local(|| {
        m.rhs(black_box(t), black_box(&y), &mut dy, &Modulation::NEUTRAL);
        black_box(dy[0])
    });
}

/// The reference problems of `alssim::model::reference`, whose closed forms the tests check:
/// 120 months of one-hit neuron loss (a linear decay, the cheapest the solver can be) and of
/// isolated logistic aggregation from a nucleus (the presymptomatic phase alone). The
/// accuracy is asserted once outside the timed loop, so a bench that stopped solving the
/// reference problem would fail rather than time something else.
#[divan::bench(args = ["constant-hazard", "logistic-aggregation"])]
fn reference_problem(bencher: divan::Bencher, name: &str) {
    use alssim::model::reference;
    const MONTHS: f64 = 120.0;
    let (m, exact, state): (PatientModel, Box<dyn Fn(f64) -> f64>, usize) = match name {
        "constant-hazard" => {
            let (m, f) = reference::constant_hazard(0.002);
            (m, Box::new(f), Region::Cervical.neurons())
        }
        _ => {
            let (m, f) = reference::logistic_aggregation(0.2, 0.05);
            let region = reference::logistic_region();
            (m, Box::new(f), region.aggregate())
        }
    };
    let options = SolverOptions {
        max_time_months: MONTHS,
        ..SolverOptions::default()
    };
    let sol = simulate(&m, &Schedule::untreated(), &options).unwrap();
    let y = sol.state_at(MONTHS).unwrap()[state];
    assert!(
        (y - exact(MONTHS)).abs() < 1e-4,
        "{name}: {y} against {}",
        exact(MONTHS)
    );
    bencher.bench(|| {
        simulate(black_box(&m), &Schedule::untreated(), &options)
            .unwrap()
            .stats()
    });
}

/// The same integration with nothing of alssim's around `ode_solvers`: the default patient's
/// right-hand side in a bare `Dopri5` with continuous output over the same interval, no
/// stopping rules, no events. What `integration_only` costs beyond this is alssim's wrapper.
#[divan::bench]
fn bare_dopri5(bencher: divan::Bencher) {
    // `stepper` is hidden from the documented API: it exists so that this comparison uses
    // exactly the solver settings of `simulate`.
    use alssim::solve::stepper;
    use ode_solvers::System;
    use ode_solvers::continuous_output_model::ContinuousOutputModel;
    struct Bare<'a>(&'a PatientModel);
    impl System<f64, State> for Bare<'_> {
        fn system(&self, t: f64, y: &State, dy: &mut State) {
            self.0.rhs(t, y, dy, &Modulation::NEUTRAL);
        }
    }
    let m = model(Region::Cervical);
    let options = SolverOptions::default();
    let end = simulate(&m, &Schedule::untreated(), &options)
        .unwrap()
        .end_time();
    bencher.bench(|| {
        let mut stepper = stepper(Bare(black_box(&m)), 0.0, end, m.initial_state(), &options);
        let mut dense = ContinuousOutputModel::default();
        let stats = stepper
            .integrate_with_continuous_output_model(&mut dense)
            .unwrap();
        black_box((stats.num_eval, dense))
    });
}
