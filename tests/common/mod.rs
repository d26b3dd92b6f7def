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

/// Writes `text` as `s.toml` in `dir` and returns its path.
pub fn write_scenario(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("s.toml");
    std::fs::write(&path, text).unwrap();
    path
}
