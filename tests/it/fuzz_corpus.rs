//! Replays the fuzz corpus (`fuzz/corpus/<target>/`, inputs the fuzzers
//! kept, minimized) through the targets' own entry points in
//! `jixiao::fuzzing`, so that plain `cargo test` guards what the fuzzers
//! found without nightly. A panic fails the test and names the input.

use std::path::Path;

#[test]
fn every_kept_fuzz_input_runs_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for (target, run) in jixiao::fuzzing::TARGETS {
        let dir = root.join(target);
        let mut inputs: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        inputs.sort();
        assert!(!inputs.is_empty(), "{target}: no corpus kept");
        for input in inputs {
            let data = std::fs::read(&input).unwrap();
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(outcome.is_ok(), "{target}: {} panics", input.display());
        }
    }
}
