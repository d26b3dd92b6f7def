//! Summaries and tables of a trial run: power over replicates, the per-replicate results, the
//! screening flow and the tidy per-patient data of one replicate.

use super::design::{Endpoint, TrialDesign};
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
        "patient,arm,period,month,week,{},alsfrs_r,fvc_pct,nfl_pg_ml,dropped_out_month,died_month\n",
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
                "{},{},{period},{:.4},{:.2},{},{},{:.3},{:.3},{},{}",
                p.index,
                arm_names[p.arm],
                month,
                month * 30.4375 / 7.0,
                its.join(","),
                o.total(),
                o.fvc,
                o.nfl,
                dropped,
                died
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
            .any(|o| (p.months(o) - last_visit).abs() < 1e-6)
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

/// What the HTML report of a trial shows.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    /// Scenario name.
    pub name: &'a str,
    /// Scenario description.
    pub description: &'a str,
    /// The design.
    pub design: &'a TrialDesign,
    /// Arm names, control first.
    pub arm_names: &'a [String],
    /// The pool's flow.
    pub flow: &'a Flow,
    /// Conduct of the first trial at the first sample size.
    pub conduct: &'a [ArmConduct],
    /// Results of every sample size.
    pub sizes: &'a [SizeResults],
    /// Power rows.
    pub power: &'a [Power],
    /// The power figure as PNG, when drawn.
    pub power_png: Option<&'a [u8]>,
    /// Master seed.
    pub seed: u64,
}

fn cell(x: f64, digits: usize) -> String {
    if x.is_finite() {
        format!("{x:.digits$}")
    } else {
        "–".into()
    }
}

/// The trial's `report.html`: design, CONSORT-style flow, results beside the paired effects,
/// power and the power curve.
pub fn report_html(r: &ReportInput<'_>) -> String {
    use crate::report::html::{STYLE, base64, escape};
    let d = r.design;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>alssim trial: {name}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>Virtual trial {name}</h1>\n<p>{desc}</p>\n<p class=\"small\">Design: {src} \
         &middot; seed {seed} &middot; α = {alpha} &middot; primary endpoint {primary}</p>\n",
        name = escape(r.name),
        desc = escape(r.description),
        src = escape(if d.source.is_empty() {
            "no source given"
        } else {
            &d.source
        }),
        seed = r.seed,
        alpha = d.alpha,
        primary = d.primary(),
    );
    let conduct = d.describe(r.arm_names);
    if !conduct.is_empty() {
        h.push_str("<ul>\n");
        for line in conduct {
            let _ = writeln!(h, "<li>{}</li>", escape(&line));
        }
        h.push_str("</ul>\n");
    }
    // Flow: the pool, then the first trial.
    let f = r.flow;
    h.push_str("<h2>Flow (CONSORT)</h2>\n<table>\n<tr><th>stage</th><th>patients</th></tr>\n");
    let _ = writeln!(h, "<tr><td>screened</td><td>{}</td></tr>", f.screened);
    for (reason, n) in &f.screen_failures {
        let _ = writeln!(
            h,
            "<tr><td>&nbsp;&nbsp;excluded at screening: {}</td><td>{n}</td></tr>",
            escape(reason)
        );
    }
    if f.failed > 0 {
        let _ = writeln!(
            h,
            "<tr><td>&nbsp;&nbsp;integration failed</td><td>{}</td></tr>",
            f.failed
        );
    }
    let _ = writeln!(
        h,
        "<tr><td>enrolled by the population's screening</td><td>{}</td></tr>",
        f.enrolled
    );
    for (x, n) in &f.excluded {
        if *n > 0 {
            let _ = writeln!(
                h,
                "<tr><td>&nbsp;&nbsp;excluded by the trial: {}</td><td>{n}</td></tr>",
                x.name()
            );
        }
    }
    let _ = writeln!(
        h,
        "<tr><td>eligible pool</td><td>{}</td></tr>\n</table>",
        f.eligible
    );
    h.push_str(
        "<p class=\"small\">Each simulated trial draws its patients from the eligible pool. The \
         first trial:</p>\n<table>\n<tr><th>arm</th><th>randomised</th><th>completed</th>\
         <th>dropped out</th><th>died</th></tr>\n",
    );
    for (a, c) in r.conduct.iter().enumerate() {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&r.arm_names[a]),
            c.randomised,
            c.completed,
            c.dropped_out,
            c.died
        );
    }
    h.push_str("</table>\n");
    // Results: the first trial, beside the paired effect.
    h.push_str(
        "<h2>Results of the first trial</h2>\n<p class=\"small\">The paired column is what a \
         real trial cannot see: the mean, over the same randomised patients, of their own course \
         in the arm minus their own course in the control.</p>\n<table>\n<tr><th>endpoint</th>\
         <th>comparison</th><th>estimate</th><th>CI</th><th>p</th><th>n</th><th>paired</th></tr>\n",
    );
    if let Some(first) = r.sizes.first().and_then(|s| s.replicates.first()) {
        for x in first {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{} vs {}</td><td>{}</td><td>{} to {}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                x.endpoint,
                escape(&r.arm_names[x.arm]),
                escape(&r.arm_names[0]),
                cell(x.estimate, 3),
                cell(x.lower, 3),
                cell(x.upper, 3),
                cell(x.p, 4),
                x.n,
                cell(x.paired, 3)
            );
        }
    }
    h.push_str("</table>\n<ul class=\"small\">\n");
    for e in &d.endpoints {
        let _ = writeln!(h, "<li><b>{e}</b>: {}</li>", escape(e.estimate()));
    }
    h.push_str("</ul>\n");
    let replicates = r.sizes.first().map_or(0, |s| s.replicates.len());
    if replicates > 1 {
        let _ = write!(
            h,
            "<h2>Power over {replicates} simulated trials</h2>\n<table>\n<tr><th>patients</th>\
             <th>endpoint</th><th>comparison</th><th>power</th><th>95% CI</th>\
             <th>mean estimate</th><th>SD</th><th>paired</th></tr>\n"
        );
        for p in r.power {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{} vs {}</td><td>{}</td><td>{} to {}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                p.sample_size,
                p.endpoint,
                escape(&r.arm_names[p.arm]),
                escape(&r.arm_names[0]),
                cell(p.power, 3),
                cell(p.power_ci.0, 3),
                cell(p.power_ci.1, 3),
                cell(p.estimate_mean, 3),
                cell(p.estimate_sd, 3),
                cell(p.paired_mean, 3)
            );
        }
        h.push_str("</table>\n");
    }
    if let Some(png) = r.power_png {
        let _ = write!(
            h,
            "<figure id=\"power\">\n<img alt=\"power\" src=\"data:image/png;base64,{}\">\n\
             <figcaption><b>power</b>: share of simulated trials with p &lt; α against the number \
             randomised, with 95% Wilson intervals</figcaption>\n</figure>\n",
            base64(png)
        );
    }
    h.push_str("</body>\n</html>\n");
    h
}
