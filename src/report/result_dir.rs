//! Result folders written whole or not at all, and replaced only when they are results.
//!
//! A run into `DIR` first takes the lock file `.DIR.lock` beside it (created exclusively; it
//! holds the process id and host name), so a second run into the same folder is refused while
//! the first is under way. It then writes into a staging folder of its own,
//! `.DIR.partial-PID-N`, and renames it into place only when every file is complete. A failed
//! run removes its staging folder; one that is killed leaves it (and its lock) behind, hidden:
//! the next run into the same folder finds the lock of a process that no longer exists on this
//! host, takes it over and clears the leftovers.
//!
//! An existing `DIR` is replaced only when it is recognisably an alssim result: a folder (not a
//! symbolic link, file or device, and not the current folder or one containing it) holding a
//! `manifest.json` written by alssim or a `part.json` of a shard; an empty folder is replaced
//! too. Anything else is refused, with or without `--force`. The old result stays untouched
//! until the new one is complete; it is then moved aside (`.DIR.old-PID-N`), the new one renamed
//! into place, and the old one deleted. If the new one cannot be renamed into place, the old one
//! is put back.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Why a result folder was not written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResultDirError {
    /// The folder exists and overwriting was not asked for.
    #[error("{0} already exists; use --force to replace it, or --out to choose another folder")]
    Exists(PathBuf),
    /// The path exists and is not something alssim replaces.
    #[error(
        "{path} exists and is {what}; alssim replaces only a folder holding an alssim result \
         (manifest.json or part.json), even with --force: choose another --out"
    )]
    NotAResult {
        /// The path.
        path: PathBuf,
        /// What it is.
        what: String,
    },
    /// Another process is writing the same result folder.
    #[error(
        "{path} is being written by another alssim process ({holder}); wait for it to finish, \
         or choose another --out (if no such process is running, delete {lock})"
    )]
    Busy {
        /// The result folder.
        path: PathBuf,
        /// The lock file.
        lock: PathBuf,
        /// Process id and host recorded in the lock file.
        holder: String,
    },
    /// Writing failed; nothing was left behind.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ResultDirError + use<> {
    let path = path.to_path_buf();
    move |source| ResultDirError::Io { path, source }
}

/// What is found at a result folder's path.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Existing {
    /// Nothing.
    Absent,
    /// An empty folder.
    Empty,
    /// An alssim result; the command that wrote it, when its manifest says.
    Result(Option<String>),
    /// Something alssim does not replace, described.
    Other(String),
}

/// The `manifest.json` of a result folder written by a command other than `run`, `merge` and
/// `whatif` (which write a fuller one): it marks the folder as an alssim result.
pub fn tool_manifest(command: &str) -> Vec<u8> {
    crate::results::ToolManifest::new(command)
        .to_json()
        .into_bytes()
}

fn read_json(path: &Path) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// Looks at `path` and says whether it is an alssim result folder.
pub fn inspect(path: &Path) -> Result<Existing, ResultDirError> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Existing::Absent),
        Err(e) => return Err(io(path)(e)),
    };
    let kind = meta.file_type();
    if kind.is_symlink() {
        return Ok(Existing::Other("a symbolic link".into()));
    }
    if kind.is_file() {
        return Ok(Existing::Other("a file".into()));
    }
    if !kind.is_dir() {
        return Ok(Existing::Other(
            "neither a folder nor a file (a device, pipe or socket)".into(),
        ));
    }
    let canonical = std::fs::canonicalize(path).map_err(io(path))?;
    if let Ok(cwd) = std::env::current_dir().and_then(std::fs::canonicalize)
        && cwd.starts_with(&canonical)
    {
        return Ok(Existing::Other(
            "the current folder or a folder containing it".into(),
        ));
    }
    if let Some(m) = read_json(&path.join("manifest.json"))
        && m["program"] == "alssim"
    {
        let command = m["command"].as_str().map(String::from).or_else(|| {
            // Manifests written before the `command` field.
            (m["scenario_file"] == "(alssim whatif)").then(|| "whatif".to_string())
        });
        return Ok(Existing::Result(command));
    }
    if let Some(p) = read_json(&path.join("part.json"))
        && p["part"]["k"].is_u64()
    {
        return Ok(Existing::Result(Some("run --shard".into())));
    }
    // Results of `validate`, `calibrate` and `sensitivity` written before they had a manifest.
    for (command, files) in [
        ("calibrate", ["calibrated.toml", "calibration.md"]),
        ("validate", ["validation.csv", "validation.md"]),
        ("sensitivity", ["sensitivity.csv", "sensitivity.md"]),
    ] {
        if files.iter().all(|f| path.join(f).is_file()) {
            return Ok(Existing::Result(Some(command.into())));
        }
    }
    let mut entries = std::fs::read_dir(path).map_err(io(path))?;
    if entries.next().is_none() {
        return Ok(Existing::Empty);
    }
    Ok(Existing::Other(
        "a folder that is not an alssim result (it has no manifest.json or part.json of alssim)"
            .into(),
    ))
}

/// When an existing result folder may be replaced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Replace<'a> {
    /// Replace any alssim result (`--force`).
    pub force: bool,
    /// Replace, even without `force`, a result written by this command (a rerun of an
    /// exploratory command such as `whatif` or `validate`).
    pub own: Option<&'a str>,
}

impl Replace<'_> {
    /// `--force` or not.
    pub fn force(force: bool) -> Replace<'static> {
        Replace { force, own: None }
    }
}

fn this_host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// Whether a lock file's holder is known to be gone: a process id of this host that no longer
/// exists (known only where `/proc` lists processes).
fn holder_gone(holder: &str) -> bool {
    let mut words = holder.split_whitespace();
    let (Some(pid), host) = (
        words.next().and_then(|p| p.parse::<u32>().ok()),
        words.next(),
    ) else {
        return false;
    };
    host.unwrap_or_default() == this_host()
        && Path::new("/proc/self").exists()
        && !Path::new("/proc").join(pid.to_string()).exists()
}

/// The lock of one result folder, removed when dropped.
#[derive(Debug)]
struct Lock {
    path: PathBuf,
}

impl Lock {
    fn take(target: &Path, lock: PathBuf) -> Result<Lock, ResultDirError> {
        let me = format!("{} {}", std::process::id(), this_host());
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&lock)
            {
                Ok(mut f) => {
                    let taken = Lock { path: lock };
                    f.write_all(format!("{me}\n").as_bytes())
                        .map_err(io(&taken.path))?;
                    return Ok(taken);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&lock).unwrap_or_default();
                    let holder = holder.trim().to_string();
                    if holder_gone(&holder) {
                        // Move the stale lock aside under a name of our own, and check that
                        // it is still the stale one (another process may have taken it over
                        // in between); if not, put it back.
                        let aside = lock.with_file_name(format!(
                            "{}.stale-{}",
                            lock.file_name().unwrap_or_default().to_string_lossy(),
                            std::process::id()
                        ));
                        if std::fs::rename(&lock, &aside).is_ok() {
                            let moved = std::fs::read_to_string(&aside).unwrap_or_default();
                            if moved.trim() == holder {
                                let _ = std::fs::remove_file(&aside);
                                continue;
                            }
                            let _ = std::fs::rename(&aside, &lock);
                        }
                    }
                    return Err(ResultDirError::Busy {
                        path: target.to_path_buf(),
                        lock,
                        holder: if holder.is_empty() {
                            "its lock file is empty".into()
                        } else {
                            format!("process {holder}")
                        },
                    });
                }
                Err(e) => return Err(io(&lock)(e)),
            }
        }
        Err(ResultDirError::Busy {
            path: target.to_path_buf(),
            holder: "a lock taken over twice".into(),
            lock,
        })
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A unique suffix for this process's staging and old folders.
fn unique() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A result folder being written.
#[derive(Debug)]
pub struct Staging {
    target: PathBuf,
    parent: PathBuf,
    name: String,
    tmp: PathBuf,
    committed: bool,
    force: bool,
    own: Option<String>,
    // Declared last: dropped after the staging folder is removed.
    _lock: Lock,
}

impl Staging {
    /// Starts a result folder at `target`; refuses an existing result unless `force`, and
    /// anything that is not a result always.
    pub fn new(target: &Path, force: bool) -> Result<Staging, ResultDirError> {
        Staging::with(target, Replace::force(force))
    }

    /// Starts a result folder at `target`, replacing an existing result as `replace` says.
    pub fn with(target: &Path, replace: Replace<'_>) -> Result<Staging, ResultDirError> {
        let name = match target.file_name() {
            Some(n) => n.to_string_lossy().to_string(),
            None => {
                return Err(ResultDirError::NotAResult {
                    path: target.to_path_buf(),
                    what: "not a folder name (such as `.`, `..` or `/`)".into(),
                });
            }
        };
        check_replaceable(target, replace)?;
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(io(&parent))?;
        let lock = Lock::take(target, parent.join(format!(".{name}.lock")))?;
        clear_leftovers(&parent, &name, target);
        // Again under the lock: clearing leftovers may have put an old result back.
        check_replaceable(target, replace)?;
        let tmp = parent.join(format!(".{name}.partial-{}", unique()));
        std::fs::create_dir(&tmp).map_err(io(&tmp))?;
        Ok(Staging {
            target: target.to_path_buf(),
            parent,
            name,
            tmp,
            committed: false,
            force: replace.force,
            own: replace.own.map(String::from),
            _lock: lock,
        })
    }

    /// The staging folder itself.
    pub fn dir(&self) -> &Path {
        &self.tmp
    }

    /// Path of a file inside the staging folder.
    pub fn path(&self, file: &str) -> PathBuf {
        self.tmp.join(file)
    }

    /// Writes a whole file into the staging folder.
    pub fn write(&self, file: &str, contents: &[u8]) -> Result<(), ResultDirError> {
        let p = self.path(file);
        std::fs::write(&p, contents).map_err(io(&p))
    }

    /// Moves the finished folder into place, replacing an older result. Once the new result
    /// is in place this succeeds: an old result that cannot be deleted is reported on
    /// standard error and left, hidden, beside it.
    pub fn commit(mut self) -> Result<(), ResultDirError> {
        // What is at the target now is checked again: it may have changed since the start.
        let replace = Replace {
            force: self.force,
            own: self.own.as_deref(),
        };
        check_replaceable(&self.target, replace)?;
        let replacing = inspect(&self.target)? != Existing::Absent;
        let old = self.parent.join(format!(".{}.old-{}", self.name, unique()));
        if replacing {
            std::fs::rename(&self.target, &old).map_err(io(&self.target))?;
        }
        if let Err(e) = std::fs::rename(&self.tmp, &self.target) {
            if replacing && let Err(back) = std::fs::rename(&old, &self.target) {
                return Err(ResultDirError::Io {
                    path: self.target.clone(),
                    source: std::io::Error::new(
                        e.kind(),
                        format!(
                            "{e}; the previous result could not be put back ({back}) and is in {}",
                            old.display()
                        ),
                    ),
                });
            }
            return Err(io(&self.target)(e));
        }
        self.committed = true;
        if replacing && let Err(e) = std::fs::remove_dir_all(&old) {
            eprintln!(
                "warning: wrote {}, but the previous result moved to {} could not be deleted: {e}",
                self.target.display(),
                old.display()
            );
        }
        Ok(())
    }
}

/// Refuses what may not be replaced (checked again when a [`Staging`] starts and commits; a
/// command with a long computation calls it first, to refuse at once).
pub fn check_replaceable(target: &Path, replace: Replace<'_>) -> Result<(), ResultDirError> {
    match inspect(target)? {
        Existing::Absent => Ok(()),
        Existing::Other(what) => Err(ResultDirError::NotAResult {
            path: target.to_path_buf(),
            what,
        }),
        Existing::Empty if replace.force => Ok(()),
        Existing::Result(_) if replace.force => Ok(()),
        Existing::Result(Some(c)) if replace.own == Some(c.as_str()) => Ok(()),
        Existing::Empty | Existing::Result(_) => Err(ResultDirError::Exists(target.to_path_buf())),
    }
}

/// Clears what runs into `name` that were killed left behind (called under the lock, so no
/// other process is writing them): staging folders are deleted; an old result moved aside is
/// put back when the folder itself is missing (the run was killed between the two renames),
/// and deleted otherwise.
fn clear_leftovers(parent: &Path, name: &str, target: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let partial = format!(".{name}.partial");
    let old = format!(".{name}.old");
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().to_string();
        let ours = |prefix: &str| file == prefix || file.starts_with(&format!("{prefix}-"));
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
        if !is_dir {
            continue;
        }
        if ours(&partial) {
            let _ = std::fs::remove_dir_all(e.path());
        } else if ours(&old) {
            if matches!(inspect(target), Ok(Existing::Absent)) {
                let _ = std::fs::rename(e.path(), target);
            } else {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

/// Writes `files` (name, contents) as one result folder (see [`Staging`]).
pub fn write_dir(dir: &Path, files: &[(&str, Vec<u8>)], force: bool) -> Result<(), ResultDirError> {
    let staging = Staging::new(dir, force)?;
    for (name, contents) in files {
        staging.write(name, contents)?;
    }
    staging.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(files: &[(&str, Vec<u8>)]) -> Vec<(&'static str, Vec<u8>)> {
        let mut all: Vec<(&'static str, Vec<u8>)> = vec![("manifest.json", tool_manifest("test"))];
        for (n, c) in files {
            all.push((n.to_string().leak(), c.clone()));
        }
        all
    }

    #[test]
    fn refuses_to_overwrite_without_force_and_replaces_with_it() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out").join("s");
        write_dir(&dir, &result(&[("a.csv", b"1".to_vec())]), false).unwrap();
        assert!(matches!(
            write_dir(&dir, &result(&[("a.csv", b"2".to_vec())]), false),
            Err(ResultDirError::Exists(_))
        ));
        assert_eq!(std::fs::read(dir.join("a.csv")).unwrap(), b"1");
        write_dir(&dir, &result(&[("b.csv", b"3".to_vec())]), true).unwrap();
        assert!(!dir.join("a.csv").exists());
        assert_eq!(std::fs::read(dir.join("b.csv")).unwrap(), b"3");
        // No staging folder or lock is left beside the result.
        assert_eq!(
            std::fs::read_dir(root.path().join("out")).unwrap().count(),
            1
        );
    }

    #[test]
    fn force_refuses_what_is_not_a_result_and_leaves_it_alone() {
        let root = tempfile::tempdir().unwrap();
        let foreign = root.path().join("thesis");
        std::fs::create_dir_all(foreign.join("sub")).unwrap();
        std::fs::write(foreign.join("thesis.txt"), b"chapter 1").unwrap();
        let file = root.path().join("notes.txt");
        std::fs::write(&file, b"notes").unwrap();
        for path in [&foreign, &file] {
            let e = write_dir(path, &result(&[]), true).unwrap_err();
            assert!(matches!(e, ResultDirError::NotAResult { .. }), "{e}");
        }
        assert_eq!(
            std::fs::read(foreign.join("thesis.txt")).unwrap(),
            b"chapter 1"
        );
        assert!(foreign.join("sub").is_dir());
        assert_eq!(std::fs::read(&file).unwrap(), b"notes");
        // Nothing was added beside them.
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 2);
        // A folder without a name is refused.
        assert!(matches!(
            write_dir(&root.path().join(".."), &result(&[]), true),
            Err(ResultDirError::NotAResult { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn force_refuses_a_symbolic_link_even_to_a_result() {
        let root = tempfile::tempdir().unwrap();
        let real = root.path().join("real");
        write_dir(&real, &result(&[("a.csv", b"1".to_vec())]), false).unwrap();
        let link = root.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let e = write_dir(&link, &result(&[]), true).unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert_eq!(std::fs::read(real.join("a.csv")).unwrap(), b"1");
    }

    #[test]
    fn a_rerun_replaces_its_own_result_only() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("v");
        let own = Replace {
            force: false,
            own: Some("test"),
        };
        for _ in 0..2 {
            let s = Staging::with(&dir, own).unwrap();
            s.write("manifest.json", &tool_manifest("test")).unwrap();
            s.commit().unwrap();
        }
        let other = Replace {
            force: false,
            own: Some("other"),
        };
        assert!(matches!(
            Staging::with(&dir, other),
            Err(ResultDirError::Exists(_))
        ));
        // A validation folder written before results had a manifest.
        let legacy = root.path().join("validation");
        std::fs::create_dir(&legacy).unwrap();
        for f in ["validation.csv", "validation.md"] {
            std::fs::write(legacy.join(f), b"x").unwrap();
        }
        assert_eq!(
            inspect(&legacy).unwrap(),
            Existing::Result(Some("validate".into()))
        );
        std::fs::remove_file(legacy.join("validation.md")).unwrap();
        assert!(matches!(inspect(&legacy).unwrap(), Existing::Other(_)));
    }

    #[test]
    fn a_second_writer_is_refused_while_the_first_holds_the_lock() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("s");
        let first = Staging::new(&dir, false).unwrap();
        let e = Staging::new(&dir, true).unwrap_err();
        assert!(matches!(e, ResultDirError::Busy { .. }), "{e}");
        first
            .write("manifest.json", &tool_manifest("test"))
            .unwrap();
        first.commit().unwrap();
        // Released with the commit.
        let second = Staging::new(&dir, true).unwrap();
        second.commit().unwrap();
    }

    #[test]
    fn leftovers_of_a_killed_run_are_cleared_by_the_next() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("s");
        let partial = root.path().join(".s.partial-999999999-0");
        std::fs::create_dir(&partial).unwrap();
        std::fs::write(partial.join("junk"), b"x").unwrap();
        // The lock of a process that does not exist on this host.
        std::fs::write(
            root.path().join(".s.lock"),
            format!("4294967295 {}\n", this_host()),
        )
        .unwrap();
        // An old result moved aside by a run killed before the new one was renamed into place.
        let old = root.path().join(".s.old-999999999-0");
        std::fs::create_dir(&old).unwrap();
        std::fs::write(old.join("manifest.json"), tool_manifest("test")).unwrap();
        let staging = Staging::new(&dir, false);
        if Path::new("/proc/self").exists() {
            // The stale lock was taken over, the staging folder cleared and the old result put
            // back; so a run without --force must not replace it.
            assert!(
                matches!(staging, Err(ResultDirError::Exists(_))),
                "{staging:?}"
            );
            assert!(!partial.exists());
            assert!(dir.join("manifest.json").exists());
            assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 1);
            let again = Staging::new(&dir, true).unwrap();
            again.commit().unwrap();
            assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 1);
        } else {
            assert!(matches!(staging, Err(ResultDirError::Busy { .. })));
        }
    }

    #[test]
    fn an_abandoned_staging_folder_leaves_nothing() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("s");
        {
            let staging = Staging::new(&dir, false).unwrap();
            staging.write("a.csv", b"half").unwrap();
        }
        assert!(!dir.exists());
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 0);
    }
}
