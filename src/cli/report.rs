//! `jixiao report`: draft a project's 绩效自评报告 (Markdown) from its form.

use std::path::PathBuf;
use std::process::ExitCode;

use super::convert::load;
use super::mapping_args::MappingArgs;
use super::profile_arg as profile;
use super::Error;
use crate::write::{atomic, report};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The form (any spreadsheet jixiao reads, or JSON from `import --json`).
    file: PathBuf,
    /// Where to write the Markdown report; standard output when omitted.
    #[arg(short, long)]
    output: Option<PathBuf>,
    #[command(flatten)]
    mappings: MappingArgs,
    /// A review profile (TOML) overriding the 财预〔2020〕10号 scoring defaults.
    #[arg(long)]
    profile: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode, Error> {
    let catalog = args.mappings.catalog(std::slice::from_ref(&args.file))?;
    let profile = profile(args.profile.as_deref())?;
    let loaded = load(&args.file, &catalog, &profile)?;
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
