//! Review throughput: records reviewed per second and value strings parsed
//! per second. `cargo bench --bench review` (harness-free: prints timings).

#[path = "../tests/it/review_support/mod.rs"]
mod review_support;

use std::hint::black_box;
use std::time::Instant;

use jixiao::model::{Imported, Provenance, Record};
use jixiao::review::value::{parse_actual, parse_target};
use jixiao::review::{review, Profile};

/// The public corpus's expected records when present, else the built-in clean form.
fn records() -> Vec<Record> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/public");
    let mut out = vec![review_support::clean()];
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.to_string_lossy().ends_with(".expected.json") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Array(items)) => out.extend(
                items
                    .into_iter()
                    .filter_map(|v| serde_json::from_value(v).ok()),
            ),
            Ok(v) => out.extend(serde_json::from_value(v).ok()),
            Err(_) => {}
        }
    }
    out
}

fn main() {
    let profile = Profile::default();
    let imported: Vec<Imported> = records()
        .into_iter()
        .map(|record| Imported {
            record,
            provenance: Provenance::default(),
        })
        .collect();
    let indicators: usize = imported.iter().map(|i| i.record.indicators.len()).sum();
    // Warm the embedded vocabulary and catalogue.
    let _ = review(&imported[0], &profile);

    let rounds = 2000;
    let start = Instant::now();
    for _ in 0..rounds {
        for i in &imported {
            black_box(review(black_box(i), &profile));
        }
    }
    let elapsed = start.elapsed();
    let n = rounds * imported.len();
    println!(
        "review: {n} records ({} indicators each on average) in {:.2?}: {:.1} µs/record, {:.0} records/s",
        indicators / imported.len(),
        elapsed,
        elapsed.as_secs_f64() * 1e6 / n as f64,
        n as f64 / elapsed.as_secs_f64()
    );

    let texts: Vec<&str> = imported
        .iter()
        .flat_map(|i| i.record.indicators.iter())
        .flat_map(|ind| [ind.target.as_deref(), ind.actual.as_deref()])
        .flatten()
        .collect();
    let start = Instant::now();
    let rounds = 2000;
    for _ in 0..rounds {
        for t in &texts {
            black_box(parse_target(black_box(t)));
            black_box(parse_actual(black_box(t)));
        }
    }
    let elapsed = start.elapsed();
    let n = rounds * texts.len() * 2;
    println!(
        "parse: {n} value strings in {:.2?}: {:.2} µs/string",
        elapsed,
        elapsed.as_secs_f64() * 1e6 / n as f64
    );
}
