//! `jixiao report FILE|FOLDER... -o DIR`: draft each form's 绩效自评报告, a
//! Word file by default (Markdown with `--format md`).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::convert::{file_name, load_all, written, Loaded};
use super::mapping_args::MappingArgs;
use super::profile_arg as profile;
use super::Error;
use crate::write::report::{self, docx, Template};
use crate::write::{atomic, WriteError};

/// The report formats.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Word (.docx), for the department to edit.
    Docx,
    /// Markdown text.
    Md,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Docx => "docx",
            Format::Md => "md",
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// 输入文件或文件夹：Forms (any spreadsheet jixiao reads, or JSON from `import --json`),
    /// or folders searched for them.
    #[arg(required = true, value_name = "文件|文件夹")]
    inputs: Vec<PathBuf>,
    /// 输出：a folder getting one report per form, or one .docx/.md file for
    /// a single form; Markdown goes to standard output when omitted.
    #[arg(short, long, value_name = "文件夹")]
    output: Option<PathBuf>,
    /// 格式：docx (Word, the default) or md (Markdown).
    #[arg(long, value_enum, default_value = "docx")]
    format: Format,
    /// 模板目录：a folder holding report.toml, an edited copy of the embedded
    /// wording (`--print-template` shows it).
    #[arg(long, value_name = "文件夹")]
    template_dir: Option<PathBuf>,
    /// 打印模板：Print the embedded report template (report.toml) and exit.
    #[arg(long, exclusive = true)]
    print_template: bool,
    #[command(flatten)]
    mappings: MappingArgs,
    /// 评分方案：A review profile (TOML) overriding the 财预〔2020〕10号 scoring defaults.
    #[arg(long, value_name = "方案.toml")]
    profile: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode, Error> {
    if args.print_template {
        super::say(format_args!("{}", report::EMBEDDED_TEMPLATE))?;
        return Ok(ExitCode::SUCCESS);
    }
    let owned;
    let template = match &args.template_dir {
        Some(dir) => {
            owned = Template::load(dir).map_err(|e| Error::Usage(e.to_string()))?;
            &owned
        }
        None => Template::embedded(),
    };
    if args.output.is_none() && args.format == Format::Docx {
        return Err(Error::Usage(
            "a Word report needs -o (a folder, or a .docx file); use --format md for standard output".into(),
        ));
    }
    let catalog = args.mappings.catalog(&args.inputs)?;
    let profile = profile(args.profile.as_deref())?;
    let mut exclude = catalog.dirs().to_vec();
    exclude.extend(args.output.clone());
    let files = crate::batch::inputs::collect(&args.inputs, &exclude);
    if !crate::batch::inputs::any_readable(&files) {
        return Err(super::no_spreadsheet(&args.inputs));
    }
    let (loaded, mut failed) = load_all(&files, &catalog, &profile);
    if loaded.is_empty() {
        return Ok(ExitCode::from(1));
    }
    let draft =
        |l: &Loaded| report::render_in(template, &l.imported.record, Some(&l.review), &profile);
    let Some(output) = args.output.as_deref() else {
        let reports: Vec<String> = loaded.iter().map(draft).collect();
        atomic::write_markdown(None, &reports.join("\n---\n\n"))?;
        return Ok(ExitCode::from(u8::from(failed)));
    };
    // `-` is standard output: the Markdown, or the Word file's bytes.
    let single =
        atomic::is_stdout(output) || has_extension(output, "docx") || has_extension(output, "md");
    if single && loaded.len() > 1 {
        return Err(Error::Usage(format!(
            "{}: the inputs hold {} forms: -o must name a folder",
            output.display(),
            loaded.len()
        )));
    }
    if single {
        atomic::guard(&files, &[output])?;
    } else {
        std::fs::create_dir_all(output).map_err(|source| Error::Io {
            path: output.to_path_buf(),
            source,
        })?;
    }
    let mut taken = HashSet::new();
    for item in &loaded {
        // In a folder the user gave, a name another file holds is left to
        // it: the report takes the next free one.
        let out = if single {
            output.to_path_buf()
        } else {
            let name = output
                .join(file_name(item))
                .with_extension(args.format.extension());
            atomic::free_name(name, &files, &mut taken)
        };
        let outcome = write_one(template, &out, &draft(item), args.format);
        failed |= written(item, &out, outcome)?;
    }
    Ok(ExitCode::from(u8::from(failed)))
}

fn write_one(
    template: &Template,
    out: &Path,
    markdown: &str,
    format: Format,
) -> Result<(), WriteError> {
    let word = if atomic::is_stdout(out) {
        format == Format::Docx
    } else {
        docx::is_docx(out)
    };
    if word {
        docx::write_in(template, out, markdown)
    } else {
        atomic::write_markdown(Some(out), markdown)
    }
}

fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}
