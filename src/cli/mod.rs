//! The command-line front end: argument parsing and dispatch only; each
//! subcommand lives in its own file and calls into the pipeline stages.

mod check;
mod consolidate;
mod convert;
mod detect;
mod import;
mod inspect;
mod mapping;
mod mapping_args;
mod mappings;
mod report;
mod serve;
mod template;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// jixiao (绩效): import, review and consolidate budget-performance forms.
#[derive(Parser, Debug)]
#[command(
    name = "jixiao",
    version,
    about = "jixiao（绩效）：绩效自评表的导入、检查、汇总与报告。Read, review and consolidate budget-performance forms.",
    long_about = None
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// 查看表格：List a file's sheets and print a sheet's grid with A1 coordinates and merges.
    Inspect(inspect::Args),
    /// 内置映射：List the built-in mappings.
    Mappings(mappings::Args),
    /// 识别模板：Score every sheet of a file against every mapping.
    Detect(detect::Args),
    /// 映射：Draft a mapping for a new form, or test one on forms.
    Mapping(mapping::Args),
    /// 导入：Import forms into the normalized model (JSON with --json).
    Import(import::Args),
    /// 检查：Review forms: re-score them and report findings with cell references.
    Check(check::Args),
    /// 转换：Convert forms into standard 财预〔2020〕10号 workbooks or fill another template.
    Convert(convert::Args),
    /// 汇总：Consolidate many forms into one workbook for the bureau.
    Consolidate(consolidate::Args),
    /// 自评报告：Draft each form's 绩效自评报告 (Word, or Markdown).
    Report(report::Args),
    /// 空白模板：Write the blank template of a built-in mapping.
    Template(template::Args),
    /// 网页：Serve the local web page (127.0.0.1): drop forms, check, download.
    Serve(serve::Args),
}

/// A failure that stops a command; printed as one line, exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Source(#[from] crate::source::SourceError),
    #[error(transparent)]
    Import(#[from] crate::mapping::ImportError),
    #[error(transparent)]
    Write(#[from] crate::write::WriteError),
    #[error(transparent)]
    Batch(#[from] crate::batch::BatchError),
    #[error(transparent)]
    Read(#[from] crate::batch::inputs::ReadError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Usage(String),
}

/// Writes to standard output. A reader that went away (`jixiao inspect x |
/// head`) ends the command quietly (see [`is_broken_pipe`]), where `print!`
/// panics.
fn say(text: std::fmt::Arguments<'_>) -> Result<(), Error> {
    use std::io::Write;
    let text = text.to_string();
    let mut out = std::io::stdout().lock();
    // Cell text, sheet and file names come from the files read.
    out.write_all(crate::text::terminal(&text).as_bytes())
        .and_then(|()| out.flush())
        .map_err(stdout_error)
}

/// Prints an error as one line on standard error, its control characters
/// escaped (a file or sheet name may hold any).
fn warn(error: &dyn std::fmt::Display) {
    eprintln!("jixiao: {}", crate::text::one_line(&error.to_string()));
}

fn stdout_error(source: std::io::Error) -> Error {
    Error::Io {
        path: PathBuf::from("<stdout>"),
        source,
    }
}

/// Whether `e` comes of a reader that closed standard output early, wherever
/// the write failed (a command's own output, `report` without `-o`).
fn is_broken_pipe(e: &Error) -> bool {
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        match c.downcast_ref::<std::io::Error>() {
            Some(io) if io.kind() == std::io::ErrorKind::BrokenPipe => return true,
            _ => cause = c.source(),
        }
    }
    false
}

/// The error for inputs holding no spreadsheet: a folder of PDFs, an empty
/// folder.
fn no_spreadsheet(inputs: &[PathBuf]) -> Error {
    let named: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    Error::Batch(crate::batch::BatchError::NoInputs(named.join(", ")))
}

/// The review profile `--profile` names, or the default one.
fn profile_arg(path: Option<&std::path::Path>) -> Result<crate::review::Profile, Error> {
    path.map_or_else(
        || Ok(crate::review::Profile::default()),
        |p| crate::review::Profile::load(p).map_err(|e| Error::Usage(e.to_string())),
    )
}

/// Runs the command line and maps the outcome to an exit code: the command's
/// own code on success, 2 on an error.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Inspect(a) => inspect::run(a),
        Command::Mappings(a) => mappings::run(a),
        Command::Detect(a) => detect::run(a),
        Command::Mapping(a) => mapping::run(a),
        Command::Import(a) => import::run(a),
        Command::Check(a) => check::run(a),
        Command::Convert(a) => convert::run(a),
        Command::Consolidate(a) => consolidate::run(a),
        Command::Report(a) => report::run(a),
        Command::Template(a) => template::run(a),
        Command::Serve(a) => serve::run(a),
    };
    match outcome {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            warn(&e);
            ExitCode::from(2)
        }
    }
}
