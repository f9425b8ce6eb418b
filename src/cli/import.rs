//! `jixiao import`: forms → normalized records (JSON, JSON Lines or a short
//! summary), written as each file is read, so memory does not grow with the
//! number of forms.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::mapping_args::MappingArgs;
use super::Error;
use crate::batch::inputs::{self, ReadError};
use crate::mapping::{self, Catalog};
use crate::model::Record;
use crate::write::{atomic, WriteError};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// 输入文件：Forms to import (.xlsx, .xls, .ods, .csv …, or JSON
    /// records); folders are searched recursively.
    #[arg(required = true, value_name = "文件|文件夹")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    mappings: MappingArgs,
    /// JSON 输出：Print one JSON object (one record) or a JSON array (several).
    #[arg(long, conflicts_with = "jsonl")]
    json: bool,
    /// JSON Lines 输出：Print one JSON record per line.
    #[arg(long)]
    jsonl: bool,
    /// 输出文件：Write to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "文件")]
    output: Option<PathBuf>,
}

/// How records are printed.
#[derive(Clone, Copy)]
enum Style {
    Summary,
    Json,
    Lines,
}

pub fn run(args: Args) -> Result<ExitCode, Error> {
    let catalog = args.mappings.catalog(&args.files)?;
    let mut exclude = catalog.dirs().to_vec();
    if let Some(out) = &args.output {
        atomic::guard(&args.files, &[out])?;
        exclude.push(out.clone());
    }
    let files = inputs::collect(&args.files, &exclude);
    if !inputs::any_readable(&files) {
        return Err(super::no_spreadsheet(&args.files));
    }
    let style = match (args.json, args.jsonl) {
        (true, _) => Style::Json,
        (_, true) => Style::Lines,
        _ => Style::Summary,
    };
    let mut failed = false;
    let mut emit = |out: &mut dyn Write| -> Result<(), Error> {
        let mut printer = Printer::new(out, style, args.output.as_deref());
        failed = import_all(&files, &catalog, &mut printer)?;
        printer.finish()
    };
    match &args.output {
        Some(path) => write_file(path, &mut emit)?,
        None => emit(&mut std::io::stdout().lock())?,
    }
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// Imports every file in turn into `printer`; a bad file is reported and
/// skipped, and a file that is no form is named. True when any failed.
fn import_all(files: &[PathBuf], catalog: &Catalog, printer: &mut Printer) -> Result<bool, Error> {
    let mut failed = false;
    for file in files {
        match inputs::read(file, catalog) {
            Ok(records) => {
                // Values the mapping did not read: a warning, not a failure.
                for line in records
                    .iter()
                    .flat_map(|i| mapping::unread_lines(&i.record))
                {
                    super::warn(&format_args!("{}: {line}", file.display()));
                }
                records.iter().try_for_each(|r| printer.record(&r.record))?
            }
            Err(e @ ReadError::Skipped { .. }) => super::warn(&e),
            Err(e) => {
                super::warn(&e);
                failed = true;
            }
        }
    }
    Ok(failed)
}

/// Runs `emit` into a temporary file renamed over `path` at the end.
fn write_file(
    path: &Path,
    emit: &mut dyn FnMut(&mut dyn Write) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut inner = None;
    let io = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let written = atomic::with_temp(path, |tmp| {
        let file = std::fs::File::create(tmp).map_err(io)?;
        let mut out = std::io::BufWriter::new(file);
        match emit(&mut out) {
            // Failing here removes the temporary file; the error is kept.
            Err(e) => {
                inner = Some(e);
                Err(io(std::io::Error::other("not written")))
            }
            Ok(()) => out.flush().map_err(io),
        }
    });
    match (inner, written) {
        (Some(e), _) => Err(e),
        (None, r) => Ok(r?),
    }
}

/// Prints records as they come. JSON is one object for one record and an
/// array for several, so the first is held until a second one comes.
struct Printer<'a> {
    out: &'a mut dyn Write,
    /// The output named in errors: the file, or standard output.
    name: PathBuf,
    style: Style,
    held: Option<String>,
    count: usize,
}

impl<'a> Printer<'a> {
    fn new(out: &'a mut dyn Write, style: Style, named: Option<&Path>) -> Self {
        Printer {
            out,
            name: named.map_or_else(|| PathBuf::from("<stdout>"), Path::to_path_buf),
            style,
            held: None,
            count: 0,
        }
    }

    fn record(&mut self, record: &Record) -> Result<(), Error> {
        self.count += 1;
        match self.style {
            Style::Summary => self.put(&crate::text::terminal(&summary(record))),
            Style::Lines => {
                let line = serde_json::to_string(record).map_err(usage)?;
                self.put(&line)?;
                self.put("\n")
            }
            Style::Json => {
                let pretty = serde_json::to_string_pretty(record).map_err(usage)?;
                match self.count {
                    1 => {
                        self.held = Some(pretty);
                        Ok(())
                    }
                    2 => {
                        let first = self.held.take().unwrap_or_default();
                        self.put("[\n")?;
                        self.put(&indent(&first))?;
                        self.put(",\n")?;
                        self.put(&indent(&pretty))
                    }
                    _ => {
                        self.put(",\n")?;
                        self.put(&indent(&pretty))
                    }
                }
            }
        }
    }

    fn finish(mut self) -> Result<(), Error> {
        if let Style::Json = self.style {
            match self.held.take() {
                Some(one) => self.put(&(one + "\n"))?,
                None if self.count == 0 => self.put("[]\n")?,
                None => self.put("\n]\n")?,
            }
        }
        self.out.flush().map_err(|e| self.io(e))
    }

    fn put(&mut self, text: &str) -> Result<(), Error> {
        self.out.write_all(text.as_bytes()).map_err(|e| self.io(e))
    }

    fn io(&self, source: std::io::Error) -> Error {
        Error::Io {
            path: self.name.clone(),
            source,
        }
    }
}

/// An array element as `to_string_pretty` of the array prints it.
fn indent(pretty: &str) -> String {
    pretty
        .lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn usage(e: serde_json::Error) -> Error {
    Error::Usage(format!("cannot serialize a record: {e}"))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, Source};

    fn printed(style: Style, records: &[Record]) -> String {
        let mut out = Vec::new();
        let mut printer = Printer::new(&mut out, style, None);
        for r in records {
            printer.record(r).unwrap();
        }
        printer.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn streamed_json_is_what_one_document_would_be() {
        let record = |project: &str| {
            let mut r = Record::new(Kind::Project, Source::default());
            r.project = Some(project.into());
            r
        };
        let records: Vec<Record> = ["甲", "乙\n丙", "丁"].map(record).into();
        for n in 0..=3 {
            let some = &records[..n];
            let whole = match some {
                [one] => serde_json::to_string_pretty(one).unwrap(),
                many => serde_json::to_string_pretty(many).unwrap(),
            };
            assert_eq!(printed(Style::Json, some), whole + "\n", "{n} records");
        }
        let lines = printed(Style::Lines, &records);
        assert_eq!(lines.lines().count(), 3);
    }
}
