//! Runs the shared corpus checker over `../shared/corpus/public` and
//! `public2` with the built binary. Skips (with a message) where the corpus
//! is missing on a developer's machine; fails under CI (see `shared`).

use std::process::Command;

/// `unread`: whether records may carry `source.unread` (cells the mapping
/// did not read), the one key the model adds to the corpus's expected
/// records; the checker then runs with `--allow-extra-keys`, which is safe
/// because every other key comes from the same `Record` type the expected
/// records deserialize into (`import_roundtrip`).
fn checker_passes(sub: &str, unread: bool) {
    let Some(dir) = crate::shared::corpus(sub) else {
        return;
    };
    let checker = dir.parent().unwrap().join("check_corpus.py");
    let command = format!("{} import --json {{file}}", env!("CARGO_BIN_EXE_jixiao"));
    let out = Command::new("python3")
        .arg(&checker)
        .arg(&dir)
        .arg(&command)
        .args(unread.then_some("--allow-extra-keys"))
        .output()
        .expect("python3 runs the corpus checker");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "corpus checker failed on {sub}:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(" 0 failed"), "{stdout}");
}

#[test]
fn public_corpus_passes_the_checker() {
    checker_passes("public", false);
}

/// public2 holds forms with breakdown rows (中央财政资金, 基本支出) the model
/// has no field for: their cells are reported as unread.
#[test]
fn public2_corpus_passes_the_checker() {
    checker_passes("public2", true);
}
