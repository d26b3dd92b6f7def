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
