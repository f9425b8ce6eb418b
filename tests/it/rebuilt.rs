//! Forms rebuilt from published ones (`tests/fixtures/rebuilt/README.md`).
//!
//! New forms join the folder before the importer can read them all, so a
//! form the importer gets wrong does not fail `cargo test`: it shows in
//! `scripts/score-rebuilt` (exact / with differences / refused). The forms
//! in [`EXACT`] are held here: each must keep importing exactly. Add a form
//! to the list once it does.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::import_cli::{assert_same, expected_for, import_json};

/// Forms that import exactly today (from `scripts/score-rebuilt`).
const EXACT: &[&str] = &[
    "baiyin-jianchayuan-2022.xls",
    "benxi-shuiwu-bumen-2022.xlsx",
    "chongqing-kexuecheng-2021.xlsx",
    "daying-sifa-jianshe-2023.xlsx",
    "dongsheng-jianchayuan-2024.xlsx",
    "guantang-xiang-bumen-2023.xlsx",
    "haidian-baojie-2016.xlsx",
    "hanyin-tongchou-zhuanyi-2021.xlsx",
    "hengshan-chubeiliang-2020.xls",
    "heshan-chengguan-bumen-2019.xlsx",
    "honghe-liudaku-2024.csv",
    "honghe-zhanting-yunwei-2024.xlsx",
    "hongya-xiaoe-xindai-2021.csv",
    "huitong-caizheng-bumen-2022.xls",
    "huitong-zhusun-zhuanyi-2022.xls",
    "jiangmen-xianjie-zhuanyi-2023.xls",
    "jiangsu-shengji-keji-2017.xlsx",
    "jiayuguan-jianchayuan-2023.xls",
    "jingchu-xueke-2021.xlsx",
    "jinzhai-meili-bumen-2023-gbk.csv",
    "jinzhai-meili-bumen-2023.xlsx",
    "jiuyuan-jianchayuan-2023.xls",
    "lincheng-daolu-2021.xlsx",
    "liuzhou-fangzhi-bumen-2022.xlsx",
    "longhui-renju-2021.xlsx",
    "mianyang-jianchayuan-2022.ods",
    "nanxian-weiyuan-huodong-2021.xlsx",
    "nanxian-zhengxie-bumen-2021.ods",
    "pingquan-jianchayuan-2023.xlsx",
    "qijiang-xiangcun-zhuanyi-2021.csv",
    "qingshen-gongzi-2023.xlsx",
    "qushangwu-fuwumaoyi-2020.xlsx",
    "quxian-nongji-bumen-2024.csv",
    "tianchang-shuihan-2022.xlsx",
    "tianshui-canlian-bumen-2021.xlsx",
    "tianshui-gongyi-buti-zhuanyi-2021.xls",
    "tianshui-shipin-choujian-2021.xls",
    "tianshui-suidao-2021.xlsx",
    "tianshui-weixiao-wumian-2021.ods",
    "tianxing-weishengyuan-2021.xls",
    "wenchuan-shipin-zhuanyi-2021.xlsx",
    "wendeng-huanwei-2022.xlsx",
    "wulatezhong-caoyuan-zhuanyi-2022.xls",
    "xianjie-quyu-zhuanyi-noyear.ods",
    "xiaoxian-hexi-zhongyang-2023.xlsx",
    "yinchuan-gongyong-2021.xlsx",
    "yongde-yingyang-2022.xls",
    "yongde-yingyang-2022.xlsx",
    "yueyang-shuzichengguan-2018.xls",
    "yueyang-xinxi-caiji-2018.xlsx",
    "yunxian-caizheng-bumen-2022.xls",
    "yuquan-jianchayuan-banan-2021.xlsx",
    "yuxi-zhen-bumen-2022.xlsx",
    "zhangjia-zhen-gongzi-2022.xls",
    "zhongjiang-shuibiaochi-2022.xlsx",
];

fn rebuilt() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rebuilt")
}

/// Every form of the folder: the files with an `.expected.json` beside them.
fn forms() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(rebuilt())
        .unwrap_or_else(|e| panic!("tests/fixtures/rebuilt: {e}"))
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter_map(|n| n.strip_suffix(".expected.json").map(str::to_owned))
        .collect();
    names.sort();
    names
}

/// 专项资金名称, a sign-off line under a table without 总分, `（盖章）` on a
/// label, `参考分值`, a placeholder row marked `/`, 分值 before 年度指标值,
/// 元 amounts, split targets, a department form, `.xls`.
#[test]
fn forms_known_to_import_exactly_still_do() {
    for name in EXACT {
        let form = rebuilt().join(name);
        let actual = import_json(&form, &[]);
        assert_same(&expected_for(&form), &actual, name);
    }
}

/// The list names forms that exist, and every form is accounted for: its
/// file, an expected record of the contract's schema, a README entry; no
/// form file lies in the folder without a record.
#[test]
fn every_rebuilt_form_is_documented_and_has_a_record() {
    let forms = forms();
    assert!(forms.len() >= 12, "rebuilt forms missing: {forms:?}");
    for name in EXACT {
        assert!(
            forms.iter().any(|f| f == name),
            "{name} is listed but has no record"
        );
    }
    for file in std::fs::read_dir(rebuilt()).into_iter().flatten().flatten() {
        let name = file.file_name().to_string_lossy().into_owned();
        let is_form = [".xlsx", ".xls", ".ods", ".csv"]
            .iter()
            .any(|x| name.ends_with(x));
        assert!(
            !is_form || forms.contains(&name),
            "{name}: a form without an expected record"
        );
    }
    let readme = std::fs::read_to_string(rebuilt().join("README.md"))
        .unwrap_or_else(|e| panic!("rebuilt/README.md: {e}"));
    for name in &forms {
        let form = rebuilt().join(name);
        assert!(form.is_file(), "{name}: the form file is missing");
        assert!(
            readme.contains(&format!("`{name}`")),
            "{name}: no entry in README.md"
        );
        let records = match expected_for(&form) {
            Value::Array(list) => list,
            one => vec![one],
        };
        for r in records {
            assert_eq!(r["schema"], "jixiao.evaluation/1", "{name}");
            let kind = r["kind"].as_str().unwrap_or("");
            assert!(
                ["project", "department", "target"].contains(&kind),
                "{name}: kind {kind}"
            );
        }
    }
}

/// A department form published without its title row is still one: its
/// body names 部门整体支出 (总额). Its goal, under a numbered label
/// (`年度目标1:`), is not read yet, so it is not in [`EXACT`].
#[test]
fn a_department_form_without_its_title_is_read_as_one() {
    let form = rebuilt().join("tanghu-zhen-bumen-2020.xlsx");
    let record = import_json(&form, &[]);
    let record = record.as_array().map_or(&record, |a| &a[0]);
    assert_eq!(record["kind"], "department", "{record}");
    assert_eq!(record["department"], "塘湖镇人民政府", "{record}");
    assert_eq!(record["funds"]["total"]["budget"], "864.2", "{record}");
    assert_eq!(record["indicators"].as_array().map(Vec::len), Some(6));
}
