//! The HTML page of a trial run (`report.html` of `alssim trial`): the design, the
//! CONSORT-style flow, the first trial's results beside the paired effects, power and the power
//! curve.

use crate::trial::output::{ArmConduct, Power, SizeResults};
use crate::trial::{Flow, TrialDesign};
use std::fmt::Write as _;

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
    use super::html::{STYLE, base64, escape};
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
    flow(&mut h, r);
    first_trial(&mut h, r);
    power_table(&mut h, r);
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

/// Flow (CONSORT): the pool, then the arms of the first trial.
fn flow(h: &mut String, r: &ReportInput<'_>) {
    use super::html::escape;
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
}

/// Results of the first trial, beside the paired effect, and what each endpoint estimates.
fn first_trial(h: &mut String, r: &ReportInput<'_>) {
    use super::html::escape;
    let d = r.design;
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
}

/// Power over the simulated trials, when there are several.
fn power_table(h: &mut String, r: &ReportInput<'_>) {
    use super::html::escape;
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
}
