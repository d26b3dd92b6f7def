//! Cohort throughput: the natural-history population, summaries only, on 1 and 2 threads.
//!
//! Run with `cargo bench --bench cohort`. The README records the figures; the 100,000-patient
//! wall time and peak memory are measured on the command line (see README, Performance).

use alssim::cohort::{CohortSummary, EngineError, run_chunks};
use alssim::scenario;
use divan::black_box;

fn main() {
    divan::main();
}

const PATIENTS: u64 = 5_000;

fn spec() -> alssim::cohort::CohortSpec {
    let text = include_str!("../scenarios/natural-history.toml");
    scenario::parse("natural-history.toml", "natural-history", text)
        .expect("bundled scenario is valid")
        .cohort_spec()
}

/// 5,000 patients of the natural-history scenario (10-year follow-up), summaries only.
#[divan::bench(args = [1, 2], sample_count = 5, sample_size = 1)]
fn natural_history_5000(threads: usize) -> u64 {
    let spec = spec();
    let mut summary = CohortSummary::new(&spec);
    run_chunks(&spec, 0..PATIENTS, threads, 2048, |_, part| {
        summary.merge(part);
        Ok::<(), EngineError>(())
    })
    .unwrap();
    black_box(summary.enrolled)
}

/// The natural-history population with one arm: untreated, or three drugs for ten years.
fn arm_spec(therapies: &str) -> alssim::cohort::CohortSpec {
    let bundled = include_str!("../scenarios/natural-history.toml");
    let arm = "[[arm]]\nname = \"untreated\"";
    // The replacement must find the arm, or the bench would silently time the untreated arm.
    assert!(
        bundled.contains(arm),
        "scenarios/natural-history.toml no longer has an `untreated` arm to replace"
    );
    let text = bundled.replace(
        arm,
        &format!("[[arm]]\nname = \"arm\"\ntherapies = {therapies}"),
    );
    scenario::parse("natural-history.toml", "natural-history", &text)
        .expect("bench scenario is valid")
        .cohort_spec()
}

fn run_summary(spec: &alssim::cohort::CohortSpec, patients: u64) -> u64 {
    let mut summary = CohortSummary::new(spec);
    run_chunks(spec, 0..patients, 1, 2048, |_, part| {
        summary.merge(part);
        Ok::<(), EngineError>(())
    })
    .unwrap();
    black_box(summary.enrolled)
}

/// Cost of therapy: 2,000 patients, one thread, untreated against a three-drug regimen with a
/// cyclic drug (riluzole, edaravone IV cycles, masitinib) from diagnosis for ten years, with
/// the cycles averaged (the default) and resolved (a breakpoint at every switch).
#[divan::bench(
    args = ["untreated", "three-drugs-averaged", "three-drugs-resolved"],
    sample_count = 5,
    sample_size = 1
)]
fn therapy_cost_2000(regimen: &str) -> u64 {
    let therapies = match regimen {
        "untreated" => "[]",
        "three-drugs-averaged" => {
            "[{ drug = \"riluzole\" }, { drug = \"edaravone-iv\" }, { drug = \"masitinib\" }]"
        }
        _ => {
            "[{ drug = \"riluzole\" }, { drug = \"edaravone-iv\", cycles = \"resolved\" }, { drug = \"masitinib\" }]"
        }
    };
    run_summary(&arm_spec(therapies), 2_000)
}
