//! Shared harness of the command-line tests: the binary with a fixed environment, and a small
//! scenario written into a temporary folder.

#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// A cohort small enough to run in well under a second in a debug build.
pub const SMALL: &str = r#"
[scenario]
name = "small"

[simulation]
horizon-months = 36
visits-every-months = 6

[population]
size = 60
seed = 7
"#;

/// The `alssim` binary, with backtraces requested so that a test sees if one ever leaks out.
pub fn alssim() -> Command {
    let mut c = Command::cargo_bin("alssim").unwrap();
    c.env("RUST_BACKTRACE", "1");
    c
}

/// The project's root folder (where `scenarios/` and `docs/` are).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// [`alssim`] run from the project's root, so relative paths such as `scenarios/…` resolve.
pub fn alssim_at_root() -> Command {
    let mut c = alssim();
    c.current_dir(root());
    c
}

/// Writes `text` as `s.toml` in `dir` and returns its path.
pub fn write_scenario(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("s.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Standard output of a successful `alssim` run with `args`.
pub fn stdout_of(args: &[&str]) -> String {
    let out = alssim().args(args).assert().success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

/// Width and height from the IHDR chunk of a PNG file, after checking the signature and that
/// the file ends with its IEND chunk (so it was written whole).
pub fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(bytes.len() > 33, "{} is too short", path.display());
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    assert_eq!(&bytes[12..16], b"IHDR", "{}: no IHDR chunk", path.display());
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    assert_eq!(&bytes[bytes.len() - 8..bytes.len() - 4], b"IEND");
    (be(16), be(20))
}

/// `s` with `patients` virtual patients and, if given, another seed (checked as `--patients`
/// and `--seed` are).
#[allow(dead_code)]
pub fn sized(
    s: &alssim::scenario::Scenario,
    patients: u64,
    seed: Option<u64>,
) -> alssim::scenario::Scenario {
    s.with_overrides(&alssim::scenario::Overrides {
        seed,
        patients: Some(patients),
        ..Default::default()
    })
    .expect("a valid number of patients")
}
