//! Runs the shared corpus checker over `../shared/corpus/public` with the
//! built binary. Skips (with a message) where the corpus or python3 is
//! missing, so the test passes outside the shared workspace.

use std::path::Path;
use std::process::Command;

#[test]
fn public_corpus_passes_the_checker() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = root.join("../shared/corpus");
    let checker = corpus.join("check_corpus.py");
    let public = corpus.join("public");
    if !checker.exists() || !public.is_dir() {
        eprintln!("skipping: no corpus at {}", corpus.display());
        return;
    }
    let command = format!("{} import --json {{file}}", env!("CARGO_BIN_EXE_jixiao"));
    let out = match Command::new("python3")
        .arg(&checker)
        .arg(&public)
        .arg(&command)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            eprintln!("skipping: cannot run python3: {e}");
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "corpus checker failed:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(" 0 failed"), "{stdout}");
}
