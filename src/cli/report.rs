//! `jixiao report`: draft a project's 绩效自评报告 (Markdown) from its form.

use std::path::PathBuf;
use std::process::ExitCode;

use super::convert::load;
use super::Error;
use super::{mapping_arg as mapping, profile_arg as profile};
use crate::write::{atomic, report};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The form (any spreadsheet jixiao reads, or JSON from `import --json`).
    file: PathBuf,
    /// Where to write the Markdown report; standard output when omitted.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Import with this mapping (a built-in id or a mapping file) instead of
    /// the best-scoring built-in one.
    #[arg(long)]
    mapping: Option<String>,
    /// A review profile (TOML) overriding the 财预〔2020〕10号 scoring defaults.
    #[arg(long)]
    profile: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode, Error> {
    let mapping = mapping(args.mapping.as_deref())?;
    let profile = profile(args.profile.as_deref())?;
    let loaded = load(&args.file, mapping.as_ref(), &profile)?;
    if let Some(out) = &args.output {
        atomic::guard(std::slice::from_ref(&args.file), &[out])?;
    }
    // A workbook with several forms gets one report per form, in sheet order.
    let reports: Vec<String> = loaded
        .iter()
        .map(|l| report::render_with(&l.imported.record, Some(&l.review), &profile))
        .collect();
    atomic::write_markdown(args.output.as_deref(), &reports.join("\n---\n\n"))?;
    Ok(ExitCode::SUCCESS)
}
