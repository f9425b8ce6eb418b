//! The 一级 and 二级 labels of every indicator, folded and looked up once
//! per record: several rules read them, and a merged cell repeats one label
//! down many rows.

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::model::Record;
use crate::review::vocab::{vocabulary, Family, Level2};
use crate::text::fold;

/// A 一级 label as the rules read it.
#[derive(Clone, Debug)]
pub(super) struct Level1Label {
    pub family: Option<Family>,
    /// The weight printed in it (`产出指标（50分）` → 50).
    pub weight: Option<Decimal>,
}

/// A 二级 label as the rules read it.
#[derive(Clone, Debug)]
pub(super) struct Level2Label {
    /// The weight printed in it (`数量指标（20分）` → 20).
    pub weight: Option<Decimal>,
    /// Folded, without its printed weight (`数量指标`).
    pub bare: String,
    /// The standard entry it names, through the aliases.
    pub standard: Option<&'static Level2>,
}

/// The labels of one indicator; `None` where the cell is blank.
#[derive(Clone, Debug, Default)]
pub(super) struct Labels {
    pub level1: Option<Level1Label>,
    pub level2: Option<Level2Label>,
}

/// The labels of every indicator, in order.
pub(super) fn labels(record: &Record) -> Vec<Labels> {
    let mut level1s = HashMap::new();
    let mut level2s = HashMap::new();
    record
        .indicators
        .iter()
        .map(|ind| Labels {
            level1: ind
                .level1
                .as_deref()
                .map(|l| read_once(&mut level1s, l, level1)),
            level2: ind
                .level2
                .as_deref()
                .map(|l| read_once(&mut level2s, l, level2)),
        })
        .collect()
}

/// A label read on an earlier row is not read again: a form has a few
/// distinct labels, repeated down its rows.
fn read_once<'a, T: Clone>(
    seen: &mut HashMap<&'a str, T>,
    label: &'a str,
    read: fn(&str) -> T,
) -> T {
    seen.entry(label).or_insert_with(|| read(label)).clone()
}

fn level1(label: &str) -> Level1Label {
    let v = vocabulary();
    let folded = fold(label);
    Level1Label {
        family: v.family_of_level1(&folded),
        weight: v.weight_in_label(&folded),
    }
}

fn level2(label: &str) -> Level2Label {
    let v = vocabulary();
    let folded = fold(label);
    let bare = strip_weight(&folded);
    Level2Label {
        weight: v.weight_in_label(&folded),
        standard: v.level2_of(&bare),
        bare,
    }
}

/// A label without its printed weight (`数量指标（20分）` → `数量指标`).
fn strip_weight(label: &str) -> String {
    vocabulary()
        .label_weight
        .replace_all(label, "")
        .into_owned()
}
