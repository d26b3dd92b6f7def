//! Summaries and tables of a trial run: power over replicates, the per-replicate results, the
//! screening flow and the tidy per-patient data of one replicate.

use super::design::{DAYS_PER_MONTH, Endpoint, TrialDesign};
use super::run::{EndpointResult, Flow, TrialPatient};
use std::fmt::Write as _;

/// The results of every replicate at one sample size.
#[derive(Debug, Clone)]
pub struct SizeResults {
    /// Patients randomised per replicate.
    pub sample_size: usize,
    /// Results, replicate by replicate, in replicate order.
    pub replicates: Vec<Vec<EndpointResult>>,
}

/// Power and the distribution of the estimate of one endpoint and comparison at one sample
/// size.
#[derive(Debug, Clone, PartialEq)]
pub struct Power {
    /// Patients randomised per replicate.
    pub sample_size: usize,
    /// The endpoint.
    pub endpoint: Endpoint,
    /// The compared arm.
    pub arm: usize,
    /// Replicates with a p-value.
    pub analysed: usize,
    /// Replicates with p < α.
    pub significant: usize,
    /// Share significant among all replicates (a replicate without a p-value counts as not
    /// significant).
    pub power: f64,
    /// Wilson 95% interval of the power.
    pub power_ci: (f64, f64),
    /// Mean and standard deviation of the estimate over replicates with one.
    pub estimate_mean: f64,
    /// Standard deviation of the estimate.
    pub estimate_sd: f64,
    /// Mean paired effect (NaN where not defined).
    pub paired_mean: f64,
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let sd = if v.len() > 1 {
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        f64::NAN
    };
    (m, sd)
}

/// Power of every endpoint and comparison at one sample size.
pub fn power(results: &SizeResults, design: &TrialDesign, arms: usize) -> Vec<Power> {
    let mut out = Vec::new();
    let r = results.replicates.len();
    for &endpoint in &design.endpoints {
        for arm in 1..arms {
            let rows: Vec<&EndpointResult> = results
                .replicates
                .iter()
                .flatten()
                .filter(|x| x.endpoint == endpoint && x.arm == arm)
                .collect();
            let significant = rows.iter().filter(|x| x.significant(design.alpha)).count();
            let analysed = rows.iter().filter(|x| x.p.is_finite()).count();
            let est: Vec<f64> = rows
                .iter()
                .map(|x| x.estimate)
                .filter(|x| x.is_finite())
                .collect();
            let paired: Vec<f64> = rows
                .iter()
                .map(|x| x.paired)
                .filter(|x| x.is_finite())
                .collect();
            let (estimate_mean, estimate_sd) = mean_sd(&est);
            out.push(Power {
                sample_size: results.sample_size,
                endpoint,
                arm,
                analysed,
                significant,
                power: if r == 0 {
                    f64::NAN
                } else {
                    significant as f64 / r as f64
                },
                power_ci: crate::stats::summary::proportion_ci(significant, r, 0.95)
                    .unwrap_or((f64::NAN, f64::NAN)),
                estimate_mean,
                estimate_sd,
                paired_mean: mean_sd(&paired).0,
            });
        }
    }
    out
}

fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.6}")
    } else {
        String::new()
    }
}

/// `trial.csv`: one row per sample size, replicate, endpoint and comparison.
pub fn trial_csv(sizes: &[SizeResults], arm_names: &[String]) -> String {
    use crate::results::table::num::finite;
    let mut rows = Vec::new();
    for size in sizes {
        for (r, results) in size.replicates.iter().enumerate() {
            for x in results {
                rows.push(crate::results::trial::TrialRow {
                    sample_size: size.sample_size,
                    replicate: r + 1,
                    endpoint: x.endpoint.to_string(),
                    arm: arm_names[x.arm].clone(),
                    control: arm_names[0].clone(),
                    estimate: finite(x.estimate),
                    ci_low: finite(x.lower),
                    ci_high: finite(x.upper),
                    p: finite(x.p),
                    n: x.n,
                    paired: finite(x.paired),
                });
            }
        }
    }
    crate::results::trial::trial_csv(&rows)
}

/// `power.csv`: one row per sample size, endpoint and comparison.
pub fn power_csv(rows: &[Power], arm_names: &[String], replicates: usize) -> String {
    let mut s = String::from(
        "sample_size,endpoint,arm,control,replicates,analysed,significant,power,power_ci_low,\
         power_ci_high,estimate_mean,estimate_sd,paired_mean\n",
    );
    for p in rows {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{},{},{},{},{}",
            p.sample_size,
            p.endpoint,
            arm_names[p.arm],
            arm_names[0],
            replicates,
            p.analysed,
            p.significant,
            num(p.power),
            num(p.power_ci.0),
            num(p.power_ci.1),
            num(p.estimate_mean),
            num(p.estimate_sd),
            num(p.paired_mean)
        );
    }
    s
}

/// `flow.csv`: the screening and eligibility flow, one stage per row.
pub fn flow_csv(flow: &Flow) -> String {
    let mut s = String::from("stage,reason,patients\n");
    let _ = writeln!(s, "screened,,{}", flow.screened);
    for (reason, n) in &flow.screen_failures {
        let _ = writeln!(s, "screen-failure,{reason},{n}");
    }
    if flow.failed > 0 {
        let _ = writeln!(s, "integration-failed,,{}", flow.failed);
    }
    let _ = writeln!(s, "enrolled,,{}", flow.enrolled);
    for (x, n) in &flow.excluded {
        let _ = writeln!(s, "excluded,{},{n}", x.name());
    }
    let _ = writeln!(s, "eligible,,{}", flow.eligible);
    s
}

/// The tidy per-patient data of one replicate: one row per patient and visit seen, with the
/// period of the visit (`lead-in` at negative months, `randomised` from baseline on,
/// `extension` after the randomised period) and the patient's dropout and death times; months
/// count from randomisation.
pub fn patients_csv(patients: &[TrialPatient<'_>], arm_names: &[String]) -> String {
    let items = crate::model::alsfrs::ITEMS.map(|i| format!("item_{}", i.name));
    let mut s = format!(
        "patient,arm,period,month,week,scheduled_week,{},alsfrs_r,fvc_pct,nfl_pg_ml,dropped_out_month,died_month,background\n",
        items.join(",")
    );
    for p in patients {
        let dropped = p.dropped_out.map_or(String::new(), |d| format!("{d:.4}"));
        let died = if p.extension_died {
            format!("{:.4}", p.extension_observed_months)
        } else {
            String::new()
        };
        let lead_in = p.arms[p.arm]
            .visits
            .iter()
            .filter(|o| o.t < p.t0 - 1e-9)
            .map(|o| ("lead-in", o));
        let rows = lead_in
            .chain(std::iter::once(("randomised", p.baseline)))
            .chain(p.visits.iter().map(|o| ("randomised", *o)))
            .chain(p.extension_visits.iter().map(|o| ("extension", *o)));
        for (period, o) in rows {
            let month = p.months(o);
            let its: Vec<String> = o.items.iter().map(u8::to_string).collect();
            let _ = writeln!(
                s,
                "{},{},{period},{:.4},{:.2},{:.2},{},{},{:.3},{:.3},{},{},{}",
                p.index,
                arm_names[p.arm],
                month,
                month * DAYS_PER_MONTH / 7.0,
                p.scheduled(o) * DAYS_PER_MONTH / 7.0,
                its.join(","),
                o.total(),
                o.fvc,
                o.nfl,
                dropped,
                died,
                p.background
            );
        }
    }
    s
}

/// What happened to the randomised patients of one arm in one trial.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ArmConduct {
    /// Randomised to the arm.
    pub randomised: usize,
    /// Seen at the last scheduled visit.
    pub completed: usize,
    /// Dropped out before death and before the end of the randomised period.
    pub dropped_out: usize,
    /// Died (or permanent ventilation) while observed.
    pub died: usize,
}

/// Per-arm conduct of one trial.
pub fn conduct(patients: &[TrialPatient<'_>], arms: usize, last_visit: f64) -> Vec<ArmConduct> {
    let mut out = vec![ArmConduct::default(); arms];
    for p in patients {
        let c = &mut out[p.arm];
        c.randomised += 1;
        if p.visits
            .iter()
            .any(|o| (p.scheduled(o) - last_visit).abs() < 1e-6)
        {
            c.completed += 1;
        }
        if p.dropped_out.is_some_and(|d| d <= p.observed_months + 1e-9) {
            c.dropped_out += 1;
        }
        if p.died {
            c.died += 1;
        }
    }
    out
}
