//! Reading a spanned TOML document: typed getters that record every problem and never stop
//! at the first one, and key tracking so that no unknown key is silently ignored.

use super::diag::Diagnostic;
use super::text::readable;
use crate::model::params::edit_distance;
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// A spanned TOML value.
pub type Value<'i> = Spanned<DeValue<'i>>;

/// Collects diagnostics for one file.
pub struct Ctx<'s> {
    file: String,
    src: &'s str,
    diagnostics: Vec<Diagnostic>,
}

impl<'s> Ctx<'s> {
    /// A context for the file `file` with contents `src`.
    pub fn new(file: &str, src: &'s str) -> Self {
        Ctx {
            file: file.to_string(),
            src,
            diagnostics: Vec::new(),
        }
    }

    /// Records a problem.
    pub fn error(
        &mut self,
        span: Range<usize>,
        path: &str,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        self.diagnostics.push(Diagnostic::at(
            &self.file,
            self.src,
            span,
            path,
            message.into(),
            help,
        ));
    }

    /// The source text of a span, trimmed (empty if the span is not in the file).
    pub fn text(&self, span: Range<usize>) -> &'s str {
        self.src.get(span).unwrap_or("").trim()
    }

    /// The problems recorded, in file order.
    pub fn finish(mut self) -> Vec<Diagnostic> {
        self.diagnostics.sort_by_key(|d| (d.line, d.column));
        self.diagnostics
    }

    /// How many problems have been recorded so far.
    pub fn error_count(&self) -> usize {
        self.diagnostics.len()
    }
}

/// The top-level sections of a scenario file.
pub const SECTIONS: &[&str] = &[
    "scenario",
    "simulation",
    "population",
    "model",
    "drug",
    "arm",
    "trial",
];

/// Joins a key path.
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The closest candidate, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(&given.to_ascii_lowercase(), c), c))
        .filter(|&(d, c)| d <= (c.len() / 3).max(2))
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// The items as a comma-separated list of `code` names.
pub fn list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A table being read: remembers which keys were taken so the rest can be reported.
pub struct Table<'a, 'i> {
    table: &'a DeTable<'i>,
    /// Key path of the table.
    pub path: String,
    /// Span of the table (its header or inline braces).
    pub span: Range<usize>,
    allowed: &'static [&'static str],
}

impl<'a, 'i> Table<'a, 'i> {
    /// Reads `table` at `path`; `allowed` are its valid keys.
    pub fn new(
        table: &'a DeTable<'i>,
        path: &str,
        span: Range<usize>,
        allowed: &'static [&'static str],
    ) -> Self {
        Table {
            table,
            path: path.to_string(),
            span,
            allowed,
        }
    }

    /// The value of a key (which must be one of the allowed keys).
    pub fn get(&self, key: &str) -> Option<&'a Value<'i>> {
        debug_assert!(self.allowed.contains(&key), "{key} not declared");
        self.table.get(key)
    }

    /// The value of a key the table must have; without it, reports `message` (what the
    /// table needs) with `help` at the table and returns `None`.
    pub fn required(
        &self,
        ctx: &mut Ctx<'_>,
        key: &str,
        message: &str,
        help: &str,
    ) -> Option<&'a Value<'i>> {
        let v = self.get(key);
        if v.is_none() {
            ctx.error(
                self.span.clone(),
                &self.key_path(key),
                message,
                Some(help.to_string()),
            );
        }
        v
    }

    /// Path of a key of this table.
    pub fn key_path(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// Reports every key that is not allowed, with a suggestion and the accepted keys.
    pub fn check_keys(&self, ctx: &mut Ctx<'_>) {
        for (key, _) in self.table.iter() {
            let k: &str = key.get_ref();
            if self.allowed.contains(&k) {
                continue;
            }
            let help = match did_you_mean(k, self.allowed.iter().copied()) {
                Some(s) => format!("did you mean `{s}`? accepted keys: {}", list(self.allowed)),
                // A section name inside a table: written after a `[header]`, it belongs to it.
                None if !self.path.is_empty() && SECTIONS.contains(&k) => format!(
                    "`{k}` is a top-level section, but written after the `[{}]` header it belongs \
                     to that table: move it above the first header, or start it with its own \
                     header (`[{k}]`, or `[[arm]]` for arms)",
                    self.path
                ),
                None => format!("accepted keys: {}", list(self.allowed)),
            };
            ctx.error(
                key.span(),
                &self.key_path(k),
                format!("unknown key `{k}`"),
                Some(help),
            );
        }
    }
}

/// Reads a value as a table.
pub fn table<'a, 'i>(
    ctx: &mut Ctx<'_>,
    v: &'a Value<'i>,
    path: &str,
    allowed: &'static [&'static str],
) -> Option<Table<'a, 'i>> {
    match v.get_ref() {
        DeValue::Table(t) => {
            let t = Table::new(t, path, v.span(), allowed);
            t.check_keys(ctx);
            Some(t)
        }
        other => {
            ctx.error(
                v.span(),
                path,
                format!("expected a table, found {}", other.type_str()),
                Some(format!(
                    "write a table, e.g. `{{ {} = ... }}`; accepted keys: {}",
                    allowed.first().copied().unwrap_or("key"),
                    list(allowed)
                )),
            );
            None
        }
    }
}

/// Reads the number under `key` of `t` if it is there (see [`number`]); `None` when it is
/// absent or was reported.
pub fn opt_number(
    ctx: &mut Ctx<'_>,
    t: &Table<'_, '_>,
    key: &str,
    lo: f64,
    hi: f64,
    unit: &str,
) -> Option<f64> {
    t.get(key)
        .and_then(|v| number(ctx, v, &t.key_path(key), lo, hi, unit))
}

/// Reads a number (integer or float), finite and within `[lo, hi]`.
pub fn number(
    ctx: &mut Ctx<'_>,
    v: &Value<'_>,
    path: &str,
    lo: f64,
    hi: f64,
    unit: &str,
) -> Option<f64> {
    let x = match v.get_ref() {
        // Decimal integers of any size read as the nearest float (so a huge one is reported as
        // out of range, not as not finite); hexadecimal, octal and binary ones must fit i128.
        DeValue::Integer(i) if i.radix() == 10 => i.as_str().parse::<f64>().ok(),
        DeValue::Integer(i) => i128::from_str_radix(i.as_str(), i.radix())
            .ok()
            .map(|i| i as f64),
        DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
        other => {
            ctx.error(
                v.span(),
                path,
                format!("expected a number, found {}", other.type_str()),
                Some(range_help(lo, hi, unit)),
            );
            return None;
        }
    };
    match x {
        Some(x) if x.is_finite() && x >= lo && x <= hi => Some(x),
        Some(x) if x.is_finite() => {
            ctx.error(
                v.span(),
                path,
                format!("{} is out of range", readable(x)),
                Some(range_help(lo, hi, unit)),
            );
            None
        }
        _ => {
            ctx.error(
                v.span(),
                path,
                "the number must be finite",
                Some(range_help(lo, hi, unit)),
            );
            None
        }
    }
}

fn range_help(lo: f64, hi: f64, unit: &str) -> String {
    let unit = if unit.is_empty() {
        String::new()
    } else {
        format!(" {unit}")
    };
    let (lo, hi) = (short(lo), short(hi));
    if hi == "inf" {
        format!("accepted: a number of at least {lo}{unit}")
    } else {
        format!("accepted: a number from {lo} to {hi}{unit}")
    }
}

/// A bound as people write it: `1e-12` rather than `0.000000000001`.
fn short(x: f64) -> String {
    if x != 0.0 && x.abs() < 1e-4 {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// Reads a whole number within `[lo, hi]`.
pub fn integer(ctx: &mut Ctx<'_>, v: &Value<'_>, path: &str, lo: u64, hi: u64) -> Option<u64> {
    let help = Some(format!("accepted: a whole number from {lo} to {hi}"));
    match v.get_ref() {
        DeValue::Integer(i) => {
            // Signed parsing, so that `-0` and `+5` are read as 0 and 5.
            match i128::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) if (i128::from(lo)..=i128::from(hi)).contains(&n) => u64::try_from(n).ok(),
                _ => {
                    ctx.error(v.span(), path, format!("{i} is out of range"), help);
                    None
                }
            }
        }
        other => {
            ctx.error(
                v.span(),
                path,
                format!("expected a whole number, found {}", other.type_str()),
                help,
            );
            None
        }
    }
}

/// Reads a string.
pub fn string(ctx: &mut Ctx<'_>, v: &Value<'_>, path: &str) -> Option<String> {
    match v.get_ref() {
        DeValue::String(s) => Some(s.to_string()),
        other => {
            let help = match other {
                DeValue::Integer(_) | DeValue::Float(_) | DeValue::Boolean(_) => Some(format!(
                    "text goes in double quotes, e.g. \"{}\"",
                    ctx.text(v.span())
                )),
                _ => None,
            };
            ctx.error(
                v.span(),
                path,
                format!("expected a string, found {}", other.type_str()),
                help,
            );
            None
        }
    }
}

/// Reads a boolean.
pub fn boolean(ctx: &mut Ctx<'_>, v: &Value<'_>, path: &str) -> Option<bool> {
    match v.get_ref() {
        DeValue::Boolean(b) => Some(*b),
        other => {
            ctx.error(
                v.span(),
                path,
                format!("expected true or false, found {}", other.type_str()),
                Some("write `true` or `false`, without quotes".into()),
            );
            None
        }
    }
}

/// Reads one of a fixed set of names.
pub fn choice<T: Copy>(
    ctx: &mut Ctx<'_>,
    v: &Value<'_>,
    path: &str,
    options: &[(&str, T)],
) -> Option<T> {
    let s = string(ctx, v, path)?;
    if let Some(&(_, t)) = options.iter().find(|(name, _)| *name == s) {
        return Some(t);
    }
    let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
    let help = match did_you_mean(&s, names.iter().copied()) {
        Some(m) => format!("did you mean `{m}`? accepted: {}", list(&names)),
        None => format!("accepted: {}", list(&names)),
    };
    ctx.error(v.span(), path, format!("unknown value `{s}`"), Some(help));
    None
}

/// Reads an array.
pub fn array<'a, 'i>(ctx: &mut Ctx<'_>, v: &'a Value<'i>, path: &str) -> Option<&'a [Value<'i>]> {
    match v.get_ref() {
        DeValue::Array(a) => Some(a),
        other => {
            let help = match other {
                DeValue::Table(_) => None,
                _ => Some(format!(
                    "write a list in square brackets, e.g. `[{}]`",
                    ctx.text(v.span())
                )),
            };
            ctx.error(
                v.span(),
                path,
                format!("expected an array, found {}", other.type_str()),
                help,
            );
            None
        }
    }
}
