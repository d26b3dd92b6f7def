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
