//! `jixiao check`: review every form of every file and report findings with
//! cell references. Exit 0 when no error-level finding, 1 when some, 2 when
//! an input could not be read (or the profile is bad).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;

use super::mapping_args::MappingArgs;
use super::Error;
use crate::batch::inputs;
use crate::batch::FileOutcome;
use crate::model::{Imported, Location, Record};
use crate::review::rules::{catalogue, report_label};
use crate::review::{display, Review, Severity};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// 输入文件：Forms to review (any format `import` reads); folders are searched for
    /// spreadsheets recursively.
    #[arg(required_unless_present = "rules", value_name = "文件|文件夹")]
    files: Vec<PathBuf>,
    /// 评分方案：A review profile (TOML) overriding the 财预〔2020〕10号 defaults.
    #[arg(long, value_name = "方案.toml")]
    profile: Option<PathBuf>,
    #[command(flatten)]
    mappings: MappingArgs,
    /// JSON 输出：Print the records and their reviews as a JSON array.
    #[arg(long)]
    json: bool,
    /// 规则目录：List the rule catalogue (id, severity, meaning) and exit.
    #[arg(long)]
    rules: bool,
}

/// One record and its review, as `--json` prints them.
#[derive(Serialize)]
#[serde(untagged)]
enum JsonItem<'a> {
    Reviewed {
        record: &'a Record,
        review: &'a Review,
    },
    Failed {
        file: String,
        error: &'a str,
    },
}

/// What the run found, for the exit code.
#[derive(Default)]
struct Tally {
    unreadable: bool,
    errors: bool,
}

pub fn run(args: Args) -> Result<ExitCode, Error> {
    if args.rules {
        super::say(format_args!("{}", rule_table()))?;
        return Ok(ExitCode::SUCCESS);
    }
    let profile = super::profile_arg(args.profile.as_deref())?;
    let catalog = args.mappings.catalog(&args.files)?;
    let paths = inputs::collect(&args.files, catalog.dirs());
    if !inputs::any_readable(&paths) {
        return Err(super::no_spreadsheet(&args.files));
    }
    let import = |path: &Path| inputs::read(path, &catalog);
    let mut tally = Tally::default();
    // Not locked for the whole batch: outcomes are written from the
    // batch's threads in turn.
    let mut out = std::io::stdout();
    let mut first = true;
    if args.json {
        writeln!(out, "[").map_err(super::stdout_error)?;
    }
    crate::batch::run(&paths, import, &profile, |outcome: FileOutcome| {
        if let Some(error) = outcome.error() {
            super::warn(&error);
            tally.unreadable = true;
        }
        if let Some(skip) = outcome.skipped() {
            super::warn(&format_args!("{}: {skip}", outcome.path.display()));
        }
        tally.errors |= outcome.records().iter().any(|r| r.review.has_errors());
        let text = if args.json {
            json_items(&outcome, &mut first)?
        } else {
            text_report(&outcome)
        };
        out.write_all(crate::text::terminal(&text).as_bytes())
            .map_err(super::stdout_error)
    })?;
    if args.json {
        writeln!(out, "\n]").map_err(super::stdout_error)?;
    }
    Ok(if tally.unreadable {
        ExitCode::from(2)
    } else if tally.errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The JSON array items of one file, comma-separated from what came before.
fn json_items(outcome: &FileOutcome, first: &mut bool) -> Result<String, Error> {
    let items: Vec<JsonItem> = match outcome.error() {
        Some(error) => vec![JsonItem::Failed {
            file: outcome.path.display().to_string(),
            error,
        }],
        None => outcome
            .records()
            .iter()
            .map(|r| JsonItem::Reviewed {
                record: &r.imported.record,
                review: &r.review,
            })
            .collect(),
    };
    let mut text = String::new();
    for item in items {
        let json = serde_json::to_string_pretty(&item).map_err(|e| Error::Usage(e.to_string()))?;
        if !std::mem::take(first) {
            text.push_str(",\n");
        }
        text.push_str(&json);
    }
    Ok(text)
}

fn text_report(outcome: &FileOutcome) -> String {
    outcome
        .records()
        .iter()
        .map(|r| record_report(&outcome.path, &r.imported, &r.review))
        .collect()
}

fn opt(value: Option<rust_decimal::Decimal>) -> String {
    value.map(display).unwrap_or_else(|| "-".into())
}

fn percent(value: Option<rust_decimal::Decimal>) -> String {
    value
        .map(|v| format!("{}%", display(crate::review::exact::percent(v))))
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
        percent(r.rate_reported.map(crate::review::score::rate_as_fraction)),
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
            let cells = cell_list(&f.cells);
            let _ = writeln!(out, "     {:<3} {:<12} {}", f.rule, cells, f.message);
        }
    }
    out.push('\n');
    out
}

/// Cells as `sheet!H18,E18,F18`: the sheet is named once while it stays the
/// same.
fn cell_list(cells: &[Location]) -> String {
    if cells.is_empty() {
        return "-".into();
    }
    let mut out = Vec::new();
    let mut sheet: Option<&Option<std::sync::Arc<str>>> = None;
    for c in cells {
        if sheet == Some(&c.sheet) {
            out.push(c.cell.to_string());
        } else {
            out.push(c.to_string());
            sheet = Some(&c.sheet);
        }
    }
    out.join(",")
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
