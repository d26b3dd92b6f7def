//! Result folders written whole or not at all.

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

/// Writes `files` (name, contents) into the folder `dir`: first into a temporary folder beside
/// it, then renamed into place, so a reader sees either the old result or the whole new one.
pub fn write_dir(dir: &Path, files: &[(&str, Vec<u8>)], force: bool) -> Result<(), ResultDirError> {
    if dir.exists() && !force {
        return Err(ResultDirError::Exists(dir.to_path_buf()));
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ResultDirError::Io { path, source }
    };
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "result".into());
    let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
    let result = (|| {
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
        }
        std::fs::create_dir(&tmp).map_err(io(&tmp))?;
        for (file, contents) in files {
            let path = tmp.join(file);
            std::fs::write(&path, contents).map_err(io(&path))?;
        }
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(io(dir))?;
        }
        std::fs::rename(&tmp, dir).map_err(io(dir))
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
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
        // No temporary folder is left beside the result.
        assert_eq!(
            std::fs::read_dir(root.path().join("out")).unwrap().count(),
            1
        );
    }
}
