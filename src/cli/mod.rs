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
mod template;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// jixiao (绩效): import, review and consolidate budget-performance forms.
#[derive(Parser, Debug)]
#[command(name = "jixiao", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List a file's sheets and print a sheet's grid with A1 coordinates and merges.
    Inspect(inspect::Args),
    /// List the built-in mappings.
    Mappings(mappings::Args),
    /// Score every sheet of a file against every mapping.
    Detect(detect::Args),
    /// Draft a mapping for a new form, or test one on forms.
    Mapping(mapping::Args),
    /// Import forms into the normalized model (JSON with --json).
    Import(import::Args),
    /// Review forms: re-score them and report findings with cell references.
    Check(check::Args),
    /// Convert forms into standard 财预〔2020〕10号 workbooks or fill another template.
    Convert(convert::Args),
    /// Consolidate many forms into one workbook for the bureau.
    Consolidate(consolidate::Args),
    /// Draft a project's 绩效自评报告 from its form.
    Report(report::Args),
    /// Write the blank template of a built-in mapping.
    Template(template::Args),
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
    let mut out = std::io::stdout().lock();
    out.write_fmt(text)
        .and_then(|()| out.flush())
        .map_err(stdout_error)
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
    };
    match outcome {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("jixiao: {e}");
            ExitCode::from(2)
        }
    }
}
