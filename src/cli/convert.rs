//! `jixiao convert`: forms (or `import --json` records) into standard
//! 财预〔2020〕10号 workbooks, or into another template (`--to MAPPING
//! [--template BLANK.xlsx]`), one workbook per record.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::mapping_args::MappingArgs;
use super::{profile_arg as profile, Error};
use crate::batch::inputs::{self, ReadError};
use crate::mapping::{Catalog, Mapping};
use crate::model::Imported;
use crate::review::{self, Profile, Review};
use crate::write::fill::{self, Template};
use crate::write::{atomic, standard, WriteError};

/// What `convert` writes.
enum Target {
    /// The 财预〔2020〕10号 项目支出绩效自评表 (with the review sheet on demand).
    Standard { with_review: bool },
    /// A template filled through its mapping.
    Template(Box<Template>, fill::Options),
}

impl Target {
    fn of(args: &Args) -> Result<Target, Error> {
        if args.to == "standard" {
            if args.template.is_some() || args.trim {
                return Err(Error::Usage(
                    "--template and --trim need --to MAPPING (the template's mapping)".into(),
                ));
            }
            return Ok(Target::Standard {
                with_review: args.with_review,
            });
        }
        if args.with_review {
            return Err(Error::Usage(
                "--with-review adds a sheet to the standard form only (--to standard)".into(),
            ));
        }
        let mapping = Mapping::from_arg(&args.to).map_err(|e| Error::Import(e.into()))?;
        let template = match &args.template {
            Some(path) => Template::open(path, &mapping),
            None => Template::builtin(&mapping),
        }
        .map_err(|e| Error::Usage(e.to_string()))?;
        if let Some(note) = &template.note {
            super::warn(note);
        }
        let options = fill::Options { trim: args.trim };
        Ok(Target::Template(Box::new(template), options))
    }
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// 输入文件：Forms to convert (any spreadsheet jixiao reads, or JSON from
    /// `import --json`); folders are searched recursively.
    #[arg(required = true, value_name = "文件|文件夹")]
    files: Vec<PathBuf>,
    /// 输出格式：The layout to write: `standard`, or the mapping (a built-in
    /// id such as `sichuan-2023`, or a mapping file) of the template to fill.
    #[arg(long, default_value = "standard", value_name = "standard|映射")]
    to: String,
    /// 空白模板：The blank template to fill (.xlsx; default: the built-in
    /// mapping's own blank, see `jixiao template`).
    #[arg(long, value_name = "模板.xlsx")]
    template: Option<PathBuf>,
    /// 删除空行：Remove the template's indicator rows the record does not
    /// use instead of leaving them blank.
    #[arg(long)]
    trim: bool,
    /// 输出文件：Output: an .xlsx file for a single record, otherwise a folder.
    #[arg(short, long, value_name = "文件|文件夹")]
    output: PathBuf,
    /// 附复核表：Add a second sheet with the recomputed scores and the findings.
    #[arg(long)]
    with_review: bool,
    #[command(flatten)]
    mappings: MappingArgs,
    /// 评分方案：A review profile (TOML) overriding the 财预〔2020〕10号 scoring defaults.
    #[arg(long, value_name = "方案.toml")]
    profile: Option<PathBuf>,
}

/// One record read from an input file, with its review.
pub(super) struct Loaded {
    pub input: PathBuf,
    /// The record's position among its file's records.
    pub index: usize,
    /// How many records the file gave.
    pub of: usize,
    pub imported: Imported,
    pub review: Review,
}

pub fn run(args: Args) -> Result<ExitCode, Error> {
    let target = Target::of(&args)?;
    let catalog = args.mappings.catalog(&args.files)?;
    let profile = profile(args.profile.as_deref())?;
    let mut exclude = catalog.dirs().to_vec();
    exclude.push(args.output.clone());
    let files = inputs::collect(&args.files, &exclude);
    if !inputs::any_readable(&files) {
        return Err(super::no_spreadsheet(&args.files));
    }
    let (loaded, mut failed) = load_all(&files, &catalog, &profile);
    if loaded.is_empty() {
        // Every input failed and was reported; there is nothing to write.
        return Ok(ExitCode::from(1));
    }
    let single_file = loaded.len() == 1 && names_a_file(&args.output);
    if !single_file && names_a_file(&args.output) {
        return Err(Error::Usage(format!(
            "{}: the inputs hold {} forms: -o must name a folder, not an .xlsx file",
            args.output.display(),
            loaded.len()
        )));
    }
    // The template is an input too: never an output.
    let inputs: Vec<PathBuf> = args.files.iter().chain(&args.template).cloned().collect();
    if single_file {
        atomic::guard(&inputs, &[&args.output])?;
    } else {
        std::fs::create_dir_all(&args.output).map_err(|source| Error::Io {
            path: args.output.clone(),
            source,
        })?;
    }
    let mut taken = HashSet::new();
    for item in &loaded {
        // In a folder the user gave, a name another file holds is left to
        // it: the output takes the next free one.
        let out = if single_file {
            args.output.clone()
        } else {
            atomic::free_name(args.output.join(file_name(item)), &inputs, &mut taken)
        };
        failed |= written(item, &out, write_one(&out, item, &target))?;
    }
    Ok(ExitCode::from(u8::from(failed)))
}

/// Every record of `files`, each failed file reported on stderr (a skipped
/// one too, without failing); true when one failed.
pub(super) fn load_all(
    files: &[PathBuf],
    catalog: &Catalog,
    profile: &Profile,
) -> (Vec<Loaded>, bool) {
    let mut failed = false;
    let mut loaded = Vec::new();
    for file in files {
        match load(file, catalog, profile) {
            Ok(records) => loaded.extend(records),
            Err(Error::Read(e @ ReadError::Skipped { .. })) => super::warn(&e),
            Err(e) => {
                super::warn(&e);
                failed = true;
            }
        }
    }
    (loaded, failed)
}

/// Says where `item` went, or reports why it could not be written; true
/// when it failed.
pub(super) fn written(
    item: &Loaded,
    out: &Path,
    outcome: Result<(), crate::write::WriteError>,
) -> Result<bool, Error> {
    match outcome {
        Ok(()) if atomic::is_stdout(out) => Ok(false),
        Ok(()) => {
            super::say(format_args!(
                "{} → {}\n",
                item.input.display(),
                out.display()
            ))?;
            Ok(false)
        }
        Err(e) => {
            super::warn(&e);
            Ok(true)
        }
    }
}

fn write_one(out: &Path, item: &Loaded, target: &Target) -> Result<(), WriteError> {
    match target {
        Target::Standard { with_review } => {
            let review: Option<&Review> = with_review.then_some(&item.review);
            standard::write_imported(out, &item.imported, review)
        }
        Target::Template(template, options) => {
            let filled = template.write(&item.imported.record, *options, out)?;
            if !filled.unwritten.is_empty() {
                super::warn(&format_args!(
                    "{}: the template has no place for: {} (not written)",
                    out.display(),
                    fill::describe_unwritten(&filled.unwritten)
                ));
            }
            Ok(())
        }
    }
}

/// Every record of `path` with its review: a spreadsheet is imported
/// through `catalog`; a `.json` or `.jsonl` file holds records.
pub(super) fn load(
    path: &Path,
    catalog: &Catalog,
    profile: &Profile,
) -> Result<Vec<Loaded>, Error> {
    let imported = inputs::read(path, catalog)?;
    let of = imported.len();
    Ok(imported
        .into_iter()
        .enumerate()
        .map(|(index, imported)| Loaded {
            input: path.to_path_buf(),
            index,
            of,
            review: review::review(&imported, profile),
            imported,
        })
        .collect())
}

/// `stem.xlsx`, or `stem-sheet.xlsx` when the file held several forms.
pub(super) fn file_name(item: &Loaded) -> String {
    let stem = item
        .input
        .file_stem()
        .map_or_else(|| "form".to_string(), |s| s.to_string_lossy().into_owned());
    if item.of == 1 {
        return format!("{stem}.xlsx");
    }
    let part = match &item.imported.record.source.sheet {
        Some(sheet) => sanitize(sheet),
        None => (item.index + 1).to_string(),
    };
    format!("{stem}-{part}.xlsx")
}

/// A sheet name made safe for a file name.
fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if "/\\:*?\"<>|".contains(c) || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect()
}

fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

fn is_xlsx_name(path: &Path) -> bool {
    has_extension(path, "xlsx")
}

/// An `.xlsx` name, standard output (`-`), or something that exists and is
/// not a folder (`/dev/null`, a pipe).
fn names_a_file(path: &Path) -> bool {
    is_xlsx_name(path) || atomic::is_stdout(path) || path.metadata().is_ok_and(|m| !m.is_dir())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_made_safe_for_files() {
        assert_eq!(sanitize("2021/自评:表*"), "2021_自评_表_");
    }
}
