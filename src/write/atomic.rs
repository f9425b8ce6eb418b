//! Outputs are written to a temporary file beside the target and renamed
//! into place, so a crash never leaves half a workbook behind.

use std::io::Write;
use std::path::Path;

use super::WriteError;

/// Writes `bytes` to `path` atomically.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    with_temp(path, |tmp| {
        std::fs::write(tmp, bytes).map_err(|source| WriteError::Io {
            path: path.to_path_buf(),
            source,
        })
    })
}

/// Lets `fill` write a temporary file next to `path`, then renames it over
/// `path`. The temporary file is removed when `fill` fails.
pub fn with_temp<F>(path: &Path, fill: F) -> Result<(), WriteError>
where
    F: FnOnce(&Path) -> Result<(), WriteError>,
{
    let io = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".jixiao-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io)?;
    fill(tmp.path())?;
    publish_permissions(tmp.as_file());
    tmp.as_file().sync_all().ok();
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// Writes text to `path` atomically, or to standard output when `path` is
/// `None`.
pub fn write_text(path: Option<&Path>, text: &str) -> Result<(), WriteError> {
    match path {
        Some(p) => write_bytes(p, text.as_bytes()),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|_| out.flush())
                .map_err(|source| WriteError::Io {
                    path: "<stdout>".into(),
                    source,
                })
        }
    }
}

/// Temporary files are created private (0600); an output is an ordinary
/// document the user shares, so give it the usual 0644.
#[cfg(unix)]
fn publish_permissions(file: &std::fs::File) {
    use std::os::unix::fs::PermissionsExt;
    // Best effort: a filesystem that refuses modes still gets the output.
    let _ = file.set_permissions(std::fs::Permissions::from_mode(0o644));
}

#[cfg(not(unix))]
fn publish_permissions(_file: &std::fs::File) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_replaces_target_whole_and_is_readable() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.md");
        std::fs::write(&target, "old").unwrap();
        write_bytes(&target, "新内容".as_bytes()).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "新内容");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&target).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o644);
        }
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file left behind");
    }
}
