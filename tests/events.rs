//! Event times located by the solver against a finely stepped reference integration.

use alssim::model::events::Event;
use alssim::model::{Covariates, Genotype, Modulation, Params, PatientModel, Region, State};
use alssim::solve::{Schedule, SolverOptions, simulate};

/// Classical fixed-step RK4 on the model's right-hand side; returns the first crossing of each
/// event function, found by linear interpolation inside the step (error O(h²) with h = 1e-3).
fn reference_events(model: &PatientModel, h: f64, t_max: f64) -> Vec<(Event, Option<f64>)> {
    let m = Modulation::NEUTRAL;
    let f = |t: f64, y: &State| {
        let mut dy = State::zeros();
        model.rhs(t, y, &mut dy, &m);
        dy
    };
    let mut y = model.initial_state();
    let mut t = 0.0;
    let mut found: Vec<(Event, Option<f64>)> = Event::ALL.iter().map(|&e| (e, None)).collect();
    let mut g_prev: Vec<f64> = Event::ALL.iter().map(|e| e.function(model, &y)).collect();
    let death = Event::ALL.iter().position(|&e| e == Event::Death).unwrap();
    while t < t_max && found[death].1.is_none() {
        let k1 = f(t, &y);
        let k2 = f(t + h / 2.0, &(y + k1 * (h / 2.0)));
        let k3 = f(t + h / 2.0, &(y + k2 * (h / 2.0)));
        let k4 = f(t + h, &(y + k3 * h));
        y += (k1 + k2 * 2.0 + k3 * 2.0 + k4) * (h / 6.0);
        t += h;
        for (i, e) in Event::ALL.iter().enumerate() {
            let g = e.function(model, &y);
            if found[i].1.is_none() && g <= 0.0 {
                found[i].1 = Some(t - h + h * g_prev[i] / (g_prev[i] - g));
            }
            g_prev[i] = g;
        }
    }
    found
}

fn check(covariates: Covariates) {
    check_with(Params::default(), covariates);
}

fn check_with(params: Params, covariates: Covariates) {
    check_model(&PatientModel::new(params, covariates).unwrap());
}

fn check_model(model: &PatientModel) {
    let model = model.clone();
    let examined = model.params().diagnosis_examination_loss > 0.0;
    let sol = simulate(&model, &Schedule::untreated(), &SolverOptions::default()).unwrap();
    let mean_step = sol.end_time() / sol.stats().accepted_steps as f64;
    for (event, reference) in reference_events(&model, 1e-3, 200.0) {
        // Without a deficit asked for, the examination event is not located (any loss will do).
        if event == Event::Examination && !examined {
            assert_eq!(sol.events().examination, None);
            continue;
        }
        let located = sol.events().get(event);
        let (Some(r), Some(l)) = (reference, located) else {
            // An event that falls after death happens in neither.
            assert_eq!(
                reference.is_some(),
                located.is_some(),
                "{event:?}: reference {reference:?}, located {located:?}"
            );
            continue;
        };
        // Within 1e-3 months (under an hour) of the reference, while steps are ~0.4 months.
        assert!(
            (r - l).abs() < 1e-3,
            "{event:?}: located {l}, reference {r}"
        );
        assert!(
            mean_step > 0.1,
            "steps are long enough that rounding to one would show"
        );
    }
}

#[test]
fn default_patient_events_match_fine_reference() {
    check(Covariates::default());
}

#[test]
fn bulbar_onset_events_match_fine_reference() {
    check(Covariates {
        onset_region: Region::Bulbar,
        age_years: 70.0,
        ..Covariates::default()
    });
}

#[test]
fn fast_genotype_events_match_fine_reference() {
    check(Covariates {
        genotype: Genotype::Sod1A4v,
        onset_region: Region::Lumbar,
        ..Covariates::default()
    });
}

#[test]
fn examination_event_matches_fine_reference() {
    let mut p = Params::default();
    p.set("diagnosis_examination_loss", 2.0).unwrap();
    check_with(p, Covariates::default());
}

#[test]
fn events_under_varying_disease_activity_match_fine_reference() {
    // Activity makes the right-hand side depend on time; the reference integrates it with the
    // time of each stage, the solver without breakpoints.
    use rand::SeedableRng;
    let mut p = Params::default();
    p.set("activity_cv", 1.0).unwrap();
    p.set("activity_knot_months", 6.0).unwrap();
    for seed in [1, 2] {
        let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(seed);
        let model = PatientModel::new(p.clone(), Covariates::default())
            .unwrap()
            .with_activity(&mut rng);
        let still = PatientModel::new(p.clone(), Covariates::default()).unwrap();
        let death = |m: &PatientModel| {
            simulate(m, &Schedule::untreated(), &SolverOptions::default())
                .unwrap()
                .events()
                .death
                .unwrap()
        };
        assert!(
            (death(&model) - death(&still)).abs() > 0.5,
            "activity changes the course"
        );
        check_model(&model);
    }
}

#[test]
fn diagnosis_follows_onset_by_the_delay() {
    let cov = Covariates {
        diagnostic_delay_months: 7.5,
        ..Covariates::default()
    };
    let model = PatientModel::new(Params::default(), cov).unwrap();
    let sol = simulate(&model, &Schedule::untreated(), &SolverOptions::default()).unwrap();
    let ev = sol.events();
    assert!((ev.diagnosis.unwrap() - ev.onset.unwrap() - 7.5).abs() < 1e-12);
    assert_eq!(sol.onset_region(), Some(Region::Cervical));
}

#[test]
fn follow_up_stops_integration_after_onset() {
    let model = PatientModel::new(Params::default(), Covariates::default()).unwrap();
    let options = SolverOptions {
        follow_up_after_onset_months: Some(6.0),
        ..SolverOptions::default()
    };
    let sol = simulate(&model, &Schedule::untreated(), &options).unwrap();
    let onset = sol.events().onset.unwrap();
    assert!(sol.end_time() >= onset + 6.0);
    assert!(sol.end_time() < onset + 8.0);
    assert!(sol.events().death.is_none());
}

#[test]
fn piecewise_integration_with_neutral_phases_matches_single_piece() {
    // Breakpoints that change nothing must not change the solution beyond solver tolerance.
    let model = PatientModel::new(Params::default(), Covariates::default()).unwrap();
    let tight = SolverOptions {
        rtol: 1e-9,
        atol: 1e-12,
        ..SolverOptions::default()
    };
    let one = simulate(&model, &Schedule::untreated(), &tight).unwrap();
    let phases = (0..8)
        .map(|k| (f64::from(k) * 6.0, Modulation::NEUTRAL))
        .collect();
    let many = simulate(&model, &Schedule::from_phases(phases).unwrap(), &tight).unwrap();
    assert_eq!(many.stats().pieces, 8);
    let (d1, d2) = (one.events().death.unwrap(), many.events().death.unwrap());
    assert!((d1 - d2).abs() < 1e-5, "{d1} vs {d2}");
    // Restarting the stepper changes the step sequence, so the two agree to within a small
    // multiple of the local tolerance (atol + rtol·|y|), not to the bit.
    let o = tight;
    for t in [5.0, 10.0, 30.0, 50.0] {
        let (a, b) = (one.state_at(t).unwrap(), many.state_at(t).unwrap());
        for i in 0..a.len() {
            let bound = 20.0 * (o.atol + o.rtol * a[i].abs());
            assert!(
                (a[i] - b[i]).abs() < bound,
                "t = {t}, state {i}: {} vs {}",
                a[i],
                b[i]
            );
        }
    }
}

#[test]
fn the_first_kings_region_is_the_onset_region() {
    // At onset no ALSFRS-R item has fallen yet, so the King's region involved first is the one
    // whose motor pool has lost most: normally the onset region's (where the disease starts).
    // Every spinal region loses neurons before onset, so in some patients another region is
    // clinically involved first: measured at these defaults, 93% of bulbar-onset and all of the
    // cervical- and lumbar-onset patients have their onset region as the first King's region
    // (docs/MODEL.md, section 10).
    for (region, kings) in [("bulbar", 0u8), ("cervical", 1), ("lumbar", 2)] {
        let outcomes = one_region_cohort(region);
        let firsts: Vec<Option<u8>> = outcomes
            .iter()
            .filter_map(|o| match o {
                alssim::cohort::Outcome::Enrolled { arms, .. } => Some(arms[0].spread[0]),
                _ => None,
            })
            .collect();
        assert!(firsts.len() > 20, "{region}: {} enrolled", firsts.len());
        let same = firsts.iter().filter(|&&f| f == Some(kings)).count();
        assert!(
            same * 10 >= firsts.len() * 8,
            "{region} onset: first King's regions {firsts:?}"
        );
    }
}

/// The untreated cohort of a population whose onset is always in `region` (200 screened,
/// seed 3, enrolled at diagnosis).
fn one_region_cohort(region: &str) -> Vec<alssim::cohort::Outcome> {
    one_region_cohort_with(region, "")
}

/// As [`one_region_cohort`], with a `[model]` section (`model` holds its `key = value` lines).
fn one_region_cohort_with(region: &str, model: &str) -> Vec<alssim::cohort::Outcome> {
    let text = format!(
        "[population]\nsize = 200\nseed = 3\nenrollment = {{ at = \"diagnosis\" }}\n\
         [population.covariates]\nonset-region = {{ {} }}\n[[arm]]\nname = \"untreated\"\n\
         [model]\n{model}\n",
        ["bulbar", "cervical", "thoracic", "lumbar"]
            .map(|r| format!("{r} = {}", if r == region { "1.0" } else { "0.0" }))
            .join(", ")
    );
    let s =
        alssim::scenario::parse("t.toml", "t", &text).unwrap_or_else(|e| panic!("{}", e.report()));
    alssim::cohort::run(&s.cohort_spec(), 0..200, 2).unwrap()
}

/// Months from onset to a second King's region of the enrolled patients of
/// [`one_region_cohort`], sorted; patients who never reached one are left out.
fn months_to_second_region(region: &str) -> Vec<f64> {
    let outcomes = one_region_cohort(region);
    let mut months: Vec<f64> = outcomes
        .iter()
        .filter_map(|o| match o {
            alssim::cohort::Outcome::Enrolled { arms, .. } => {
                let e = &arms[0].events;
                Some(e.second_region? - e.onset?)
            }
            _ => None,
        })
        .collect();
    months.sort_by(f64::total_cmp);
    months
}

#[test]
fn leg_onset_reaches_a_second_region_about_as_fast_as_arm_onset() {
    // Published: lower limb 13.6, upper limb 15.2 months from onset to a second region (means;
    // Fujimura-Kiyono 2011). Spread up the cord is only mildly slower than down it
    // (`spread_cord_rostral_ratio`); with one rostral ratio for every step, as before, leg onset
    // took more than twice as long as arm onset (27.6 against 11.7 months in `alssim validate`).
    let median = |v: &[f64]| v[v.len() / 2];
    let (legs, arms) = (
        months_to_second_region("lumbar"),
        months_to_second_region("cervical"),
    );
    assert!(
        legs.len() > 100 && arms.len() > 100,
        "{} and {}",
        legs.len(),
        arms.len()
    );
    let (l, a) = (median(&legs), median(&arms));
    assert!(
        l < 1.25 * a,
        "median months to a second region: legs {l:.1}, arms {a:.1}"
    );
    assert!((9.0..=20.0).contains(&l), "legs {l:.1}");
}

/// The readout's "dead" flag and King's and MiToS stage 5 say what the death event says: a
/// patient whose airway protection has failed but who still breathes well is alive.
#[test]
fn the_readout_agrees_with_the_death_event() {
    for region in [Region::Bulbar, Region::Cervical, Region::Lumbar] {
        let covariates = Covariates {
            onset_region: region,
            ..Covariates::default()
        };
        let model = PatientModel::new(Params::default(), covariates).unwrap();
        let s = simulate(&model, &Schedule::untreated(), &SolverOptions::default()).unwrap();
        let end = s.end_time();
        for k in 0..=400 {
            let t = end * f64::from(k) / 400.0;
            let y = s.state_at(t).unwrap();
            let r = model.readout(&y);
            let g = Event::Death.function(&model, &y);
            assert_eq!(r.dead, g <= 0.0, "{region:?} at {t}: g = {g}");
            assert_eq!(r.mitos == 5, r.dead);
        }
    }
    // Bulbar motor units mostly lost, the other regions healthy: airway protection has
    // failed, breathing has not, so the patient is alive on both counts.
    let model = PatientModel::new(Params::default(), Covariates::default()).unwrap();
    let mut y = model.initial_state();
    y[Region::Bulbar.neurons()] = 0.1;
    let r = model.readout(&y);
    assert!(r.capacity[Region::Bulbar.index()] <= Params::default().airway_failure_capacity);
    assert!(r.fvc > Params::default().airway_failure_fvc, "{}", r.fvc);
    assert!(Event::Death.function(&model, &y) > 0.0);
    assert!(!r.dead && r.mitos < 5);
}

#[test]
fn a_smaller_detection_threshold_rates_the_first_loss_sooner_and_changes_nothing_else() {
    // `item_detection_loss` is a rule of the rating: scored 3 once an item has fallen that far
    // below normal, and a King's region involved then. A smaller one must lower the rated
    // total at diagnosis and bring the second region sooner, while the disease, and with it
    // every event the latent state decides (diagnosis by recognition, death), stays the same.
    let by_patient = |model: &str| {
        one_region_cohort_with("cervical", model)
            .into_iter()
            .filter_map(|o| match o {
                alssim::cohort::Outcome::Enrolled { arms, .. } => arms.into_iter().next(),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let (rounding, fine) = (by_patient(""), by_patient("item_detection_loss = 0.1"));
    assert_eq!(rounding.len(), fine.len(), "the same patients are enrolled");
    assert!(rounding.len() > 150, "{} enrolled", rounding.len());
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let first_total = |c: &[alssim::cohort::ArmCourse]| {
        median(c.iter().map(|a| f64::from(a.visits[0].total())).collect())
    };
    let second = |c: &[alssim::cohort::ArmCourse]| {
        median(
            c.iter()
                .filter_map(|a| Some(a.events.second_region? - a.events.onset?))
                .collect(),
        )
    };
    let mut lower = 0;
    for (a, b) in rounding.iter().zip(&fine) {
        assert_eq!(a.events.diagnosis, b.events.diagnosis);
        assert_eq!(a.events.death, b.events.death);
        assert!(b.visits[0].total() <= a.visits[0].total());
        lower += usize::from(b.visits[0].total() < a.visits[0].total());
    }
    assert!(
        first_total(&fine) < first_total(&rounding),
        "median rated total at diagnosis {} against {}",
        first_total(&fine),
        first_total(&rounding)
    );
    assert!(
        lower * 2 > fine.len(),
        "{lower} of {} rated lower",
        fine.len()
    );
    assert!(
        second(&fine) < second(&rounding),
        "second region after {} against {} months",
        second(&fine),
        second(&rounding)
    );
}

/// When the referral waits for a deficit to show (`diagnosis_examination_loss` above 0),
/// diagnosis can come after the end of the referral delay. Enrollment at diagnosis must not
/// depend on the arms: a cohort whose only arm is treated from enrollment (whose untreated
/// course is integrated only as far as screening needs) enrolls the same patients at the same
/// times as an untreated one, including those diagnosed after their referral ended.
#[test]
fn a_diagnosis_that_waits_for_a_deficit_is_screened_whatever_the_arms() {
    let cohort = |therapies: &str| {
        let text = format!(
            "[population]\nsize = 300\nseed = 5\nenrollment = {{ at = \"diagnosis\" }}\n\
             [[arm]]\nname = \"a\"\ntherapies = [{therapies}]\n\
             [model]\ndiagnosis_examination_loss = 2.0\nneuronal_vulnerability = 0.25\n"
        );
        let s = alssim::scenario::parse("t.toml", "t", &text)
            .unwrap_or_else(|e| panic!("{}", e.report()));
        let enrolled: Vec<(u64, f64, f64)> = alssim::cohort::run(&s.cohort_spec(), 0..300, 2)
            .unwrap()
            .into_iter()
            .filter_map(|o| match o {
                alssim::cohort::Outcome::Enrolled {
                    draw, enrollment, ..
                } => Some((
                    draw.index,
                    enrollment,
                    draw.covariates.diagnostic_delay_months,
                )),
                _ => None,
            })
            .collect();
        enrolled
    };
    let untreated = cohort("");
    let treated = cohort("{ drug = \"riluzole\" }");
    assert!(untreated.len() > 100, "{} enrolled", untreated.len());
    // Some of them were diagnosed long after their referral delay (median 15 months) ended.
    assert!(untreated.iter().any(|p| p.2 > 60.0));
    assert_eq!(treated.len(), untreated.len());
    for (a, b) in untreated.iter().zip(&treated) {
        assert_eq!(a.0, b.0);
        assert!(
            (a.1 - b.1).abs() < 1e-9,
            "patient {}: {} against {}",
            a.0,
            a.1,
            b.1
        );
    }
}

#[test]
fn only_death_reads_the_modulation() {
    // The solver evaluates a drifting therapy law only for event functions that read it
    // (`Event::reads_modulation`); every other one must be the same under any modulation.
    let model = PatientModel::new(
        Params::default(),
        Covariates {
            onset_region: Region::Bulbar,
            ..Covariates::default()
        },
    )
    .unwrap();
    let sol = simulate(&model, &Schedule::untreated(), &SolverOptions::default()).unwrap();
    let mut far = Modulation::NEUTRAL;
    for slot in alssim::model::Slot::ALL {
        *far.get_mut(slot) = 0.37;
    }
    let mut times: Vec<f64> = (0..60)
        .map(|k| sol.end_time() * f64::from(k) / 60.0)
        .collect();
    times.push(sol.end_time());
    let mut death_moved = false;
    for t in times {
        let y = sol.state_at(t).unwrap();
        for e in Event::ALL {
            let (a, b) = (e.function(&model, &y), e.function_under(&model, &y, &far));
            if e.reads_modulation() {
                // Ventilatory support moves the respiratory threshold.
                death_moved |= a.to_bits() != b.to_bits();
                continue;
            }
            assert!(a.to_bits() == b.to_bits(), "{e:?} at {t}: {a} and {b}");
        }
    }
    assert!(death_moved, "the death function reads the modulation");
}
