//! The standard 财预〔2020〕10号 项目支出绩效自评表 workbook, written from a record.
