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
