//! `jixiao template MAPPING -o blank.xlsx`: the blank template of a
//! built-in mapping, for departments to fill in by hand or for `convert
//! --to MAPPING --template`.

use std::path::PathBuf;
use std::process::ExitCode;

use super::Error;
use crate::mapping::Mapping;
use crate::write::{atomic, fill};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A built-in mapping id (`jixiao mappings` lists them).
    mapping: String,
    /// The .xlsx file to write.
    #[arg(short, long)]
    output: PathBuf,
}

pub fn run(args: Args) -> Result<ExitCode, Error> {
    let mapping = Mapping::from_arg(&args.mapping).map_err(|e| Error::Import(e.into()))?;
    let bytes = fill::blank_bytes(&mapping.id).ok_or_else(|| {
        Error::Usage(format!(
            "mapping {} has no built-in template: only built-in mappings do \
             (`jixiao mappings`); a department's own blank is its own .xlsx",
            mapping.id
        ))
    })?;
    atomic::write_bytes(&args.output, &bytes)?;
    super::say(format_args!("{} → {}\n", mapping.id, args.output.display()))?;
    Ok(ExitCode::SUCCESS)
}
