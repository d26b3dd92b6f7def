//! Scenario reading never panics: random text, TOML-like token soup, and mutations of every
//! bundled and broken scenario file all give `Ok` or `Err`. When a mutated file is accepted, its
//! resolved form reads back to the same scenario; when it is rejected, every diagnostic points
//! into the text.
//!
//! `mutated_bundled_scenarios_run_through_the_binary` goes further, through the `alssim` binary:
//! every bundled scenario mutated (lines deleted, duplicated or swapped, extreme numbers, values
//! of another type, truncation, invalid UTF-8) is either refused by `alssim check` and `run` with
//! exit status 2, or accepted and run on 20 patients to exit 0 with finite outputs, never a
//! panic or a signal, and with a bounded peak memory (`getrusage(RUSAGE_CHILDREN)`). It runs
//! [`DEFAULT_FUZZ_CASES`] cases; `ALSSIM_FUZZ_CASES=100000 cargo test --release --test
//! scenario_fuzz mutated_bundled` runs the long mode.

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

/// Cases of the binary fuzz test per run, unless `ALSSIM_FUZZ_CASES` says otherwise.
const DEFAULT_FUZZ_CASES: u64 = 300;
/// Largest peak resident memory of any child process, KB (1 GiB).
const MAX_CHILD_RSS_KB: i64 = 1 << 20;
/// Longest a child may take, seconds (a debug build runs 20 patients of a bundled scenario in
/// about a second).
const CHILD_TIMEOUT_S: u64 = 120;

/// SplitMix64: a small deterministic generator, so that case `k` is the same file on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Numbers at and beyond the edges of every range.
const EXTREME_NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1e300",
    "-1e300",
    "1e-300",
    "1e-9",
    "0.001",
    "1e9",
    "99999999999999999999",
    "9223372036854775807",
    "-1",
    "1200",
    "1201",
    "0.5",
    "nan",
    "inf",
    "-inf",
];

/// Values of another type.
const OTHER_TYPES: &[&str] = &[
    "\"text\"",
    "true",
    "[]",
    "{}",
    "[1, 2]",
    "{ a = 1 }",
    "1",
    "1.5",
    "\"\"",
    "1979-05-27",
];

/// One mutation of a file's bytes.
fn mutate(rng: &mut Rng, src: &mut Vec<u8>) {
    let text = String::from_utf8_lossy(src).into_owned();
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    let n = lines.len();
    match rng.below(8) {
        0 => {
            lines.remove(rng.below(n));
        }
        1 => {
            let i = rng.below(n);
            lines.insert(i, lines[i].clone());
        }
        2 => {
            let (i, j) = (rng.below(n), rng.below(n));
            lines.swap(i, j);
        }
        3 | 4 => {
            // The value of an assignment becomes an extreme number or a value of another type.
            let with_value: Vec<usize> = (0..n).filter(|&i| lines[i].contains(" = ")).collect();
            if !with_value.is_empty() {
                let i = *rng.pick(&with_value);
                let key = lines[i].split(" = ").next().unwrap_or("").to_string();
                let value = if rng.below(2) == 0 {
                    rng.pick(EXTREME_NUMBERS)
                } else {
                    rng.pick(OTHER_TYPES)
                };
                lines[i] = format!("{key} = {value}");
            }
        }
        5 => {
            // A number anywhere in the file becomes an extreme one.
            let digits: Vec<usize> = (0..n)
                .filter(|&i| {
                    lines[i].bytes().any(|b| b.is_ascii_digit()) && !lines[i].starts_with('#')
                })
                .collect();
            if !digits.is_empty() {
                let i = *rng.pick(&digits);
                let at = lines[i].find(|c: char| c.is_ascii_digit()).unwrap_or(0);
                let end = lines[i][at..]
                    .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == 'e' || c == '-'))
                    .map_or(lines[i].len(), |e| at + e);
                let extreme = rng.pick(EXTREME_NUMBERS);
                lines[i].replace_range(at..end, extreme);
            }
        }
        6 => {
            // Truncation at any byte.
            let cut = rng.below(src.len() + 1);
            src.truncate(cut);
            return;
        }
        _ => {
            // Invalid UTF-8 at any byte.
            let at = rng.below(src.len() + 1);
            let bad: &[u8] = rng.pick::<&[u8]>(&[&[0xff], &[0xc3], &[0xed, 0xa0, 0x80], &[0]]);
            src.splice(at..at, bad.iter().copied());
            return;
        }
    }
    *src = lines.join("\n").into_bytes();
}

/// Runs the binary with `args` in `dir`, killing it after [`CHILD_TIMEOUT_S`]; returns its exit
/// status and stderr. Panics on a signal or a timeout.
fn run_binary(dir: &Path, args: &[&str], what: &str) -> (i32, String) {
    use std::io::Read;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_alssim"))
        .current_dir(dir)
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        String::from_utf8_lossy(&s).into_owned()
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(CHILD_TIMEOUT_S);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: `alssim {args:?}` took more than {CHILD_TIMEOUT_S} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    let err = reader.join().unwrap();
    let Some(code) = status.code() else {
        panic!("{what}: `alssim {args:?}` ended by a signal ({status:?})\n{err}");
    };
    assert!(
        !err.contains("panicked") && !err.contains("stack backtrace"),
        "{what}: `alssim {args:?}` panicked\n{err}"
    );
    (code, err)
}

/// Peak resident memory of the largest child waited for so far, KB.
fn children_peak_rss_kb() -> i64 {
    // SAFETY: getrusage writes into the zeroed struct it is given and reads nothing else.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage), 0);
        usage.ru_maxrss
    }
}

/// Every field of a CSV output that looks like a number is finite.
fn assert_finite_csv(path: &Path, what: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    for (i, line) in text.lines().enumerate().skip(1) {
        for field in line.split(',') {
            let lower = field.to_ascii_lowercase();
            assert!(
                !(lower.contains("nan") || lower.contains("inf")),
                "{what}: {} line {}: `{field}`",
                path.display(),
                i + 1
            );
        }
    }
}

#[test]
fn mutated_bundled_scenarios_run_through_the_binary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut bundled: Vec<(String, Vec<u8>)> = std::fs::read_dir(root.join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    bundled.sort();
    assert!(bundled.len() >= 10);
    let cases: u64 = std::env::var("ALSSIM_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_FUZZ_CASES);
    let tmp = tempfile::tempdir().unwrap();
    let (mut accepted, mut refused) = (0u64, 0u64);
    for case in 0..cases {
        let mut rng = Rng(case.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ 0x5eed);
        // Every bundled file in turn, with one mutation (half the cases) to four.
        let (name, original) = &bundled[(case % bundled.len() as u64) as usize];
        let mut src = original.clone();
        let n = if rng.below(2) == 0 {
            1
        } else {
            2 + rng.below(3)
        };
        for _ in 0..n {
            mutate(&mut rng, &mut src);
        }
        let what = format!("case {case} (from {name})");
        let file = tmp.path().join(format!("case-{case}.toml"));
        std::fs::write(&file, &src).unwrap();
        let expect_ok = std::str::from_utf8(&src)
            .is_ok_and(|text| scenario::parse("case.toml", "case", text).is_ok());
        let f = file.display().to_string();
        let (code, err) = run_binary(tmp.path(), &["check", &f], &what);
        assert_eq!(code, if expect_ok { 0 } else { 2 }, "{what}: check\n{err}");
        if expect_ok {
            accepted += 1;
            let out = tmp.path().join(format!("out-{case}"));
            let o = out.display().to_string();
            let (code, err) = run_binary(
                tmp.path(),
                &[
                    "run",
                    &f,
                    "--patients",
                    "20",
                    "--threads",
                    "1",
                    "--no-plots",
                    "--quiet",
                    "--max-failed-fraction",
                    "1",
                    "--out",
                    &o,
                ],
                &what,
            );
            assert_eq!(
                code,
                0,
                "{what}: run\n{err}\n---\n{}",
                String::from_utf8_lossy(&src)
            );
            for table in ["summary.csv", "patients.csv"] {
                if out.join(table).exists() {
                    assert_finite_csv(&out.join(table), &what);
                }
            }
            std::fs::remove_dir_all(&out).unwrap();
        } else {
            refused += 1;
        }
        let peak = children_peak_rss_kb();
        assert!(
            peak <= MAX_CHILD_RSS_KB,
            "{what}: a child reached {peak} KB, more than {MAX_CHILD_RSS_KB} KB"
        );
        std::fs::remove_file(&file).unwrap();
    }
    // Both kinds of outcome are exercised.
    if cases >= 100 {
        assert!(
            accepted >= cases / 20 && refused >= cases / 20,
            "{accepted} accepted, {refused} refused"
        );
    }
    eprintln!("{cases} cases: {accepted} accepted and run, {refused} refused");
}
