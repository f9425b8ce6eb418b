//! A clean standard form built in code, shared by the review and check tests.

use jixiao::model::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

pub fn row(l1: &str, l2: &str, name: &str, target: &str, actual: &str, w: Decimal) -> Indicator {
    Indicator {
        level1: Some(l1.into()),
        level2: Some(l2.into()),
        name: Some(name.into()),
        target: Some(target.into()),
        actual: Some(actual.into()),
        weight: Some(w),
        score: Some(w),
        note: None,
    }
}

/// A standard 财预〔2020〕10号 form with nothing wrong in it.
pub fn clean() -> Record {
    let mut r = Record::new(
        Kind::Project,
        Source {
            file: "forms/peixun-2021.xlsx".into(),
            sheet: Some("自评表".into()),
            mapping: None,
            ..Default::default()
        },
    );
    r.year = Some(2021);
    r.project = Some("代表履职培训".into());
    r.department = Some("市人大常委会办公室".into());
    r.unit = Some("市人大常委会办公室".into());
    let full = FundRow {
        initial: Some(dec!(100)),
        budget: Some(dec!(100)),
        spent: Some(dec!(100)),
    };
    r.funds = Funds {
        total: full.clone(),
        fiscal: full,
        weight: Some(dec!(10)),
        rate: Some(dec!(1)),
        score: Some(dec!(10)),
        ..Funds::default()
    };
    r.goals = Some(Goals {
        planned: Some("组织代表培训4期".into()),
        achieved: Some("完成代表培训4期，参训率95%".into()),
    });
    let (p, b, s) = ("产出指标（50分）", "效益指标（30分）", "满意度指标（10分）");
    r.indicators = vec![
        row(p, "数量指标", "培训期数", "≥4期", "4期", dec!(10)),
        row(p, "质量指标", "参训率", "≥90%", "95%", dec!(15)),
        row(p, "时效指标", "经费拨付及时性", "及时", "及时", dec!(10)),
        row(p, "成本指标", "培训成本", "≤50万元", "48万元", dec!(15)),
        row(b, "社会效益指标", "学员结业率", "≥95%", "98%", dec!(15)),
        row(b, "可持续影响指标", "长效机制", "长期", "长期", dec!(15)),
        row(
            s,
            "服务对象满意度指标",
            "学员满意度",
            "≥90%",
            "95%",
            dec!(10),
        ),
    ];
    r.total_score = Some(dec!(100));
    r
}
