//! `jixiao check`: review every form of every file and report findings with
//! cell references. Exit 0 when no error-level finding, 1 when some, 2 when
//! an input could not be read (or the profile is bad).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rayon::prelude::*;
use serde::Serialize;

use super::Error;
use crate::model::{Imported, Record};
use crate::review::rules::{catalogue, report_label};
use crate::review::{display, review, Profile, Review, Severity};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Forms to review (any format `import` reads).
    #[arg(required_unless_present = "rules")]
    files: Vec<PathBuf>,
    /// A review profile (TOML) overriding the 财预〔2020〕10号 defaults.
    #[arg(long, value_name = "PATH")]
    profile: Option<PathBuf>,
    /// Print the records and their reviews as JSON.
    #[arg(long)]
    json: bool,
    /// List the rule catalogue (id, severity, meaning) and exit.
    #[arg(long)]
    rules: bool,
}

/// One record and its review, as `--json` prints them.
#[derive(Serialize)]
struct Reviewed<'a> {
    record: &'a Record,
    review: &'a Review,
}

/// What became of one input file.
enum Outcome {
    Reviewed(Vec<(Imported, Review)>),
    Failed(String),
}

#[derive(Serialize)]
#[serde(untagged)]
enum JsonItem<'a> {
    Reviewed(Reviewed<'a>),
    Failed { file: String, error: &'a str },
}

pub fn run(args: Args) -> Result<ExitCode, Error> {
    if args.rules {
        print!("{}", rule_table());
        return Ok(ExitCode::SUCCESS);
    }
    let profile = match &args.profile {
        Some(path) => Profile::load(path).map_err(|e| Error::Usage(e.to_string()))?,
        None => Profile::default(),
    };
    let outcomes: Vec<(PathBuf, Outcome)> = args
        .files
        .par_iter()
        .map(|path| (path.clone(), check_file(path, &profile)))
        .collect();
    if args.json {
        print_json(&outcomes)?;
    } else {
        for (path, outcome) in &outcomes {
            print!("{}", text_report(path, outcome));
        }
    }
    Ok(exit_code(&outcomes))
}

fn check_file(path: &Path, profile: &Profile) -> Outcome {
    match import(path) {
        Ok(records) => Outcome::Reviewed(
            records
                .into_iter()
                .map(|imported| {
                    let r = review(&imported, profile);
                    (imported, r)
                })
                .collect(),
        ),
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

/// The import stage, with auto-detected mappings.
fn import(path: &Path) -> Result<Vec<Imported>, Error> {
    let workbook = crate::source::open(path)?;
    Ok(crate::mapping::import(&workbook, None)?)
}

fn exit_code(outcomes: &[(PathBuf, Outcome)]) -> ExitCode {
    let unreadable = outcomes
        .iter()
        .any(|(_, o)| matches!(o, Outcome::Failed(_)));
    let errors = outcomes.iter().any(|(_, o)| match o {
        Outcome::Reviewed(items) => items.iter().any(|(_, r)| r.has_errors()),
        Outcome::Failed(_) => false,
    });
    if unreadable {
        ExitCode::from(2)
    } else if errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn print_json(outcomes: &[(PathBuf, Outcome)]) -> Result<(), Error> {
    let mut items = Vec::new();
    for (path, outcome) in outcomes {
        match outcome {
            Outcome::Reviewed(list) => items.extend(list.iter().map(|(imported, review)| {
                JsonItem::Reviewed(Reviewed {
                    record: &imported.record,
                    review,
                })
            })),
            Outcome::Failed(error) => {
                eprintln!("jixiao: {error}");
                items.push(JsonItem::Failed {
                    file: path.display().to_string(),
                    error,
                });
            }
        }
    }
    let text = serde_json::to_string_pretty(&items).map_err(|e| Error::Usage(e.to_string()))?;
    println!("{text}");
    Ok(())
}

fn text_report(path: &Path, outcome: &Outcome) -> String {
    match outcome {
        Outcome::Failed(error) => {
            eprintln!("jixiao: {error}");
            String::new()
        }
        Outcome::Reviewed(list) if list.is_empty() => {
            format!("== {}: {}\n\n", path.display(), report_label("no_records"))
        }
        Outcome::Reviewed(list) => list
            .iter()
            .map(|(i, r)| record_report(path, i, r))
            .collect(),
    }
}

fn opt(value: Option<rust_decimal::Decimal>) -> String {
    value.map(display).unwrap_or_else(|| "-".into())
}

fn percent(value: Option<rust_decimal::Decimal>) -> String {
    value
        .map(|v| format!("{}%", display(v * rust_decimal::Decimal::ONE_HUNDRED)))
        .unwrap_or_else(|| "-".into())
}

fn grade(g: Option<crate::review::Grade>) -> &'static str {
    g.map(|g| g.label()).unwrap_or("-")
}

/// The header and the findings of one record, grouped by severity.
fn record_report(path: &Path, imported: &Imported, r: &Review) -> String {
    let rec = &imported.record;
    let mut out = String::new();
    let sheet = rec
        .source
        .sheet
        .as_deref()
        .map(|s| format!(" [{s}]"))
        .unwrap_or_default();
    let project = rec
        .project
        .as_deref()
        .or(rec.department.as_deref())
        .unwrap_or("-");
    let year = rec.year.map(|y| format!(" ({y})")).unwrap_or_default();
    let l = report_label;
    let _ = writeln!(out, "== {}{sheet}: {project}{year}", path.display());
    let _ = writeln!(
        out,
        "   {} {} {} ({})  {} {} ({})  {} {}",
        l("total"),
        l("reported"),
        opt(r.total_reported),
        grade(r.grade_reported),
        l("recomputed"),
        opt(r.total_recomputed),
        grade(r.grade_recomputed),
        l("difference"),
        opt(r.total_difference),
    );
    let _ = writeln!(
        out,
        "   {} {} {} {} {}  {} {} {} {} {}",
        l("rate"),
        l("reported"),
        percent(r.rate_reported),
        l("recomputed"),
        percent(r.rate_recomputed),
        l("budget_score"),
        l("reported"),
        opt(r.budget_score_reported),
        l("recomputed"),
        opt(r.budget_score_recomputed),
    );
    if r.findings.is_empty() {
        let _ = writeln!(out, "   {}", l("none"));
    }
    for (severity, key) in [
        (Severity::Error, "error"),
        (Severity::Warning, "warning"),
        (Severity::Info, "info"),
    ] {
        let group: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .collect();
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(out, "   {} ({}):", l(key), group.len());
        for f in group {
            let cells: Vec<String> = f.cells.iter().map(ToString::to_string).collect();
            let cells = if cells.is_empty() {
                "-".to_string()
            } else {
                cells.join(",")
            };
            let _ = writeln!(out, "     {:<3} {:<12} {}", f.rule, cells, f.message);
        }
    }
    out.push('\n');
    out
}

/// The catalogue as a Markdown table.
fn rule_table() -> String {
    let mut out = String::from("| id | severity | meaning |\n| --- | --- | --- |\n");
    for rule in catalogue() {
        let severity = match rule.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        let _ = writeln!(out, "| {} | {severity} | {} |", rule.id, rule.title);
    }
    out
}
