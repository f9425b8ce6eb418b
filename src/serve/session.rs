//! One browser tab's work: the files it uploaded (each in the session's own
//! folder), the forms imported from them with their reviews, a roster, and
//! the outputs written for download.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{json, Value as Json};

use crate::batch::roster::{self, Issue, Roster, Seen};
use crate::model::{Field, FundColumn, FundLine, Imported, IndicatorColumn, Kind};
use crate::outcome::Skip;
use crate::review::{self, Grade, Profile, Review, Severity};
use crate::source::{self, Area, CellRef};
use crate::write::numbers::money;
use crate::write::report::{self, docx};
use crate::write::standard;

/// What one session may upload.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Bytes of one file.
    pub file_bytes: u64,
    /// Bytes of all files of a session.
    pub session_bytes: u64,
    /// Files per session.
    pub files: usize,
    /// Sessions per server.
    pub sessions: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            file_bytes: 20 << 20,
            session_bytes: 300 << 20,
            files: 500,
            sessions: 64,
        }
    }
}

/// The largest part of a sheet the page draws.
const GRID_ROWS: u32 = 300;
const GRID_COLS: u32 = 40;

/// A session id: 128 bits from the standard library's random hasher keys.
pub fn new_id() -> String {
    let part = || {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        h.finish()
    };
    format!("{:016x}{:016x}", part(), part())
}

/// One uploaded file as the list shows it.
#[derive(Clone, Debug, Serialize)]
pub struct FileEntry {
    pub name: String,
    /// 已导入 / 重复 / 失败 / 非表格文件 / 已跳过.
    pub status: &'static str,
    pub reason: Option<String>,
    pub mappings: Vec<String>,
    /// Indexes into the session's forms.
    pub forms: Vec<usize>,
}

struct Form {
    path: PathBuf,
    file_name: String,
    imported: Imported,
    review: Review,
}

pub struct Session {
    dir: PathBuf,
    uploads: PathBuf,
    out: PathBuf,
    files: Vec<FileEntry>,
    forms: Vec<Form>,
    hashes: HashMap<(u64, usize), usize>,
    bytes: u64,
    roster: Option<(PathBuf, Roster)>,
    profile: Profile,
}

fn content_hash(bytes: &[u8]) -> (u64, usize) {
    // Fixed keys: the same bytes give the same hash within the session.
    let mut h =
        std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default()
            .build_hasher();
    h.write(bytes);
    (h.finish(), bytes.len())
}

/// A file name made safe to store: no folders, no reserved characters.
fn safe_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base
        .chars()
        .map(|c| {
            if "/\\:*?\"<>|".contains(c) || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .take(120)
        .collect();
    if cleaned.trim_matches('.').is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

/// The entry of an upload that is no form: something else, or a file
/// jixiao wrote.
fn skipped(name: &str, skip: &Skip) -> FileEntry {
    // The reason in the consolidated workbook's own words.
    let (status, reason) = match skip {
        Skip::NotSpreadsheet(_) => ("非表格文件", None),
        Skip::WrittenByJixiao | Skip::UnchangedOutput => (
            "已跳过",
            Some(crate::write::consolidated::skipped(Some(skip)).clone()),
        ),
    };
    FileEntry {
        name: name.to_string(),
        status,
        reason,
        mappings: Vec::new(),
        forms: Vec::new(),
    }
}

impl Session {
    pub fn new(dir: PathBuf) -> std::io::Result<Session> {
        let uploads = dir.join("in");
        let out = dir.join("out");
        std::fs::create_dir_all(&uploads)?;
        std::fs::create_dir_all(&out)?;
        Ok(Session {
            dir,
            uploads,
            out,
            files: Vec::new(),
            forms: Vec::new(),
            hashes: HashMap::new(),
            bytes: 0,
            roster: None,
            profile: Profile::default(),
        })
    }

    /// Stores, imports and reviews one uploaded file; the entry tells how
    /// it went. Only the limits refuse (an `Err` with the reason); a bad
    /// file is an entry marked 失败.
    pub fn add(&mut self, name: &str, bytes: &[u8], limits: &Limits) -> Result<FileEntry, String> {
        if self.files.len() >= limits.files {
            return Err(format!("每次最多上传 {} 个文件", limits.files));
        }
        let size = bytes.len() as u64;
        if size > limits.file_bytes {
            return Err(format!("{name}：文件超过 {} MB", limits.file_bytes >> 20));
        }
        if self.bytes + size > limits.session_bytes {
            return Err(format!(
                "本次上传总量超过 {} MB",
                limits.session_bytes >> 20
            ));
        }
        let display = name.to_string();
        let entry = |status, reason: Option<String>| FileEntry {
            name: display.clone(),
            status,
            reason,
            mappings: Vec::new(),
            forms: Vec::new(),
        };
        // Each file in its own numbered folder: same-named files from two
        // folders never collide, and the stored name is the original one
        // (a CSV's sheet is named after it).
        let folder = self.uploads.join(format!("{:04}", self.files.len() + 1));
        let stored = folder.join(safe_name(name));
        let entry = if let Some(&first) = self.hashes.get(&content_hash(bytes)) {
            let same = self.files[first].name.clone();
            entry("重复", Some(format!("与 {same} 内容相同")))
        } else {
            self.bytes += size;
            self.hashes.insert(content_hash(bytes), self.files.len());
            match std::fs::create_dir_all(&folder).and_then(|()| std::fs::write(&stored, bytes)) {
                Err(e) => entry("失败", Some(format!("无法保存：{e}"))),
                Ok(()) => self.import(&stored, &display),
            }
        };
        self.files.push(entry.clone());
        Ok(entry)
    }

    /// Reads a stored upload as `consolidate` reads a file of its inbox
    /// (by content: JSON records, a spreadsheet, or something skipped).
    fn import(&mut self, stored: &Path, name: &str) -> FileEntry {
        use crate::batch::inputs::{read_for_consolidation, ReadError};
        let catalog = crate::mapping::Catalog::default();
        // The readers are written not to panic; a session outlives a defect.
        let imported = std::panic::catch_unwind(|| read_for_consolidation(stored, &catalog));
        let stored_text = stored.display().to_string();
        let failed = |reason: String| FileEntry {
            name: name.to_string(),
            status: "失败",
            reason: Some(reason.replace(&stored_text, name)),
            mappings: Vec::new(),
            forms: Vec::new(),
        };
        let records = match imported {
            Err(_) => return failed("读取时出错（程序缺陷），请报告".into()),
            Ok(Err(ReadError::Skipped { skip, .. })) => return skipped(name, &skip),
            Ok(Err(e)) => return failed(format!("无法读取：{e}")),
            Ok(Ok(r)) if r.is_empty() => return failed("未找到可识别的自评表".into()),
            Ok(Ok(r)) => r,
        };
        let mut entry = FileEntry {
            name: name.to_string(),
            status: "已导入",
            reason: None,
            mappings: Vec::new(),
            forms: Vec::new(),
        };
        for imported in records {
            if let Some(m) = &imported.record.source.mapping {
                if !entry.mappings.contains(m) {
                    entry.mappings.push(m.clone());
                }
            }
            let review = review::review(&imported, &self.profile);
            entry.forms.push(self.forms.len());
            self.forms.push(Form {
                path: stored.to_path_buf(),
                file_name: name.to_string(),
                imported,
                review,
            });
        }
        entry
    }

    pub fn set_roster(&mut self, name: &str, bytes: &[u8]) -> Result<(), String> {
        let path = self.dir.join(format!("roster-{}", safe_name(name)));
        std::fs::write(&path, bytes).map_err(|e| format!("无法保存名单：{e}"))?;
        let loaded = roster::load(&path).map_err(|e| {
            format!(
                "名单无法读取：{}",
                e.to_string().replace(&path.display().to_string(), name)
            )
        })?;
        self.roster = Some((path, loaded));
        Ok(())
    }

    pub fn files_json(&self) -> Json {
        let forms: Vec<Json> = self.forms.iter().map(form_title).collect();
        json!({ "files": self.files, "forms": forms })
    }

    /// A form's sheet as a grid, the cells its record came from, the record
    /// and its findings.
    pub fn form_json(&self, n: usize) -> Result<Json, String> {
        let form = self.forms.get(n).ok_or("没有这张表")?;
        let record = &form.imported.record;
        let workbook = source::open(&form.path).map_err(|e| e.to_string())?;
        let sheet = match &record.source.sheet {
            Some(name) => workbook.sheets.iter().find(|s| &s.name == name),
            None => workbook.sheets.first(),
        }
        .ok_or("找不到工作表")?;
        let area = sheet
            .used_area()
            .unwrap_or(Area::new(CellRef::new(0, 0), CellRef::new(0, 0)));
        let rows = (area.last.row + 1).min(GRID_ROWS);
        let cols = (area.last.col + 1).min(GRID_COLS);
        let grid: Vec<Vec<String>> = (0..rows)
            .map(|r| {
                (0..cols)
                    .map(|c| sheet.raw(CellRef::new(r, c)).text().to_string())
                    .collect()
            })
            .collect();
        let merges: Vec<[u32; 4]> = sheet
            .merges()
            .iter()
            .filter(|m| m.first.row < rows && m.first.col < cols)
            .map(|m| [m.first.row, m.first.col, m.last.row, m.last.col])
            .collect();
        let on_sheet = |sheet_name: Option<&str>| sheet_name.is_none_or(|s| s == sheet.name);
        let sources: BTreeMap<String, String> = form
            .imported
            .provenance
            .iter()
            .filter(|(_, l)| on_sheet(l.sheet.as_deref()))
            .map(|(f, l)| (l.cell.to_string(), field_label(f, record)))
            .collect();
        let findings: Vec<Json> = form
            .review
            .findings
            .iter()
            .map(|f| {
                json!({
                    "rule": f.rule,
                    "severity": severity(f.severity),
                    "message": f.message,
                    "cells": f.cells.iter().filter(|l| on_sheet(l.sheet.as_deref())).map(|l| l.cell.to_string()).collect::<Vec<_>>(),
                    "where": f.cells.iter().map(ToString::to_string).collect::<Vec<_>>(),
                })
            })
            .collect();
        Ok(json!({
            "title": form_title(form),
            "sheet": sheet.name,
            "grid": grid,
            "merges": merges,
            "sources": sources,
            "record": record,
            "review": {
                "total_recomputed": form.review.total_recomputed.map(review::display),
                "grade_reported": form.review.grade_reported.map(|g| g.label()),
                "grade_recomputed": form.review.grade_recomputed.map(|g| g.label()),
            },
            "findings": findings,
        }))
    }

    /// Counts by grade, totals, departments, the 问题清单 and, with a
    /// roster, who has not reported.
    pub fn summary(&self) -> Json {
        // In the order of the bands, best first: [label, self-assessed, reviewed].
        let mut grades: Vec<(&str, usize, usize)> =
            [Grade::Excellent, Grade::Good, Grade::Fair, Grade::Poor]
                .map(|g| (g.label(), 0, 0))
                .into();
        let (mut budget, mut spent) = ((Decimal::ZERO, 0), (Decimal::ZERO, 0));
        let (mut paired, mut paired_spent) = ((Decimal::ZERO, 0), (Decimal::ZERO, 0));
        let add = |sum: &mut (Decimal, usize), value: Option<Decimal>| {
            if let Some(v) = value {
                sum.0 = sum.0.checked_add(v).unwrap_or(sum.0);
                sum.1 += 1;
            }
        };
        let mut departments = BTreeSet::new();
        let mut problems = Vec::new();
        for (n, f) in self.forms.iter().enumerate() {
            let r = &f.imported.record;
            for row in &mut grades {
                row.1 += usize::from(f.review.grade_reported.map(|g| g.label()) == Some(row.0));
                row.2 += usize::from(f.review.grade_recomputed.map(|g| g.label()) == Some(row.0));
            }
            // Money over project forms only (a 部门整体 form is never added to
            // them, as in the consolidated workbook), each sum with the number
            // of forms it covers; the rate over forms that give both figures.
            let total = &r.funds.total;
            if r.kind != Kind::Department {
                add(&mut budget, total.budget);
                add(&mut spent, total.spent);
                if let (Some(b), Some(s)) = (total.budget, total.spent) {
                    add(&mut paired, Some(b));
                    add(&mut paired_spent, Some(s));
                }
            }
            let department = r.department.clone().unwrap_or_default();
            departments.insert(department.clone());
            for finding in &f.review.findings {
                problems.push(json!({
                    "form": n,
                    "department": department,
                    "project": r.project.as_deref().or(r.department.as_deref()).unwrap_or(""),
                    "rule": finding.rule,
                    "severity": severity(finding.severity),
                    "message": finding.message,
                }));
            }
        }
        let (b, s) = (paired.0, paired_spent.0);
        let rate = s
            .checked_div(b)
            .and_then(|r| r.checked_mul(Decimal::ONE_HUNDRED))
            .map(|p| review::display(p) + "%");
        let missing: Option<Vec<String>> = self.roster.as_ref().map(|(_, roster)| {
            let seen: Vec<Seen> = self
                .forms
                .iter()
                .map(|f| Seen {
                    department: f.imported.record.department.clone(),
                    project: f.imported.record.project.clone(),
                    unit: f.imported.record.unit.clone(),
                    source: f.file_name.clone(),
                })
                .collect();
            roster::reconcile(roster, &seen)
                .into_iter()
                .filter_map(|i| match i {
                    Issue::Missing(e) => Some(match e.project {
                        Some(p) => format!("{}（{p}）", e.department),
                        None => e.department,
                    }),
                    _ => None,
                })
                .collect()
        });
        let failed = self.files.iter().filter(|f| f.status == "失败").count();
        json!({
            "files": self.files.len(),
            "failed": failed,
            "forms": self.forms.len(),
            "grades": grades,
            "budget": money(budget.0),
            "budget_forms": budget.1,
            "spent": money(spent.0),
            "spent_forms": spent.1,
            "rate": rate,
            "departments": departments.into_iter().filter(|d| !d.is_empty()).collect::<Vec<_>>(),
            "problems": problems,
            "missing": missing,
        })
    }

    /// Writes the requested output with the CLI's code and returns its
    /// download name and path.
    pub fn download(
        &self,
        what: &str,
        form: Option<usize>,
        region: Option<&str>,
    ) -> Result<(String, PathBuf), String> {
        let one = || {
            form.and_then(|n| self.forms.get(n).map(|f| (n, f)))
                .ok_or_else(|| "没有这张表".to_string())
        };
        let stem = |f: &Form| {
            let r = &f.imported.record;
            safe_name(
                r.project
                    .as_deref()
                    .or(r.department.as_deref())
                    .unwrap_or("自评表"),
            )
        };
        let err = |e: &dyn std::fmt::Display| e.to_string();
        match what {
            "consolidated" | "summary" => {
                if self.forms.is_empty() {
                    return Err("还没有导入任何自评表".into());
                }
                let output = self.out.join("汇总.xlsx");
                let summary = self.out.join("汇总说明.docx");
                let options = crate::batch::Options {
                    inputs: vec![self.uploads.clone()],
                    output: output.clone(),
                    roster: self.roster.as_ref().map(|(p, _)| p.clone()),
                    jsonl: None,
                    summary: Some(summary.clone()),
                    region: region.map(str::to_string),
                    profile: self.profile.clone(),
                    progress: false,
                    mappings: Default::default(),
                };
                crate::batch::consolidate(&options).map_err(|e| err(&e))?;
                Ok(if what == "summary" {
                    ("汇总说明.docx".into(), summary)
                } else {
                    ("汇总.xlsx".into(), output)
                })
            }
            "standard" | "review" => {
                let (n, f) = one()?;
                let review = (what == "review").then_some(&f.review);
                let suffix = if review.is_some() {
                    "复核"
                } else {
                    "标准表"
                };
                let name = format!("{}-{suffix}.xlsx", stem(f));
                let path = self.out.join(format!("{n}-{suffix}.xlsx"));
                standard::write_imported(&path, &f.imported, review).map_err(|e| err(&e))?;
                Ok((name, path))
            }
            "report" => {
                let (n, f) = one()?;
                let text = report::render_with(&f.imported.record, Some(&f.review), &self.profile);
                let path = self.out.join(format!("{n}-报告.docx"));
                docx::write(&path, &text).map_err(|e| err(&e))?;
                Ok((format!("{}-自评报告.docx", stem(f)), path))
            }
            _ => Err("未知的下载项".into()),
        }
    }
}

fn form_title(f: &Form) -> Json {
    let r = &f.imported.record;
    let kind = match r.kind {
        Kind::Department => "部门整体",
        Kind::Project => "项目",
        Kind::Target => "目标申报",
    };
    json!({
        "file": f.file_name,
        "sheet": r.source.sheet,
        "kind": kind,
        "name": r.project.as_deref().or(r.department.as_deref()).unwrap_or("（未填报）"),
        "department": r.department,
        "total": r.total_score.map(review::display),
        "grade": f.review.grade_recomputed.map(|g| g.label()),
        "errors": f.review.count(Severity::Error),
        "warnings": f.review.count(Severity::Warning),
    })
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "错误",
        Severity::Warning => "警告",
        Severity::Info => "提示",
    }
}

/// What a source cell fed, as the page shows it on hover.
fn field_label(field: &Field, record: &crate::model::Record) -> String {
    match field {
        Field::Year => "年度".into(),
        Field::Project => "项目名称".into(),
        Field::Department => "主管部门".into(),
        Field::Unit => "实施单位".into(),
        Field::Fund(line, column) => {
            let line = match line {
                FundLine::Total => "年度资金总额",
                FundLine::Fiscal => "当年财政拨款",
                FundLine::Carryover => "上年结转资金",
                FundLine::Other => "其他资金",
            };
            let column = match column {
                FundColumn::Initial => "年初预算数",
                FundColumn::Budget => "全年预算数",
                FundColumn::Spent => "全年执行数",
            };
            format!("{line}·{column}")
        }
        Field::FundsWeight => "预算执行分值".into(),
        Field::FundsRate => "执行率".into(),
        Field::FundsScore => "预算执行得分".into(),
        Field::GoalsPlanned => "年度总体目标".into(),
        Field::GoalsAchieved => "目标完成情况".into(),
        Field::Indicator(i, column) => {
            let name = record
                .indicators
                .get(*i)
                .and_then(|ind| ind.name.as_deref())
                .unwrap_or("");
            let column = match column {
                IndicatorColumn::Level1 => "一级指标",
                IndicatorColumn::Level2 => "二级指标",
                IndicatorColumn::Name => "三级指标",
                IndicatorColumn::Target => "年度指标值",
                IndicatorColumn::Actual => "实际完成值",
                IndicatorColumn::Weight => "分值",
                IndicatorColumn::Score => "得分",
                IndicatorColumn::Note => "偏差原因",
            };
            format!("指标“{name}”·{column}")
        }
        Field::TotalScore => "总分".into(),
    }
}
