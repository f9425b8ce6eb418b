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

/// Corrupts the XML inside a zip (so CRCs still match and the parsers, not
/// the zip layer, meet the damage): a number made huge, a span cut out, or
/// bytes flipped in one part.
fn mutate_inside(zip_bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).unwrap();
    let victim = rng.below(zip.len());
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        if i == victim && !data.is_empty() {
            data = damage(data, rng);
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn damage(mut data: Vec<u8>, rng: &mut Rng) -> Vec<u8> {
    match rng.below(3) {
        0 => {
            let digits: Vec<usize> = (0..data.len())
                .filter(|&i| data[i].is_ascii_digit())
                .collect();
            if let Some(&at) = digits.get(rng.below(digits.len())) {
                let huge = ["99999999999999999999", "4294967295", "1048577", "0", "-1"];
                let with = huge[rng.below(huge.len())].as_bytes().to_vec();
                data.splice(at..at + 1, with);
            }
        }
        1 => {
            let from = rng.below(data.len());
            let to = (from + 1 + rng.below(64)).min(data.len());
            data.drain(from..to);
        }
        _ => {
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(data.len());
                data[at] ^= 1 << rng.below(8);
            }
        }
    }
    data
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
            let zipped = original.starts_with(b"PK");
            let mutant = if zipped && rng.below(2) == 0 {
                mutate_inside(&original, &mut rng)
            } else {
                mutate(&original, &mut rng)
            };
            std::fs::write(&path, mutant).unwrap();
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
