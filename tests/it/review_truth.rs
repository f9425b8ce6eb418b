//! Precision and recall of the review against hand-made truth files: for
//! every rebuilt form `tests/fixtures/rebuilt/X.*` with an `X.truth`, which
//! findings are true and which would be false (see
//! `chongqing-kexuecheng-2021.truth` for the format). Error-level findings
//! must all be judged and all be true: the bureau sends them back to
//! departments.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jixiao::review::{review, Finding, Profile, Severity};
use serde::Deserialize;

#[derive(Deserialize)]
struct Truth {
    finding: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    rule: String,
    #[serde(default)]
    about: String,
    #[serde(rename = "true")]
    is_true: bool,
    #[allow(dead_code)] // read by people; required so every entry says why
    why: String,
}

impl Entry {
    fn matches(&self, f: &Finding) -> bool {
        f.rule == self.rule && f.message.contains(&self.about)
    }
}

/// What the review found on the forms, against their truth files.
#[derive(Default, Debug)]
struct Tally {
    true_positive: usize,
    false_positive: Vec<String>,
    unjudged: Vec<String>,
    /// True entries (expected findings) and those the review found.
    expected: usize,
    found: usize,
    missed: Vec<String>,
    errors_true: usize,
    errors_false: Vec<String>,
    errors_unjudged: Vec<String>,
    forms: usize,
}

fn forms_with_truth(dir: &Path) -> Vec<(PathBuf, PathBuf)> {
    let mut out: Vec<(PathBuf, PathBuf)> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| {
                ["xlsx", "xls", "xlsm", "ods", "csv"].contains(&&*e.to_string_lossy())
            })
        })
        .filter_map(|p| {
            let truth = p.with_extension("truth");
            truth.is_file().then_some((p, truth))
        })
        .collect();
    out.sort();
    out
}

fn tally(dir: &Path) -> Tally {
    let mut t = Tally::default();
    for (form, truth) in forms_with_truth(dir) {
        let name = form.file_name().unwrap().to_string_lossy().into_owned();
        let truth: Truth = toml::from_str(&std::fs::read_to_string(&truth).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", truth.display()));
        let records =
            jixiao::mapping::import_file(&form, None).unwrap_or_else(|e| panic!("{name}: {e}"));
        t.forms += 1;
        let mut seen = vec![false; truth.finding.len()];
        for imported in &records {
            let v = review(imported, &Profile::default());
            for f in &v.findings {
                let label = format!("{name}: {} {}", f.rule, f.message);
                let hit = truth.finding.iter().position(|e| e.is_true && e.matches(f));
                let error = f.severity == Severity::Error;
                if let Some(i) = hit {
                    seen[i] = true;
                    t.true_positive += 1;
                    t.errors_true += usize::from(error);
                } else if truth.finding.iter().any(|e| !e.is_true && e.matches(f)) {
                    if error {
                        t.errors_false.push(label.clone());
                    }
                    t.false_positive.push(label);
                } else {
                    if error {
                        t.errors_unjudged.push(label.clone());
                    }
                    t.unjudged.push(label);
                }
            }
        }
        for (e, seen) in truth.finding.iter().zip(seen) {
            if e.is_true {
                t.expected += 1;
                if seen {
                    t.found += 1;
                } else {
                    t.missed.push(format!("{name}: {} {}", e.rule, e.about));
                }
            }
        }
    }
    t
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        "-".into()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}

#[test]
fn error_findings_on_the_rebuilt_forms_are_all_true() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rebuilt");
    let t = tally(&dir);
    assert!(t.forms >= 10, "truth files for {} forms only", t.forms);
    let judged = t.true_positive + t.false_positive.len();
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for fp in &t.false_positive {
        let rule = fp
            .split(": ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .unwrap_or("?");
        *by_rule.entry(rule).or_default() += 1;
    }
    eprintln!(
        "review vs truth on {} forms: precision {} ({} true of {} judged findings; {} unjudged), \
         recall {} ({} of {} true findings); error-level precision {} ({} true, {} false)",
        t.forms,
        percent(t.true_positive, judged),
        t.true_positive,
        judged,
        t.unjudged.len(),
        percent(t.found, t.expected),
        t.found,
        t.expected,
        percent(t.errors_true, t.errors_true + t.errors_false.len()),
        t.errors_true,
        t.errors_false.len(),
    );
    for line in t.false_positive.iter().chain(&t.missed) {
        eprintln!("  {line}");
    }
    assert!(
        t.errors_false.is_empty(),
        "false errors: {:#?}",
        t.errors_false
    );
    assert!(
        t.errors_unjudged.is_empty(),
        "error-level findings no truth file judges: {:#?}",
        t.errors_unjudged
    );
}
