//! The solver against closed-form solutions of reference problems.

use alssim::model::reference;
use alssim::model::{Region, RegionVar};
use alssim::solve::{Schedule, SolverOptions, simulate};

#[test]
fn constant_hazard_neuron_loss_matches_exponential() {
    let h0 = 0.02;
    let (model, exact) = reference::constant_hazard(h0);
    let options = SolverOptions {
        max_time_months: 120.0,
        ..SolverOptions::default()
    };
    let sol = simulate(&model, &Schedule::untreated(), &options).expect("integrates");
    for k in 0..=60 {
        let t = f64::from(k);
        let y = sol
            .state_at(t)
            .unwrap_or_else(|| panic!("t = {t} outside 0..{}", sol.end_time()));
        for r in Region::ALL {
            let err = (y[r.neurons()] - exact(t)).abs();
            assert!(
                err < 1e-6,
                "region {r} at t = {t}: N = {}, exact {}",
                y[r.neurons()],
                exact(t)
            );
        }
    }
}

#[test]
fn one_hit_death_time_matches_closed_form() {
    // All regions lose neurons alike (no unit is ever dysfunctional), so FVC = fvc_healthy · C(N)
    // and bulbar capacity is C(N): death comes when C(N) falls to the larger of
    // death_fvc / fvc_healthy and airway_failure_capacity, at t* = −ln(N*) / h0.
    let h0 = 0.02;
    let (model, _) = reference::constant_hazard(h0);
    let p = model.params();
    let c_star = (p.death_fvc / p.fvc_healthy).max(p.airway_failure_capacity);
    let n_star = model.reserve().functional_at(c_star);
    let t_star = -n_star.ln() / h0;
    let sol = simulate(&model, &Schedule::untreated(), &SolverOptions::default()).unwrap();
    let death = sol.events().death.expect("dies");
    assert!(
        (death - t_star).abs() < 1e-4,
        "located {death}, exact {t_star}"
    );
    // Located inside a step, not rounded to one: the steps here are months long.
    assert!(sol.stats().accepted_steps < 200);
    // Nothing is reported after death.
    assert!(sol.state_at(death + 0.5).is_none());
}

#[test]
fn constant_hazard_is_the_one_hit_limit_of_the_full_model() {
    // With every damage coupling switched off, glia and glutamate stay healthy and the hazard is
    // constant, whatever happens to the other states.
    let (model, _) = reference::constant_hazard(0.01);
    let options = SolverOptions {
        max_time_months: 60.0,
        ..SolverOptions::default()
    };
    let sol = simulate(&model, &Schedule::untreated(), &options).unwrap();
    let y = sol.state_at(60.0).unwrap();
    for r in Region::ALL {
        let h = model.hazard(&y, r, &Default::default());
        assert!((h - 0.01).abs() < 1e-15, "hazard {h}");
    }
}

#[test]
fn isolated_aggregation_matches_logistic_solution() {
    let (growth, clearance) = (0.3, 0.05);
    let (model, exact) = reference::logistic_aggregation(growth, clearance);
    let region = reference::logistic_region();
    let options = SolverOptions {
        max_time_months: 100.0,
        ..SolverOptions::default()
    };
    let sol = simulate(&model, &Schedule::untreated(), &options).unwrap();
    let mut max_rel = 0.0_f64;
    for k in 0..=400 {
        let t = f64::from(k) * 0.25;
        let a = sol.state_at(t).unwrap()[region.aggregate()];
        let rel = (a - exact(t)).abs() / exact(t);
        max_rel = max_rel.max(rel);
    }
    // The global error is set by the relative tolerance (1e-4): steps here are accuracy-limited,
    // a few months long, not bounded by a fast mode.
    assert!(max_rel < 3e-4, "largest relative error {max_rel}");
    // It reaches the carrying capacity 1 - clearance/growth, not 1.
    let a_end = sol.state_at(100.0).unwrap()[region.aggregate()];
    assert!((a_end - (1.0 - clearance / growth)).abs() < 1e-4, "{a_end}");
    // Other regions receive no seed.
    for r in Region::ALL.into_iter().filter(|&r| r != region) {
        assert!(sol.state_at(100.0).unwrap()[r.idx(RegionVar::Aggregate)].abs() < 1e-15);
    }
}
