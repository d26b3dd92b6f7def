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

/// Initiation to death plus the readouts at monthly visits from onset: the unit of work of a
/// cohort.
#[divan::bench(args = [Region::Cervical, Region::Bulbar])]
fn default_patient_to_death(bencher: divan::Bencher, region: Region) {
    let m = model(region);
    let schedule = Schedule::untreated();
    let options = SolverOptions::default();
    bencher.bench(|| {
        let sol = simulate(black_box(&m), &schedule, &options).unwrap();
        let onset = sol.events().onset.unwrap();
        let times: Vec<f64> = (0..240).map(|k| onset + f64::from(k)).collect();
        black_box(sol.visits(&times))
    });
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
        m.rhs(black_box(&y), &mut dy, &Modulation::NEUTRAL);
        black_box(dy[0])
    });
}

/// The same integration with nothing of alssim's around `ode_solvers`: the default patient's
/// right-hand side in a bare `Dopri5` with continuous output over the same interval, no
/// stopping rules, no events. What `integration_only` costs beyond this is alssim's wrapper.
#[divan::bench]
fn bare_dopri5(bencher: divan::Bencher) {
    use alssim::solve::stepper;
    use ode_solvers::System;
    use ode_solvers::continuous_output_model::ContinuousOutputModel;
    struct Bare<'a>(&'a PatientModel);
    impl System<f64, State> for Bare<'_> {
        fn system(&self, _t: f64, y: &State, dy: &mut State) {
            self.0.rhs(y, dy, &Modulation::NEUTRAL);
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
