//! A project's 绩效自评报告 drafted from its record and review (Markdown).
