//! The bureau-level summary (汇总说明) drafted from a consolidated batch (Markdown).
