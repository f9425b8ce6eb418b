//! `jixiao mappings`: the built-in mappings.

use std::process::ExitCode;

use super::Error;
use crate::mapping;

#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_args: Args) -> Result<ExitCode, Error> {
    let mut out = String::new();
    for m in mapping::builtins() {
        let kind = serde_json::to_value(m.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        out.push_str(&format!("{:<16} {:<10} {}\n", m.id, kind, m.name));
        if !m.description.is_empty() {
            out.push_str(&format!("{:<16} {:<10} {}\n", "", "", m.description));
        }
    }
    crate::write::atomic::write_text(None, &out)?;
    Ok(ExitCode::SUCCESS)
}
