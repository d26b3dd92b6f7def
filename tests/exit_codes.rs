//! The exit-code table of README.md ("Exit codes"), command by command, and the bounds on
//! what a run may cost: 0 success, 1 the run failed, 2 bad usage or invalid input, 3 a hard
//! validation target missed. Every error is one message on stderr, never a backtrace.

use std::path::Path;
mod common;
use common::alssim;

/// Runs `args` in `dir`, asserts the exit code and that stderr has no backtrace and no panic,
/// and returns (stdout, stderr).
fn code(dir: &Path, args: &[&str], expected: i32) -> (String, String) {
    let o = alssim().current_dir(dir).args(args).output().unwrap();
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    );
    assert_eq!(
        o.status.code(),
        Some(expected),
        "alssim {args:?}\nstdout: {out}\nstderr: {err}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("stack backtrace"),
        "{err}"
    );
    (out, err)
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    std::fs::write(dir.join(name), text).unwrap();
    name.to_string()
}

const SMALL: &str = "[population]\nsize = 20\n[simulation]\nhorizon-months = 12\n";

#[test]
fn check_exits_0_valid_2_invalid_or_unreadable() {
    let t = tempfile::tempdir().unwrap();
    let good = write(t.path(), "good.toml", SMALL);
    let bad = write(t.path(), "bad.toml", "[population]\nsize = -3\n");
    code(t.path(), &["check", &good], 0);
    code(t.path(), &["check", &bad], 2);
    code(t.path(), &["check", "missing.toml"], 2);
    code(t.path(), &["check"], 2);
}

#[test]
fn run_exits_2_for_bad_input_and_1_when_too_many_patients_fail() {
    let t = tempfile::tempdir().unwrap();
    let bad = write(t.path(), "bad.toml", "[population]\nsize = 1e300\n");
    code(t.path(), &["run", &bad, "--out", "r"], 2);
    let (_, err) = code(t.path(), &["run", "missing.toml", "--out", "r"], 2);
    // The OS error is printed once.
    assert_eq!(err.matches("os error 2").count(), 1, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let good = write(t.path(), "good.toml", SMALL);
    code(
        t.path(),
        &["run", &good, "--out", "r", "--no-plots", "--quiet"],
        0,
    );
    // An existing result without --force is a usage error.
    code(t.path(), &["run", &good, "--out", "r", "--no-plots"], 2);
    code(t.path(), &["run", &good, "--max-failed-fraction", "2"], 2);
}

/// `max-steps = 10` makes every patient fail: the run exits 1 and says so on the first line of
/// stderr; a threshold of 1 (all may fail) lets it succeed; the scenario key works like the flag.
#[test]
fn a_run_with_more_failed_patients_than_the_threshold_exits_1_and_says_so_first() {
    let t = tempfile::tempdir().unwrap();
    let s = write(
        t.path(),
        "fail.toml",
        "[population]\nsize = 20\n[simulation]\nhorizon-months = 12\nmax-steps = 10\n",
    );
    let (out, err) = code(t.path(), &["run", &s, "--out", "a", "--no-plots"], 1);
    assert!(
        err.starts_with("error: the run failed: 20 of 20 patients (100.0%) could not be simulated"),
        "{err}"
    );
    assert!(err.contains("limit of 1%"), "{err}");
    assert!(out.contains("20 failed"), "{out}");
    assert!(
        t.path().join("a/manifest.json").exists(),
        "kept for inspection"
    );
    code(
        t.path(),
        &[
            "run",
            &s,
            "--out",
            "b",
            "--no-plots",
            "--max-failed-fraction",
            "1",
        ],
        0,
    );
    let lenient = write(
        t.path(),
        "lenient.toml",
        "[population]\nsize = 20\n[simulation]\nhorizon-months = 12\nmax-steps = 10\n\
         max-failed-fraction = 1.0\n",
    );
    code(t.path(), &["run", &lenient, "--out", "c", "--no-plots"], 0);
    let (_, err) = code(
        t.path(),
        &[
            "run",
            &lenient,
            "--out",
            "d",
            "--no-plots",
            "--max-failed-fraction",
            "0.5",
        ],
        1,
    );
    assert!(err.starts_with("error: the run failed"), "{err}");
    assert!(err.contains("limit of 50%"), "{err}");
}

#[test]
fn show_exits_2_for_a_missing_or_invalid_file() {
    let t = tempfile::tempdir().unwrap();
    let (_, err) = code(t.path(), &["show", "missing.toml"], 2);
    assert_eq!(err.matches("os error 2").count(), 1, "{err}");
    let bad = write(t.path(), "bad.toml", "[population]\nsize = \"many\"\n");
    code(t.path(), &["show", &bad], 2);
    let good = write(t.path(), "good.toml", SMALL);
    let (out, _) = code(t.path(), &["show", &good], 0);
    assert!(out.contains("max-failed-fraction = 0.01"), "{out}");
}

#[test]
fn params_exits_2_for_an_unknown_name() {
    let t = tempfile::tempdir().unwrap();
    code(t.path(), &["params", "agg_"], 0);
    code(t.path(), &["params", "no_such_parameter"], 2);
}

#[test]
fn drugs_exits_2_for_an_unknown_name() {
    let t = tempfile::tempdir().unwrap();
    code(t.path(), &["drugs", "riluzole"], 0);
    code(t.path(), &["drugs", "no-such-drug"], 2);
}

#[test]
fn simulate_exits_2_for_a_bad_value_and_1_when_its_file_cannot_be_written() {
    let t = tempfile::tempdir().unwrap();
    code(t.path(), &["simulate", "--set", "no_such=1"], 2);
    code(t.path(), &["simulate", "--csv", "no/such/dir/p.csv"], 1);
}

/// `--interval 1e-9` asked for 1.2e11 rows and aborted on a failed allocation; `1e-300`
/// overflowed a capacity. Both are now a usage error that names the limit.
#[test]
fn simulate_rejects_an_interval_that_would_make_a_huge_table() {
    let t = tempfile::tempdir().unwrap();
    for interval in ["1e-9", "1e-300", "0.001"] {
        let (out, err) = code(t.path(), &["simulate", "--interval", interval], 2);
        assert!(out.is_empty());
        assert!(err.contains("limit of 100000 rows"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.len() < 300, "{err}");
    }
    code(
        t.path(),
        &["simulate", "--interval", "0.01", "--horizon", "24"],
        0,
    );
}

#[test]
fn whatif_exits_2_for_an_unknown_drug_or_an_existing_folder() {
    let t = tempfile::tempdir().unwrap();
    code(t.path(), &["whatif", "no-such-drug"], 2);
    std::fs::create_dir(t.path().join("w")).unwrap();
    std::fs::write(t.path().join("w/keep.txt"), "mine").unwrap();
    code(
        t.path(),
        &[
            "whatif",
            "riluzole",
            "--patients",
            "20",
            "--out",
            "w",
            "--no-plots",
        ],
        2,
    );
    assert_eq!(
        std::fs::read_to_string(t.path().join("w/keep.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn plot_exits_2_for_a_folder_that_is_not_a_result() {
    let t = tempfile::tempdir().unwrap();
    code(t.path(), &["plot", "missing"], 2);
    code(t.path(), &["plot", ".", "--width", "0"], 2);
}

#[test]
fn serve_exits_2_for_a_remote_address_without_the_flag_or_a_port_in_use() {
    let t = tempfile::tempdir().unwrap();
    let (_, err) = code(t.path(), &["serve", "--bind", "0.0.0.0", "--port", "0"], 2);
    assert!(err.contains("--allow-remote"), "{err}");
    code(t.path(), &["serve", "--port", "99999"], 2);
    // A port another program listens on.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let (_, err) = code(t.path(), &["serve", "--port", &port], 2);
    assert!(err.contains("cannot listen"), "{err}");
}

#[test]
fn merge_exits_2_for_a_folder_that_is_not_a_part() {
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir(t.path().join("p")).unwrap();
    code(t.path(), &["merge", "p", "--out", "m"], 2);
    code(t.path(), &["merge", "missing", "--out", "m"], 2);
    assert!(!t.path().join("m").exists());
}

#[test]
fn validate_exits_2_for_bad_usage() {
    let t = tempfile::tempdir().unwrap();
    code(t.path(), &["validate", "--patients", "5"], 2);
}

/// 100 patients are too few to meet every hard target: the verdict is exit 3, distinct from a
/// run that failed (1) and from bad usage (2), and the report is written all the same.
#[test]
fn validate_exits_3_when_a_hard_target_is_missed() {
    let t = tempfile::tempdir().unwrap();
    let (out, _) = code(
        t.path(),
        &[
            "validate",
            "--patients",
            "100",
            "--seed",
            "1",
            "--no-plots",
            "--quiet",
            "--out",
            "v",
        ],
        3,
    );
    assert!(out.contains("hard targets missed"), "{out}");
    assert!(t.path().join("v/validation.csv").exists());
}

#[test]
fn calibrate_exits_2_for_bad_usage() {
    let t = tempfile::tempdir().unwrap();
    code(t.path(), &["calibrate", "--no-such-flag"], 2);
}

#[test]
fn sensitivity_exits_2_for_a_missing_or_invalid_scenario() {
    let t = tempfile::tempdir().unwrap();
    code(t.path(), &["sensitivity", "missing.toml"], 2);
    let bad = write(
        t.path(),
        "bad.toml",
        "[simulation]\nhorizon-months = 1e300\n",
    );
    let (_, err) = code(t.path(), &["sensitivity", &bad], 2);
    // A huge number is printed in e notation, not with 300 digits.
    assert!(err.contains("1e300 is out of range"), "{err}");
}

/// Each scenario that passed `check` and then exhausted the machine is now refused by `check`
/// with the limit and the reason, before anything runs.
#[test]
fn check_refuses_scenarios_that_would_exhaust_memory_or_time() {
    let t = tempfile::tempdir().unwrap();
    let cases = [
        (
            "cycles.toml",
            "[simulation]\nhorizon-months = 1200\nvisits-every-months = 12\n\
             [drug.edaravone-iv]\nregimen = { kind = \"cyclic\", first-on-days = 0.001, \
             first-cycle-days = 0.002, on-days = 0.001, cycle-days = 0.002 }\n\
             [[arm]]\nname = \"a\"\ntherapies = [{ drug = \"edaravone-iv\", cycles = \"resolved\" }]\n",
            "limit of 100000 breakpoints per therapy",
        ),
        (
            "holidays.toml",
            "[population]\nsize = 1\n[[arm]]\nname = \"a\"\ntherapies = [{ drug = \"riluzole\", \
             holidays = { on-months = 1e-6, off-months = 1e-6 } }]\n",
            "limit of 100000 breakpoints per therapy",
        ),
        (
            "visits.toml",
            "[simulation]\nhorizon-months = 120\nvisits-every-months = 0.001\n",
            "120001 visits per patient is more than the limit of 2500",
        ),
        (
            "arms.toml",
            "[simulation]\nhorizon-months = 1200\nvisits-every-months = 1\n\
             [[arm]]\nname = \"a\"\n[[arm]]\nname = \"b\"\n[[arm]]\nname = \"c\"\n",
            "3 arms × 1201 visits = 3603 is more than the limit of 2500",
        ),
        (
            "work.toml",
            "[simulation]\nhorizon-months = 1200\nvisits-every-months = 1\n\
             [population]\nsize = 100000000\n",
            "rated visits is more than the limit of 10^10",
        ),
    ];
    for (name, text, expected) in cases {
        let f = write(t.path(), name, text);
        let (_, err) = code(t.path(), &["check", &f], 2);
        assert!(err.contains(expected), "{name}: {err}");
        // `run` refuses it the same way, before simulating anything.
        let (_, err) = code(t.path(), &["run", &f, "--out", "r", "--no-plots"], 2);
        assert!(err.contains(expected), "{name}: {err}");
        assert!(!t.path().join("r").exists());
    }
    // --patients multiplies the work too: checked after it is applied.
    let f = write(
        t.path(),
        "monthly.toml",
        "[simulation]\nhorizon-months = 1200\nvisits-every-months = 1\n[population]\nsize = 10\n",
    );
    code(t.path(), &["check", &f], 0);
    let (_, err) = code(
        t.path(),
        &["run", &f, "--patients", "100000000", "--out", "r"],
        2,
    );
    assert!(err.contains("limit of 10^10"), "{err}");
}

/// A 200,000-character scenario name passed `check`, then failed `run` with a 200 KB echo.
#[test]
fn a_huge_name_is_refused_by_check_and_never_echoed_whole() {
    let t = tempfile::tempdir().unwrap();
    let name = "a".repeat(200_000);
    let f = write(
        t.path(),
        "long.toml",
        &format!("[scenario]\nname = \"{name}\"\n"),
    );
    for args in [
        vec!["check", &f],
        vec!["run", &f, "--out", "r"],
        vec!["show", &f],
    ] {
        let (_, err) = code(t.path(), &args, 2);
        assert!(
            err.contains("longer than the limit of 100 characters"),
            "{args:?}"
        );
        assert!(err.len() < 2_000, "{} bytes of stderr", err.len());
        assert!(err.lines().all(|l| l.chars().count() < 400));
    }
}

/// Shards whose patients all fail exit 1 but keep their part folders; their merge applies the
/// threshold recorded in the parts' scenario: exit 1, said first; `--max-failed-fraction`
/// relaxes it.
#[test]
fn merge_exits_1_when_the_merged_cohort_has_too_many_failed_patients() {
    let t = tempfile::tempdir().unwrap();
    let s = write(
        t.path(),
        "fail.toml",
        "[population]\nsize = 10\n[simulation]\nhorizon-months = 12\nmax-steps = 10\n",
    );
    for k in ["1/2", "2/2"] {
        let part = format!("p{}", &k[..1]);
        code(
            t.path(),
            &["run", &s, "--shard", k, "--out", &part, "--quiet"],
            1,
        );
    }
    let (_, err) = code(
        t.path(),
        &["merge", "p1", "p2", "--out", "m", "--no-plots"],
        1,
    );
    assert!(
        err.starts_with("error: the run failed: 10 of 10 patients"),
        "{err}"
    );
    code(
        t.path(),
        &[
            "merge",
            "p1",
            "p2",
            "--out",
            "m2",
            "--no-plots",
            "--max-failed-fraction",
            "1",
        ],
        0,
    );
}

/// A huge unknown name on the command line is refused without being echoed whole.
#[test]
fn huge_names_on_the_command_line_are_not_echoed_whole() {
    let t = tempfile::tempdir().unwrap();
    let name = "x".repeat(100_000);
    let set = format!("{name}=1");
    for args in [
        vec!["drugs", name.as_str()],
        vec!["whatif", name.as_str()],
        vec!["params", name.as_str()],
        vec!["simulate", "--set", set.as_str()],
    ] {
        let (_, err) = code(t.path(), &args, 2);
        assert!(err.len() < 2_000, "{}: {} bytes", args[0], err.len());
    }
    // An unknown 200,000-character key in a scenario file, too.
    let f = write(
        t.path(),
        "key.toml",
        &format!("[simulation]\n{} = 1\n", "k".repeat(200_000)),
    );
    let (_, err) = code(t.path(), &["check", &f], 2);
    assert!(err.contains("unknown key"), "{err}");
    assert!(err.len() < 3_000, "{} bytes", err.len());
}
