//! C1–C9: whether the form is complete and free of template leftovers.

use std::collections::BTreeMap;

use regex::Regex;
use std::sync::LazyLock;

use super::values::level2_standard;
use super::{Cx, Emit};
use crate::model::{Field, IndicatorColumn, Kind};
use crate::review::value::{normalize, ValueKind};
use crate::review::vocab::{vocabulary, Family, Level2};
use crate::text::fold;

pub(super) fn check(cx: &mut Cx) {
    structure(cx);
    satisfaction(cx);
    level2_labels(cx);
    placeholders(cx);
    goals(cx);
    identity(cx);
    duplicates(cx);
    not_applicable_weighted(cx);
    unread(cx);
}

/// C10: cells inside the form's blocks that the mapping did not read
/// (`source.unread`), one finding each.
fn unread(cx: &mut Cx) {
    let sheet = cx.record.source.sheet.as_deref();
    for u in &cx.record.source.unread {
        let kind = match u.kind {
            crate::model::UnreadKind::Header => cx.text("C10", "header"),
            crate::model::UnreadKind::Cell => cx.text("C10", "cell"),
        };
        let place = sheet.map_or_else(|| u.cell.clone(), |s| format!("{s}!{}", u.cell));
        let e = Emit::new("C10")
            .var("where", place)
            .var("kind", kind)
            .var("text", u.text.clone());
        cx.emit(e);
    }
}

/// C11: nobody scored the form; the identity checks (C7) still apply.
pub(super) fn unscored(cx: &mut Cx) {
    let fields = (0..cx.record.indicators.len())
        .flat_map(|i| {
            [
                Field::Indicator(i, IndicatorColumn::Actual),
                Field::Indicator(i, IndicatorColumn::Score),
            ]
        })
        .take(2)
        .chain([Field::TotalScore]);
    let e = Emit::new("C11")
        .var("count", cx.record.indicators.len().to_string())
        .fields(fields);
    cx.emit(e);
    identity(cx);
}

/// C1: 产出 needs 数量/质量/时效/成本; 效益 needs at least one indicator.
fn structure(cx: &mut Cx) {
    let fw = &cx.families;
    if fw.members.is_empty() || cx.record.kind == Kind::Department {
        return;
    }
    let v = vocabulary();
    let present: Vec<&str> = (0..cx.record.indicators.len())
        .filter_map(|i| level2_standard(cx, i).map(|l| l.label.as_str()))
        .collect();
    // Under 财预〔2021〕101号 成本指标 may be its own 一级 instead of a 二级.
    let own_level1 = |label: &str| {
        v.family_of_level1(label)
            .is_some_and(|f| f != Family::Output && fw.members.contains_key(&f))
    };
    let missing: Vec<&str> = v
        .level2
        .iter()
        .filter(|l| l.family == Family::Output)
        .map(|l| l.label.as_str())
        .filter(|l| !present.contains(l) && !own_level1(l))
        .collect();
    let mut what = Vec::new();
    if !missing.is_empty() {
        what.push(super::fill(
            cx.text("C1", "missing_output"),
            &[("missing", missing.join("、"))],
        ));
    }
    if !fw.members.contains_key(&Family::Benefit) {
        what.push(cx.text("C1", "missing_benefit").to_string());
    }
    if what.is_empty() {
        return;
    }
    let first = fw.members.values().flatten().min().copied();
    let e = Emit::new("C1")
        .var("what", what.join("；"))
        .fields(first.map(|i| Field::Indicator(i, IndicatorColumn::Level1)));
    cx.emit(e);
}

/// C2: a 服务对象满意度 indicator weighted at the standard 10.
fn satisfaction(cx: &mut Cx) {
    let fw = &cx.families;
    if cx.record.indicators.is_empty() || cx.record.kind == Kind::Department {
        return;
    }
    let standard = cx.profile.weights.satisfaction;
    match fw.weights.get(&Family::Satisfaction) {
        _ if !fw.members.contains_key(&Family::Satisfaction) && !any_satisfaction_name(cx) => {
            cx.emit(Emit::new("C2"));
        }
        Some(w) if *w != standard => {
            let first = fw
                .members
                .get(&Family::Satisfaction)
                .and_then(|m| m.first())
                .copied();
            let e = Emit::new("C2")
                .template("message_weight")
                .num("weight", *w)
                .num("standard", standard)
                .fields(first.map(|i| Field::Indicator(i, IndicatorColumn::Level1)));
            cx.emit(e);
        }
        _ => {}
    }
}

fn any_satisfaction_name(cx: &Cx) -> bool {
    cx.record
        .indicators
        .iter()
        .zip(cx.texts)
        .filter(|(ind, _)| ind.name.is_some())
        .any(|(_, texts)| vocabulary().is_satisfaction(&texts.name))
}

/// C3: a 二级 label outside the vocabulary, or an alias of a standard one.
fn level2_labels(cx: &mut Cx) {
    let mut seen: BTreeMap<&str, (usize, Option<&'static Level2>)> = BTreeMap::new();
    for (i, labels) in cx.labels.iter().enumerate() {
        if let Some(l) = labels.level2.as_ref().filter(|l| !l.bare.is_empty()) {
            seen.entry(l.bare.as_str()).or_insert((i, l.standard));
        }
    }
    let odd: Vec<(String, usize, Option<&'static Level2>)> = seen
        .into_iter()
        .filter(|(label, (_, standard))| {
            !standard.is_some_and(|l| vocabulary().is_standard_level2(label, l))
        })
        .map(|(label, (i, standard))| (label.to_string(), i, standard))
        .collect();
    for (label, i, standard) in odd {
        let e = match standard {
            Some(l) => Emit::new("C3")
                .template("message_alias")
                .var("standard", l.label.clone()),
            None => Emit::new("C3"),
        };
        let e = e
            .var("label", label)
            .indicator(i, &[IndicatorColumn::Level2]);
        cx.emit(e);
    }
}

/// Whether an indicator's name is a template placeholder. Tested on the
/// name before sentence punctuation is trimmed: `……` is all punctuation.
fn placeholder_name(cx: &Cx, i: usize) -> bool {
    let v = vocabulary();
    v.placeholders.is_match(&cx.texts[i].name)
        || cx.record.indicators[i].name.as_deref().is_some_and(|n| {
            v.placeholders
                .is_match(&crate::text::nfkc_without_whitespace(n))
        })
}

/// Whether a row is nothing but the template's own leftovers: its name a
/// placeholder (`指标2：`, `……`, `-`) and nothing filled in beside it.
fn template_row(cx: &Cx, i: usize, placeholder_name: bool) -> bool {
    let v = vocabulary();
    let r = &cx.review.indicators[i];
    let ind = &cx.record.indicators[i];
    let leftover = |k: ValueKind| {
        matches!(
            k,
            ValueKind::Empty | ValueKind::NotApplicable | ValueKind::Placeholder
        )
    };
    (placeholder_name || v.is_not_applicable(&cx.texts[i].name))
        && leftover(r.target.kind())
        && leftover(r.actual.kind())
        && ind.score.is_none_or(|s| s.is_zero())
}

/// C4: template placeholders left in a name, target or actual; rows that
/// are nothing but template leftovers are one finding together.
fn placeholders(cx: &mut Cx) {
    // Two patterns per name: looked at once.
    let named: Vec<bool> = (0..cx.record.indicators.len())
        .map(|i| placeholder_name(cx, i))
        .collect();
    let rows: Vec<usize> = (0..named.len())
        .filter(|&i| template_row(cx, i, named[i]))
        .collect();
    if !rows.is_empty() {
        let mut names_unique: Vec<String> = rows.iter().map(|i| cx.name(*i)).collect();
        names_unique.dedup();
        let numbers: Vec<String> = rows.iter().map(|i| (i + 1).to_string()).collect();
        let e = Emit::new("C4")
            .template("message_row")
            .var("rows", numbers.join("、"))
            .var("what", names_unique.join("”“"))
            .fields(
                rows.iter()
                    .map(|i| Field::Indicator(*i, IndicatorColumn::Name)),
            );
        cx.emit(e);
    }
    for (i, &named) in named.iter().enumerate() {
        if rows.contains(&i) {
            continue;
        }
        let r = &cx.review.indicators[i];
        let (what, column) = if named {
            (cx.name(i), IndicatorColumn::Name)
        } else if r.target.kind() == ValueKind::Placeholder {
            (cx.target_text(i), IndicatorColumn::Target)
        } else if r.actual.kind() == ValueKind::Placeholder {
            (cx.actual_text(i), IndicatorColumn::Actual)
        } else {
            continue;
        };
        let e = Emit::new("C4")
            .var("name", cx.name(i))
            .var("what", what)
            .indicator(i, &[column]);
        cx.emit(e);
    }
}

/// C5 (goal missing or copied) and C6 (goal is a money figure only).
fn goals(cx: &mut Cx) {
    let Some(goals) = &cx.record.goals else {
        return;
    };
    let planned = goals.planned.as_deref().map(normalize).unwrap_or_default();
    let achieved = goals.achieved.as_deref().map(normalize).unwrap_or_default();
    let fields = [Field::GoalsPlanned, Field::GoalsAchieved];
    // A template with no 年度总体目标 block (湖北 2020) leaves both cells
    // unlocated: blank is then not "not filled". A record with no provenance
    // at all (built in code) is taken at its word.
    let p = &cx.imported.provenance;
    let located = p.iter().next().is_none()
        || p.get(Field::GoalsPlanned).is_some()
        || p.get(Field::GoalsAchieved).is_some();
    if !located {
        return;
    }
    let mut problems = Vec::new();
    let prompt = |s: &str| !s.is_empty() && vocabulary().goal_prompts.is_match(s);
    let quoted = |t: &Option<String>| {
        t.as_deref()
            .map(crate::text::trim)
            .unwrap_or_default()
            .to_string()
    };
    if planned.is_empty() {
        problems.push(cx.text("C5", "empty_planned").to_string());
    } else if prompt(&planned) {
        let text = quoted(&goals.planned);
        problems.push(super::fill(
            cx.text("C5", "prompt_planned"),
            &[("text", text)],
        ));
    }
    if achieved.is_empty() && cx.scored() {
        problems.push(cx.text("C5", "empty_achieved").to_string());
    } else if prompt(&achieved) {
        let text = quoted(&goals.achieved);
        problems.push(super::fill(
            cx.text("C5", "prompt_achieved"),
            &[("text", text)],
        ));
    }
    if !planned.is_empty() && planned == achieved && !prompt(&planned) {
        let text = goals.planned.clone().unwrap_or_default();
        problems.push(super::fill(cx.text("C5", "identical"), &[("text", text)]));
    }
    if !problems.is_empty() {
        cx.emit(
            Emit::new("C5")
                .var("what", problems.join("；"))
                .fields(fields),
        );
    }
    for (key, text, normalized, field) in [
        ("planned", &goals.planned, &planned, Field::GoalsPlanned),
        ("achieved", &goals.achieved, &achieved, Field::GoalsAchieved),
    ] {
        let Some(text) = text
            .as_deref()
            .filter(|_| vocabulary().money_only.is_match(normalized))
        else {
            continue;
        };
        let e = Emit::new("C6")
            .var("which", cx.text("C6", key))
            .var("text", text)
            .fields([field]);
        cx.emit(e);
    }
}

static FILE_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^0-9])((?:19|20)[0-9]{2})(?:[^0-9]|$)").expect("year regex is valid")
});

/// Compiles the file-name year pattern ahead of the first review.
pub(super) fn prepare() {
    LazyLock::force(&FILE_YEAR);
}

/// C7: the form's year against the file name's; a project form needs its
/// 项目名称.
fn identity(cx: &mut Cx) {
    let file = std::path::Path::new(&cx.record.source.file)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let years: Vec<i32> = FILE_YEAR
        .captures_iter(&file)
        .filter_map(|c| c.get(1)?.as_str().parse().ok())
        .collect();
    let file_year = years
        .first()
        .copied()
        .filter(|y| years.iter().all(|x| x == y));
    if let (Some(year), Some(file_year)) = (cx.record.year, file_year) {
        if year != file_year {
            let e = Emit::new("C7")
                .var("year", year.to_string())
                .var("file_year", file_year.to_string())
                .fields([Field::Year]);
            cx.emit(e);
        }
    }
    if let Some(config_year) = cx.profile.year.filter(|y| cx.record.year != Some(*y)) {
        let year = cx
            .record
            .year
            .map(|y| y.to_string())
            .unwrap_or_else(|| "-".into());
        let e = Emit::new("C7")
            .template("message_config")
            .var("year", year)
            .var("config_year", config_year.to_string())
            .fields([Field::Year]);
        cx.emit(e);
    }
    let unnamed = cx
        .record
        .project
        .as_deref()
        .is_none_or(|p| normalize(p).is_empty());
    if cx.record.kind == Kind::Project && unnamed {
        cx.emit(
            Emit::new("C7")
                .template("message_project")
                .fields([Field::Project]),
        );
    }
    let blank = |t: &Option<String>| {
        t.as_deref()
            .map(normalize)
            .is_none_or(|d| d.is_empty() || vocabulary().is_not_applicable(&d))
    };
    let no_department = blank(&cx.record.department) && blank(&cx.record.unit);
    if cx.record.kind == Kind::Department && no_department {
        cx.emit(
            Emit::new("C7")
                .template("message_department")
                .fields([Field::Department]),
        );
    }
}

/// C8: a 三级 name used twice.
fn duplicates(cx: &mut Cx) {
    let mut names: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, ind) in cx.record.indicators.iter().enumerate() {
        if let Some(name) = ind.name.as_deref().map(fold).filter(|n| !n.is_empty()) {
            names.entry(name).or_default().push(i);
        }
    }
    let mut repeated: Vec<Vec<usize>> = names.into_values().filter(|v| v.len() > 1).collect();
    repeated.sort();
    for rows in repeated {
        let fields = rows
            .iter()
            .map(|i| Field::Indicator(*i, IndicatorColumn::Name));
        let e = Emit::new("C8")
            .var("name", cx.name(rows[0]))
            .var("count", rows.len().to_string())
            .fields(fields);
        cx.emit(e);
    }
}

/// C9: an N/A row that still carries 分值.
fn not_applicable_weighted(cx: &mut Cx) {
    for (i, r) in cx.review.indicators.iter().enumerate() {
        let Some(w) = r.weight.filter(|_| r.dropped_with_weight()) else {
            continue;
        };
        let e = Emit::new("C9")
            .var("name", cx.name(i))
            .num("weight", w)
            .indicator(i, &[IndicatorColumn::Weight, IndicatorColumn::Target]);
        cx.emit(e);
    }
}
