//! `alssim calibrate --posterior`: the posterior of the population parameters by ABC, with a
//! checkpoint after every generation and shards for clusters.

use alssim::calibrate::posterior::{self, Dimension, Generation, Particle, Settings};
use alssim::calibrate::{priors, targets};
use alssim::report::atomic::write_atomic;
use alssim::report::plot::{Axis, Bars, Figure, FigureOptions};
use alssim::report::result_dir::{Staging, tool_manifest};
use alssim::scenario::{self, Scenario};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Options of the posterior (used with `--posterior`).
#[derive(Debug, clap::Args)]
pub struct PosteriorArgs {
    /// Proposals of the first generation and particles pooled in each later one (with
    /// --posterior).
    #[arg(long, requires = "posterior", value_name = "N", default_value_t = 400, value_parser = clap::value_parser!(u64).range(8..=100_000))]
    particles: u64,
    /// Share of the pooled particles kept in each generation; the posterior sample has
    /// alpha x particles members (with --posterior).
    #[arg(long, requires = "posterior", value_name = "A", default_value_t = 0.5)]
    alpha: f64,
    /// The tolerance stops falling (and the final sweeps begin) when fewer than this share of a
    /// generation's simulated moves land within the previous tolerance (with --posterior).
    #[arg(long, requires = "posterior", value_name = "P", default_value_t = 0.05)]
    min_acceptance: f64,
    /// Largest number of generations that lower the tolerance, the first included (with
    /// --posterior).
    #[arg(long, requires = "posterior", value_name = "N", default_value_t = 40, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    generations: u64,
    /// Sweeps after each generation that lowers the tolerance, save the last: generations that
    /// move every kept particle once at the tolerance reached, dropping none (with
    /// --posterior).
    #[arg(long, requires = "posterior", value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(0..=100))]
    moves: u64,
    /// Sweeps at the final tolerance, so that the chains mix before the sample is taken (with
    /// --posterior).
    #[arg(long, requires = "posterior", value_name = "N", default_value_t = 60, value_parser = clap::value_parser!(u64).range(0..=10_000))]
    sweeps: u64,
    /// Checkpoint folder: the run's settings and every completed generation [default: the
    /// result folder's name with `-checkpoint` appended, beside it] (with --posterior).
    #[arg(long, requires = "posterior", value_name = "DIR")]
    checkpoint: Option<PathBuf>,
    /// Evaluate only share K of N of the pending generation's proposals, save them in the
    /// checkpoint and stop; a later run without --shard pools the shares (with --posterior).
    #[arg(long, requires = "posterior", value_name = "K/N", value_parser = super::run::parse_shard)]
    shard: Option<(u64, u64)>,
    /// Complete at most this many generations in this call, then stop (resume later) (with
    /// --posterior).
    #[arg(long, requires = "posterior", value_name = "N", value_parser = clap::value_parser!(u64).range(1..=10_000))]
    steps: Option<u64>,
    /// Priors file, in the format of the bundled one (`alssim params --priors` shows it)
    /// [default: the bundled priors] (with --posterior).
    #[arg(long, requires = "posterior", value_name = "FILE")]
    priors: Option<PathBuf>,
}

/// Options shared with the point fit.
pub struct Common {
    pub patients: u64,
    pub seed: Option<u64>,
    pub out: PathBuf,
    pub threads: usize,
    pub force: bool,
}

/// The checkpoint's description of the run: a resumed run must match it exactly.
fn run_description(
    base: &Scenario,
    settings: &Settings,
    dims: &[Dimension],
    fit: &[targets::Target],
) -> String {
    let mut out = format!(
        "# alssim calibrate --posterior: the run this checkpoint belongs to\nparticles = {}\nalpha = {}\nmin_acceptance = {}\nmax_generations = {}\nmoves = {}\nsweeps = {}\npatients = {}\nseed = {}\ntargets = [{}]\n",
        settings.particles,
        settings.alpha,
        settings.min_acceptance,
        settings.max_generations,
        settings.moves,
        settings.sweeps,
        settings.patients,
        settings.seed,
        fit.iter()
            .map(|t| format!("\"{}\"", t.id))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for d in dims {
        let [lo, hi] = d.prior.range.unwrap_or([f64::NAN, f64::NAN]);
        out.push_str(&format!(
            "prior.\"{}\" = [\"{}\", {lo}, {hi}]\n",
            d.name(),
            d.prior.kind.name()
        ));
    }
    out.push_str("\n# the scenario\n");
    out.push_str(&scenario::to_toml(base));
    out
}

const RUN_FILE: &str = "run.toml";

fn generation_file(t: usize) -> String {
    format!("generation-{t:03}.csv")
}

fn shard_prefix(t: usize) -> String {
    format!("proposals-{t:03}-")
}

/// Opens or creates the checkpoint folder; refuses a folder that holds anything else or
/// another run.
fn open_checkpoint(dir: &Path, description: &str) -> anyhow::Result<()> {
    if dir.exists() {
        let run = dir.join(RUN_FILE);
        if !run.exists() {
            let empty = std::fs::read_dir(dir)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
            if !empty {
                bail!(
                    "{} exists and is not a checkpoint of `alssim calibrate --posterior` (it has no {RUN_FILE}); choose another --checkpoint",
                    dir.display()
                );
            }
        } else {
            let held = std::fs::read_to_string(&run)
                .with_context(|| format!("reading {}", run.display()))?;
            if held != description {
                bail!(
                    "the checkpoint {} belongs to a run with other options, priors, targets or scenario (see its {RUN_FILE}); \
                     give the same options to resume it, or choose another --checkpoint",
                    dir.display()
                );
            }
            return Ok(());
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    write_atomic(&dir.join(RUN_FILE), description.as_bytes())
        .with_context(|| format!("writing {}", dir.join(RUN_FILE).display()))?;
    Ok(())
}

/// The completed generations held in the checkpoint.
fn load_generations(dir: &Path, dims: &[Dimension]) -> anyhow::Result<Vec<Generation>> {
    let table = dir.join("generations.csv");
    if !table.exists() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(&table)?;
    let rows = posterior::read_generations(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", table.display()))?;
    let mut out = Vec::new();
    for (t, row) in rows.into_iter().enumerate() {
        let file = dir.join(generation_file(t));
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        let particles = posterior::read_particles(dims, &text)
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        out.push(Generation {
            index: t,
            epsilon: row.epsilon,
            acceptance: row.acceptance,
            evaluations: row.evaluations,
            failed: row.failed,
            particles,
            sweep: row.sweep,
        });
    }
    Ok(out)
}

/// The proposals of generation `t` already evaluated (by shards or by an interrupted run).
fn load_evaluated(dir: &Path, dims: &[Dimension], t: usize) -> anyhow::Result<Vec<Particle>> {
    let prefix = shard_prefix(t);
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().and_then(|e| e.file_name().into_string().ok()))
        .filter(|n| n.starts_with(&prefix) && n.ends_with(".csv"))
        .collect();
    names.sort();
    let mut all: Vec<Particle> = Vec::new();
    for n in names {
        let text = std::fs::read_to_string(dir.join(&n))?;
        let ps = posterior::read_particles(dims, &text)
            .map_err(|e| anyhow::anyhow!("{}: {e}", dir.join(&n).display()))?;
        for p in ps {
            if p.generation != t {
                bail!(
                    "{}: a particle of generation {} in generation {t}'s file",
                    dir.join(&n).display(),
                    p.generation
                );
            }
            match all.iter().find(|q| q.index == p.index) {
                Some(q) if *q != p => bail!(
                    "{}: proposal {} differs from another file's",
                    dir.join(&n).display(),
                    p.index
                ),
                Some(_) => {}
                None => all.push(p),
            }
        }
    }
    all.sort_by_key(|p| p.index);
    Ok(all)
}

/// One posterior run: what it fits, with what, and where its progress is kept.
struct Job {
    base: Scenario,
    dims: Vec<Dimension>,
    fit: Vec<targets::Target>,
    settings: Settings,
    checkpoint: PathBuf,
    threads: usize,
    /// `--shard K/N` as (K − 1, N).
    shard: Option<(u64, u64)>,
}

impl Job {
    fn new(base: Scenario, args: &PosteriorArgs, common: &Common) -> anyhow::Result<Job> {
        if !(args.alpha > 0.0 && args.alpha < 1.0) {
            bail!(
                "--alpha {} is not accepted: a share between 0 and 1 (exclusive), e.g. 0.5",
                args.alpha
            );
        }
        if !(0.0..1.0).contains(&args.min_acceptance) {
            bail!(
                "--min-acceptance {} is not accepted: a share from 0 to below 1, e.g. 0.05",
                args.min_acceptance
            );
        }
        let prior_list = match &args.priors {
            Some(file) => {
                let text = std::fs::read_to_string(file)
                    .with_context(|| format!("reading {}", file.display()))?;
                priors::parse(&text)
                    .map_err(|e| anyhow::anyhow!("{}:\n  {}", file.display(), e.join("\n  ")))?
            }
            None => priors::bundled(),
        };
        let settings = Settings {
            particles: usize::try_from(args.particles)?,
            alpha: args.alpha,
            min_acceptance: args.min_acceptance,
            max_generations: usize::try_from(args.generations)?,
            moves: usize::try_from(args.moves)?,
            sweeps: usize::try_from(args.sweeps)?,
            patients: common.patients,
            seed: common.seed.unwrap_or(base.population().seed),
        };
        let checkpoint = args.checkpoint.clone().unwrap_or_else(|| {
            let mut name = common
                .out
                .file_name()
                .map(|n| n.to_os_string())
                .unwrap_or_else(|| "posterior".into());
            name.push("-checkpoint");
            common.out.with_file_name(name)
        });
        Ok(Job {
            dims: posterior::dimensions(&posterior::INFERRED, &prior_list)?,
            fit: posterior::fit_targets(&targets::bundled()),
            base,
            settings,
            checkpoint,
            threads: common.threads,
            shard: args.shard.map(|(k, n)| (k - 1, n)),
        })
    }

    /// Whether proposal `i` is this process's to evaluate.
    fn mine(&self, i: usize) -> bool {
        self.shard.is_none_or(|(k, n)| i as u64 % n == k)
    }

    /// The file this process saves its evaluated proposals of generation `t` in.
    fn own_file(&self, t: usize) -> PathBuf {
        self.checkpoint.join(match self.shard {
            Some((k, n)) => format!("{}shard-{}-of-{n}.csv", shard_prefix(t), k + 1),
            None => format!("{}local.csv", shard_prefix(t)),
        })
    }

    /// Evaluates this process's missing proposals of generation `t`, saving them every 25;
    /// returns every evaluated proposal of the generation known so far.
    fn evaluate_pending(
        &self,
        previous: Option<&Generation>,
        t: usize,
        step: posterior::Step,
    ) -> anyhow::Result<Vec<Particle>> {
        let mut evaluated = load_evaluated(&self.checkpoint, &self.dims, t)?;
        let done: std::collections::HashSet<usize> = evaluated.iter().map(|p| p.index).collect();
        let todo = posterior::proposals(&self.settings, &self.dims, previous, t, step, |i| {
            !done.contains(&i) && self.mine(i)
        });
        let own_file = self.own_file(t);
        // What this process saved before (a shard's share, or a local run's progress).
        let mut own: Vec<Particle> = match self.shard {
            Some(_) => evaluated
                .iter()
                .filter(|p| self.mine(p.index))
                .cloned()
                .collect(),
            None => load_evaluated_file(&own_file, &self.dims)?,
        };
        let total = todo.len();
        for (i, p) in todo.iter().enumerate() {
            let particle = posterior::evaluate(
                &self.base,
                &self.dims,
                &self.fit,
                &self.settings,
                p,
                self.threads,
            );
            own.push(particle.clone());
            evaluated.push(particle);
            if (i + 1) % 25 == 0 || i + 1 == total {
                own.sort_by_key(|p| p.index);
                write_atomic(
                    &own_file,
                    posterior::particles_csv(&self.dims, &own).as_bytes(),
                )
                .with_context(|| format!("writing {}", own_file.display()))?;
                eprintln!("  generation {t}: {}/{total} proposals evaluated", i + 1);
            }
        }
        if let Some((k, n)) = self.shard {
            crate::outln!(
                "shard {} of {n} of generation {t}: {} proposals saved in {}; run without --shard to pool the shares",
                k + 1,
                own.len(),
                own_file.display()
            );
        }
        Ok(evaluated)
    }

    /// Completes generation `t` from its evaluated proposals and saves it.
    fn complete(
        &self,
        generations: &mut Vec<Generation>,
        evaluated: Vec<Particle>,
        step: posterior::Step,
    ) -> anyhow::Result<()> {
        let t = generations.len();
        let expected = posterior::proposal_count(&self.settings, generations.last(), t, step);
        if evaluated.len() != expected {
            bail!(
                "generation {t} has {} of its {expected} proposals evaluated",
                evaluated.len(),
            );
        }
        let g = posterior::fold(
            &self.settings,
            &self.dims,
            generations.last(),
            t,
            step,
            evaluated,
        );
        write_atomic(
            &self.checkpoint.join(generation_file(t)),
            posterior::particles_csv(&self.dims, &g.particles).as_bytes(),
        )?;
        generations.push(g);
        write_atomic(
            &self.checkpoint.join("generations.csv"),
            posterior::generations_csv(generations).as_bytes(),
        )?;
        Ok(())
    }

    /// Writes the result folder: the posterior, the generations, the report and the
    /// identifiability figure.
    fn write_result(&self, generations: &[Generation], common: &Common) -> anyhow::Result<()> {
        let (dims, settings) = (&self.dims, &self.settings);
        let last = generations.last().context("no generation")?;
        let staging = Staging::new(&common.out, common.force)?;
        staging.write(
            "posterior.csv",
            posterior_file(dims, settings, last, generations).as_bytes(),
        )?;
        staging.write(
            "generations.csv",
            posterior::generations_csv(generations).as_bytes(),
        )?;
        staging.write(
            "posterior.md",
            posterior_report(dims, settings, generations, &self.fit).as_bytes(),
        )?;
        staging.write("manifest.json", &tool_manifest("calibrate"))?;
        let (names, shrinkage): (Vec<String>, Vec<f64>) = dims
            .iter()
            .enumerate()
            .map(|(j, d)| (d.name().to_string(), shrinkage(d, last, j)))
            .unzip();
        Figure::Bars(
            Bars::new(
                "What the natural-history targets identify",
                names,
                shrinkage,
                Axis::new("shrinkage: 1 - posterior / prior 90% interval width").range(-0.2, 1.0),
            )
            .subtitle(format!(
                "{} posterior particles, {} generations of {} patients per cohort; near 0 the targets say nothing about a quantity",
                last.particles.len(),
                generations.len(),
                settings.patients
            )),
        )
        .save(&staging.path(""), "identifiability", &FigureOptions::default())?;
        staging.commit()?;
        crate::outln!(
            "posterior: {} particles after {} generations (tolerance {:.4}); wrote {}",
            last.particles.len(),
            generations.len(),
            last.epsilon,
            common.out.display()
        );
        Ok(())
    }
}

pub fn run(base: Scenario, args: &PosteriorArgs, common: Common) -> anyhow::Result<()> {
    let job = Job::new(base, args, &common)?;
    // Refused at once if the result folder may not be written (before hours of work).
    alssim::report::result_dir::check_replaceable(
        &common.out,
        alssim::report::result_dir::Replace::force(common.force),
    )?;
    let description = run_description(&job.base, &job.settings, &job.dims, &job.fit);
    open_checkpoint(&job.checkpoint, &description)?;
    let mut generations = load_generations(&job.checkpoint, &job.dims)?;
    if generations.is_empty() {
        crate::outln!(
            "alssim calibrate --posterior: {} quantities, {} fit targets, {} particles (keeping {}), {} patients per proposal, seed {}; checkpoint {}",
            job.dims.len(),
            job.fit.len(),
            job.settings.particles,
            job.settings.kept(),
            job.settings.patients,
            job.settings.seed,
            job.checkpoint.display()
        );
    } else if job.shard.is_none() {
        crate::outln!(
            "alssim calibrate --posterior: resuming from {} after generation {}",
            job.checkpoint.display(),
            generations.len() - 1
        );
    }
    let started = Instant::now();
    let mut steps = 0u64;
    while let Some(step) = posterior::next_step(&generations, &job.settings) {
        if args.steps.is_some_and(|n| steps >= n) {
            crate::outln!(
                "stopped after {steps} generation(s) as asked (--steps); run again to go on"
            );
            return Ok(());
        }
        let evaluated = job.evaluate_pending(generations.last(), generations.len(), step)?;
        if job.shard.is_some() {
            return Ok(());
        }
        job.complete(&mut generations, evaluated, step)?;
        let g = generations.last().context("no generation")?;
        crate::outln!(
            "generation {} ({}): tolerance {:.4}, acceptance {:.3}, {} proposals ({} failed), {:.0} s elapsed",
            g.index,
            if g.sweep { "sweep" } else { "lower" },
            g.epsilon,
            g.acceptance,
            g.evaluations,
            g.failed,
            started.elapsed().as_secs_f64()
        );
        steps += 1;
    }
    if let Some((k, n)) = job.shard {
        crate::outln!(
            "shard {} of {n}: the run in {} is complete; nothing to evaluate (a run without --shard writes the result)",
            k + 1,
            job.checkpoint.display()
        );
        return Ok(());
    }
    job.write_result(&generations, &common)
}

fn load_evaluated_file(file: &Path, dims: &[Dimension]) -> anyhow::Result<Vec<Particle>> {
    if !file.exists() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(file)?;
    posterior::read_particles(dims, &text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))
}

/// `posterior.csv`: provenance lines (`#`), then the last generation's particles.
fn posterior_file(
    dims: &[Dimension],
    s: &Settings,
    last: &Generation,
    all: &[Generation],
) -> String {
    let evaluations: usize = all.iter().map(|g| g.evaluations).sum();
    format!(
        "# alssim {} calibrate --posterior --particles {} --alpha {} --min-acceptance {} --generations {} --moves {} --sweeps {} --patients {} --seed {}\n\
         # sequential Monte Carlo ABC with Markov chain moves (Drovandi & Pettitt 2011); {} generations, {evaluations} cohorts, final tolerance {}, {} distinct of {} particles\n{}",
        env!("CARGO_PKG_VERSION"),
        s.particles,
        s.alpha,
        s.min_acceptance,
        s.max_generations,
        s.moves,
        s.sweeps,
        s.patients,
        s.seed,
        all.len(),
        last.epsilon,
        last.distinct(),
        last.particles.len(),
        posterior::particles_csv(dims, &last.particles)
    )
}

/// `posterior.md`: prior against posterior for each quantity, what the targets identify, and
/// the strong correlations.
fn posterior_report(
    dims: &[Dimension],
    s: &Settings,
    all: &[Generation],
    fit: &[targets::Target],
) -> String {
    let last = &all[all.len() - 1];
    let distinct = last.distinct();
    let mut out = format!(
        "# Posterior of the population parameters\n\n{} particles kept of {} per generation; {} generations, {} cohorts of {} patients, \
         seed {}; final tolerance {:.4} (root-mean-square residual in published standard errors over {} fit targets); \
         {distinct} distinct parameter sets among the {} equally weighted particles (a rejected move leaves a copy).\n\n\
         Shrinkage is 1 − (posterior 90% interval width / prior 90% interval width) on the prior's uniform scale: near 1 the \
         targets pin the quantity down, near 0 they say nothing about it.\n\n\
         | quantity | prior | prior 90% | posterior median | posterior 90% | shrinkage | identified |\n|---|---|---|---|---|---|---|\n",
        last.particles.len(),
        s.particles,
        all.len(),
        all.iter().map(|g| g.evaluations).sum::<usize>(),
        s.patients,
        s.seed,
        last.epsilon,
        fit.len(),
        last.particles.len()
    );
    out.push_str(&prior_against_posterior(dims, last));
    out.push_str(&correlations(dims, last));
    out.push_str("\n## Generations\n\nAcceptance is the share of simulated moves that landed within the previous tolerance; a sweep moves every kept particle at the tolerance reached.\n\n| generation | step | tolerance | acceptance | cohorts | distinct particles |\n|---|---|---|---|---|---|\n");
    for g in all {
        out.push_str(&format!(
            "| {} | {} | {:.4} | {:.3} | {} | {} |\n",
            g.index,
            if g.sweep { "sweep" } else { "lower" },
            g.epsilon,
            g.acceptance,
            g.evaluations,
            g.distinct()
        ));
    }
    out
}

/// One row per quantity: its prior, its posterior median and 90% interval, and the shrinkage.
fn prior_against_posterior(dims: &[Dimension], last: &Generation) -> String {
    let w = last.normalised_weights();
    let mut out = String::new();
    for (j, d) in dims.iter().enumerate() {
        let x: Vec<f64> = last.particles.iter().map(|p| p.values[j]).collect();
        let q = |p: f64| posterior::weighted_quantile(&x, &w, p);
        let prior = |p: f64| d.prior.quantile(p).unwrap_or(f64::NAN);
        let shrink = shrinkage(d, last, j);
        let verdict = if shrink >= 0.5 {
            "yes"
        } else if shrink >= 0.2 {
            "partly"
        } else {
            "no"
        };
        out.push_str(&format!(
            "| `{}` | {} | {:.4}-{:.4} | {:.4} | {:.4}-{:.4} | {shrink:.2} | {verdict} |\n",
            d.name(),
            d.prior.kind.name(),
            prior(0.05),
            prior(0.95),
            q(0.5),
            q(0.05),
            q(0.95),
        ));
    }
    out
}

/// The pairs of quantities whose weighted correlation on the prior's uniform scale is at
/// least 0.4 in size, strongest first.
fn correlations(dims: &[Dimension], last: &Generation) -> String {
    let w = last.normalised_weights();
    let mut out = String::from(
        "\n## Correlations\n\nWeighted correlations of the posterior sample on the prior's uniform scale, |r| ≥ 0.4:\n\n",
    );
    let col = |j: usize| -> Vec<f64> {
        last.particles
            .iter()
            .map(|p| dims[j].prior.to_unit_scale(p.values[j]))
            .collect()
    };
    let mut pairs = Vec::new();
    for a in 0..dims.len() {
        for b in a + 1..dims.len() {
            let r = weighted_correlation(&col(a), &col(b), &w);
            if r.abs() >= 0.4 {
                pairs.push((r, a, b));
            }
        }
    }
    pairs.sort_by(|x, y| y.0.abs().total_cmp(&x.0.abs()));
    if pairs.is_empty() {
        out.push_str("none.\n");
    }
    for (r, a, b) in pairs {
        out.push_str(&format!(
            "- `{}` and `{}`: {r:.2}\n",
            dims[a].name(),
            dims[b].name()
        ));
    }
    out
}

/// 1 − (posterior 90% interval width / prior 90% interval width) of dimension `j`, on the
/// prior's uniform scale.
fn shrinkage(d: &Dimension, last: &Generation, j: usize) -> f64 {
    let w = last.normalised_weights();
    let x: Vec<f64> = last.particles.iter().map(|p| p.values[j]).collect();
    let (lo, hi) = (
        posterior::weighted_quantile(&x, &w, 0.05),
        posterior::weighted_quantile(&x, &w, 0.95),
    );
    let (plo, phi) = (
        d.prior.quantile(0.05).unwrap_or(f64::NAN),
        d.prior.quantile(0.95).unwrap_or(f64::NAN),
    );
    1.0 - (d.prior.to_unit_scale(hi) - d.prior.to_unit_scale(lo))
        / (d.prior.to_unit_scale(phi) - d.prior.to_unit_scale(plo))
}

fn weighted_correlation(x: &[f64], y: &[f64], w: &[f64]) -> f64 {
    let mx: f64 = x.iter().zip(w).map(|(a, b)| a * b).sum();
    let my: f64 = y.iter().zip(w).map(|(a, b)| a * b).sum();
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for ((a, b), c) in x.iter().zip(y).zip(w) {
        sxy += c * (a - mx) * (b - my);
        sxx += c * (a - mx).powi(2);
        syy += c * (b - my).powi(2);
    }
    sxy / (sxx * syy).sqrt()
}
