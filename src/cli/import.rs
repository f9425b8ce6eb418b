//! `jixiao import`: forms → normalized records (JSON, JSON Lines or a short
//! summary).

use std::path::PathBuf;
use std::process::ExitCode;

use super::Error;
use crate::mapping;
use crate::model::{Imported, Record};
use crate::write::atomic;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Forms to import (.xlsx, .xls, .ods, .csv …).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// A built-in mapping id (see `jixiao mappings`) or a mapping file.
    #[arg(long, short = 'm', value_name = "ID|PATH")]
    mapping: Option<String>,
    /// Print one JSON object (one record) or a JSON array (several).
    #[arg(long, conflicts_with = "jsonl")]
    json: bool,
    /// Print one JSON record per line.
    #[arg(long)]
    jsonl: bool,
    /// Write to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "OUT")]
    output: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode, Error> {
    let mapping = super::mapping_arg(args.mapping.as_deref())?;
    if let Some(out) = &args.output {
        atomic::guard(&args.files, &[out])?;
    }
    let mut records: Vec<Imported> = Vec::new();
    let mut failed = 0;
    // A bad file is reported and skipped; the others still import.
    for file in &args.files {
        match mapping::import_file(file, mapping.as_ref()) {
            Ok(found) => records.extend(found),
            Err(e) => {
                super::warn(&e);
                failed += 1;
            }
        }
    }
    let text = render(&args, &records)?;
    atomic::write_text(args.output.as_deref(), &text)?;
    Ok(if failed > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn render(args: &Args, records: &[Imported]) -> Result<String, Error> {
    let json = |v: &dyn erased::Json| v.to_json();
    let plain: Vec<&Record> = records.iter().map(|i| &i.record).collect();
    if args.jsonl {
        let lines: Result<Vec<String>, _> = plain.iter().map(serde_json::to_string).collect();
        let mut text = lines.map_err(usage)?.join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        return Ok(text);
    }
    if args.json {
        let text = match plain.as_slice() {
            [] => "[]".to_string(),
            [one] => json(one)?,
            many => json(&many)?,
        };
        return Ok(text + "\n");
    }
    Ok(plain.iter().map(|r| summary(r)).collect())
}

fn usage(e: serde_json::Error) -> Error {
    Error::Usage(format!("cannot serialize a record: {e}"))
}

/// Pretty JSON for one record or a list, behind one small trait object.
mod erased {
    pub trait Json {
        fn to_json(&self) -> Result<String, super::Error>;
    }
    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> Result<String, super::Error> {
            serde_json::to_string_pretty(self).map_err(super::usage)
        }
    }
}

/// A few human lines per record.
fn summary(r: &Record) -> String {
    let or_dash = |s: &Option<String>| s.clone().unwrap_or_else(|| "—".into());
    let dec = |d: Option<rust_decimal::Decimal>| d.map_or("—".into(), |d| d.to_string());
    let sheet = r
        .source
        .sheet
        .as_deref()
        .map(|s| format!(" [{s}]"))
        .unwrap_or_default();
    format!(
        "{}{} ({})\n  {} {} · {} · {}\n  资金 预算 {} 执行 {} 万元 · 指标 {} 个 · 总分 {}\n",
        r.source.file,
        sheet,
        r.source.mapping.as_deref().unwrap_or("?"),
        r.year.map_or("—".into(), |y| y.to_string()),
        or_dash(&r.project),
        or_dash(&r.department),
        or_dash(&r.unit),
        dec(r.funds.total.budget),
        dec(r.funds.total.spent),
        r.indicators.len(),
        dec(r.total_score),
    )
}
