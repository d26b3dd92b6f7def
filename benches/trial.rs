//! Trial throughput: a 250-patient, 24-week, two-arm trial (monthly visits, ANCOVA and mixed
//! model endpoints) with 200 replicates, including the simulation of its pool, on 2 threads.
//! Target: under a minute (docs/TRIALS.md). Run with `cargo bench --bench trial`.

use alssim::scenario;
use divan::black_box;

fn main() {
    divan::main();
}

const DESIGN: &str = r#"
[simulation]
horizon-months = 5.52
visits-every-months = 0.92
visits-from = "enrollment"

[population]
seed = 7
enrollment = { at = "diagnosis" }

[population.inclusion]
max-months-since-onset = 24
min-fvc = 60

[[arm]]
name = "placebo"

[[arm]]
name = "riluzole"
therapies = [{ drug = "riluzole" }]

[trial]
sample-size = 250
endpoints = ["alsfrs-change", "alsfrs-slope", "survival"]
dropout-per-year = 0.1
"#;

#[divan::bench(sample_count = 3, sample_size = 1)]
fn trial_250_patients_24_weeks_200_replicates() -> usize {
    let s = scenario::parse("bench.toml", "bench", DESIGN).expect("bench design is valid");
    let design = s.trial().cloned().expect("has a trial");
    let run = alssim::trial::run_trial(&s.cohort_spec(), &design, &[250], 200, 2)
        .expect("the trial runs");
    black_box(run.power.len())
}
