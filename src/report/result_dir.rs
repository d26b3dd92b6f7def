//! Result folders written whole or not at all.
//!
//! A run writes into a staging folder beside the target (`.NAME.partial`) and renames it into
//! place only when every file is complete. A failed run removes its staging folder; one that is
//! killed leaves it behind, hidden, and the next run into the same folder clears it. The old
//! result (if any) stays untouched until the new one is complete; it is then moved aside
//! (`.NAME.old`) and the new one renamed into place before the old one is deleted.

use std::path::{Path, PathBuf};

/// Why a result folder was not written.
#[derive(Debug, thiserror::Error)]
pub enum ResultDirError {
    /// The folder exists and overwriting was not asked for.
    #[error("{0} already exists; use --force to replace it, or --out to choose another folder")]
    Exists(PathBuf),
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

/// A result folder being written.
#[derive(Debug)]
pub struct Staging {
    target: PathBuf,
    tmp: PathBuf,
    committed: bool,
}

impl Staging {
    /// Starts a result folder at `target`; refuses an existing one unless `force`.
    pub fn new(target: &Path, force: bool) -> Result<Staging, ResultDirError> {
        if target.exists() && !force {
            return Err(ResultDirError::Exists(target.to_path_buf()));
        }
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(io(&parent))?;
        let name = target
            .file_name()
            .map_or_else(|| "result".into(), |n| n.to_string_lossy().to_string());
        let tmp = parent.join(format!(".{name}.partial"));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
        }
        std::fs::create_dir(&tmp).map_err(io(&tmp))?;
        Ok(Staging {
            target: target.to_path_buf(),
            tmp,
            committed: false,
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

    /// Moves the finished folder into place, replacing an older result.
    pub fn commit(mut self) -> Result<(), ResultDirError> {
        let old = self.target.with_file_name(format!(
            ".{}.old",
            self.target
                .file_name()
                .map_or_else(|| "result".into(), |n| n.to_string_lossy().to_string())
        ));
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(io(&old))?;
        }
        let replacing = self.target.exists();
        if replacing {
            std::fs::rename(&self.target, &old).map_err(io(&self.target))?;
        }
        if let Err(e) = std::fs::rename(&self.tmp, &self.target) {
            if replacing {
                let _ = std::fs::rename(&old, &self.target);
            }
            return Err(io(&self.target)(e));
        }
        self.committed = true;
        if replacing {
            std::fs::remove_dir_all(&old).map_err(io(&old))?;
        }
        Ok(())
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

    #[test]
    fn refuses_to_overwrite_without_force_and_replaces_with_it() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out").join("s");
        write_dir(&dir, &[("a.csv", b"1".to_vec())], false).unwrap();
        assert!(matches!(
            write_dir(&dir, &[("a.csv", b"2".to_vec())], false),
            Err(ResultDirError::Exists(_))
        ));
        assert_eq!(std::fs::read(dir.join("a.csv")).unwrap(), b"1");
        write_dir(&dir, &[("b.csv", b"3".to_vec())], true).unwrap();
        assert!(!dir.join("a.csv").exists());
        assert_eq!(std::fs::read(dir.join("b.csv")).unwrap(), b"3");
        // No staging folder is left beside the result.
        assert_eq!(
            std::fs::read_dir(root.path().join("out")).unwrap().count(),
            1
        );
    }

    #[test]
    fn leftovers_of_a_killed_run_are_cleared_by_the_next() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("s");
        std::fs::create_dir(root.path().join(".s.partial")).unwrap();
        std::fs::write(root.path().join(".s.partial").join("junk"), b"x").unwrap();
        write_dir(&dir, &[("a.csv", b"1".to_vec())], false).unwrap();
        assert!(!dir.join("junk").exists());
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 1);
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
