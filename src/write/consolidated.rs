//! The consolidated workbook for the bureau (汇总, 指标明细, 部门汇总, 问题清单, 导入情况).
