//! Runs the shared corpus checker over `../shared/corpus/public` with
//! the built binary. Skips (with a message) where the corpus
//! is missing on a developer's machine; fails under CI (see `shared`).

use std::process::Command;

fn checker_passes(sub: &str) {
    let Some(dir) = crate::shared::corpus(sub) else {
        return;
    };
    let checker = dir.parent().unwrap().join("check_corpus.py");
    let command = format!("{} import --json {{file}}", env!("CARGO_BIN_EXE_jixiao"));
    let out = Command::new("python3")
        .arg(&checker)
        .arg(&dir)
        .arg(&command)
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
    checker_passes("public");
}
