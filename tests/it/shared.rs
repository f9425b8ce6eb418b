//! The shared workspace beside the checkout (`../shared/corpus/...`).
//!
//! On a developer's laptop without it the corpus tests skip with a message;
//! under CI (`CI` set) a missing corpus fails, so a broken checkout can never
//! pass by skipping every corpus check.

use std::path::{Path, PathBuf};

/// `../shared/corpus/<sub>`, or `None` (with a message) when absent outside CI.
///
/// # Panics
/// When the folder is missing and the `CI` environment variable is set.
pub fn corpus(sub: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(sub);
    if dir.exists() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but the shared corpus is missing: {}",
        dir.display()
    );
    eprintln!("skipping: {} not found", dir.display());
    None
}
