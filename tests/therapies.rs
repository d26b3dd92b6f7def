//! Therapies end to end: exactness of untreated arms, monotonicity, paired benefit, resistance,
//! Bliss combination, genotype restriction and breakpoints.

use alssim::cohort::{self, ArmCourse, Outcome};
use alssim::model::{Covariates, Genotype, Params, PatientModel};
use alssim::scenario;
use alssim::solve::{Schedule, SolverOptions, simulate};
use alssim::therapy::{ArmPlan, CycleMode, TherapySpec, TriggerTimes, library};

/// Paired comparisons allow for the solver: a course resumed at a breakpoint takes other steps
/// than the untreated one (rtol 1e-4), so event times may move by far less than this.
const SOLVER_SLACK_MONTHS: f64 = 1e-3;

fn run(src: &str) -> Vec<Outcome> {
    let s = scenario::parse("test.toml", "test", src)
        .unwrap_or_else(|e| panic!("invalid test scenario:\n{}", e.report()));
    let out = cohort::run(&s.cohort_spec(), 0..s.population().size, 2).unwrap();
    assert!(
        !out.iter().any(|o| matches!(o, Outcome::Failed { .. })),
        "a patient failed"
    );
    out
}

fn enrolled(out: &[Outcome]) -> Vec<(Genotype, &Vec<ArmCourse>)> {
    out.iter()
        .filter_map(|o| match o {
            Outcome::Enrolled { draw, arms, .. } => Some((draw.covariates.genotype, arms)),
            _ => None,
        })
        .collect()
}

/// Months of survival within follow-up (death, or the end of follow-up).
fn survival(c: &ArmCourse) -> f64 {
    c.events
        .death
        .filter(|_| c.died())
        .unwrap_or(c.follow_up_end)
}

const HEADER: &str = r#"
[simulation]
horizon-months = 120
visits-every-months = 6
visits-from = "enrollment"

[population]
size = 300
seed = 77
enrollment = { at = "diagnosis" }

[population.covariates]
genotype = { sporadic = 0.4, c9orf72 = 0.15, sod1 = 0.15, sod1-a4v = 0.05, tardbp = 0.1, fus = 0.15 }
"#;

#[test]
fn arms_whose_drugs_do_not_act_are_the_untreated_course_exactly() {
    let src = format!(
        "{HEADER}
[[arm]]
name = \"control\"
[[arm]]
name = \"tofersen\"
therapies = [{{ drug = \"tofersen\" }}]
[[arm]]
name = \"zero-dose\"
therapies = [{{ drug = \"riluzole\", dose = 0 }}]
[[arm]]
name = \"sod1-editing\"
therapies = [{{ drug = \"sod1-editing\" }}]
"
    );
    let out = run(&src);
    let patients = enrolled(&out);
    let (mut carriers, mut changed) = (0, 0);
    for (g, arms) in &patients {
        let carrier = matches!(g, Genotype::Sod1 | Genotype::Sod1A4v);
        // Zero dose: nothing acts, in anyone.
        assert_eq!(arms[2].visits, arms[0].visits);
        assert_eq!(arms[2].events, arms[0].events);
        for arm in [&arms[1], &arms[3]] {
            if carrier {
                assert!(!arm.acting.is_empty());
            } else {
                // No SOD1 to lower: bit for bit the untreated course, and not listed as acting.
                assert_eq!(arm.visits, arms[0].visits);
                assert_eq!(arm.events, arms[0].events);
                assert!(arm.acting.is_empty());
            }
        }
        if carrier {
            carriers += 1;
            if arms[1].events != arms[0].events {
                changed += 1;
            }
        }
    }
    assert!(carriers > 20, "{carriers} carriers");
    assert!(
        changed > carriers / 2,
        "tofersen changed {changed} of {carriers} carriers"
    );
}

#[test]
fn effect_is_monotone_in_dose_and_adherence() {
    let src = format!(
        "{HEADER}
[[arm]]
name = \"half\"
therapies = [{{ drug = \"riluzole\", dose = 0.5 }}]
[[arm]]
name = \"standard\"
therapies = [{{ drug = \"riluzole\" }}]
[[arm]]
name = \"double\"
therapies = [{{ drug = \"riluzole\", dose = 2 }}]
[[arm]]
name = \"low-adherence\"
therapies = [{{ drug = \"pb-turso\", adherence = 0.4 }}]
[[arm]]
name = \"full-adherence\"
therapies = [{{ drug = \"pb-turso\", adherence = 1 }}]
"
    );
    let out = run(&src);
    let mut strictly = 0;
    for (_, arms) in enrolled(&out) {
        let s: Vec<f64> = arms.iter().map(survival).collect();
        assert!(s[1] >= s[0] - SOLVER_SLACK_MONTHS, "{s:?}");
        assert!(s[2] >= s[1] - SOLVER_SLACK_MONTHS, "{s:?}");
        assert!(s[4] >= s[3] - SOLVER_SLACK_MONTHS, "{s:?}");
        if s[2] > s[0] + 0.1 {
            strictly += 1;
        }
    }
    assert!(
        strictly > 50,
        "a higher dose helped only {strictly} patients"
    );
}

#[test]
fn library_drugs_stopped_shorten_nobody_and_a_strong_lasting_compensation_can() {
    let mut src = format!("{HEADER}\n[[arm]]\nname = \"control\"\n");
    let drugs = library::names();
    for d in &drugs {
        src.push_str(&format!(
            "[[arm]]\nname = \"{d}\"\ntherapies = [{{ drug = \"{d}\", stop-months = 18, trigger = \"none\" }}]\n"
        ));
    }
    // The same edaravone with strong compensation that outlasts the drug once it stops.
    src.push_str(
        r#"
[drug.edaravone-iv]
resistance = [{ mechanism = "mitochondrial-adaptation", ceiling = 1.0, build-up-months = 1, washout-months = 24, rebound = true }]
"#,
    );
    // `sod1-editing` is permanent: it cannot stop.
    let src = src.replace(
        "{ drug = \"sod1-editing\", stop-months = 18, trigger = \"none\" }",
        "{ drug = \"sod1-editing\" }",
    );
    // With the library's own resistance (three mechanisms outlast the drug, mildly: ceiling
    // 0.4, washout 2-3 months), every drug arm is at least as long as control.
    let clean = src[..src.find("[drug.edaravone-iv]").unwrap()].to_string();
    let out = run(&clean);
    let mut longer = vec![0usize; drugs.len()];
    for (_, arms) in enrolled(&out) {
        let control = survival(&arms[0]);
        for (k, d) in drugs.iter().enumerate() {
            let s = survival(&arms[k + 1]);
            assert!(
                s >= control - SOLVER_SLACK_MONTHS,
                "{d} shortened survival: {s} < {control}"
            );
            if s > control + 1e-3 {
                longer[k] += 1;
            }
        }
    }
    for (d, n) in drugs.iter().zip(&longer) {
        assert!(*n > 0, "{d} lengthened nobody's survival");
    }
    // A compensation that cancels the whole effect and lasts two years after the stop leaves
    // ROS clearance below untreated for months: some patients die sooner than without the drug.
    let out = run(&src);
    let k = drugs.iter().position(|d| *d == "edaravone-iv").unwrap() + 1;
    let shorter = enrolled(&out)
        .iter()
        .filter(|(_, arms)| survival(&arms[k]) < survival(&arms[0]) - SOLVER_SLACK_MONTHS)
        .count();
    assert!(shorter > 0, "rebound shortened nobody's survival");
}

fn plan_with(drug: &str, edit: impl FnOnce(&mut TherapySpec)) -> ArmPlan {
    let mut t = TherapySpec::new(library::find(drug).unwrap().clone());
    edit(&mut t);
    ArmPlan::new(&[t], 1.0, 121.0)
}

#[test]
fn resistance_erodes_the_effect_and_recovers_after_washout() {
    // Edaravone with a strong, fixed ceiling, 12 months on and 12 off.
    let plan = plan_with("edaravone-iv", |t| {
        let r = &mut t.definition.resistance[0];
        r.ceiling = 0.9;
        r.ceiling_cv = 0.0;
        t.holidays = Some((12.0, 12.0));
    });
    // An enrollment time at which `(enroll + 12) − enroll` rounds below 12: the holiday must
    // still start exactly at its breakpoint.
    let enroll = 60.82020915644012;
    assert!((enroll + 12.0) - enroll < 12.0);
    let schedule = plan
        .schedule(Genotype::Sporadic, enroll, &TriggerTimes::default(), 1, 0)
        .unwrap()
        .unwrap();
    let clearance = |t: f64| schedule.law_at(t).at(t).ros_clearance;
    // Within the first cycle (averaged: 14 of 28 days) the effect starts full ...
    let start = clearance(enroll + 1e-9);
    assert!(start > 1.1, "{start}");
    // ... and wanes under sustained engagement (build-up 4 months) ...
    let late = clearance(enroll + 11.9);
    // (Averaged cycles keep the compensation of the real on/off pattern, which washes out
    // on rest days, so less than the ceiling of 0.9 is lost.)
    assert!(late - 1.0 < 0.7 * (start - 1.0), "{start} -> {late}");
    // ... and on the holiday the patient's own defences, turned down under the drug, leave
    // ROS clearance below untreated, recovering with the washout time constant (2 months) ...
    let dip = clearance(enroll + 12.0);
    assert!(dip < 1.0 - 0.1 * (start - 1.0), "{dip}");
    assert!(clearance(enroll + 14.0) > dip);
    assert!((clearance(enroll + 24.0 - 1e-9) - 1.0).abs() < 0.01 * (1.0 - dip));
    // ... after 12 months of washout (2-month time constant) it is back nearly in full.
    // The restart continues with the later cycles (10 of 28 days), not the first.
    let on = library::find("edaravone-iv")
        .unwrap()
        .effects_at(1.0, 1.0, 1.0)[0];
    let uneroded = on * 10.0 / 28.0;
    let again = clearance(enroll + 24.0 + 1e-9);
    assert!(again - 1.0 > 0.95 * uneroded, "{uneroded} vs {again}");
    assert!(again > late);

    // Read as a compensation of the drug's own action only (`rebound = false`), it is gone on
    // the holiday from its first instant.
    let plan = plan_with("edaravone-iv", |t| {
        let r = &mut t.definition.resistance[0];
        r.ceiling = 0.9;
        r.ceiling_cv = 0.0;
        r.rebound = false;
        t.holidays = Some((12.0, 12.0));
    });
    let schedule = plan
        .schedule(Genotype::Sporadic, enroll, &TriggerTimes::default(), 1, 0)
        .unwrap()
        .unwrap();
    let clearance = |t: f64| schedule.law_at(t).at(t).ros_clearance;
    assert!((clearance(enroll + 18.0) - 1.0).abs() < 1e-15);
    assert!((clearance(enroll + 12.0) - 1.0).abs() < 1e-15);

    // Riluzole's receptor upregulation raises neuronal sensitivity to glutamate over months.
    let plan = plan_with("riluzole", |t| t.definition.resistance[0].ceiling_cv = 0.0);
    let s = plan
        .schedule(Genotype::Sporadic, enroll, &TriggerTimes::default(), 1, 0)
        .unwrap()
        .unwrap();
    let sens = |t: f64| s.law_at(t).at(t).excitotoxic_sensitivity;
    assert!(sens(enroll + 0.1) < sens(enroll + 6.0));
    assert!(sens(enroll + 6.0) < sens(enroll + 36.0));
}

#[test]
fn bliss_combination_of_two_same_target_drugs_matches_its_formula() {
    let specs: Vec<TherapySpec> = ["masitinib", "ibudilast"]
        .iter()
        .map(|d| TherapySpec::new(library::find(d).unwrap().clone()))
        .collect();
    let effect = |t: &TherapySpec| {
        let d = &t.definition;
        let j = d
            .effects
            .iter()
            .position(|e| e.target.name() == "microglial-activation")
            .unwrap();
        d.effects_at(1.0, 1.0, 1.0)[j]
    };
    let (e1, e2) = (effect(&specs[0]), effect(&specs[1]));
    for interaction in [1.0, 1.5, 0.5] {
        let plan = ArmPlan::new(&specs, interaction, 121.0);
        let s = plan
            .schedule(Genotype::Sporadic, 10.0, &TriggerTimes::default(), 1, 0)
            .unwrap()
            .unwrap();
        // At the start no compensation has built up yet.
        let f = s.law_at(10.0).at(10.0).microglial_activation;
        let bliss = 1.0 - (e1 + e2 - e1 * e2);
        let want = 1.0 + interaction * (bliss - 1.0);
        assert!((f - want).abs() < 1e-12, "{f} vs {want}");
    }
}

#[test]
fn breakpoints_are_hit_exactly_with_continuous_state() {
    let (untreated, treated, schedule, enroll) =
        default_patient_course(&plan_with("edaravone-iv", |t| {
            t.cycles = CycleMode::Resolved;
            t.stop_months = Some(20.0);
        }));
    let options = SolverOptions::default();
    let starts = treated.piece_starts();
    let breaks: Vec<f64> = schedule
        .phases()
        .iter()
        .map(|(t, _)| *t)
        .filter(|&t| t >= enroll && t < treated.end_time())
        .collect();
    assert!(breaks.len() > 40, "{} breakpoints", breaks.len());
    for b in &breaks {
        assert!(starts.contains(b), "no piece starts at {b}");
        // The state is continuous across the breakpoint.
        let before = treated.state_at(b - 1e-9).unwrap();
        let at = treated.state_at(*b).unwrap();
        assert!((before - at).amax() < 1e-8, "jump at {b}");
    }
    // The course before enrollment is the untreated one, bit for bit, and so are the events
    // that came before it (they are taken over, not searched for again).
    for t in [1.0, enroll / 2.0, enroll - 1e-6] {
        assert_eq!(treated.state_at(t), untreated.state_at(t));
    }
    let before: Vec<_> = alssim::model::events::Event::ALL
        .into_iter()
        .filter(|&e| untreated.events().get(e).is_some_and(|t| t < enroll))
        .collect();
    assert!(before.len() >= 2, "{before:?}");
    for e in before {
        assert_eq!(treated.events().get(e), untreated.events().get(e), "{e:?}");
    }

    // A triggered therapy starts exactly at its event: NIV at the NIV time.
    let niv = plan_with("niv", |_| {});
    let t_niv = untreated.events().niv.unwrap();
    let triggers = TriggerTimes {
        niv: Some(t_niv),
        gastrostomy: None,
    };
    let s = niv
        .schedule(Genotype::Sporadic, enroll, &triggers, 1, 0)
        .unwrap()
        .unwrap();
    let ventilated = untreated.resume(t_niv, &s, &options).unwrap().unwrap();
    assert!(ventilated.piece_starts().contains(&t_niv));
    assert_eq!(ventilated.events().niv, Some(t_niv));
    assert!(ventilated.events().death.unwrap() > untreated.events().death.unwrap());
}

#[test]
fn a_course_resumed_without_therapy_finds_the_later_events_again() {
    // Resumed untreated, the course is integrated afresh from the resumption: the events after
    // it are searched for in the new pieces and agree with the untreated course to within the
    // solver's accuracy; the events before it are the untreated course's own.
    let model = PatientModel::new(Params::default(), Covariates::default()).unwrap();
    let options = SolverOptions::default();
    let untreated = simulate(&model, &Schedule::untreated(), &options).unwrap();
    let at = untreated.events().onset.unwrap() + 6.0;
    let resumed = untreated
        .resume(at, &Schedule::untreated(), &options)
        .unwrap()
        .unwrap();
    let mut after = 0;
    for e in alssim::model::events::Event::ALL {
        let (u, r) = (untreated.events().get(e), resumed.events().get(e));
        match u {
            Some(t) if t < at => assert_eq!(r, u, "{e:?}"),
            Some(t) => {
                after += 1;
                let r = r.unwrap_or_else(|| panic!("{e:?} not found after the resumption"));
                assert!((r - t).abs() < 1e-3, "{e:?}: {r} vs {t}");
            }
            None => assert_eq!(r, None, "{e:?}"),
        }
    }
    assert!(after >= 3, "{after} events after the resumption");
    assert_eq!(resumed.events().diagnosis, untreated.events().diagnosis);
}

#[test]
fn a_presymptomatic_start_delays_onset_in_carriers() {
    let src = r#"
[simulation]
horizon-months = 120
visits-every-months = 6
visits-from = "enrollment"

[population]
size = 200
seed = 5
enrollment = { at = "onset", after-months = -12 }

[population.covariates]
genotype = { sporadic = 0.0, c9orf72 = 0.0, sod1 = 1.0, sod1-a4v = 0.0, tardbp = 0.0, fus = 0.0 }

[[arm]]
name = "untreated"
[[arm]]
name = "presymptomatic"
therapies = [{ drug = "tofersen" }]
"#;
    let out = run(src);
    let patients = enrolled(&out);
    let mut delays = Vec::new();
    for (_, arms) in &patients {
        let (Some(u), t) = (arms[0].events.onset, arms[1].events.onset) else {
            continue;
        };
        // Treated before symptoms: onset comes later, or not within follow-up at all.
        assert!(t.is_none_or(|t| t >= u - SOLVER_SLACK_MONTHS));
        delays.push(t.map_or(f64::INFINITY, |t| t - u));
    }
    // A year of treatment before onset delays it by about a month in the median carrier: a year
    // before onset the damage of most SOD1 carriers is dominated by the astroglial term, which
    // lowering SOD1 synthesis does not remove directly.
    assert!(
        delays.len() > patients.len() / 2,
        "{} of {}",
        delays.len(),
        patients.len()
    );
    delays.sort_by(f64::total_cmp);
    let median = delays[delays.len() / 2];
    assert!(median > 0.5, "median delay of onset {median} months");
    // Visits counted from onset cannot start before it.
    let bad = src.replace("visits-from = \"enrollment\"", "visits-from = \"onset\"");
    let e = scenario::parse("bad.toml", "bad", &bad).unwrap_err();
    assert!(
        e.report().contains("needs visits counted from enrollment"),
        "{}",
        e.report()
    );
}

/// The untreated course of one default patient, its course under a plan, the plan's schedule
/// and the enrollment time.
type Courses = (
    alssim::solve::Solution,
    alssim::solve::Solution,
    Schedule,
    f64,
);

/// One default patient (cervical onset) enrolled six months after onset under `plan`.
fn default_patient_course(plan: &ArmPlan) -> Courses {
    let model = PatientModel::new(Params::default(), Covariates::default()).unwrap();
    let options = SolverOptions::default();
    let untreated = simulate(&model, &Schedule::untreated(), &options).unwrap();
    let enroll = untreated.events().onset.unwrap() + 6.0;
    let schedule = plan
        .schedule(Genotype::Sporadic, enroll, &TriggerTimes::default(), 1, 0)
        .unwrap()
        .unwrap();
    let treated = untreated
        .resume(enroll, &schedule, &options)
        .unwrap()
        .unwrap();
    (untreated, treated, schedule, enroll)
}

/// [`default_patient_course`] with `drug` given for 12 months, the resistance of its first
/// term read as a compensation of the patient's own pathway or not (`rebound`).
fn stopped_course(drug: &str, rebound: bool) -> Courses {
    default_patient_course(&plan_with(drug, |t| {
        let r = &mut t.definition.resistance[0];
        r.ceiling_cv = 0.0;
        r.rebound = rebound;
        t.stop_months = Some(12.0);
    }))
}

#[test]
fn each_resistance_mechanism_moves_the_disease_state_it_names_and_washes_out() {
    use alssim::model::layout::REGION_REPORTED_ORDER;
    use alssim::model::{REGION_REPORTED, RegionVar, Reported, Slot};
    let region = Covariates::default().onset_region;
    // Mechanisms that turn the patient's own pathway down (or another route up) act on the
    // disease whether the drug is there or not: stopped after 12 months, the patient is left
    // worse than untreated on that mechanism until the compensation washes out. Against the
    // same drug read as eroding only its own effect (`rebound = false`), the named disease state
    // is higher after the stop, and the mechanism's factor returns to untreated with the
    // washout time constant.
    for (drug, var, slot) in [
        // Endogenous antioxidant defences turned down: oxidative stress.
        ("edaravone-iv", Reported::Oxidative, Slot::RosClearance),
        // Another inflammatory route turned up: activated microglia.
        (
            "masitinib",
            Reported::State(RegionVar::Microglia),
            Slot::MicroglialActivation,
        ),
        // The cell's own chaperones turned down: aggregate burden.
        (
            "ifb-088",
            Reported::State(RegionVar::Aggregate),
            Slot::AggregateClearance,
        ),
    ] {
        let d = library::find(drug).unwrap();
        assert!(d.resistance[0].mechanism.acts_on_patient(), "{drug}");
        let washout = d.resistance[0].washout_months;
        let (_, own, schedule, enroll) = stopped_course(drug, true);
        let (_, erosion, eroding, _) = stopped_course(drug, false);
        let stop = enroll + 12.0;
        // The reported quantity under the modulation in force (excess ROS at its quasi-steady
        // level, with the boundary layer that relaxes its jump at the stop over a few weeks).
        let k = REGION_REPORTED_ORDER
            .iter()
            .position(|&q| q == var)
            .unwrap();
        let state = |s: &alssim::solve::Solution, t: f64| {
            let report = s.model().regional_report_lagged(
                &s.state_at(t).unwrap(),
                &s.modulation_at(t),
                &s.ros_lag_at(t),
            );
            report[region.index() * REGION_REPORTED + k]
        };
        let factor = |sch: &Schedule, t: f64| sch.law_at(t).at(t).get(slot);
        // After the stop the eroding reading is untreated at once; the patient's own pathway
        // is still turned down (or the other route up) ...
        assert_eq!(factor(&eroding, stop + 0.5), 1.0, "{drug}");
        let after = factor(&schedule, stop + 0.5);
        let worse = if slot == Slot::MicroglialActivation {
            after - 1.0
        } else {
            1.0 - after
        };
        assert!(
            worse > 0.01,
            "{drug}: factor {after} half a month after the stop"
        );
        // ... and recovers with its washout time constant.
        let later = factor(&schedule, stop + 0.5 + washout);
        assert!(
            ((later - 1.0).abs() - (after - 1.0).abs() * (-1.0_f64).exp()).abs() < 1e-9,
            "{drug}: {after} then {later} one washout time constant later"
        );
        assert!((factor(&schedule, stop + 10.0 * washout) - 1.0).abs() < 1e-4 * worse);
        // The disease state it names is higher than under the eroding reading after the stop.
        for dt in [1.0, 3.0] {
            let (a, b) = (state(&own, stop + dt), state(&erosion, stop + dt));
            assert!(
                a > b,
                "{drug}: {var:?} {a} <= {b} at {dt} months after the stop"
            );
        }
        // Oxidative stress, a fast (quasi-steady) level, follows its clearance back as the
        // compensation washes out (the slower states keep what they accumulated meanwhile).
        if var == Reported::Oxidative {
            let gap = |dt: f64| state(&own, stop + dt) - state(&erosion, stop + dt);
            assert!(
                gap(3.0) < 0.6 * gap(1.0),
                "{drug}: {} then {}",
                gap(1.0),
                gap(3.0)
            );
        }
    }
    // Tolerance (the drug's target desensitised) erodes only the drug's own effect: ceftriaxone's
    // uptake factor is untreated from the instant the drug stops.
    let d = library::find("ceftriaxone").unwrap();
    assert!(!d.resistance[0].mechanism.acts_on_patient());
    assert!(!d.resistance[0].rebound);
    let plan = plan_with("ceftriaxone", |t| {
        t.definition.resistance[0].ceiling_cv = 0.0;
        t.stop_months = Some(12.0);
    });
    let s = plan
        .schedule(Genotype::Sporadic, 30.0, &TriggerTimes::default(), 1, 0)
        .unwrap()
        .unwrap();
    let uptake = |t: f64| s.law_at(t).at(t).glutamate_uptake;
    assert!(
        uptake(30.1) > uptake(41.9),
        "tolerance did not erode the effect"
    );
    assert!(uptake(41.9) > 1.0);
    assert_eq!(uptake(42.0), 1.0);
    assert_eq!(uptake(45.0), 1.0);
}

/// The modulation of an arm of `therapies` a month after they start, in a sporadic patient
/// (resistance switched off, so that only how the drugs combine is seen).
fn combined(therapies: Vec<TherapySpec>) -> alssim::model::Modulation {
    let therapies: Vec<TherapySpec> = therapies
        .into_iter()
        .map(|mut t| {
            t.definition.resistance.clear();
            t
        })
        .collect();
    let plan = ArmPlan::new(&therapies, 1.0, 121.0);
    let s = plan
        .schedule(Genotype::Sporadic, 30.0, &TriggerTimes::default(), 1, 0)
        .unwrap()
        .unwrap();
    s.law_at(31.0).at(31.0)
}

/// The library's riluzole under another name, acting on glutamate release through `site`.
fn riluzole_like(name: &str, site: Option<&str>, dose: f64) -> TherapySpec {
    let mut d = library::find("riluzole").unwrap().clone();
    d.name = name.into();
    d.effects[0].site = site.map(str::to_string);
    let mut t = TherapySpec::new(d);
    t.drug = name.into();
    t.dose = dose;
    t
}

#[test]
fn combinations_are_additive_antagonistic_or_synergistic_by_their_declared_mechanism() {
    let release = |ts: Vec<TherapySpec>| combined(ts).glutamate_release;
    let full = release(vec![riluzole_like("a", Some("nav"), 1.0)]);
    let half = release(vec![riluzole_like("a", Some("nav"), 0.5)]);
    assert!(full < half && half < 1.0);

    // Additivity (Loewe): two forms of one molecule on one site add as doses do. Half a dose
    // of each is one dose, exactly; read as independent sites, the same two would be Bliss.
    let both = release(vec![
        riluzole_like("a", Some("nav"), 0.5),
        riluzole_like("b", Some("nav"), 0.5),
    ]);
    assert!((both - full).abs() < 1e-12, "{both} vs {full}");
    let bliss = release(vec![
        riluzole_like("a", None, 0.5),
        riluzole_like("b", None, 0.5),
    ]);
    assert!((bliss - half * half).abs() < 1e-12);
    assert!(
        (bliss - both).abs() > 1e-3,
        "Loewe and Bliss should differ: {bliss} {both}"
    );

    // Antagonism: a partial agonist with high affinity and a small Emax competes for the site
    // and leaves less effect than the full drug alone ...
    let mut partial = riluzole_like("partial", Some("nav"), 1.0);
    partial.definition.effects[0].emax = 0.02;
    partial.definition.effects[0].ec50 = 0.5;
    let with_partial = release(vec![riluzole_like("a", Some("nav"), 1.0), partial.clone()]);
    assert!(
        1.0 - with_partial < 0.5 * (1.0 - full),
        "the partial agonist should halve the effect at least: {with_partial} vs {full}"
    );
    // ... while on a site of its own it adds its small effect independently.
    partial.definition.effects[0].site = Some("other".into());
    let apart = release(vec![riluzole_like("a", Some("nav"), 1.0), partial]);
    assert!(apart < full);

    // Synergy: lowering glutamate release (riluzole) and raising uptake (ceftriaxone) act on
    // one balance, `G = release/uptake`, whose excess above healthy, `max(G − 1, 0)`, drives
    // excitotoxic damage. The remaining excess under both is smaller than Bliss independence
    // of the two drugs' fractional reductions predicts.
    use alssim::model::excitotoxicity::{GlutamateRates, excess, level};
    let k = GlutamateRates {
        release_gain: Params::default().glutamate_release_gain,
        eaat2_loss_max: Params::default().eaat2_loss_max,
    };
    let lib = |n: &str| TherapySpec::new(library::find(n).unwrap().clone());
    let drive = |m: alssim::model::Modulation| {
        excess(level(&k, 0.5, 0.5, m.glutamate_release, m.glutamate_uptake))
    };
    let untreated = drive(alssim::model::Modulation::NEUTRAL);
    assert!(untreated > 0.0);
    let ril = drive(combined(vec![lib("riluzole")])) / untreated;
    let cef = drive(combined(vec![lib("ceftriaxone")])) / untreated;
    let both = drive(combined(vec![lib("riluzole"), lib("ceftriaxone")])) / untreated;
    assert!(ril < 1.0 && cef < 1.0);
    assert!(
        both < ril * cef - 0.01,
        "remaining drive {both} against Bliss {}",
        ril * cef
    );
}

#[test]
fn a_scenario_sets_the_interaction_of_one_pair_on_one_target() {
    let src = |factor: f64| {
        format!(
            r#"
[population]
size = 10
[[arm]]
name = "three"
therapies = [{{ drug = "masitinib" }}, {{ drug = "ibudilast" }}, {{ drug = "verdiperstat" }}]
interactions = [{{ drugs = ["ibudilast", "masitinib"], target = "microglial-activation", factor = {factor:?} }}]
"#
        )
    };
    let s = scenario::parse("pair.toml", "pair", &src(0.5)).unwrap();
    let pair = &s.arms()[0].interactions[0];
    assert_eq!(pair.therapies, (1, 0));
    assert_eq!(pair.factor, 0.5);
    let modulation = |factor: f64| {
        let s = scenario::parse("pair.toml", "pair", &src(factor)).unwrap();
        let arm = &s.arms()[0];
        let p = &arm.interactions[0];
        let plan = ArmPlan::new(&arm.therapies, 1.0, 121.0).with_pairs(&[(
            p.therapies.0,
            p.therapies.1,
            p.target,
            p.factor,
        )]);
        plan.schedule(Genotype::Sporadic, 30.0, &TriggerTimes::default(), 1, 0)
            .unwrap()
            .unwrap()
            .law_at(30.5)
            .at(30.5)
    };
    // Each drug's factor alone on microglial activation, half a month in.
    let alone = |drug: &str| {
        let plan = plan_with(drug, |_| {});
        let s = plan
            .schedule(Genotype::Sporadic, 30.0, &TriggerTimes::default(), 1, 0)
            .unwrap()
            .unwrap();
        s.law_at(30.5).at(30.5)
    };
    let (fm, fi, fv) = (
        alone("masitinib").microglial_activation,
        alone("ibudilast").microglial_activation,
        alone("verdiperstat").microglial_activation,
    );
    for factor in [0.0, 0.5, 1.0, 2.0] {
        let m = modulation(factor);
        // The pair's combined change is scaled; the third drug multiplies in independently.
        let expected = (1.0 + factor * (fm * fi - 1.0)).max(0.0) * fv;
        assert!(
            (m.microglial_activation - expected).abs() < 1e-12,
            "factor {factor}: {} vs {expected}",
            m.microglial_activation
        );
        // Other targets of the pair's drugs are not touched.
        assert_eq!(
            m.astrocyte_reactivity,
            alone("ibudilast").astrocyte_reactivity * alone("verdiperstat").astrocyte_reactivity
        );
    }
    // The cohort engine applies it: with the pair's change removed (factor 0), masitinib with
    // ibudilast does nothing on microglia, and patients live shorter than under independence.
    let cohort = format!(
        "{HEADER}\n[[arm]]\nname = \"independent\"\ntherapies = [{{ drug = \"masitinib\" }}, {{ drug = \"ibudilast\" }}]\n\
         [[arm]]\nname = \"cancelled\"\ntherapies = [{{ drug = \"masitinib\" }}, {{ drug = \"ibudilast\" }}]\n\
         interactions = [{{ drugs = [\"masitinib\", \"ibudilast\"], target = \"microglial-activation\", factor = 0.0 }}]\n"
    );
    let out = run(&cohort);
    let shorter = enrolled(&out)
        .iter()
        .filter(|(_, arms)| survival(&arms[1]) < survival(&arms[0]) - SOLVER_SLACK_MONTHS)
        .count();
    assert!(shorter > 0, "the pair interaction did not reach the cohort");
}

#[test]
fn a_pair_interaction_that_cannot_apply_is_refused_with_where_and_why() {
    let arm = |interactions: &str| {
        format!(
            "[population]\nsize = 10\n[[arm]]\nname = \"a\"\n\
             therapies = [{{ drug = \"masitinib\" }}, {{ drug = \"ibudilast\" }}, {{ drug = \"verdiperstat\" }}, {{ drug = \"edaravone-iv\" }}, {{ drug = \"edaravone-oral\" }}]\n\
             interactions = [{interactions}]\n"
        )
    };
    let refused = |interactions: &str, expected: &str| {
        let e = scenario::parse("pair.toml", "pair", &arm(interactions))
            .err()
            .unwrap_or_else(|| panic!("accepted: {interactions}"));
        let report = e.report();
        assert!(
            report.contains(expected) && report.contains("arm[0].interactions["),
            "{interactions}:\n{report}"
        );
    };
    let mg = "target = \"microglial-activation\", factor = 2";
    refused(
        &format!("{{ drugs = [\"masitinib\", \"riluzole\"], {mg} }}"),
        "is not a therapy of this arm",
    );
    refused(
        &format!("{{ drugs = [\"masitinib\", \"masitinib\"], {mg} }}"),
        "the same drug twice",
    );
    refused(
        &format!("{{ drugs = [\"masitinib\"], {mg} }}"),
        "a pair interaction names two",
    );
    refused(
        "{ drugs = [\"masitinib\", \"edaravone-iv\"], target = \"ros-clearance\", factor = 2 }",
        "act on no target in common",
    );
    refused(
        "{ drugs = [\"masitinib\", \"ibudilast\"], target = \"microglial-activation\" }",
        "needs `factor`",
    );
    refused(
        "{ drugs = [\"edaravone-iv\", \"edaravone-oral\"], target = \"ros-clearance\", factor = 2 }",
        "share the site `edaravone`",
    );
    refused(
        &format!(
            "{{ drugs = [\"masitinib\", \"ibudilast\"], {mg} }}, {{ drugs = [\"verdiperstat\", \"masitinib\"], {mg} }}"
        ),
        "is already in the pair masitinib and ibudilast",
    );
    refused(
        "{ drugs = [\"masitinib\", \"ibudilast\"], target = \"microglial-activation\", factor = 20 }",
        "interactions[0].factor",
    );
    // Two disjoint pairs on one target are accepted.
    assert!(
        scenario::parse(
            "pair.toml",
            "pair",
            &arm(&format!(
                "{{ drugs = [\"masitinib\", \"ibudilast\"], {mg} }}, {{ drugs = [\"verdiperstat\", \"edaravone-iv\"], target = \"ros-clearance\", factor = 0.5 }}"
            ))
        )
        .is_ok()
    );
}

#[test]
fn an_effect_site_must_be_a_plain_name() {
    let src = |site: &str| {
        format!(
            "[drug.x]\nbased-on = \"riluzole\"\n\
             effect = [{{ target = \"glutamate-release\", emax = 0.5, ec50 = 15, site = {site} }}]\n\
             [[arm]]\nname = \"a\"\ntherapies = [{{ drug = \"x\" }}]\n"
        )
    };
    let s = scenario::parse("site.toml", "site", &src("\"nav-1\"")).unwrap();
    assert_eq!(
        s.arms()[0].therapies[0].definition.effects[0]
            .site
            .as_deref(),
        Some("nav-1")
    );
    for bad in ["\"Na V\"", "\"\"", "\"1nav\"", "3"] {
        let report = scenario::parse("site.toml", "site", &src(bad))
            .err()
            .unwrap_or_else(|| panic!("accepted site {bad}"))
            .report();
        assert!(report.contains("drug.x.effect[0].site"), "{bad}:\n{report}");
    }
}

#[test]
fn efflux_induction_lowers_the_cns_exposure_of_every_effect_and_recovers_after_the_stop() {
    // Riluzole, a P-glycoprotein and BCRP substrate, with only its efflux term (fixed ceiling):
    // 12 months on, 12 off, then on again.
    let d = library::find("riluzole").unwrap();
    let k = d
        .resistance
        .iter()
        .position(|r| r.mechanism.lowers_exposure())
        .expect("riluzole carries efflux induction");
    let r = d.resistance[k].clone();
    assert!(!r.rebound, "efflux acts only through the drug");
    let with_efflux = |on: bool| {
        plan_with("riluzole", |t| {
            t.definition.resistance = if on {
                vec![alssim::therapy::Resistance {
                    ceiling_cv: 0.0,
                    ..r.clone()
                }]
            } else {
                Vec::new()
            };
            t.holidays = Some((12.0, 12.0));
        })
    };
    let (untreated, induced, schedule, enroll) = default_patient_course(&with_efflux(true));
    let (_, plain, plain_schedule, _) = default_patient_course(&with_efflux(false));
    let release = |s: &Schedule, t: f64| s.law_at(t).at(t).glutamate_release;
    // At the start the full effect; under sustained exposure the CNS ratio falls towards
    // (1 − ceiling) of its value, and the effect towards the Emax curve at that concentration.
    let e0 = 1.0 - release(&schedule, enroll + 1e-9);
    let eff = &d.effects[0];
    let c = d.tissue_concentration(1.0, 1.0, 1.0);
    assert!((e0 - eff.at(c)).abs() < 1e-9, "{e0}");
    let full = eff.at(c * (1.0 - r.ceiling));
    let at = |m: f64| 1.0 - release(&schedule, enroll + m);
    let expected = |m: f64| e0 - (e0 - full) * (1.0 - (-m / r.build_up_months).exp());
    for m in [3.0, 6.0, 11.9] {
        assert!(
            (at(m) - expected(m)).abs() < 1e-9,
            "{m}: {} vs {}",
            at(m),
            expected(m)
        );
    }
    assert!(at(11.9) < 0.85 * e0);
    assert!((1.0 - release(&plain_schedule, enroll + 11.9) - e0).abs() < 1e-9);
    // Off the drug nothing is left (no rebound); the transporters return to baseline with the
    // washout time constant, so the restart after 12 months begins near the full effect.
    assert_eq!(release(&schedule, enroll + 12.5), 1.0);
    assert!(
        at(24.0 + 1e-9) > e0 - 1e-4 * e0,
        "{} vs {e0}",
        at(24.0 + 1e-9)
    );
    // The disease state it names: extracellular glutamate in the onset region, lowered by
    // the drug, climbs back towards untreated as the drug's CNS exposure falls.
    let model = PatientModel::new(Params::default(), Covariates::default()).unwrap();
    let region = Covariates::default().onset_region;
    let glutamate = |sol: &alssim::solve::Solution, s: &Schedule, t: f64| {
        model.glutamate(&sol.state_at(t).unwrap(), region, &s.law_at(t).at(t))
    };
    let g = |m: f64| {
        (
            glutamate(&induced, &schedule, enroll + m),
            glutamate(&plain, &plain_schedule, enroll + m),
            glutamate(&untreated, &Schedule::untreated(), enroll + m),
        )
    };
    let (a, b, u) = g(0.01);
    assert!((a - b).abs() < 1e-3 * b && a < u, "{a} {b} {u}");
    let (a, b, u) = g(11.0);
    assert!(b < a && a < u, "plain {b} induced {a} untreated {u}");
}

#[test]
fn the_exposure_chain_reproduces_the_documented_kinetics_and_food_flows_through_it() {
    // Every drug that states its plasma kinetics: 60 days of regular doses, summed dose by
    // dose, settle on the documented steady-state concentration (the mean of the last
    // interval).
    let mut with_pk = 0;
    for d in library::builtin() {
        let Some(e) = &d.exposure else { continue };
        let Some(pk) = &e.pk else { continue };
        with_pk += 1;
        let tau = pk.interval_hours;
        let end = (60.0 * 24.0 / tau).ceil() * tau;
        let n = 2000;
        let mean = (0..n)
            .map(|i| pk.after_first_dose(end - tau + tau * (f64::from(i) + 0.5) / f64::from(n)))
            .sum::<f64>()
            / f64::from(n);
        let simulated = e.concentration * mean;
        assert!(
            (simulated - e.concentration).abs() < 0.01 * e.concentration,
            "{}: {simulated} against the documented {}",
            d.name,
            e.concentration
        );
    }
    assert!(with_pk >= 4, "{with_pk}");
    // Riluzole: steady state within 5 days and a peak 1-1.5 h after a dose (Le Liboux 1997;
    // label).
    let pk = |name: &str| {
        library::find(name)
            .unwrap()
            .exposure
            .clone()
            .unwrap()
            .pk
            .unwrap()
    };
    let riluzole = pk("riluzole");
    assert!(riluzole.days_to_steady_state(0.9) <= 5.0);
    let ss = riluzole.steady_state();
    assert!((1.0..=1.5).contains(&ss.peak_hours), "{ss:?}");
    // Edaravone is present on dosing days only: by the next day's dose under 5% of the level
    // right after the first dose is left.
    let edaravone = pk("edaravone-iv");
    assert!(edaravone.after_first_dose(24.0 - 1e-9) < 0.05 * edaravone.after_first_dose(0.0));

    // Food: riluzole taken with meals reaches the tissue at 0.8 of the fasting exposure, and
    // its effect is the Emax curve there; the modulation of the arm shows it.
    let release = |food: alssim::therapy::pk::Food| {
        let plan = plan_with("riluzole", |t| {
            t.definition.resistance.clear();
            t.food = food;
        });
        let s = plan
            .schedule(Genotype::Sporadic, 30.0, &TriggerTimes::default(), 1, 0)
            .unwrap()
            .unwrap();
        1.0 - s.law_at(31.0).at(31.0).glutamate_release
    };
    let d = library::find("riluzole").unwrap();
    let c = d.tissue_concentration(1.0, 1.0, 1.0);
    let fed = release(alssim::therapy::pk::Food::Fed);
    assert!((fed - d.effects[0].at(0.8 * c)).abs() < 1e-12, "{fed}");
    assert!(fed < release(alssim::therapy::pk::Food::Fasted));
    // ... and a scenario says so.
    let s = scenario::parse(
        "food.toml",
        "food",
        r#"
[scenario]
name = "food"
[[arm]]
name = "fed"
therapies = [{ drug = "riluzole", food = "fed" }]
"#,
    )
    .unwrap();
    assert_eq!(
        s.arms()[0].therapies[0].food,
        alssim::therapy::pk::Food::Fed
    );
    assert!((s.arms()[0].therapies[0].exposure_scale() - 0.8).abs() < 1e-15);
}

#[test]
fn unit_recovery_rescues_dysfunctional_units_and_never_more_than_are_alive() {
    use alssim::model::RegionVar;
    use alssim::therapy::{Effect, Target};
    // A strong hypothetical recovery drug (recovery up to 11 times its untreated rate, at
    // saturation) from 6 months after onset, in the default patient.
    let plan = plan_with("riluzole", |t| {
        t.definition.resistance.clear();
        t.definition.effects = vec![Effect {
            target: Target::UnitRecovery,
            emax: 10.0,
            ec50: 1e-6,
            hill: 1.0,
            site: None,
        }];
    });
    let (untreated, treated, _, enroll) = default_patient_course(&plan);
    let region = Covariates::default().onset_region;
    let at = |s: &alssim::solve::Solution, t: f64| {
        let y = s.state_at(t).unwrap();
        (
            y[region.idx(RegionVar::Neurons)],
            y[region.idx(RegionVar::Dysfunctional)],
        )
    };
    let (n0, d0) = at(&untreated, enroll);
    assert!(
        d0 > 0.005,
        "the onset region has dysfunctional units to rescue: {d0}"
    );
    // Within a month most dysfunctional units are functional again ...
    let (n1, d1) = at(&treated, enroll + 1.0);
    let (_, du1) = at(&untreated, enroll + 1.0);
    assert!(d1 < 0.5 * du1, "{d1} vs untreated {du1}");
    // ... but a dead unit never returns: alive units never rise, and the functional fraction
    // never exceeds them, so the gain is bounded by the dysfunctional units alive at the start.
    let mut last_n = n0;
    for k in 1..=48 {
        let (n, d) = at(&treated, enroll + 0.25 * f64::from(k));
        assert!(
            n <= last_n + 1e-12,
            "alive units rose at {k}: {last_n} -> {n}"
        );
        assert!(
            d >= -1e-12 && d <= n + 1e-12,
            "dysfunctional {d} outside the alive {n}"
        );
        last_n = n;
    }
    // The functional fraction gains over the untreated course; the gain comes from rescued
    // dysfunctional units and from units that recovered instead of dying (so the treated course
    // keeps at least as many alive), and the loop above bounds it by the alive units.
    let (nu1, _) = at(&untreated, enroll + 1.0);
    let gain = (n1 - d1) - (nu1 - du1);
    assert!(gain > 0.0, "gain {gain}");
    assert!(
        n1 >= nu1 - 1e-12,
        "recovery never kills: alive {n1} treated, {nu1} untreated"
    );
}

#[test]
fn dose_changes_splice_the_regimen_at_each_dose() {
    use alssim::therapy::plan::timeline;
    // PB-TURSO as labelled: one sachet a day (half the maintenance dose) for three weeks, then
    // twice a day.
    let mut t = TherapySpec::new(library::find("pb-turso").unwrap().clone());
    t.dose = 0.5;
    t.dose_changes = vec![(0.69, 1.0)];
    let d = &t.definition;
    let tl = timeline(d, &t, 120.0);
    let half = d.effects_at(0.5, 1.0, 1.0);
    let full = d.effects_at(1.0, 1.0, 1.0);
    assert_eq!(tl.at(0.3).unwrap(), half.as_slice());
    assert_eq!(tl.at(0.69).unwrap(), full.as_slice());
    assert_eq!(tl.at(60.0).unwrap(), full.as_slice());
    // Emax: half the dose keeps more than half the effect.
    assert!(half[0] > 0.5 * full[0]);

    // A cyclic drug keeps its cycles; from the change on, every level is the regimen's level at
    // the new dose, and before it, at the old one.
    let mut e = TherapySpec::new(library::find("edaravone-iv").unwrap().clone());
    e.cycles = CycleMode::Resolved;
    e.dose_changes = vec![(3.0, 2.0)];
    let spliced = timeline(&e.definition, &e, 24.0);
    let mut at_two = e.clone();
    at_two.dose_changes.clear();
    at_two.dose = 2.0;
    let two = timeline(&e.definition, &at_two, 24.0);
    let mut at_one = e.clone();
    at_one.dose_changes.clear();
    let one = timeline(&e.definition, &at_one, 24.0);
    for k in 0..2400 {
        let m = f64::from(k) * 0.01;
        let expected = if m < 3.0 { one.at(m) } else { two.at(m) };
        assert_eq!(spliced.at(m), expected, "month {m}");
    }
    // And a scenario says so.
    let s = scenario::parse(
        "titration.toml",
        "titration",
        r#"
[scenario]
name = "titration"
[[arm]]
name = "pb-turso"
therapies = [{ drug = "pb-turso", dose = 0.5, dose-changes = [{ at-months = 0.69, dose = 1 }] }]
"#,
    )
    .unwrap();
    assert_eq!(s.arms()[0].therapies[0].dose_changes, vec![(0.69, 1.0)]);
}
