//! Corrupted copies of every format fixture — bytes flipped, words set to
//! huge values, files cut short — must give `Ok` or an error from
//! `source::open`, never a panic, an abort or a hang. Deterministic: the
//! mutations come from a fixed-seed generator.

use std::path::Path;
use std::time::{Duration, Instant};

const BASES: [&str; 7] = [
    "form.xlsx",
    "form.xls",
    "form.ods",
    "biff5-gbk.xls",
    "html-export.xls",
    "spreadsheetml.xls",
    "gbk-semicolon.csv",
];
const MUTANTS_PER_BASE: u64 = 120;

/// xorshift64*: enough randomness to place corruptions.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(base: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut bytes = base.to_vec();
    match rng.below(3) {
        0 => {
            for _ in 0..1 + rng.below(8) {
                let at = rng.below(bytes.len());
                bytes[at] ^= 1 << rng.below(8);
            }
        }
        1 => {
            // A length, count or sector number turned absurd.
            let at = rng.below(bytes.len().saturating_sub(4));
            let word = [0xFF, 0xFF, 0xFF, 0x7F];
            let n = word.len().min(bytes.len() - at);
            bytes[at..at + n].copy_from_slice(&word[..n]);
        }
        _ => bytes.truncate(rng.below(bytes.len())),
    }
    bytes
}

#[test]
fn corrupted_fixtures_never_panic() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/source");
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut ok, mut refused) = (0, 0);
    for base in BASES {
        let original = std::fs::read(fixtures.join(base)).unwrap();
        for k in 0..MUTANTS_PER_BASE {
            let path = dir.path().join(format!("{k}-{base}"));
            std::fs::write(&path, mutate(&original, &mut rng)).unwrap();
            let started = Instant::now();
            let outcome = std::panic::catch_unwind(|| jixiao::source::open(&path));
            let took = started.elapsed();
            assert!(
                took < Duration::from_secs(10),
                "{}: took {took:?}",
                path.display()
            );
            match outcome {
                Ok(Ok(_)) => ok += 1,
                Ok(Err(e)) => {
                    let msg = e.to_string();
                    assert!(!msg.contains('\n'), "one line: {msg}");
                    assert!(
                        msg.contains(&format!("{k}-{base}")),
                        "names the file: {msg}"
                    );
                    refused += 1;
                }
                Err(_) => panic!("{}: a panic escaped source::open", path.display()),
            }
            std::fs::remove_file(&path).unwrap();
        }
    }
    eprintln!("{ok} corrupted files read, {refused} refused with an error");
    assert!(
        refused > 0,
        "the corruptions must be noticed at least sometimes"
    );
}
