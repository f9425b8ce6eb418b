//! `jixiao mapping draft|test`: writing a mapping for a new form.

use std::path::PathBuf;
use std::process::ExitCode;

use super::Error;
use crate::mapping::{self, Mapping};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(clap::Subcommand, Debug)]
enum Sub {
    /// 起草映射：Write a starting mapping for a form (to standard output): the
    /// closest built-in mapping to extend, the labels found with their
    /// cells, and what could not be placed as `# TODO` lines.
    Draft {
        /// 输入文件：The form.
        file: PathBuf,
        /// 工作表：The sheet: a name or a 1-based index (default: the best fit).
        #[arg(long)]
        sheet: Option<String>,
    },
    /// 试用映射：Import forms with a mapping and tell, per field, the cell its value
    /// came from or why it is null.
    Test {
        /// 映射：The mapping file (or a built-in id).
        mapping: String,
        /// 输入文件：Forms to try it on.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

pub fn run(args: Args) -> Result<ExitCode, Error> {
    match args.command {
        Sub::Draft { file, sheet } => {
            let workbook = crate::source::open(&file)?;
            print!("{}", mapping::draft(&workbook, sheet.as_deref())?);
            Ok(ExitCode::SUCCESS)
        }
        Sub::Test { mapping, files } => {
            let m = Mapping::from_arg(&mapping).map_err(|e| Error::Import(e.into()))?;
            let mut failed = false;
            for file in &files {
                let report = crate::source::open(file)
                    .map_err(mapping::ImportError::from)
                    .and_then(|wb| mapping::test_report(&wb, &m));
                match report {
                    Ok(text) => print!("{text}"),
                    Err(e) => {
                        super::warn(&e);
                        failed = true;
                    }
                }
            }
            Ok(if failed {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}
