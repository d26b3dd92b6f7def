//! Scenario reading never panics: random text, TOML-like token soup, and mutations of every
//! bundled and broken scenario file all give `Ok` or `Err`. When a mutated file is accepted, its
//! resolved form reads back to the same scenario; when it is rejected, every diagnostic points
//! into the text.

use alssim::scenario::{self, ScenarioError};
use proptest::prelude::*;
use std::path::Path;
use std::sync::OnceLock;

/// Contents of every `.toml` file in `scenarios/` and `tests/fixtures/bad/`.
fn corpus() -> &'static [String] {
    static CORPUS: OnceLock<Vec<String>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["scenarios", "tests/fixtures/bad"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|x| x == "toml") {
                    files.push(path);
                }
            }
        }
        files.sort();
        assert!(files.len() >= 10, "{files:?}");
        files
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    })
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256)
}

/// Parses `src` and checks what holds of every answer.
fn check(src: &str) {
    match scenario::parse("fuzz.toml", "fuzz", src) {
        Ok(s) => {
            let shown = scenario::to_toml(&s);
            match scenario::parse("shown.toml", "other-name", &shown) {
                Ok(again) => {
                    assert_eq!(again, s, "show changed the scenario:\n{src}\n---\n{shown}")
                }
                Err(e) => panic!("show is not accepted:\n{}\n---\n{src}", e.report()),
            }
        }
        Err(ScenarioError::Io { .. }) => panic!("parse never does I/O"),
        Err(e) => {
            let ds = e.diagnostics();
            assert!(!ds.is_empty(), "an invalid file has at least one problem");
            let lines = src.split('\n').count();
            for d in ds {
                assert!(d.line >= 1 && d.line <= lines, "{d}\n---\n{src}");
                assert!(d.column >= 1 && d.width >= 1, "{d}");
                assert!(!d.message.is_empty());
            }
            let report = e.report();
            assert!(report.contains("fuzz.toml:"), "{report}");
        }
    }
}

/// One edit of a file.
#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the byte at a position (as a fraction of the length) with any byte.
    Byte(f64, u8),
    /// Replace the character at a position with one of a set that matters to TOML.
    Char(f64, char),
    /// Insert a string at a position.
    Insert(f64, String),
    /// Delete a line.
    DeleteLine(f64),
    /// Duplicate a line in place.
    DuplicateLine(f64),
    /// Swap a line with the next one.
    SwapLines(f64),
}

fn at(fraction: f64, len: usize) -> usize {
    ((fraction * len as f64) as usize).min(len.saturating_sub(1))
}

fn apply(src: &str, m: &Mutation) -> String {
    match m {
        Mutation::Byte(f, b) => {
            let mut bytes = src.as_bytes().to_vec();
            if !bytes.is_empty() {
                let i = at(*f, bytes.len());
                bytes[i] = *b;
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
        Mutation::Char(f, c) => {
            let mut chars: Vec<char> = src.chars().collect();
            if !chars.is_empty() {
                let i = at(*f, chars.len());
                chars[i] = *c;
            }
            chars.into_iter().collect()
        }
        Mutation::Insert(f, s) => {
            let mut chars: Vec<char> = src.chars().collect();
            let i = at(*f, chars.len() + 1);
            chars.splice(i..i, s.chars());
            chars.into_iter().collect()
        }
        Mutation::DeleteLine(f) | Mutation::DuplicateLine(f) | Mutation::SwapLines(f) => {
            let mut lines: Vec<&str> = src.split('\n').collect();
            let i = at(*f, lines.len());
            match m {
                Mutation::DeleteLine(_) => {
                    lines.remove(i);
                }
                Mutation::DuplicateLine(_) => lines.insert(i, lines[i]),
                _ => {
                    if i + 1 < lines.len() {
                        lines.swap(i, i + 1);
                    }
                }
            }
            lines.join("\n")
        }
    }
}

/// Characters and snippets that change the meaning of a TOML scenario.
const TOKENS: &[&str] = &[
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "=",
    ",",
    "\"",
    "'",
    "#",
    ".",
    "-",
    "_",
    "\n",
    " ",
    "0",
    "1",
    "-1",
    "0.5",
    "1e308",
    "1e-400",
    "nan",
    "inf",
    "-0",
    "0x1F",
    "99999999999999999999",
    "true",
    "\"\"",
    "[]",
    "{}",
    "é",
    "\u{feff}",
    "\r\n",
    "\t",
];

/// Keys and values of the format, for token soup that reaches the validator.
const WORDS: &[&str] = &[
    "[scenario]\n",
    "[simulation]\n",
    "[population]\n",
    "[population.covariates]\n",
    "[population.variability]\n",
    "[[population.correlation]]\n",
    "[population.inclusion]\n",
    "[model]\n",
    "[[arm]]\n",
    "name = \"x\"\n",
    "horizon-months = ",
    "visits-every-months = ",
    "visits-at-months = [0, 1, 2]\n",
    "visits-from = \"onset\"\n",
    "size = ",
    "seed = ",
    "enrollment = { at = \"onset\", after-months = 2 }\n",
    "age = { mean = 70, sd = 5 }\n",
    "onset-region = { bulbar = 1 }\n",
    "genotype = { sod1 = 0.5, fus = 0.5 }\n",
    "agg_growth_rate = ",
    "spread_contiguous = 0.3\n",
    "params = [\"agg_growth_rate\", \"spread_contiguous\"]\n",
    "rho = ",
    "genotypes = [\"sod1\"]\n",
    "therapies = []\n",
    "niv_fvc = ",
    "0\n",
    "1\n",
    "3\n",
    "0.5\n",
    "-2\n",
    "\"text\"\n",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    let token = prop::sample::select(TOKENS).prop_map(str::to_string);
    let ch = prop::sample::select(vec![
        '[', ']', '{', '}', '=', ',', '"', '\'', '#', '.', '\n', ' ', '0', '9', 'x', 'é', '\\',
    ]);
    prop_oneof![
        (0.0..1.0, any::<u8>()).prop_map(|(f, b)| Mutation::Byte(f, b)),
        (0.0..1.0, ch).prop_map(|(f, c)| Mutation::Char(f, c)),
        (0.0..1.0, token).prop_map(|(f, s)| Mutation::Insert(f, s)),
        (0.0..1.0f64).prop_map(Mutation::DeleteLine),
        (0.0..1.0f64).prop_map(Mutation::DuplicateLine),
        (0.0..1.0f64).prop_map(Mutation::SwapLines),
    ]
}

proptest! {
    // 256 cases each by default (well under a second); `PROPTEST_CASES=100000` searches deeper.
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn random_text_never_panics(src in "\\PC{0,400}") {
        check(&src);
    }

    #[test]
    fn token_soup_never_panics(
        parts in prop::collection::vec(
            prop_oneof![prop::sample::select(WORDS), prop::sample::select(TOKENS)],
            0..40,
        )
    ) {
        check(&parts.concat());
    }

    #[test]
    fn mutated_scenario_files_never_panic(
        file in 0..64usize,
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let files = corpus();
        let mut src = files[file % files.len()].clone();
        for m in &mutations {
            src = apply(&src, m);
        }
        check(&src);
    }
}

#[test]
fn every_corpus_file_is_checked_unmutated() {
    // The starting points themselves: the bundled files are accepted, the broken ones are not.
    let (mut ok, mut bad) = (0, 0);
    for src in corpus() {
        check(src);
        match scenario::parse("f.toml", "f", src) {
            Ok(_) => ok += 1,
            Err(_) => bad += 1,
        }
    }
    assert!(ok >= 5 && bad >= 8, "{ok} valid, {bad} invalid");
}
