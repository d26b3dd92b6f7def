//! A whole run of a scenario, streamed to its result folder; shards and their merge.
//!
//! Patients are simulated chunk by chunk; each finished chunk is folded into the exact
//! summaries ([`CohortSummary`]) and its rows are appended to `patients.csv` (and
//! `trajectories.parquet`), so memory does not grow with the cohort. A shard (`k` of `n`) runs the
//! slice of patient indices `[⌊size·(k−1)/n⌋, ⌊size·k/n⌋)` and writes a part folder; merging
//! all parts gives the same `summary.csv`, `patients.csv` and `trajectories.parquet`, byte for
//! byte, as the unsharded run.

use super::result_dir::{Replace, ResultDirError, Staging};
use super::tables::fold_chunks;
use crate::cohort::{CohortSpec, CohortSummary, EngineError};
use crate::results::manifest::{self, Manifest, Merged, RunMeta, fnv1a_from};
use crate::results::part::{FileRecord, Part, Shard};
use crate::results::patients::{patient_records, patients_csv_rows, patients_header};
use crate::results::summary::{sample_csv, sample_rows, summary_csv, summary_rows};
use crate::results::trajectories::{TrajectoryError, TrajectoryWriter};
use crate::scenario::{self, Scenario};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Patients simulated per chunk: large enough to keep both cores busy, small enough that a
/// chunk's outcomes take a few megabytes.
pub const CHUNK: u64 = 2048;

/// Why a run or merge failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// Writing the result folder failed.
    #[error(transparent)]
    Output(#[from] ResultDirError),
    /// The engine could not run.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The trajectory table could not be written or read.
    #[error(transparent)]
    Trajectories(#[from] TrajectoryError),
    /// A part folder is missing, damaged or does not belong with the others.
    #[error("cannot merge: {0}")]
    Merge(#[from] MergeError),
}

/// Why part folders cannot be merged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MergeError {
    /// No part folder was given.
    #[error("no part folders given")]
    NoParts,
    /// The same part folder was given twice.
    #[error("the part folder {} is given twice", .0.display())]
    GivenTwice(PathBuf),
    /// The result folder is, holds or is inside one of the parts.
    #[error("the result folder {} would write over the part folder {}: choose another --out", .out.display(), .part.display())]
    OverwritesPart {
        /// The result folder.
        out: PathBuf,
        /// The part folder.
        part: PathBuf,
    },
    /// A part's record (`part.json`) cannot be read.
    #[error(transparent)]
    Record(#[from] crate::results::ReadError),
    /// A part belongs to another run (another scenario or shard count).
    #[error("{} belongs to another run (shard {k}/{n} of scenario hash \"{hash}\"; expected ?/{expected_n} of \"{expected_hash}\")", .dir.display())]
    OtherRun {
        /// The part folder.
        dir: PathBuf,
        /// Its shard number.
        k: u64,
        /// Its shard count.
        n: u64,
        /// Its scenario hash.
        hash: String,
        /// The shard count of the first part.
        expected_n: u64,
        /// The scenario hash of the first part.
        expected_hash: String,
    },
    /// The shards given do not cover `1..=n` once each.
    #[error("the parts do not cover 1..{n} once each (missing: [{}], repeated: [{}])", join(.missing), join(.repeated))]
    Coverage {
        /// The shard count.
        n: u64,
        /// Shards not given.
        missing: Vec<u64>,
        /// Shards given more than once.
        repeated: Vec<u64>,
    },
    /// The scenario recorded in the parts does not parse.
    #[error("the scenario recorded in the parts does not read back: {0}")]
    Scenario(Box<crate::scenario::ScenarioError>),
    /// A file of a part is not the one the part wrote.
    #[error("{}: {what}; the part is damaged, truncated or edited: run the shard again", .path.display())]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What does not match.
        what: String,
    },
    /// A table of a part has other columns than the scenario writes.
    #[error("{}: its columns are not those this scenario writes ({header})", .path.display())]
    Columns {
        /// The table.
        path: PathBuf,
        /// The header the scenario writes.
        header: String,
    },
    /// A file of a part cannot be read.
    #[error("{}: {source}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// A part's summary accumulators do not read back.
    #[error("{}: damaged accumulators", .0.display())]
    Accumulators(PathBuf),
    /// Parts held in memory come from different scenarios.
    #[error("the parts come from different scenarios (hash \"{found}\", expected \"{expected}\")")]
    OtherScenario {
        /// The scenario hash of the first part.
        expected: String,
        /// The scenario hash of another part.
        found: String,
    },
    /// Parts held in memory leave a gap or overlap.
    #[error("the parts are not consecutive: one ends at patient {end}, the next starts at {start}")]
    NotConsecutive {
        /// Where the patients merged so far end.
        end: u64,
        /// Where the next part starts.
        start: u64,
    },
    /// Some parts hold a table that others do not.
    #[error("some parts hold {0} and others do not")]
    Tables(&'static str),
}

fn join(list: &[u64]) -> String {
    list.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Options of a run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Worker threads (1: serial).
    pub threads: usize,
    /// `Some((k, n))`: run shard `k` (1-based) of `n`.
    pub shard: Option<(u64, u64)>,
    /// Write `trajectories.parquet` even if the scenario does not ask for it.
    pub trajectories: bool,
    /// Replace an existing result folder.
    pub force: bool,
    /// Path of the scenario file, recorded in the manifest.
    pub scenario_file: String,
    /// Draw the figures and `report.html` into the result folder (not for a shard).
    pub plots: bool,
    /// The command recorded in the manifest (`run` when empty).
    pub command: &'static str,
    /// Replace a previous result of the same command even without `force` (a rerun of an
    /// exploratory command).
    pub replace_own: bool,
}

/// What a finished run reports.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// The result folder.
    pub dir: PathBuf,
    /// Counts and accumulators.
    pub summary: CohortSummary,
    /// Wall time, seconds.
    pub wall_seconds: f64,
    /// Seconds spent drawing figures and `report.html` (0 when none were drawn).
    pub plot_seconds: f64,
    /// Figures that could not be drawn; the tables were written all the same.
    pub warnings: Vec<String>,
}

/// Draws the figures and `report.html` of the finished tables in `staging`. A failure becomes a
/// warning: the tables stand without figures.
fn draw_into(staging: &Staging) -> (f64, Vec<String>) {
    let started = Instant::now();
    let dir = staging.dir();
    let warnings = match super::figures::draw(dir, dir, &super::figures::DrawOptions::default()) {
        Ok(d) => d.warnings,
        Err(e) => vec![e.to_string()],
    };
    (started.elapsed().as_secs_f64(), warnings)
}

/// The patient indices of shard `k` of `n` (1-based) in a population of `size`.
pub fn shard_range(size: u64, k: u64, n: u64) -> std::ops::Range<u64> {
    let at = |j: u64| (u128::from(size) * u128::from(j) / u128::from(n)) as u64;
    at(k - 1)..at(k)
}

pub use crate::results::manifest::fnv1a;

/// Size, line count and FNV-1a hash of a file, read in pieces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Digest {
    bytes: u64,
    lines: u64,
    fnv1a64: u64,
}

fn digest(path: &Path) -> std::io::Result<Digest> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 1 << 16];
    let mut d = Digest {
        bytes: 0,
        lines: 0,
        fnv1a64: fnv1a(b""),
    };
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(d);
        }
        let piece = &buf[..n];
        d.bytes += n as u64;
        d.lines += piece.iter().filter(|&&b| b == b'\n').count() as u64;
        d.fnv1a64 = fnv1a_from(d.fnv1a64, piece);
    }
}

/// The record of one file a part contributes: data rows, bytes and FNV-1a hash.
fn file_record(staging_file: &Path, rows: u64) -> Result<FileRecord, RunError> {
    let d = digest(staging_file).map_err(io_err(staging_file))?;
    Ok(FileRecord {
        rows,
        bytes: d.bytes,
        fnv1a64: format!("{:016x}", d.fnv1a64),
    })
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> RunError + use<> {
    let path = path.to_path_buf();
    move |source| RunError::Output(ResultDirError::Io { path, source })
}

struct Writers {
    patients: Option<std::io::BufWriter<std::fs::File>>,
    trajectories: Option<TrajectoryWriter>,
}

fn open(
    staging: &Staging,
    name: &str,
    header: &str,
) -> Result<std::io::BufWriter<std::fs::File>, RunError> {
    let p = staging.path(name);
    let mut w = std::io::BufWriter::new(std::fs::File::create(&p).map_err(io_err(&p))?);
    w.write_all(header.as_bytes()).map_err(io_err(&p))?;
    Ok(w)
}

/// Runs a scenario (or one shard of it) into `dir`. `progress` is called with the number of
/// patients finished after each chunk.
pub fn run_scenario(
    s: &Scenario,
    dir: &Path,
    options: &RunOptions,
    progress: impl FnMut(u64) + Send,
) -> Result<RunReport, RunError> {
    let spec = s.cohort_spec();
    let command = if options.command.is_empty() {
        "run"
    } else {
        options.command
    };
    let staging = Staging::with(
        dir,
        Replace {
            force: options.force,
            own: options.replace_own.then_some(command),
        },
    )?;
    let trajectories = s.simulation.keep_trajectories || options.trajectories;
    // The resolved scenario records what was run, `--trajectories` included.
    let mut recorded = s.clone();
    recorded.simulation.keep_trajectories = trajectories;
    let s = &recorded;
    let w = Writers::open(&staging, s, &spec, trajectories)?;
    let range = match options.shard {
        Some((k, n)) => shard_range(s.population.size, k, n),
        None => 0..s.population.size,
    };
    let started = Instant::now();
    let (summary, failures) =
        w.stream(&spec, range.clone(), options.threads, &staging, progress)?;
    let wall_seconds = started.elapsed().as_secs_f64();
    let resolved = scenario::to_toml(s);
    let (mut plot_seconds, mut warnings) = (0.0, Vec::new());
    let meta = RunMeta {
        command,
        scenario: s,
        scenario_file: &options.scenario_file,
        resolved: &resolved,
        threads: options.threads,
        wall_seconds,
    };
    match options.shard {
        None => {
            write_summary_tables(&staging, s, &spec, &summary)?;
            staging.write(
                "manifest.json",
                Manifest::new(&meta, &summary, failures, None)
                    .to_json()
                    .as_bytes(),
            )?;
            if options.plots {
                (plot_seconds, warnings) = draw_into(&staging);
            }
        }
        Some(shard) => {
            write_part(
                &staging,
                &meta,
                shard,
                range,
                &summary,
                failures,
                trajectories,
            )?;
        }
    }
    staging.commit()?;
    Ok(RunReport {
        dir: dir.to_path_buf(),
        summary,
        wall_seconds,
        plot_seconds,
        warnings,
    })
}

impl Writers {
    /// Simulates the patients of `range` chunk by chunk, writing each chunk's rows as it
    /// comes, and finishes the files; returns the merged summary and the failed patients.
    /// `progress` is called with the number of patients finished after each chunk.
    fn stream(
        mut self,
        spec: &CohortSpec,
        range: std::ops::Range<u64>,
        threads: usize,
        staging: &Staging,
        mut progress: impl FnMut(u64) + Send,
    ) -> Result<(CohortSummary, Vec<manifest::Failure>), RunError> {
        let (summary, failures) = fold_chunks(spec, range, threads, CHUNK, |chunk, done| {
            if let Some(p) = &mut self.patients {
                p.write_all(patients_csv_rows(&patient_records(spec, chunk)).as_bytes())
                    .map_err(io_err(&staging.path("patients.csv")))?;
            }
            if let Some(t) = &mut self.trajectories {
                t.push(spec, chunk)?;
            }
            progress(done);
            Ok::<(), RunError>(())
        })?;
        if let Some(mut writer) = self.patients {
            writer
                .flush()
                .map_err(io_err(&staging.path("patients.csv")))?;
        }
        if let Some(writer) = self.trajectories {
            writer.finish()?;
        }
        Ok((summary, failures))
    }

    /// The streamed files of a run, created in the staging folder.
    fn open(
        staging: &Staging,
        s: &Scenario,
        spec: &CohortSpec,
        trajectories: bool,
    ) -> Result<Writers, RunError> {
        Ok(Writers {
            patients: if s.simulation.patients {
                Some(open(staging, "patients.csv", &patients_header(spec))?)
            } else {
                None
            },
            trajectories: if trajectories {
                Some(TrajectoryWriter::create(
                    &staging.path("trajectories.parquet"),
                )?)
            } else {
                None
            },
        })
    }
}

/// The part record of shard `k` of `n`: its accumulators, failures and the digests of its
/// streamed files.
fn write_part(
    staging: &Staging,
    meta: &RunMeta<'_>,
    (k, n): (u64, u64),
    range: std::ops::Range<u64>,
    summary: &CohortSummary,
    failures: Vec<crate::results::manifest::Failure>,
    trajectories: bool,
) -> Result<(), RunError> {
    let mut files = std::collections::BTreeMap::new();
    if meta.scenario.simulation.patients {
        let p = staging.path("patients.csv");
        let rows = digest(&p).map_err(io_err(&p))?.lines.saturating_sub(1);
        files.insert("patients.csv".into(), file_record(&p, rows)?);
    }
    if trajectories {
        let p = staging.path("trajectories.parquet");
        let rows = crate::results::trajectories::file_rows(&p)?;
        files.insert("trajectories.parquet".into(), file_record(&p, rows)?);
    }
    let part = Part {
        accumulators: summary.to_json(),
        failures,
        files,
        part: Shard {
            end_index: range.end,
            first_index: range.start,
            k,
            n,
        },
        resolved_scenario: meta.resolved.to_string(),
        scenario: meta.scenario.meta.name.clone(),
        scenario_file: meta.scenario_file.to_string(),
        scenario_hash_fnv1a64: format!("{:016x}", fnv1a(meta.resolved.as_bytes())),
        threads: meta.threads,
        trajectories,
        wall_seconds: meta.wall_seconds,
    };
    staging.write("part.json", part.seal().as_bytes())?;
    Ok(())
}

/// `summary.csv` and `sample_trajectories.csv`, when the scenario asks for the summary.
fn write_summary_tables(
    staging: &Staging,
    s: &Scenario,
    spec: &CohortSpec,
    summary: &CohortSummary,
) -> Result<(), RunError> {
    if s.simulation.summary {
        staging.write(
            "summary.csv",
            summary_csv(&summary_rows(summary, spec)).as_bytes(),
        )?;
        staging.write(
            "sample_trajectories.csv",
            sample_csv(&sample_rows(summary, spec)).as_bytes(),
        )?;
    }
    Ok(())
}

struct PartDir {
    dir: PathBuf,
    record: Part,
}

fn read_part(dir: &Path) -> Result<PartDir, RunError> {
    let record = Part::read(&dir.join("part.json")).map_err(MergeError::from)?;
    Ok(PartDir {
        dir: dir.to_path_buf(),
        record,
    })
}

/// Checks that a file a part contributes is the one it wrote: same rows, bytes and hash.
fn verify_file(p: &PartDir, file: &str) -> Result<(), RunError> {
    let path = p.dir.join(file);
    let bad = |what: String| {
        RunError::from(MergeError::Damaged {
            path: path.clone(),
            what,
        })
    };
    let Some(FileRecord {
        rows,
        bytes,
        fnv1a64: hash,
    }) = p.record.files.get(file)
    else {
        return Err(bad(format!(
            "not recorded in {}",
            p.dir.join("part.json").display()
        )));
    };
    let d = digest(&path).map_err(|e| bad(e.to_string()))?;
    if d.bytes != *bytes {
        return Err(bad(format!(
            "{} bytes, but the part wrote {bytes}",
            d.bytes
        )));
    }
    if format!("{:016x}", d.fnv1a64) != *hash {
        return Err(bad(format!(
            "content hash {:016x}, but the part wrote {hash}",
            d.fnv1a64
        )));
    }
    let have = if file.ends_with(".csv") {
        d.lines.saturating_sub(1)
    } else {
        crate::results::trajectories::file_rows(&path)?
    };
    if have != *rows {
        return Err(bad(format!("{have} rows, but the part wrote {rows}")));
    }
    Ok(())
}

/// Refuses a part folder given twice and a result folder that is one of the parts (or holds
/// one, or is inside one): merge never writes over its input.
fn check_inputs(parts: &[PathBuf], dir: &Path) -> Result<(), RunError> {
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let mut seen: Vec<PathBuf> = Vec::new();
    for p in parts {
        let c = canonical(p);
        if seen.contains(&c) {
            return Err(MergeError::GivenTwice(p.clone()).into());
        }
        seen.push(c);
    }
    // The result folder, resolved through its nearest existing ancestor (it may not exist yet).
    let out = std::path::absolute(dir).map_or_else(
        |_| dir.to_path_buf(),
        |abs| {
            abs.ancestors()
                .find_map(|a| {
                    let c = std::fs::canonicalize(a).ok()?;
                    Some(c.join(abs.strip_prefix(a).ok()?))
                })
                .unwrap_or(abs.clone())
        },
    );
    for (p, c) in parts.iter().zip(&seen) {
        if out.starts_with(c) || c.starts_with(&out) {
            return Err(MergeError::OverwritesPart {
                out: dir.to_path_buf(),
                part: p.clone(),
            }
            .into());
        }
    }
    Ok(())
}

/// Checks that the table at `path` starts with the line `header`.
fn check_header(path: &Path, header: &str) -> Result<(), RunError> {
    use std::io::BufRead;
    let mut first = String::new();
    std::fs::File::open(path)
        .map(std::io::BufReader::new)
        .and_then(|mut r| r.read_line(&mut first))
        .map_err(|source| MergeError::Read {
            path: path.to_path_buf(),
            source,
        })?;
    if first != header {
        return Err(MergeError::Columns {
            path: path.to_path_buf(),
            header: header.trim_end().to_string(),
        }
        .into());
    }
    Ok(())
}

/// Appends the rows of a part's table to `out`, after checking that its header is `header`
/// (the columns of the record the table is written from).
fn append_rows(
    out: &mut std::io::BufWriter<std::fs::File>,
    from: &Path,
    header: &str,
    out_path: &Path,
) -> Result<(), RunError> {
    let text = std::fs::read_to_string(from).map_err(|source| MergeError::Read {
        path: from.to_path_buf(),
        source,
    })?;
    let Some(body) = text.strip_prefix(header) else {
        return Err(MergeError::Columns {
            path: from.to_path_buf(),
            header: header.trim_end().to_string(),
        }
        .into());
    };
    out.write_all(body.as_bytes()).map_err(io_err(out_path))
}

/// Merges the part folders of one sharded run into `dir`, without figures.
pub fn merge_parts(parts: &[PathBuf], dir: &Path, force: bool) -> Result<RunReport, RunError> {
    merge_parts_with(parts, dir, force, false)
}

/// Merges the part folders of one sharded run into `dir`; with `plots`, also draws the
/// figures and `report.html` of the merged result.
pub fn merge_parts_with(
    parts: &[PathBuf],
    dir: &Path,
    force: bool,
    plots: bool,
) -> Result<RunReport, RunError> {
    check_inputs(parts, dir)?;
    let mut parts = parts
        .iter()
        .map(|p| read_part(p))
        .collect::<Result<Vec<_>, _>>()?;
    parts.sort_by_key(|p| p.record.part.k);
    let first = parts.first().ok_or(MergeError::NoParts)?;
    let n = check_coverage(&parts)?;
    let resolved = first.record.resolved_scenario.clone();
    let name = first.record.scenario.clone();
    let s = scenario::parse("part.json", &name, &resolved)
        .map_err(|e| MergeError::Scenario(Box::new(e)))?;
    let spec: CohortSpec = s.cohort_spec();
    let trajectories = first.record.trajectories;
    let header = patients_header(&spec);
    for p in &parts {
        verify_part(p, s.simulation.patients.then_some(&header), trajectories)?;
    }
    let staging = Staging::new(dir, force)?;
    let Accumulated {
        summary,
        failures,
        wall_seconds,
        threads,
    } = accumulate(&parts, &spec)?;
    append_streamed(
        &staging,
        &parts,
        trajectories,
        s.simulation.patients.then_some(&header),
    )?;
    write_summary_tables(&staging, &s, &spec, &summary)?;
    let scenario_file = first.record.scenario_file.clone();
    // The merged result is the result of the run that was sharded.
    let meta = RunMeta {
        command: "run",
        scenario: &s,
        scenario_file: &scenario_file,
        resolved: &resolved,
        threads,
        wall_seconds,
    };
    let shard = Merged { merged_parts: n };
    staging.write(
        "manifest.json",
        Manifest::new(&meta, &summary, failures, Some(shard))
            .to_json()
            .as_bytes(),
    )?;
    let (plot_seconds, warnings) = if plots {
        draw_into(&staging)
    } else {
        (0.0, Vec::new())
    };
    staging.commit()?;
    Ok(RunReport {
        dir: dir.to_path_buf(),
        summary,
        wall_seconds,
        plot_seconds,
        warnings,
    })
}

/// Checks the streamed files of a part: `patients.csv` (when `header` is given, with that
/// header) and `trajectories.parquet` are those the part wrote.
fn verify_part(p: &PartDir, header: Option<&String>, trajectories: bool) -> Result<(), RunError> {
    if let Some(header) = header {
        verify_file(p, "patients.csv")?;
        check_header(&p.dir.join("patients.csv"), header)?;
    }
    if trajectories {
        verify_file(p, "trajectories.parquet")?;
    }
    Ok(())
}

/// The parts' summaries, failures and run records, added up.
struct Accumulated {
    summary: CohortSummary,
    failures: Vec<manifest::Failure>,
    wall_seconds: f64,
    threads: usize,
}

fn accumulate(parts: &[PartDir], spec: &CohortSpec) -> Result<Accumulated, RunError> {
    let mut a = Accumulated {
        summary: CohortSummary::new(spec),
        failures: Vec::new(),
        wall_seconds: 0.0,
        threads: 0,
    };
    for p in parts {
        let acc = CohortSummary::from_json(&p.record.accumulators)
            .ok_or_else(|| MergeError::Accumulators(p.dir.clone()))?;
        a.summary.merge(&acc);
        a.failures.extend(p.record.failures.iter().cloned());
        a.wall_seconds += p.record.wall_seconds;
        a.threads = a.threads.max(p.record.threads);
    }
    Ok(a)
}

/// Appends the parts' streamed tables in order: `trajectories.parquet`, and `patients.csv`
/// under `header` (its rows as written, each file checked against its hash and header before).
fn append_streamed(
    staging: &Staging,
    parts: &[PartDir],
    trajectories: bool,
    header: Option<&String>,
) -> Result<(), RunError> {
    if trajectories {
        let mut out = TrajectoryWriter::create(&staging.path("trajectories.parquet"))?;
        for p in parts {
            out.append_file(&p.dir.join("trajectories.parquet"))?;
        }
        out.finish()?;
    }
    if let Some(header) = header {
        let out_path = staging.path("patients.csv");
        let mut out = open(staging, "patients.csv", header)?;
        for p in parts {
            append_rows(&mut out, &p.dir.join("patients.csv"), header, &out_path)?;
        }
        out.flush().map_err(io_err(&out_path))?;
    }
    Ok(())
}

/// The parts are the `n` shards of one run, each once: the shard count `n`.
fn check_coverage(parts: &[PartDir]) -> Result<u64, RunError> {
    let first = parts.first().ok_or(MergeError::NoParts)?;
    let n = first.record.part.n;
    let hash = &first.record.scenario_hash_fnv1a64;
    for p in parts {
        let r = &p.record;
        if r.part.n != n || r.scenario_hash_fnv1a64 != *hash {
            return Err(MergeError::OtherRun {
                dir: p.dir.clone(),
                k: r.part.k,
                n: r.part.n,
                hash: r.scenario_hash_fnv1a64.clone(),
                expected_n: n,
                expected_hash: hash.clone(),
            }
            .into());
        }
    }
    let have: Vec<u64> = parts.iter().map(|p| p.record.part.k).collect();
    let want: Vec<u64> = (1..=n).collect();
    if have != want {
        let missing: Vec<u64> = want.iter().copied().filter(|k| !have.contains(k)).collect();
        let repeated: Vec<u64> = have
            .windows(2)
            .filter(|w| w[0] == w[1])
            .map(|w| w[0])
            .collect();
        return Err(MergeError::Coverage {
            n,
            missing,
            repeated,
        }
        .into());
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_table_with_other_columns_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("patients.csv");
        std::fs::write(&path, "index,arm\n0,a\n").unwrap();
        check_header(&path, "index,arm\n").unwrap();
        let e = check_header(&path, "index,arm,age\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("patients.csv") && e.contains("index,arm,age"),
            "{e}"
        );
    }

    #[test]
    fn shards_partition_the_indices() {
        for size in [0, 1, 7, 100, 1001] {
            for n in 1..=7 {
                let mut next = 0;
                for k in 1..=n {
                    let r = shard_range(size, k, n);
                    assert_eq!(r.start, next);
                    next = r.end;
                }
                assert_eq!(next, size);
            }
        }
    }
}
