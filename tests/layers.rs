//! The library's layers depend on each other in one direction only. Every `crate::` path in the
//! code of `src/<module>/` (comments aside) must name the module itself or one listed below
//! for it; a new module must be given its place here.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Each module of the library and the modules it may use, lowest first.
const LAYERS: &[(&str, &[&str])] = &[
    ("model", &[]),
    ("stats", &[]),
    ("solve", &["model"]),
    ("input", &["model"]),
    ("therapy", &["model", "solve", "input"]),
    ("cohort", &["model", "solve", "input", "therapy", "stats"]),
    (
        "scenario",
        &["model", "solve", "input", "therapy", "cohort", "stats"],
    ),
    (
        "results",
        &[
            "model", "solve", "input", "therapy", "cohort", "stats", "scenario",
        ],
    ),
    (
        "trial",
        &[
            "model", "solve", "input", "therapy", "cohort", "stats", "scenario", "results",
        ],
    ),
    (
        "report",
        &[
            "model", "solve", "input", "therapy", "cohort", "stats", "scenario", "trial", "results",
        ],
    ),
    (
        "calibrate",
        &[
            "model", "solve", "input", "therapy", "cohort", "stats", "scenario", "trial",
            "results", "report",
        ],
    ),
    (
        "serve",
        &[
            "model", "solve", "input", "therapy", "cohort", "stats", "scenario", "results",
            "report",
        ],
    ),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The `.rs` files of a module: `src/<module>.rs` or everything under `src/<module>/`.
fn files(module: &str) -> Vec<PathBuf> {
    let single = src().join(format!("{module}.rs"));
    if single.is_file() {
        return vec![single];
    }
    let mut out = Vec::new();
    let mut dirs = vec![src().join(module)];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// A line without its comment (a line comment, or a trailing one after code).
fn code(line: &str) -> &str {
    let trimmed = line.trim_start();
    if trimmed.starts_with("//") {
        return "";
    }
    line.find(" // ").map_or(line, |i| &line[..i])
}

/// The top-level modules named by `crate::` paths in code, with the byte offset of each path,
/// including every item of a `crate::{a::X, b}` group (which may span lines).
fn crate_paths(code: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = code[from..].find("crate::") {
        let at = from + i;
        let before = code[..at].chars().next_back();
        from = at + "crate::".len();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // e.g. `my_crate::`
        }
        let rest = &code[from..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut item = String::new();
            let mut at_start = true;
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 1 => {
                        if at_start && !item.is_empty() {
                            out.push((at, std::mem::take(&mut item)));
                        }
                        at_start = true;
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 {
                    break;
                }
                if depth == 1 && at_start {
                    if c.is_alphanumeric() || c == '_' {
                        item.push(c);
                    } else if !item.is_empty() {
                        out.push((at, std::mem::take(&mut item)));
                        at_start = false;
                    }
                }
            }
            if at_start && !item.is_empty() {
                out.push((at, item));
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push((at, name));
            }
        }
    }
    out
}

/// The code of a file, comments removed, lines kept.
fn without_comments(text: &str) -> String {
    text.lines().map(code).collect::<Vec<_>>().join("\n")
}

fn names(code: &str) -> Vec<String> {
    crate_paths(code).into_iter().map(|(_, n)| n).collect()
}

#[test]
fn the_path_scanner_finds_plain_and_grouped_paths() {
    assert_eq!(names("use crate::model::Params;"), ["model"]);
    assert_eq!(
        names("use crate::{cohort::spec::Arm, report};"),
        ["cohort", "report"]
    );
    assert_eq!(
        names("use crate::{\n    model::{A, B},\n    solve,\n};"),
        ["model", "solve"]
    );
    assert_eq!(
        names("let x = crate::solve::f(crate::stats::g());"),
        ["solve", "stats"]
    );
    assert!(names("use other_crate::x;").is_empty());
    assert_eq!(code("    // crate::report"), "");
    assert_eq!(code("let a = 1; // crate::report"), "let a = 1;");
}

#[test]
fn every_library_module_has_a_layer() {
    let lib = fs::read_to_string(src().join("lib.rs")).unwrap();
    let declared: BTreeSet<&str> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';'))
        .collect();
    let listed: BTreeSet<&str> = LAYERS.iter().map(|(m, _)| *m).collect();
    assert_eq!(
        declared, listed,
        "the modules of src/lib.rs and the layers of tests/layers.rs differ"
    );
}

#[test]
fn lower_layers_never_import_upper_ones() {
    let mut violations = Vec::new();
    for (module, allowed) in LAYERS {
        for file in files(module) {
            let code = without_comments(&fs::read_to_string(&file).unwrap());
            for (at, used) in crate_paths(&code) {
                if used != *module && !allowed.contains(&used.as_str()) {
                    violations.push(format!(
                        "src/{}:{}: `{module}` uses `crate::{used}`; it may use only {allowed:?}",
                        file.strip_prefix(src()).unwrap_or(&file).display(),
                        code[..at].matches('\n').count() + 1,
                    ));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "layering violations (dependencies point from report, trial and calibrate down through \
         scenario, cohort, therapy, solve to model; input and stats are shared below):\n{}",
        violations.join("\n")
    );
}
