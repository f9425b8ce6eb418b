//! `jixiao consolidate INPUT... -o 汇总.xlsx`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use super::mapping_args::MappingArgs;
use super::{profile_arg as profile, Error};
use crate::batch::{self, Options};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// 输入文件或文件夹：Forms to consolidate: files, or folders searched recursively.
    #[arg(required = true, value_name = "文件|文件夹")]
    inputs: Vec<PathBuf>,
    /// 输出文件：The consolidated workbook to write.
    #[arg(short, long, value_name = "汇总.xlsx")]
    output: PathBuf,
    /// 名单：The departments (and optionally projects) that must report, .csv or .xlsx.
    #[arg(long, value_name = "名单.csv|.xlsx")]
    roster: Option<PathBuf>,
    /// JSON Lines 输出：Also write every record with its review as JSON Lines.
    #[arg(long, value_name = "文件.jsonl")]
    jsonl: Option<PathBuf>,
    /// 汇总说明：Also draft the bureau-level summary: Word when the name ends in
    /// .docx, else Markdown.
    #[arg(long, value_name = "汇总说明.docx|.md")]
    summary: Option<PathBuf>,
    /// 地区：The region heading every title, before the year
    /// (`XX市 2023年度项目支出绩效自评汇总表`).
    #[arg(long, value_name = "地区")]
    region: Option<String>,
    /// 评分方案：A review profile (TOML) overriding the 财预〔2020〕10号 defaults.
    #[arg(long, value_name = "方案.toml")]
    profile: Option<PathBuf>,
    #[command(flatten)]
    mappings: MappingArgs,
}

pub fn run(args: Args) -> Result<ExitCode, Error> {
    let mappings = args.mappings.catalog(&args.inputs)?;
    let options = Options {
        mappings,
        inputs: args.inputs,
        output: args.output,
        roster: args.roster,
        jsonl: args.jsonl,
        summary: args.summary,
        region: args.region,
        profile: profile(args.profile.as_deref())?,
        progress: show_progress(),
    };
    let report = batch::consolidate(&options)?;
    for (_, error) in report.failed() {
        super::warn(&error);
    }
    super::say(format_args!(
        "{}: {} files, {} records, {} failed\n",
        options.output.display(),
        report.stats.files,
        report.records(),
        report.failed().len()
    ))?;
    Ok(if report.failed().is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A bar only for a person watching: stderr is a terminal and not under CI.
fn show_progress() -> bool {
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0");
    std::io::stderr().is_terminal() && !ci
}
