//! `report.html`: one self-contained page summarising a result folder.
//!
//! Figures are embedded as base64 `data:` URIs of the files found in the folder (PNG when
//! present, otherwise SVG); the style sheet is inline, so the page needs nothing else.

use super::figures::{NamedFigure, median_text, months};
use crate::results::estimates::KEY_MONTHS;
use crate::results::manifest::Failure;
use crate::results::{Estimates, ResultData};
use std::fmt::Write;
use std::path::Path;

/// Standard base64 (RFC 4648, with padding).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * k)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Text escaped for HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn num(x: f64, digits: usize) -> String {
    if x.is_finite() {
        format!("{x:.digits$}")
    } else {
        "–".into()
    }
}

/// The style sheet of every alssim HTML page.
pub const STYLE: &str = "body{font-family:'DejaVu Sans',Verdana,sans-serif;max-width:1240px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\
h1{margin-bottom:0.2em}h2{margin-top:1.8em;border-bottom:1px solid #ddd}\
table{border-collapse:collapse;margin:0.8em 0}th,td{border:1px solid #ccc;padding:0.3em 0.6em;text-align:right}\
th{background:#f2f2f2}td:first-child,th:first-child{text-align:left}\
figure{margin:1.5em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}\
figcaption{color:#444;font-size:0.95em}.note{color:#444}.small{color:#666;font-size:0.9em}";

/// The whole page. `dir` is where the figure files are looked up; `failed` names the figure
/// files that could not be written.
pub fn report(
    data: &ResultData,
    est: &Estimates,
    figures: &[NamedFigure],
    notes: &[String],
    failed: &[String],
    dir: &Path,
) -> String {
    let m = &data.manifest;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>alssim report: {name}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>Scenario {name}</h1>\n<p>{desc}</p>\n",
        name = escape(data.name()),
        desc = escape(data.description()),
    );
    let failures: Vec<String> = m
        .screen_failures
        .iter()
        .filter(|(_, v)| **v > 0)
        .map(|(k, v)| format!("{} {}", escape(k), v))
        .collect();
    let _ = write!(
        h,
        "<table>\n<tr><th>screened</th><th>enrolled</th><th>screen failures</th><th>failed</th></tr>\n\
         <tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n</table>\n\
         <p class=\"small\">alssim {} &middot; seed {} &middot; scenario hash {} &middot; {} simulated in {} s</p>\n",
        m.screened,
        m.enrolled,
        if failures.is_empty() {
            "0".into()
        } else {
            failures.join(", ")
        },
        m.failed,
        escape(&m.version),
        m.seed,
        escape(&m.scenario_hash_fnv1a64),
        m.screened,
        num(m.wall_seconds, 2),
    );
    key_numbers(&mut h, data, est);
    who_benefits(&mut h, est);
    uncertainty(&mut h, dir);
    if !notes.is_empty() {
        h.push_str("<h2>Notes</h2>\n<ul>\n");
        for n in notes {
            let _ = writeln!(h, "<li class=\"note\">{}</li>", escape(n));
        }
        h.push_str("</ul>\n");
    }
    figures_section(&mut h, figures, failed, dir);
    failed_patients(&mut h, &m.failures);
    h.push_str("</body>\n</html>\n");
    h
}

/// The figures, embedded (PNG, or SVG where the PNG is missing), and the files that could not
/// be written.
fn figures_section(h: &mut String, figures: &[NamedFigure], failed: &[String], dir: &Path) {
    h.push_str("<h2>Figures</h2>\n");
    if !failed.is_empty() {
        let mut names: Vec<&str> = failed.iter().map(String::as_str).collect();
        names.sort_unstable();
        let _ = writeln!(
            h,
            "<p class=\"note\" id=\"figures-not-written\">{} figure file{} could not be written \
             (the tables are complete): {}</p>",
            names.len(),
            if names.len() == 1 { "" } else { "s" },
            escape(&names.join(", "))
        );
    }
    for f in figures {
        let png = dir.join(format!("{}.png", f.name));
        let svg = dir.join(format!("{}.svg", f.name));
        let src = if let Ok(bytes) = std::fs::read(&png) {
            format!("data:image/png;base64,{}", base64(&bytes))
        } else if let Ok(bytes) = std::fs::read(&svg) {
            format!("data:image/svg+xml;base64,{}", base64(&bytes))
        } else {
            continue;
        };
        let _ = write!(
            h,
            "<figure id=\"{name}\">\n<img alt=\"{name}\" src=\"{src}\">\n\
             <figcaption><b>{name}</b>: {cap}</figcaption>\n</figure>\n",
            name = escape(&f.name),
            cap = escape(&f.caption),
        );
    }
}

fn key_numbers(h: &mut String, data: &ResultData, est: &Estimates) {
    h.push_str(
        "<h2>Key numbers per arm</h2>\n<table>\n<tr><th>arm</th><th>enrolled</th><th>deaths</th>\
         <th>median survival, months (95% CI)</th>",
    );
    for (i, m) in KEY_MONTHS.iter().enumerate() {
        let _ = write!(
            h,
            "<th>{}month {m}<br>mean / median</th>",
            if i == 0 { "ALSFRS-R " } else { "" }
        );
    }
    h.push_str(
        "<th>mean ALSFRS-R slope<br>points/month</th><th>baseline NfL, pg/mL<br>median</th></tr>\n",
    );
    for ((arm, fit), key) in data.arms.iter().zip(&est.survival).zip(&est.key) {
        let at: Vec<String> = key
            .alsfrs_at
            .iter()
            .map(|v| {
                v.map_or_else(
                    || "–".into(),
                    |(mean, median)| format!("{} / {}", num(mean, 1), num(median, 1)),
                )
            })
            .collect();
        let ci = match fit.median_ci {
            (None, None) => String::new(),
            (a, b) => format!(" ({}-{})", months(a), months(b)),
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(arm),
            fit.n,
            fit.events,
            median_text(fit),
            ci,
            at.join("</td><td>"),
            num(key.mean_slope.unwrap_or(f64::NAN), 2),
            num(key.median_baseline_nfl.unwrap_or(f64::NAN), 1),
        );
    }
    let _ = writeln!(
        h,
        "</table>\n<p class=\"small\">Survival: Kaplan-Meier from enrollment to death or permanent \
         ventilation (Brookmeyer-Crowley interval). ALSFRS-R at months since {} over patients alive \
         at the visit; &ndash; where there is no such visit.</p>",
        escape(data.visits_from())
    );
}

/// The responder analysis: each treated arm's individual survival benefit and the patient
/// characteristics that go with it.
/// The section of `--uncertainty N` (`uncertainty.csv` in `dir`, when there is one): every arm's
/// median survival and slope and their differences from the first arm, with 95% credible
/// intervals over the parameter sets, and whether each difference's interval includes zero.
fn uncertainty(h: &mut String, dir: &Path) {
    use crate::results::uncertainty::{ArmIntervals, read_draws_csv};
    let Some(arms) = std::fs::read_to_string(dir.join("uncertainty.csv"))
        .ok()
        .and_then(|t| read_draws_csv(&t))
    else {
        return;
    };
    let Some((first, rows)) = arms.first() else {
        return;
    };
    let _ = write!(
        h,
        "<h2 id=\"uncertainty\">With parameter uncertainty</h2>\n<p>The arms under {draws} parameter sets drawn \
         from the posterior of the population parameters (docs/CALIBRATION.md), each with its own patients: the \
         median over the draws and its 95% credible interval, which combines what the natural-history targets \
         leave unknown with patient variability. The model is calibrated to natural history, not to trial \
         results.</p>\n<table>\n<tr><th>arm</th><th>median survival, months</th><th>vs {first}</th>\
         <th>mean ALSFRS-R slope, points/month</th><th>vs {first}</th></tr>\n",
        draws = rows.len(),
        first = escape(first)
    );
    for (k, (arm, rows)) in arms.iter().enumerate() {
        let i = ArmIntervals::of(rows);
        let diff = |x: crate::results::uncertainty::Interval, digits| {
            if k == 0 {
                "-".into()
            } else {
                x.text_against(digits, 0.0)
            }
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(arm),
            i.median_survival.text(1),
            diff(i.median_survival_vs_first, 1),
            i.mean_slope.text(3),
            diff(i.slope_vs_first, 3),
        );
    }
    h.push_str("</table>\n");
    if let Ok(bytes) = std::fs::read(dir.join("uncertainty-survival.png")) {
        let _ = writeln!(
            h,
            "<figure><img src=\"data:image/png;base64,{}\" alt=\"Survival of each arm with its 95% credible band over the parameter sets; the numbers are in the table above\"></figure>",
            base64(&bytes)
        );
    }
}

fn who_benefits(h: &mut String, est: &Estimates) {
    if est.responders.is_empty() {
        return;
    }
    h.push_str(
        "<h2 id=\"who-benefits\">Who benefits</h2>\n<p class=\"small\">Every patient is \
         simulated in every arm, so each patient's own benefit is known: months of survival \
         (death or permanent ventilation, within follow-up) gained against the first arm, and \
         ALSFRS-R points at month 12 among patients alive then in both arms (columns \
         <code>benefit_survival_months</code> and <code>benefit_alsfrs_r_12</code> of \
         <code>patients.csv</code>). &rho; is the Spearman rank correlation of a characteristic \
         with that benefit. These are associations within the simulated population: they show \
         what drives the benefit in the model, not subgroups validated in patients.</p>\n",
    );
    for r in &est.responders {
        let _ = writeln!(
            h,
            "<h3>{arm} against {control}</h3>\n<p>Survival gained per patient: mean {mean} months, \
             median {median}, 90th percentile {p90}; {share}% of the {n} patients gain at least {min} \
             month.</p>",
            arm = escape(&r.arm),
            control = escape(&r.control),
            mean = num(r.mean, 2),
            median = num(r.median, 2),
            p90 = num(r.p90, 2),
            share = num(100.0 * r.share_benefiting, 1),
            n = r.n,
            min = crate::results::responders::BENEFIT_MONTHS,
        );
        h.push_str(
            "<table>\n<tr><th>characteristic</th><th>patients</th><th>&rho; with survival gained</th>\
             <th>mean survival gained, months<br>lowest quarter</th><th><br>highest quarter</th>\
             <th>&rho; with ALSFRS-R gained<br>at month 12</th></tr>\n",
        );
        for p in &r.numeric {
            let _ = writeln!(
                h,
                "<tr><td title=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&p.meaning),
                escape(&p.name),
                p.n,
                num(p.rho_survival, 2),
                num(p.lowest_quarter, 2),
                num(p.highest_quarter, 2),
                num(p.rho_alsfrs, 2),
            );
        }
        h.push_str(
            "</table>\n<table>\n<tr><th>characteristic</th><th>patients</th>\
             <th>mean survival gained, months</th><th>mean ALSFRS-R gained at month 12</th></tr>\n",
        );
        for c in &r.categorical {
            for l in &c.levels {
                let _ = writeln!(
                    h,
                    "<tr><td>{} = {}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    escape(&c.name),
                    escape(&l.value),
                    l.n,
                    num(l.mean_survival, 2),
                    num(l.mean_alsfrs, 2),
                );
            }
        }
        h.push_str("</table>\n");
    }
}

fn failed_patients(h: &mut String, list: &[Failure]) {
    if list.is_empty() {
        h.push_str("<h2>Failures</h2>\n<p>Every patient could be simulated.</p>\n");
        return;
    }
    let _ = writeln!(
        h,
        "<h2>Failures</h2>\n<p>{} patient(s) could not be simulated (drawn parameters that break a rule across parameters, or a failed integration) and are left out of the tables.</p>\n\
         <table>\n<tr><th>index</th><th>genotype</th><th>onset region</th><th>error</th></tr>",
        list.len()
    );
    for f in list {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td style=\"text-align:left\">{}</td></tr>",
            f.index,
            escape(&f.genotype),
            escape(&f.onset_region),
            escape(&f.error)
        );
    }
    h.push_str("</table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_examples() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), coded);
        }
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
