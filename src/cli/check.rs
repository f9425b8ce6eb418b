//! `jixiao check`.

use std::process::ExitCode;

use super::Error;

#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_args: Args) -> Result<ExitCode, Error> {
    Err(Error::Usage("jixiao check: not built yet".into()))
}
