//! `jixiao detect`: how every sheet of a file scores against every mapping.

use std::path::PathBuf;
use std::process::ExitCode;

use super::Error;
use crate::mapping;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// 输入文件：The file to score.
    #[arg(value_name = "文件")]
    file: PathBuf,
    /// JSON 输出：Print the scores as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode, Error> {
    let workbook = crate::source::open(&args.file)?;
    let scores = mapping::detect(&workbook);
    let text = if args.json {
        serde_json::to_string_pretty(&scores).map_err(|e| Error::Usage(e.to_string()))? + "\n"
    } else {
        table(&scores)
    };
    crate::write::atomic::write_text(None, &text)?;
    let any = scores.iter().any(|s| s.matches);
    Ok(if any {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn table(scores: &[mapping::SheetScore]) -> String {
    let mut out = format!(
        "{}{:<16} {:>5}  anchors  missing\n",
        pad("sheet", 22),
        "mapping",
        "score"
    );
    let mut last_sheet = "";
    for s in scores {
        let sheet = if s.sheet == last_sheet {
            ""
        } else {
            s.sheet.as_str()
        };
        last_sheet = &s.sheet;
        let mark = if s.matches { "✓" } else { " " };
        out.push_str(&format!(
            "{}{:<16} {:>5}  {}/{} {}    {}\n",
            pad(sheet, 22),
            s.mapping,
            s.score,
            s.anchors_found,
            s.anchors_total,
            mark,
            s.missing.join(", ")
        ));
    }
    out
}

/// Pads to a display width: a CJK character takes two columns.
fn pad(text: &str, width: usize) -> String {
    let used = unicode_width::UnicodeWidthStr::width(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(used).max(1)))
}
